// The software side of the testbench platform: an initiator whose thread runs a script of bus accesses,
// the way a device driver would (write registers, ring the doorbell, wait for the interrupt, read results).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstring>
#include <functional>

namespace reshare::platform {

class Driver : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Driver> socket;
    sc_core::sc_in<bool> irq;
    std::function<void(Driver&)> script;

    explicit Driver(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket"), irq("irq") {
        SC_HAS_PROCESS(Driver);
        SC_THREAD(run);
    }

    // A 32-bit bus access; returns the response status. Time advances by the annotated delay.
    tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned bytes,
                                    unsigned char* byte_enable = nullptr) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(bytes);
        gp.set_streaming_width(bytes);
        gp.set_byte_enable_ptr(byte_enable);
        gp.set_byte_enable_length(byte_enable ? bytes : 0);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        socket->b_transport(gp, delay);
        wait(delay);
        return gp.get_response_status();
    }
    uint32_t read32(uint64_t addr) {
        uint32_t v = 0;
        if (access(tlm::TLM_READ_COMMAND, addr, &v, 4) != tlm::TLM_OK_RESPONSE) SC_REPORT_ERROR("driver", "read failed");
        return v;
    }
    void write32(uint64_t addr, uint32_t v) {
        if (access(tlm::TLM_WRITE_COMMAND, addr, &v, 4) != tlm::TLM_OK_RESPONSE) SC_REPORT_ERROR("driver", "write failed");
    }
    void write_block(uint64_t addr, const void* data, size_t bytes) {
        std::vector<unsigned char> copy(static_cast<const unsigned char*>(data), static_cast<const unsigned char*>(data) + bytes);
        if (access(tlm::TLM_WRITE_COMMAND, addr, copy.data(), unsigned(bytes)) != tlm::TLM_OK_RESPONSE)
            SC_REPORT_ERROR("driver", "block write failed");
    }
    void pause(double ns) { wait(sc_core::sc_time(ns, sc_core::SC_NS)); }
    void wait_for_irq() {
        while (!irq.read()) wait(irq.value_changed_event());
    }

private:
    // When the script ends nothing else is scheduled (the controller waits for a doorbell): sc_start returns.
    void run() {
        if (script) script(*this);
    }
};

}  // namespace reshare::platform
