#include "reshare/tlm/payload_check.hpp"

#include "reshare/common/error.hpp"

#include <set>

namespace reshare::tlmx {
namespace {

uint64_t violations = 0;

}  // namespace

void reset_for_transport(tlm::tlm_generic_payload& gp) {
    gp.set_dmi_allowed(false);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_byte_enable_length(0);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

std::string arrival_problem(const tlm::tlm_generic_payload& gp) {
    if (gp.get_response_status() != tlm::TLM_INCOMPLETE_RESPONSE)
        return "the response status is " + gp.get_response_string() + ", not TLM_INCOMPLETE_RESPONSE";
    if (gp.is_dmi_allowed()) return "the DMI hint is already set";
    if (gp.get_byte_enable_ptr() && gp.get_byte_enable_length() == 0) return "byte enables of length 0";
    if (gp.get_command() != tlm::TLM_IGNORE_COMMAND) {
        if (!gp.get_data_ptr()) return "a read or write without a data pointer";
        if (gp.get_data_length() == 0) return "a read or write of 0 bytes";
        if (gp.get_streaming_width() == 0) return "a streaming width of 0";
    }
    return "";
}

void check_arrival(const tlm::tlm_generic_payload& gp, const char* target) {
    const std::string problem = arrival_problem(gp);
    if (problem.empty()) return;
    ++violations;
    static std::set<std::string> reported;
    if (reported.insert(target).second)
        SC_REPORT_WARNING("reshare/tlm", (std::string(target) + ": a transaction at " + hex(gp.get_address()) +
                                          " breaks the base protocol: " + problem).c_str());
}

uint64_t arrival_violations() { return violations; }

}  // namespace reshare::tlmx
