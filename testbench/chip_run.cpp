#include "reshare/testbench/chip_run.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/interrupt.hpp"
#include "reshare/hw/timing/mapping.hpp"
#include "reshare/testbench/platform/platform.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

namespace reshare::testbench {
namespace {

hw::UnitCounters collect(const hw::Accelerator& a, double& stall_ns, uint64_t& events) {
    hw::UnitCounters c;
    for (const auto& pe : a.pes)
        for (const auto& cu : pe->cus) {
            c.ou_activations += cu->ou_activations;
            c.adc_conversions += cu->adc_conversions;
            c.block_writes += cu->block_writes;
            for (int b = 0; b < int(hw::Buffer::Count); ++b)
                if (const auto& buffer = cu->buffers[b]) {
                    c.reads[b] += buffer->reads;
                    c.writes[b] += buffer->writes;
                }
            stall_ns += cu->stall_ns;
            if (cu->engine) events += cu->engine->events();
        }
    return c;
}

}  // namespace

void check_outputs(const models::Graph& g, const std::string& datapath, const ChipResult& sim,
                   const inference::IntResult& reference) {
    if (const std::string d = job::first_difference(g, datapath, sim.tensors, reference); !d.empty())
        throw Error(d, ExitCode::Failure);
}

ChipResult simulate_chip(const HwConfig& config, int pes, job::Program& program, const TraceOptions& trace,
                         std::function<void(size_t done, size_t ops)> progress,
                         const std::function<void(int built, int pes)>& building, hw::BufferSet buffers) {
    const job::Layout layout = job::lay_out(program);
    if (layout.end > (uint64_t(1) << 32)) throw Error("the job does not fit the platform's 4 GiB memory", ExitCode::Failure);
    // Never destroyed: SystemC elaborates once per process, so the platform is not reused, and tearing a chip down
    // costs O(n^2) in SystemC's module registry, which searches from the oldest module for each one removed (a
    // minute of an AlexNet dense run's two on its 26736 CUs). The process ends soon after the run.
    platform::Platform& p = *new platform::Platform(config, pes, layout.end, building, buffers);
    if (progress) p.accelerator.controller.on_op = [&progress](uint32_t done, uint32_t ops) { progress(done, ops); };
    p.accelerator.controller.focus_first = trace.first_layer;
    p.accelerator.controller.focus_last = trace.last_layer;
    std::unique_ptr<hw::Waveform> waveform;
    // A waveform being written is removed if the run is interrupted (and after a failed job, below).
    std::optional<RemoveOnInterrupt> vcd_on_interrupt, gtkw_on_interrupt;
    if (!trace.vcd.empty()) vcd_on_interrupt.emplace(trace.vcd), gtkw_on_interrupt.emplace(hw::gtkw_path(trace.vcd));
    if (!trace.vcd.empty()) {
        const int total = pes * config.pe_cus;
        std::vector<int> cus(std::min(trace.cus, total));
        for (size_t i = 0; i < cus.size(); ++i) cus[i] = (trace.first_cu + int(i)) % total;
        waveform = std::make_unique<hw::Waveform>("waveform", trace.vcd, cus, config.pe_cus, &p.irq, trace.shown);
        p.accelerator.controller.waveform = waveform.get();
        // Detailed CUs report their sharing buffer's occupancy as it changes.
        for (int cu : cus) {
            auto& unit = *p.accelerator.pes[cu / config.pe_cus]->cus[cu % config.pe_cus];
            if (!unit.engine) continue;
            unit.engine->on_occupancy = [w = waveform.get(), cu](uint64_t r) { w->set_occupancy(cu, r); };
            unit.engine->on_trace = [w = waveform.get(), cu](hw::CuTrace s, bool on) { w->set(0, cu, s, on); };
        }
    }
    // Loading memory is the host's job before the doorbell: done directly, untimed.
    job::load(program, layout, [&](uint64_t at, const void* data, size_t bytes) { std::memcpy(&p.memory.data[at], data, bytes); });
    std::vector<std::vector<char>>().swap(program.images);

    ChipResult out;
    out.pes = pes;
    out.cus = pes * config.pe_cus;
    out.records.resize(program.ops.size());
    const uint64_t R = platform::kRegisterBase;
    p.driver.script = [&](platform::Driver& d) {
        d.write32(R + 0x020, uint32_t(layout.descriptors));
        d.write32(R + 0x024, uint32_t(layout.descriptors >> 32));
        d.write32(R + 0x028, uint32_t(layout.results));
        d.write32(R + 0x02C, uint32_t(layout.results >> 32));
        d.write32(R + 0x030, uint32_t(program.ops.size()));
        d.write32(R + 0x018, hw::reg::kIrqDone | hw::reg::kIrqError);
        d.write32(R + 0x00C, hw::reg::kCtrlStart);
        d.wait_for_irq();
        out.error = d.read32(R + 0x034);
        out.job_time_ns = uint64_t(d.read32(R + 0x03C)) << 32 | d.read32(R + 0x038);
        d.write32(R + 0x014, d.read32(R + 0x014));
    };
    // A failed job is this tool's one-line error (below); the accelerator's report of it would say it twice.
    sc_core::sc_report_handler::set_actions(hw::kReportType, sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    sc_core::sc_start();
    std::memcpy(out.records.data(), &p.memory.data[layout.results], out.records.size() * sizeof(hw::OpRecord));
    for (size_t t = 0; t < layout.tensors.size(); ++t) {
        const uint8_t* at = &p.memory.data[layout.tensors[t]];
        out.tensors.emplace_back(at, at + program.tensors[t].elements());
    }
    out.counters = collect(p.accelerator, out.stall_ns, out.detailed_events);
    out.periphery = {p.accelerator.global_buffer.accesses, p.accelerator.accumulators.ops,
                     p.accelerator.pooling_unit.busy_ns};
    waveform.reset();   // closes the VCD
    if (out.error && !trace.vcd.empty()) {   // nothing half-written
        std::remove(trace.vcd.c_str());
        std::remove(hw::gtkw_path(trace.vcd).c_str());
    }
    if (out.error) throw Error("accelerator job failed with error code " + std::to_string(out.error) + ": " +
                               p.accelerator.controller.last_error, ExitCode::Failure);
    return out;
}

}  // namespace reshare::testbench
