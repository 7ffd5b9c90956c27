// ReRAM-Sharing's clustering (Song, Li et al., ISCAS 2021; ../shared/reference/other-schemes.md, section 1): the OU
// blocks of weights (r x c weights each, as vectors) are grouped into K clusters by k-means; each block is replaced
// by its cluster's centroid, the element-wise arithmetic mean of its members, and only distinct centroids are
// stored. The first piece of the scheme `reram-sharing` (issue 8); the pass, index table and adders build on it.
//
// Deterministic (our reading: the paper gives no seeding): the first seed is the first block, each next seed the
// block farthest from the seeds so far (ties: the lower index); then Lloyd's iterations - each block to its nearest
// centroid (ties: the lower cluster), centroids re-averaged, an emptied cluster keeping its centroid - until no
// block moves or `max_iterations`.
#pragma once

#include <cstddef>
#include <vector>

namespace reshare::reram_sharing {

struct Clustering {
    std::vector<int> cluster_of;                  // per block
    std::vector<std::vector<double>> centroids;   // per cluster, the members' element-wise mean
};

// `blocks` all of one length; k >= 1 (at most the number of blocks is used).
Clustering cluster_blocks(const std::vector<std::vector<double>>& blocks, int k, int max_iterations = 100);

}  // namespace reshare::reram_sharing
