#include "reshare/schemes/reshare/reorder.hpp"

#include <algorithm>
#include <numeric>
#include <optional>

namespace reshare {
namespace {

// Distinct non-zero patterns of every block with their frequencies, at a fixed stride of B entries per block.
// Id holds a pattern id and Count a count up to B, as narrow as they can be: a domain's blocks are walked again at
// every step (VGG16's fc6: 8192 blocks per domain, 16 bytes each with byte-wide entries, 64 with ints).
template <class Id, class Count>
struct Blocks {
    int count = 0, stride = 0;
    std::vector<Count> distinct;               // per block
    std::vector<Id> pattern;                   // block b's entries at [b * stride, b * stride + distinct[b])
    std::vector<Count> freq;

    Blocks(const std::vector<int>& pattern_of, int n_patterns, int block_results)
        : count((int(pattern_of.size()) + block_results - 1) / block_results), stride(block_results),
          distinct(count, 0), pattern(size_t(count) * stride), freq(size_t(count) * stride) {
        // seen_in[p] / slot[p]: the last block p was seen in and its entry there, so each column is O(1).
        std::vector<int> seen_in(n_patterns, -1), slot(n_patterns, 0);
        for (int b = 0, col = 0; b < count; ++b) {
            const size_t base = size_t(b) * stride;
            for (const int end = std::min(int(pattern_of.size()), col + stride); col < end; ++col) {
                const int p = pattern_of[col];
                if (p < 0) continue;
                if (seen_in[p] != b) {
                    seen_in[p] = b;
                    slot[p] = distinct[b]++;
                    pattern[base + slot[p]] = Id(p);
                    freq[base + slot[p]] = 0;
                }
                ++freq[base + slot[p]];
            }
        }
    }
};

// Which blocks hold each pattern (CSR). Blocks of one distinct pattern are left out: selecting their pattern
// completes them without changing anyone else's value, so they only count in the initial values.
struct PatternBlocks {
    std::vector<int> start, block;
    template <class Id, class Count>
    PatternBlocks(const Blocks<Id, Count>& b, int n_patterns) : start(n_patterns + 1, 0) {
        for (int k = 0; k < b.count; ++k)
            if (b.distinct[k] > 1)
                for (int e = 0; e < b.distinct[k]; ++e) ++start[b.pattern[size_t(k) * b.stride + e] + 1];
        for (int p = 0; p < n_patterns; ++p) start[p + 1] += start[p];
        block.resize(start.back());
        std::vector<int> at(start.begin(), start.end() - 1);
        for (int k = 0; k < b.count; ++k)
            if (b.distinct[k] > 1)
                for (int e = 0; e < b.distinct[k]; ++e) block[at[b.pattern[size_t(k) * b.stride + e]]++] = k;
    }
};

// Tournament tree over pattern values: the root is the largest value, ties to the lowest id; O(log n) updates.
class ArgMax {
public:
    explicit ArgMax(const std::vector<int64_t>& value) : value_(value), leaves_(1) {
        while (leaves_ < int(value.size())) leaves_ *= 2;
        node_.assign(size_t(2) * leaves_, -1);
        for (int p = 0; p < int(value.size()); ++p) node_[leaves_ + p] = p;
        for (int i = leaves_ - 1; i >= 1; --i) node_[i] = better(node_[2 * i], node_[2 * i + 1]);
    }
    int best() const { return node_[1]; }
    void update(int p) {
        for (int i = (leaves_ + p) / 2; i >= 1; i /= 2) node_[i] = better(node_[2 * i], node_[2 * i + 1]);
    }
    void remove(int p) {
        node_[leaves_ + p] = -1;
        update(p);
    }

private:
    int better(int a, int b) const {
        if (a < 0) return b;
        if (b < 0) return a;
        return value_[b] > value_[a] ? b : a;   // a < b always: equal values keep the lower id
    }
    const std::vector<int64_t>& value_;
    int leaves_;
    std::vector<int> node_;
};

}  // namespace

int64_t reorder_scale(int block_results) {
    int64_t l = 1;
    for (int n = 2; n <= block_results; ++n) l = std::lcm(l, int64_t(n));
    return l;
}

std::vector<int> reorder_literal(const std::vector<int>& pattern_of, int n_patterns, int block_results) {
    const int64_t scale = reorder_scale(block_results);
    const int cols = int(pattern_of.size());
    std::vector<char> selected(n_patterns, 0);
    std::vector<int> order;
    std::vector<int64_t> value(n_patterns);
    for (int step = 0; step < n_patterns; ++step) {
        std::fill(value.begin(), value.end(), 0);
        for (int b0 = 0; b0 < cols; b0 += block_results) {
            const int b1 = std::min(cols, b0 + block_results);
            std::vector<int> unsel;   // distinct unselected non-zero patterns of this block
            for (int col = b0; col < b1; ++col) {
                const int p = pattern_of[col];
                if (p >= 0 && !selected[p] && std::find(unsel.begin(), unsel.end(), p) == unsel.end()) unsel.push_back(p);
            }
            if (unsel.empty()) continue;   // all-zero or complete block
            const int64_t coeff = scale / int64_t(unsel.size());
            for (int col = b0; col < b1; ++col) {
                const int p = pattern_of[col];
                if (p >= 0 && !selected[p]) value[p] += coeff;
            }
        }
        int best = -1;
        for (int p = 0; p < n_patterns; ++p)
            if (!selected[p] && (best < 0 || value[p] > value[best])) best = p;
        selected[best] = 1;
        order.push_back(best);
    }
    return order;
}

namespace {

// kB: the block size when known at compile time (the default 8 results of 16 bits in a 16-byte block), else 0.
template <class Id, class Count, int kB>
std::vector<int> reorder_with(const std::vector<int>& pattern_of, int n_patterns, int block_results) {
    const int B = kB ? kB : block_results;
    const int64_t scale = reorder_scale(block_results);
    Blocks<Id, Count> blocks(pattern_of, n_patterns, block_results);
    const PatternBlocks where(blocks, n_patterns);
    std::vector<int64_t> share(block_results + 1, 0);   // scale / k, the weight of a block with k unselected
    for (int k = 1; k <= block_results; ++k) share[k] = scale / k;

    std::vector<Count> unsel(blocks.distinct);
    std::vector<int64_t> value(n_patterns, 0);
    for (int b = 0; b < blocks.count; ++b)
        for (int e = 0; e < blocks.distinct[b]; ++e) {
            const size_t at = size_t(b) * blocks.stride + e;
            value[blocks.pattern[at]] += blocks.freq[at] * share[unsel[b]];
        }

    // Few patterns (the usual 8-bit keys): a linear scan per step beats tree updates, since the hot patterns
    // share blocks with nearly every other one. Many patterns: a tournament tree, updated once per changed one.
    std::vector<char> touched(n_patterns, 0);
    std::vector<int> order, changed;
    order.reserve(n_patterns);
    const bool scan = n_patterns <= 1024;
    std::vector<int> alive;   // unselected ids in ascending order, for the scan
    if (scan)
        for (int p = 0; p < n_patterns; ++p) alive.push_back(p);
    std::optional<ArgMax> tree;
    if (!scan) tree.emplace(value);
    for (int step = 0; step < n_patterns; ++step) {
        int p;
        if (scan) {
            size_t best = 0;
            for (size_t i = 1; i < alive.size(); ++i)
                if (value[alive[i]] > value[alive[best]]) best = i;   // strict: ties keep the lower id
            p = alive[best];
            alive.erase(alive.begin() + long(best));
        } else {
            p = tree->best();
            tree->remove(p);
        }
        order.push_back(p);
        // Only the blocks holding p change: their other unselected patterns now share 1 / (n - 1). Entries do not
        // move: p's frequency becomes 0, and every entry of the block is updated with its frequency, so unused and
        // selected ones add nothing. Fixed trip counts and no search loop: the branches of a variable walk cost more
        // than the few extra adds (each block is visited once per pattern it holds).
        for (int k = where.start[p]; k < where.start[p + 1]; ++k) {
            const int b = where.block[k];
            const Id* pat = &blocks.pattern[size_t(b) * B];
            Count* freq = &blocks.freq[size_t(b) * B];
            int mine = 0;
            for (int e = 0; e < B; ++e) mine = pat[e] == Id(p) && freq[e] ? e : mine;
            freq[mine] = 0;
            const int left = --unsel[b];
            if (left == 0) continue;
            const int64_t gain = share[left] - share[left + 1];
            for (int e = 0; e < B; ++e) value[pat[e]] += int64_t(freq[e]) * gain;
            if (!scan)
                for (int e = 0; e < B; ++e)
                    if (freq[e] && !touched[pat[e]]) touched[pat[e]] = 1, changed.push_back(pat[e]);
        }
        for (int q : changed) touched[q] = 0, tree->update(q);
        changed.clear();
    }
    return order;
}

}  // namespace

std::vector<int> reorder_fast(const std::vector<int>& pattern_of, int n_patterns, int block_results) {
    if (block_results > 255) return reorder_with<int, int, 0>(pattern_of, n_patterns, block_results);
    if (n_patterns <= 256)
        return block_results == 8 ? reorder_with<uint8_t, uint8_t, 8>(pattern_of, n_patterns, block_results)
                                  : reorder_with<uint8_t, uint8_t, 0>(pattern_of, n_patterns, block_results);
    if (n_patterns <= 65536) return reorder_with<uint16_t, uint8_t, 0>(pattern_of, n_patterns, block_results);
    return reorder_with<int, uint8_t, 0>(pattern_of, n_patterns, block_results);
}

}  // namespace reshare
