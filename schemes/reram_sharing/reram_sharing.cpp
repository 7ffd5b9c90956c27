#include "reshare/schemes/reram_sharing/reram_sharing.hpp"

#include "reshare/common/parallel.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/offline/image_sections.hpp"
#include "reshare/schemes/common/tables.hpp"
#include "reshare/schemes/reram_sharing/cluster.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace reshare {
namespace {

// Where block position b of domain d lies in the matrix.
struct Position {
    int row0, rows;   // matrix rows of the OU-row group
    int col0, cols;   // matrix columns of the block
    int group_col0;   // the block's first column inside its conv group
};

Position position_of(const LayerGeometry& g, int d, int b) {
    const int conv = d / g.row_groups();
    Position p;
    p.row0 = (d % g.row_groups()) * g.ou_rows;
    p.rows = std::min(g.ou_rows, g.rows - p.row0);
    p.group_col0 = b * g.ou_cols;
    p.col0 = conv * g.group_cols() + p.group_col0;
    p.cols = std::min(g.ou_cols, g.group_cols() - p.group_col0);
    return p;
}

// Every block of domain d, zero-padded to ou.rows x ou.cols, positions in order, appended to `out`.
void append_domain_blocks(const QuantizedMatrix& m, const LayerGeometry& g, int d, std::vector<int16_t>& out) {
    const int B = rs_block_size(g);
    const size_t base = out.size();
    out.resize(base + size_t(rs_positions(g)) * B, 0);
    for (int b = 0; b < rs_positions(g); ++b) {
        const Position p = position_of(g, d, b);
        for (int i = 0; i < p.rows; ++i)
            for (int t = 0; t < p.cols; ++t)
                out[base + size_t(b) * B + i * g.ou_cols + t] = m.q[size_t(p.row0 + i) * g.cols + p.col0 + t];
    }
}

// A centroid value (1/kCentroidScale steps) to the nearest int8 step, halves to even, clipped to the weight range.
int8_t requantize(int32_t c, int qmax) {
    const int S = reram_sharing::kCentroidScale;
    const int32_t floor_q = c >= 0 ? c / S : -((-c + S - 1) / S);
    const int32_t rem = c - floor_q * S;   // 0 .. S-1
    const int32_t q = rem * 2 > S || (rem * 2 == S && (floor_q & 1)) ? floor_q + 1 : floor_q;
    return int8_t(std::clamp<int32_t>(q, -qmax, qmax));
}

// One pool shared with K clusters: per block its rounded centroid (all zero = pruned).
struct Shared {
    std::vector<int8_t> blocks;   // the pool's blocks x block size
    double squared_error = 0;     // against the original weights (padding excluded: it is zero in both)
};

Shared share(const std::vector<int16_t>& all, const std::vector<int>& nonzero, int B, int K, int iterations, int qmax) {
    std::vector<int16_t> x;
    for (int b : nonzero) x.insert(x.end(), all.begin() + long(b) * B, all.begin() + long(b + 1) * B);
    const reram_sharing::Clustering c = reram_sharing::cluster_blocks(x, B, K, iterations);
    std::vector<int8_t> rounded(c.centroids.size());
    for (size_t i = 0; i < rounded.size(); ++i) rounded[i] = requantize(c.centroids[i], qmax);
    Shared s;
    s.blocks.assign(all.size(), 0);
    for (size_t k = 0; k < nonzero.size(); ++k) {
        const int b = nonzero[k];
        const int8_t* centroid = &rounded[size_t(c.cluster_of[k]) * B];
        for (int j = 0; j < B; ++j) {
            s.blocks[size_t(b) * B + j] = centroid[j];
            const double e = double(centroid[j]) - all[size_t(b) * B + j];
            s.squared_error += e * e;
        }
    }
    return s;
}

// K for a pool of n non-zero blocks: from the keep ratio, or the smallest (by bisection) within the error bound.
Shared share_pool(const std::vector<int16_t>& all, const std::vector<int>& nonzero, const LayerGeometry& g,
                  const HwConfig& c, int qmax, int pool_weights) {
    const int n = int(nonzero.size()), B = rs_block_size(g);
    if (c.rs_max_weight_error <= 0)
        return share(all, nonzero, B, std::max(1, int(std::ceil(c.rs_keep_ratio * n - 1e-9))), c.rs_iterations, qmax);
    const double bound = c.rs_max_weight_error * c.rs_max_weight_error * pool_weights;
    int lo = 1, hi = n;
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (share(all, nonzero, B, mid, c.rs_iterations, qmax).squared_error <= bound) hi = mid;
        else lo = mid + 1;
    }
    return share(all, nonzero, B, lo, c.rs_iterations, qmax);
}

