// The detailed mode of a CU: every OU activation group and every buffer access is its own simulation event,
// in three threads (MVM, result writes, sharing) that wait on each other the way the hardware does. It is a
// second, event-driven implementation of the rules in hw/timing/cu_pipeline.hpp, for small layers; tests check
// that both give the same times.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/hw/modules/waveform.hpp"

#include <systemc>

#include <deque>
#include <functional>

namespace reshare::hw {

class DetailedEngine : public sc_core::sc_module {
public:
    DetailedEngine(sc_core::sc_module_name name, const HwConfig& config);

    // Runs one unit for one input vector from the current time; returns its duration and stall. Call from a thread.
    // `mvm_scale`: the share of activations input-pattern hits leave (cr2), which shortens every wave alike.
    UnitTiming run(const WorkUnit& unit, const TimingRule& rule, double mvm_scale = 1.0);
    // Called whenever the sharing buffer's occupancy changes (results held: rws output buffer, reshare pattern
    // buffer), at the kernel time it changes: the waveform's buffer trace.
    std::function<void(uint64_t results)> on_occupancy;
    // Called whenever its MVM engine, its sharing engine or an MVM stall starts or ends, at that kernel time: the
    // waveform's engine trace (hw/modules/waveform.hpp). The MVM engine computes the OU waves and, where the sharing
    // reads its results from a buffer (rws, reshare), writes them there; the sharing engine writes the results
    // (dense, orc, sme, reram-sharing: straight to the result buffer) or shares them (rws, reshare).
    std::function<void(CuTrace what, bool on)> on_trace;
    // Simulation events the engine has handled: every time one of its waits returned (an OU wave or a buffer access
    // ending, a notification it waited for). Detailed mode's speed is reported per event (docs/performance.md).
    uint64_t events() const { return events_; }

private:
    template <class Trigger>
    void await(const Trigger& t) {
        wait(t);
        ++events_;
    }
    void mvm_thread();
    void write_thread();
    void sharing_thread();
    void write_and_share(uint32_t ou);
    void report_occupancy();
    void activity(CuTrace what, bool begins);   // counts overlapping spans of one engine: on_trace hears edges
    void timed(CuTrace what, const sc_core::sc_time& t);   // `what` works for `t`
    uint32_t arrays_used() const;

    HwConfig config_;
    sc_core::sc_time t_ou_, t_acc_, t_target_, t_direct_target_;
    double mvm_scale_ = 1.0;
    const WorkUnit* unit_ = nullptr;
    SharingEngine engine_ = SharingEngine::Direct;
    sc_core::sc_event start_, computed_, written_, shared_, mvm_done_, writes_done_, sharing_done_;
    std::deque<uint32_t> to_write_;        // OUs computed, not yet written
    std::vector<sc_core::sc_time> written_at_;
    uint32_t ous_written_ = 0, patterns_written_ = 0, patterns_shared_ = 0;
    bool mvm_busy_ = false, writes_busy_ = false, sharing_busy_ = false;
    sc_core::sc_time stall_;
    int active_[int(CuTrace::Count)] = {};
    uint64_t events_ = 0;
};

}  // namespace reshare::hw
