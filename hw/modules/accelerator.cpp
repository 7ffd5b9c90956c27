#include "reshare/hw/modules/accelerator.hpp"
#include "reshare/tlm/payload_check.hpp"

#include "reshare/schemes/scheme.hpp"

#include <algorithm>

namespace reshare::hw {
namespace {

// CAPABILITIES: bits 0-7 the schemes (bit n: scheme code n of schemes/schemes.def), 8-15 OU rows, 16-23 OU columns
// (255 for 255 or more), 24-27 cell bits. The chip's size has registers of its own (PES, CUS_PER_PE).
uint32_t capabilities_of(const HwConfig& c) {
    const uint32_t schemes = (1u << std::min<size_t>(8, all_schemes().size())) - 1;
    auto field = [](int v) { return uint32_t(std::min(v, 255)); };
    return schemes | field(c.ou_rows) << 8 | field(c.ou_cols) << 16 | uint32_t(std::min(c.cell_bits, 15)) << 24;
}

}  // namespace

Accelerator::Accelerator(sc_core::sc_module_name name, const HwConfig& config, int n_pes,
                         const std::function<void(int, int)>& built, BufferSet buffers)
    : sc_core::sc_module(name), regs("regs"), dma("dma"), irq("irq"), rst("rst"),
      controller("controller", config, n_pes, config.pe_cus),
      global_buffer("global_buffer", config.global_buffer_width_bytes, config.buffer_access_ns),
      accumulators("accumulators"),
      activation_unit("activation_unit", config.activation_lanes,
                      {OpCode::WeightLayer, OpCode::Add, OpCode::CopyChannels, OpCode::Clamp, OpCode::Lookup, OpCode::Mul}),
      pooling_unit("pooling_unit", config.pooling_lanes, {OpCode::MaxPool, OpCode::AvgPool, OpCode::ZeroPad}) {
    // Without a PE SystemC would stop at elaboration with E109 (a port not bound), naming no cause.
    // Every latency is a whole number of nanoseconds; a coarser resolution rounds them to 0 and the job never ends.
    if (sc_core::sc_get_time_resolution().to_seconds() > 1.0000001e-9)
        SC_REPORT_ERROR(sc_core::sc_module::name(), ("needs a time resolution of 1 ns or finer, the kernel's is " +
                                                    sc_core::sc_get_time_resolution().to_string()).c_str());
    if (n_pes < 1) SC_REPORT_ERROR(sc_core::sc_module::name(), ("needs at least one PE, got pes = " + std::to_string(n_pes)).c_str());
    regs.register_b_transport(this, &Accelerator::b_transport);
    regs.register_transport_dbg(this, &Accelerator::transport_dbg);
    controller.dma.bind(dma);
    controller.to_global_buffer.bind(global_buffer.socket);
    controller.to_accumulators.bind(accumulators.socket);
    controller.to_activation.bind(activation_unit.socket);
    controller.to_pooling.bind(pooling_unit.socket);
    for (int p = 0; p < n_pes; ++p) {
        pes.push_back(std::make_unique<ProcessingEngine>(("pe_" + std::to_string(p)).c_str(), config, buffers));
        controller.to_pe.bind(pes.back()->socket);
        if (built) built(p + 1, n_pes);
    }
    capabilities.define_reset(capabilities_of(config));
    pes_reg.define_reset(uint32_t(n_pes));
    cus_per_pe.define_reset(uint32_t(config.pe_cus));
    ctrl.on_write = [this](uint32_t v) {
        if (v & reg::kCtrlSoftReset) return soft_reset();
        if (v & reg::kCtrlAbort) controller.abort();
        if (v & reg::kCtrlStart) doorbell();
    };
    irq_status.on_write = [this](uint32_t) { irq_changed_.notify(sc_core::SC_ZERO_TIME); };
    irq_enable.on_write = [this](uint32_t) { irq_changed_.notify(sc_core::SC_ZERO_TIME); };
    irq_set.on_write = [this](uint32_t v) { raise(v & (reg::kIrqDone | reg::kIrqError)); };
    controller.on_done = [this](JobError e, uint64_t t) { finish(e, t); };
    SC_HAS_PROCESS(Accelerator);
    SC_METHOD(drive_irq);
    sensitive << irq_changed_;
    SC_METHOD(on_reset);
    sensitive << rst << never_;   // rst adds nothing when it is left unbound
    dont_initialize();
}

void Accelerator::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    tlmx::check_arrival(gp, regs.name());
    delay += sc_core::sc_time(1, sc_core::SC_NS);   // one register-file cycle
    // A loosely-timed initiator may be ahead of simulated time by `delay`: what the write starts happens then.
    access_delay_ = delay;
    bank.access(gp, false);
    access_delay_ = sc_core::SC_ZERO_TIME;
}

unsigned int Accelerator::transport_dbg(tlm::tlm_generic_payload& gp) {
    bank.access(gp, true);
    return gp.is_response_ok() ? gp.get_data_length() : 0;
}

// Registers to their reset values, the interrupt low; a running job stops at its next op boundary, unreported.
void Accelerator::soft_reset() {
    bank.reset();
    irq_changed_.notify(sc_core::SC_ZERO_TIME);
    if (controller.busy()) {
        discard_job_ = true;
        status.set(reg::kStatusBusy);   // until the job has stopped
        controller.abort();
    }
}

void Accelerator::on_reset() {
    if (rst->read()) soft_reset();
}

void Accelerator::doorbell() {
    if (controller.busy()) return;   // a doorbell while busy is ignored; STATUS.BUSY tells software
    if (rst.size() && rst->read()) return;   // held in reset
    discard_job_ = false;
    status.set(reg::kStatusBusy);
    error_code.set(0);
    GlobalController::Job job;
    job.descriptors = uint64_t(desc_hi.value()) << 32 | desc_lo.value();
    job.results = uint64_t(result_hi.value()) << 32 | result_lo.value();
    job.ops = op_count.value();
    controller.start(job, access_delay_);
}

void Accelerator::finish(JobError e, uint64_t time_ns) {
    if (discard_job_) {
        discard_job_ = false;
        status.set(0);
        return;
    }
    if (e != JobError::None)   // the platform's log hears it too; software reads ERROR_CODE
        SC_REPORT_WARNING(kReportType, (std::string(name()) + ": job failed with ERROR_CODE " + std::to_string(uint32_t(e)) +
                                        ": " + controller.last_error).c_str());
    time_lo.set(uint32_t(time_ns));
    time_hi.set(uint32_t(time_ns >> 32));
    error_code.set(uint32_t(e));
    status.set(e == JobError::None ? reg::kStatusDone : reg::kStatusDone | reg::kStatusError);
    raise(e == JobError::None ? reg::kIrqDone : reg::kIrqError);
}

void Accelerator::raise(uint32_t bits) {
    irq_status.set(irq_status.value() | bits);
    irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Accelerator::drive_irq() { irq.write((irq_status.value() & irq_enable.value()) != 0); }

}  // namespace reshare::hw
