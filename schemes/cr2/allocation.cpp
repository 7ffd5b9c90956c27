#include "schemes/cr2/allocation.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <numeric>

namespace reshare::cr2 {

uint64_t allocation_gain(const std::vector<std::vector<uint64_t>>& gain, const std::vector<uint32_t>& entries) {
    uint64_t total = 0;
    for (size_t j = 0; j < gain.size(); ++j) total += gain[j].at(entries.at(j));
    return total;
}

std::vector<uint32_t> allocate_buffer(const std::vector<std::vector<uint64_t>>& gain, const std::vector<uint64_t>& entry_bytes,
                                      uint64_t capacity_bytes) {
    const size_t L = gain.size();
    if (entry_bytes.size() != L) throw Error("allocate_buffer: one entry size per layer", ExitCode::Failure);
    uint64_t unit = 0;
    for (size_t j = 0; j < L; ++j) {
        if (entry_bytes[j] == 0) throw Error("allocate_buffer: an entry takes at least one byte", ExitCode::Failure);
        if (gain[j].empty() || gain[j][0] != 0) throw Error("allocate_buffer: gain[j][0] must be 0", ExitCode::Failure);
        unit = std::gcd(unit, entry_bytes[j]);
    }
    if (L == 0) return {};
    const uint64_t W = capacity_bytes / unit;   // capacity in units
    if (W > (uint64_t(1) << 26) / std::max<size_t>(1, L))
        throw Error("cr2: the input-pattern buffer is too large to allocate exactly (" + std::to_string(W) + " units of " +
                    std::to_string(unit) + " bytes over " + std::to_string(L) + " layers)");
    // best[w]: the largest gain of the layers so far within w units; choice[j][w]: entries of layer j there.
    std::vector<uint64_t> best(W + 1, 0), next(W + 1);
    std::vector<std::vector<uint32_t>> choice(L, std::vector<uint32_t>(W + 1, 0));
    for (size_t j = 0; j < L; ++j) {
        const uint64_t wj = entry_bytes[j] / unit;
        const uint64_t most = gain[j].size() - 1;
        for (uint64_t w = 0; w <= W; ++w) {
            uint64_t top = best[w];   // k = 0
            uint32_t pick = 0;
            for (uint64_t k = 1; k <= std::min(most, w / wj); ++k)
                if (const uint64_t v = best[w - k * wj] + gain[j][k]; v > top) top = v, pick = uint32_t(k);
            next[w] = top;
            choice[j][w] = pick;
        }
        best.swap(next);
    }
    std::vector<uint32_t> entries(L, 0);
    uint64_t w = W;
    for (size_t j = L; j-- > 0;) {
        entries[j] = choice[j][w];
        w -= uint64_t(entries[j]) * (entry_bytes[j] / unit);
    }
    return entries;
}

}  // namespace reshare::cr2
