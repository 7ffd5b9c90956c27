// Layer images (docs/formats.md): the decoder the CLI and the accelerator's controller both use.
#include "fuzz_input.hpp"
#include "reshare/offline/layer_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<char> bytes(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size);
    return reshare::fuzz::expect_error_or_success([&] { reshare::decode_layer_image(bytes, "fuzz input"); });
}
