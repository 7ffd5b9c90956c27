#include "reshare/common/interrupt.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace reshare {
namespace {

std::mutex& lock() {
    static std::mutex m;
    return m;
}

std::vector<std::string>& pending() {
    static std::vector<std::string> paths;
    return paths;
}

void remove_pending() {
    std::error_code ec;
    for (const std::string& p : pending()) std::filesystem::remove_all(p, ec);
}

void wait_for_signal(sigset_t set) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    {
        std::lock_guard<std::mutex> g(lock());
        remove_pending();
        // A writer may have been between creating a file and registering its folder's removal: look once more.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        remove_pending();
    }
    _exit(128 + sig);
}

}  // namespace

void install_interrupt_cleanup() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);   // every thread started from here on inherits the mask
    std::thread(wait_for_signal, set).detach();
}

RemoveOnInterrupt::RemoveOnInterrupt(std::string path) : path_(std::move(path)) {
    std::lock_guard<std::mutex> g(lock());
    pending().push_back(path_);
}

RemoveOnInterrupt::~RemoveOnInterrupt() {
    std::lock_guard<std::mutex> g(lock());
    auto& p = pending();
    const auto it = std::find(p.begin(), p.end(), path_);
    if (it != p.end()) p.erase(it);
}

}  // namespace reshare
