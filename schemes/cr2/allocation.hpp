// CR2's input-pattern buffer allocation (Hong and Chung's poster, "SL"/"ST"; ../shared/reference/other-schemes.md,
// section 3): given, per layer j, the computations P_j[k] its k most valuable input patterns save when buffered and
// the bytes W_j one buffer entry takes, choose B_j entries per layer maximizing sum_j P_j[B_j] subject to
// sum_j B_j W_j <= B. Solved exactly by the poster's bounded-knapsack recurrence (the inter-layer level):
//   P_max(i, w) = max over k in [0, min(x_i, floor(w / w_i))] of P_max(i - 1, w - k w_i) + P_i[k],
// then backtracked. The intra-layer level - which patterns fill a layer's B_j entries - is the profile's order
// (input_patterns.hpp). Plain C++: the first piece of the scheme `cr2` (issue 9).
#pragma once

#include <cstdint>
#include <vector>

namespace reshare::cr2 {

// gain[j][k]: computations saved with k entries in layer j (gain[j][0] = 0, non-decreasing; k up to the layer's
// distinct patterns x_j). entry_bytes[j] >= 1. Returns B_j per layer. Capacity is counted in units of the entries'
// greatest common divisor, so the table has L x (capacity / gcd + 1) cells; ties keep fewer entries in later layers.
std::vector<uint32_t> allocate_buffer(const std::vector<std::vector<uint64_t>>& gain, const std::vector<uint64_t>& entry_bytes,
                                      uint64_t capacity_bytes);

// sum_j gain[j][B_j]: what an allocation saves.
uint64_t allocation_gain(const std::vector<std::vector<uint64_t>>& gain, const std::vector<uint32_t>& entries);

}  // namespace reshare::cr2
