// The chip's shared units around the PEs, as passive TLM targets the controller sends one transaction per op:
// the global eDRAM buffer (op inputs and outputs), the shared accumulators (adding every domain's bit-column
// results into the outputs), the activation unit (requantization with the activation's clamp, add, concat copies,
// standalone activations) and the pooling unit (max and average pooling, zero padding). The activation and pooling
// units compute their ops on the tensors the transaction carries (kernels/int8.hpp). Each unit answers with the
// time its work takes; they run pipelined with the CUs, so an op lasts as long as its slowest stage.
#pragma once

#include "reshare/hw/modules/job_format.hpp"
#include "reshare/kernels/int8.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <string>
#include <vector>

namespace reshare::hw {

// How much work a layer gives a unit: bytes for the global buffer, operations for the others.
struct TrafficExtension : tlm::tlm_extension<TrafficExtension> {
    uint64_t reads = 0, writes = 0;   // bytes (global buffer)
    uint64_t ops = 0;                 // additions, requantizations or pooled reads
    uint64_t lanes = 1;               // operations the unit does per ns
    uint64_t accesses = 0;            // filled by the global buffer: the accesses the bytes took
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

// The shared accumulators: `lanes` additions per ns.
class ThroughputUnit : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ThroughputUnit> socket;
    explicit ThroughputUnit(sc_core::sc_module_name name);
    uint64_t ops = 0;
    double busy_ns = 0;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
};

// One op over whole tensors for the activation or pooling unit. Without a destination only timing is asked.
struct TensorOpExtension : tlm::tlm_extension<TensorOpExtension> {
    const OpDescriptor* op = nullptr;
    const int64_t* accumulators = nullptr;    // weight layers: out_h x out_w x out_c sums, each within int32
    const int8_t* src0 = nullptr;
    const int8_t* src1 = nullptr;
    const kernels::RequantEntry* params = nullptr;   // op->params_count entries
    const int8_t* table = nullptr;                   // lookups: the 256-entry table
    int8_t* dst = nullptr;
    uint64_t ops = 0;                         // filled by the unit: values it produced or read
    tlm::tlm_extension_base* clone() const override { return new TensorOpExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& o) override { *this = static_cast<const TensorOpExtension&>(o); }
};

// The activation and the pooling unit: `lanes` values per ns over the ops it `accepts`; any other op gets a
// command error response.
class TensorUnit : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<TensorUnit> socket;
    TensorUnit(sc_core::sc_module_name name, int lanes, std::vector<OpCode> accepts);
    uint64_t ops = 0;
    double busy_ns = 0;

    // Values the op produces or reads, which sets its time.
    static uint64_t work_of(const OpDescriptor& d);

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    static void compute(const TensorOpExtension& t);
    int lanes_;
    std::vector<OpCode> accepts_;
};

}  // namespace reshare::hw
