// reshare stats: OU-column pattern statistics per layer and for the whole model (the paper's Fig. 3).
#include "reshare/testbench/cli_common.hpp"

#include "reshare/offline/stats.hpp"

#include <cstdio>
#include <iostream>

namespace reshare::cli {
namespace {

struct StatsOptions {
    ModelOptions model;
    bool json = false;
    std::string report;   // the JSON also to this file
};

nlohmann::ordered_json stats_json(const PatternStats& s) {
    nlohmann::ordered_json j;
    j["ou_columns"] = s.ou_columns;
    j["zero_share"] = s.zero_share;
    j["top8_share"] = s.top8_share;
    j["top32_share"] = s.top32_share;
    j["nonzero_top8_share"] = s.nonzero_top8_share;
    j["nonzero_top32_share"] = s.nonzero_top32_share;
    j["top8_nonzero_of_all"] = s.top8_nonzero_of_all;
    j["top32_nonzero_of_all"] = s.top32_nonzero_of_all;
    j["distinct_patterns"] = s.distinct_patterns;
    return j;
}

void print_row(const std::string& name, const std::string& shape, const PatternStats& s) {
    std::printf("%-36s %13s %12llu %6.1f%% %6.1f%% %6.1f%% %6.1f%% %6.1f%% %6.1f%% %6.1f%% %9llu\n", name.c_str(),
                shape.c_str(), (unsigned long long)s.ou_columns, 100 * s.zero_share, 100 * s.top8_share,
                100 * s.top32_share, 100 * s.nonzero_top8_share, 100 * s.nonzero_top32_share,
                100 * s.top8_nonzero_of_all, 100 * s.top32_nonzero_of_all, (unsigned long long)s.distinct_patterns);
}

void run(const StatsOptions& o) {
    check_writable("--report", o.report);
    const HwConfig config = resolve_config(o.model);
    const models::Model model = load_model(o.model);
    const int threads = thread_count(o.model);

    nlohmann::ordered_json out = header_json(model, config);
    out["config"] = config_json(config);
    PatternHistogram total(config.ou_rows * config.cell_bits);
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    if (!o.json) {
        std::printf("model %s (%s weights), encoding %s, %s, OU %dx%d, %d-bit cells\n", model.name.c_str(),
                    model.weights.c_str(), to_string(config.encoding), to_string(config.quant), config.ou_rows,
                    config.ou_cols, config.cell_bits);
        // nz-top8/32: top non-zero patterns among non-zero columns; Fig3-8/32: among all columns (the paper's Fig. 3).
        std::printf("%-36s %13s %12s %7s %7s %7s %7s %7s %7s %7s %9s\n", "layer", "rows x cols", "OU columns", "zero",
                    "top8", "top32", "nz-top8", "nz-top32", "Fig3-8", "Fig3-32", "distinct");
    }
    for_each_layer(model, config, threads, [&](size_t, const QuantizedMatrix& q) {
        const PatternHistogram h = layer_histogram(q, config, threads);
        total.merge(h);
        const PatternStats s = summarize(h);
        nlohmann::ordered_json l;
        l["name"] = q.name;
        l["rows"] = q.rows;
        l["cols"] = q.cols;
        l["groups"] = q.groups;
        l.update(stats_json(s));
        layers.push_back(l);
        if (!o.json) print_row(q.name, std::to_string(q.rows) + "x" + std::to_string(q.cols), s);
    });
    out["total"] = stats_json(summarize(total));
    out["layers"] = layers;
    if (!o.report.empty()) write_whole(o.report, out.dump(2) + "\n");
    if (o.json)
        std::cout << out.dump(2) << "\n";
    else
        print_row("total", "", summarize(total));
}

}  // namespace

void register_stats(CLI::App& app) {
    auto opts = std::make_shared<StatsOptions>();
    CLI::App* cmd = app.add_subcommand("stats", "OU-column pattern statistics of a model's bit-sliced weights");
    add_model_options(*cmd, opts->model);
    cmd->add_flag("--json", opts->json, "print JSON instead of a table");
    cmd->add_option("--report", opts->report, "also write the JSON to this file");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace reshare::cli
