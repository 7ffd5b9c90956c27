// System memory of the testbench platform: a byte array behind a TLM target that grants DMI.
#pragma once

#include "reshare/tlm/payload_check.hpp"
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <vector>

namespace reshare::platform {

class Memory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Memory> socket;

    Memory(sc_core::sc_module_name name, size_t bytes, double ns_per_access = 10)
        : sc_core::sc_module(name), socket("socket"), data(bytes, 0), latency_(ns_per_access, sc_core::SC_NS) {
        socket.register_b_transport(this, &Memory::b_transport);
        socket.register_transport_dbg(this, &Memory::transport_dbg);
        socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
    }

    std::vector<unsigned char> data;
    uint64_t transactions = 0;   // b_transport calls served (DMI copies bypass them)
    // DMI requests, and those whose descriptor was not in its initial state (tlm_dmi::init: no pointer, addresses
    // 0 to the maximum, no access, zero latencies), which the TLM-2.0 base protocol checker reports.
    uint64_t dmi_requests = 0, dmi_requests_not_reset = 0;
    bool grant_dmi = true;   // false: DMI requests are refused (as by a memory behind a bus that forbids it)

    // Withdraws every DMI grant (as a memory does when it is remapped); initiators must ask again.
    void invalidate_dmi() { socket->invalidate_direct_mem_ptr(0, data.size() - 1); }

private:
    bool in_range(const tlm::tlm_generic_payload& gp) const {
        return gp.get_address() <= data.size() && gp.get_data_length() <= data.size() - gp.get_address();
    }
    void copy(tlm::tlm_generic_payload& gp) {
        if (gp.is_read())
            std::memcpy(gp.get_data_ptr(), &data[gp.get_address()], gp.get_data_length());
        else
            std::memcpy(&data[gp.get_address()], gp.get_data_ptr(), gp.get_data_length());
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        tlmx::check_arrival(gp, socket.name());
        if (!in_range(gp) || gp.get_byte_enable_ptr()) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        copy(gp);
        ++transactions;
        delay += latency_;
        gp.set_dmi_allowed(true);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp) {
        if (!in_range(gp)) return 0;
        copy(gp);
        return gp.get_data_length();
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
        ++dmi_requests;
        if (!grant_dmi) {   // refused for the whole memory: initiators use b_transport
            dmi.allow_none();
            dmi.set_start_address(0);
            dmi.set_end_address(data.size() - 1);
            return false;
        }
        dmi_requests_not_reset += dmi.get_dmi_ptr() || dmi.get_start_address() != 0 ||
                                  dmi.get_end_address() != ~sc_dt::uint64(0) ||
                                  dmi.get_granted_access() != tlm::tlm_dmi::DMI_ACCESS_NONE ||
                                  dmi.get_read_latency() != sc_core::SC_ZERO_TIME ||
                                  dmi.get_write_latency() != sc_core::SC_ZERO_TIME;
        dmi.set_dmi_ptr(data.data());
        dmi.set_start_address(0);
        dmi.set_end_address(data.size() - 1);
        dmi.allow_read_write();
        dmi.set_read_latency(latency_);
        dmi.set_write_latency(latency_);
        return true;
    }
    sc_core::sc_time latency_;
};

}  // namespace reshare::platform
