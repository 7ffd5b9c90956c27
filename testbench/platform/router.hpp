// Address decoder of the testbench platform: each target owns a window; addresses are passed on relative to it.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <algorithm>
#include <vector>

namespace reshare::platform {

class Router : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Router> in;
    tlm_utils::multi_passthrough_initiator_socket<Router> out;

    explicit Router(sc_core::sc_module_name name) : sc_core::sc_module(name), in("in"), out("out") {
        in.register_b_transport(this, &Router::b_transport);
        in.register_transport_dbg(this, &Router::transport_dbg);
        in.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
        out.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
    }

    // Target `out[i]` (bound in the order of map calls) answers [base, base + size).
    void map(uint64_t base, uint64_t size) { windows_.push_back({base, size}); }

private:
    struct Window {
        uint64_t base, size;
    };
    int decode(tlm::tlm_generic_payload& gp) const {
        for (size_t i = 0; i < windows_.size(); ++i)
            if (gp.get_address() >= windows_[i].base && gp.get_address() - windows_[i].base < windows_[i].size) {
                gp.set_address(gp.get_address() - windows_[i].base);
                return int(i);
            }
        return -1;
    }
    void b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const uint64_t address = gp.get_address();
        const int t = decode(gp);
        if (t < 0) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        out[t]->b_transport(gp, delay);
        gp.set_address(address);
    }
    unsigned int transport_dbg(int, tlm::tlm_generic_payload& gp) {
        const uint64_t address = gp.get_address();
        const int t = decode(gp);
        const unsigned int n = t < 0 ? 0 : out[t]->transport_dbg(gp);
        gp.set_address(address);
        return n;
    }
    // DMI regions come back in the target's addresses: shift them into the system map, clipped to the window.
    bool get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
        const uint64_t address = gp.get_address();
        const int t = decode(gp);
        bool ok = false;
        if (t >= 0 && out[t]->get_direct_mem_ptr(gp, dmi)) {
            const Window& w = windows_[t];
            dmi.set_start_address(dmi.get_start_address() + w.base);
            dmi.set_end_address(std::min<uint64_t>(dmi.get_end_address() + w.base, w.base + w.size - 1));
            ok = true;
        }
        gp.set_address(address);
        return ok;
    }
    // A target withdrew DMI over [start, end] of its addresses: every initiator hears it in system addresses.
    void invalidate_direct_mem_ptr(int t, sc_dt::uint64 start, sc_dt::uint64 end) {
        const Window& w = windows_[size_t(t)];
        for (unsigned i = 0; i < in.size(); ++i)
            in[i]->invalidate_direct_mem_ptr(start + w.base, std::min<uint64_t>(end + w.base, w.base + w.size - 1));
    }
    std::vector<Window> windows_;
};

}  // namespace reshare::platform
