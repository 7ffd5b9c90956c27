#include "hw/modules/periphery.hpp"

#include <cmath>

namespace reshare::hw {

GlobalBuffer::GlobalBuffer(sc_core::sc_module_name name, int width_bytes, double access_ns)
    : sc_core::sc_module(name), socket("socket"), width_(width_bytes), access_ns_(access_ns) {
    socket.register_b_transport(this, &GlobalBuffer::b_transport);
}

void GlobalBuffer::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    auto* t = gp.get_extension<TrafficExtension>();
    if (!t) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const uint64_t n = (t->reads + width_ - 1) / width_ + (t->writes + width_ - 1) / width_;
    read_bytes += t->reads;
    written_bytes += t->writes;
    accesses += n;
    delay += sc_core::sc_time(std::ceil(double(n) * access_ns_), sc_core::SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

ThroughputUnit::ThroughputUnit(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") {
    socket.register_b_transport(this, &ThroughputUnit::b_transport);
}

void ThroughputUnit::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    auto* t = gp.get_extension<TrafficExtension>();
    if (!t || t->lanes == 0) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const double ns = std::ceil(double(t->ops) / double(t->lanes));
    ops += t->ops;
    busy_ns += ns;
    delay += sc_core::sc_time(ns, sc_core::SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace reshare::hw
