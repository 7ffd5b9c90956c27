// reshare compress: one compressed layer image per weight layer plus summary.json, for one scheme.
#include "reshare/testbench/cli_common.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/interrupt.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/testbench/cr2_learn.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <iostream>
#include <regex>

namespace reshare::cli {
namespace fs = std::filesystem;
namespace {

struct CompressOptions {
    ModelOptions model;
    std::string scheme;
    std::string out;
    std::string learn;   // cr2: learning images for its input-pattern buffer (the images get the entries)
    bool json = false;
};

nlohmann::ordered_json metrics_json(const LayerMetrics& m, const HwConfig& config) {
    nlohmann::ordered_json j;
    j["crossbars"] = m.crossbars;
    j["cells"] = m.cells;
    j["ou_activations_per_input"] = m.ou_activations_per_input;
    j.update(storage_figures_json(m, config));
    j["compression_vs_dense"] = m.cells ? double(m.dense_cells) / double(m.cells) : 0.0;
    return j;
}

std::string image_name(size_t index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "layer-%03zu.rsl", index);
    return buf;
}

// Only a folder that a previous `compress` wrote (or an empty one) is replaced.
void check_replaceable(const fs::path& out) {
    if (!fs::exists(out)) return;
    if (!fs::is_directory(out)) throw Error("output " + out.string() + " exists and is not a directory");
    const std::regex ours("summary\\.json|allocation\\.json|layer-[0-9]+\\.rsl");
    for (const auto& e : fs::directory_iterator(out))
        if (!std::regex_match(e.path().filename().string(), ours))
            throw Error("output directory " + out.string() + " holds files compress did not write (" +
                        e.path().filename().string() + "); choose another -o");
}

// How far a scheme that changes the weights (sme, reram-sharing) moved them, in int8 steps: the network-level cost is
// what `run` measures on an image (docs/schemes.md).
struct WeightChange {
    uint64_t weights = 0, changed = 0;
    double squared = 0;
    void add(const QuantizedMatrix& original, const QuantizedMatrix& effective) {
        for (size_t k = 0; k < original.q.size(); ++k) {
            const double e = double(effective.q[k]) - original.q[k];
            changed += e != 0;
            squared += e * e;
        }
        weights += original.q.size();
    }
    nlohmann::ordered_json json() const {
        return {{"changed_fraction", weights ? double(changed) / double(weights) : 0.0},
                {"rms_error", weights ? std::sqrt(squared / double(weights)) : 0.0}};
    }
};

nlohmann::ordered_json compress_all(const CompressOptions& o, const fs::path& staging) {
    const HwConfig config = resolve_config(o.model);
    const Scheme scheme = parse_scheme(o.scheme);
    check_scheme_config(config, scheme);   // before loading the model: a bad combination fails at once
    if (!o.learn.empty() && scheme != Scheme::Cr2) throw Error("--learn goes with --scheme cr2");
    const models::Model model = load_model(o.model);
    const int threads = thread_count(o.model);

    nlohmann::ordered_json summary = header_json(model, config);
    summary["scheme"] = to_string(scheme);
    summary["config"] = config_json(config);
    summary["changes_weights"] = changes_weights(scheme);
    LayerMetrics total;
    WeightChange total_change;
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    // Each image is written in the background while the next layer is compressed; at most one write is pending.
    std::future<void> writing;
    Progress progress;
    auto emit = [&](size_t i, std::shared_ptr<CompressedLayer> layer, const QuantizedMatrix& q) {
        progress.show("compressed " + q.name, i + 1, model.layers.size());
        const LayerMetrics m = measure(*layer, config);
        if (writing.valid()) writing.get();
        writing = std::async(std::launch::async, [layer, path = (staging / image_name(i)).string()] {
            write_layer_image(path, *layer);
        });
        total.add(m);
        nlohmann::ordered_json l;
        l["name"] = q.name;
        l["file"] = image_name(i);
        l["rows"] = q.rows;
        l["cols"] = q.cols;
        l["groups"] = q.groups;
        l.update(metrics_json(m, config));
        if (changes_weights(scheme)) {
            const QuantizedMatrix effective = effective_matrix(*layer, q);
            WeightChange change;
            change.add(q, effective);
            total_change.add(q, effective);
            l["weight_change"] = change.json();
        }
        layers.push_back(l);
    };
    if (o.learn.empty()) {
        for_each_layer(model, config, threads, [&](size_t i, const QuantizedMatrix& q) {
            emit(i, std::make_shared<CompressedLayer>(compress(q, config, scheme, threads)), q);
        });
    } else {
        // cr2 learning needs the whole network: compress every layer, learn the buffer on the images, then write.
        if (!model.graph) throw Error("model " + model.name + " has no layer graph: --learn runs the network");
        const inference::QuantizedModel quantized(model, config);
        std::vector<CompressedLayer> all;
        for (size_t i = 0; i < model.layers.size(); ++i) all.push_back(compress(quantized.weights(i), config, scheme, threads));
        const std::vector<std::string> images = image_list(o.learn);
        const cr2::Allocation a = learn_allocation(model, config, quantized, all, images, threads);
        apply_allocation(a, "learned", all);
        cr2::write_allocation((staging / "allocation.json").string(), a);
        summary["input_reuse"] = {{"learning_images", images.size()}, {"capacity_bytes", a.capacity_bytes},
                                  {"used_bytes", a.used_bytes()}, {"allocation", "allocation.json"}};
        for (size_t i = 0; i < all.size(); ++i) emit(i, std::make_shared<CompressedLayer>(std::move(all[i])), quantized.weights(i));
    }
    if (writing.valid()) writing.get();
    progress.end();
    summary["totals"] = metrics_json(total, config);
    if (changes_weights(scheme)) summary["totals"]["weight_change"] = total_change.json();
    summary["layers"] = layers;
    return summary;
}

void print_summary(const nlohmann::ordered_json& s, const std::string& out) {
    const auto& t = s["totals"];
    std::printf("%s (%s weights), scheme %s, encoding %s: %zu layers -> %s\n", s["model"].get<std::string>().c_str(),
                s["weights"].get<std::string>().c_str(), s["scheme"].get<std::string>().c_str(),
                s["encoding"].get<std::string>().c_str(), s["layers"].size(), out.c_str());
    std::printf("  crossbars %llu, cells %llu, OU activations per input bit %llu, storage %llu bits, "
                "compression vs dense %.3fx\n",
                t["crossbars"].get<unsigned long long>(), t["cells"].get<unsigned long long>(),
                t["ou_activations_per_input"].get<unsigned long long>(),
                t["storage_bits"]["total"].get<unsigned long long>(), t["compression_vs_dense"].get<double>());
}

void run(const CompressOptions& o) {
    if (o.out.empty()) throw Error("-o: the output directory's name is empty");
    const fs::path out(o.out);
    check_replaceable(out);
    // Everything is written to a staging folder and renamed at the end: a failure leaves nothing half-written.
    const fs::path staging = out.string() + ".partial-" + std::to_string(::getpid());
    std::error_code ec;
    const RemoveOnInterrupt interrupted(staging.string());   // registered before it exists: nothing can slip past
    fs::create_directories(staging, ec);
    if (ec) throw Error("cannot create output directory " + staging.string() + ": " + ec.message());
    try {
        const nlohmann::ordered_json summary = compress_all(o, staging);
        write_whole((staging / "summary.json").string(), summary.dump(2) + "\n");
        fs::remove_all(out);
        fs::rename(staging, out);
        if (o.json)
            std::cout << summary.dump(2) << "\n";
        else
            print_summary(summary, out.string());
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
}

}  // namespace

void register_compress(CLI::App& app) {
    auto opts = std::make_shared<CompressOptions>();
    CLI::App* cmd = app.add_subcommand("compress", "compress every weight layer with one scheme into layer images");
    add_model_options(*cmd, opts->model);
    cmd->add_option("-s,--scheme", opts->scheme, scheme_names())->required();
    cmd->add_option("-o,--out", opts->out, "output directory (layer-NNN.rsl images and summary.json)")->required();
    cmd->add_flag("--json", opts->json, "print summary.json to stdout as well");
    cmd->add_option("--learn", opts->learn,
                    "cr2: learning images (comma-separated files and folders); the images carry the learned input-pattern "
                    "buffer and allocation.json records it");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace reshare::cli
