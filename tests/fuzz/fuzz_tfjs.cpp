// TF.js weight manifests and their shard (the input: manifest JSON, "\n--shard--\n", the shard's bytes).
#include "fuzz_input.hpp"
#include "reshare/models/tfjs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = reshare::fuzz::write_json_with_shard("weights_manifest.json", data, size);
    return reshare::fuzz::expect_error_or_success([&] { reshare::models::load_tfjs_manifest(path); });
}
