#include "reshare/job/network_job.hpp"

#include "reshare/common/error.hpp"
#include "reshare/hw/timing/mapping.hpp"
#include "reshare/inference/image.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/schemes/scheme.hpp"

#include <algorithm>
#include <cstring>

namespace reshare::job {
namespace {

uint64_t align(uint64_t v) { return (v + 4095) & ~uint64_t(4095); }

// An op's parameters in memory: its requantization entries, or a lookup's table.
size_t param_bytes(const ProgramOp& op) { return op.params.size() * sizeof(kernels::RequantEntry) + op.table.size(); }

// The op's descriptor with the addresses of its image, parameters and tensors.
hw::OpDescriptor placed(const Program& p, size_t i, const Layout& l) {
    const ProgramOp& op = p.ops[i];
    hw::OpDescriptor d = op.desc;
    if (op.layer >= 0) {
        d.image_addr = l.images.at(size_t(op.layer));
        d.image_bytes = uint32_t(p.images[size_t(op.layer)].size());
    }
    d.params_addr = l.params[i];
    if (!l.tensors.empty()) {
        d.src0 = l.tensors.at(size_t(op.src0));
        d.src1 = op.src1 >= 0 ? l.tensors.at(size_t(op.src1)) : 0;
        d.dst = l.tensors.at(size_t(op.node));
    }
    return d;
}

}  // namespace

int cus_used(const HwConfig& config, const TimingRule& rule, const std::vector<std::vector<hw::WorkUnit>>& layers,
             size_t first, size_t end) {
    int cus = 0;
    for (size_t l = first; l < std::min(end, layers.size()); ++l) cus += int(hw::map_layer(config, rule, layers[l]).size());
    return cus;
}

int pes_to_hold(const HwConfig& config, const TimingRule& rule, const std::vector<std::vector<hw::WorkUnit>>& layers) {
    return pes_for(config, cus_used(config, rule, layers));
}

std::vector<CompressedLayer> compress_layers(const inference::QuantizedModel& model, const HwConfig& config, Scheme scheme,
                                             int threads, const std::function<void(size_t, size_t)>& progress) {
    const size_t n = model.model().layers.size();
    std::vector<CompressedLayer> layers(n);
    for (size_t i = 0; i < n; ++i) {
        if (progress) progress(i, n);
        layers[i] = compress(model.weights(i), config, scheme, threads);
    }
    return layers;
}

std::vector<QuantizedMatrix> effective_weights(const inference::QuantizedModel& model, const std::vector<CompressedLayer>& layers) {
    std::vector<QuantizedMatrix> effective;
    if (!layers.empty() && changes_weights(layers.front().scheme))
        for (size_t i = 0; i < layers.size(); ++i) effective.push_back(effective_matrix(layers[i], model.weights(i)));
    return effective;
}

inference::IntResult reference_of(const inference::QuantizedModel& model, const inference::Calibration& calibration,
                                  const std::vector<float>& input, const std::vector<QuantizedMatrix>& effective,
                                  int threads, const std::function<void(size_t, size_t)>& progress) {
    const size_t layers = model.model().layers.size();
    return inference::run_int(model, calibration, input,
                              [&](size_t i, const QuantizedMatrix& w, const std::vector<int8_t>& x, int n, std::vector<int64_t>& acc) {
                                  if (progress) progress(i, layers);
                                  inference::integer_mvm(effective.empty() ? w : effective[i], x, n, acc, threads);
                              });
}

inference::IntResult reference(const inference::QuantizedModel& model, const inference::Calibration& calibration,
                               const std::vector<float>& input, const std::vector<CompressedLayer>& layers, int threads,
                               const std::function<void(size_t, size_t)>& progress) {
    return reference_of(model, calibration, input, effective_weights(model, layers), threads, progress);
}

Program compile_network(const models::Graph& graph, const inference::QuantizedModel& model,
                        const inference::Calibration& calibration, const std::vector<CompressedLayer>& layers,
                        const std::vector<int8_t>& input) {
    std::vector<std::vector<char>> images;
    images.reserve(layers.size());
    for (const CompressedLayer& l : layers) images.push_back(encode_layer_image(l));
    Program p = compile(graph, inference::requant_program(model, calibration), std::move(images));
    p.input = input;
    return p;
}

Layout lay_out(const Program& p, uint64_t base) {
    Layout l;
    l.descriptors = align(base);
    l.results = align(l.descriptors + p.ops.size() * sizeof(hw::OpDescriptor));
    uint64_t at = align(l.results + p.ops.size() * sizeof(hw::OpRecord));
    for (const auto& image : p.images) l.images.push_back(at), at = align(at + image.size());
    for (const ProgramOp& op : p.ops) l.params.push_back(param_bytes(op) ? at : 0), at = align(at + param_bytes(op));
    if (!p.input.empty())
        for (const models::Shape& t : p.tensors) l.tensors.push_back(at), at = align(at + uint64_t(t.elements()));
    l.end = at;
    return l;
}

void load(const Program& p, const Layout& l, const Put& put) {
    auto write = [&](uint64_t at, const void* data, size_t bytes) {
        if (bytes) put(at, data, bytes);   // an empty vector's data() may be null
    };
    for (size_t i = 0; i < p.images.size(); ++i) write(l.images[i], p.images[i].data(), p.images[i].size());
    for (size_t i = 0; i < p.ops.size(); ++i) {
        const hw::OpDescriptor d = placed(p, i, l);
        write(l.descriptors + i * sizeof d, &d, sizeof d);
        const ProgramOp& op = p.ops[i];
        write(l.params[i], op.params.data(), op.params.size() * sizeof(kernels::RequantEntry));
        write(l.params[i], op.table.data(), op.table.size());   // an op has entries or a table, not both
    }
    if (!l.tensors.empty()) write(l.tensors[0], p.input.data(), p.input.size());
}

std::string first_difference(const models::Graph& g, const std::string& datapath,
                             const std::vector<std::vector<int8_t>>& accelerator, const inference::IntResult& reference) {
    if (accelerator.size() != g.nodes.size() || reference.nodes.size() != g.nodes.size())
        return "check: the accelerator returned " + std::to_string(accelerator.size()) + " tensors for " +
               std::to_string(g.nodes.size()) + " nodes";
    for (size_t i = 1; i < g.nodes.size(); ++i) {
        const std::vector<int8_t>& got = accelerator[i];
        const std::vector<int8_t>& want = reference.nodes[i].q;
        const auto at = std::mismatch(want.begin(), want.end(), got.begin(), got.end());
        if (at.first == want.end() && at.second == got.end()) continue;
        const size_t k = size_t(at.first - want.begin()), c = size_t(g.nodes[i].out.c), w = size_t(g.nodes[i].out.w);
        const std::string values = at.first == want.end() || at.second == got.end()
                                       ? "has " + std::to_string(got.size()) + " values, not " + std::to_string(want.size())
                                       : "is " + std::to_string(*at.second) + " on the accelerator (" + datapath +
                                             ") but " + std::to_string(*at.first) + " in the reference inference";
        return "node " + g.nodes[i].name + ": output (y " + std::to_string(k / c / w) + ", x " + std::to_string(k / c % w) +
               ", c " + std::to_string(k % c) + ") " + values;
    }
    return "";
}

std::string NetworkJob::check(const std::function<void(uint64_t, void*, size_t)>& read) const {
    std::vector<std::vector<int8_t>> tensors;
    for (size_t t = 0; t < layout.tensors.size(); ++t) {
        tensors.emplace_back(size_t(program.tensors[t].elements()));
        read(layout.tensors[t], tensors.back().data(), tensors.back().size());
    }
    return first_difference(*model.graph, to_string(layers_scheme), tensors, expected);
}

NetworkJob build_network_job(const NetworkOptions& o, uint64_t base) {
    validate(o.config);
    check_scheme_config(o.config, o.scheme);
    NetworkJob job;
    job.model = models::load_model(o.model, o.seed);
    if (!job.model.graph) throw Error("model " + job.model.name + " has no layer graph: a job needs a network");
    const models::Graph& g = *job.model.graph;
    const inference::Image image = o.image.empty() ? inference::synthetic_image(g.nodes[0].out.h, g.nodes[0].out.w, o.seed)
                                                   : inference::load_image(o.image);
    const std::vector<float> input = inference::network_input(image, g);
    const inference::Calibration calibration = inference::calibrate(inference::run_float(job.model, input));
    const inference::QuantizedModel quantized(job.model, o.config);
    const std::vector<CompressedLayer> layers = compress_layers(quantized, o.config, o.scheme, o.threads);
    job.expected = reference(quantized, calibration, input, layers, o.threads);
    job.program = compile_network(g, quantized, calibration, layers, job.expected.nodes[0].q);
    job.layout = lay_out(job.program, base);
    job.layers_scheme = o.scheme;
    std::vector<std::vector<hw::WorkUnit>> units;
    for (const CompressedLayer& l : layers) units.push_back(hw::unit_holdings(l, o.config));
    job.pes = layers.empty() ? 1 : pes_to_hold(o.config, scheme_def(o.scheme).layer_timing(layers.front()), units);
    return job;
}

}  // namespace reshare::job
