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

// Calls f(table of dst, same table of part) for every variable-length table.
template <class F>
void for_each_table(CompressedLayer& dst, CompressedLayer& part, F f) {
    f(dst.strip_rows, part.strip_rows);
    f(dst.kept_row, part.kept_row);
    f(dst.kept_cells, part.kept_cells);
    f(dst.domain_patterns, part.domain_patterns);
    f(dst.patterns, part.patterns);
    f(dst.task_length, part.task_length);
    f(dst.column_index, part.column_index);
    f(dst.domain_tasks, part.domain_tasks);
    f(dst.task_block, part.task_block);
    f(dst.task_slot, part.task_slot);
}

// Parts in order into dst, each freed as soon as it is copied: the peak stays near one copy of the layer.
void concatenate(CompressedLayer& dst, std::vector<CompressedLayer>& parts) {
    for (CompressedLayer& p : parts)
        for_each_table(dst, p, [](auto& d, auto& s) { d.reserve(d.capacity() + s.size()); });   // dst is still empty
    for (CompressedLayer& p : parts) {
        for_each_table(dst, p, [](auto& d, auto& s) {
            append(d, s);
            std::decay_t<decltype(s)>().swap(s);
        });
    }
}

// Scratch of one worker: the keys and pattern ids of the domain at hand.
struct DomainScratch {
    DomainScratch(const BitSlicing& bs, const LayerGeometry& g) : keyer(bs, g), keys(g.group_bitcols()), ids(g.key_bits()) {}
    DomainKeyer keyer;
    std::vector<PatternKey> keys;
    PatternIds ids;
    std::vector<int> pattern_of;
};

void load_domain(const QuantizedMatrix& m, int d, DomainScratch& s) {
    s.keyer.keys(m, d, s.keys.data());
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
    std::vector<uint32_t> per_ready(n, 0);
    const int cols = int(s.pattern_of.size());
    for (int b = 0, col0 = 0; col0 < cols; ++b, col0 += block_results) {
        int ready = -1;
        for (int col = col0; col < std::min(cols, col0 + block_results); ++col)
            if (s.pattern_of[col] >= 0) ready = std::max(ready, rank[s.pattern_of[col]]);
        if (ready >= 0) tasks.push_back({ready, b}), ++per_ready[ready];
    }
    // Counting sort by completion step; blocks completing at the same step keep their address order.
    std::vector<uint64_t> at = offsets(per_ready);
    std::vector<Task> sorted(tasks.size());
    for (const Task& t : tasks) sorted[at[t.ready]++] = t;
    out.domain_tasks.push_back(uint32_t(sorted.size()));
    for (const Task& t : sorted) {
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
    DomainScratch s(bs, g);
    for (int d = begin; d < end; ++d) {
        load_domain(m, d, s);
        if (scheme == Scheme::Rws)
            build_rws_domain(s, part);
        else
            build_reshare_domain(s, g.block_results, part);
    }
    return part;
}

// The c-cell rows of strip k in one domain: row i's cell t is row i's cell in bit-column k*c + t.
// Only non-zero pattern cells are visited: most of a trained layer's cells are zero.
void strip_rows_of(const PatternKey* keys, int k, const LayerGeometry& g, PatternKey* rows) {
    std::fill(rows, rows + g.ou_rows, 0);
    const int cb = g.cell_bits, first = k * g.ou_cols, last = std::min(g.group_bitcols(), first + g.ou_cols);
    const PatternKey cell_mask = (1u << cb) - 1;
    for (int col = first; col < last; ++col)
        for (PatternKey key = keys[col]; key;) {
            const int bit = __builtin_ctz(key);
            const int i = bit / cb;
            rows[i] |= ((key >> (i * cb)) & cell_mask) << ((col - first) * cb);
            key &= ~(cell_mask << (i * cb));
        }
}

// ORC for row tiles [begin, end) (tile index over all groups: group-major). A tile is xbar_rows rows, i.e.
// xbar_rows / ou_rows whole domains, so its strips are built from the domains' pattern keys.
CompressedLayer build_orc(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, int begin, int end) {
    CompressedLayer part;
    const DomainKeyer keyer(bs, g);
    const int strips = g.ou_col_groups(), domains_per_tile = g.xbar_rows / g.ou_rows;
    std::vector<PatternKey> keys(g.group_bitcols()), rows(g.ou_rows);
    std::vector<std::vector<uint16_t>> kept(strips);
    std::vector<std::vector<PatternKey>> cells(strips);
    for (int t = begin; t < end; ++t) {
        const int group = t / g.row_tiles(), tile = t % g.row_tiles();
        for (int k = 0; k < strips; ++k) kept[k].clear(), cells[k].clear();
        for (int q = 0; q < domains_per_tile; ++q) {
            const int row_group = tile * domains_per_tile + q;
            if (row_group >= g.row_groups()) break;
            keyer.keys(m, group * g.row_groups() + row_group, keys.data());
            for (int k = 0; k < strips; ++k) {
                strip_rows_of(keys.data(), k, g, rows.data());
                for (int i = 0; i < g.ou_rows; ++i)
                    if (rows[i]) kept[k].push_back(uint16_t(q * g.ou_rows + i)), cells[k].push_back(rows[i]);
            }
        }
        for (int k = 0; k < strips; ++k) {
            part.strip_rows.push_back(uint32_t(kept[k].size()));
            append(part.kept_row, kept[k]);
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
    concatenate(out, parts);
    return out;
}

}  // namespace reshare
