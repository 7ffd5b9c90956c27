// ReRAM-Sharing's clustering (Song, Li et al., ISCAS 2021; ../shared/reference/other-schemes.md, section 1): the OU
// blocks of weights (r x c weights each, as vectors) are grouped into K clusters by k-means; each block is replaced
// by its cluster's centroid, the element-wise arithmetic mean of its members.
//
// Deterministic on every machine (our reading: the paper gives no seeding): blocks are integers; centroids are kept
// in fixed point, 1/16 of a weight step (kCentroidScale), so every distance is an exact integer. The first seed is
// the first block, each next seed the block farthest from the seeds so far (ties: the lower index); then Lloyd's
// iterations - each block to its nearest centroid (ties: the lower cluster), centroids re-averaged (rounded to the
// fixed-point grid), an emptied cluster keeping its centroid - until no block moves or `max_iterations`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace reshare::reram_sharing {

constexpr int kCentroidScale = 16;   // centroids in 1/16 weight steps: exact int32 distances for 8-bit blocks of <= 1024

struct Clustering {
    int dims = 0;
    std::vector<int> cluster_of;         // per block
    std::vector<int32_t> centroids;      // clusters x dims, in 1/kCentroidScale steps: the members' mean
    double centroid(int cluster, int i) const { return double(centroids[size_t(cluster) * dims + i]) / kCentroidScale; }
    int clusters() const { return dims ? int(centroids.size() / dims) : 0; }
};

// `blocks`: n x dims values in -255..255, row-major; k >= 1 (at most n clusters are made). `kernel`: one of
// dot_kernels(), the fastest if empty - every kernel gives the same result (the tests run each).
Clustering cluster_blocks(const std::vector<int16_t>& blocks, int dims, int k, int max_iterations = 100,
                          const std::string& kernel = "");

// The distance kernels this CPU runs, fastest first: "avx512bw", "avx2", "sse2" (x86-64), "portable".
std::vector<std::string> dot_kernels();

}  // namespace reshare::reram_sharing
