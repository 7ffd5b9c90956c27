// ReRAM-Sharing's clustering (schemes/reram_sharing/cluster.hpp) on the authors' own figure: eight 2x2 OUs, each
// OU-row group clustered on its own (our reading: members share their inputs), four centroids.
#include "reshare/schemes/reram_sharing/cluster.hpp"

#include <catch2/catch.hpp>

using namespace reshare::reram_sharing;

namespace {
std::vector<double> centroid(const Clustering& c, int k) {
    std::vector<double> v;
    for (int i = 0; i < c.dims; ++i) v.push_back(c.centroid(k, i));
    return v;
}
}  // namespace

TEST_CASE("reram-sharing: the figure's OUs cluster into its four centroids", "[reram-sharing]") {
    // Top OU-row: OU1, OU3, OU5, OU7; bottom: OU2, OU4, OU6, OU8 (row-major 2x2 blocks). The figure does not print
    // OU3's weights, only that it is a cluster of its own: any block far from the others stands for it.
    const std::vector<int16_t> top = {1, 4, 3, 6, /**/ 9, 9, 9, 9, /**/ 1, 6, 2, 4, /**/ 1, 5, 1, 2};
    const std::vector<int16_t> bottom = {8, 1, 1, 2, /**/ 6, 3, 1, 6, /**/ 1, 9, 4, 1, /**/ 3, 9, 6, 5};
    const Clustering t = cluster_blocks(top, 4, 2), b = cluster_blocks(bottom, 4, 2);
    // Cluster 1 = {OU1, OU5, OU7}, centroid (1,5;2,4); cluster 2 = {OU3}.
    CHECK(t.cluster_of == std::vector<int>{0, 1, 0, 0});
    CHECK(centroid(t, 0) == std::vector<double>{1, 5, 2, 4});
    CHECK(centroid(t, 1) == std::vector<double>{9, 9, 9, 9});
    // Cluster 3 = {OU2, OU4}, centroid (7,2;1,4); cluster 4 = {OU6, OU8}, centroid (2,9;5,3).
    CHECK(b.cluster_of == std::vector<int>{0, 0, 1, 1});
    CHECK(centroid(b, 0) == std::vector<double>{7, 2, 1, 4});
    CHECK(centroid(b, 1) == std::vector<double>{2, 9, 5, 3});
}

TEST_CASE("reram-sharing: k at least the blocks keeps every distinct block: identical blocks share", "[reram-sharing]") {
    const std::vector<int16_t> blocks = {1, 2, /**/ 1, 2, /**/ 5, 5};
    const Clustering c = cluster_blocks(blocks, 2, 5);
    CHECK(c.clusters() == 3);
    CHECK(c.cluster_of[0] == c.cluster_of[1]);   // equal blocks land together
    CHECK(c.cluster_of[2] != c.cluster_of[0]);
    // One cluster: the mean (7/3, 3), on the 1/16 grid.
    const Clustering one = cluster_blocks(blocks, 2, 1);
    CHECK(one.centroid(0, 0) == Approx(7.0 / 3).margin(0.5 / kCentroidScale));
    CHECK(one.centroid(0, 1) == 3);
    CHECK_THROWS(cluster_blocks({1, 2, 3}, 2, 1));   // not whole blocks
    CHECK_THROWS(cluster_blocks({1, 2}, 2, 0));
}

TEST_CASE("reram-sharing: k-means never leaves a block farther from its centroid than from another", "[reram-sharing]") {
    std::vector<int16_t> blocks;
    uint32_t s = 7;
    for (int i = 0; i < 64 * 16; ++i) s = s * 1103515245u + 12345u, blocks.push_back(int16_t(int(s >> 16) % 255 - 127));
    const Clustering c = cluster_blocks(blocks, 16, 9, 1000);
    for (int i = 0; i < 64; ++i) {
        auto d = [&](int k) {
            double e = 0;
            for (int j = 0; j < 16; ++j) e += (blocks[i * 16 + j] - c.centroid(k, j)) * (blocks[i * 16 + j] - c.centroid(k, j));
            return e;
        };
        for (int k = 0; k < c.clusters(); ++k) CHECK(d(c.cluster_of[i]) <= d(k) + 1e-9);
    }
}

