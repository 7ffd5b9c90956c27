// The compressed layer image: one binary file per layer, everything the hardware model needs (docs/formats.md).
//
// Little-endian. A 32-byte header (magic "RSHRLAYR", format version, payload size, CRC-32 of the payload,
// CRC-32 of the header) then tagged sections (4-char tag, element size, byte count, data). The reader checks
// magic, version, sizes, both CRCs, and every table against the geometry, so a truncated, corrupted or
// foreign file is a one-line reshare::Error, never a crash or a silently wrong layer.
#pragma once

#include "reshare/offline/compressed_layer.hpp"

#include <string>
#include <vector>

namespace reshare {

constexpr uint32_t kLayerImageVersion = 1;

std::vector<char> encode_layer_image(const CompressedLayer& layer);
// `what` names the source in error messages (usually the file path).
CompressedLayer decode_layer_image(const std::vector<char>& bytes, const std::string& what);

void write_layer_image(const std::string& path, const CompressedLayer& layer);
CompressedLayer read_layer_image(const std::string& path);

}  // namespace reshare
