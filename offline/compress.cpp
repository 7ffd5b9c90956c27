#include "common/error.hpp"
#include "common/parallel.hpp"
#include "offline/compressed_layer.hpp"
#include "offline/pattern_ids.hpp"
#include "offline/reorder.hpp"

#include <algorithm>
#include <limits>

namespace reshare {
namespace {

template <class T>
void append(std::vector<T>& dst, const std::vector<T>& src) {
    dst.insert(dst.end(), src.begin(), src.end());
}

void concatenate(CompressedLayer& dst, const CompressedLayer& part) {
    append(dst.strip_rows, part.strip_rows);
    append(dst.kept_row, part.kept_row);
    append(dst.kept_cells, part.kept_cells);
    append(dst.domain_patterns, part.domain_patterns);
    append(dst.patterns, part.patterns);
    append(dst.task_length, part.task_length);
    append(dst.column_index, part.column_index);
    append(dst.domain_tasks, part.domain_tasks);
    append(dst.task_block, part.task_block);
    append(dst.task_slot, part.task_slot);
}

// Scratch of one worker: the keys and pattern ids of the domain at hand.
struct DomainScratch {
    explicit DomainScratch(const LayerGeometry& g) : keys(g.group_bitcols()), ids(g.key_bits()) {}
    std::vector<PatternKey> keys;
    PatternIds ids;
    std::vector<int> pattern_of;
};

void load_domain(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, int d, DomainScratch& s) {
    domain_keys(m, bs, g, d, s.keys.data());
    s.ids.reset();
    s.ids.assign(s.keys.data(), int(s.keys.size()), s.pattern_of);
}

// RWS: patterns in first-occurrence order; bit-columns grouped by pattern (a counting sort).
void build_rws_domain(const DomainScratch& s, CompressedLayer& out) {
    const int n = s.ids.size();
    out.domain_patterns.push_back(uint32_t(n));
    append(out.patterns, s.ids.keys());
    std::vector<uint32_t> length(n, 0);
    for (int p : s.pattern_of)
        if (p >= 0) ++length[p];
    std::vector<uint64_t> at = offsets(length);
    const size_t base = out.column_index.size();
    out.column_index.resize(base + at.back());
    for (int col = 0; col < int(s.pattern_of.size()); ++col)
        if (const int p = s.pattern_of[col]; p >= 0) out.column_index[base + at[p]++] = uint16_t(col);
    append(out.task_length, length);
}

// ReShare: patterns in Algorithm 1 order; one task per non-zero block, ordered by when it completes.
void build_reshare_domain(const DomainScratch& s, int block_results, CompressedLayer& out) {
    const int n = s.ids.size();
    const std::vector<int> order = reorder_fast(s.pattern_of, n, block_results);
    std::vector<int> rank(n);
    for (int i = 0; i < n; ++i) rank[order[i]] = i;
    out.domain_patterns.push_back(uint32_t(n));
    for (int p : order) out.patterns.push_back(s.ids.keys()[p]);

    struct Task {
        int ready;   // rank of the block's last pattern: the step after which it can be written
        int block;
    };
    std::vector<Task> tasks;
    const int cols = int(s.pattern_of.size());
    for (int b = 0, col0 = 0; col0 < cols; ++b, col0 += block_results) {
        int ready = -1;
        for (int col = col0; col < std::min(cols, col0 + block_results); ++col)
            if (s.pattern_of[col] >= 0) ready = std::max(ready, rank[s.pattern_of[col]]);
        if (ready >= 0) tasks.push_back({ready, b});
    }
    std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) { return a.ready < b.ready; });
    out.domain_tasks.push_back(uint32_t(tasks.size()));
    for (const Task& t : tasks) {
        out.task_block.push_back(uint32_t(t.block));
        for (int col = t.block * block_results; col < (t.block + 1) * block_results; ++col) {
            const int p = col < cols ? s.pattern_of[col] : -1;
            out.task_slot.push_back(uint16_t(p < 0 ? 0 : rank[p] + 1));
        }
    }
}

