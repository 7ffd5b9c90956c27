// ReShare's pattern reordering (Algorithm 1 of the paper), in two implementations that return the same order.
//
// Input: one sharing domain's bit-columns as pattern ids (-1 for the zero pattern, else 0..n-1) and the
// number of results per block B. Blocks are runs of B consecutive bit-columns.
// value(x) = sum over blocks b not yet complete of freq(x, b) / n_unsel(b), where n_unsel(b) is the number
// of distinct non-zero patterns of b not selected yet (the paper's "unselected candidate patterns").
// Each step selects the argmax and recomputes, as the paper's text says ("each iteration would recalculate
// the pattern value"); the pseudocode's L_val is never reset, which we read as an omission.
// Values are exact integers scaled by lcm(1..B), so both implementations compare them identically.
// Ties go to the pattern that first occurs earliest in the domain (the lowest id).
#pragma once

#include <cstdint>
#include <vector>

namespace reshare {

// Recomputes every value from scratch at each step: O(n * columns). The reference, used by tests.
std::vector<int> reorder_literal(const std::vector<int>& pattern_of, int n_patterns, int block_results);

// Incremental: keeps values and a lazy max-heap, touching only the blocks of the selected pattern.
std::vector<int> reorder_fast(const std::vector<int>& pattern_of, int n_patterns, int block_results);

// lcm(1..n): the common denominator of the weights 1/n_unsel.
int64_t reorder_scale(int block_results);

}  // namespace reshare
