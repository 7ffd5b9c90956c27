#include "reshare/schemes/cr2/allocation.hpp"

#include "reshare/common/error.hpp"

#include <algorithm>
#include <functional>
#include <numeric>

namespace reshare::cr2 {
namespace {

// Whether every next entry saves no more than the one before (a profile's ranked gains always are).
bool concave(const std::vector<uint64_t>& g) {
    for (size_t k = 2; k < g.size(); ++k)
        if (g[k] - g[k - 1] > g[k - 1] - g[k - 2]) return false;
    return true;
}

// The recurrence for one layer whose gain is concave: along each residue class of w mod wj it is a max-plus
// convolution of the previous row with a concave sequence, whose best source index never decreases as w grows, so
// divide and conquer finds every w's best k in O(n log n) instead of O(n k). Ties keep the fewest entries, as the
// plain loop does.
void relax_concave(const std::vector<uint64_t>& best, const std::vector<uint64_t>& g, uint64_t wj,
                   std::vector<uint64_t>& next, std::vector<uint32_t>& choice) {
    const uint64_t W = best.size() - 1, most = g.size() - 1;
    std::vector<uint64_t> a;
    for (uint64_t r = 0; r < std::min(wj, W + 1); ++r) {
        a.clear();
        for (uint64_t w = r; w <= W; w += wj) a.push_back(best[w]);
        const int64_t n = int64_t(a.size());
        // t: position in the class; s: source position (k = t - s entries), s in [t - most, t].
        std::function<void(int64_t, int64_t, int64_t, int64_t)> solve = [&](int64_t lo, int64_t hi, int64_t slo, int64_t shi) {
            if (lo > hi) return;
            const int64_t t = (lo + hi) / 2;
            int64_t pick = -1;
            uint64_t top = 0;
            for (int64_t s = std::min(shi, t); s >= std::max(slo, t - int64_t(most)); --s)   // larger s first: fewer entries
                if (const uint64_t v = a[size_t(s)] + g[size_t(t - s)]; pick < 0 || v > top) top = v, pick = s;
            next[size_t(r + uint64_t(t) * wj)] = top;
            choice[size_t(r + uint64_t(t) * wj)] = uint32_t(t - pick);
            solve(lo, t - 1, slo, pick);
            solve(t + 1, hi, pick, shi);
        };
        solve(0, n - 1, 0, n - 1);
    }
}

}  // namespace

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
        if (concave(gain[j])) {
            relax_concave(best, gain[j], wj, next, choice[j]);
        } else {
            for (uint64_t w = 0; w <= W; ++w) {
                uint64_t top = best[w];   // k = 0
                uint32_t pick = 0;
                for (uint64_t k = 1; k <= std::min(most, w / wj); ++k)
                    if (const uint64_t v = best[w - k * wj] + gain[j][k]; v > top) top = v, pick = uint32_t(k);
                next[w] = top;
                choice[j][w] = pick;
            }
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
