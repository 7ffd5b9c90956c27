// reshare: ReShare (Hong and Chung), the paper this project is built around. Per sharing domain the distinct
// non-zero patterns are stored in Algorithm 1 order (reorder.hpp), so their pattern-buffer address is their rank and
// the pattern buffer is written once, in order, never overwritten. A task list of result blocks (sharing.block_bytes
// each), each with its block index and one pattern-buffer reference per slot, is ordered by the step at which the
// block's last pattern is computed; a task writes its whole block to the result buffer (block write).
#pragma once

#include "reshare/schemes/common/patterns.hpp"

#include <type_traits>

namespace reshare {

// The slots of every task, block_results each: 0 = the zero pattern, k + 1 = pattern-buffer address k. In one byte
// each where no domain can hold more than 255 patterns (keys of at most 8 bits: the default 8-row OU of 1-bit cells),
// else in two: reshare_slot_bytes(g). VGG16 has 30 M tasks: 0.24 GB of slots, not 0.48.
struct TaskSlots {
    std::vector<uint8_t> narrow;   // exactly one of the two is used, by the geometry
    std::vector<uint16_t> wide;

    template <class T>
    std::vector<T>& as() {
        if constexpr (std::is_same_v<T, uint8_t>) return narrow; else return wide;
    }
    template <class F>
    decltype(auto) visit(F f) const { return wide.empty() ? f(narrow) : f(wide); }   // f(the vector in use)
    size_t size() const { return narrow.size() + wide.size(); }
    uint16_t operator[](size_t i) const { return wide.empty() ? narrow[i] : wide[i]; }
};

struct ReShareTables : PatternTables {
    std::vector<uint32_t> domain_tasks;   // tasks (non-zero result blocks) per domain
    std::vector<uint32_t> task_block;     // block index inside its domain
    TaskSlots task_slot;

    template <class F>
    static void zip(ReShareTables& a, ReShareTables& b, F f) {
        PatternTables::zip(a, b, f);
        f(a.domain_tasks, b.domain_tasks);
        f(a.task_block, b.task_block);
        f(a.task_slot.narrow, b.task_slot.narrow);
        f(a.task_slot.wide, b.task_slot.wide);
    }
};

// Bytes per task slot: 1 where a domain holds at most 255 patterns (its keys or its bit-columns bound them), else 2.
inline int reshare_slot_bytes(const LayerGeometry& g) { return max_domain_patterns(g) <= 0xff ? 1 : 2; }

class ReShareScheme : public SchemeDef {
public:
    Scheme id() const override { return Scheme::ReShare; }
    const char* name() const override { return "reshare"; }
    const char* summary() const override {
        return "ReShare: distinct patterns in Algorithm 1 order into a pattern buffer, whole result blocks written by a "
               "task list";
    }
    RESHARE_SCHEME_HOOKS
    TimingRule timing() const override { return {SharingEngine::BlockTasks, false}; }
    void add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
    std::vector<const char*> held_names() const override { return {"task_list", "pattern_buffer"}; }
    void add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
};

inline const ReShareTables& reshare_tables(const CompressedLayer& l) { return l.tables_as<ReShareTables>(); }

// What writing one task's block reads: its distinct pattern-buffer addresses, the buffer lines (block_results
// results each) they lie in, and its last address (+1, as the slots hold them), which the block waits for.
struct TaskReads {
    uint16_t distinct = 0, lines = 0, last = 0;
};
// Of the block_results slots of one task of a domain that holds `patterns` patterns.
TaskReads task_reads(const uint8_t* slot, int block_results, uint32_t patterns);
TaskReads task_reads(const uint16_t* slot, int block_results, uint32_t patterns);

}  // namespace reshare
