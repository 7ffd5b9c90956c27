// Internal pieces both executors share: the graph walk, window geometry, im2col, affines, the float product.
#pragma once

#include "common/error.hpp"
#include "models/model.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace reshare::inference::detail {

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
            case OpKind::Activation: out.push_back(exec.activation(n, in(0))); break;
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

inline double activate(double y, models::Activation a) {
    if (a == models::Activation::None) return y;
    y = std::max(y, 0.0);
    return a == models::Activation::Relu6 ? std::min(y, 6.0) : y;
}

// Top-left input coordinate of output (oy, ox)'s window; taps step by the dilation.
struct WindowOrigin {
    int y, x;
};
inline WindowOrigin window_origin(const models::Node& n, int oy, int ox) {
    return {oy * n.stride_h - n.pad_top, ox * n.stride_w - n.pad_left};
}

// Calls visit(y, x) for each tap of output (oy, ox)'s pool window that lies inside the input: padding taps
// are skipped, which is -inf padding for max pooling and TF SAME (padding excluded) for average pooling.
// (A window wholly in the padding, which no TF geometry makes, pools to 0.)
template <class Visit>
void for_window(const models::Node& n, const models::Shape& in, int oy, int ox, Visit visit) {
    const WindowOrigin o = window_origin(n, oy, ox);
    for (int ky = 0; ky < n.kh; ++ky) {
        const int y = o.y + ky * n.dil_h;
        if (y < 0 || y >= in.h) continue;
        for (int kx = 0; kx < n.kw; ++kx) {
            const int x = o.x + kx * n.dil_w;
            if (x >= 0 && x < in.w) visit(y, x);
        }
    }
}

// One output position's im2col vector in the layout of reference_mvm: group g at [g*rows, (g+1)*rows), rows
// ordered (kh, kw, cin/groups) with cin fastest; group g reads channels [g*cin/G, (g+1)*cin/G).
template <class In, class Out>
void im2col(const In* in, const models::Shape& s, const models::Node& n, int oy, int ox, Out* out) {
    const int cpg = s.c / n.groups, rows = n.kh * n.kw * cpg;
    const WindowOrigin o = window_origin(n, oy, ox);
    for (int ky = 0; ky < n.kh; ++ky)
        for (int kx = 0; kx < n.kw; ++kx) {
            const int y = o.y + ky * n.dil_h, x = o.x + kx * n.dil_w;
            const bool inside = y >= 0 && y < s.h && x >= 0 && x < s.w;
            Out* dst = out + (ky * n.kw + kx) * cpg;
            if (!inside) {
                for (int g = 0; g < n.groups; ++g, dst += rows) std::fill(dst, dst + cpg, Out(0));
                continue;
            }
            const In* px = in + (size_t(y) * s.w + x) * s.c;
            for (int g = 0; g < n.groups; ++g, dst += rows)
                for (int ci = 0; ci < cpg; ++ci) dst[ci] = Out(px[g * cpg + ci]);
        }
}

template <class T>
models::Shape shape_of(const T& t) {
    return models::Shape{t.h, t.w, t.c};
}

// out[(oy * out_w + ox) * c + ch] = finish(combine over the window's taps inside the input, taps).
template <class In, class Acc, class Out, class Combine, class Finish>
void pool(const In* in, const models::Shape& s, const models::Node& n, Acc init, Combine combine, Finish finish,
          Out* out) {
    std::vector<Acc> acc(size_t(s.c));
    for (int oy = 0; oy < n.out.h; ++oy)
        for (int ox = 0; ox < n.out.w; ++ox) {
            std::fill(acc.begin(), acc.end(), init);
            int taps = 0;
            for_window(n, s, oy, ox, [&](int y, int x) {
                const In* px = in + (size_t(y) * s.w + x) * s.c;
                for (int c = 0; c < s.c; ++c) acc[c] = combine(acc[c], px[c]);
                ++taps;
            });
            Out* o = out + (size_t(oy) * n.out.w + ox) * s.c;
            for (int c = 0; c < s.c; ++c) o[c] = finish(acc[c], taps);
        }
}

// Copies an h x w x c tensor into channels [offset, offset + c) of an h x w x total tensor, converting each value.
template <class In, class Out, class Convert>
void place_channels(const In* in, const models::Shape& s, int offset, int total, Out* out, Convert convert) {
    for (long p = 0; p < long(s.h) * s.w; ++p)
        for (int c = 0; c < s.c; ++c) out[p * total + offset + c] = convert(in[p * s.c + c]);
}

// The input placed at (pad_top, pad_left) of the node's larger output; new rows, columns and channels are 0.
template <class T>
std::vector<T> zero_pad(const std::vector<T>& in, const models::Shape& s, const models::Node& n) {
    std::vector<T> out(size_t(n.out.elements()), T(0));
    for (int y = 0; y < s.h; ++y)
        for (int x = 0; x < s.w; ++x) {
            const T* src = in.data() + (size_t(y) * s.w + x) * s.c;
            std::copy(src, src + s.c, out.begin() + ((size_t(y) + n.pad_top) * n.out.w + x + n.pad_left) * n.out.c);
        }
    return out;
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
