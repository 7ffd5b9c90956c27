// A PE: routes work transactions to its CUs over its own initiator socket (passive: no process).
#pragma once

#include "reshare/hw/modules/compute_unit.hpp"
#include "reshare/hw/modules/owned_modules.hpp"

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/passthrough_target_socket.h>

namespace reshare::hw {

class ProcessingEngine : public sc_core::sc_module {
public:
    tlm_utils::passthrough_target_socket<ProcessingEngine> socket;   // b_transport only (see CuPart)
    tlm_utils::multi_passthrough_initiator_socket<ProcessingEngine> to_cu;
    std::vector<std::unique_ptr<ComputeUnit>> cus;

    // CUs with the eDRAM buffers `buffers` (ComputeUnit).
    ProcessingEngine(sc_core::sc_module_name name, const HwConfig& config, BufferSet buffers = kAllBuffers);
    ~ProcessingEngine() override { destroy_newest_first(cus); }

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
};

}  // namespace reshare::hw
