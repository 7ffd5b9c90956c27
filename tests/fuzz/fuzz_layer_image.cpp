// Layer images (docs/formats.md): the decoder the CLI and the accelerator's controller both use.
//
// Each input is decoded twice: as it is (the header's checks: magic, version, sizes, the two CRC-32s), then, when it
// starts with the magic, with its payload size and both checksums rewritten to match. A mutation almost never keeps
// a CRC-32 right, so without the second decode the fuzzer would only ever meet the checksum check and never the
// tables behind it (the sections, task lists and index tables a damaged file can hold).
#include "fuzz_input.hpp"
#include "reshare/offline/layer_image.hpp"

#include <zlib.h>

#include <cstring>

namespace {

uint32_t crc(const char* data, size_t n) { return uint32_t(::crc32(0L, reinterpret_cast<const Bytef*>(data), uInt(n))); }

// The header fields the decoder checks first (offsets as docs/formats.md gives them), made consistent.
void fix_header(std::vector<char>& b) {
    const uint64_t payload = b.size() - 32;
    std::memcpy(&b[16], &payload, 8);
    const uint32_t payload_crc = crc(b.data() + 32, b.size() - 32);
    std::memcpy(&b[24], &payload_crc, 4);
    const uint32_t header_crc = crc(b.data(), 28);
    std::memcpy(&b[28], &header_crc, 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<char> bytes(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size);
    reshare::fuzz::expect_error_or_success([&] { reshare::decode_layer_image(bytes, "fuzz input"); });
    if (bytes.size() < 32 || std::memcmp(bytes.data(), "RSHRLAYR", 8) != 0) return 0;
    fix_header(bytes);
    return reshare::fuzz::expect_error_or_success([&] { reshare::decode_layer_image(bytes, "fuzz input, checksums fixed"); });
}
