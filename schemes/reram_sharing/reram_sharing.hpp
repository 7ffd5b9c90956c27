// reram-sharing: ReRAM-Sharing (Song, Li et al., ISCAS 2021; ../shared/reference/other-schemes.md, section 1):
// OU-level weight sharing with pruning, an index table and digital adders. It changes the weights, so the reference
// runs its effective weights.
//
// Offline, per OU-row group (a domain: ou.rows rows of one conv group), whose OUs share their inputs (our reading of
// the authors' figure, where every cluster's members sit in one OU-row; so one activation of a shared OU serves all
// its members and sharing saves computations as well as cells) - or, with reram_sharing.cluster_rows N > 1, per pool
// of N consecutive OU-row groups, whose shared OUs save cells but fire once for each OU-row group that uses them:
// 1. its OU blocks of weights (ou.rows x ou.cols weights; the last ones zero-padded) that are not all zero are
//    clustered by k-means (cluster.hpp) into K = ceil(reram_sharing.keep_ratio x blocks) centroids, or the smallest
//    K within reram_sharing.max_weight_error;
// 2. each centroid is requantized to int8 on the layer's scale (round half to even: our reading) and each block
//    replaced by its centroid (W := Z, the paper's hard sharing; we have no training loop, so no fine-tuning);
// 3. all-zero blocks, and blocks whose centroid rounds to zero, are pruned (EMPTY in the index); equal centroids are
//    stored once: the domain's stored blocks, in order of first use.
// A stored block is bit-sliced through the encoding like any weights; each bit-plane that holds a one is one stored
// OU of ou.rows x ou.cols cells. The index table maps every block position of the domain to a stored block or to
// EMPTY (index_bits(stored + 1) bits per position).
// Hardware (our reading of "introduces the index table and adders"): each stored OU fires once per input bit for its
// OU-row group; the digital adders add its ou.cols results into the outputs of every position the index maps to it.
#pragma once

#include "reshare/offline/compressed_layer.hpp"

namespace reshare {

// A pool is the OU-row groups clustered together: reram_sharing.cluster_rows consecutive domains of one conv group
// (1, the default: each domain on its own).
struct ReramSharingTables : SchemeTables {
    int cluster_rows = 1;                  // domains per pool (the last pool of a conv group may have fewer)
    std::vector<uint32_t> pool_blocks;     // stored blocks per pool
    std::vector<int8_t> blocks;            // the stored blocks, ou.rows x ou.cols weights each, row-major
    std::vector<uint32_t> index;           // per domain, per block position: 0 = EMPTY, else 1 + its pool's stored block

    template <class F>
    static void zip(ReramSharingTables& a, ReramSharingTables& b, F f) {
        f(a.pool_blocks, b.pool_blocks);
        f(a.blocks, b.blocks);
        f(a.index, b.index);
    }
};

class ReramSharingScheme : public SchemeDef {
public:
    Scheme id() const override { return Scheme::ReramSharing; }
    const char* name() const override { return "reram-sharing"; }
    const char* summary() const override {
        return "ReRAM-Sharing: similar OUs of an OU-row replaced by k-means centroids, stored once, zero OUs pruned; "
               "an index table and adders (changes the weights)";
    }
    RESHARE_SCHEME_HOOKS
    std::string config_problem(const HwConfig& c) const override;
    std::vector<int8_t> effective_weights(const CompressedLayer& l) const override;
    bool changes_weights() const override { return true; }
    TimingRule timing() const override { return {SharingEngine::Direct, false, true}; }
    void add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
    std::vector<const char*> held_names() const override { return {"index_table"}; }
    void add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
};

inline const ReramSharingTables& reram_sharing_tables(const CompressedLayer& l) { return l.tables_as<ReramSharingTables>(); }

// Pools: cluster_rows domains of one conv group each.
inline int rs_pools_per_group(const LayerGeometry& g, int cluster_rows) { return (g.row_groups() + cluster_rows - 1) / cluster_rows; }
inline int rs_pool_of(const LayerGeometry& g, int cluster_rows, int domain) {
    return domain / g.row_groups() * rs_pools_per_group(g, cluster_rows) + domain % g.row_groups() / cluster_rows;
}

// Block positions per domain: ceil(group columns / ou.cols).
inline int rs_positions(const LayerGeometry& g) { return (g.group_cols() + g.ou_cols - 1) / g.ou_cols; }
inline int rs_block_size(const LayerGeometry& g) { return g.ou_rows * g.ou_cols; }

}  // namespace reshare
