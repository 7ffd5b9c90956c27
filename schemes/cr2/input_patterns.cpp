#include "reshare/schemes/cr2/input_patterns.hpp"

#include "reshare/common/error.hpp"

#include <algorithm>
#include <tuple>

namespace reshare::cr2 {
namespace {

void check_shape(int rows, int groups, int ou_rows, int input_bits, PatternKind kind) {
    if (rows < 1 || groups < 1 || ou_rows < 1 || input_bits < 1 || input_bits > 8)
        throw Error("cr2: input patterns need rows, groups, OU rows and 1..8 input bits", ExitCode::Failure);
    if (ou_rows > (kind == PatternKind::Bits ? 32 : 8))
        throw Error("cr2: an input pattern of " + std::to_string(ou_rows) + " rows does not fit its key", ExitCode::Failure);
}

// Calls f(domain, pattern) for every non-zero pattern of one vector, and zero() for each all-zero one.
template <class F, class Z>
void for_each_pattern(const int8_t* v, int rows, int groups, int ou_rows, int input_bits, PatternKind kind, F f, Z zero) {
    const int row_groups = (rows + ou_rows - 1) / ou_rows;
    for (int g = 0; g < groups; ++g)
        for (int q = 0; q < row_groups; ++q) {
            const int d = g * row_groups + q, r0 = q * ou_rows, n = std::min(ou_rows, rows - r0);
            const int8_t* in = v + size_t(g) * rows + r0;
            if (kind == PatternKind::Activations) {
                const uint64_t p = PatternProfile::activations_pattern(in, n);
                p ? f(d, p) : zero(d);
                continue;
            }
            for (int b = 0; b < input_bits; ++b) {
                const uint64_t p = PatternProfile::bits_pattern(in, n, b);
                p ? f(d, p) : zero(d);
            }
        }
}

}  // namespace

uint64_t PatternProfile::bits_pattern(const int8_t* in, int n, int b) {
    uint64_t p = 0;
    for (int i = 0; i < n; ++i) p |= uint64_t((uint8_t(in[i]) >> b) & 1u) << i;
    return p;
}

uint64_t PatternProfile::activations_pattern(const int8_t* in, int n) {
    uint64_t p = 0;
    for (int i = 0; i < n; ++i) p |= uint64_t(uint8_t(in[i])) << (8 * i);
    return p;
}

PatternProfile::PatternProfile(int rows, int groups, int ou_rows, int input_bits, PatternKind kind)
    : rows_(rows), groups_(groups), ou_rows_(ou_rows), input_bits_(input_bits),
      domains_(groups * ((rows + ou_rows - 1) / ou_rows)), kind_(kind), counts_(size_t(domains_)) {
    check_shape(rows, groups, ou_rows, input_bits, kind);
}

void PatternProfile::add(const int8_t* vectors, int n) {
    const size_t width = size_t(groups_) * rows_;
    for (int v = 0; v < n; ++v)
        for_each_pattern(vectors + v * width, rows_, groups_, ou_rows_, input_bits_, kind_,
                         [&](int d, uint64_t p) { ++counts_[size_t(d)][p], ++total_; }, [](int) {});
}

void PatternProfile::rank(const std::vector<uint32_t>& domain_ous, std::vector<PatternEntry>& entries,
                          std::vector<uint64_t>& gain) const {
    if (domain_ous.size() != size_t(domains_)) throw Error("cr2: one OU count per domain", ExitCode::Failure);
    const uint64_t cycles = kind_ == PatternKind::Activations ? uint64_t(input_bits_) : 1;
    std::vector<std::tuple<uint64_t, uint32_t, uint64_t>> ranked;   // value, domain, pattern
    for (int d = 0; d < domains_; ++d)
        for (const auto& [p, n] : counts_[size_t(d)]) ranked.emplace_back(n * domain_ous[size_t(d)] * cycles, uint32_t(d), p);
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
        return std::make_pair(std::get<1>(a), std::get<2>(a)) < std::make_pair(std::get<1>(b), std::get<2>(b));
    });
    entries.clear();
    gain.assign(1, 0);
    for (const auto& [value, d, p] : ranked) {
        entries.push_back({d, p});
        gain.push_back(gain.back() + value);
    }
}

PatternBuffer::PatternBuffer(int rows, int groups, int ou_rows, int input_bits, PatternKind kind,
                             const std::vector<PatternEntry>& entries)
    : rows_(rows), groups_(groups), ou_rows_(ou_rows), input_bits_(input_bits),
      domains_(groups * ((rows + ou_rows - 1) / ou_rows)), kind_(kind), held_(size_t(domains_)) {
    check_shape(rows, groups, ou_rows, input_bits, kind);
    for (const PatternEntry& e : entries) {
        if (e.domain >= uint32_t(domains_) || e.pattern == 0)
            throw Error("cr2: a buffer entry names domain " + std::to_string(e.domain) + " of " + std::to_string(domains_) +
                        (e.pattern ? "" : " with the all-zero pattern"));
        held_[e.domain][e.pattern] = true;
    }
}

void PatternBuffer::count(const int8_t* vectors, int n, std::vector<Counts>& per_domain) const {
    per_domain.assign(size_t(domains_), Counts{});
    const size_t width = size_t(groups_) * rows_;
    for (int v = 0; v < n; ++v)
        for_each_pattern(
            vectors + v * width, rows_, groups_, ou_rows_, input_bits_, kind_,
            [&](int d, uint64_t p) { held_[size_t(d)].count(p) ? ++per_domain[size_t(d)].hits : ++per_domain[size_t(d)].misses; },
            [&](int d) { ++per_domain[size_t(d)].zero; });
}

}  // namespace reshare::cr2
