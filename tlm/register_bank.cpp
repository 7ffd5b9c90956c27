#include "reshare/tlm/register_bank.hpp"

#include <cstring>

namespace reshare::tlmx {

Register::Register(RegisterBank& bank, std::string name, uint32_t offset, Access access, uint32_t reset)
    : name_(std::move(name)), offset_(offset), access_(access), reset_(reset), value_(reset) {
    bank.add(this);
}

void RegisterBank::reset() {
    for (Register* r : regs_) r->reset();
}

Register* RegisterBank::find(uint64_t address) const {
    for (Register* r : regs_)
        if (r->offset() == address) return r;
    return nullptr;
}

void RegisterBank::access(tlm::tlm_generic_payload& gp, bool debug) {
    const uint64_t address = gp.get_address();
    if (gp.get_data_length() != 4 || gp.get_streaming_width() < 4 || (address & 3)) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    if (gp.get_byte_enable_ptr()) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    Register* r = address < window_ ? find(address) : nullptr;
    if (!r) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    uint32_t data;
    if (gp.is_read()) {
        if (r->access() == Access::WriteOnly) {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        data = (!debug && r->on_read) ? r->on_read() : r->value();
        std::memcpy(gp.get_data_ptr(), &data, 4);
    } else if (gp.is_write()) {
        if (r->access() == Access::ReadOnly) {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        std::memcpy(&data, gp.get_data_ptr(), 4);
        if (!debug) {
            if (r->access() == Access::WriteOneToClear) data = r->value() & ~data;
            if (r->access() != Access::WriteOnly) r->set(data);
            if (r->on_write) r->on_write(data);
        } else if (r->access() == Access::ReadWrite) {
            r->set(data);   // a debugger may set a plain register, but triggers nothing
        } else {
            // A debug write to a write-only or write-1-to-clear register would have to trigger its action, which
            // debug accesses never do: it writes nothing, and the debug transport reports 0 bytes.
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
    }
    // TLM_IGNORE_COMMAND (IEEE 1666-2011 14.17): nothing is read or written; at a register address it is answered OK.
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace reshare::tlmx