namespace {

// cluster.hpp's rules written the textbook way - direct squared distances in int64, one block and one centroid at
// a time - the oracle of the fast kernels (norm form, tiles, 16-bit multiply-adds).
Clustering textbook_kmeans(const std::vector<int16_t>& blocks, int dims, int k, int iterations) {
    const size_t n = blocks.size() / size_t(dims);
    std::vector<int64_t> x(blocks.begin(), blocks.end());
    for (int64_t& v : x) v *= kCentroidScale;
    auto d2 = [&](size_t i, const std::vector<int64_t>& c, size_t m) {
        int64_t s = 0;
        for (int j = 0; j < dims; ++j) s += (x[i * dims + j] - c[m * dims + j]) * (x[i * dims + j] - c[m * dims + j]);
        return s;
    };
    std::vector<int64_t> c(x.begin(), x.begin() + dims);   // farthest-point seeds from block 0
    while (c.size() / dims < std::min(n, size_t(k))) {
        size_t far = 0;
        int64_t far_d = -1;
        for (size_t i = 0; i < n; ++i) {
            int64_t near = INT64_MAX;
            for (size_t m = 0; m < c.size() / dims; ++m) near = std::min(near, d2(i, c, m));
            if (near > far_d) far = i, far_d = near;
        }
        c.insert(c.end(), x.begin() + long(far * dims), x.begin() + long((far + 1) * dims));
    }
    Clustering out;
    out.dims = dims;
    out.cluster_of.assign(n, -1);
    for (int it = 0; it < iterations; ++it) {
        bool moved = false;
        for (size_t i = 0; i < n; ++i) {
            int best = 0;
            for (size_t m = 1; m < c.size() / dims; ++m)
                if (d2(i, c, m) < d2(i, c, size_t(best))) best = int(m);
            moved |= best != out.cluster_of[i];
            out.cluster_of[i] = best;
        }
        if (!moved) break;
        for (size_t m = 0; m < c.size() / dims; ++m) {
            int64_t count = 0;
            std::vector<int64_t> sum(size_t(dims), 0);
            for (size_t i = 0; i < n; ++i)
                if (out.cluster_of[i] == int(m)) {
                    ++count;
                    for (int j = 0; j < dims; ++j) sum[size_t(j)] += x[i * dims + j];
                }
            for (int j = 0; count && j < dims; ++j)   // rounded to nearest, halves away from zero
                c[m * dims + j] = sum[size_t(j)] >= 0 ? (2 * sum[size_t(j)] + count) / (2 * count)
                                                      : -((-2 * sum[size_t(j)] + count) / (2 * count));
        }
    }
    out.centroids.assign(c.begin(), c.end());
    return out;
}

}  // namespace

TEST_CASE("reram-sharing: every distance kernel clusters exactly as the textbook k-means", "[reram-sharing]") {
    const std::vector<std::string> kernels = dot_kernels();
    REQUIRE(kernels.back() == "portable");
    uint32_t s = 11;
    auto next = [&](int range) { return s = s * 1103515245u + 12345u, int(s >> 16) % (2 * range + 1) - range; };
    // dims even and odd; n below, at and past a 16-block tile; 8-bit blocks (int32 dots) and 9-bit ones of 136
    // values (past the int32 range: int64); few distinct values, so ties between clusters happen.
    struct Shape {
        int dims, n, k, range;
    };
    for (const Shape& sh : {Shape{4, 7, 3, 3}, Shape{9, 16, 5, 127}, Shape{64, 50, 13, 127}, Shape{64, 40, 40, 2},
                            Shape{15, 33, 8, 1}, Shape{136, 20, 6, 255}}) {
        std::vector<int16_t> blocks;
        for (int i = 0; i < sh.dims * sh.n; ++i) blocks.push_back(int16_t(next(sh.range)));
        for (int j = 0; j < sh.dims; ++j) blocks[size_t(sh.dims) + j] = blocks[size_t(j)];   // a duplicate block
        const Clustering want = textbook_kmeans(blocks, sh.dims, sh.k, 50);
        for (const std::string& kernel : kernels) {
            INFO("dims " << sh.dims << ", n " << sh.n << ", k " << sh.k << ", kernel " << kernel);
            const Clustering got = cluster_blocks(blocks, sh.dims, sh.k, 50, kernel);
            CHECK(got.cluster_of == want.cluster_of);
            CHECK(got.centroids == std::vector<int32_t>(want.centroids.begin(), want.centroids.end()));
        }
    }
    CHECK_THROWS(cluster_blocks({1, 2}, 2, 1, 10, "no-such-kernel"));
}

// ---- the scheme: centroid OUs, pruning, index table, adders ----

#include "helpers.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/schemes/reram_sharing/reram_sharing.hpp"

#include <cmath>
#include <set>

