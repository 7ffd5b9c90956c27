#include "schemes/reram_sharing/cluster.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <limits>

namespace reshare::reram_sharing {
namespace {

double distance2(const std::vector<double>& a, const std::vector<double>& b) {
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]);
    return d;
}

// Farthest-point seeding from the first block.
std::vector<std::vector<double>> seeds(const std::vector<std::vector<double>>& blocks, size_t k) {
    std::vector<std::vector<double>> out = {blocks[0]};
    std::vector<double> nearest(blocks.size(), std::numeric_limits<double>::infinity());
    while (out.size() < k) {
        size_t far = 0;
        for (size_t i = 0; i < blocks.size(); ++i) {
            nearest[i] = std::min(nearest[i], distance2(blocks[i], out.back()));
            if (nearest[i] > nearest[far]) far = i;
        }
        out.push_back(blocks[far]);
    }
    return out;
}

int nearest_cluster(const std::vector<double>& block, const std::vector<std::vector<double>>& centroids) {
    int best = 0;
    double best_d = distance2(block, centroids[0]);
    for (size_t c = 1; c < centroids.size(); ++c)
        if (const double d = distance2(block, centroids[c]); d < best_d) best = int(c), best_d = d;
    return best;
}

}  // namespace

Clustering cluster_blocks(const std::vector<std::vector<double>>& blocks, int k, int max_iterations) {
    if (blocks.empty() || k < 1) throw Error("cluster_blocks: needs blocks and k >= 1", ExitCode::Failure);
    const size_t n = blocks.size(), len = blocks[0].size();
    for (const auto& b : blocks)
        if (b.size() != len) throw Error("cluster_blocks: blocks of different sizes", ExitCode::Failure);
    Clustering c;
    c.centroids = seeds(blocks, std::min(n, size_t(k)));
    c.cluster_of.assign(n, -1);
    for (int it = 0; it < max_iterations; ++it) {
        bool moved = false;
        for (size_t i = 0; i < n; ++i)
            if (const int to = nearest_cluster(blocks[i], c.centroids); to != c.cluster_of[i]) c.cluster_of[i] = to, moved = true;
        if (!moved) break;
        std::vector<std::vector<double>> sum(c.centroids.size(), std::vector<double>(len, 0.0));
        std::vector<size_t> members(c.centroids.size(), 0);
        for (size_t i = 0; i < n; ++i) {
            ++members[size_t(c.cluster_of[i])];
            for (size_t j = 0; j < len; ++j) sum[size_t(c.cluster_of[i])][j] += blocks[i][j];
        }
        for (size_t m = 0; m < c.centroids.size(); ++m)
            if (members[m])
                for (size_t j = 0; j < len; ++j) c.centroids[m][j] = sum[m][j] / double(members[m]);
    }
    return c;
}

}  // namespace reshare::reram_sharing
