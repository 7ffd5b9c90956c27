#include "reshare/hw/modules/compute_unit.hpp"
#include "reshare/tlm/payload_check.hpp"

#include "reshare/tlm/work_extension.hpp"

#include <algorithm>
#include <string>

namespace reshare::hw {

namespace {

// The events a transaction to an array or a buffer tells, or null after an error response.
const AccessExtension* access_of(tlm::tlm_generic_payload& gp, const char* target) {
    tlmx::check_arrival(gp, target);
    const auto* a = gp.get_extension<AccessExtension>();
    gp.set_response_status(a ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
    return a;
}

}  // namespace

EdramBuffer::EdramBuffer(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") {
    socket.register_b_transport(this, &EdramBuffer::b_transport);
}

void EdramBuffer::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    if (const AccessExtension* a = access_of(gp, socket.name())) {
        reads += a->reads;
        writes += a->writes;
    }
}

ArrayBank::ArrayBank(sc_core::sc_module_name name, int arrays)
    : sc_core::sc_module(name), socket("socket"), activations(size_t(std::max(arrays, 0)), 0) {
    socket.register_b_transport(this, &ArrayBank::b_transport);
}

uint64_t ArrayBank::total_activations() const {
    uint64_t sum = 0;
    for (uint64_t a : activations) sum += a;
    return sum;
}

void ArrayBank::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    const AccessExtension* a = access_of(gp, socket.name());
    if (a && (a->array < 0 || a->array >= count())) gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    else if (a) activations[size_t(a->array)] += a->activations;
}

ComputeUnit::ComputeUnit(sc_core::sc_module_name name, int n_arrays, int ous_per_array, const HwConfig* detailed,
                         BufferSet buffer_set)
    : sc_core::sc_module(name), socket("socket"), to_arrays("to_arrays"), to_buffers("to_buffers"),
      arrays("arrays", n_arrays), ous_per_array_(ous_per_array) {
    if (detailed) engine = std::make_unique<DetailedEngine>("engine", *detailed);
    socket.register_b_transport(this, &ComputeUnit::b_transport);
    to_arrays.bind(arrays.socket);
    int bound = 0;
    for (int b = 0; b < int(Buffer::Count); ++b) {
        buffer_socket_[b] = has(buffer_set, Buffer(b)) ? bound++ : -1;
        buffers.push_back(has(buffer_set, Buffer(b)) ? std::make_unique<EdramBuffer>(to_string(Buffer(b))) : nullptr);
        if (buffers.back()) to_buffers.bind(buffers.back()->socket);
    }
}

void ComputeUnit::tell(tlm::tlm_fw_transport_if<>* target, const AccessExtension& what) {
    AccessExtension e = what;
    tlm::tlm_generic_payload gp;
    gp.set_extension(&e);
    sc_core::sc_time none = sc_core::SC_ZERO_TIME;
    target->b_transport(gp, none);
    gp.clear_extension(&e);
}

bool ComputeUnit::lacks_buffer(const UnitTiming& t, const InputReuse& reuse) const {
    for (int b = 0; b < int(Buffer::Count); ++b)
        if (buffer_socket_[b] < 0 && (t.counters.reads[b] || t.counters.writes[b] || (b == int(Buffer::InputPatterns) && reuse.reads)))
            return true;
    return false;
}