using reshare::CompressedLayer;
using reshare::HwConfig;
using reshare::QuantizedMatrix;
using reshare::Scheme;

namespace {

CompressedLayer rs_layer(const QuantizedMatrix& m, double keep, double max_error = 0) {
    HwConfig c;
    c.rs_keep_ratio = keep;
    c.rs_max_weight_error = max_error;
    return reshare::compress(m, c, Scheme::ReramSharing, 2);
}

// A layer with whole all-zero OU blocks (rows 8..15 of columns 0..7, and the last OU column of every OU-row).
QuantizedMatrix with_zero_blocks() {
    QuantizedMatrix m = reshare::test::random_layer(40, 36, 1, 41);
    for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c)
            if ((r >= 8 && r < 16 && c < 8) || c >= 32) m.q[size_t(r) * m.cols + c] = 0;
    return m;
}

}  // namespace

TEST_CASE("reram-sharing: keeping every OU changes nothing: fewer centroids change the weights, exactly computed",
          "[reram-sharing]") {
    const QuantizedMatrix m = reshare::test::random_layer(70, 60, 2, 43);
    const std::vector<int32_t> x = reshare::test::random_input(140, 44);
    const CompressedLayer all = rs_layer(m, 1.0);
    CHECK(reshare::effective_matrix(all, m).q == m.q);
    for (double keep : {0.5, 0.25, 0.1}) {
        INFO("keep " << keep);
        const CompressedLayer l = rs_layer(m, keep);
        const QuantizedMatrix eff = reshare::effective_matrix(l, m);
        CHECK(eff.q != m.q);
        REQUIRE(reshare::reconstruct(l) == eff.q);
        REQUIRE(reshare::compressed_mvm(l, x) == reshare::reference_mvm(eff, x));
        // At most K = ceil(keep x non-zero blocks) distinct blocks per OU-row group.
        const reshare::ReramSharingTables& t = reshare::reram_sharing_tables(l);
        const int positions = reshare::rs_positions(l.geo);
        for (size_t d = 0; d < t.pool_blocks.size(); ++d) {
            int used = 0;
            for (int b = 0; b < positions; ++b) used += t.index[d * positions + b] != 0;
            CHECK(t.pool_blocks[d] <= uint32_t(std::ceil(keep * positions)));
            CHECK(t.pool_blocks[d] <= uint32_t(used));
        }
        CHECK(reshare::measure(l, HwConfig{}).stored_ous < reshare::measure(all, HwConfig{}).stored_ous);
    }
}

TEST_CASE("reram-sharing: all-zero OUs are pruned: EMPTY in the index, no cells, no activation, no target", "[reram-sharing]") {
    const QuantizedMatrix m = with_zero_blocks();
    const CompressedLayer l = rs_layer(m, 1.0);
    const reshare::ReramSharingTables& t = reshare::reram_sharing_tables(l);
    const int positions = reshare::rs_positions(l.geo);   // 5: the last one all zero
    REQUIRE(positions == 5);
    for (size_t d = 0; d < t.pool_blocks.size(); ++d) CHECK(t.index[d * positions + 4] == 0);
    CHECK(t.index[1 * positions + 0] == 0);   // rows 8..15, columns 0..7
    // Every stored OU's targets are the non-EMPTY positions of its domain, each counted once per stored plane.
    uint64_t targets = 0, ous = 0;
    for (const reshare::hw::WorkUnit& u : reshare::hw::work_units(l, reshare::HwConfig{})) {
        REQUIRE(u.ou_targets.size() == u.ous);
        for (uint16_t n : u.ou_targets) {
            targets += n;
            CHECK(n >= 1);
        }
        ous += u.ous;
    }
    uint64_t used_planes = 0;
    const reshare::BitSlicing bs = reshare::slicing_of(l);
    for (size_t d = 0; d < t.pool_blocks.size(); ++d)
        for (int b = 0; b < positions; ++b)
            if (const uint32_t id = t.index[d * positions + b]) {
                std::set<int> planes;
                const auto start = reshare::offsets(t.pool_blocks)[d];
                for (int j = 0; j < reshare::rs_block_size(l.geo); ++j)
                    for (int p = 0; p < bs.planes(); ++p)
                        if (bs.cell(t.blocks[(start + id - 1) * reshare::rs_block_size(l.geo) + j], p)) planes.insert(p);
                used_planes += planes.size();
            }
    CHECK(targets == used_planes);
    CHECK(ous == reshare::measure(l, HwConfig{}).stored_ous);
    const CompressedLayer back = reshare::decode_layer_image(reshare::encode_layer_image(l), "rs");
    REQUIRE(reshare::reconstruct(back) == m.q);
}

