// A CU: its ReRAM arrays, eDRAM buffers and S+A, answering coarse work transactions (a passive target: no process).
#pragma once

#include "reshare/hw/modules/detailed_engine.hpp"
#include "reshare/hw/modules/owned_modules.hpp"
#include "reshare/hw/timing/input_reuse.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <memory>
#include <vector>

namespace reshare::hw {

// What a CU's transaction to its arrays or to one of its buffers carries: the events of one work transaction there.
struct AccessExtension : tlm::tlm_extension<AccessExtension> {
    uint64_t reads = 0, writes = 0, activations = 0;
    int array = 0;   // for the arrays: which one
    tlm::tlm_extension_base* clone() const override { return new AccessExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& o) override { *this = static_cast<const AccessExtension&>(o); }
};

// One of the CU's eDRAM buffers: a passive target that counts what the CU asks of it (the CU's pipeline model times
// it, so it adds no latency of its own).
class EdramBuffer : public sc_core::sc_module {
public:
    // A passthrough socket: b_transport only, as the CU calls it. A simple_target_socket would also build the
    // nb-to-b adapter's events and queue, most of the cost of building a chip of tens of thousands of CUs.
    tlm_utils::passthrough_target_socket<EdramBuffer> socket;
    explicit EdramBuffer(sc_core::sc_module_name name);
    uint64_t reads = 0, writes = 0;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
};

// The CU's ReRAM crossbar arrays: one passive target for all of them, each transaction naming its array, counting
// each array's OU activations. One module (with its socket) per array cost about 1.5 KB each in SystemC's objects:
// about 0.9 GB of peak memory on VGG16's dense chip of 482432 arrays, and seconds of its building (docs/performance.md).
class ArrayBank : public sc_core::sc_module {
public:
    tlm_utils::passthrough_target_socket<ArrayBank> socket;   // b_transport only (see EdramBuffer)
    ArrayBank(sc_core::sc_module_name name, int arrays);
    std::vector<uint64_t> activations;   // per array
    int count() const { return int(activations.size()); }
    uint64_t total_activations() const;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
};

class ComputeUnit : public sc_core::sc_module {
public:
    tlm_utils::passthrough_target_socket<ComputeUnit> socket;   // b_transport only (see EdramBuffer)
    tlm_utils::simple_initiator_socket<ComputeUnit> to_arrays;
    tlm_utils::multi_passthrough_initiator_socket<ComputeUnit> to_buffers;

    // `detailed`: also build the event-driven engine and time every transaction with it. `buffers`: the eDRAM buffers
    // it has (buffers_used of the scheme it is built for); a transaction that would use another is refused.
    ComputeUnit(sc_core::sc_module_name name, int arrays, int ous_per_array, const HwConfig* detailed = nullptr,
                BufferSet buffers = kAllBuffers);
    ~ComputeUnit() override {   // newest first: buffers, the engine, then the arrays (hw/modules/owned_modules.hpp)
        destroy_newest_first(buffers);
        engine.reset();
    }

    ArrayBank arrays;
    std::vector<std::unique_ptr<EdramBuffer>> buffers;   // indexed by hw::Buffer; null where the CU has none
    std::unique_ptr<DetailedEngine> engine;              // detailed mode only
    uint64_t ou_activations = 0, adc_conversions = 0, block_writes = 0;
    double busy_ns = 0, stall_ns = 0;

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    void account(const WorkUnit& unit, const UnitTiming& t, uint64_t vectors, const InputReuse& reuse);
    bool lacks_buffer(const UnitTiming& t, const InputReuse& reuse) const;   // t uses a buffer this CU was built without
    static void tell(tlm::tlm_fw_transport_if<>* target, const AccessExtension& what);
    int ous_per_array_;
    int buffer_socket_[int(Buffer::Count)];   // to_buffers' index of each buffer, -1 where there is none
};

}  // namespace reshare::hw
