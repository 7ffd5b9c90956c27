// The CU pipeline's timing, in plain C++: how long one work unit takes for one input vector, and what it does.
//
// A work unit is the smallest piece of a layer the mapping places: a domain (one OU-row group of one conv group)
// for dense, rws and reshare; a crossbar-height row tile for orc, whose row indices span a tile. The controller
// fills each CU with consecutive units (hw/timing/mapping.hpp: while their OUs fit the arrays and what they keep
// fits the eDRAM) and asks it for all of them at once (merge_units): a CU's arrays, each
// with its own ADC, fire in parallel over every OU the CU holds for the layer.
// The model (docs/timing.md), for one input vector:
// - MVM. The stored OUs fire in storage order, each for every input bit (1-bit DAC). One activation needs
//   ou_cols ADC conversions shared by the array's ADCs; the OUs are spread over up to cu.arrays arrays that fire
//   in parallel, so OU k's results (summed over input bits by the S+A) are ready at
//   (k / arrays_used + 1) * input_bits * ou_cols * t_conv / adcs_per_array.
// Which engine times a layer is its scheme's TimingRule (schemes/<name>/); the engines are shared:
// - direct (dense, orc): each OU's ou_cols results go to the result buffer in one write; orc first reads the OU's row
//   indices and gathers its inputs (one index-buffer and one input-buffer access, hidden behind the MVM).
// - output buffer (rws): each OU's results are written to the output buffer, which holds rws.output_buffer_results results.
//   The sharing engine takes patterns in order; per pattern it reads the result and its task length, then per
//   target one column-index read (from ReRAM row segments or the eDRAM index buffer: rws.index_memory) and one
//   single-result write to the result buffer, pipelined (target_ns). A pattern's slot frees when
//   its last target is written; the MVM stalls while the output buffer lacks room for its next OU.
// - block tasks (reshare): each OU's results are written to the pattern buffer in Algorithm 1 order and never overwritten,
//   so the MVM never waits. Tasks run in order, each once its last pattern is written: one task-buffer read,
//   one pattern-buffer read per distinct pattern of the block, one block write to the result buffer.
// Buffer accesses take buffer.access_ns each; the buffers are separate banks, and each engine issues one
// access at a time. The unit ends when both engines are done.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/offline/compressed_layer.hpp"

#include <cstdint>
#include <vector>

