// Address decoder of the testbench platform: each target owns a window; addresses are passed on relative to it.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <vector>

namespace reshare::platform {

class Router : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Router> in;
    tlm_utils::multi_passthrough_initiator_socket<Router> out;

    explicit Router(sc_core::sc_module_name name) : sc_core::sc_module(name), in("in"), out("out") {
        in.register_b_transport(this, &Router::b_transport);
        in.register_transport_dbg(this, &Router::transport_dbg);
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
    std::vector<Window> windows_;
};

}  // namespace reshare::platform
