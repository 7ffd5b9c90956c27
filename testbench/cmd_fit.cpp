// reshare fit: the generalized-normal shape of each layer's real weights, the basis of the synthetic weights.
#include "reshare/testbench/cli_common.hpp"

#include "reshare/models/synthetic.hpp"

#include <algorithm>
#include <cstdio>

namespace reshare::cli {

void register_fit(CLI::App& app) {
    auto opts = std::make_shared<ModelOptions>();
    CLI::App* cmd = app.add_subcommand("fit", "fit the synthetic-weight distribution (generalized normal shape) "
                                              "to a model's real weights, layer by layer");
    cmd->add_option("-m,--model", opts->model, "zoo name or TF.js weight manifest with real weights")->required();
    cmd->callback([opts] {
        const models::Model model = models::load_model(opts->model);
        std::vector<double> shapes;
        std::printf("%-40s %10s %8s\n", "layer", "weights", "shape");
        for (size_t i = 0; i < model.layers.size(); ++i) {
            const double beta = models::fit_generalized_normal_shape(model.matrix(i));
            shapes.push_back(beta);
            std::printf("%-40s %10ld %8.3f\n", model.layers[i].name.c_str(),
                        long(model.layers[i].rows) * model.layers[i].cols, beta);
        }
        std::sort(shapes.begin(), shapes.end());
        const size_t n = shapes.size();
        const double median = n % 2 ? shapes[n / 2] : 0.5 * (shapes[n / 2 - 1] + shapes[n / 2]);
        std::printf("median shape over %zu layers: %.3f (the zoo uses %.3f)\n", n, median, models::synthetic_shape());
        if (model.synthetic()) std::printf("note: %s has synthetic weights; fit a real model\n", model.name.c_str());
    });
}

}  // namespace reshare::cli
