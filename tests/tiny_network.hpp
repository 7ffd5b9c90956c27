// A small network with every op of the graph language (random weights), for the reference engine's tests and
// the accelerator's whole-network tests.
#pragma once

#include "reshare/models/model.hpp"

#include <map>
#include <random>
#include <string>
#include <vector>

namespace reshare::test {

// A model around a hand-built graph, its tensors given by name (kernels as rows x cols, row-major).
inline models::Model hand_model(models::Graph g, const std::map<std::string, std::vector<float>>& tensors) {
    models::Model m;
    m.name = g.name;
    m.weights = "real";
    m.source = "test";
    for (const models::Node* n : models::weight_layers(g))
        m.layers.push_back({n->name, n->weight, models::matrix_rows(g, *n), n->cout, n->groups});
    for (const auto& [name, v] : tensors) m.tensors[name] = models::Tensor{{int(v.size())}, v};
    m.graph = std::move(g);
    return m;
}

inline std::vector<float> random_values(size_t n, uint32_t seed, float stddev) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.f, stddev);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}


// Every op of the graph language with random weights: the int8 path is checked against this in float.
inline models::Model tiny_network() {
    models::GraphBuilder b("tiny", models::Shape{8, 8, 3});
    models::ConvSpec c1;
    c1.cout = 8, c1.k = 3, c1.stride = 2, c1.pad = 1;
    models::ChannelAffine bias1;
    bias1.bias = "c1/bias";
    const int x1 = b.conv(0, "c1", c1, "c1/w", bias1);
    models::ConvSpec dw;
    dw.cout = 8, dw.k = 3, dw.groups = 8, dw.act = models::Activation::Relu6;
    models::ChannelAffine bn;
    bn.bn_mean = "dw/mean", bn.bn_var = "dw/var", bn.bn_gamma = "dw/gamma", bn.bn_beta = "dw/beta";
    int x = b.conv(x1, "dw", dw, "dw/w", bn);
    models::ConvSpec pw;
    pw.cout = 8, pw.act = models::Activation::None;
    models::ChannelAffine scale;
    scale.mul = "pw/mul", scale.add = "pw/add";
    x = b.conv(x, "pw", pw, "pw/w", scale);
    x = b.add(x, x1, "add", models::Activation::Relu);
    const int m = b.max_pool(x, "max", 3, 1, models::PadMode::Same);
    x = b.concat({x, m}, "concat");
    x = b.zero_pad(x, "pad", 1, 1, 0);
    x = b.avg_pool(x, "avg", 2, 2, models::PadMode::Valid);
    x = b.activation(x, "relu6", models::Activation::Relu6);
    // MobileNetV3's block tail: hard-swish, then squeeze-and-excitation scaling the channels by a hard-sigmoid.
    x = b.activation(x, "hswish", models::Activation::HardSwish);
    models::ConvSpec se;
    se.cout = 16, se.act = models::Activation::None;
    models::ChannelAffine se_bias;
    se_bias.bias = "se/bias";
    const int gate = b.activation(b.conv(b.global_avg_pool(x, "squeeze"), "se", se, "se/w", se_bias), "hsigmoid",
                                  models::Activation::HardSigmoid);
    x = b.mul(x, gate, "excite");
    x = b.activation(x, "sigmoid", models::Activation::Sigmoid);
    x = b.global_avg_pool(x, "gap");
    models::ChannelAffine bias2;
    bias2.bias = "fc/bias";
    b.dense(x, "fc", 4, models::Activation::None, "fc/w", bias2);
    std::map<std::string, std::vector<float>> t{
        {"c1/w", random_values(27 * 8, 1, 0.3f)},   {"c1/bias", random_values(8, 2, 0.1f)},
        {"dw/w", random_values(9 * 8, 3, 0.4f)},    {"dw/mean", random_values(8, 4, 0.1f)},
        {"dw/var", std::vector<float>(8, 0.8f)},    {"dw/gamma", random_values(8, 5, 1.f)},
        {"dw/beta", random_values(8, 6, 0.2f)},     {"pw/w", random_values(64, 7, 0.4f)},
        {"pw/mul", std::vector<float>(8, 1.5f)},    {"pw/add", random_values(8, 8, 0.1f)},
        {"fc/w", random_values(16 * 4, 9, 0.3f)},   {"fc/bias", random_values(4, 10, 0.1f)},
        {"se/w", random_values(16 * 16, 11, 0.3f)}, {"se/bias", random_values(16, 12, 0.5f)},
    };
    return hand_model(std::move(b).build(), t);
}

}  // namespace reshare::test
