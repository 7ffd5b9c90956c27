// Internal pieces both executors share: the graph walk, window geometry, im2col, affines, the float product.
#pragma once

#include "reshare/common/error.hpp"
#include "reshare/kernels/window.hpp"
#include "reshare/models/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace reshare::inference::detail {

using kernels::for_window;
using kernels::im2col;
using kernels::place_channels;
using kernels::pool;
using kernels::window_origin;
using kernels::zero_pad;

// Calls exec.<op>(node, inputs...) for every node in graph order and collects the outputs; conv/dense nodes
// also get their Model::layers index, which counts weight nodes in graph order.
template <class T, class Exec>
std::vector<T> walk(const models::Graph& g, Exec& exec) {
    using models::OpKind;
    std::vector<T> out;
    out.reserve(g.nodes.size());
    size_t layer = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const models::Node& n = g.nodes[i];
        auto in = [&](size_t k) -> const T& { return out.at(size_t(n.inputs.at(k))); };
        switch (n.kind) {
            case OpKind::Input: out.push_back(exec.input(n)); break;
            case OpKind::Conv2d:
            case OpKind::Dense: out.push_back(exec.weight_layer(n, int(i), layer++, in(0))); break;
            case OpKind::MaxPool: out.push_back(exec.max_pool(n, in(0))); break;
            case OpKind::AvgPool:
            case OpKind::GlobalAvgPool: out.push_back(exec.avg_pool(n, int(i), in(0))); break;
            case OpKind::Add: out.push_back(exec.add(n, int(i), in(0), in(1))); break;
            case OpKind::Concat: {
                std::vector<const T*> parts;
                for (size_t k = 0; k < n.inputs.size(); ++k) parts.push_back(&in(k));
                out.push_back(exec.concat(n, int(i), parts));
                break;
            }
            case OpKind::ZeroPad: out.push_back(exec.zero_pad(n, in(0))); break;
            case OpKind::Activation: out.push_back(exec.activation(n, int(i), in(0))); break;
            case OpKind::Mul: out.push_back(exec.mul(n, int(i), in(0), in(1))); break;
        }
        const T& t = out.back();
        if (t.h != n.out.h || t.w != n.out.w || t.c != n.out.c)
            throw Error("inference: node " + n.name + " produced a tensor of the wrong shape");
    }
    return out;
}

// The model's graph, checked against its weight layers (the walk indexes Model::layers by weight node).
inline const models::Graph& graph_of(const models::Model& m) {
    if (!m.graph) throw Error("model " + m.name + ": has no layer graph, which inference needs");
    const std::vector<const models::Node*> nodes = models::weight_layers(*m.graph);
    bool fits = nodes.size() == m.layers.size();
    for (size_t i = 0; fits && i < nodes.size(); ++i)
        fits = m.layers[i].rows == models::matrix_rows(*m.graph, *nodes[i]) && m.layers[i].cols == nodes[i]->cout &&
               m.layers[i].groups == nodes[i]->groups;
    if (!fits) throw Error("model " + m.name + ": weight layers do not match its graph");
    return *m.graph;
}

// The node's activation of y, in double (the float reference, and the int8 path's lookup tables).
inline double activate(double y, const models::Node& n) {
    using models::Activation;
    switch (n.act) {
        case Activation::None: return y;
        case Activation::Relu: return std::max(y, 0.0);
        case Activation::Relu6: return std::clamp(y, 0.0, 6.0);
        case Activation::HardSwish: return y * std::clamp(y + 3.0, 0.0, 6.0) / 6.0;
        case Activation::HardSigmoid: return std::clamp(double(n.act_alpha) * y + double(n.act_beta), 0.0, 1.0);
        case Activation::Sigmoid: return 1.0 / (1.0 + std::exp(-y));
    }
    return y;
}

template <class T>
models::Shape shape_of(const T& t) {
    return models::Shape{t.h, t.w, t.c};
}

// The node's per-channel post-processing composed into y = acc * mul[c] + add[c].
struct Affine {
    std::vector<double> mul, add;
};
Affine layer_affine(const models::Model& m, const models::Node& n);

// The im2col vectors of a conv node (every output position, row-major over the plane) or the flattened input
// of a dense node, as n_vectors x (groups*rows) values.
template <class In, class Out>
std::vector<Out> layer_vectors(const In* in, const models::Shape& s, const models::Node& n) {
    if (n.kind == models::OpKind::Dense) return std::vector<Out>(in, in + s.elements());
    const size_t width = size_t(n.kh) * n.kw * s.c;
    std::vector<Out> v(size_t(n.out.h) * n.out.w * width);
    for (int oy = 0; oy < n.out.h; ++oy)
        for (int ox = 0; ox < n.out.w; ++ox) im2col(in, s, n, oy, ox, v.data() + (size_t(oy) * n.out.w + ox) * width);
    return v;
}

// out[v * cols + j] = sum_h w[h * cols + j] * x[v * groups*rows + group(j)*rows + h], in float.
void float_matmul(const std::vector<float>& x, int n_vectors, const std::vector<float>& w, int rows, int cols,
                  int groups, std::vector<float>& out, int threads);

}  // namespace reshare::inference::detail
