#include "reshare/models/graph.hpp"

#include "reshare/common/error.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace reshare::models {
namespace {

int out_extent(int in, int k, int stride, int dilation, int pad_total) {
    const int span = dilation * (k - 1) + 1;
    // Integer division truncates toward zero, so a window just larger than its input would get one output.
    if (in + pad_total < span) return 0;
    return (in + pad_total - span) / stride + 1;
}

// TF's SAME rule: output = ceil(in / stride), the extra padding goes to the bottom/right.
std::pair<int, int> same_padding(int in, int k, int stride, int dilation) {
    const int out = (in + stride - 1) / stride;
    const int span = dilation * (k - 1) + 1;
    const int total = std::max(0, (out - 1) * stride + span - in);
    return {total / 2, total - total / 2};
}

}  // namespace

GraphBuilder::GraphBuilder(std::string name, Shape input, InputNorm norm) {
    g_.name = std::move(name);
    g_.input_norm = norm;
    Node in;
    in.name = "input";
    in.kind = OpKind::Input;
    in.out = input;
    g_.nodes.push_back(std::move(in));
}

int GraphBuilder::push(Node n) {
    for (int i : n.inputs)
        if (i < 0 || i >= int(g_.nodes.size()))
            throw Error("graph " + g_.name + ": node " + n.name + " refers to a missing input");
    if (n.out.h <= 0 || n.out.w <= 0 || n.out.c <= 0)
        throw Error("graph " + g_.name + ": node " + n.name + " has an empty output shape");
    g_.nodes.push_back(std::move(n));
    return int(g_.nodes.size()) - 1;
}

void GraphBuilder::set_window(Node& n, int in, int kh, int kw, int stride, int dilation, PadMode mode, int pad) {
    const Shape& s = shape(in);
    Window w;
    w.kh = kh, w.kw = kw, w.stride_h = w.stride_w = stride, w.dil_h = w.dil_w = dilation;
    if (pad >= 0) {
        w.pad_top = w.pad_bottom = w.pad_left = w.pad_right = pad;
    } else if (mode == PadMode::Same) {
        std::tie(w.pad_top, w.pad_bottom) = same_padding(s.h, kh, stride, dilation);
        std::tie(w.pad_left, w.pad_right) = same_padding(s.w, kw, stride, dilation);
    }
    apply_window(n, in, w);
}

void GraphBuilder::apply_window(Node& n, int in, const Window& w) {
    const Shape& s = shape(in);
    if (w.kh < 1 || w.kw < 1 || w.stride_h < 1 || w.stride_w < 1 || w.dil_h < 1 || w.dil_w < 1 ||
        std::min({w.pad_top, w.pad_bottom, w.pad_left, w.pad_right}) < 0)
        throw Error("graph " + g_.name + ": node " + n.name + " has a window with a non-positive size, stride or dilation, or negative padding");
    n.inputs = {in};
    n.kh = w.kh, n.kw = w.kw;
    n.stride_h = w.stride_h, n.stride_w = w.stride_w;
    n.dil_h = w.dil_h, n.dil_w = w.dil_w;
    n.pad_top = w.pad_top, n.pad_bottom = w.pad_bottom, n.pad_left = w.pad_left, n.pad_right = w.pad_right;
    n.out.h = out_extent(s.h, w.kh, w.stride_h, w.dil_h, n.pad_top + n.pad_bottom);
    n.out.w = out_extent(s.w, w.kw, w.stride_w, w.dil_w, n.pad_left + n.pad_right);
    n.out.c = s.c;
}

int GraphBuilder::conv(int in, const std::string& name, const ConvSpec& spec, const std::string& weight,
                       ChannelAffine affine) {
    Node n;
    n.name = name;
    n.kind = OpKind::Conv2d;
    n.weight = weight.empty() ? name + "/weights" : weight;
    n.affine = std::move(affine);
    n.groups = spec.groups;
    n.cout = spec.cout;
    n.act = spec.act;
    const int kh = spec.kh ? spec.kh : spec.k, kw = spec.kw ? spec.kw : spec.k;
    set_window(n, in, kh, kw, spec.stride, spec.dilation, spec.mode, spec.pad);
    return push_conv(std::move(n), in);
}

int GraphBuilder::conv(int in, const std::string& name, int cout, int groups, const Window& w, Activation act,
                       const std::string& weight, ChannelAffine affine) {
    Node n;
    n.name = name;
    n.kind = OpKind::Conv2d;
    n.weight = weight;
    n.affine = std::move(affine);
    n.groups = groups;
    n.cout = cout;
    n.act = act;
    apply_window(n, in, w);
    return push_conv(std::move(n), in);
}

int GraphBuilder::push_conv(Node n, int in) {
    const int cin = shape(in).c;
    if (n.groups < 1 || cin % n.groups || n.cout % n.groups)
        throw Error("graph " + g_.name + ": conv " + n.name + " has groups that do not divide its channels");
    n.out.c = n.cout;
    return push(std::move(n));
}

