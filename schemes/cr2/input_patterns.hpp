// CR2's input patterns (../shared/reference/other-schemes.md, section 3): what an OU-row group sees on its wordlines,
// profiled over learning images, and the buffer hits of a given allocation.
//
// Our reading (the sources do not define it): an input pattern is the r-bit vector driven on the r wordlines of one
// OU-row group (a domain) in one bit-serial cycle - bit b of each of its r int8 inputs (two's complement). The
// alternative reading, `activations`, is the r whole int8 inputs of the domain for one input vector (a hit then
// saves every input bit's activations). The all-zero pattern drives nothing and needs no entry: it is skipped.
// Plain C++: the second piece of the scheme `cr2` (issue 9).
#pragma once

#include "reshare/common/config.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace reshare::cr2 {

using PatternKind = InputPattern;   // the configuration's cr2.input_pattern

// One buffered pattern of a layer: the domain it is for and the pattern.
struct PatternEntry {
    uint32_t domain = 0;
    uint64_t pattern = 0;
    bool operator==(const PatternEntry& o) const { return domain == o.domain && pattern == o.pattern; }
};

// How often each (domain, non-zero pattern) occurs in a layer's input vectors.
class PatternProfile {
public:
    // rows: the matrix rows of one conv group; groups; ou_rows (<= 32 for Bits, <= 8 for Activations).
    PatternProfile(int rows, int groups, int ou_rows, int input_bits, PatternKind kind);
    // Adds n input vectors of groups x rows int8 values each.
    void add(const int8_t* vectors, int n);
    // The entries worth buffering, most valuable first: occurrences x saved OU activations per occurrence (the
    // domain's OUs, once per cycle for Bits, input_bits times for Activations); ties: lower domain, then pattern.
    // gain[k] = what the first k save (gain[0] = 0).
    void rank(const std::vector<uint32_t>& domain_ous, std::vector<PatternEntry>& entries, std::vector<uint64_t>& gain) const;
    int domains() const { return domains_; }
    uint64_t occurrences() const { return total_; }   // non-zero patterns seen (the all-zero ones are skipped)

    // The pattern of domain d (its first row r0, its rows n) in input-bit cycle b (Bits) of one vector.
    static uint64_t bits_pattern(const int8_t* inputs, int n, int b);
    static uint64_t activations_pattern(const int8_t* inputs, int n);

private:
    int rows_, groups_, ou_rows_, input_bits_, domains_;
    PatternKind kind_;
    uint64_t total_ = 0;
    std::vector<std::unordered_map<uint64_t, uint64_t>> counts_;   // per domain: pattern -> occurrences
};

// The buffer of one layer under an allocation: which (domain, pattern) entries it holds. Counts hits on inputs.
class PatternBuffer {
public:
    PatternBuffer(int rows, int groups, int ou_rows, int input_bits, PatternKind kind, const std::vector<PatternEntry>& entries);
    struct Counts {
        uint64_t hits = 0, misses = 0, zero = 0;   // per (domain, cycle) lookups; zero: all-zero patterns skipped
    };
    // Lookups of n input vectors, per domain (index = domain).
    void count(const int8_t* vectors, int n, std::vector<Counts>& per_domain) const;

private:
    int rows_, groups_, ou_rows_, input_bits_, domains_;
    PatternKind kind_;
    std::vector<std::unordered_map<uint64_t, bool>> held_;   // per domain
};

}  // namespace reshare::cr2
