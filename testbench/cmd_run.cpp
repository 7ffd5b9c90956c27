// reshare run: a whole network on the accelerator model, layer by layer, on a real image: every layer's
// outputs computed through the compressed datapath and checked bit for bit against the reference integer
// inference; timing from the SystemC model; a JSON report.
#include "testbench/cli_common.hpp"

#include "common/error.hpp"
#include "hw/timing/cu_pipeline.hpp"
#include "hw/timing/energy.hpp"
#include "inference/engine.hpp"
#include "inference/image.hpp"
#include "offline/functional.hpp"
#include "offline/layer_image.hpp"
#include "offline/metrics.hpp"
#include "testbench/chip_run.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

namespace reshare::cli {
namespace {

struct RunOptions {
    ModelOptions model;
    std::string scheme;
    std::string image;
    std::string report;
    std::string csv;
    std::string layers;   // FROM:TO, weight-layer indices, inclusive
    std::string vcd;
};

// A whole-chip trace would be huge: the waveform follows at most this many CUs (the first ones mapped).
constexpr int kMaxTracedCus = 256;

struct Progress {
    bool tty = isatty(STDERR_FILENO);
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    void show(const std::string& what, size_t done, size_t total) const {
        if (!tty) return;
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "\r%-40.40s %3zu%%  %6.1f s", what.c_str(), total ? 100 * done / total : 100, s);
        std::fflush(stderr);
    }
    void end() const {
        if (tty) std::fprintf(stderr, "\n");
    }
};

std::pair<size_t, size_t> layer_range(const std::string& spec, size_t n) {
    if (spec.empty()) return {0, n - 1};
    std::smatch m;
    if (!std::regex_match(spec, m, std::regex("([0-9]+):([0-9]+)")))
        throw Error("--layers: expected FROM:TO (weight-layer indices), got '" + spec + "'");
    const size_t a = std::stoul(m[1]), b = std::stoul(m[2]);
    if (a > b || b >= n) throw Error("--layers: " + spec + " is outside 0:" + std::to_string(n - 1));
    return {a, b};
}

// Compares the compressed datapath's accumulators with the reference; the first difference is an error.
void check_layer(const std::string& name, Scheme scheme, const std::vector<int64_t>& got,
                 const std::vector<int64_t>& want, int cols) {
    for (size_t i = 0; i < want.size(); ++i)
        if (got[i] != want[i])
            throw Error("layer " + name + ": output " + std::to_string(i / cols) + "," + std::to_string(i % cols) +
                            " is " + std::to_string(got[i]) + " through the " + to_string(scheme) +
                            " datapath but " + std::to_string(want[i]) + " in the reference inference",
                        ExitCode::Failure);
}

nlohmann::ordered_json buffers_json(const hw::UnitCounters& c) {
    nlohmann::ordered_json j;
    for (int b = 0; b < int(hw::Buffer::Count); ++b)
        j[hw::to_string(hw::Buffer(b))] = {{"reads", c.reads[b]}, {"writes", c.writes[b]}};
    return j;
}

nlohmann::ordered_json energy_json(const hw::EnergyBreakdown& e) {
    nlohmann::ordered_json j;
    for (const auto& [name, pj] : e.pj) j[name] = pj;
    j["total"] = e.total();
    return j;
}

// Writing the weights into the crossbars: before the run when the network fits, inside the layers' time when
// too few CUs force reprogramming (docs/timing.md).
nlohmann::ordered_json programming_json(const hw::LayerRecord& r, const HwConfig& c) {
    return {{"time_ns", r.programming_ns}, {"energy_pj", double(r.cells_programmed) * c.program_cell_pj},
            {"cells", r.cells_programmed}};
}

nlohmann::ordered_json figures_json(uint64_t time_ns, const hw::UnitCounters& c, double stall_ns,
                                    const LayerMetrics& m, const hw::EnergyBreakdown& e) {
    nlohmann::ordered_json j;
    j["cycles"] = time_ns;   // 1 GHz: one cycle per ns
    j["time_ns"] = time_ns;
    j["energy_pj"] = energy_json(e);
    j["ou_activations"] = c.ou_activations;
    j["adc_conversions"] = c.adc_conversions;
    j["buffer_accesses"] = buffers_json(c);
    j["block_writes"] = c.block_writes;
    j["stall_cycles"] = uint64_t(stall_ns + 0.5);
    // The one stall the model has: rws's MVM waiting for room in the output buffer (docs/timing.md).
    j["stall_causes"] = {{"output_buffer_full", uint64_t(stall_ns + 0.5)}};
    j["crossbars"] = m.crossbars;
    j["cells"] = m.cells;
    nlohmann::ordered_json storage;
    for (const auto& [name, bits] : m.storage_bits) storage[name] = bits;
    storage["total"] = m.storage_total();
    j["storage_bits"] = storage;
    return j;
}

// Values each weight layer's following pooling nodes read (a pool is charged to the last weight layer before it).
std::vector<uint32_t> pool_reads(const models::Graph& g, const inference::IntResult& r) {
    std::vector<uint32_t> reads(r.layers.size(), 0);
    size_t layer = 0;
    for (int n = 0; n < int(g.nodes.size()); ++n) {
        while (layer + 1 < r.layers.size() && r.layers[layer + 1].node <= n) ++layer;
        const models::Node& node = g.nodes[n];
        if (node.kind == models::OpKind::MaxPool || node.kind == models::OpKind::AvgPool ||
            node.kind == models::OpKind::GlobalAvgPool)
            reads[layer] += uint32_t(node.out.elements() * node.kh * node.kw);
    }
    return reads;
}

// The shared units' work for one layer, as the controller asks it of them.
hw::PeripheryCounters periphery_of(const HwConfig& c, const CompressedLayer& l, const testbench::ChipLayer& chip) {
    const uint64_t width = uint64_t(c.global_buffer_width_bytes), outputs = uint64_t(chip.vectors) * l.geo.cols;
    hw::PeripheryCounters p;
    p.global_buffer_accesses = (chip.input_bytes + width - 1) / width + (outputs + width - 1) / width;
    p.accumulations = uint64_t(chip.vectors) * l.geo.domains() * l.geo.group_bitcols();
    p.pooling_ns = std::ceil(double(chip.pool_reads) / c.pooling_lanes);
    return p;
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

// One row per layer and a total row, the columns of the layers' JSON objects.
std::string csv_of(const nlohmann::ordered_json& report) {
    std::vector<std::pair<std::string, std::string>> header;
    flatten(report["layers"][0], "", header);
    std::ostringstream out;
    for (size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i].first;
    out << "\n";
    auto row = [&](const nlohmann::ordered_json& j, const std::string& name) {
        std::vector<std::pair<std::string, std::string>> cells;
        flatten(j, "", cells);
        for (size_t i = 0; i < header.size(); ++i) {
            std::string v = header[i].first == "name" ? name : "";
            for (const auto& [k, x] : cells)
                if (k == header[i].first && k != "name") v = x;
            out << (i ? "," : "") << v;
        }
        out << "\n";
    };
    for (const auto& l : report["layers"]) row(l, l["name"].get<std::string>());
    row(report["totals"], "total");
    return out.str();
}

void run(const RunOptions& o) {
    const HwConfig config = resolve_config(o.model);
    const Scheme scheme = parse_scheme(o.scheme);
    const models::Model model = models::load_model(o.model.model, o.model.seed);
    if (!model.graph) throw Error("model " + model.name + " has no layer graph: run needs a zoo model or its manifest");
    const int threads = thread_count(o.model);
    const auto [first, last] = layer_range(o.layers, model.layers.size());
    Progress progress;

    const models::Graph& g = *model.graph;
    const inference::Image image = o.image.empty() ? inference::synthetic_image(g.nodes[0].out.h, g.nodes[0].out.w, o.model.seed)
                                                   : inference::load_image(o.image);
    const std::string input_label = o.image.empty() ? "synthetic (seed " + std::to_string(o.model.seed) + ")" : o.image;
    const std::vector<float> input = inference::network_input(image, g);
    const inference::Calibration calibration = inference::calibrate(model, input);
    const inference::QuantizedModel quantized(model, config);

    std::vector<CompressedLayer> layers(model.layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
        progress.show("compressing " + model.layers[i].name, i, layers.size());
        layers[i] = compress(quantized.weights(i), config, scheme, threads);
    }
    // Layers the model times get their input vectors through the accelerator model (DMA in, CUs compute, DMA out)
    // and are checked against these references after the simulation; the others are checked here directly.
    std::vector<std::vector<int8_t>> sim_inputs(layers.size());
    std::vector<std::vector<int64_t>> reference(layers.size());
    const inference::MvmFn through_hardware = [&](size_t i, const QuantizedMatrix& w, const std::vector<int32_t>& vectors,
                                                  int n, std::vector<int64_t>& acc) {
        progress.show("layer " + w.name, i, layers.size());
        inference::integer_mvm(w, vectors, n, acc, threads);
        if (i >= first && i <= last) {
            sim_inputs[i].assign(vectors.begin(), vectors.end());   // int8 activations
            reference[i] = acc;
            return;
        }
        std::vector<int64_t> got(acc.size());
        FastDatapath(layers[i]).run(vectors.data(), n, got.data());
        check_layer(w.name, scheme, got, acc, w.cols);
    };
    const inference::IntResult result = inference::run_int(quantized, calibration, input, through_hardware);

    progress.show("timing on the SystemC model", 0, 1);
    std::vector<testbench::ChipLayer> chip;
    std::vector<std::vector<hw::WorkUnit>> units;
    const std::vector<uint32_t> pooled = pool_reads(g, result);
    for (size_t i = first; i <= last; ++i) {
        const models::Node& node = g.nodes[result.layers[i].node];
        chip.push_back({encode_layer_image(layers[i]), uint32_t(result.layers[i].n_vectors),
                        uint32_t(g.nodes[node.inputs[0]].out.elements()), pooled[i], std::move(sim_inputs[i]),
                        uint32_t(reference[i].size())});
        units.push_back(hw::work_units(layers[i]));
    }
    const int pes = config.chip_pes > 0 ? config.chip_pes : testbench::pes_to_hold(config, units);
    const int traced = std::min(kMaxTracedCus, testbench::cus_used(config, units));
    const testbench::ChipResult sim = testbench::simulate_chip(config, pes, chip, o.vcd, traced, int(first));
    for (size_t i = first; i <= last; ++i) {
        const std::vector<int32_t>& got = sim.outputs[i - first];
        check_layer(layers[i].name, scheme, std::vector<int64_t>(got.begin(), got.end()), reference[i], layers[i].geo.cols);
    }
    progress.end();

    nlohmann::ordered_json report = header_json(model, config);
    report["scheme"] = to_string(scheme);
    report["input"] = input_label;
    report["bit_exact"] = true;   // run_int would have thrown at the first differing output
    report["pes"] = sim.pes;
    report["config"] = config_json(config);
    LayerMetrics total_metrics;
    hw::EnergyBreakdown total_energy;
    nlohmann::ordered_json per_layer = nlohmann::ordered_json::array();
    for (size_t i = first; i <= last; ++i) {
        const hw::CuPipeline cu(config, scheme);
        hw::UnitCounters c;
        double stall = 0;
        for (const hw::WorkUnit& u : units[i - first]) {
            const hw::UnitTiming t = cu.run(u);
            c.add(t.counters, result.layers[i].n_vectors);
            stall += t.stall_ns * result.layers[i].n_vectors;
        }
        const LayerMetrics m = measure(layers[i]);
        total_metrics.add(m);
        nlohmann::ordered_json l;
        l["name"] = layers[i].name;
        l["vectors"] = result.layers[i].n_vectors;
        const uint64_t t = sim.records[i - first].time_ns;
        const hw::EnergyBreakdown e = hw::energy(config, c, double(t), sim.cus, periphery_of(config, layers[i], chip[i - first]));
        total_energy.add(e);
        l.update(figures_json(t, c, stall, m, e));
        l["programming"] = programming_json(sim.records[i - first], config);
        per_layer.push_back(l);
    }
    uint64_t time_ns = 0;
    for (const auto& r : sim.records) time_ns += r.time_ns;
    report["totals"] = figures_json(time_ns, sim.counters, sim.stall_ns, total_metrics, total_energy);
    report["totals"]["job_time_ns"] = sim.job_time_ns;   // including DMA of descriptors and images
    hw::LayerRecord all{};
    for (const auto& r : sim.records) {
        all.programming_ns += r.programming_ns;
        all.cells_programmed += r.cells_programmed;
    }
    report["totals"]["programming"] = programming_json(all, config);
    report["layers"] = per_layer;

    if (!o.report.empty()) write_whole(o.report, report.dump(2) + "\n");
    if (!o.csv.empty()) write_whole(o.csv, csv_of(report));
    std::printf("%s (%s weights), scheme %s, input %s: bit-exact over %zu layers; %llu ns simulated on %d PE(s)\n",
                model.name.c_str(), model.weights.c_str(), to_string(scheme), input_label.c_str(), model.layers.size(),
                (unsigned long long)time_ns, sim.pes);
}

}  // namespace

void register_run(CLI::App& app) {
    auto opts = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "run a whole network on the accelerator model, bit-exact, with timing");
    add_model_options(*cmd, opts->model);
    cmd->add_option("-s,--scheme", opts->scheme, "dense, orc, rws or reshare")->required();
    cmd->add_option("--image", opts->image, "JPEG or PNG input (default: a seeded synthetic image, labeled)");
    cmd->add_option("--report", opts->report, "write the JSON report here");
    cmd->add_option("--csv", opts->csv, "write the per-layer figures as CSV here (one row per layer, then the total)");
    cmd->add_option("--layers", opts->layers, "FROM:TO weight layers to time, trace and report (all are computed)");
    cmd->add_option("--vcd", opts->vcd, "write a VCD waveform of the timed layers (open with docs/reshare.gtkw)");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace reshare::cli
