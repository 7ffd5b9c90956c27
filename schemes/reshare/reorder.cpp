#include "reshare/schemes/reshare/reorder.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <optional>

namespace reshare {
namespace {

// Distinct non-zero patterns of every block with their frequencies, one record of 2B entries per block: its
// pattern ids, then their counts (0 past the block's distinct ones, and for selected patterns). T holds an id and
// a count, as narrow as both fit: a domain's blocks are walked again at every step (VGG16's fc6: 7168 blocks per
// domain, a 16-byte record each with byte-wide entries, one cache line's access per visit).
template <class T, int kB>
struct Blocks {
    int count = 0, stride = 0;
    std::vector<T> distinct;   // per block
    std::vector<T> record;

    int width() const { return kB ? kB : stride; }   // a constant when kB is
    const T* ids(int b) const { return &record[size_t(b) * 2 * width()]; }
    T* counts(int b) { return &record[size_t(b) * 2 * width() + width()]; }
    const T* counts(int b) const { return &record[size_t(b) * 2 * width() + width()]; }

    Blocks(const std::vector<int>& pattern_of, int n_patterns, int block_results)
        : count((int(pattern_of.size()) + block_results - 1) / block_results), stride(kB ? kB : block_results),
          distinct(count), record(size_t(count) * 2 * stride) {
        // seen_in[p] / slot[p]: the last block p was seen in and its entry there, so each column is O(1). Without
        // branches on the data: the zero pattern (p < 0) counts as pattern n_patterns, into a spare entry past the
        // block's B, and a column's entry is chosen, not branched to.
        const int B = width(), cols = int(pattern_of.size());
        std::vector<int> seen_in(n_patterns + 1, -1), slot(n_patterns + 1, 0);
        std::vector<T> id(B + 1, 0), n_of(B + 1);   // entry B is the spare
        for (int b = 0, col = 0; b < count; ++b) {
            std::fill(n_of.begin(), n_of.end(), T(0));
            int n = 0;
            for (const int end = std::min(cols, col + B); col < end; ++col) {
                const int p = pattern_of[col], key = p < 0 ? n_patterns : p;
                const bool fresh = seen_in[key] != b;
                const int e = p < 0 ? B : fresh ? n : slot[key];
                seen_in[key] = b, slot[key] = e;
                id[e] = T(p), ++n_of[e];
                n += fresh && p >= 0;
            }
            distinct[b] = T(n);
            // All B entries, a fixed length: past n, ids left from earlier blocks (valid ids) with zero counts.
            std::copy(id.begin(), id.begin() + B, &record[size_t(b) * 2 * B]);
            std::copy(n_of.begin(), n_of.begin() + B, counts(b));
        }
    }
};

// Which blocks hold each pattern (CSR). Blocks of one distinct pattern are left out: selecting their pattern
// completes them without changing anyone else's value, so they only count in the initial values.
struct PatternBlocks {
    std::vector<int> start, block;
    template <class T, int kB>
    PatternBlocks(const Blocks<T, kB>& b, int n_patterns) : start(n_patterns + 1, 0) {
        for (int k = 0; k < b.count; ++k)
            if (b.distinct[k] > 1)
                for (int e = 0; e < b.distinct[k]; ++e) ++start[b.ids(k)[e] + 1];
        for (int p = 0; p < n_patterns; ++p) start[p + 1] += start[p];
        block.resize(start.back());
        std::vector<int> at(start.begin(), start.end() - 1);
        for (int k = 0; k < b.count; ++k)
            if (b.distinct[k] > 1)
                for (int e = 0; e < b.distinct[k]; ++e) block[at[b.ids(k)[e]]++] = k;
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

// Zeroes the count of pattern p in a block of B entries: the entry that holds p and a non-zero count (a selected
// pattern's entry keeps its id with a zero count).
template <class T, int kB>
void clear_entry(const T* ids, T* counts, int B, T p) {
    int mine = 0;
    for (int e = 0; e < B; ++e) mine = ids[e] == p && counts[e] ? e : mine;
    counts[mine] = 0;
}

// 0x80 in each byte of x that is zero, and 0 in every other byte (exact: no borrow crosses bytes).
inline uint64_t zero_bytes(uint64_t x) {
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    return ~(((x & low7) + low7) | x | low7);
}

// The default geometry (8 results, byte-wide ids and counts): the block's ids and counts as two 64-bit words,
// compared bytewise at once, and the counts written back whole (a byte store would stall the next visit's 8-byte
// load of the same counts). Algorithm 1's steps on 400 of VGG16's fc6 domains, one thread (a throwaway program):
// 0.56 ms per domain with the loop above (and byte stores), 0.34 ms with this.
template <>
void clear_entry<uint8_t, 8>(const uint8_t* ids, uint8_t* counts, int, uint8_t p) {
    uint64_t id, n;
    std::memcpy(&id, ids, 8), std::memcpy(&n, counts, 8);
    const uint64_t mine = zero_bytes(id ^ (uint64_t(p) * 0x0101010101010101ull)) & ~zero_bytes(n);
    n &= ~(uint64_t(0xff) << (__builtin_ctzll(mine) & ~7));
    std::memcpy(counts, &n, 8);
}

// kB: the block size when known at compile time (the default 8 results of 16 bits in a 16-byte block), else 0.
template <class T, int kB>
std::vector<int> reorder_with(const std::vector<int>& pattern_of, int n_patterns, int block_results) {
    const int B = kB ? kB : block_results;
    const int64_t scale = reorder_scale(block_results);
    Blocks<T, kB> blocks(pattern_of, n_patterns, block_results);
    const PatternBlocks where(blocks, n_patterns);
    // share[k] = scale / k, the weight of a block with k unselected; gain[k], what each of them gains when a block
    // goes from k + 1 to k.
    std::vector<int64_t> share(block_results + 2, 0), gain(block_results + 1, 0);
    for (int k = 1; k <= block_results; ++k) share[k] = scale / k;
    for (int k = 1; k <= block_results; ++k) gain[k] = share[k] - share[k + 1];

    std::vector<T> unsel(blocks.distinct);
    std::vector<int64_t> value(n_patterns, 0);
    for (int b = 0; b < blocks.count; ++b)
        for (int e = 0; e < blocks.distinct[b]; ++e) value[blocks.ids(b)[e]] += blocks.counts(b)[e] * share[unsel[b]];

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
            const int left = --unsel[b];
            if (left == 0) continue;   // p was the block's last: it is complete and never visited again
            const T* pat = blocks.ids(b);
            T* freq = blocks.counts(b);
            clear_entry<T, kB>(pat, freq, B, T(p));
            const int64_t g = gain[left];
            for (int e = 0; e < B; ++e) value[pat[e]] += int64_t(freq[e]) * g;
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
    if (block_results > 65535 || n_patterns > 65536) return reorder_with<int, 0>(pattern_of, n_patterns, block_results);
    if (block_results > 255 || n_patterns > 256) return reorder_with<uint16_t, 0>(pattern_of, n_patterns, block_results);
    return block_results == 8 ? reorder_with<uint8_t, 8>(pattern_of, n_patterns, block_results)
                              : reorder_with<uint8_t, 0>(pattern_of, n_patterns, block_results);
}

}  // namespace reshare
