// The offline pass's front door: the geometry every scheme shares, then the scheme's own compression.
#include "reshare/common/error.hpp"
#include "reshare/offline/compressed_layer.hpp"

#include <algorithm>
#include <limits>

namespace reshare {
std::string layer_size_problem(const LayerGeometry& g) {
    // Bit-column indices and pattern-buffer addresses are stored in 16 bits.
    const uint64_t bitcols = uint64_t(g.cols / g.groups) * uint64_t(g.planes);
    if (bitcols >= std::numeric_limits<uint16_t>::max())
        return std::to_string(bitcols) + " bit-columns per group exceed the 65534 the 16-bit index tables address";
    // Counts of domains, row tiles' strips and blocks are ints: bound them before anything multiplies them out.
    const uint64_t groups = uint64_t(g.groups), rows = uint64_t(g.rows);
    const uint64_t domains = groups * ((rows + g.ou_rows - 1) / g.ou_rows);
    const uint64_t strips = groups * ((rows + g.xbar_rows - 1) / g.xbar_rows) * ((bitcols + g.ou_cols - 1) / g.ou_cols);
    // (Each domain has every bit-column of its group; a strip is ou_cols of them, so strips are bounded on their own.)
    const uint64_t limit = uint64_t(std::numeric_limits<int32_t>::max());
    if (domains * std::max<uint64_t>(1, bitcols) > limit || strips > limit)
        return std::to_string(domains) + " domains of " + std::to_string(bitcols) + " bit-columns are more than this build addresses";
    return "";
}

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
    if (const std::string problem = layer_size_problem(out.geo); !problem.empty()) throw Error("layer " + m.name + ": " + problem);
    check_scheme_config(config, scheme);
    out.tables = scheme_def(scheme).compress(m, bs, out.geo, config, threads);
    return out;
}

void check_scheme_config(const HwConfig& config, Scheme scheme) {
    if (const std::string problem = scheme_def(scheme).config_problem(config); !problem.empty())
        throw Error("config " + config.source + ": " + problem + " (scheme " + to_string(scheme) + ")");
}

bool changes_weights(Scheme scheme) {
    return scheme_def(scheme).changes_weights();
}

QuantizedMatrix effective_matrix(const CompressedLayer& l, const QuantizedMatrix& original) {
    std::vector<int8_t> q = scheme_def(l.scheme).effective_weights(l);
    if (q.empty()) return original;
    if (q.size() != original.q.size()) throw Error("layer " + l.name + ": effective weights of the wrong size", ExitCode::Failure);
    QuantizedMatrix m = original;
    m.q = std::move(q);
    return m;
}

}  // namespace reshare
