// YAML configurations: load_config reads, validates and range-checks every key.
#include "fuzz_input.hpp"
#include "reshare/common/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = reshare::fuzz::write_file("config.yaml", data, size);
    return reshare::fuzz::expect_error_or_success([&] { reshare::load_config(path); });
}
