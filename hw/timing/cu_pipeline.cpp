#include "reshare/hw/timing/cu_pipeline.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/parallel.hpp"
#include "reshare/hw/timing/mapping.hpp"
#include "reshare/offline/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace reshare::hw {
namespace {

// The scheme's units, whole.
std::vector<WorkUnit> layer_units(const CompressedLayer& l) {
    const std::vector<uint32_t> ous = unit_ous(l);   // the same pieces the storage accounting counts
    std::vector<WorkUnit> units(ous.size());
    for (size_t i = 0; i < units.size(); ++i) {
        units[i].source = uint32_t(i);
        units[i].ous = ous[i];
        units[i].results = uint32_t(l.geo.group_bitcols());
        // Every scheme's results are assembled in the result buffer one unit at a time, then accumulated.
        units[i].held.push_back({"result_buffer", uint64_t(units[i].results) * l.geo.result_bits, Holding::Largest, Placement::Edram});
    }
    scheme_def(l.scheme).add_unit_holdings(l, units);
    return units;
}

}  // namespace

std::vector<WorkUnit> unit_holdings(const CompressedLayer& l, const HwConfig& c) {
    return cut_to_cus(c, scheme_def(l.scheme).layer_timing(l), layer_units(l));
}

std::vector<WorkUnit> work_units(const CompressedLayer& l, const HwConfig& c) {
    std::vector<WorkUnit> units = layer_units(l);
    scheme_def(l.scheme).add_unit_work(l, units);
    return cut_to_cus(c, scheme_def(l.scheme).layer_timing(l), std::move(units));
}

WorkUnit merge_units(const std::vector<WorkUnit>& units, size_t begin, size_t end) {
    WorkUnit m;
    auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    for (size_t i = begin; i < end; ++i) {
        const WorkUnit& u = units[i];
        for (uint32_t ou : u.task_ready_ou) m.task_ready_ou.push_back(ou + m.ous);   // OU indices continue
        append(m.ou_patterns, u.ou_patterns);
        append(m.fanout, u.fanout);
        append(m.task_reads, u.task_reads);
        append(m.task_lines, u.task_lines);
        append(m.ou_extra_cycles, u.ou_extra_cycles);
        append(m.ou_targets, u.ou_targets);
        append(m.ou_ids, u.ou_ids);
        m.ous += u.ous;
        m.results += u.results;
    }
    return m;
}

BufferSet buffers_used(const TimingRule& rule, const HwConfig& config) {
    auto set = [](std::initializer_list<Buffer> bs) {
        BufferSet s = 0;
        for (Buffer b : bs) s |= BufferSet(1) << int(b);
        return s;
    };
    BufferSet s = set({Buffer::Input, Buffer::Result});
    switch (rule.engine) {
        case SharingEngine::Direct:
            if (rule.row_index_reads || rule.adder_targets) s |= set({Buffer::Index});
            break;
        case SharingEngine::OutputBuffer:
            s |= set({Buffer::Output});
            if (config.rws_index_memory != IndexMemory::Reram) s |= set({Buffer::Task, Buffer::Index});
            break;
        case SharingEngine::BlockTasks: s |= set({Buffer::Pattern, Buffer::Task}); break;
    }
    if (rule.input_reuse) s |= set({Buffer::InputPatterns});
    return s;
}

const char* to_string(Buffer b) {
    switch (b) {
        case Buffer::Input: return "input_buffer";
        case Buffer::Index: return "index_buffer";
        case Buffer::Output: return "output_buffer";
        case Buffer::Pattern: return "pattern_buffer";
        case Buffer::Task: return "task_buffer";
        case Buffer::Result: return "result_buffer";
        case Buffer::InputPatterns: return "ipr_buffer";
        case Buffer::Count: break;
    }
    return "?";
}

void UnitCounters::add(const UnitCounters& o, uint64_t times) {
    ou_activations += o.ou_activations * times;
    adc_conversions += o.adc_conversions * times;
    block_writes += o.block_writes * times;
    index_reram_reads += o.index_reram_reads * times;
    adds += o.adds * times;
    for (int b = 0; b < int(Buffer::Count); ++b) {
        reads[b] += o.reads[b] * times;
        writes[b] += o.writes[b] * times;
    }
}

CuPipeline::CuPipeline(const HwConfig& c, Scheme scheme) : CuPipeline(c, scheme_def(scheme).timing()) {}

