#include "reshare/hw/modules/processing_engine.hpp"
#include "reshare/tlm/payload_check.hpp"

#include "reshare/tlm/work_extension.hpp"

namespace reshare::hw {

ProcessingEngine::ProcessingEngine(sc_core::sc_module_name name, const HwConfig& config, BufferSet buffers)
    : sc_core::sc_module(name), socket("socket"), to_cu("to_cu") {
    socket.register_b_transport(this, &ProcessingEngine::b_transport);
    const HwConfig* detailed = config.sim_mode == SimMode::Detailed ? &config : nullptr;
    for (int c = 0; c < config.pe_cus; ++c) {
        cus.push_back(std::make_unique<ComputeUnit>(("cu_" + std::to_string(c)).c_str(), config.cu_arrays,
                                                    config.ous_per_crossbar(), detailed, buffers));
        to_cu.bind(cus.back()->socket);
    }
}

void ProcessingEngine::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    tlmx::check_arrival(gp, socket.name());
    auto* work = gp.get_extension<tlmx::WorkExtension>();
    if (!work || work->cu < 0 || work->cu >= int(cus.size())) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    to_cu[work->cu]->b_transport(gp, delay);
}

}  // namespace reshare::hw
