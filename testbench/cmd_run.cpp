// reshare run: a whole network on the accelerator model, on a real image: the accelerator runs the network's graph
// from the input tensor (compressed crossbars, requantization, pooling, adds, concats) and every node's output is
// checked bit for bit against the reference integer inference; timing and energy from the SystemC model; a report.
#include "reshare/testbench/cli_common.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/interrupt.hpp"
#include "reshare/hw/modules/waveform.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/hw/timing/energy.hpp"
#include "reshare/hw/timing/mapping.hpp"
#include "reshare/inference/engine.hpp"
#include "reshare/inference/image.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/testbench/chip_run.hpp"
#include "reshare/testbench/cr2_learn.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <future>

namespace reshare::cli {
namespace fs = std::filesystem;
namespace {

struct RunOptions {
    ModelOptions model;
    InputOptions input;
    std::string scheme;
    std::string image;
    std::string report;
    std::string outputs;   // the network's final outputs (accelerator and float reference) as JSON
    std::string csv;
    std::string layers;   // FROM:TO, weight-layer indices, inclusive
    std::string vcd;
    int pes = 0;               // > 0: overrides chip.pes (compare --equal-chip)
    std::string replication;   // overrides chip.replication
    std::string images;        // several test images: one run each (a process each), one combined report
    std::string learn;         // cr2: learning images (files and folders), profiled to allocate the input-pattern buffer
    std::string allocation;    // cr2: where the learned allocation is written (with --learn) or read from
    bool timings = false;      // print the wall time of each phase to stderr
};

// A whole-chip trace would be huge: the waveform follows at most this many CUs (the focus layers' first ones).
constexpr int kMaxTracedCus = 256;
// A detailed trace writes about this many bytes per OU activation of its CUs (measured: face_recognition's layer
// conv32_1/conv2 under rws, 4.22 M activations on its 6 CUs, 85 MB), and a warning names traces above the bound.
constexpr double kDetailedBytesPerActivation = 20;
constexpr double kTraceWarnBytes = 200e6;

// The detailed trace's expected size: the traced layers' OU activations (every vector's OUs, every input bit),
// the share of their CUs traced.
double detailed_trace_bytes(const HwConfig& config, const std::vector<std::vector<hw::WorkUnit>>& units,
                            const job::Program& program, size_t first, size_t last, double traced_share) {
    double activations = 0;
    for (size_t i = first; i <= last && i < units.size(); ++i) {
        const hw::OpDescriptor& d = program.ops[job::op_of_layer(program, int(i))].desc;
        uint64_t ous = 0;
        for (const hw::WorkUnit& u : units[i]) ous += u.ous;
        activations += double(ous) * config.input_bits * d.out_h * d.out_w;
    }
    return activations * kDetailedBytesPerActivation * traced_share;
}

Replication parse_replication_option(const std::string& v) {
    try {
        return parse_replication(v);
    } catch (const Error& e) {
        throw Error(std::string("--replication: ") + e.what());
    }
}

// Copies of each layer's weights (chip.replication): fill plans them into the chip's spare CUs and writes them into
// the layers' descriptors; none, or a chip too small for one copy of the network, keeps one copy each.
std::vector<uint32_t> replicate(const HwConfig& config, const TimingRule& rule,
                                const std::vector<std::vector<hw::WorkUnit>>& units, const std::vector<int>& cus,
                                job::Program& program, int pes) {
    std::vector<uint32_t> copies(units.size(), 1);
    if (config.replication == Replication::None) return copies;
    std::vector<double> per_vector;
    std::vector<uint32_t> vectors;
    for (size_t i = 0; i < units.size(); ++i) {
        const hw::OpDescriptor& d = program.ops[job::op_of_layer(program, int(i))].desc;
        per_vector.push_back(hw::vector_ns(config, rule, units[i]));
        vectors.push_back(d.out_h * d.out_w);
    }
    const std::vector<uint32_t> plan = hw::plan_replication(per_vector, cus, vectors, pes * config.pe_cus);
    if (plan.empty()) return copies;
    for (size_t i = 0; i < units.size(); ++i) program.ops[job::op_of_layer(program, int(i))].desc.replication = plan[i];
    return plan;
}

std::pair<size_t, size_t> layer_range(const std::string& spec, size_t n) {
    if (spec.empty()) return {0, n - 1};
    std::smatch m;
    if (!std::regex_match(spec, m, std::regex("([0-9]+):([0-9]+)")))
        throw Error("--layers: expected FROM:TO (weight-layer indices), got '" + spec + "'");
    const size_t a = std::stoul(m[1]), b = std::stoul(m[2]);
    if (a > b) throw Error("--layers: " + spec + " is reversed (FROM after TO; both inclusive)");
    if (b >= n) throw Error("--layers: " + spec + " is outside 0:" + std::to_string(n - 1));
    return {a, b};
}

nlohmann::ordered_json buffers_json(const hw::UnitCounters& c) {
    nlohmann::ordered_json j;
    for (int b = 0; b < int(hw::Buffer::Count); ++b)
        j[hw::to_string(hw::Buffer(b))] = {{"reads", c.reads[b]}, {"writes", c.writes[b]}};
    return j;
}

// Components, then dynamic and leakage (which sum to total).
nlohmann::ordered_json energy_json(const hw::EnergyBreakdown& e) {
    nlohmann::ordered_json j;
    for (const auto& [name, pj] : e.pj) j[name] = pj;
    j["dynamic"] = e.dynamic();
    j["total"] = e.total();
    return j;
}

// Writing the weights into the crossbars: before the run when the network fits, inside the layers' time when
// too few CUs force reprogramming (docs/timing.md).
nlohmann::ordered_json programming_json(const hw::OpRecord& r, const HwConfig& c) {
    return {{"time_ns", r.programming_ns}, {"energy_pj", double(r.cells_programmed) * c.program_cell_pj},
            {"cells", r.cells_programmed}};
}

nlohmann::ordered_json figures_json(const hw::OpRecord& r, const LayerMetrics& m, const hw::EnergyBreakdown& e,
                                    const HwConfig& config) {
    const hw::UnitCounters c = hw::unit_counters(r);
    nlohmann::ordered_json j;
    j["cycles"] = r.time_ns;   // 1 GHz: one cycle per ns
    j["time_ns"] = r.time_ns;
    j["energy_pj"] = energy_json(e);
    j["ou_activations"] = c.ou_activations;
    j["adc_conversions"] = c.adc_conversions;
    j["buffer_accesses"] = buffers_json(c);
    j["block_writes"] = c.block_writes;
    j["stall_cycles"] = r.stall_ns;
    // Where the time goes (docs/timing.md): each engine on the CU where it is busiest, summed over layers.
    j["time_breakdown_ns"] = {{"mvm_busy", r.mvm_ns}, {"sharing_busy", r.sharing_ns}, {"stall", r.stall_max_ns}};
    j["index_reram_reads"] = r.index_reram_reads;
    j["adds"] = r.adds;   // reram-sharing's digital adders: results added into the outputs a stored OU stands for
    // cr2's input-pattern buffer: lookups of non-zero patterns and their hits, on this run's inputs
    j["input_reuse"] = {{"lookups", r.ipr_lookups}, {"hits", r.ipr_hits},
                        {"hit_rate", r.ipr_lookups ? double(r.ipr_hits) / double(r.ipr_lookups) : 0.0}};
    // The one stall the model has: rws's MVM waiting for room in the output buffer (docs/timing.md).
    j["stall_causes"] = {{"output_buffer_full", r.stall_ns}};
    j["global_buffer_accesses"] = r.global_buffer_accesses;
    j["accumulations"] = r.accumulations;
    j["activation_ops"] = r.activation_ops;
    j["pooling_ns"] = r.pooling_ns;
    j["crossbars"] = m.crossbars;
    j["cells"] = m.cells;
    j.update(storage_figures_json(m, config));
    return j;
}

// Each op's record summed into the weight layer it belongs to: its own op, or for the ops between weight layers
// (pooling, adds, concats) the last weight layer before them (the first one for ops before any).
std::vector<hw::OpRecord> layer_records(const job::Program& program, const testbench::ChipResult& sim, size_t layers) {
    std::vector<hw::OpRecord> out(layers);
    int layer = 0;
    for (size_t i = 0; i < program.ops.size(); ++i) {
        if (program.ops[i].layer >= 0) layer = program.ops[i].layer;
        hw::add_record(out.at(size_t(layer)), sim.records[i]);
    }
    return out;
}

// Nested JSON objects as dotted column names: {"energy_pj": {"adc": 1}} -> energy_pj.adc = 1.
void flatten(const nlohmann::ordered_json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
    for (const auto& [k, v] : j.items()) {
        const std::string name = prefix.empty() ? k : prefix + "." + k;
        if (v.is_object())
            flatten(v, name, out);
        else
            out.push_back({name, v.is_string() ? v.get<std::string>() : v.dump()});
    }
}

// The columns of the layers' JSON objects, with the storage components of every scheme (storage_component_names),
// so one CSV schema serves every scheme: a component this scheme has not is 0.
std::vector<std::string> csv_columns(const nlohmann::ordered_json& layer) {
    const std::string storage = "storage_bits.";
    std::vector<std::pair<std::string, std::string>> cells;
    flatten(layer, "", cells);
    std::vector<std::string> columns;
    for (const auto& [name, value] : cells) {
        if (name.rfind(storage, 0) != 0) {
            columns.push_back(name);
        } else if (columns.empty() || columns.back().rfind(storage, 0) != 0) {
            for (const std::string& c : storage_component_names()) columns.push_back(storage + c);
            columns.push_back(storage + "total");
        }
    }
    return columns;
}

// One row per layer and a total row.
std::string csv_of(const nlohmann::ordered_json& report) {
    const std::vector<std::string> header = csv_columns(report["layers"][0]);
    std::ostringstream out;
    for (size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
    out << "\n";
    auto row = [&](const nlohmann::ordered_json& j, const std::string& name) {
        std::vector<std::pair<std::string, std::string>> cells;
        flatten(j, "", cells);
        for (const auto& [k, x] : cells)
            if (k.rfind("storage_bits.", 0) == 0 && std::find(header.begin(), header.end(), k) == header.end())
                throw std::logic_error("CSV column " + k + " is missing from storage_component_names");
        for (size_t i = 0; i < header.size(); ++i) {
            std::string v = header[i] == "name" ? name : header[i].rfind("storage_bits.", 0) == 0 ? "0" : "";
            for (const auto& [k, x] : cells)
                if (k == header[i] && k != "name") v = x;
            out << (i ? "," : "") << v;
        }
        out << "\n";
    };
    for (const auto& l : report["layers"]) row(l, l["name"].get<std::string>());
    row(report["totals"], "total");
    return out.str();
}

// What the scheme's weights cost at the network's output, on this input: against the unchanged int8 network (the
// reference itself when the scheme keeps the weights) and the float network; top-1 agreement where it classifies.
// `unchanged`: the int8 network on the unchanged weights (the reference itself for a scheme that keeps them).
nlohmann::ordered_json accuracy_json(const models::Model& model, const HwConfig& config, Scheme scheme,
                                     const inference::IntResult& reference,
                                     const inference::IntResult& unchanged, const std::vector<inference::Tensor>& float_outputs) {
    const bool changes = changes_weights(scheme);
    const inference::Tensor out = inference::dequantize(reference.nodes.back());
    const inference::Tensor int8 = inference::dequantize(unchanged.nodes.back());
    const bool classifies = model.graph->classifies;
    auto against = [&](const inference::Tensor& ref) {
        const inference::OutputAgreement a = inference::agreement(out, ref);
        nlohmann::ordered_json j;
        j["cosine"] = a.cosine;
        if (classifies) j["top1_agrees"] = a.top1_agrees(), j["top1"] = a.top1, j["reference_top1"] = a.reference_top1;
        return j;
    };
    nlohmann::ordered_json j;
    j["changes_weights"] = changes;
    j["retrained"] = false;   // no training loop: SME is training-free; ReRAM-Sharing's paper fine-tunes, we cannot
    j["vs_int8"] = against(int8);
    j["vs_float"] = against(float_outputs.back());
    const auto& q = reference.nodes.back().q;
    j["output_all_zero"] = std::all_of(q.begin(), q.end(), [](int8_t v) { return v == 0; });   // cosine 0 then
    j["min_cosine"] = config.accuracy_min_cosine;
    const double cosine = j["vs_int8"]["cosine"].get<double>();
    j["below_min_cosine"] = cosine < config.accuracy_min_cosine;
    if (cosine < config.accuracy_min_cosine)
        std::fprintf(stderr, "warning: scheme %s: output cosine similarity %.4f against the unchanged int8 network is below "
                     "accuracy.min_cosine %.4f\n", to_string(scheme), cosine, config.accuracy_min_cosine);
    return j;
}

// --images: the same run on each test image, each in its own process (one simulation per process); cr2 learns once,
// on the first, and the others use its allocation. One line per image, and one report holding every run's.
void run_images(const RunOptions& o) {
    if (!o.image.empty() || !o.vcd.empty() || !o.csv.empty()) throw Error("--images goes without --image, --vcd and --csv");
    const std::vector<std::string> images = image_list(o.images, "--images");
    if ((!o.learn.empty() || !o.allocation.empty()) && parse_scheme(o.scheme) != Scheme::Cr2)
        throw Error("--learn and --allocation go with --scheme cr2");
    if (!o.learn.empty())
        for (const std::string& l : image_list(o.learn))
            for (const std::string& t : images)
                if (fs::weakly_canonical(l) == fs::weakly_canonical(t))
                    throw Error("--learn: " + l + " is also a test image: learning and test images must be disjoint");
    check_writable("--report", o.report);
    const fs::path dir = fs::temp_directory_path() / ("reshare-images-" + std::to_string(::getpid()));
    const RemoveOnInterrupt interrupted(dir.string());
    fs::create_directories(dir);
    const std::string allocation = o.allocation.empty() ? (dir / "allocation.json").string() : o.allocation;
    nlohmann::ordered_json runs = nlohmann::ordered_json::array();
    uint64_t lookups = 0, hits = 0;
    try {
        for (size_t k = 0; k < images.size(); ++k) {
            const fs::path report = dir / ("run-" + std::to_string(k) + ".json");
            std::vector<std::string> a = {"run", "--scheme", o.scheme, "--image", images[k], "--report", report.string()};
            const std::vector<std::string> model = model_args(o.model);
            a.insert(a.end(), model.begin(), model.end());
            add_arg(a, "--layers", o.layers);
            add_arg(a, "--replication", o.replication);
            if (o.pes > 0) add_arg(a, "--pes", std::to_string(o.pes));
            if (k == 0) add_arg(a, "--learn", o.learn);
            if (!o.learn.empty() || !o.allocation.empty()) add_arg(a, "--allocation", allocation);
            if (const int status = run_self(a); status != 0)
                throw Error("--images: the run on " + images[k] + " failed (exit " + std::to_string(status) + ")",
                            ExitCode(status == 2 ? 2 : 1));
            nlohmann::ordered_json r = nlohmann::ordered_json::parse(std::ifstream(report));
            const auto& reuse = r["totals"]["input_reuse"];
            lookups += reuse["lookups"].get<uint64_t>();
            hits += reuse["hits"].get<uint64_t>();
            std::printf("%s: bit-exact; weight layers %.3f ms; input-pattern hit rate %.2f%%\n", images[k].c_str(),
                        double(r["totals"]["time_ns"].get<uint64_t>()) / 1e6, 100 * reuse["hit_rate"].get<double>());
            runs.push_back(std::move(r));
        }
    } catch (...) {
        fs::remove_all(dir);
        throw;
    }
    fs::remove_all(dir);
    nlohmann::ordered_json out;
    out["model"] = o.model.model;
    out["scheme"] = o.scheme;
    out["images"] = images;
    out["bit_exact"] = true;   // every run checks itself and fails otherwise
    out["input_reuse"] = {{"lookups", lookups}, {"hits", hits}, {"hit_rate", lookups ? double(hits) / double(lookups) : 0.0}};
    out["runs"] = runs;
    if (!o.report.empty()) write_whole(o.report, out.dump(2) + "\n");
}

// The k largest values of `t` as [class, value] pairs, largest first.
nlohmann::ordered_json top_k(const inference::Tensor& t, size_t k) {
    std::vector<size_t> order(t.data.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    k = std::min(k, order.size());
    std::partial_sort(order.begin(), order.begin() + long(k), order.end(), [&](size_t a, size_t b) { return t.data[a] > t.data[b]; });
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (size_t i = 0; i < k; ++i) out.push_back({order[i], t.data[order[i]]});
    return out;
}

// --outputs: the network's final output as the accelerator computed it (dequantized; bit-exact to the int8
// reference) and as the float reference computed it, NHWC, with the network input they came from, so another
// framework's output can be set beside them; top-5 where the network classifies (before the host's softmax).
nlohmann::ordered_json outputs_json(const models::Model& model, const std::string& input_label, const std::vector<float>& input,
                                    const inference::Tensor& accelerator, const inference::Tensor& reference) {
    const models::Shape& in = model.graph->nodes[0].out;
    nlohmann::ordered_json j;
    j["model"] = model.name;
    j["weights"] = model.weights;
    j["input"] = input_label;
    j["layout"] = "NHWC";
    j["input_shape"] = {in.h, in.w, in.c};
    j["network_input"] = input;   // after the model's preprocessing
    j["output_shape"] = {reference.h, reference.w, reference.c};
    j["accelerator"] = accelerator.data;
    j["float_reference"] = reference.data;
    if (model.graph->classifies)
        j["top5"] = {{"accelerator", top_k(accelerator, 5)}, {"float_reference", top_k(reference, 5)}};
    return j;
}

// What every scheme's run of one network on one input computes alike: the network with its input convention,
// the input, the float reference and its calibration, the quantized weights, and the int8 reference of the
// unchanged weights (the reference of every scheme that keeps the weights, the yardstick of the accuracy of those
// that change them). `reshare compare` prepares it once and forks its runs from that process (issue 10); a run
// whose options name another network or input prepares its own.
struct SharedReference {
    std::string key;   // the options it was prepared for (reference_key)
    models::Model model;
    inference::Image image;
    std::vector<float> input;
    std::vector<inference::Tensor> float_outputs;
    inference::Calibration calibration;
    std::unique_ptr<inference::QuantizedModel> quantized;   // refers to `model`
    std::unique_ptr<inference::IntResult> unchanged;        // null: not computed (a run computes its own)
};
std::unique_ptr<SharedReference> g_shared;   // set by prepare_shared_reference, before a compare forks its runs

// Everything the shared reference depends on: the model options (network, seed, configuration and its
// overrides, threads), the input convention and the image.
std::string reference_key(const ModelOptions& m, const InputOptions& in, const std::string& image) {
    std::string key;
    for (const std::vector<std::string>& part : {model_args(m), input_args(in), std::vector<std::string>{image}})
        for (const std::string& a : part) key += a + '\n';
    return key;
}

std::unique_ptr<SharedReference> prepare_reference(const ModelOptions& m, const InputOptions& in, const std::string& image,
                                                   const HwConfig& config) {
    auto r = std::make_unique<SharedReference>();
    r->key = reference_key(m, in, image);
    r->model = load_model(m);
    if (!r->model.graph) throw Error("model " + r->model.name + " has no layer graph: run needs a zoo model or its manifest");
    apply_input_options(*r->model.graph, in);
    const models::Graph& g = *r->model.graph;
    r->image = image.empty() ? inference::synthetic_image(g.nodes[0].out.h, g.nodes[0].out.w, m.seed) : inference::load_image(image);
    r->input = inference::network_input(r->image, g);
    // Each layer's float weights, made once for the float run, are quantized as it goes.
    std::vector<QuantizedMatrix> quantized(r->model.layers.size());
    r->float_outputs = inference::run_float(r->model, r->input, [&](size_t layer, const std::vector<float>& w) {
        quantized[layer] = inference::QuantizedModel::quantize_layer(r->model, layer, w, config);
    });
    r->calibration = inference::calibrate(r->float_outputs);
    r->quantized = std::make_unique<inference::QuantizedModel>(r->model, config, std::move(quantized));
    return r;
}

// The int8 network on the unchanged weights.
inference::IntResult unchanged_reference(const SharedReference& r, int threads) {
    return job::reference(*r.quantized, r.calibration, r.input, {}, threads, {});
}

void run(const RunOptions& o) {
    if (!o.images.empty()) return run_images(o);
    HwConfig config = resolve_config(o.model);
    if (o.pes > 0) config.chip_pes = o.pes, config.chip_crossbars = 0, config.mark_set("chip.pes", "command line --pes");
    if (!o.replication.empty())
        config.replication = parse_replication_option(o.replication), config.mark_set("chip.replication", "command line --replication");
    validate(config);
    const Scheme scheme = parse_scheme(o.scheme);
    check_scheme_config(config, scheme);
    check_writable("--report", o.report);
    check_writable("--outputs", o.outputs);
    check_writable("--csv", o.csv);
    check_writable("--vcd", o.vcd);
    if ((!o.learn.empty() || !o.allocation.empty()) && scheme != Scheme::Cr2) throw Error("--learn and --allocation go with --scheme cr2");
    if (!o.learn.empty()) check_writable("--allocation", o.allocation);
    check_distinct({{"--report", o.report}, {"--outputs", o.outputs}, {"--csv", o.csv}, {"--vcd", o.vcd}, {"--allocation", o.learn.empty() ? "" : o.allocation},
                    {"--vcd's save file", o.vcd.empty() ? "" : hw::gtkw_path(o.vcd)}});
    PhaseClock clock;
    std::unique_ptr<SharedReference> own;
    const bool shared = g_shared && g_shared->key == reference_key(o.model, o.input, o.image);
    if (!shared) own = prepare_reference(o.model, o.input, o.image, config);
    const SharedReference& prepared = shared ? *g_shared : *own;
    const models::Model& model = prepared.model;
    const models::Graph& g = *model.graph;
    const inference::Image& image = prepared.image;
    const std::vector<float>& input = prepared.input;
    const std::vector<inference::Tensor>& float_outputs = prepared.float_outputs;
    const inference::Calibration& calibration = prepared.calibration;
    const inference::QuantizedModel& quantized = *prepared.quantized;
    const int threads = thread_count(o.model);
    const auto [first, last] = layer_range(o.layers, model.layers.size());
    const std::string input_label = o.image.empty() ? "synthetic (seed " + std::to_string(o.model.seed) + ")" : o.image;
    Progress progress;
    clock.lap(shared ? "load model, float reference and quantization (shared)" : "load model, float reference and quantization");

    std::vector<CompressedLayer> layers = job::compress_layers(quantized, config, scheme, threads, [&](size_t i, size_t n) {
        progress.show("compressing " + model.layers[i].name, i, n);
    });
    std::vector<std::vector<hw::WorkUnit>> units;
    // cr2: the input-pattern buffer, learned on SL images (kept apart from the test image) or read from a file.
    nlohmann::ordered_json reuse_json;
    if (!o.learn.empty()) {
        const std::vector<std::string> sl = image_list(o.learn);
        for (const std::string& f : sl)
            if (!o.image.empty() && fs::weakly_canonical(f) == fs::weakly_canonical(o.image))
                throw Error("--learn: " + f + " is also the test --image: learning and test images must be disjoint");
        progress.show("learning input patterns", 0, 1);
        const cr2::Allocation a = learn_allocation(model, config, quantized, layers, sl, threads);
        apply_allocation(a, "learned", layers);
        if (!o.allocation.empty()) cr2::write_allocation(o.allocation, a);
        reuse_json = {{"learning_images", sl.size()}, {"capacity_bytes", a.capacity_bytes}, {"used_bytes", a.used_bytes()}};
    } else if (!o.allocation.empty()) {
        const cr2::Allocation a = cr2::read_allocation(o.allocation);
        apply_allocation(a, o.allocation, layers);
        reuse_json = {{"allocation", o.allocation}, {"learning_images", a.learning_images.size()},
                      {"capacity_bytes", a.capacity_bytes}, {"used_bytes", a.used_bytes()}};
    }
    // The mapping and storage need only what units hold; replication also times them.
    for (const CompressedLayer& l : layers)
        units.push_back(config.replication == Replication::Fill ? hw::work_units(l, config) : hw::unit_holdings(l, config));
    clock.lap("compression and mapping");
    const bool changes = changes_weights(scheme);

    // The accelerator runs the whole network from the input tensor: every op's output comes back for the check.
    job::Program program = job::compile_network(g, quantized, calibration, layers, inference::quantize_input(g, calibration, input).q);
    const TimingRule rule = scheme_def(scheme).layer_timing(layers.front());   // one rule: every layer has the same scheme and config
    std::vector<int> layer_cus;   // one copy of each layer, as the controller maps it
    for (size_t i = 0; i < units.size(); ++i) layer_cus.push_back(job::cus_used(config, rule, units, i, i + 1));
    int resident_cus = 0;
    for (int c : layer_cus) resident_cus += c;
    const int pes = config.sized_pes() > 0 ? config.sized_pes() : job::pes_for(config, resident_cus);
    if (long(pes) * config.pe_cus > kMaxChipCus)
        throw Error("the chip holding " + model.name + " with " + to_string(scheme) + " needs " + std::to_string(pes) + " PEs of " +
                    std::to_string(config.pe_cus) + " CUs, more than the " + std::to_string(kMaxChipCus) +
                    " CUs this model builds: set chip.pes or chip.crossbars to a smaller chip (layers then reprogram)");
    const std::vector<uint32_t> copies = replicate(config, rule, units, layer_cus, program, pes);
    // What the report needs of the compressed layers, before they are released: the accelerator reads them from
    // its memory, and the host's copies (0.7 GB for a dense VGG16) would only raise the run's peak.
    std::vector<LayerMetrics> metrics;
    std::vector<std::string> layer_names;
    for (size_t i = 0; i < layers.size(); ++i) metrics.push_back(measure(layers[i], config, units[i])), layer_names.push_back(layers[i].name);
    const size_t layer_count = layers.size();
    // The references run on the other core while the chip is built and simulated: nothing before the check needs
    // them. The reference is the same int8 network with uncompressed integer products, of the scheme's effective
    // weights when it changes them (the accelerator must match those bit for bit); such a scheme also needs the
    // unchanged network, the yardstick of what the change costs. The task owns the compressed layers and frees
    // them as soon as it has their effective weights, before the reference runs: they are the host's copies of what
    // the accelerator reads from its memory (hundreds of MB on VGG16), and a ReShare VGG16's millions of table
    // entries take a second to free.
    struct References {
        std::unique_ptr<inference::IntResult> reference, unchanged;   // null: the shared one
    };
    std::future<References> references = std::async(std::launch::async, [&, owned = std::move(layers)]() mutable {
        References r;
        std::vector<QuantizedMatrix> effective = job::effective_weights(quantized, owned);
        std::vector<CompressedLayer>().swap(owned);
        if (changes || !prepared.unchanged)
            r.reference = std::make_unique<inference::IntResult>(job::reference_of(quantized, calibration, input, effective, threads));
        std::vector<QuantizedMatrix>().swap(effective);   // not needed by the unchanged network's reference
        if (changes && !prepared.unchanged) r.unchanged = std::make_unique<inference::IntResult>(unchanged_reference(prepared, threads));
        return r;
    });
    clock.lap("program and replication");
    // CUs the layers [from, to) take with their copies: the controller maps layers onto CUs in order, each from a
    // fresh CU, so the focus layers start after the CUs of the layers before them.
    auto cus_of = [&](size_t from, size_t to) {
        int n = 0;
        for (size_t i = from; i < to; ++i) n += int(copies[i]) * layer_cus[i];
        return n;
    };
    testbench::TraceOptions trace{o.vcd, cus_of(0, first), std::min(kMaxTracedCus, cus_of(first, last + 1)),
                                  int(first), int(last), {}};
    // The save file's four CUs, spread over the traced layers: each layer's first CU, then each one's second, ...
    const int chip_cus = pes * config.pe_cus, traced_end = trace.first_cu + trace.cus;
    for (int k = 0; trace.shown.size() < 4 && k < 4; ++k)
        for (size_t i = first; i <= last && trace.shown.size() < 4; ++i) {
            const int cu = cus_of(0, i) + k;
            if (cu < cus_of(0, i + 1) && cu < traced_end) trace.shown.push_back(cu % chip_cus);
        }
    if (!o.vcd.empty() && config.sim_mode == SimMode::Detailed) {
        const double bytes = detailed_trace_bytes(config, units, program, first, last,
                                                  double(trace.cus) / std::max(1, cus_of(first, last + 1)));
        if (bytes > kTraceWarnBytes)
            std::fprintf(stderr, "warning: --vcd: the detailed trace of layers %zu-%zu will be about %.0f MB (%d CUs); "
                         "--layers picks fewer layers\n", first, last, bytes / 1e6, trace.cus);
    }
    const testbench::ChipResult sim = testbench::simulate_chip(
        config, pes, program, trace, [&](size_t done, size_t ops) {
            const job::ProgramOp& op = program.ops[done - 1];
            progress.show("accelerator: " + g.nodes[size_t(op.node)].name, done, ops);
        },
        [&](int built, int all) {
            progress.show("building the chip's PEs", size_t(built), size_t(all));
            if (built == all) clock.lap("building the chip");
        },
        hw::buffers_used(rule, config));
    clock.lap("simulation");
    const References refs = references.get();
    const inference::IntResult& reference = refs.reference ? *refs.reference : *prepared.unchanged;
    // The accuracy's yardstick, the unchanged int8 network: the reference itself for a scheme that keeps the weights.
    const inference::IntResult& unchanged = !changes ? reference : refs.unchanged ? *refs.unchanged : *prepared.unchanged;
    clock.lap(refs.reference ? "integer references (their wait after the simulation)" : "integer reference (shared)");
    try {
        testbench::check_outputs(g, to_string(scheme), sim, reference);
    } catch (const Error&) {
        if (!o.vcd.empty()) std::remove(o.vcd.c_str()), std::remove(hw::gtkw_path(o.vcd).c_str());   // nothing half-written
        throw;
    }
    progress.end();

    nlohmann::ordered_json report = header_json(model, config);
    report["scheme"] = to_string(scheme);
    report["input"] = input_label;
    report["input_preprocessing"] = preprocessing_json(g.input_norm);
    if (!o.image.empty()) report["input_preprocessing"]["original_size"] = {image.h, image.w};
    report["input_preprocessing"]["network_size"] = {g.nodes[0].out.h, g.nodes[0].out.w};
    report["bit_exact"] = true;   // check_outputs would have thrown at the first differing output
    if (!reuse_json.is_null()) report["input_reuse"] = reuse_json;
    report["accuracy"] = accuracy_json(model, config, scheme, reference, unchanged, float_outputs);
    report["pes"] = sim.pes;
    // holds_network: one copy of every layer fits (else layers reprogram crossbars during the run).
    const bool holds_network = resident_cus <= sim.cus;
    report["chip"] = {{"pes", sim.pes}, {"cus", sim.cus}, {"crossbars", long(sim.pes) * config.crossbars_per_pe()},
                      {"replication", to_string(config.replication)}, {"network_cus", resident_cus},
                      {"holds_network", holds_network}};
    report["config"] = config_json(config);
    const std::vector<hw::OpRecord> records = layer_records(program, sim, layer_count);
    const int occupied = std::min(sim.cus, cus_of(0, units.size()));   // CUs holding weights
    LayerMetrics total_metrics;
    hw::EnergyBreakdown total_energy;
    hw::OpRecord total;
    nlohmann::ordered_json per_layer = nlohmann::ordered_json::array();
    for (size_t i = first; i <= last; ++i) {
        const hw::OpRecord& r = records[i];
        const LayerMetrics& m = metrics[i];
        const double leak = hw::leaking_cu_ns(config, double(r.time_ns), sim.cus, occupied, double(r.cu_busy_ns));
        hw::EnergyBreakdown e = hw::energy(config, hw::unit_counters(r), leak, hw::periphery_counters(r));
        // A chip that does not hold the network rewrites every layer's crossbars in each inference: that energy is
        // the run's (a chip that holds it programs once, before inference: `programming`).
        e.pj.push_back({"reprogramming", holds_network ? 0.0 : double(r.cells_programmed) * config.program_cell_pj});
        total_metrics.add(m);
        total_energy.add(e);
        hw::add_record(total, r);
        const hw::OpDescriptor& d = program.ops[job::op_of_layer(program, int(i))].desc;
        nlohmann::ordered_json l;
        l["name"] = layer_names[i];
        l["vectors"] = uint64_t(d.out_h) * d.out_w;
        l["replication"] = copies[i];
        l.update(figures_json(r, m, e, config));
        l["programming"] = programming_json(r, config);
        per_layer.push_back(l);
    }
    report["totals"] = figures_json(total, total_metrics, total_energy, config);
    report["totals"]["job_time_ns"] = sim.job_time_ns;   // the whole network, DMA of descriptors, images and tensors included
    report["totals"]["programming"] = programming_json(total, config);
    report["layers"] = per_layer;

    if (!o.report.empty()) write_whole(o.report, report.dump(2) + "\n");
    if (!o.outputs.empty())
        write_whole(o.outputs, outputs_json(model, input_label, input, inference::dequantize(reference.nodes.back()), float_outputs.back()).dump() + "\n");
    if (!o.csv.empty()) write_whole(o.csv, csv_of(report));
    clock.lap("check and report");
    if (o.timings) {
        std::fprintf(stderr, "wall time: %s\n", clock.summary().c_str());
        if (sim.detailed_events > 0)
            std::fprintf(stderr, "detailed mode: %llu engine events in the simulation phase\n",
                         static_cast<unsigned long long>(sim.detailed_events));
    }
    // The weight layers reported (all, or --layers' range, inclusive) against the whole job, in ms and uJ.
    const std::string span = o.layers.empty() ? "weight layers" : "layers " + std::to_string(first) + "-" + std::to_string(last);
    std::printf("%s (%s weights), scheme %s, input %s: bit-exact over %zu nodes (%zu weight layers); %s: %.3f ms and "
                "%.3f uJ of a %.3f ms job on %d PE(s)\n",
                model.name.c_str(), model.weights.c_str(), to_string(scheme), input_label.c_str(), g.nodes.size() - 1,
                model.layers.size(), span.c_str(), double(total.time_ns) / 1e6, total_energy.total() / 1e6,
                double(sim.job_time_ns) / 1e6, sim.pes);
}

}  // namespace

void prepare_shared_reference(const ModelOptions& m, const InputOptions& in, const std::string& image) {
    g_shared = prepare_reference(m, in, image, resolve_config(m));
    g_shared->unchanged = std::make_unique<inference::IntResult>(unchanged_reference(*g_shared, thread_count(m)));
}

void register_run(CLI::App& app) {
    auto opts = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "run a whole network on the accelerator model, bit-exact, with timing");
    add_model_options(*cmd, opts->model);
    add_input_options(*cmd, opts->input);
    cmd->add_option("-s,--scheme", opts->scheme, scheme_names())->required();
    cmd->add_option("--image", opts->image, "JPEG or PNG input, resized bilinearly to the network's input plane (--resize) "
                                            "(default: a seeded synthetic image, labeled)");
    cmd->add_option("--report", opts->report, "write the JSON report here");
    cmd->add_option("--outputs", opts->outputs,
                    "write the network's final outputs here (JSON): the accelerator's, dequantized, and the float "
                    "reference's, with the network input and top-5 where it classifies");
    cmd->add_option("--csv", opts->csv, "write the per-layer figures as CSV here (one row per layer, then the total)");
    cmd->add_option("--layers", opts->layers, "FROM:TO weight layers (0-based, both inclusive) to report, trace (--vcd) and simulate "
                                              "event by event when sim.mode is detailed; the whole network always runs");
    cmd->add_option("--pes", opts->pes, "chip size in PEs (overrides chip.pes; compare --equal-chip sets it)")
        ->check(CLI::Range(1, 65536));
    cmd->add_option("--replication", opts->replication, "none or fill (overrides chip.replication)");
    cmd->add_option("--images", opts->images,
                    "several test images (comma-separated files and folders): one run each, one report of all");
    cmd->add_option("--learn", opts->learn,
                    "cr2: learning images (comma-separated files and folders) to allocate the input-pattern buffer on");
    cmd->add_option("--allocation", opts->allocation,
                    "cr2: write the learned allocation here (with --learn), or run with the one in this file");
    cmd->add_flag("--timings", opts->timings, "print the wall time of each phase of the run to stderr");
    cmd->add_option("--vcd", opts->vcd, "write a VCD waveform of the --layers layers, and next to it a GTKWave save file (gtkwave FILE.vcd FILE.gtkw)");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace reshare::cli