// Equal non-zero blocks of the pool stored once, in order of first use; zero blocks EMPTY.
void store_pool(const Shared& s, int B, ReramSharingTables& out) {
    std::map<std::vector<int8_t>, uint32_t> stored;
    for (size_t b = 0; b * B < s.blocks.size(); ++b) {
        const std::vector<int8_t> block(s.blocks.begin() + long(b * B), s.blocks.begin() + long((b + 1) * B));
        if (std::all_of(block.begin(), block.end(), [](int8_t w) { return w == 0; })) {
            out.index.push_back(0);
            continue;
        }
        auto [it, added] = stored.emplace(block, uint32_t(stored.size()));
        if (added) append(out.blocks, block);
        out.index.push_back(it->second + 1);
    }
    out.pool_blocks.push_back(uint32_t(stored.size()));
}

// Domains of pool p (pools numbered over conv groups).
std::pair<int, int> pool_domains(const LayerGeometry& g, int cluster_rows, int p) {
    const int per_group = rs_pools_per_group(g, cluster_rows);
    const int first = p / per_group * g.row_groups() + p % per_group * cluster_rows;
    return {first, std::min(first + cluster_rows, (p / per_group + 1) * g.row_groups())};
}

ReramSharingTables build_pools(const QuantizedMatrix& m, const LayerGeometry& g, const HwConfig& c, int cluster_rows,
                               int begin, int end) {
    ReramSharingTables part;
    const int B = rs_block_size(g), qmax = (1 << (c.weight_bits - 1)) - 1;
    std::vector<int16_t> all;
    for (int p = begin; p < end; ++p) {
        const auto [first, last] = pool_domains(g, cluster_rows, p);
        all.clear();
        int weights = 0;
        for (int d = first; d < last; ++d) {
            append_domain_blocks(m, g, d, all);
            weights += position_of(g, d, 0).rows * g.group_cols();
        }
        std::vector<int> nonzero;
        for (size_t b = 0; b * B < all.size(); ++b)
            if (std::any_of(all.begin() + long(b * B), all.begin() + long((b + 1) * B), [](int16_t w) { return w != 0; }))
                nonzero.push_back(int(b));
        Shared s;
        if (nonzero.empty()) s.blocks.assign(all.size(), 0);
        else s = share_pool(all, nonzero, g, c, qmax, weights);
        store_pool(s, B, part);
    }
    return part;
}

int pools_of(const LayerGeometry& g, int cluster_rows) { return g.groups * rs_pools_per_group(g, cluster_rows); }

// Bit-planes of a stored block that hold a one: its stored OUs. A table per weight value, so a block's mask is
// one OR per weight.
class PlaneMasks {
public:
    explicit PlaneMasks(const BitSlicing& bs) {
        for (int w = -128; w < 128; ++w)
            for (int p = 0; p < bs.planes(); ++p)
                if (bs.cell(w, p)) of_[size_t(w + 128)] |= 1u << p;
    }
    uint32_t operator()(const int8_t* block, int B) const {
        uint32_t mask = 0;
        for (int j = 0; j < B; ++j) mask |= of_[size_t(block[j] + 128)];
        return mask;
    }

private:
    std::array<uint32_t, 256> of_{};
};

// The stored blocks domain d uses, in order of first use, how many of its positions use each, and which one each
// position uses. Found by sorting the positions by block (a domain has hundreds of positions; a search per
// position was quadratic in them).
struct Used {
    std::vector<uint32_t> block;     // global stored-block index
    std::vector<uint32_t> members;
    std::vector<int32_t> slot;       // per position: its block's index in `block`, -1 if EMPTY
};

Used used_blocks(const ReramSharingTables& t, const LayerGeometry& g, const std::vector<uint64_t>& pool_start, int d) {
    const uint64_t base = pool_start[size_t(rs_pool_of(g, t.cluster_rows, d))];
    const uint32_t* index = &t.index[size_t(d) * rs_positions(g)];
    std::vector<std::pair<uint32_t, int32_t>> by_block;   // (block, position), then sorted: first uses lead
    for (int b = 0; b < rs_positions(g); ++b)
        if (index[b]) by_block.push_back({uint32_t(base + index[b] - 1), b});
    std::sort(by_block.begin(), by_block.end());
    std::vector<std::pair<int32_t, size_t>> first_use;    // (first position, start in by_block) per block
    for (size_t i = 0; i < by_block.size(); ++i)
        if (i == 0 || by_block[i].first != by_block[i - 1].first) first_use.push_back({by_block[i].second, i});
    std::sort(first_use.begin(), first_use.end());
    Used u;
    u.slot.assign(size_t(rs_positions(g)), -1);
    for (const auto& [position, start] : first_use) {
        const int32_t s = int32_t(u.block.size());
        u.block.push_back(by_block[start].first);
        size_t i = start;
        for (; i < by_block.size() && by_block[i].first == u.block.back(); ++i) u.slot[size_t(by_block[i].second)] = s;
        u.members.push_back(uint32_t(i - start));
    }
    return u;
}

