#include "offline/layer_image.hpp"

#include "common/error.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "layer images are written in host order: little-endian only");

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
void put(std::vector<char>& out, T v) {
    const char* p = reinterpret_cast<const char*>(&v);
    out.insert(out.end(), p, p + sizeof(T));
}

void put_section(std::vector<char>& out, const char tag[4], uint32_t element_size, const void* data, uint64_t bytes) {
    out.insert(out.end(), tag, tag + 4);
    put(out, element_size);
    put(out, bytes);
    const char* p = static_cast<const char*>(data);
    out.insert(out.end(), p, p + bytes);
}

template <class T>
void put_array(std::vector<char>& out, const char tag[4], const std::vector<T>& v) {
    put_section(out, tag, sizeof(T), v.data(), v.size() * sizeof(T));
}

// Unsigned tables are stored in the narrowest of 1, 2 or 4 bytes that holds their largest value.
template <class T>
void put_narrow(std::vector<char>& out, const char tag[4], const std::vector<T>& v) {
    uint64_t top = 0;
    for (T x : v) top = std::max<uint64_t>(top, x);
    const uint32_t width = top <= 0xff ? 1 : top <= 0xffff ? 2 : 4;
    if (width == sizeof(T)) return put_array(out, tag, v);
    std::vector<char> packed(v.size() * width);
    for (size_t i = 0; i < v.size(); ++i) {
        const uint32_t x = uint32_t(v[i]);
        std::memcpy(&packed[i * width], &x, width);   // little-endian: the low bytes come first
    }
    put_section(out, tag, width, packed.data(), packed.size());
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

// Reads sections out of a checked payload; every failure names the source.
class Reader {
public:
    Reader(const std::vector<char>& bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {
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
        index_sections(bytes);
    }

    void fail_if(bool bad, const std::string& problem) const {
        if (bad) throw Error("layer image " + what_ + ": " + problem);
    }

    template <class T>
    std::vector<T> array(const char* tag) const {
        const auto it = sections_.find(tag);
        fail_if(it == sections_.end(), std::string("missing section ") + tag);
        const Section& s = it->second;
        fail_if(s.element_size != sizeof(T) || s.bytes % sizeof(T), std::string("section ") + tag + " has the wrong element size");
        std::vector<T> v(s.bytes / sizeof(T));
        if (!v.empty()) std::memcpy(v.data(), &bytes_[s.at], s.bytes);
        return v;
    }

    // A table written by put_narrow: any element width up to sizeof(T), widened back.
    template <class T>
    std::vector<T> narrow_array(const char* tag) const {
        const auto it = sections_.find(tag);
        fail_if(it == sections_.end(), std::string("missing section ") + tag);
        const Section& s = it->second;
        const uint32_t w = s.element_size;
        fail_if((w != 1 && w != 2 && w != 4) || w > sizeof(T) || s.bytes % w,
                std::string("section ") + tag + " has the wrong element size");
        if (w == sizeof(T)) return array<T>(tag);
        std::vector<T> v(s.bytes / w);
        for (size_t i = 0; i < v.size(); ++i) {
            uint32_t x = 0;
            std::memcpy(&x, &bytes_[s.at + i * w], w);
            v[i] = T(x);
        }
        return v;
    }

private:
    void index_sections(const std::vector<char>& bytes) {
        size_t at = kHeaderBytes;
        while (at < bytes.size()) {
            fail_if(bytes.size() - at < 16, "truncated section header");
            std::string tag(&bytes[at], 4);
            uint32_t element_size;
            uint64_t n;
            std::memcpy(&element_size, &bytes[at + 4], 4);
            std::memcpy(&n, &bytes[at + 8], 8);
            at += 16;
            fail_if(n > bytes.size() - at, "section " + tag + " runs past the end of the file");
            sections_[tag] = {element_size, at, n};
            at += n;
        }
    }

    struct Section {
        uint32_t element_size;
        size_t at;
        uint64_t bytes;
    };
    const std::vector<char>& bytes_;
    std::string what_;
    std::map<std::string, Section> sections_;
};

template <class T>
uint64_t sum(const std::vector<T>& v) {
    uint64_t s = 0;
    for (T x : v) s += x;
    return s;
}

template <class T>
bool all_below(const std::vector<T>& v, uint64_t limit) {
    for (T x : v)
        if (uint64_t(x) >= limit) return false;
    return true;
}

void read_geometry(const Reader& r, CompressedLayer& l) {
    const auto meta = r.array<char>("META");
    r.fail_if(meta.size() != sizeof(Meta), "META section has the wrong size");
    Meta m;
    std::memcpy(&m, meta.data(), sizeof m);
    r.fail_if(m.scheme > uint8_t(Scheme::ReShare) || m.encoding > uint8_t(Encoding::Differential) ||
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
    c.block_bytes = m.block_results * m.result_bits / 8;
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
    l.scale = r.array<double>("SCAL");
    r.fail_if(l.scale.size() != 1 && l.scale.size() != size_t(m.cols), "scale count matches neither tensor nor columns");
}

// A kept row of the last row tile must lie above the matrix's last row.
void check_rows_inside_matrix(const Reader& r, const CompressedLayer& l) {
    const LayerGeometry& g = l.geo;
    const std::vector<uint64_t> start = offsets(l.strip_rows);
    for (int s = 0; s < l.strips(); ++s) {
        const int row0 = (s / l.strips_per_tile() % g.row_tiles()) * g.xbar_rows;
        for (uint64_t k = start[s]; k < start[s + 1]; ++k)
            r.fail_if(row0 + l.kept_row[k] >= g.rows, "row index below the last matrix row");
    }
}

void read_tables(const Reader& r, CompressedLayer& l) {
    const LayerGeometry& g = l.geo;
    const uint64_t key_limit = uint64_t(1) << g.key_bits();
    switch (l.scheme) {
        case Scheme::Dense: {
            l.weights = r.array<int8_t>("WGHT");
            r.fail_if(l.weights.size() != size_t(g.rows) * g.cols, "weight section does not match rows x cols");
            const int qmax = (1 << (l.weight_bits - 1)) - 1;
            for (int8_t w : l.weights) r.fail_if(w < -qmax || w > qmax, "weight outside the quantized range");
            break;
        }
        case Scheme::Orc:
            l.strip_rows = r.narrow_array<uint32_t>("STRW");
            l.kept_row = r.narrow_array<uint16_t>("KROW");
            l.kept_cells = r.narrow_array<PatternKey>("KCEL");
            r.fail_if(l.strip_rows.size() != size_t(l.strips()), "strip count does not match the geometry");
            r.fail_if(!all_below(l.strip_rows, uint64_t(g.xbar_rows) + 1), "a strip keeps more rows than a tile has");
            r.fail_if(sum(l.strip_rows) != l.kept_row.size() || l.kept_row.size() != l.kept_cells.size(),
                      "kept-row tables disagree in length");
            r.fail_if(!all_below(l.kept_row, g.xbar_rows), "row index outside the crossbar");
            check_rows_inside_matrix(r, l);
            r.fail_if(!all_below(l.kept_cells, uint64_t(1) << (g.ou_cols * g.cell_bits)), "row cells wider than an OU");
            break;
        case Scheme::Rws:
        case Scheme::ReShare:
            l.domain_patterns = r.narrow_array<uint32_t>("DPAT");
            l.patterns = r.narrow_array<PatternKey>("PATT");
            r.fail_if(l.domain_patterns.size() != size_t(g.domains()), "domain count does not match the geometry");
            r.fail_if(!all_below(l.domain_patterns, uint64_t(g.group_bitcols()) + 1), "more patterns than bit-columns");
            r.fail_if(sum(l.domain_patterns) != l.patterns.size(), "pattern table length disagrees with its counts");
            r.fail_if(!all_below(l.patterns, key_limit), "pattern wider than an OU column");
            break;
    }
    if (l.scheme == Scheme::Rws) {
        l.task_length = r.narrow_array<uint32_t>("TLEN");
        l.column_index = r.narrow_array<uint16_t>("CIDX");
        r.fail_if(l.task_length.size() != l.patterns.size(), "task length list does not match the patterns");
        r.fail_if(sum(l.task_length) != l.column_index.size(), "column index list disagrees with the task lengths");
        r.fail_if(!all_below(l.column_index, g.group_bitcols()), "column index outside the matrix");
    }
    if (l.scheme == Scheme::ReShare) {
        l.domain_tasks = r.narrow_array<uint32_t>("DTSK");
        l.task_block = r.narrow_array<uint32_t>("TBLK");
        l.task_slot = r.narrow_array<uint16_t>("TSLT");
        r.fail_if(l.domain_tasks.size() != size_t(g.domains()), "task counts do not match the geometry");
        r.fail_if(sum(l.domain_tasks) != l.task_block.size(), "task list length disagrees with its counts");
        r.fail_if(l.task_slot.size() != l.task_block.size() * g.block_results, "task slots do not fill the blocks");
        r.fail_if(!all_below(l.task_block, g.blocks_per_domain()), "block index outside the result buffer");
        const std::vector<uint64_t> tstart = offsets(l.domain_tasks);
        for (int d = 0; d < g.domains(); ++d)
            for (uint64_t s = tstart[d] * g.block_results; s < tstart[d + 1] * g.block_results; ++s)
                r.fail_if(l.task_slot[s] > l.domain_patterns[d], "task refers to a pattern its domain does not hold");
    }
}

}  // namespace

std::vector<char> encode_layer_image(const CompressedLayer& l) {
    std::vector<char> payload;
    const Meta meta = meta_of(l);
    put_section(payload, "META", 1, &meta, sizeof meta);
    put_section(payload, "NAME", 1, l.name.data(), l.name.size());
    put_array(payload, "SCAL", l.scale);
    switch (l.scheme) {
        case Scheme::Dense: put_array(payload, "WGHT", l.weights); break;
        case Scheme::Orc:
            put_narrow(payload, "STRW", l.strip_rows);
            put_narrow(payload, "KROW", l.kept_row);
            put_narrow(payload, "KCEL", l.kept_cells);
            break;
        case Scheme::Rws:
            put_narrow(payload, "DPAT", l.domain_patterns);
            put_narrow(payload, "PATT", l.patterns);
            put_narrow(payload, "TLEN", l.task_length);
            put_narrow(payload, "CIDX", l.column_index);
            break;
        case Scheme::ReShare:
            put_narrow(payload, "DPAT", l.domain_patterns);
            put_narrow(payload, "PATT", l.patterns);
            put_narrow(payload, "DTSK", l.domain_tasks);
            put_narrow(payload, "TBLK", l.task_block);
            put_narrow(payload, "TSLT", l.task_slot);
            break;
    }
    std::vector<char> out(kMagic, kMagic + 8);
    put(out, kLayerImageVersion);
    put(out, uint32_t(0));
    put(out, uint64_t(payload.size()));
    put(out, checksum(payload.data(), payload.size()));
    put(out, checksum(out.data(), 28));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

CompressedLayer decode_layer_image(const std::vector<char>& bytes, const std::string& what) {
    const Reader r(bytes, what);
    CompressedLayer l;
    read_geometry(r, l);
    read_tables(r, l);
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
