// The yardstick of scripts/bench-run.sh (issue 10): a network's weight layers as plain int8 GEMMs and nothing
// else - per layer its im2col vectors (M: output positions, 1 for a dense layer) times its lowered weights (K: rows,
// N: columns of one group, once per group) - on oneDNN's u8 x s8 -> s32 GEMM with every core. That is the
// network's multiply-accumulates at the speed of a maintained int8 kernel, the physical floor of a whole run.
// oneDNN (Debian's libdnnl-dev) rather than a loop of ours: its kernels are Intel's, tuned per instruction set, so
// the ratio a run is measured by does not depend on how well we wrote the yardstick.
//
// Usage: reshare-gemm-baseline MODEL [PASSES=5]. Inputs are random in [0, 127] (activations after ReLU), weights in
// [-127, 127]; each layer's weights have their own memory, as a network's do. One pass warms up, then PASSES are
// timed; one output of every layer is checked against a scalar dot product, so the work cannot be skipped.
#include "reshare/common/error.hpp"
#include "reshare/models/model.hpp"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

struct GemmLayer {
    std::string name;
    long m = 0, k = 0, n = 0;   // per group
    int groups = 1;
    std::vector<int8_t> weights;   // groups blocks of k x n, row-major
};

std::vector<GemmLayer> gemm_layers(const reshare::models::Model& model) {
    if (!model.graph) throw reshare::Error("model " + model.name + " has no layer graph: its layer shapes are unknown");
    const std::vector<const reshare::models::Node*> nodes = reshare::models::weight_layers(*model.graph);
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> w(-127, 127);
    std::vector<GemmLayer> out;
    for (size_t i = 0; i < model.layers.size() && i < nodes.size(); ++i) {
        const reshare::models::WeightLayer& l = model.layers[i];
        const reshare::models::Node& node = *nodes[i];
        GemmLayer g{l.name, node.kind == reshare::models::OpKind::Dense ? 1L : long(node.out.h) * node.out.w, l.rows,
                    l.cols / l.groups, l.groups, {}};
        g.weights.resize(size_t(g.groups) * g.k * g.n);
        for (int8_t& v : g.weights) v = int8_t(w(rng));
        out.push_back(std::move(g));
    }
    return out;
}

// One pass over the network: for each layer and group, C = A * B with A the group's columns of the layer's input
// vectors (M x groups*K, row-major) and B the group's weights.
void network_pass(const std::vector<GemmLayer>& layers, const std::vector<uint8_t>& a, std::vector<int32_t>& c) {
    const int32_t no_offset = 0;
    for (const GemmLayer& l : layers)
        for (int g = 0; g < l.groups; ++g)
            if (dnnl_gemm_u8s8s32('N', 'N', 'F', l.m, l.n, l.k, 1.0f, a.data() + size_t(g) * l.k, l.groups * l.k, 0,
                                  l.weights.data() + size_t(g) * l.k * l.n, l.n, 0, 0.0f, c.data() + size_t(g) * l.m * l.n,
                                  l.n, &no_offset) != dnnl_success)
                throw reshare::Error("oneDNN's gemm failed on layer " + l.name, reshare::ExitCode::Failure);
}

// Each layer's last output of its last group against a scalar dot product (the check runs one layer at a time).
void check(const std::vector<GemmLayer>& layers, const std::vector<uint8_t>& a, std::vector<int32_t>& c) {
    for (const GemmLayer& l : layers) {
        network_pass({l}, a, c);
        const int g = l.groups - 1;
        const long row = l.m - 1, col = l.n - 1;
        long long want = 0;
        for (long h = 0; h < l.k; ++h)
            want += int(a[size_t(row) * l.groups * l.k + size_t(g) * l.k + h]) * int(l.weights[(size_t(g) * l.k + h) * l.n + col]);
        const int32_t got = c[size_t(g) * l.m * l.n + size_t(row) * l.n + col];
        if (got != want)
            throw reshare::Error("oneDNN's gemm gave " + std::to_string(got) + " for layer " + l.name + ", expected " +
                                 std::to_string(want), reshare::ExitCode::Failure);
    }
}

int passes_arg(const char* s) {
    const std::string v = s;
    if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) < 1)
        throw reshare::Error("PASSES " + v + ": expected 1 to 999");
    return std::stoi(v);
}

void run(const std::string& spec, int passes) {
    const reshare::models::Model model = reshare::models::load_model(spec);
    const std::vector<GemmLayer> layers = gemm_layers(model);
    size_t a_size = 0, c_size = 0;
    double macs = 0;
    for (const GemmLayer& l : layers) {
        a_size = std::max(a_size, size_t(l.m) * l.groups * l.k);
        c_size = std::max(c_size, size_t(l.groups) * l.m * l.n);
        macs += double(l.m) * l.groups * l.k * l.n;
    }
    std::vector<uint8_t> a(a_size);
    std::mt19937 rng(2);
    std::uniform_int_distribution<int> x(0, 127);
    for (uint8_t& v : a) v = uint8_t(x(rng));
    std::vector<int32_t> c(c_size);
    check(layers, a, c);
    network_pass(layers, a, c);   // warm-up
    std::vector<double> seconds;
    for (int p = 0; p < passes; ++p) {
        const auto t0 = std::chrono::steady_clock::now();
        network_pass(layers, a, c);
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = passes % 2 ? seconds[size_t(passes / 2)] : (seconds[size_t(passes / 2) - 1] + seconds[size_t(passes / 2)]) / 2;
    const dnnl_version_t* v = dnnl_version();
    std::printf("%s: %zu weight layers, %.3f G multiply-accumulates; int8 GEMM (oneDNN %d.%d.%d u8s8s32, %s): "
                "median %.4f s of %d passes, %.1f G MAC/s\n",
                model.name.c_str(), layers.size(), macs / 1e9, v->major, v->minor, v->patch, v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "threads",
                median, passes, macs / median / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc < 2 || argc > 3) throw reshare::Error("usage: reshare-gemm-baseline MODEL [PASSES=5]");
        run(argv[1], argc == 3 ? passes_arg(argv[2]) : 5);
        return 0;
    } catch (const reshare::Error& e) {
        std::fprintf(stderr, "reshare-gemm-baseline: %s\n", e.what());
        return int(e.code());
    }
}
