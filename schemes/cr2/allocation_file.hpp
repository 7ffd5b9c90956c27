// CR2's learned allocation on disk: what the learning images (SL) chose for every layer's input-pattern buffer, so a
// later run on test images (ST) uses it (docs/formats.md). JSON, versioned; every field is checked on reading and a
// bad file is one line naming the file and the field (exit code 2).
#pragma once

#include "reshare/schemes/cr2/input_patterns.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace reshare::cr2 {

struct LayerAllocation {
    std::string name;
    uint32_t domains = 0;                // OU-row groups of the layer (the entries' domain range)
    uint64_t entry_bytes = 0;            // W_j: one entry's bytes (the layer's largest domain's pattern results)
    std::vector<PatternEntry> entries;   // B_j entries, most valuable first
    uint64_t gain = 0;                   // P_j[B_j]: activations they saved on the learning images
};

struct Allocation {
    std::string model;
    PatternKind kind = PatternKind::Bits;
    uint64_t capacity_bytes = 0;               // B
    std::vector<std::string> learning_images;  // SL
    std::vector<LayerAllocation> layers;

    uint64_t used_bytes() const;
};

constexpr int kAllocationVersion = 1;

std::string allocation_json(const Allocation& a);
// Throws Error (exit 2) "allocation <where>: <field>: <problem>".
Allocation parse_allocation(const std::string& text, const std::string& where);

void write_allocation(const std::string& path, const Allocation& a);
Allocation read_allocation(const std::string& path);


}  // namespace reshare::cr2
