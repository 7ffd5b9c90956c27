// Keras / TF.js layers models: model.json (topology and weightsManifest) with its shard, as in fuzz_tfjs.cpp.
#include "fuzz_input.hpp"
#include "reshare/models/keras.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = reshare::fuzz::write_json_with_shard("model.json", data, size);
    return reshare::fuzz::expect_error_or_success([&] { reshare::models::load_keras(path); });
}
