// The offline pass's front door: the geometry every scheme shares, then the scheme's own compression.
#include "common/error.hpp"
#include "offline/compressed_layer.hpp"

#include <limits>

namespace reshare {
namespace {

void check_index_ranges(const QuantizedMatrix& m, const LayerGeometry& g) {
    // Bit-column indices and pattern-buffer addresses are stored in 16 bits.
    if (g.group_bitcols() >= std::numeric_limits<uint16_t>::max())
        throw Error("layer " + m.name + ": " + std::to_string(g.group_bitcols()) +
                    " bit-columns per group exceed the 65534 the 16-bit index tables address");
}

}  // namespace

BitSlicing slicing_of(const CompressedLayer& l) {
    HwConfig c;
    c.encoding = l.encoding;
    c.cell_bits = l.geo.cell_bits;
    c.weight_bits = l.weight_bits;
    return BitSlicing(c);
}

CompressedLayer compress(const QuantizedMatrix& m, const HwConfig& config, Scheme scheme, int threads) {
    const BitSlicing bs(config);
    CompressedLayer out;
    out.name = m.name;
    out.scheme = scheme;
    out.encoding = config.encoding;
    out.quant = config.quant;
    out.weight_bits = config.weight_bits;
    out.input_bits = config.input_bits;
    out.geo = LayerGeometry(config, m, bs);
    out.scale = m.scale;
    check_index_ranges(m, out.geo);
    out.tables = scheme_def(scheme).compress(m, bs, out.geo, threads);
    return out;
}

}  // namespace reshare
