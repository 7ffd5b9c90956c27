// What the accelerator reads from and writes to system memory for a job (docs/registers.md): a table of op
// descriptors - a network's graph, one op per node (a concat is one channel copy per input) - and one result
// record per op. Tensors are int8 NHWC in system memory; the accelerator fetches them by DMA and writes each op's
// output back, so a driver (or a test) can read any node's output. Plain C++, little-endian.
#pragma once

#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/hw/timing/energy.hpp"
#include "reshare/models/graph.hpp"
#include "reshare/offline/compressed_layer.hpp"

#include <cstdint>
#include <string>

namespace reshare::hw {

// Which unit runs an op: the CUs (weight layers, then the activation unit requantizes), the activation unit
// (elementwise ops) or the pooling unit (window and layout ops).
enum class OpCode : uint32_t {
    WeightLayer = 0,    // conv or dense through the CUs; params: one requantization per output channel
    MaxPool = 1,
    AvgPool = 2,        // params: one requantization (input scale / output scale)
    Add = 3,            // src0 + src1; params: two requantizations at one shift
    CopyChannels = 4,   // src0 into channels [channel_offset, +in_c) of dst (one input of a concat); params: one
    ZeroPad = 5,
    Clamp = 6,          // a standalone activation: dst = clamp(src0, clamp_lo, clamp_hi)
    Lookup = 7,         // a table activation: dst = table[src0 + 128]; params: the 256-byte table
    Mul = 8,            // dst = src0 x src1 per channel (src1: out_c values); params: one requantization
    Count
};
const char* to_string(OpCode op);

// One op: 112 bytes. A dense layer is a conv whose kernel is its whole input (kh = in_h, kw = in_w, out 1x1).
struct OpDescriptor {
    uint32_t op = 0;                 // OpCode
    int32_t clamp_lo = -127, clamp_hi = 127;   // output range: the activation (ReLU: lo 0; ReLU6: hi 6 steps)
    uint32_t params_count = 0;       // requantization entries (kernels::RequantEntry, 16 B each) at params_addr;
                                     // a lookup's params are its table: 256 entries of one byte
    uint64_t src0 = 0, src1 = 0;     // input tensors; src0 == 0: timing only (no data moves)
    uint64_t dst = 0;                // output tensor
    uint64_t image_addr = 0;         // weight layers: the compressed layer image (docs/formats.md)
    uint64_t params_addr = 0;
    uint32_t image_bytes = 0;
    uint32_t groups = 1;
    uint32_t in_h = 0, in_w = 0, in_c = 0, out_h = 0, out_w = 0, out_c = 0;
    uint16_t kh = 1, kw = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_top = 0, pad_left = 0;
    uint32_t channel_offset = 0;
    uint32_t replication = 0;        // weight layers: copies of the weights on the chip, vectors split over them (0 = 1)
};
static_assert(sizeof(OpDescriptor) == 112, "OpDescriptor is a memory format");

// Per-op result record the controller writes back: 264 bytes, every counter the report needs.
struct OpRecord {
    uint64_t time_ns = 0;            // the op's time on the chip, reprogramming included
    uint64_t ou_activations = 0;
    uint64_t stall_ns = 0;           // MVM time lost waiting for output-buffer room (rws)
    uint64_t block_writes = 0;
    uint64_t programming_ns = 0;     // writing this layer's weights into crossbars (0 if already in place)
    uint64_t cells_programmed = 0;
    uint64_t adc_conversions = 0;
    uint64_t buffer_reads[int(Buffer::Count)] = {};    // CU buffers, by hw::Buffer
    uint64_t buffer_writes[int(Buffer::Count)] = {};
    uint64_t global_buffer_accesses = 0;
    uint64_t accumulations = 0;      // shared accumulators' additions
    uint64_t activation_ops = 0;     // requantizations, additions, clamps, copies
    uint64_t pooling_ns = 0;         // the pooling unit's busy time (pooled reads and padded writes)
    // where the layer's time goes, on its slowest CU for each engine (docs/timing.md)
    uint64_t mvm_ns = 0;             // the MVM engine's busy time, its stalls included
    uint64_t sharing_ns = 0;         // until the sharing engine (or the direct writes) put the last result down
    uint64_t cu_busy_ns = 0;         // summed over the CUs: what leakage_scope busy charges
    uint64_t index_reram_reads = 0;  // RWS index-table reads from ReRAM (rws.index_memory: reram)
    uint64_t stall_max_ns = 0;       // the MVM stall of the CU that stalls longest
    uint64_t adds = 0;               // results the CUs' digital adders add into targets (reram-sharing)
    uint64_t ipr_lookups = 0;        // input-pattern buffer lookups (cr2: non-zero patterns)
    uint64_t ipr_hits = 0;           // and their hits
};
static_assert(sizeof(OpRecord) == 264, "OpRecord is a memory format");

// The record's CU events and shared-unit work, as the energy model counts them.
UnitCounters unit_counters(const OpRecord& r);
PeripheryCounters periphery_counters(const OpRecord& r);
void add_record(OpRecord& sum, const OpRecord& r);

enum class JobError : uint32_t { None = 0, DmaFailed = 1, BadImage = 2, NoLayers = 3, BadDescriptor = 4, Aborted = 5 };

// The window fields the kernels read (kernels/window.hpp), from a descriptor.
struct OpGeometry {
    int kh, kw, stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups;
    models::Shape in, out;
};
OpGeometry geometry_of(const OpDescriptor& d);

// "" when the descriptor is consistent, else what is wrong with it (one line).
std::string check_descriptor(const OpDescriptor& d);
// "" when a weight op's descriptor fits its decoded layer image.
std::string check_layer_fits(const OpDescriptor& d, const LayerGeometry& g);

// A weight op that only asks for timing: `vectors` input vectors for the layer, no tensors.
OpDescriptor timing_only_layer(uint64_t image_addr, uint32_t image_bytes, const LayerGeometry& g, uint32_t vectors);

}  // namespace reshare::hw
