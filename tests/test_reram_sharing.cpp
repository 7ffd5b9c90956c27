// ReRAM-Sharing's clustering (schemes/reram_sharing/cluster.hpp) on the authors' own figure: eight 2x2 OUs, each
// OU-row group clustered on its own (our reading: members share their inputs), four centroids.
#include "schemes/reram_sharing/cluster.hpp"

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

TEST_CASE("reram-sharing: k at least the blocks keeps every distinct block; identical blocks share", "[reram-sharing]") {
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