namespace reshare::hw {

// A structure a unit keeps in its CU's memories (docs/storage.md). The CU holds every unit's (Summed: tables for
// the whole layer, buffers the MVM fills ahead of the sharing) or the largest one unit needs (Largest: what is
// assembled one unit at a time). Index tables live where the scheme's index memory is (rws.index_memory).
enum class Holding { Summed, Largest };
enum class Placement { Edram, IndexMemory };
struct HeldStructure {
    const char* name;
    uint64_t bits;
    Holding holding;
    Placement placement;
};

// What one work unit asks of the CU; it depends only on the weights, so it is built once per layer.
struct WorkUnit {
    uint32_t ous = 0;                      // stored OUs
    uint32_t results = 0;                  // bit-columns of the unit: results it delivers
    std::vector<uint16_t> ou_patterns;     // rws/reshare: patterns in each OU (the last may be partial)
    std::vector<uint32_t> fanout;          // rws: task length of each pattern, in order
    std::vector<uint32_t> task_ready_ou;   // reshare: the OU whose write completes each task's block
    std::vector<uint16_t> task_reads;      // reshare: distinct patterns each task reads
    std::vector<uint16_t> task_lines;      // reshare: pattern-buffer lines (sharing.block_bytes) they lie in
    std::vector<uint8_t> ou_extra_cycles;  // sme: input cycles each OU takes beyond input_bits (squeezed rows' delay)
    std::vector<uint16_t> ou_targets;      // reram-sharing: outputs each stored OU's results are added into
    // reram-sharing clustered across OU-rows: which stored OU each of the unit's OUs drives (an OU shared by several
    // OU-rows fires once for each, but a CU stores it once). Empty: every OU is stored for itself.
    std::vector<uint32_t> ou_ids;
    // cr2: the input patterns buffered for this unit (sorted) and the buffer accesses one hit reads (not merged: the
    // CU looks each of its units up on its own, hw/timing/input_reuse.hpp)
    std::vector<uint64_t> ipr_patterns;
    uint32_t ipr_entry_reads = 0;
    std::vector<HeldStructure> held;       // what it keeps in its CU: its results, and the scheme's tables and buffers
    // Which of the layer's units this is (FastDatapath's unit index), and whether its CU computes that unit's
    // outputs: a unit with more OUs than one CU's arrays hold is cut into pieces on CUs of their own
    // (hw/timing/mapping.hpp, cut_to_cus), and only the first piece's CU runs the functional datapath for all of it.
    uint32_t source = 0;
    bool computes = true;
};

// Builds a layer's work units from its compressed form, in execution order, as the CUs of `config` take them (a
// unit too large for one CU cut into pieces: cut_to_cus).
std::vector<WorkUnit> work_units(const CompressedLayer& layer, const HwConfig& config);
// The same units with only their OUs and what they keep (WorkUnit::held): all the mapping and storage need.
std::vector<WorkUnit> unit_holdings(const CompressedLayer& layer, const HwConfig& config);

// Pattern-buffer reads of reshare task `i` of `u` (sharing.pattern_read).
inline uint16_t task_pattern_reads(const WorkUnit& u, size_t i, PatternRead r) {
    return r == PatternRead::Line ? u.task_lines[i] : u.task_reads[i];
}

// Units [begin, end) as one: what a CU holding them computes per input vector, in order, over all its arrays.
WorkUnit merge_units(const std::vector<WorkUnit>& units, size_t begin, size_t end);

enum class Buffer { Input, Index, Output, Pattern, Task, Result, InputPatterns, Count };
const char* to_string(Buffer b);
// A set of a CU's buffers: bit b is Buffer b.
using BufferSet = uint32_t;
constexpr BufferSet kAllBuffers = (BufferSet(1) << int(Buffer::Count)) - 1;
constexpr bool has(BufferSet s, Buffer b) { return (s >> int(b)) & 1; }

struct UnitCounters {
    uint64_t ou_activations = 0;
    uint64_t adc_conversions = 0;
    uint64_t block_writes = 0;             // reshare's whole-block writes to the result buffer
    uint64_t index_reram_reads = 0;        // rws index-table reads when it lives in ReRAM (row segments)
    uint64_t adds = 0;                     // reram-sharing: results the digital adders add into targets
    uint64_t reads[int(Buffer::Count)] = {};
    uint64_t writes[int(Buffer::Count)] = {};
    void add(const UnitCounters& o, uint64_t times = 1);
};

// A span of one vector's time, from its start: what the waveform shows of the batched model.
struct Interval {
    double begin = 0, end = 0;
};

struct UnitTiming {
    double mvm_ns = 0;        // when the MVM engine finishes
    double sharing_ns = 0;    // when the last result reaches the result buffer
    double total_ns = 0;      // max of the two
    double stall_ns = 0;      // MVM time lost waiting for output-buffer room (rws)
    double sharing_start_ns = 0;    // when the sharing engine (result writes, sharing, tasks) first works
    std::vector<Interval> stalls;   // when the MVM waits (rws): they sum to stall_ns
    UnitCounters counters;
};

// The buffers a CU under `rule` uses - the only ones CuPipeline::run counts accesses to: the input and result
// buffers always; the index buffer for ORC's row indices and ReRAM-Sharing's targets; RWS's output buffer, and its
// task and index buffers unless its index table is in ReRAM; ReShare's pattern and task buffers; CR2's input-pattern
// buffer. A chip built for one scheme gives its CUs these alone (a dense CU has no pattern buffer).
BufferSet buffers_used(const TimingRule& rule, const HwConfig& config);

class CuPipeline {
public:
    CuPipeline(const HwConfig& config, Scheme scheme);   // the scheme's timing rule
    CuPipeline(const HwConfig& config, const CompressedLayer& layer);   // the layer's (SchemeDef::layer_timing)
    CuPipeline(const HwConfig& config, TimingRule rule);
    // Time and events of one unit for one input vector; `mvm_scale` < 1 when input-pattern hits spare a share of the
    // OU activations (cr2), which shortens every activation wave in proportion.
    UnitTiming run(const WorkUnit& unit, double mvm_scale = 1.0) const;
    // Time the output-buffer engine spends per target bit-column: one result write, with the target's index read
    // pipelined beside it (from the eDRAM index buffer, or amortized over one ReRAM row-segment read).
    static double target_ns(const HwConfig& c);
    // Time the direct engine spends per target of an OU: one result write, or with adder targets (reram-sharing) one
    // add into the target, pipelined beside its write.
    static double direct_target_ns(const HwConfig& c, const TimingRule& rule);
    // Input cycles of the OUs [first, first + n) of a unit: input_bits plus the slowest one's extra cycles.
    static int wave_cycles(const WorkUnit& u, uint32_t first, uint32_t n, int input_bits);
    // Time of one OU activation for all input bits: input_bits * ou_cols conversions over the array's ADCs.
    double ou_ns() const { return ou_ns_; }
    int input_bits() const { return input_bits_; }
    double access_ns() const { return access_ns_; }
    const TimingRule& rule() const { return rule_; }

private:
    UnitTiming run_direct(const WorkUnit& u) const;
    UnitTiming run_output_buffer(const WorkUnit& u) const;
    UnitTiming run_block_tasks(const WorkUnit& u) const;
    double ready_ns(uint32_t ou, uint32_t ous) const;   // when OU `ou` of a unit with `ous` OUs is computed
    uint32_t arrays_used(uint32_t ous) const;

    TimingRule rule_;
    PatternRead pattern_read_;
    int input_bits_, ou_cols_, arrays_, ous_per_array_, output_buffer_;
    double ou_ns_, access_ns_, target_ns_, direct_target_ns_;
    bool index_in_reram_;
    int index_entries_per_read_;
};

}  // namespace reshare::hw