// Per domain: each stored OU it uses once for the domain's inputs, then added into every position mapped to it.
class ReramSharingDatapath : public UnitDatapath {
public:
    explicit ReramSharingDatapath(const CompressedLayer& l)
        : t_(reram_sharing_tables(l)), g_(l.geo), bs_(slicing_of(l)), pstart_(offsets(t_.pool_blocks)) {}
    void results(int d, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>& ou) const override {
        const int P = g_.planes, C = g_.ou_cols, B = rs_block_size(g_);
        const Used used = used_blocks(t_, g_, pstart_, d);
        ou.assign(used.block.size() * P * C, 0);   // each used block's (plane, column) results
        for (size_t s = 0; s < used.block.size(); ++s) {
            const int8_t* block = &t_.blocks[size_t(used.block[s]) * B];
            for (int i = 0; i < std::min(count, g_.ou_rows); ++i) {
                if (!xs[i]) continue;
                for (int t = 0; t < C; ++t) {
                    const uint8_t* cells = bs_.cells(block[i * C + t]);
                    for (int p = 0; p < P; ++p) ou[(s * P + p) * C + t] += int64_t(cells[p]) * xs[i];
                }
            }
        }
        for (int b = 0; b < rs_positions(g_); ++b) {
            if (used.slot[size_t(b)] < 0) continue;   // EMPTY: a pruned OU
            const size_t s = size_t(used.slot[size_t(b)]);
            const Position pos = position_of(g_, d, b);
            for (int t = 0; t < pos.cols; ++t)
                for (int p = 0; p < P; ++p) results[size_t(pos.group_col0 + t) * P + p] += ou[(s * P + p) * C + t];
        }
    }

private:
    const ReramSharingTables& t_;
    const LayerGeometry& g_;
    BitSlicing bs_;
    std::vector<uint64_t> pstart_;
};

// What each domain drives: per used stored block, its plane mask, its global index and its positions in the domain.
template <class F>
void for_each_used(const CompressedLayer& l, F f) {
    const LayerGeometry& g = l.geo;
    const ReramSharingTables& t = reram_sharing_tables(l);
    const PlaneMasks plane_mask(slicing_of(l));
    const std::vector<uint64_t> start = offsets(t.pool_blocks);
    for (int d = 0; d < g.domains(); ++d) {
        const Used u = used_blocks(t, g, start, d);
        for (size_t s = 0; s < u.block.size(); ++s)
            f(d, plane_mask(&t.blocks[size_t(u.block[s]) * rs_block_size(g)], rs_block_size(g)), u.block[s], u.members[s]);
    }
}

}  // namespace

std::string ReramSharingScheme::config_problem(const HwConfig& c) const {
    if (c.encoding == Encoding::Offset)
        return "quantization.encoding: reram-sharing prunes all-zero OUs, which the offset encoding does not store as "
               "zero cells (use differential or twos)";
    return "";
}

std::shared_ptr<const SchemeTables> ReramSharingScheme::compress(const QuantizedMatrix& m, const BitSlicing&,
                                                                 const LayerGeometry& g, const HwConfig& c, int threads) const {
    const int rows = c.rs_cluster_rows > 0 ? std::min(c.rs_cluster_rows, g.row_groups()) : g.row_groups();
    std::vector<ReramSharingTables> parts = parallel_chunks<ReramSharingTables>(
        pools_of(g, rows), threads, [&](int b, int e) { return build_pools(m, g, c, rows, b, e); });
    // Freshly built and not yet shared: the pool size completes the tables.
    auto t = std::const_pointer_cast<ReramSharingTables>(concatenate(parts));
    t->cluster_rows = rows;
    return t;
}

std::vector<int8_t> ReramSharingScheme::effective_weights(const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    const ReramSharingTables& t = reram_sharing_tables(l);
    const std::vector<uint64_t> start = offsets(t.pool_blocks);
    const int B = rs_block_size(g);
    std::vector<int8_t> out(size_t(g.rows) * g.cols, 0);
    for (int d = 0; d < g.domains(); ++d)
        for (int b = 0; b < rs_positions(g); ++b) {
            const uint32_t id = t.index[size_t(d) * rs_positions(g) + b];
            if (!id) continue;
            const int8_t* block = &t.blocks[(start[size_t(rs_pool_of(g, t.cluster_rows, d))] + id - 1) * B];
            const Position p = position_of(g, d, b);
            for (int i = 0; i < p.rows; ++i)
                for (int k = 0; k < p.cols; ++k) out[size_t(p.row0 + i) * g.cols + p.col0 + k] = block[i * g.ou_cols + k];
        }
    return out;
}

