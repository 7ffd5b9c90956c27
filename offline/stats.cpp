#include "reshare/offline/stats.hpp"

#include "reshare/common/parallel.hpp"

#include <algorithm>
#include <functional>

namespace reshare {

// Keys up to 16 bits count in a flat array (512 KiB at most); wider ones in a hash map.
PatternHistogram::PatternHistogram(int key_bits) : direct_(key_bits <= 16) {
    if (direct_) dense_.assign(size_t(1) << key_bits, 0);
}

void PatternHistogram::add(PatternKey key, uint64_t n) {
    if (direct_)
        dense_[key] += n;
    else
        sparse_[key] += n;
    total_ += n;
}

void PatternHistogram::merge(const PatternHistogram& o) {
    if (direct_ && o.direct_ && dense_.size() == o.dense_.size()) {
        for (size_t k = 0; k < dense_.size(); ++k) dense_[k] += o.dense_[k];
        total_ += o.total_;
        return;
    }
    for (size_t k = 0; k < o.dense_.size(); ++k)
        if (o.dense_[k]) add(PatternKey(k), o.dense_[k]);
    for (const auto& [k, n] : o.sparse_) add(k, n);
}

uint64_t PatternHistogram::count(PatternKey key) const {
    if (direct_) return key < dense_.size() ? dense_[key] : 0;
    const auto it = sparse_.find(key);
    return it == sparse_.end() ? 0 : it->second;
}

std::vector<uint64_t> PatternHistogram::counts() const {
    std::vector<uint64_t> c;
    for (uint64_t n : dense_)
        if (n) c.push_back(n);
    for (const auto& kv : sparse_) c.push_back(kv.second);
    return c;
}

uint64_t PatternHistogram::distinct() const { return counts().size(); }

uint64_t PatternHistogram::top(int k, bool nonzero_only) const {
    std::vector<uint64_t> c;
    if (nonzero_only) {
        if (direct_)
            for (size_t key = 1; key < dense_.size(); ++key) {
                if (dense_[key]) c.push_back(dense_[key]);
            }
        else
            for (const auto& [key, n] : sparse_)
                if (key != 0) c.push_back(n);
    } else {
        c = counts();
    }
    const size_t n = std::min(c.size(), size_t(k));
    std::partial_sort(c.begin(), c.begin() + n, c.end(), std::greater<>());
    uint64_t s = 0;
    for (size_t i = 0; i < n; ++i) s += c[i];
    return s;
}

PatternStats summarize(const PatternHistogram& h) {
    PatternStats s;
    s.ou_columns = h.total();
    s.distinct_patterns = h.distinct();
    if (h.total() == 0) return s;
    const double total = double(h.total()), nonzero = double(h.total() - h.zeros());
    s.zero_share = h.zeros() / total;
    s.top8_share = h.top(8, false) / total;
    s.top32_share = h.top(32, false) / total;
    s.nonzero_top8_share = nonzero > 0 ? h.top(8, true) / nonzero : 0;
    s.nonzero_top32_share = nonzero > 0 ? h.top(32, true) / nonzero : 0;
    s.top8_nonzero_of_all = h.top(8, true) / total;
    s.top32_nonzero_of_all = h.top(32, true) / total;
    return s;
}

PatternHistogram layer_histogram(const QuantizedMatrix& m, const HwConfig& config, int threads) {
    const BitSlicing bs(config);
    const LayerGeometry g(config, m, bs);
    auto parts = parallel_chunks<PatternHistogram>(g.domains(), threads, [&](int begin, int end) {
        PatternHistogram h(g.key_bits());
        const DomainKeyer keyer(bs, g);
        std::vector<PatternKey> keys(g.group_bitcols());
        for (int d = begin; d < end; ++d) {
            keyer.keys(m, d, keys.data());
            for (PatternKey k : keys) h.add(k);
        }
        return h;
    });
    PatternHistogram total(g.key_bits());
    for (const PatternHistogram& p : parts) total.merge(p);
    return total;
}

}  // namespace reshare
