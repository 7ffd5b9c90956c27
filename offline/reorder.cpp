#include "offline/reorder.hpp"

#include <algorithm>
#include <numeric>
#include <queue>

namespace reshare {
namespace {

struct BlockEntry {
    int pattern;
    int freq;
};

// Distinct non-zero patterns of each block with their frequencies, in first-occurrence order.
std::vector<std::vector<BlockEntry>> block_contents(const std::vector<int>& pattern_of, int block_results) {
    const int cols = int(pattern_of.size());
    std::vector<std::vector<BlockEntry>> blocks((cols + block_results - 1) / block_results);
    for (int b = 0; b < int(blocks.size()); ++b) {
        auto& entries = blocks[b];
        const int end = std::min(cols, (b + 1) * block_results);
        for (int col = b * block_results; col < end; ++col) {
            const int p = pattern_of[col];
            if (p < 0) continue;
            auto it = std::find_if(entries.begin(), entries.end(), [p](const BlockEntry& e) { return e.pattern == p; });
            if (it == entries.end())
                entries.push_back({p, 1});
            else
                ++it->freq;
        }
    }
    return blocks;
}

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

std::vector<int> reorder_fast(const std::vector<int>& pattern_of, int n_patterns, int block_results) {
    const int64_t scale = reorder_scale(block_results);
    const auto blocks = block_contents(pattern_of, block_results);

    std::vector<int> unsel(blocks.size());
    std::vector<std::vector<int>> blocks_of(n_patterns);
    std::vector<int64_t> value(n_patterns, 0);
    for (int b = 0; b < int(blocks.size()); ++b) {
        unsel[b] = int(blocks[b].size());
        for (const BlockEntry& e : blocks[b]) {
            blocks_of[e.pattern].push_back(b);
            value[e.pattern] += e.freq * (scale / unsel[b]);
        }
    }

    // Max-heap on (value, lowest id); a stale entry (value changed since pushed) is skipped when popped.
    using Entry = std::pair<int64_t, int>;
    auto less = [](const Entry& a, const Entry& b) { return a.first != b.first ? a.first < b.first : a.second > b.second; };
    std::priority_queue<Entry, std::vector<Entry>, decltype(less)> heap(less);
    for (int p = 0; p < n_patterns; ++p) heap.push({value[p], p});

    std::vector<char> selected(n_patterns, 0);
    std::vector<int> order;
    order.reserve(n_patterns);
    while (!heap.empty()) {
        const auto [v, p] = heap.top();
        heap.pop();
        if (selected[p] || v != value[p]) continue;
        selected[p] = 1;
        order.push_back(p);
        for (int b : blocks_of[p]) {
            const int64_t before = scale / unsel[b];
            --unsel[b];
            if (unsel[b] == 0) continue;   // the block is complete: nobody else is left in it
            const int64_t gain = scale / unsel[b] - before;
            for (const BlockEntry& e : blocks[b]) {
                if (selected[e.pattern]) continue;
                value[e.pattern] += e.freq * gain;
                heap.push({value[e.pattern], e.pattern});
            }
        }
    }
    return order;
}

}  // namespace reshare