void ReramSharingScheme::encode(const CompressedLayer& l, ImageWriter& w) const {
    const ReramSharingTables& t = reram_sharing_tables(l);
    w.array("RSPR", std::vector<int32_t>{t.cluster_rows});
    w.narrow("RSDB", t.pool_blocks);
    w.array("RSBK", t.blocks);
    w.narrow("RSIX", t.index);
}

std::shared_ptr<const SchemeTables> ReramSharingScheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    r.fail_if(l.encoding == Encoding::Offset, "reram-sharing layer in the offset encoding");
    auto t = std::make_shared<ReramSharingTables>();
    const std::vector<int32_t> rows = r.array<int32_t>("RSPR");
    r.fail_if(rows.size() != 1 || rows[0] < 1 || rows[0] > g.row_groups(), "reram-sharing pool size outside 1..OU-row groups");
    t->cluster_rows = rows[0];
    t->pool_blocks = r.narrow<uint32_t>("RSDB");
    t->blocks = r.array<int8_t>("RSBK");
    t->index = r.narrow<uint32_t>("RSIX");
    r.fail_if(t->pool_blocks.size() != size_t(pools_of(g, t->cluster_rows)), "stored-block counts do not match the pools");
    r.fail_if(!all_below(t->pool_blocks, uint64_t(rs_positions(g)) * t->cluster_rows + 1), "a pool stores more blocks than it has OUs");
    r.fail_if(sum(t->pool_blocks) * uint64_t(rs_block_size(g)) != t->blocks.size(), "stored blocks disagree with their counts");
    r.fail_if(t->index.size() != size_t(g.domains()) * rs_positions(g), "index table does not match the OU positions");
    const int qmax = (1 << (l.weight_bits - 1)) - 1;
    for (int8_t w : t->blocks) r.fail_if(w < -qmax || w > qmax, "weight outside the quantized range");
    for (int d = 0; d < g.domains(); ++d)
        for (int b = 0; b < rs_positions(g); ++b)
            r.fail_if(t->index[size_t(d) * rs_positions(g) + b] > t->pool_blocks[size_t(rs_pool_of(g, t->cluster_rows, d))],
                      "index entry past its pool's stored blocks");
    return t;
}

// Per domain: the bit-planes holding a one of each stored block it uses (a block shared by several OU-row groups
// fires once for each).
std::vector<uint32_t> ReramSharingScheme::unit_ous(const CompressedLayer& l) const {
    std::vector<uint32_t> ous(size_t(l.geo.domains()), 0);
    for_each_used(l, [&](int d, uint32_t mask, uint32_t, uint32_t) { ous[d] += uint32_t(__builtin_popcount(mask)); });
    return ous;
}

// The index table: every OU position of the domain names its pool's stored block or EMPTY. Clustered across
// OU-rows, each OU also names the stored OU it drives, which a CU holding several of the pool's domains stores once.
void ReramSharingScheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const ReramSharingTables& t = reram_sharing_tables(l);
    for (size_t d = 0; d < units.size(); ++d) {
        const uint32_t pool = t.pool_blocks[size_t(rs_pool_of(l.geo, t.cluster_rows, int(d)))];
        units[d].held.push_back({"index_table", uint64_t(rs_positions(l.geo)) * index_bits(uint64_t(pool) + 1),
                                 hw::Holding::Summed, hw::Placement::Edram});
    }
    if (t.cluster_rows == 1) return;
    for_each_used(l, [&](int d, uint32_t mask, uint32_t block, uint32_t) {
        for (uint32_t m = mask; m; m &= m - 1) units[size_t(d)].ou_ids.push_back(block * uint32_t(l.geo.planes) + uint32_t(__builtin_ctz(m)));
    });
}

// Each OU's targets: the domain's positions its block stands for.
void ReramSharingScheme::add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    for_each_used(l, [&](int d, uint32_t mask, uint32_t, uint32_t members) {
        units[size_t(d)].ou_targets.insert(units[size_t(d)].ou_targets.end(), size_t(__builtin_popcount(mask)), uint16_t(members));
    });
}

std::unique_ptr<UnitDatapath> ReramSharingScheme::datapath(const CompressedLayer& l) const {
    return std::make_unique<ReramSharingDatapath>(l);
}

}  // namespace reshare