int GraphBuilder::dense(int in, const std::string& name, int cout, Activation act, const std::string& weight,
                        ChannelAffine affine) {
    Node n;
    n.name = name;
    n.kind = OpKind::Dense;
    n.weight = weight.empty() ? name + "/weights" : weight;
    n.affine = std::move(affine);
    n.inputs = {in};
    n.cout = cout;
    n.act = act;
    n.out = Shape{1, 1, cout};
    return push(std::move(n));
}

int GraphBuilder::pool(OpKind kind, int in, const std::string& name, int k, int stride, PadMode mode, int pad) {
    Node n;
    n.name = name;
    n.kind = kind;
    set_window(n, in, k, k, stride, 1, mode, pad);
    return push(std::move(n));
}

int GraphBuilder::pool(OpKind kind, int in, const std::string& name, const Window& w) {
    Node n;
    n.name = name;
    n.kind = kind;
    apply_window(n, in, w);
    return push(std::move(n));
}

int GraphBuilder::max_pool(int in, const std::string& name, int k, int stride, PadMode mode, int pad) {
    return pool(OpKind::MaxPool, in, name, k, stride, mode, pad);
}

int GraphBuilder::avg_pool(int in, const std::string& name, int k, int stride, PadMode mode, int pad) {
    return pool(OpKind::AvgPool, in, name, k, stride, mode, pad);
}

int GraphBuilder::global_avg_pool(int in, const std::string& name) {
    Node n;
    n.name = name;
    n.kind = OpKind::GlobalAvgPool;
    n.inputs = {in};
    n.kh = shape(in).h;
    n.kw = shape(in).w;
    n.out = Shape{1, 1, shape(in).c};
    return push(std::move(n));
}

int GraphBuilder::add(int a, int b, const std::string& name, Activation act) {
    if (!(shape(a) == shape(b)))
        throw Error("graph " + g_.name + ": add " + name + " joins tensors of different shapes");
    Node n;
    n.name = name;
    n.kind = OpKind::Add;
    n.inputs = {a, b};
    n.act = act;
    n.out = shape(a);
    return push(std::move(n));
}

int GraphBuilder::concat(const std::vector<int>& ins, const std::string& name) {
    if (ins.empty()) throw Error("graph " + g_.name + ": concat " + name + " has no inputs");
    Node n;
    n.name = name;
    n.kind = OpKind::Concat;
    n.inputs = ins;
    n.out = shape(ins.front());
    n.out.c = 0;
    for (int i : ins) {
        if (shape(i).h != n.out.h || shape(i).w != n.out.w)
            throw Error("graph " + g_.name + ": concat " + name + " joins tensors of different sizes");
        n.out.c += shape(i).c;
    }
    return push(std::move(n));
}

int GraphBuilder::zero_pad(int in, const std::string& name, int bottom, int right, int channels) {
    Node n;
    n.name = name;
    n.kind = OpKind::ZeroPad;
    n.inputs = {in};
    n.pad_bottom = bottom;
    n.pad_right = right;
    n.pad_channels = channels;
    n.out = shape(in);
    n.out.h += bottom;
    n.out.w += right;
    n.out.c += channels;
    return push(std::move(n));
}

int GraphBuilder::activation(int in, const std::string& name, Activation act) {
    Node n;
    n.name = name;
    n.kind = OpKind::Activation;
    n.inputs = {in};
    n.act = act;
    n.out = shape(in);
    return push(std::move(n));
}

int GraphBuilder::mul(int in, int scales, const std::string& name) {
    const Shape& s = shape(scales);
    if (s.h != 1 || s.w != 1 || s.c != shape(in).c)
        throw Error("graph " + g_.name + ": mul " + name + " scales " + std::to_string(shape(in).c) +
                    " channels by a tensor that is not 1x1x" + std::to_string(shape(in).c));
    Node n;
    n.name = name;
    n.kind = OpKind::Mul;
    n.inputs = {in, scales};
    n.out = shape(in);
    return push(std::move(n));
}

// Importers fold activations into the node before them after it is built: only a clamp may ride on an op.
Graph GraphBuilder::build() && {
    for (const Node& n : g_.nodes)
        if (n.kind != OpKind::Activation && !is_clamp(n.act))
            throw Error("graph " + g_.name + ": node " + n.name + " carries activation " + to_string(n.act) +
                        ", which only a stand-alone activation node computes");
    return std::move(g_);
}

const char* to_string(Activation a) {
    switch (a) {
        case Activation::None: return "none";
        case Activation::Relu: return "relu";
        case Activation::Relu6: return "relu6";
        case Activation::HardSwish: return "hard-swish";
        case Activation::HardSigmoid: return "hard-sigmoid";
        case Activation::Sigmoid: return "sigmoid";
    }
    return "?";
}

std::vector<const Node*> weight_layers(const Graph& g) {
    std::vector<const Node*> out;
    for (const Node& n : g.nodes)
        if (n.kind == OpKind::Conv2d || n.kind == OpKind::Dense) out.push_back(&n);
    return out;
}

int matrix_rows(const Graph& g, const Node& n) {
    const Shape& in = g.nodes.at(n.inputs.at(0)).out;
    if (n.kind == OpKind::Dense) return int(in.elements());
    return n.kh * n.kw * in.c / n.groups;
}

}  // namespace reshare::models
