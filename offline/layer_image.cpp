#include "reshare/offline/layer_image.hpp"

#include "reshare/common/error.hpp"
#include "reshare/offline/image_sections.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

namespace reshare {
namespace {

constexpr char kMagic[8] = {'R', 'S', 'H', 'R', 'L', 'A', 'Y', 'R'};
constexpr size_t kHeaderBytes = 32;

// CRC-32 (IEEE 802.3, as zip and PNG use it); zlib's is table-driven and many times faster than bytewise.
uint32_t checksum(const char* data, size_t n) {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    while (n > 0) {
        const uInt chunk = uInt(std::min<size_t>(n, 1u << 30));
        crc = ::crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
        data += chunk;
        n -= chunk;
    }
    return uint32_t(crc);
}

template <class T>
void put_at(char* at, T v) {
    std::memcpy(at, &v, sizeof(T));
}

// Fixed-layout description of the layer: scheme, encoding and geometry.
struct Meta {
    uint8_t scheme, encoding, quant, weight_bits, input_bits, cell_bits, reserved[2];
    int32_t rows, cols, groups, planes, ou_rows, ou_cols, xbar_rows, xbar_cols, block_results, result_bits;
};

Meta meta_of(const CompressedLayer& l) {
    const LayerGeometry& g = l.geo;
    return Meta{uint8_t(l.scheme), uint8_t(l.encoding), uint8_t(l.quant), uint8_t(l.weight_bits), uint8_t(l.input_bits),
                uint8_t(g.cell_bits), {0, 0}, g.rows, g.cols, g.groups, g.planes, g.ou_rows, g.ou_cols, g.xbar_rows,
                g.xbar_cols, g.block_results, g.result_bits};
}

// Checks the header and the payload's checksum; every failure names the source.
void check_header(const std::vector<char>& bytes, const std::string& what) {
    auto fail_if = [&](bool bad, const std::string& problem) {
        if (bad) throw Error("layer image " + what + ": " + problem);
    };
    fail_if(bytes.size() < kHeaderBytes, "truncated: " + std::to_string(bytes.size()) + " bytes, no complete header");
    fail_if(std::memcmp(bytes.data(), kMagic, 8) != 0, "not a reshare layer image (bad magic)");
    uint32_t version, header_crc, payload_crc;
    uint64_t payload_bytes;
    std::memcpy(&version, &bytes[8], 4);
    std::memcpy(&payload_bytes, &bytes[16], 8);
    std::memcpy(&payload_crc, &bytes[24], 4);
    std::memcpy(&header_crc, &bytes[28], 4);
    fail_if(checksum(bytes.data(), 28) != header_crc, "corrupted header (checksum mismatch)");
    fail_if(version != kLayerImageVersion, "format version " + std::to_string(version) + ", this build reads version " +
                                               std::to_string(kLayerImageVersion));
    fail_if(bytes.size() - kHeaderBytes != payload_bytes,
            "truncated or padded: header promises " + std::to_string(payload_bytes) + " payload bytes, file has " +
                std::to_string(bytes.size() - kHeaderBytes));
    fail_if(checksum(&bytes[kHeaderBytes], payload_bytes) != payload_crc, "corrupted payload (checksum mismatch)");
}

void read_geometry(const ImageReader& r, CompressedLayer& l) {
    const auto meta = r.array<char>("META");
    r.fail_if(meta.size() != sizeof(Meta), "META section has the wrong size");
    Meta m;
    std::memcpy(&m, meta.data(), sizeof m);
    r.fail_if(m.scheme >= all_schemes().size() || m.encoding > uint8_t(Encoding::Differential) ||
                  m.quant > uint8_t(QuantGranularity::PerChannel),
              "unknown scheme, encoding or quantization code");
    l.scheme = Scheme(m.scheme);
    l.encoding = Encoding(m.encoding);
    l.quant = QuantGranularity(m.quant);
    l.weight_bits = m.weight_bits;
    l.input_bits = m.input_bits;

    // The geometry must be one validate() accepts and agree with the encoding's plane count.
    HwConfig c;
    c.source = "of the image";
    c.xbar_rows = m.xbar_rows, c.xbar_cols = m.xbar_cols, c.cell_bits = m.cell_bits;
    c.ou_rows = m.ou_rows, c.ou_cols = m.ou_cols, c.weight_bits = m.weight_bits, c.input_bits = m.input_bits;
    c.encoding = l.encoding, c.quant = l.quant, c.result_bits = m.result_bits;
    // In 64 bits: a damaged image's counts would overflow int (fuzz-findings L1 under UBSan).
    const int64_t block_bytes = int64_t(m.block_results) * m.result_bits / 8;
    r.fail_if(block_bytes < 0 || block_bytes > std::numeric_limits<int>::max(), "invalid geometry: the block size overflows");
    c.block_bytes = int(block_bytes);
    try {
        validate(c);
    } catch (const Error& e) {
        r.fail_if(true, std::string("invalid geometry: ") + e.what());
    }
    r.fail_if(m.block_results != c.results_per_block(), "invalid block size");
    r.fail_if(m.rows <= 0 || m.cols <= 0 || m.groups <= 0 || m.cols % m.groups || m.rows > (1 << 24) || m.cols > (1 << 24),
              "invalid matrix shape");
    r.fail_if(m.planes != BitSlicing(c).planes(), "plane count does not match the encoding");
    const std::string name = [&] { const auto n = r.array<char>("NAME"); return std::string(n.begin(), n.end()); }();
    l.name = name;
    QuantizedMatrix shape;
    shape.name = name, shape.rows = m.rows, shape.cols = m.cols, shape.groups = m.groups;
    l.geo = LayerGeometry(c, shape, BitSlicing(c));
    r.fail_if(!layer_size_problem(l.geo).empty(), "layer too large: " + layer_size_problem(l.geo));
    l.scale = r.array<double>("SCAL");
    r.fail_if(l.scale.size() != 1 && l.scale.size() != size_t(m.cols), "scale count matches neither tensor nor columns");
}

}  // namespace

std::vector<char> encode_layer_image(const CompressedLayer& l) {
    const Meta meta = meta_of(l);
    auto sections = [&](ImageWriter& w) {
        w.section("META", 1, &meta, sizeof meta);
        w.section("NAME", 1, l.name.data(), l.name.size());
        w.array("SCAL", l.scale);
        scheme_def(l.scheme).encode(l, w);
    };
    ImageWriter count(ImageWriter::Mode::Count, kHeaderBytes);
    sections(count);
    ImageWriter w(ImageWriter::Mode::Write, kHeaderBytes, count.size());
    sections(w);
    std::vector<char> out = w.take();
    const uint64_t payload_bytes = out.size() - kHeaderBytes;
    char* h = out.data();
    std::memcpy(h, kMagic, 8);
    put_at(h + 8, kLayerImageVersion);
    put_at(h + 12, uint32_t(0));
    put_at(h + 16, payload_bytes);
    put_at(h + 24, checksum(h + kHeaderBytes, payload_bytes));
    put_at(h + 28, checksum(h, 28));
    return out;
}

CompressedLayer decode_layer_image(const std::vector<char>& bytes, const std::string& what) {
    check_header(bytes, what);
    const ImageReader r(bytes, kHeaderBytes, what);
    CompressedLayer l;
    read_geometry(r, l);
    l.tables = scheme_def(l.scheme).decode(r, l);
    return l;
}

void write_layer_image(const std::string& path, const CompressedLayer& layer) {
    const std::vector<char> bytes = encode_layer_image(layer);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f) throw Error("cannot write layer image " + path, ExitCode::Failure);
}

CompressedLayer read_layer_image(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error("layer image " + path + ": cannot open the file");
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return decode_layer_image(bytes, path);
}

}  // namespace reshare