CompressedLayer build_shared(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, Scheme scheme,
                             int begin, int end) {
    CompressedLayer part;
    DomainScratch s(g);
    for (int d = begin; d < end; ++d) {
        load_domain(m, bs, g, d, s);
        if (scheme == Scheme::Rws)
            build_rws_domain(s, part);
        else
            build_reshare_domain(s, g.block_results, part);
    }
    return part;
}

// ORC for the strips of row tiles [begin, end) (tile index over all groups: group-major).
CompressedLayer build_orc(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, int begin, int end) {
    CompressedLayer part;
    const int P = g.planes, cb = g.cell_bits, gc = g.group_cols(), bitcols = g.group_bitcols();
    const int strips = g.ou_col_groups();
    std::vector<PatternKey> row_cells(strips);
    std::vector<std::vector<uint16_t>> rows(strips);
    std::vector<std::vector<PatternKey>> cells(strips);
    for (int t = begin; t < end; ++t) {
        const int group = t / g.row_tiles(), row0 = (t % g.row_tiles()) * g.xbar_rows;
        const int nrows = std::min(g.xbar_rows, g.rows - row0);
        for (int k = 0; k < strips; ++k) rows[k].clear(), cells[k].clear();
        for (int i = 0; i < nrows; ++i) {
            const int8_t* w = &m.q[size_t(row0 + i) * m.cols + size_t(group) * gc];
            std::fill(row_cells.begin(), row_cells.end(), 0);
            for (int col = 0; col < bitcols; ++col)
                row_cells[col / g.ou_cols] |= PatternKey(bs.cell(w[col / P], col % P)) << ((col % g.ou_cols) * cb);
            for (int k = 0; k < strips; ++k)
                if (row_cells[k]) rows[k].push_back(uint16_t(i)), cells[k].push_back(row_cells[k]);
        }
        for (int k = 0; k < strips; ++k) {
            part.strip_rows.push_back(uint32_t(rows[k].size()));
            append(part.kept_row, rows[k]);
            append(part.kept_cells, cells[k]);
        }
    }
    return part;
}

void check_index_ranges(const QuantizedMatrix& m, const LayerGeometry& g) {
    // Bit-column indices and pattern-buffer addresses are stored in 16 bits.
    if (g.group_bitcols() >= std::numeric_limits<uint16_t>::max())
        throw Error("layer " + m.name + ": " + std::to_string(g.group_bitcols()) +
                    " bit-columns per group exceed the 65534 the 16-bit index tables address");
}

}  // namespace

const char* to_string(Scheme s) {
    switch (s) {
        case Scheme::Dense: return "dense";
        case Scheme::Orc: return "orc";
        case Scheme::Rws: return "rws";
        case Scheme::ReShare: return "reshare";
    }
    return "?";
}

Scheme parse_scheme(const std::string& s) {
    for (Scheme x : all_schemes())
        if (s == to_string(x)) return x;
    throw Error("unknown scheme '" + s + "' (expected dense, orc, rws or reshare)");
}

const std::vector<Scheme>& all_schemes() {
    static const std::vector<Scheme> s = {Scheme::Dense, Scheme::Orc, Scheme::Rws, Scheme::ReShare};
    return s;
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
    const LayerGeometry& g = out.geo;

    std::vector<CompressedLayer> parts;
    switch (scheme) {
        case Scheme::Dense:
            out.weights = m.q;
            return out;
        case Scheme::Orc:
            parts = parallel_chunks<CompressedLayer>(g.groups * g.row_tiles(), threads,
                                                     [&](int b, int e) { return build_orc(m, bs, g, b, e); });
            break;
        case Scheme::Rws:
        case Scheme::ReShare:
            parts = parallel_chunks<CompressedLayer>(
                g.domains(), threads, [&](int b, int e) { return build_shared(m, bs, g, scheme, b, e); });
            break;
    }
    for (const CompressedLayer& p : parts) concatenate(out, p);
    return out;
}

}  // namespace reshare
