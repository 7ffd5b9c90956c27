#include "testbench/chip_run.hpp"

#include "common/error.hpp"
#include "testbench/platform/platform.hpp"

#include <cstdio>
#include <memory>

namespace reshare::testbench {
namespace {

constexpr uint64_t kTable = 0x1000, kResults = 0x100000, kImages = 0x200000;

uint64_t align(uint64_t v) { return (v + 4095) & ~uint64_t(4095); }

hw::UnitCounters collect(const hw::Accelerator& a, double& stall_ns) {
    hw::UnitCounters c;
    for (const auto& pe : a.pes)
        for (const auto& cu : pe->cus) {
            c.ou_activations += cu->ou_activations;
            c.adc_conversions += cu->adc_conversions;
            c.block_writes += cu->block_writes;
            for (int b = 0; b < int(hw::Buffer::Count); ++b) {
                c.reads[b] += cu->buffers[b]->reads;
                c.writes[b] += cu->buffers[b]->writes;
            }
            stall_ns += cu->stall_ns;
        }
    return c;
}

}  // namespace

int cus_used(const HwConfig& config, const std::vector<std::vector<hw::WorkUnit>>& layers) {
    const uint64_t ous_per_cu = uint64_t(config.cu_arrays) * config.ous_per_crossbar();
    int cus = 0;
    for (const auto& units : layers) {
        uint64_t used = 0;
        for (const hw::WorkUnit& u : units) {
            if (used + u.ous > ous_per_cu && used > 0) ++cus, used = 0;
            used += u.ous;
        }
        ++cus;
    }
    return cus;
}

int pes_to_hold(const HwConfig& config, const std::vector<std::vector<hw::WorkUnit>>& layers) {
    return std::max(1, (cus_used(config, layers) + config.pe_cus - 1) / config.pe_cus);
}

ChipResult simulate_chip(const HwConfig& config, int pes, const std::vector<ChipLayer>& layers, const std::string& vcd,
                         int traced_cus, int first_layer) {
    uint64_t memory = kImages;
    for (const ChipLayer& l : layers) memory += align(l.image.size()) + align(l.inputs.size()) + align(l.outputs * 4ull);
    if (layers.size() * sizeof(hw::LayerDescriptor) > kResults - kTable || layers.size() * sizeof(hw::LayerRecord) > kImages - kResults)
        throw Error("too many layers for the platform's memory map", ExitCode::Failure);
    platform::Platform p(config, pes, memory);
    std::unique_ptr<hw::Waveform> waveform;
    if (!vcd.empty()) {
        std::vector<int> cus(std::min(traced_cus, pes * config.pe_cus));
        for (size_t i = 0; i < cus.size(); ++i) cus[i] = int(i);
        waveform = std::make_unique<hw::Waveform>("waveform", vcd, cus, config.pe_cus, &p.irq, first_layer);
        p.accelerator.controller.waveform = waveform.get();
        // Detailed CUs report their sharing buffer's occupancy as it changes.
        for (int cu : cus) {
            auto& unit = *p.accelerator.pes[cu / config.pe_cus]->cus[cu % config.pe_cus];
            if (unit.engine) unit.engine->on_occupancy = [w = waveform.get(), cu](uint64_t r) { w->set_occupancy(cu, r); };
        }
    }
    ChipResult out;
    out.pes = pes;
    out.cus = pes * config.pe_cus;
    out.records.resize(layers.size());
    const uint64_t R = platform::kRegisterBase;
    p.driver.script = [&](platform::Driver& d) {
        uint64_t at = kImages;
        std::vector<uint64_t> output_at(layers.size(), 0);
        for (size_t i = 0; i < layers.size(); ++i) {
            // Loading memory is the host's job before the doorbell: done directly, untimed.
            const ChipLayer& l = layers[i];
            const uint64_t image = at, inputs = image + align(l.image.size()), outputs = inputs + align(l.inputs.size());
            std::memcpy(&p.memory.data[image], l.image.data(), l.image.size());
            if (!l.inputs.empty()) std::memcpy(&p.memory.data[inputs], l.inputs.data(), l.inputs.size());
            output_at[i] = l.inputs.empty() ? 0 : outputs;
            const hw::LayerDescriptor desc{image, uint32_t(l.image.size()), l.vectors, l.input_bytes, l.pool_reads,
                                           l.inputs.empty() ? 0 : inputs, output_at[i]};
            std::memcpy(&p.memory.data[kTable + i * sizeof desc], &desc, sizeof desc);
            at = outputs + align(l.outputs * 4ull);
        }
        d.write32(R + 0x020, uint32_t(kTable));
        d.write32(R + 0x024, 0);
        d.write32(R + 0x028, uint32_t(kResults));
        d.write32(R + 0x02C, 0);
        d.write32(R + 0x030, uint32_t(layers.size()));
        d.write32(R + 0x018, hw::reg::kIrqDone | hw::reg::kIrqError);
        d.write32(R + 0x00C, hw::reg::kCtrlStart);
        d.wait_for_irq();
        out.error = d.read32(R + 0x034);
        out.job_time_ns = uint64_t(d.read32(R + 0x03C)) << 32 | d.read32(R + 0x038);
        d.write32(R + 0x014, d.read32(R + 0x014));
        std::memcpy(out.records.data(), &p.memory.data[kResults], layers.size() * sizeof(hw::LayerRecord));
        out.outputs.resize(layers.size());
        for (size_t i = 0; i < layers.size(); ++i)
            if (output_at[i]) {
                out.outputs[i].resize(layers[i].outputs);
                std::memcpy(out.outputs[i].data(), &p.memory.data[output_at[i]], layers[i].outputs * sizeof(int32_t));
            }
    };
    sc_core::sc_start();
    out.counters = collect(p.accelerator, out.stall_ns);
    out.periphery = {p.accelerator.global_buffer.accesses, p.accelerator.accumulators.ops,
                     p.accelerator.pooling_unit.busy_ns};
    waveform.reset();   // closes the VCD
    if (out.error && !vcd.empty()) std::remove(vcd.c_str());   // nothing half-written
    if (out.error) throw Error("accelerator job failed with error code " + std::to_string(out.error) + ": " +
                               p.accelerator.controller.last_error, ExitCode::Failure);
    return out;
}

}  // namespace reshare::testbench
