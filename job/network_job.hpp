// A real network as one accelerator job, for a host or a virtual platform that runs the accelerator without the
// CLI: a network file and an image in; the job in memory (op descriptors, layer images, parameters, the input
// tensor), what to write to the registers, and every node's expected output out (docs/registers.md, "Running a
// network from a platform"). The pieces - compress, reference, compile, lay out, load, compare - are the ones
// `reshare run` uses, so a platform's job is the CLI's job.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/inference/engine.hpp"
#include "reshare/job/program.hpp"
#include "reshare/models/model.hpp"
#include "reshare/offline/compressed_layer.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace reshare::job {

// PEs that hold `cus` CUs (at least one).
inline int pes_for(const HwConfig& config, int cus) { return std::max(1, (cus + config.pe_cus - 1) / config.pe_cus); }
// CUs the controller's mapping (hw/timing/mapping.hpp) uses for layers [first, end).
int cus_used(const HwConfig& config, const TimingRule& rule, const std::vector<std::vector<hw::WorkUnit>>& layers,
             size_t first = 0, size_t end = SIZE_MAX);
// PEs needed to hold every layer at once, with the controller's own mapping (docs/timing.md).
int pes_to_hold(const HwConfig& config, const TimingRule& rule, const std::vector<std::vector<hw::WorkUnit>>& layers);

// Every weight layer through the scheme's offline pass; `progress` (optional) hears each layer as it starts.
std::vector<CompressedLayer> compress_layers(const inference::QuantizedModel& model, const HwConfig& config, Scheme scheme,
                                             int threads, const std::function<void(size_t layer, size_t layers)>& progress = {});

// The reference the accelerator must match bit for bit: the int8 network with plain integer products, of the
// weights the compressed layers stand for (sme and reram-sharing change them: SchemeDef::effective_weights).
inference::IntResult reference(const inference::QuantizedModel& model, const inference::Calibration& calibration,
                               const std::vector<float>& input, const std::vector<CompressedLayer>& layers, int threads,
                               const std::function<void(size_t layer, size_t layers)>& progress = {});
// The same in two steps, so that the compressed layers can be freed before the long part: the weights they compute
// with where the scheme changes them (empty where it does not), and the int8 network of those (empty: the model's).
std::vector<QuantizedMatrix> effective_weights(const inference::QuantizedModel& model, const std::vector<CompressedLayer>& layers);
inference::IntResult reference_of(const inference::QuantizedModel& model, const inference::Calibration& calibration,
                                  const std::vector<float>& input, const std::vector<QuantizedMatrix>& effective,
                                  int threads, const std::function<void(size_t layer, size_t layers)>& progress = {});

// The job of the network: its layers' images encoded, one op per graph node, and the input tensor (the
// reference's quantized input).
Program compile_network(const models::Graph& graph, const inference::QuantizedModel& model,
                        const inference::Calibration& calibration, const std::vector<CompressedLayer>& layers,
                        const std::vector<int8_t>& input);

// Where a job goes in memory, from `base` (4 KiB aligned) on: the op descriptors (the DESC_ADDR register), the
// result records (RESULT_ADDR), the layer images, the parameters and, for a functional job, every tensor.
struct Layout {
    uint64_t descriptors = 0, results = 0, end = 0;
    std::vector<uint64_t> images, params, tensors;
};
Layout lay_out(const Program& program, uint64_t base = 0x1000);

// Writes the job into memory through `put(address, data, bytes)`: every descriptor with the addresses of its image,
// parameters and tensors, the images, the parameters and the input tensor. The host's part before the doorbell.
using Put = std::function<void(uint64_t address, const void* data, size_t bytes)>;
void load(const Program& program, const Layout& layout, const Put& put);

// The first difference between the tensors the accelerator wrote (one per graph node) and the reference's, naming
// the node, the position and both values ("" when they are equal); `datapath` names the scheme in the message.
std::string first_difference(const models::Graph& graph, const std::string& datapath,
                             const std::vector<std::vector<int8_t>>& accelerator, const inference::IntResult& reference);

struct NetworkOptions {
    std::string model = "face_recognition";   // a zoo name, a TF.js manifest, a Keras model.json or an .onnx file
    std::string image;                        // JPEG or PNG, resized to the input; "": a seeded synthetic image
    Scheme scheme = Scheme::ReShare;
    HwConfig config;                          // of the chip it will run on (ou, crossbar, cells, scheme keys)
    uint64_t seed = 20240601;                 // synthetic weights and image
    int threads = 1;
};

// A network's job, laid out from `base`, and what to check after it ran.
struct NetworkJob {
    models::Model model;
    Program program;
    Layout layout;
    inference::IntResult expected;   // every node's output, as the reference computes it
    int pes = 1;                     // PEs of config.pe_cus CUs that hold every layer at once
    Scheme layers_scheme = Scheme::ReShare;
    uint32_t ops() const { return uint32_t(program.ops.size()); }
    // After the interrupt: reads every node's tensor through `read(address, to, bytes)` and compares it with the
    // reference ("" when all are bit-exact, else the first difference).
    std::string check(const std::function<void(uint64_t address, void* to, size_t bytes)>& read) const;
};

// Throws reshare::Error (one line naming the problem) for a model, image or configuration it cannot use.
NetworkJob build_network_job(const NetworkOptions& options, uint64_t base = 0x1000);

}  // namespace reshare::job