CuPipeline::CuPipeline(const HwConfig& c, const CompressedLayer& l) : CuPipeline(c, scheme_def(l.scheme).layer_timing(l)) {}

CuPipeline::CuPipeline(const HwConfig& c, TimingRule rule)
    : rule_(rule), pattern_read_(c.pattern_read), input_bits_(c.input_bits), ou_cols_(c.ou_cols), arrays_(c.cu_arrays),
      ous_per_array_(c.ous_per_crossbar()), output_buffer_(c.rws_output_buffer_results),
      ou_ns_(double(c.input_bits) * c.ou_cols * c.adc_conversion_ns() / (c.cu_adcs / c.cu_arrays)),
      access_ns_(c.buffer_access_ns), target_ns_(target_ns(c)), direct_target_ns_(direct_target_ns(c, rule)), index_in_reram_(c.rws_index_memory == IndexMemory::Reram),
      index_entries_per_read_(c.reram_index_entries_per_read) {}

double CuPipeline::target_ns(const HwConfig& c) {
    if (c.rws_index_memory == IndexMemory::Edram) return c.buffer_access_ns;
    return std::max(c.buffer_access_ns, c.reram_index_read_ns / c.reram_index_entries_per_read);
}

double CuPipeline::direct_target_ns(const HwConfig& c, const TimingRule& rule) {
    return rule.adder_targets ? std::max(c.buffer_access_ns, c.rs_adder_ns) : c.buffer_access_ns;
}

int CuPipeline::wave_cycles(const WorkUnit& u, uint32_t first, uint32_t n, int input_bits) {
    int extra = 0;
    if (!u.ou_extra_cycles.empty())
        for (uint32_t k = first; k < std::min<uint32_t>(u.ous, first + n); ++k) extra = std::max<int>(extra, u.ou_extra_cycles[k]);
    return input_bits + extra;
}

uint32_t CuPipeline::arrays_used(uint32_t ous) const {
    return std::min<uint32_t>(arrays_, std::max<uint32_t>(1, ceil_div(ous, ous_per_array_)));
}

double CuPipeline::ready_ns(uint32_t ou, uint32_t ous) const { return double(ou / arrays_used(ous) + 1) * ou_ns_; }


UnitTiming CuPipeline::run(const WorkUnit& u, double mvm_scale) const {
    if (mvm_scale != 1.0) {
        CuPipeline scaled = *this;
        scaled.ou_ns_ *= mvm_scale;
        return scaled.run(u);
    }
    UnitTiming t;
    switch (rule_.engine) {
        case SharingEngine::Direct: t = run_direct(u); break;
        case SharingEngine::OutputBuffer: t = run_output_buffer(u); break;
        case SharingEngine::BlockTasks: t = run_block_tasks(u); break;
    }
    t.total_ns = std::max(t.mvm_ns, t.sharing_ns);
    UnitCounters& c = t.counters;
    c.ou_activations = uint64_t(u.ous) * input_bits_;
    for (uint8_t extra : u.ou_extra_cycles) c.ou_activations += extra;   // squeezed rows' delayed input bits
    c.adc_conversions = c.ou_activations * ou_cols_;
    c.reads[int(Buffer::Input)] = u.ous;   // an OU's inputs, read once for all its input bits
    return t;
}

// Direct (dense, orc, sme, reram-sharing): results go straight to the result buffer, one write per OU, or per target
// (reram-sharing: one add by the digital adders into each output the stored OU stands for, its index entry read
// beside it). A wave of OUs lasts its slowest OU's input cycles (sme's squeezed rows).
UnitTiming CuPipeline::run_direct(const WorkUnit& u) const {
    UnitTiming t;
    const uint32_t A = arrays_used(u.ous);
    double write_end = 0, wave_end = 0;
    uint64_t targets = 0, cycles = 0;
    for (uint32_t k = 0; k < u.ous; ++k) {
        if (k % A == 0) {
            cycles += uint64_t(wave_cycles(u, k, A, input_bits_));
            wave_end = u.ou_extra_cycles.empty() ? ready_ns(k, u.ous) : ou_ns_ * double(cycles) / input_bits_;
        }
        if (k == 0) t.sharing_start_ns = wave_end;
        const uint32_t n = u.ou_targets.empty() ? 1 : u.ou_targets[k];
        write_end = std::max(write_end, wave_end) + direct_target_ns_ * n;
        targets += n;
    }
    t.mvm_ns = wave_end;
    t.sharing_ns = write_end;
    t.counters.writes[int(Buffer::Result)] = targets;
    if (rule_.row_index_reads) t.counters.reads[int(Buffer::Index)] = u.ous;   // row indices of each OU
    if (rule_.adder_targets) {
        t.counters.reads[int(Buffer::Index)] = targets;   // each target's index-table entry
        t.counters.adds = targets * uint64_t(ou_cols_);
    }
    return t;
}

