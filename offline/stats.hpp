// OU-column pattern statistics of a quantized, bit-sliced layer: the data of the ReShare paper's Fig. 3.
//
// Every bit-column of every domain is one OU column; its pattern is counted by identity across the whole
// layer (and, for the model total, across layers). zero_share is the all-zero pattern's share; topK_share the
// share of the K most frequent patterns (the zero pattern included); nonzero_topK_share the share of the K
// most frequent non-zero patterns among non-zero OU columns; topK_nonzero_of_all the share of the K most frequent
// non-zero patterns among all OU columns, which is what the paper's Fig. 3 all-column figure must be (its non-zero
// shares, 33% / 59%, exceed its all-column ones, 21% / 38%: impossible if the zero pattern counted among the top K);
// distinct_patterns counts the zero pattern too.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/offline/bitslice.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace reshare {

class PatternHistogram {
public:
    PatternHistogram() = default;
    explicit PatternHistogram(int key_bits);
    void add(PatternKey key, uint64_t n = 1);
    void merge(const PatternHistogram& o);

    uint64_t total() const { return total_; }
    uint64_t zeros() const { return count(0); }
    uint64_t count(PatternKey key) const;
    uint64_t distinct() const;
    // Sum of the k largest counts, over all patterns or the non-zero ones.
    uint64_t top(int k, bool nonzero_only) const;

private:
    std::vector<uint64_t> counts() const;
    bool direct_ = false;
    std::vector<uint64_t> dense_;
    std::unordered_map<PatternKey, uint64_t> sparse_;
    uint64_t total_ = 0;
};

struct PatternStats {
    uint64_t ou_columns = 0;
    double zero_share = 0, top8_share = 0, top32_share = 0, nonzero_top8_share = 0, nonzero_top32_share = 0;
    double top8_nonzero_of_all = 0, top32_nonzero_of_all = 0;
    uint64_t distinct_patterns = 0;
};

PatternStats summarize(const PatternHistogram& h);

// Histogram of one layer's OU-column patterns; `threads` workers split its domains.
PatternHistogram layer_histogram(const QuantizedMatrix& m, const HwConfig& config, int threads = 1);

}  // namespace reshare