TEST_CASE("reram-sharing: an error bound picks per OU-row group the K that meets it", "[reram-sharing]") {
    const QuantizedMatrix m = reshare::test::random_layer(64, 96, 1, 47);
    for (double bound : {1.0, 3.0}) {
        const CompressedLayer l = rs_layer(m, 1.0, bound);
        const QuantizedMatrix eff = reshare::effective_matrix(l, m);
        for (int d = 0; d < l.geo.domains(); ++d) {
            double e2 = 0;
            for (int r = d * 8; r < (d + 1) * 8; ++r)
                for (int c = 0; c < m.cols; ++c) e2 += std::pow(double(eff.q[size_t(r) * m.cols + c]) - m.q[size_t(r) * m.cols + c], 2);
            CHECK(std::sqrt(e2 / (8.0 * m.cols)) <= bound + 1e-12);
        }
    }
    CHECK(reshare::measure(rs_layer(m, 1.0, 3.0), HwConfig{}).stored_ous < reshare::measure(rs_layer(m, 1.0, 1.0), HwConfig{}).stored_ous);
}

TEST_CASE("reram-sharing: the digital adders add a stored OU into each target, one target per adder cycle", "[reram-sharing][timing]") {
    HwConfig c;
    c.cu_arrays = 1, c.cu_adcs = 1;
    c.rs_adder_ns = 3;   // slower than the 1 ns result write: the adders set the pace
    const reshare::hw::CuPipeline cu(c, Scheme::ReramSharing);
    reshare::hw::WorkUnit u;
    u.ous = 2;
    u.results = 16;
    u.ou_targets = {4, 1};
    const reshare::hw::UnitTiming t = cu.run(u);
    const double ou = cu.ou_ns();
    CHECK(t.mvm_ns == Approx(2 * ou));
    CHECK(t.sharing_ns == Approx(std::max(ou + 4 * 3.0, 2 * ou) + 1 * 3.0));
    CHECK(t.counters.adds == 5u * c.ou_cols);
    CHECK(t.counters.writes[int(reshare::hw::Buffer::Result)] == 5);
    CHECK(t.counters.reads[int(reshare::hw::Buffer::Index)] == 5);
}

TEST_CASE("reram-sharing: clustering across OU-rows saves cells but not computations", "[reram-sharing]") {
    const QuantizedMatrix m = reshare::test::random_layer(64, 96, 1, 53);
    const std::vector<int32_t> x = reshare::test::random_input(64, 54);
    HwConfig c;
    c.rs_keep_ratio = 0.25;
    const CompressedLayer same = reshare::compress(m, c, Scheme::ReramSharing, 2);
    for (int rows : {4, 0}) {
        INFO("cluster_rows " << rows);
        c.rs_cluster_rows = rows;
        const CompressedLayer pooled = reshare::compress(m, c, Scheme::ReramSharing, 2);
        const reshare::ReramSharingTables& t = reshare::reram_sharing_tables(pooled);
        CHECK(t.cluster_rows == (rows ? rows : pooled.geo.row_groups()));
        CHECK(t.pool_blocks.size() == size_t(pooled.geo.row_groups() / t.cluster_rows));
        const QuantizedMatrix eff = reshare::effective_matrix(pooled, m);
        REQUIRE(reshare::reconstruct(pooled) == eff.q);
        REQUIRE(reshare::compressed_mvm(pooled, x) == reshare::reference_mvm(eff, x));
        const CompressedLayer back = reshare::decode_layer_image(reshare::encode_layer_image(pooled), "pooled");
        REQUIRE(reshare::encode_layer_image(back) == reshare::encode_layer_image(pooled));
        // A pooled OU fires once for each OU-row group using it, but a CU holding those groups stores it once.
        const reshare::LayerMetrics a = reshare::measure(pooled, c);
        CHECK(a.stored_ous < a.ou_activations_per_input);
        uint64_t ids = 0, ous = 0;
        for (const reshare::hw::WorkUnit& u : reshare::hw::work_units(pooled, c)) ids += u.ou_ids.size(), ous += u.ous;
        CHECK(ids == ous);
    }
    const reshare::LayerMetrics s = reshare::measure(same, HwConfig{});
    CHECK(s.stored_ous == s.ou_activations_per_input);   // each OU-row on its own: every stored OU fires once
}
