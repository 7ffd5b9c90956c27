// ONNX files, through the ONNX project's protobuf classes and the importer's graph checks.
#include "fuzz_input.hpp"
#include "reshare/models/onnx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = reshare::fuzz::write_file("model.onnx", data, size);
    return reshare::fuzz::expect_error_or_success([&] { reshare::models::load_onnx(path); });
}
