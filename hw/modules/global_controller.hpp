// The global controller: on a doorbell it walks the op descriptors in system memory (hw/modules/job_format.hpp).
// A weight op: fetch the compressed layer image and the input tensor by DMA, gather the input vectors (im2col),
// map the layer's work units onto CUs and issue each CU one coarse transaction for its units (it adds their partial
// sums into the shared accumulators), have the activation unit requantize, write the output tensor back. CUs of
// a layer run in parallel, so it takes as long as its busiest CU or slowest shared unit. Other ops go to the
// activation or pooling unit. The one process of the accelerator.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/modules/job_format.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/hw/modules/periphery.hpp"
#include "reshare/hw/modules/waveform.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/offline/functional.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace reshare::hw {

class GlobalController : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<GlobalController> dma;
    tlm_utils::multi_passthrough_initiator_socket<GlobalController> to_pe;
    tlm_utils::simple_initiator_socket<GlobalController> to_global_buffer, to_accumulators, to_activation, to_pooling;

    struct Job {
        uint64_t descriptors = 0, results = 0;
        uint32_t ops = 0;
    };

    GlobalController(sc_core::sc_module_name name, const HwConfig& config, int pes, int cus_per_pe);

    void start(const Job& job, const sc_core::sc_time& after);   // from the doorbell, `after` its annotated delay
    // Stops the running job at its next op boundary (ERROR_CODE 5, aborted); nothing when idle.
    void abort() { abort_ = busy_; }
    std::function<void(JobError, uint64_t time_ns)> on_done;     // the top updates status and the interrupt
    std::function<void(uint32_t done, uint32_t ops)> on_op;      // optional: after each op (progress displays)
    bool busy() const { return busy_; }
    std::string last_error;
    uint32_t images_decoded_ahead = 0;   // weight ops that took the image decoded ahead (decode_ahead)
    Waveform* waveform = nullptr;   // opt-in tracing
    // The weight layers in focus (counted from the job's first, 0-based): the waveform shows their activity, and
    // with sim.mode detailed their CUs run event by event (the others use the batched model, which gives the same
    // times, so a large network can be run whole for a detailed look at a few layers).
    int focus_first = 0, focus_last = 1 << 30;

private:
    // A weight op's layer image decoded: the layer, its work units and (functional ops) its datapath, or why not.
    struct Decoded {
        std::vector<char> bytes;   // the image it was decoded from, until it is freed for its digest
        size_t digest = 0;         // image_digest of those bytes
        JobError error = JobError::None;
        std::string why;
        CompressedLayer layer;
        std::vector<WorkUnit> units;
        std::unique_ptr<FastDatapath> datapath;   // refers to `layer`: a Decoded stays where it was made
    };
    std::unique_ptr<Decoded> decode(std::vector<char> bytes, const OpDescriptor& d) const;
    // Host time, not simulated time: while op `op` runs, the next weight op's image is read by debug transport
    // (untimed) and decoded on another core. That op still DMAs its image, timed as ever, and takes the decode only
    // if the bytes are the same (a platform may rewrite memory between ops): their 64-bit digests are, since
    // keeping the bytes to compare would hold two copies of the image at once (VGG16's ORC fc6: 0.2 GB each).
    void decode_ahead(uint32_t op);
    std::unique_ptr<Decoded> take_ahead(const OpDescriptor& d);   // the decode made ahead of d's image, if any
    bool debug_read(uint64_t addr, void* data, size_t bytes);
    struct Ahead {
        uint64_t image_addr = 0;
        std::future<std::unique_ptr<Decoded>> decoded;
    };
    Ahead ahead_;
    uint32_t op_ = 0;   // the op running
    void run();
    JobError run_job(const Job& job);
    JobError run_op(const OpDescriptor& d, OpRecord& record);
    JobError run_layer(const OpDescriptor& d, OpRecord& record);
    JobError run_tensor_op(const OpDescriptor& d, OpRecord& record);
    JobError fail(JobError e, const std::string& why);
    std::string check_image_hardware(const LayerGeometry& g) const;   // empty: the image is for this chip
    JobError fetch_params(const OpDescriptor& d, std::vector<kernels::RequantEntry>& params);
    bool fetch_tensor(uint64_t addr, uint64_t bytes, std::vector<int8_t>& data);
    double traffic_ns(tlm_utils::simple_initiator_socket<GlobalController>& unit, uint64_t reads, uint64_t writes,
                      uint64_t ops, uint64_t lanes, uint64_t* counted);
    double tensor_ns(tlm_utils::simple_initiator_socket<GlobalController>& unit, TensorOpExtension& t, uint64_t& ops);
    void finish_op(double ns);
    // What the waveform shows of one batched share: its CU, when it starts in the layer, its vectors, one vector's timing.
    struct ShareTrace {
        int cu;
        double begin_ns;
        uint32_t vectors;
        UnitTiming timing;
    };
    struct UnitTimes {
        double global_buffer = 0, accumulators = 0, activation = 0;
    };
    void trace_layer(int layer, const std::vector<ShareTrace>& shares, const std::vector<double>& stall, double layer_ns);
    void trace_units(double layer_end_offset_ns, const UnitTimes& units);
    bool dma_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes);
    // A DMA read timed as dma_transfer's, of bytes the controller only looks at: through the memory's direct pointer,
    // in place, without a copy. Null where the memory grants no DMI for them (then nothing is timed: dma_transfer).
    const char* dma_read_in_place(uint64_t addr, size_t bytes);
    unsigned char* dmi_pointer(tlm::tlm_command cmd, uint64_t addr, size_t bytes);   // null: no DMI for these bytes
    bool dmi_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes, sc_core::sc_time& delay);
    void end_burst(sc_core::sc_time delay, double from, size_t bytes);   // a burst's time, in the quantum keeper
    void invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end);

    HwConfig config_;
    int pes_, cus_per_pe_;
    int next_cu_ = 0;
    int job_layer_ = 0;           // the job's weight layers so far
    std::vector<int64_t> resident_;   // per CU: whose weights it holds (resident_key: layer and share), -1 = none yet
    Job job_;
    bool busy_ = false;
    bool abort_ = false;
    std::string dma_fault_;     // the last failed DMA access: direction, size and address
    sc_core::sc_event start_event_;
    tlm_utils::tlm_quantumkeeper qk_;
    tlm::tlm_dmi dmi_;          // the system memory's direct pointer, once granted
    bool dmi_valid_ = false;
    bool dmi_refused_ = false;  // asked once; a target that refuses is served by b_transport
};

}  // namespace reshare::hw
