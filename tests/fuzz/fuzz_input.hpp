// What every libFuzzer harness here shares: the loaders read files, so the fuzzer's bytes go to a file of this
// process first; the project's Error is how a bad input must end, and anything else that escapes (another
// exception, a crash, a sanitizer report, a hang, a large allocation) is a finding.
#pragma once

#include "reshare/common/error.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace reshare::fuzz {

// A folder of this process's own for the inputs it writes.
inline const std::string& scratch_dir() {
    static const std::string dir = [] {
        const std::string d = (std::filesystem::temp_directory_path() / ("reshare-fuzz-" + std::to_string(getpid()))).string();
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

inline std::string write_file(const std::string& name, const uint8_t* data, size_t size) {
    const std::string path = scratch_dir() + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), std::streamsize(size));
    return path;
}

// A JSON file with a weight shard beside it, as one input: the JSON, the separator, then the shard's bytes, which
// are written as `shard.bin` (the seeds' manifests name that one shard; scripts/fuzz.sh makes them so).
inline std::string write_json_with_shard(const std::string& json_name, const uint8_t* data, size_t size) {
    static const std::string separator = "\n--shard--\n";
    const std::string all(reinterpret_cast<const char*>(data), size);
    const size_t at = all.find(separator);
    const std::string json = all.substr(0, at), shard = at == std::string::npos ? "" : all.substr(at + separator.size());
    write_file("shard.bin", reinterpret_cast<const uint8_t*>(shard.data()), shard.size());
    return write_file(json_name, reinterpret_cast<const uint8_t*>(json.data()), json.size());
}

template <class Load>
int expect_error_or_success(Load load) {
    try {
        load();
    } catch (const reshare::Error&) {
    }
    return 0;
}

}  // namespace reshare::fuzz
