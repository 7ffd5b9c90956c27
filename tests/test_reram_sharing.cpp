// ReRAM-Sharing's clustering (schemes/reram_sharing/cluster.hpp) on the authors' own figure: eight 2x2 OUs, each
// OU-row group clustered on its own (our reading: members share their inputs), four centroids.
#include "schemes/reram_sharing/cluster.hpp"

#include <catch2/catch.hpp>

using namespace reshare::reram_sharing;

TEST_CASE("reram-sharing: the figure's OUs cluster into its four centroids", "[reram-sharing]") {
    // Top OU-row: OU1, OU3, OU5, OU7; bottom: OU2, OU4, OU6, OU8 (row-major 2x2 blocks). The figure does not print
    // OU3's weights, only that it is a cluster of its own: any block far from the others stands for it.
    const std::vector<std::vector<double>> top = {{1, 4, 3, 6}, {9, 9, 9, 9}, {1, 6, 2, 4}, {1, 5, 1, 2}};
    const std::vector<std::vector<double>> bottom = {{8, 1, 1, 2}, {6, 3, 1, 6}, {1, 9, 4, 1}, {3, 9, 6, 5}};
    const Clustering t = cluster_blocks(top, 2), b = cluster_blocks(bottom, 2);
    // Cluster 1 = {OU1, OU5, OU7}, centroid (1,5;2,4); cluster 2 = {OU3}.
    CHECK(t.cluster_of == std::vector<int>{0, 1, 0, 0});
    CHECK(t.centroids[0] == std::vector<double>{1, 5, 2, 4});
    CHECK(t.centroids[1] == top[1]);
    // Cluster 3 = {OU2, OU4}, centroid (7,2;1,4); cluster 4 = {OU6, OU8}, centroid (2,9;5,3).
    CHECK(b.cluster_of == std::vector<int>{0, 0, 1, 1});
    CHECK(b.centroids[0] == std::vector<double>{7, 2, 1, 4});
    CHECK(b.centroids[1] == std::vector<double>{2, 9, 5, 3});
}

TEST_CASE("reram-sharing: k at least the blocks keeps every distinct block; identical blocks share", "[reram-sharing]") {
    const std::vector<std::vector<double>> blocks = {{1, 2}, {1, 2}, {5, 5}};
    const Clustering c = cluster_blocks(blocks, 5);
    CHECK(c.centroids.size() == 3);
    CHECK(c.cluster_of[0] == c.cluster_of[1]);   // equal blocks land together
    CHECK(c.cluster_of[2] != c.cluster_of[0]);
    CHECK(cluster_blocks(blocks, 1).centroids[0] == std::vector<double>{7.0 / 3, 3});
    CHECK_THROWS(cluster_blocks({{1, 2}, {1}}, 1));
}
