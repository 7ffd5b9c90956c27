// The base protocol's rules for a payload as it arrives at a target (IEEE 1666-2011 14.17, the b_transport checks of
// Accellera's tlm2_base_protocol_checker, which Debian does not ship): every target of the model checks what it is
// sent, and every initiator that reuses a payload resets it first. A violation is counted and reported once per
// target (SC_REPORT_WARNING), so a platform with a sloppy initiator hears of it and a test sees a count of zero.
#pragma once

#include <tlm>

#include <cstdint>
#include <string>

namespace reshare::tlmx {

// What an initiator sets again before each b_transport of a payload it reuses: no DMI hint, no byte enables, the
// response incomplete (the command, address and data are set by the caller for each transaction).
void reset_for_transport(tlm::tlm_generic_payload& gp);

// "" when `gp` arrives as the base protocol says, else the first rule it breaks.
std::string arrival_problem(const tlm::tlm_generic_payload& gp);

// Counts and reports a payload that arrives wrong at `target` (its hierarchical name).
void check_arrival(const tlm::tlm_generic_payload& gp, const char* target);
uint64_t arrival_violations();

}  // namespace reshare::tlmx
