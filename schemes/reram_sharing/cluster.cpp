#include "schemes/reram_sharing/cluster.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace reshare::reram_sharing {
namespace {

// Squared distance of a block (scaled to centroid steps) to a centroid: exact in 64 bits.
int64_t distance2(const int32_t* x, const int32_t* c, int dims) {
    int64_t d = 0;
    for (int i = 0; i < dims; ++i) {
        const int64_t e = x[i] - c[i];
        d += e * e;
    }
    return d;
}

// Farthest-point seeding from the first block.
std::vector<int32_t> seeds(const std::vector<int32_t>& x, size_t n, int dims, size_t k) {
    std::vector<int32_t> out(x.begin(), x.begin() + dims);
    std::vector<int64_t> nearest(n, std::numeric_limits<int64_t>::max());
    while (out.size() / dims < k) {
        const int32_t* last = &out[out.size() - size_t(dims)];
        size_t far = 0;
        for (size_t i = 0; i < n; ++i) {
            nearest[i] = std::min(nearest[i], distance2(&x[i * dims], last, dims));
            if (nearest[i] > nearest[far]) far = i;
        }
        out.insert(out.end(), x.begin() + long(far * dims), x.begin() + long((far + 1) * dims));
    }
    return out;
}

int nearest_cluster(const int32_t* x, const std::vector<int32_t>& centroids, int dims) {
    const int k = int(centroids.size() / dims);
    int best = 0;
    int64_t best_d = distance2(x, &centroids[0], dims);
    for (int c = 1; c < k; ++c)
        if (const int64_t d = distance2(x, &centroids[size_t(c) * dims], dims); d < best_d) best = c, best_d = d;
    return best;
}

// The mean of `count` values summing to `sum` (in centroid steps), rounded to nearest, halves away from zero.
int32_t mean(int64_t sum, int64_t count) {
    return int32_t(sum >= 0 ? (2 * sum + count) / (2 * count) : -((-2 * sum + count) / (2 * count)));
}

}  // namespace

Clustering cluster_blocks(const std::vector<int16_t>& blocks, int dims, int k, int max_iterations) {
    if (dims < 1 || dims > 1024 || blocks.empty() || blocks.size() % size_t(dims) || k < 1)
        throw Error("cluster_blocks: needs whole blocks of 1..1024 values and k >= 1", ExitCode::Failure);
    const size_t n = blocks.size() / size_t(dims);
    std::vector<int32_t> x(blocks.size());
    for (size_t i = 0; i < blocks.size(); ++i) {
        if (blocks[i] < -255 || blocks[i] > 255) throw Error("cluster_blocks: value outside -255..255", ExitCode::Failure);
        x[i] = int32_t(blocks[i]) * kCentroidScale;
    }
    Clustering c;
    c.dims = dims;
    c.centroids = seeds(x, n, dims, std::min(n, size_t(k)));
    c.cluster_of.assign(n, -1);
    const size_t clusters = c.centroids.size() / size_t(dims);
    std::vector<int64_t> sum(c.centroids.size());
    std::vector<int64_t> members(clusters);
    for (int it = 0; it < max_iterations; ++it) {
        bool moved = false;
        for (size_t i = 0; i < n; ++i)
            if (const int to = nearest_cluster(&x[i * dims], c.centroids, dims); to != c.cluster_of[i]) c.cluster_of[i] = to, moved = true;
        if (!moved) break;
        std::fill(sum.begin(), sum.end(), 0);
        std::fill(members.begin(), members.end(), 0);
        for (size_t i = 0; i < n; ++i) {
            const size_t m = size_t(c.cluster_of[i]);
            ++members[m];
            for (int j = 0; j < dims; ++j) sum[m * dims + j] += x[i * dims + j];
        }
        for (size_t m = 0; m < clusters; ++m)
            if (members[m])
                for (int j = 0; j < dims; ++j) c.centroids[m * dims + j] = mean(sum[m * dims + j], members[m]);
    }
    return c;
}

}  // namespace reshare::reram_sharing
