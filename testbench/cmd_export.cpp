// reshare export: a model (a zoo network with its weights, or any model file with a graph) written as ONNX.
#include "reshare/testbench/cli_common.hpp"

#include "reshare/common/error.hpp"
#include "reshare/models/onnx.hpp"

#include <cstdio>

namespace reshare::cli {

void register_export(CLI::App& app) {
    auto model = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto seed = std::make_shared<uint64_t>(models::Model::kDefaultSeed);
    CLI::App* cmd = app.add_subcommand("export", "write a model as an ONNX file (opset 13), its weights included");
    cmd->add_option("-m,--model", *model, "zoo name, TF.js manifest or .onnx file")->required();
    cmd->add_option("-o,--out", *out, "the .onnx file to write")->required();
    cmd->add_option("--seed", *seed, "seed of synthetic weights");
    cmd->callback([=] {
        check_writable("-o", *out);
        const models::Model m = models::load_model(*model, *seed);
        models::save_onnx(m, *out);
        std::printf("%s: %s (%s weights), %zu weight layers\n", out->c_str(), m.name.c_str(), m.weights.c_str(), m.layers.size());
    });
}

}  // namespace reshare::cli