// Output buffer (rws): the output buffer is both the MVM's target and the sharing's source.
UnitTiming CuPipeline::run_output_buffer(const WorkUnit& u) const {
    UnitTiming t;
    const uint32_t arrays_used = std::min<uint32_t>(arrays_, std::max<uint32_t>(1, ceil_div(u.ous, ous_per_array_)));
    std::vector<double> released;   // when each written pattern's slot frees (non-decreasing: in-order sharing)
    double sharing = 0, group_start = 0, group_done = 0, last_write = 0;
    uint64_t fanout_total = 0, index_reads = 0;
    for (uint32_t k = 0; k < u.ous; ++k) {
        if (k % arrays_used == 0) group_start = last_write, group_done = group_start + ou_ns_;
        const uint32_t n = u.ou_patterns[k];
        // Room for n results: the oldest patterns must have left the output buffer.
        double write_at = std::max(group_done, last_write);
        const long must_release = long(released.size()) + n - output_buffer_;
        if (must_release > 0) {
            const double room = released[size_t(must_release - 1)];
            if (room > write_at) t.stall_ns += room - write_at, t.stalls.push_back({write_at, room}), write_at = room;
        }
        last_write = write_at + access_ns_;
        if (k == 0) t.sharing_start_ns = last_write;
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t fanout = u.fanout[released.size()];
            fanout_total += fanout;
            // Read the result and its task length, then one index read and one result write per target.
            sharing = std::max(sharing, last_write) + target_ns_ * std::max<uint32_t>(1, fanout);
            if (index_in_reram_) index_reads += ceil_div(fanout, index_entries_per_read_);
            released.push_back(sharing);
        }
    }
    t.mvm_ns = last_write;
    t.sharing_ns = sharing;
    UnitCounters& c = t.counters;
    c.writes[int(Buffer::Output)] = u.ous;
    c.reads[int(Buffer::Output)] = released.size();
    if (index_in_reram_) {
        // The task lengths of consecutive patterns and each pattern's column indices come in row segments.
        c.index_reram_reads = index_reads + ceil_div(released.size(), index_entries_per_read_);
    } else {
        c.reads[int(Buffer::Task)] = released.size();   // task length list
        c.reads[int(Buffer::Index)] = fanout_total;     // column index list
    }
    c.writes[int(Buffer::Result)] = fanout_total;                 // single-result writes
    return t;
}

// Block tasks (reshare): the pattern buffer decouples the MVM from whole-block writes driven by the task list.
UnitTiming CuPipeline::run_block_tasks(const WorkUnit& u) const {
    UnitTiming t;
    std::vector<double> written(u.ous);
    double last_write = 0;
    for (uint32_t k = 0; k < u.ous; ++k) written[k] = last_write = std::max(last_write, ready_ns(k, u.ous)) + access_ns_;
    double sharing = 0;
    uint64_t pattern_reads = 0;
    for (size_t i = 0; i < u.task_ready_ou.size(); ++i) {
        // A task waits for its block's last pattern; its pattern-buffer reads bound its duration.
        const uint16_t reads = task_pattern_reads(u, i, pattern_read_);
        if (i == 0) t.sharing_start_ns = written[u.task_ready_ou[i]];
        sharing = std::max(sharing, written[u.task_ready_ou[i]]) + access_ns_ * std::max<uint16_t>(1, reads);
        pattern_reads += reads;
    }
    t.mvm_ns = last_write;
    t.sharing_ns = sharing;
    UnitCounters& c = t.counters;
    c.writes[int(Buffer::Pattern)] = u.ous;
    c.reads[int(Buffer::Pattern)] = pattern_reads;
    c.reads[int(Buffer::Task)] = u.task_ready_ou.size();
    c.writes[int(Buffer::Result)] = u.task_ready_ou.size();
    c.block_writes = u.task_ready_ou.size();
    return t;
}

}  // namespace reshare::hw
