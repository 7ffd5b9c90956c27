// Photos (JPEG, PNG): the checks before stb_image, stb_image itself, then the resize to a network's input plane.
#include "fuzz_input.hpp"
#include "reshare/inference/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = reshare::fuzz::write_file("photo", data, size);
    return reshare::fuzz::expect_error_or_success([&] {
        const reshare::inference::Image img = reshare::inference::load_image(path);
        reshare::inference::resize_bilinear(img, 32, 32);
    });
}
