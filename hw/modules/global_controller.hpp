// The global controller: on a doorbell it walks the layer descriptors in system memory, fetches each compressed
// layer image by DMA, maps its work units onto CUs and issues one coarse transaction per unit; CUs of a layer
// run in parallel, so a layer takes as long as its busiest CU. The one process of the accelerator.
#pragma once

#include "common/config.hpp"
#include "hw/timing/cu_pipeline.hpp"
#include "hw/modules/periphery.hpp"
#include "hw/modules/waveform.hpp"
#include "offline/compressed_layer.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>
#include <string>
#include <vector>

namespace reshare::hw {

// Layer descriptor in system memory (docs/registers.md): 40 bytes, little-endian.
struct LayerDescriptor {
    uint64_t image_addr;
    uint32_t image_bytes;
    uint32_t vectors;      // input vectors (output positions) the layer computes
    uint32_t input_bytes;  // the layer's input feature map, read from the global buffer
    uint32_t pool_reads;   // values the pooling unit reads after this layer (0: no pooling)
    uint64_t input_addr;   // the layer's input vectors, vectors x (groups * rows) int8 (0: timing only)
    uint64_t output_addr;  // where its accumulators go, vectors x cols int32
};
// Per-layer result record the controller writes back: 48 bytes.
struct LayerRecord {
    uint64_t time_ns;
    uint64_t ou_activations;
    uint64_t stall_ns;
    uint64_t block_writes;
    uint64_t programming_ns;     // writing this layer's weights into crossbars (docs/timing.md)
    uint64_t cells_programmed;
};

enum class JobError : uint32_t { None = 0, DmaFailed = 1, BadImage = 2, NoLayers = 3 };

class GlobalController : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<GlobalController> dma;
    tlm_utils::multi_passthrough_initiator_socket<GlobalController> to_pe;
    tlm_utils::simple_initiator_socket<GlobalController> to_global_buffer, to_accumulators, to_activation, to_pooling;

    struct Job {
        uint64_t descriptors = 0, results = 0;
        uint32_t layers = 0;
    };

    GlobalController(sc_core::sc_module_name name, const HwConfig& config, int pes, int cus_per_pe);

    void start(const Job& job);                                  // from the doorbell
    std::function<void(JobError, uint64_t time_ns)> on_done;     // the top updates status and the interrupt
    bool busy() const { return busy_; }
    std::string last_error;
    Waveform* waveform = nullptr;   // opt-in tracing

private:
    void run();
    JobError run_job(const Job& job);
    JobError run_layer(uint32_t index, const LayerDescriptor& d, LayerRecord& record);
    double stage_ns(tlm_utils::simple_initiator_socket<GlobalController>& unit, uint64_t reads, uint64_t writes,
                    uint64_t ops, uint64_t lanes);
    void trace_layer(uint32_t index, const std::vector<double>& busy, const std::vector<double>& stall);
    bool dma_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes);
    bool dmi_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes, sc_core::sc_time& delay);
    void invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end);

    HwConfig config_;
    int pes_, cus_per_pe_;
    int next_cu_ = 0;
    uint64_t layers_run_ = 0;     // tags work transactions so CUs know when a new layer's units arrive
    std::vector<int> resident_;   // per CU: the job's layer whose weights it holds, -1 = none yet
    Job job_;
    bool busy_ = false;
    sc_core::sc_event start_event_;
    tlm_utils::tlm_quantumkeeper qk_;
    tlm::tlm_dmi dmi_;          // the system memory's direct pointer, once granted
    bool dmi_valid_ = false;
    bool dmi_refused_ = false;  // asked once; a target that refuses is served by b_transport
};

}  // namespace reshare::hw
