// The chip's shared units around the PEs, as passive TLM targets the controller sends one transaction per layer:
// the global eDRAM buffer (layer inputs and outputs), the shared accumulators (adding every domain's bit-column
// results into the outputs), the activation unit (requantization and ReLU) and the pooling unit. Each answers with
// the time its work takes; they run pipelined with the CUs, so a layer lasts as long as its slowest stage.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <string>

namespace reshare::hw {

// How much work a layer gives a unit: bytes for the global buffer, operations for the others.
struct TrafficExtension : tlm::tlm_extension<TrafficExtension> {
    uint64_t reads = 0, writes = 0;   // bytes (global buffer)
    uint64_t ops = 0;                 // additions, requantizations or pooled reads
    uint64_t lanes = 1;               // operations the unit does per ns
    tlm::tlm_extension_base* clone() const override { return new TrafficExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& o) override { *this = static_cast<const TrafficExtension&>(o); }
};

// The global buffer: accesses of `width_bytes`, one per `access_ns`.
class GlobalBuffer : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<GlobalBuffer> socket;
    GlobalBuffer(sc_core::sc_module_name name, int width_bytes, double access_ns);
    uint64_t read_bytes = 0, written_bytes = 0, accesses = 0;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    int width_;
    double access_ns_;
};

// Accumulators, activation and pooling units: `lanes` operations per ns.
class ThroughputUnit : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ThroughputUnit> socket;
    explicit ThroughputUnit(sc_core::sc_module_name name);
    uint64_t ops = 0;
    double busy_ns = 0;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
};

}  // namespace reshare::hw
