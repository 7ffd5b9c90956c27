#include "reshare/schemes/reram_sharing/cluster.hpp"

#include "reshare/common/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace reshare::reram_sharing {
namespace {

// Blocks and centroids in centroid steps (|value| <= 255 x 16 fits 16 bits); squared distances are exact integers.
using Fixed = int16_t;

// Squared distance of a block to a centroid. Acc = int32 is exact while dims x (2 x 255 x 16)^2 < 2^31 (dims <= 32:
// |difference| <= 8160) - for int8 weights (|value| <= 127 x 16) while dims <= 130; int64 otherwise. The int32 loop
// vectorizes (16-bit multiply-adds).
template <class Acc>
Acc distance2(const Fixed* x, const Fixed* c, int dims) {
    Acc d = 0;
    for (int i = 0; i < dims; ++i) {
        const int16_t e = int16_t(x[i] - c[i]);   // |e| <= 8160: 16 bits, so the products map onto multiply-adds
        d += Acc(int32_t(e) * e);
    }
    return d;
}

// Every pass over the blocks uses the one accumulator the value range allows.
struct Metric {
    bool narrow;   // int32 accumulation is exact
    int64_t operator()(const Fixed* x, const Fixed* c, int dims) const {
        return narrow ? int64_t(distance2<int32_t>(x, c, dims)) : distance2<int64_t>(x, c, dims);
    }
};

// Farthest-point seeding from the first block. It also gives the first assignment: each block's nearest seed (ties:
// the earlier seed, as nearest_cluster breaks them), so Lloyd's first pass is not repeated.
std::vector<Fixed> seeds(const std::vector<Fixed>& x, size_t n, int dims, size_t k, Metric dist, std::vector<int>& nearest_seed) {
    std::vector<Fixed> out(x.begin(), x.begin() + dims);
    std::vector<int64_t> nearest(n, std::numeric_limits<int64_t>::max()), d(n);
    nearest_seed.assign(n, 0);
    for (;;) {
        const Fixed* last = &out[out.size() - size_t(dims)];
        const int seed = int(out.size() / dims) - 1;
        for (size_t i = 0; i < n; ++i) d[i] = dist(&x[i * dims], last, dims);
        for (size_t i = 0; i < n; ++i)
            if (d[i] < nearest[i]) nearest[i] = d[i], nearest_seed[i] = seed;
        if (out.size() / dims == k) break;
        const size_t far = size_t(std::max_element(nearest.begin(), nearest.end()) - nearest.begin());
        out.insert(out.end(), x.begin() + long(far * dims), x.begin() + long((far + 1) * dims));
    }
    return out;
}

int nearest_cluster(const Fixed* x, const std::vector<Fixed>& centroids, int dims, Metric dist) {
    const int k = int(centroids.size() / dims);
    int best = 0;
    int64_t best_d = dist(x, &centroids[0], dims);
    for (int c = 1; c < k; ++c)
        if (const int64_t d = dist(x, &centroids[size_t(c) * dims], dims); d < best_d) best = c, best_d = d;
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
    std::vector<Fixed> x(blocks.size());
    int largest = 0;
    for (size_t i = 0; i < blocks.size(); ++i) {
        if (blocks[i] < -255 || blocks[i] > 255) throw Error("cluster_blocks: value outside -255..255", ExitCode::Failure);
        x[i] = Fixed(blocks[i] * kCentroidScale);
        largest = std::max(largest, std::abs(int(blocks[i])));
    }
    const int64_t spread = 2 * int64_t(largest) * kCentroidScale;   // the largest |block - centroid| per value
    const Metric dist{int64_t(dims) * spread * spread <= int64_t(std::numeric_limits<int32_t>::max())};
    Clustering c;
    c.dims = dims;
    std::vector<int> first;
    std::vector<Fixed> centroids = seeds(x, n, dims, std::min(n, size_t(k)), dist, first);
    const size_t clusters = centroids.size() / size_t(dims);
    c.cluster_of.assign(n, -1);
    std::vector<int64_t> sum(centroids.size());
    std::vector<int64_t> members(clusters);
    for (int it = 0; it < max_iterations; ++it) {
        bool moved = false;
        for (size_t i = 0; i < n; ++i) {
            const int to = it == 0 ? first[i] : nearest_cluster(&x[i * dims], centroids, dims, dist);
            if (to != c.cluster_of[i]) c.cluster_of[i] = to, moved = true;
        }
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
                for (int j = 0; j < dims; ++j) centroids[m * dims + j] = Fixed(mean(sum[m * dims + j], members[m]));
    }
    c.centroids.assign(centroids.begin(), centroids.end());
    return c;
}

}  // namespace reshare::reram_sharing
