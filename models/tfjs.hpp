// Reader of TF.js weight manifests (model-weights_manifest.json + binary shards).
//
// A manifest is a JSON array of groups {"paths": [shard files], "weights": [{name, shape, dtype,
// quantization?}]}; each group's shards concatenated hold its tensors back to back in list order.
// dtype float32 or int32 (stored as 4-byte little-endian values), or affine-quantized: quantization
// {dtype: uint8|uint16, scale, min} stores q and means q * scale + min. Every tensor comes back as float.
#pragma once

#include "reshare/models/tensor.hpp"

#include <string>

namespace reshare::models {

// Throws reshare::Error with a one-line message naming the file and the problem: missing or unreadable
// file, malformed JSON, unknown dtype, shard shorter or longer than its tensors.
TensorMap load_tfjs_manifest(const std::string& manifest_path);

}  // namespace reshare::models
