// Ctrl-C and SIGTERM leave nothing half-written: the paths a command is writing are registered while it writes
// them, and on SIGINT or SIGTERM a dedicated thread removes them and exits with the conventional code (128 + signal).
// The signals are blocked in every other thread (install before starting any), so the removal runs as ordinary code,
// not inside a signal handler.
#pragma once

#include <string>

namespace reshare {

// Call once, first thing in main(), before any thread is started.
void install_interrupt_cleanup();

// While alive, `path` (a file or a folder, removed recursively) is removed if the process is interrupted.
class RemoveOnInterrupt {
public:
    explicit RemoveOnInterrupt(std::string path);
    ~RemoveOnInterrupt();
    RemoveOnInterrupt(const RemoveOnInterrupt&) = delete;
    RemoveOnInterrupt& operator=(const RemoveOnInterrupt&) = delete;

private:
    std::string path_;
};

}  // namespace reshare
