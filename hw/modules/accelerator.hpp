// The accelerator as a virtual-platform component: a 4 KiB register window on a 32-bit TLM target socket, a
// DMA initiator socket to system memory and a level-sensitive interrupt (docs/registers.md).
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/modules/global_controller.hpp"
#include "reshare/hw/modules/processing_engine.hpp"
#include "reshare/tlm/register_bank.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <memory>
#include <vector>

namespace reshare::hw {

namespace reg {
constexpr uint32_t kId = 0x52534852;        // "RSHR"
constexpr uint32_t kVersion = 0x00060001;   // 6.1: ops 7 lookup, 8 mul (6.0: CAPABILITIES widened, PES, CUS_PER_PE; 5.0: 264-byte records; 4.0: 232; 3.0: 224; 2.0: op descriptors, 184)
constexpr uint32_t kCtrlStart = 1u << 0, kCtrlAbort = 1u << 1, kCtrlSoftReset = 1u << 2;
constexpr uint32_t kStatusBusy = 1u << 0, kStatusDone = 1u << 1, kStatusError = 1u << 2;
constexpr uint32_t kIrqDone = 1u << 0, kIrqError = 1u << 1;
}  // namespace reg

// The message type of the accelerator's SC_REPORTs (sc_report_handler::set_actions filters by it): a failed job's
// warning, which names the module, the ERROR_CODE and the cause, with addresses in hex.
constexpr const char* kReportType = "reshare/accelerator";

class Accelerator : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Accelerator> regs;
    tlm::tlm_initiator_socket<> dma;
    sc_core::sc_out<bool> irq;
    // Reset, active high, optional (a platform may leave it unbound): on its rising edge the registers take their
    // reset values, the interrupt drops and a running job stops at its next op boundary without an interrupt; while
    // it is high the doorbell is ignored. CTRL.SOFT_RESET does the same from software.
    sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND> rst;

    // `pes` PEs of config.pe_cus CUs each; `built` (optional) hears after each PE is built how many are (a chip of
    // thousands of CUs takes seconds to build, and a tool shows progress). `buffers`: each CU's eDRAM buffers - all
    // by default, or those one scheme uses (buffers_used), for a chip that runs that scheme alone.
    Accelerator(sc_core::sc_module_name name, const HwConfig& config, int pes,
                const std::function<void(int built, int pes)>& built = {}, BufferSet buffers = kAllBuffers);
    ~Accelerator() override { destroy_newest_first(pes); }

    GlobalController controller;
    GlobalBuffer global_buffer;
    ThroughputUnit accumulators;
    TensorUnit activation_unit, pooling_unit;
    std::vector<std::unique_ptr<ProcessingEngine>> pes;

    // The register file, in address order (docs/registers.md).
    tlmx::RegisterBank bank{4096};
    tlmx::Register id{bank, "ID", 0x000, tlmx::Access::ReadOnly, reg::kId};
    tlmx::Register version{bank, "VERSION", 0x004, tlmx::Access::ReadOnly, reg::kVersion};
    tlmx::Register capabilities{bank, "CAPABILITIES", 0x008, tlmx::Access::ReadOnly};
    tlmx::Register ctrl{bank, "CTRL", 0x00C, tlmx::Access::WriteOnly};
    tlmx::Register status{bank, "STATUS", 0x010, tlmx::Access::ReadOnly};
    tlmx::Register irq_status{bank, "IRQ_STATUS", 0x014, tlmx::Access::WriteOneToClear};
    tlmx::Register irq_enable{bank, "IRQ_ENABLE", 0x018, tlmx::Access::ReadWrite};
    tlmx::Register irq_set{bank, "IRQ_SET", 0x01C, tlmx::Access::WriteOnly};
    tlmx::Register desc_lo{bank, "DESC_ADDR_LO", 0x020, tlmx::Access::ReadWrite};
    tlmx::Register desc_hi{bank, "DESC_ADDR_HI", 0x024, tlmx::Access::ReadWrite};
    tlmx::Register result_lo{bank, "RESULT_ADDR_LO", 0x028, tlmx::Access::ReadWrite};
    tlmx::Register result_hi{bank, "RESULT_ADDR_HI", 0x02C, tlmx::Access::ReadWrite};
    tlmx::Register op_count{bank, "OP_COUNT", 0x030, tlmx::Access::ReadWrite};
    tlmx::Register error_code{bank, "ERROR_CODE", 0x034, tlmx::Access::ReadOnly};
    tlmx::Register time_lo{bank, "TIME_NS_LO", 0x038, tlmx::Access::ReadOnly};
    tlmx::Register time_hi{bank, "TIME_NS_HI", 0x03C, tlmx::Access::ReadOnly};
    tlmx::Register pes_reg{bank, "PES", 0x040, tlmx::Access::ReadOnly};
    tlmx::Register cus_per_pe{bank, "CUS_PER_PE", 0x044, tlmx::Access::ReadOnly};

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp);
    void doorbell();
    void soft_reset();
    void on_reset();   // the rst input changed
    void finish(JobError e, uint64_t time_ns);
    void raise(uint32_t bits);
    void drive_irq();   // irq = OR(IRQ_STATUS & IRQ_ENABLE), at kernel time

    sc_core::sc_event irq_changed_;
    // Never notified: on_reset's static sensitivity when rst is left unbound (SystemC warns of a method without any).
    sc_core::sc_event never_;
    sc_core::sc_time access_delay_;   // the annotated delay of the register write being handled
    bool discard_job_ = false;        // a reset stopped the running job: its end changes no register
};

}  // namespace reshare::hw