// The transaction's events, told to the arrays (OUs dealt round-robin over the arrays in use) and buffers.
void ComputeUnit::account(const WorkUnit& unit, const UnitTiming& t, uint64_t vectors, const InputReuse& reuse) {
    ou_activations += t.counters.ou_activations * vectors - reuse.saved;
    adc_conversions += (t.counters.adc_conversions / std::max<uint64_t>(1, t.counters.ou_activations)) *
                       (t.counters.ou_activations * vectors - reuse.saved);
    block_writes += t.counters.block_writes * vectors;
    const uint64_t used = std::min<uint64_t>(uint64_t(arrays.count()), std::max<uint64_t>(1, (unit.ous + ous_per_array_ - 1) / ous_per_array_));
    const uint64_t per_ou = unit.ous ? t.counters.ou_activations / unit.ous : 0;
    for (uint64_t a = 0; a < used && unit.ous; ++a) {
        AccessExtension e;
        const uint64_t ous = (unit.ous - a + used - 1) / used;   // OUs a, a + used, ...
        e.array = int(a);
        e.activations = per_ou * vectors * ous - reuse.saved * ous / unit.ous;   // the hits spare each array its share
        tell(to_arrays[0], e);
    }
    for (int b = 0; b < int(Buffer::Count); ++b) {
        AccessExtension e;
        e.reads = t.counters.reads[b] * vectors + (b == int(Buffer::InputPatterns) ? reuse.reads : 0);
        e.writes = t.counters.writes[b] * vectors;
        if (e.reads || e.writes) tell(to_buffers[buffer_socket_[b]], e);
    }
    busy_ns += t.total_ns * double(vectors);
    stall_ns += t.stall_ns * double(vectors);
}

void ComputeUnit::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    tlmx::check_arrival(gp, socket.name());
    auto* work = gp.get_extension<tlmx::WorkExtension>();
    if (!work || !work->unit || !work->pipeline) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    // One vector's timing, computed once for all the transaction's vectors: it depends only on the weights - and, for
    // input-pattern reuse (cr2), on how many of this CU's lookups hit its buffer on these very inputs.
    work->reuse = InputReuse{};
    if (work->pipeline->rule().input_reuse && work->units && work->geo && work->inputs)
        work->reuse = count_input_reuse(*work->units, size_t(work->unit_begin), size_t(work->unit_end), *work->geo,
                                        work->pattern, work->pipeline->input_bits(), work->inputs, work->vectors);
    const double scale = work->reuse.mvm_scale();
    const bool cacheable = work->timing_cache && !work->pipeline->rule().input_reuse;
    if (cacheable && !*work->timing_cache) *work->timing_cache = work->pipeline->run(*work->unit, scale);
    UnitTiming t = cacheable ? **work->timing_cache : work->pipeline->run(*work->unit, scale);
    if (work->reuse.reads) {   // the hits' entries are read beside the activations, one buffer access each
        t.mvm_ns = std::max(t.mvm_ns, double(work->reuse.reads) / double(work->vectors) * work->pipeline->access_ns());
        t.total_ns = std::max(t.mvm_ns, t.sharing_ns);
    }
    if (lacks_buffer(t, work->reuse)) {   // work of a scheme whose buffers this CU was not built with
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (engine && work->detailed) {
        // Detailed: live through every vector's events; the elapsed kernel time is the latency.
        wait(delay);
        delay = sc_core::SC_ZERO_TIME;
        double total = 0, stall = 0;
        for (uint64_t v = 0; v < work->vectors; ++v) {
            const UnitTiming d = engine->run(*work->unit, work->pipeline->rule(), scale);
            total += d.total_ns;
            stall += d.stall_ns;
        }
        t.total_ns = total / double(work->vectors);
        t.stall_ns = stall / double(work->vectors);
    } else {
        delay += sc_core::sc_time(t.total_ns * double(work->vectors), sc_core::SC_NS);
    }
    // A unit cut over several CUs is computed whole by its first piece's CU (WorkUnit::computes).
    if (work->datapath && work->units && work->inputs && work->accumulators) {
        std::vector<int> sources;
        for (int u = work->unit_begin; u < work->unit_end; ++u)
            if (const WorkUnit& w = (*work->units)[size_t(u)]; w.computes) sources.push_back(int(w.source));
        work->datapath->add_units(sources, work->inputs, int(work->vectors), work->accumulators);
    }
    account(*work->unit, t, work->vectors, work->reuse);
    work->result = t;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace reshare::hw
