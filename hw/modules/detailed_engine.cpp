#include "reshare/hw/modules/detailed_engine.hpp"
#include "reshare/hw/modules/sim_time.hpp"

#include <algorithm>

namespace reshare::hw {

DetailedEngine::DetailedEngine(sc_core::sc_module_name name, const HwConfig& config)
    : sc_core::sc_module(name), config_(config),
      t_ou_(double(config.input_bits) * config.ou_cols * config.adc_conversion_ns() / (config.cu_adcs / config.cu_arrays),
            sc_core::SC_NS),
      t_acc_(config.buffer_access_ns, sc_core::SC_NS), t_target_(CuPipeline::target_ns(config), sc_core::SC_NS) {
    SC_HAS_PROCESS(DetailedEngine);
    SC_THREAD(mvm_thread);
    SC_THREAD(write_thread);
    SC_THREAD(sharing_thread);
}

uint32_t DetailedEngine::arrays_used() const {
    const uint32_t per_array = uint32_t(config_.ous_per_crossbar());
    return std::min<uint32_t>(config_.cu_arrays, std::max<uint32_t>(1, (unit_->ous + per_array - 1) / per_array));
}

UnitTiming DetailedEngine::run(const WorkUnit& unit, const TimingRule& rule, double mvm_scale) {
    unit_ = &unit;
    mvm_scale_ = mvm_scale;
    engine_ = rule.engine;
    t_direct_target_ = sc_core::sc_time(CuPipeline::direct_target_ns(config_, rule), sc_core::SC_NS);
    to_write_.clear();
    written_at_.assign(unit.ous, sc_core::SC_ZERO_TIME);
    ous_written_ = patterns_written_ = patterns_shared_ = 0;
    stall_ = sc_core::SC_ZERO_TIME;
    mvm_busy_ = writes_busy_ = sharing_busy_ = true;
    const sc_core::sc_time begin = sc_core::sc_time_stamp();
    start_.notify(sc_core::SC_ZERO_TIME);
    while (mvm_busy_ || writes_busy_ || sharing_busy_) await(mvm_done_ | writes_done_ | sharing_done_);
    UnitTiming t;
    t.total_ns = to_ns(sc_core::sc_time_stamp() - begin);
    t.stall_ns = to_ns(stall_);
    return t;
}

// OUs fire in groups of arrays_used(). The output-buffer engine (rws) waits for each group's writes (the S+A holds one group's results);
// the others compute back to back and leave the writes to the write thread.
void DetailedEngine::mvm_thread() {
    for (;;) {
        await(start_);
        const uint32_t A = arrays_used();
        for (uint32_t k = 0; k < unit_->ous; k += A) {
            timed(CuTrace::Mvm, t_ou_ * (mvm_scale_ * CuPipeline::wave_cycles(*unit_, k, A, config_.input_bits) / config_.input_bits));
            for (uint32_t j = k; j < std::min(unit_->ous, k + A); ++j) to_write_.push_back(j);
            computed_.notify(sc_core::SC_ZERO_TIME);
            if (engine_ == SharingEngine::OutputBuffer)
                while (ous_written_ < std::min(unit_->ous, k + A)) await(written_);
        }
        mvm_busy_ = false;
        mvm_done_.notify(sc_core::SC_ZERO_TIME);
    }
}

// One write per OU; the output-buffer engine first waits for room in the output buffer, which the sharing thread frees.
void DetailedEngine::write_thread() {
    for (;;) {
        await(start_);
        while (ous_written_ < unit_->ous) {
            while (to_write_.empty()) await(computed_);
            const uint32_t ou = to_write_.front();
            to_write_.pop_front();
            if (engine_ == SharingEngine::OutputBuffer) {
                const uint32_t n = unit_->ou_patterns[ou];
                const sc_core::sc_time asked = sc_core::sc_time_stamp();
                auto full = [&] { return patterns_written_ - patterns_shared_ + n > uint32_t(config_.rws_output_buffer_results); };
                if (full()) {
                    activity(CuTrace::Stall, true);
                    while (full()) await(shared_);
                    activity(CuTrace::Stall, false);
                }
                stall_ += sc_core::sc_time_stamp() - asked;
            }
            if (engine_ == SharingEngine::Direct)   // one write per target (reram-sharing: an add into each)
                timed(CuTrace::Sharing, t_direct_target_ * double(unit_->ou_targets.empty() ? 1 : unit_->ou_targets[ou]));
            else
                timed(CuTrace::Mvm, t_acc_);
            write_and_share(ou);
        }
        writes_busy_ = false;
        writes_done_.notify(sc_core::SC_ZERO_TIME);
    }
}

void DetailedEngine::write_and_share(uint32_t ou) {
    written_at_[ou] = sc_core::sc_time_stamp();
    ++ous_written_;
    if (!unit_->ou_patterns.empty()) patterns_written_ += unit_->ou_patterns[ou];
    written_.notify(sc_core::SC_ZERO_TIME);
    report_occupancy();
}

void DetailedEngine::activity(CuTrace what, bool begins) {
    int& n = active_[int(what)];
    n += begins ? 1 : -1;
    if (on_trace && n == (begins ? 1 : 0)) on_trace(what, begins);
}

void DetailedEngine::timed(CuTrace what, const sc_core::sc_time& t) {
    activity(what, true);
    await(t);
    activity(what, false);
}

// The output buffer holds a pattern until it is shared; the pattern buffer keeps every pattern of the unit until the unit ends.
void DetailedEngine::report_occupancy() {
    if (!on_occupancy || engine_ == SharingEngine::Direct) return;
    on_occupancy(engine_ == SharingEngine::OutputBuffer ? patterns_written_ - patterns_shared_ : patterns_written_);
}

// Output buffer: one pattern at a time in order, max(1, fanout) accesses each; block tasks: one task at a time in order,
// once its block's last OU is written, max(1, pattern reads) accesses each.
void DetailedEngine::sharing_thread() {
    for (;;) {
        await(start_);
        if (engine_ == SharingEngine::OutputBuffer) {
            for (uint32_t p = 0; p < unit_->fanout.size(); ++p) {
                while (patterns_written_ <= p) await(written_);
                timed(CuTrace::Sharing, t_target_ * double(std::max<uint32_t>(1, unit_->fanout[p])));
                ++patterns_shared_;
                shared_.notify(sc_core::SC_ZERO_TIME);
                report_occupancy();
            }
        } else if (engine_ == SharingEngine::BlockTasks) {
            for (size_t t = 0; t < unit_->task_ready_ou.size(); ++t) {
                while (ous_written_ <= unit_->task_ready_ou[t]) await(written_);
                timed(CuTrace::Sharing, t_acc_ * double(std::max<uint16_t>(1, task_pattern_reads(*unit_, t, config_.pattern_read))));
            }
        }
        sharing_busy_ = false;
        sharing_done_.notify(sc_core::SC_ZERO_TIME);
        if (on_occupancy) on_occupancy(0);   // the unit is over: its buffer is free again
    }
}

}  // namespace reshare::hw
