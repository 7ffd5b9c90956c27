// The one error type of the project: a one-line message for the user and the exit code it maps to.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace reshare {

// Exit codes of the command-line tools (docs/cli.md).
enum class ExitCode : int {
    Ok = 0,
    Failure = 1,     // an internal or I/O failure
    BadInput = 2,    // bad argument, config key, model file, image or layer file: the user can fix it
};

// An address or raw value in a message: "0x1f000".
inline std::string hex(uint64_t v) {
    char s[19];
    std::snprintf(s, sizeof s, "0x%llx", static_cast<unsigned long long>(v));
    return s;
}

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, ExitCode code = ExitCode::BadInput)
        : std::runtime_error(message), code_(code) {}
    ExitCode code() const { return code_; }

private:
    ExitCode code_;
};

}  // namespace reshare
