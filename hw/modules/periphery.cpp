#include "reshare/hw/modules/periphery.hpp"
#include "reshare/tlm/payload_check.hpp"

#include <algorithm>
#include <cmath>

namespace reshare::hw {

GlobalBuffer::GlobalBuffer(sc_core::sc_module_name name, int width_bytes, double access_ns)
    : sc_core::sc_module(name), socket("socket"), width_(width_bytes), access_ns_(access_ns) {
    socket.register_b_transport(this, &GlobalBuffer::b_transport);
}

void GlobalBuffer::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    tlmx::check_arrival(gp, socket.name());
    auto* t = gp.get_extension<TrafficExtension>();
    if (!t) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const uint64_t n = (t->reads + width_ - 1) / width_ + (t->writes + width_ - 1) / width_;
    read_bytes += t->reads;
    written_bytes += t->writes;
    accesses += n;
    t->accesses = n;
    delay += sc_core::sc_time(std::ceil(double(n) * access_ns_), sc_core::SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

ThroughputUnit::ThroughputUnit(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") {
    socket.register_b_transport(this, &ThroughputUnit::b_transport);
}

void ThroughputUnit::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    tlmx::check_arrival(gp, socket.name());
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

TensorUnit::TensorUnit(sc_core::sc_module_name name, int lanes, std::vector<OpCode> accepts)
    : sc_core::sc_module(name), socket("socket"), lanes_(lanes), accepts_(std::move(accepts)) {
    socket.register_b_transport(this, &TensorUnit::b_transport);
}

uint64_t TensorUnit::work_of(const OpDescriptor& d) {
    const uint64_t in = uint64_t(d.in_h) * d.in_w * d.in_c, out = uint64_t(d.out_h) * d.out_w * d.out_c;
    switch (OpCode(d.op)) {
        case OpCode::MaxPool:
        case OpCode::AvgPool: return out * d.kh * d.kw;   // every window tap is read
        case OpCode::CopyChannels: return in;
        default: return out;
    }
}

void TensorUnit::compute(const TensorOpExtension& t) {
    const OpDescriptor& d = *t.op;
    const OpGeometry g = geometry_of(d);
    const size_t out = size_t(g.out.elements());
    switch (OpCode(d.op)) {
        case OpCode::WeightLayer:
            kernels::requantize(t.accumulators, out, int(d.out_c), t.params, d.clamp_lo, d.clamp_hi, t.dst);
            break;
        case OpCode::MaxPool: kernels::max_pool(t.src0, g.in, g, t.dst); break;
        case OpCode::AvgPool: kernels::avg_pool(t.src0, g.in, g, t.params[0], t.dst); break;
        case OpCode::Add: kernels::add(t.src0, t.src1, out, t.params[0], t.params[1], d.clamp_lo, d.clamp_hi, t.dst); break;
        case OpCode::CopyChannels:
            kernels::copy_channels(t.src0, g.in, int(d.channel_offset), int(d.out_c), t.params[0], t.dst);
            break;
        case OpCode::ZeroPad: kernels::zero_pad(t.src0, g.in, g, t.dst); break;
        case OpCode::Clamp: kernels::clamp(t.src0, out, d.clamp_lo, d.clamp_hi, t.dst); break;
        case OpCode::Lookup: kernels::lookup(t.src0, out, t.table, t.dst); break;
        case OpCode::Mul: kernels::channel_mul(t.src0, out, t.src1, int(d.out_c), t.params[0], d.clamp_lo, d.clamp_hi, t.dst); break;
        default: break;
    }
}

void TensorUnit::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    tlmx::check_arrival(gp, socket.name());
    auto* t = gp.get_extension<TensorOpExtension>();
    if (!t || !t->op) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (std::find(accepts_.begin(), accepts_.end(), OpCode(t->op->op)) == accepts_.end()) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    if (t->dst) compute(*t);
    t->ops = work_of(*t->op);
    const double ns = std::ceil(double(t->ops) / lanes_);
    ops += t->ops;
    busy_ns += ns;
    delay += sc_core::sc_time(ns, sc_core::SC_NS);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace reshare::hw
