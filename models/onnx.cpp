#include "reshare/models/onnx.hpp"

#include "reshare/common/error.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace reshare::models {
namespace {

using NodeProto = onnx::NodeProto;

// What an ONNX value is in our graph: a node's output, optionally seen flattened (Flatten / Reshape to [N, -1]),
// optionally with zero padding not yet applied (a Pad the next Conv takes into its window).
struct Value {
    int node = -1;
    bool flat = false;
    std::array<int, 4> pad{0, 0, 0, 0};   // top, left, bottom, right
    bool padded() const { return pad[0] || pad[1] || pad[2] || pad[3]; }
};

class Importer {
public:
    Importer(std::string path, InputSize size) : path_(std::move(path)), size_(size) {}

    Model run() {
        read_file();
        for (const auto& t : model_.graph().initializer()) tensors_[t.name()] = read_tensor(t);
        for (const NodeProto& n : model_.graph().node())
            for (const std::string& in : n.input()) ++consumers_[in], readers_[in].push_back(&n);
        GraphBuilder b = builder();
        b_ = &b;
        for (const NodeProto& n : model_.graph().node())
            if (!absorbed_.count(&n)) import(n);
        if (model_.graph().output_size() != 1) throw Error(where() + ": expected one graph output, found " + std::to_string(model_.graph().output_size()));
        const Value& out = value(model_.graph().output(0).name(), "the graph output");
        if (out.node != b.size() - 1) throw Error(where() + ": the graph's output is not its last node");
        b.set_classifies(classifies_);
        Model m;
        m.name = path_;
        // A file holds trained weights unless it says otherwise (reshare export of a zoo network's synthetic ones).
        m.weights = "real";
        for (const auto& p : model_.metadata_props())
            if (p.key() == "reshare.weights" && p.value() == "synthetic") m.weights = "synthetic, exported";
        m.source = path_;
        m.graph = std::move(b).build();
        m.tensors = std::move(converted_);
        return m;
    }

private:
    std::string where() const { return "model file " + path_; }
    [[noreturn]] void fail(const NodeProto& n, const std::string& what) const {
        // A node is named by its name, else its first output; a damaged file may have neither (fuzz finding).
        const std::string name = !n.name().empty() ? n.name() : n.output_size() ? n.output(0) : "(unnamed, no outputs)";
        throw Error(where() + ": node " + name + " (" + n.op_type() + "): " + what);
    }

    void read_file() {
        std::ifstream in(path_, std::ios::binary);
        if (!in) throw Error(where() + ": cannot read the file");
        if (!model_.ParseFromIstream(&in)) throw Error(where() + ": not an ONNX model (its protobuf does not parse)");
        if (!model_.has_graph() || model_.graph().node_size() == 0) throw Error(where() + ": holds no graph");
    }

    // An integer tensor's values (shape arithmetic's), from its raw little-endian bytes or its typed field.
    template <class Int, class Field>
    static void integers(const onnx::TensorProto& t, bool raw, const Field& field, std::vector<float>& out) {
        for (size_t i = 0; i < out.size(); ++i) {
            Int v;
            if (raw)
                std::memcpy(&v, t.raw_data().data() + sizeof v * i, sizeof v);
            else
                v = Int(field.Get(int(i)));
            out[i] = float(v);
        }
    }

    Tensor read_tensor(const onnx::TensorProto& t) const {
        Tensor out;
        for (int64_t d : t.dims()) {
            if (d < 0 || d > (1 << 30)) throw Error(where() + ": tensor '" + t.name() + "' has a bad dimension " + std::to_string(d));
            out.shape.push_back(int(d));
        }
        long n = 1;
        for (int d : out.shape) {
            n *= d;
            if (n > (1L << 31)) throw Error(where() + ": tensor '" + t.name() + "' is too large");
        }
        if (t.data_location() == onnx::TensorProto::EXTERNAL) throw Error(where() + ": tensor '" + t.name() + "' has external data (not supported: keep the weights in the file)");
        const bool raw = t.has_raw_data();
        auto need = [&](size_t have, size_t width) {
            if (have != size_t(n) * (raw ? width : 1))
                throw Error(where() + ": tensor '" + t.name() + "' holds " + std::to_string(raw ? have / width : have) +
                            " values, its shape " + std::to_string(n));
        };
        out.data.resize(size_t(n));
        switch (t.data_type()) {
            case onnx::TensorProto::FLOAT:
                if (raw) {
                    need(t.raw_data().size(), 4);
                    std::memcpy(out.data.data(), t.raw_data().data(), size_t(n) * 4);
                } else {
                    need(size_t(t.float_data_size()), 1);
                    std::copy(t.float_data().begin(), t.float_data().end(), out.data.begin());
                }
                break;
            case onnx::TensorProto::INT64:
                need(raw ? t.raw_data().size() : size_t(t.int64_data_size()), 8);
                integers<int64_t>(t, raw, t.int64_data(), out.data);
                break;
            case onnx::TensorProto::INT32:   // shape arithmetic's constants (Paddle2ONNX writes int32 ones)
                need(raw ? t.raw_data().size() : size_t(t.int32_data_size()), 4);
                integers<int32_t>(t, raw, t.int32_data(), out.data);
                break;
            default:
                throw Error(where() + ": tensor '" + t.name() + "' has data type " + std::to_string(t.data_type()) +
                            " (float32, int64 and int32 are read)");
        }
        for (float v : out.data)
            if (!std::isfinite(v)) throw Error(where() + ": tensor '" + t.name() + "' holds a NaN or infinite value");
        return out;
    }

    // The input: the first graph input that is not an initializer, NCHW with a batch of one. A symbolic batch is
    // one image; a symbolic height and width (a network for any size, such as an OCR model's) take size_.
    GraphBuilder builder() {
        for (const auto& in : model_.graph().input()) {
            if (tensors_.count(in.name())) continue;
            const auto& shape = in.type().tensor_type().shape();
            if (shape.dim_size() != 4) throw Error(where() + ": input " + in.name() + " is not a 4-D NCHW image tensor");
            int dims[4];
            for (int i = 0; i < 4; ++i) {
                const auto& d = shape.dim(i);
                dims[i] = d.has_dim_value() ? int(std::clamp<int64_t>(d.dim_value(), -1, 1 << 30)) : i == 0 ? 1 : 0;
                if (dims[i] == 0 && i >= 2 && size_.given()) dims[i] = i == 2 ? size_.h : size_.w;
                if (dims[i] == 0 && i >= 2)
                    throw Error(where() + ": input " + in.name() + " leaves its height and width open: give them with --input-size HxW");
                if (dims[i] <= 0 || dims[i] > 16384)
                    throw Error(where() + ": input " + in.name() + " has no size in 1..16384 in dimension " + std::to_string(i));
            }
            if (dims[0] != 1) throw Error(where() + ": input " + in.name() + " has batch " + std::to_string(dims[0]) + " (one image at a time)");
            if (size_.given() && (dims[2] != size_.h || dims[3] != size_.w))
                throw Error(where() + ": input " + in.name() + " is fixed at " + std::to_string(dims[2]) + "x" + std::to_string(dims[3]) +
                            ", not the " + std::to_string(size_.h) + "x" + std::to_string(size_.w) + " given");
            GraphBuilder b(path_, Shape{dims[2], dims[3], dims[1]}, input_norm());
            values_[in.name()] = Value{0};
            return b;
        }
        throw Error(where() + ": the graph has no input that is not a weight");
    }

    // Preprocessing the file states (metadata reshare.input_mean "r,g,b", reshare.input_scale), else pixels 0..255.
    InputNorm input_norm() const {
        InputNorm norm;
        norm.scale = 1.f;
        for (const auto& p : model_.metadata_props()) {
            std::istringstream s(p.value());
            if (p.key() == "reshare.input_scale" && !(s >> norm.scale)) throw Error(where() + ": metadata reshare.input_scale is not a number");
            if (p.key() == "reshare.input_mean") {
                char comma;
                if (!(s >> norm.mean[0] >> comma >> norm.mean[1] >> comma >> norm.mean[2]))
                    throw Error(where() + ": metadata reshare.input_mean is not three numbers r,g,b");
            }
        }
        return norm;
    }

    const Value& value(const std::string& name, const std::string& what) const {
        const auto it = values_.find(name);
        if (it == values_.end()) throw Error(where() + ": " + what + " '" + name + "' is not computed by an earlier node");
        return it->second;
    }
    const Value& input(const NodeProto& n, int i) const {
        if (i >= n.input_size() || n.input(i).empty()) fail(n, "missing input " + std::to_string(i));
        if (tensors_.count(n.input(i))) fail(n, "input " + std::to_string(i) + " is a constant tensor where a computed one is supported");
        if (!values_.count(n.input(i))) fail(n, "input '" + n.input(i) + "' is not computed by an earlier node");
        const Value& v = value(n.input(i), "input");
        if (v.padded()) fail(n, "takes a Pad's output; only a Conv takes padding");
        return v;
    }
    const Tensor* constant(const NodeProto& n, int i) const {
        if (i >= n.input_size() || n.input(i).empty()) return nullptr;
        const auto it = tensors_.find(n.input(i));
        if (it == tensors_.end()) fail(n, "input " + std::to_string(i) + " must be a constant tensor (an initializer)");
        return &it->second;
    }
    bool is_constant(const NodeProto& n, int i) const { return i < n.input_size() && tensors_.count(n.input(i)); }
    // Input i is the constant `v`, one value.
    bool constant_is(const NodeProto& n, int i, float v) const {
        if (!is_constant(n, i)) return false;
        const Tensor& t = tensors_.at(n.input(i));
        return t.data.size() == 1 && std::fabs(t.data[0] - v) <= 1e-6f * std::fabs(v);
    }
    // The node reading `name`, when exactly one does and its op is `op` ("": any).
    const NodeProto* only_reader(const std::string& name, const std::string& op = "") const {
        const auto it = readers_.find(name);
        if (it == readers_.end() || it->second.size() != 1) return nullptr;
        const NodeProto* r = it->second.front();
        return op.empty() || r->op_type() == op ? r : nullptr;
    }
    // Input i as one value (Clip's bounds, Pad's fill), or `def` when the input is absent.
    float scalar(const NodeProto& n, int i, float def) const {
        const Tensor* t = constant(n, i);
        if (!t) return def;
        if (t->data.size() != 1) fail(n, "input " + std::to_string(i) + " holds " + std::to_string(t->data.size()) + " values, not one");
        return t->data[0];
    }
    const onnx::AttributeProto* attr(const NodeProto& n, const char* name) const {
        for (const auto& a : n.attribute())
            if (a.name() == name) return &a;
        return nullptr;
    }
    int64_t int_attr(const NodeProto& n, const char* name, int64_t def) const {
        const auto* a = attr(n, name);
        return a ? a->i() : def;
    }
    float float_attr(const NodeProto& n, const char* name, float def) const {
        const auto* a = attr(n, name);
        return a ? a->f() : def;
    }
    std::vector<int> ints_attr(const NodeProto& n, const char* name, std::vector<int> def) const {
        const auto* a = attr(n, name);
        if (!a) return def;
        std::vector<int> out(a->ints().begin(), a->ints().end());
        return out;
    }
    void only_attrs(const NodeProto& n, const std::set<std::string>& known) const {
        for (const auto& a : n.attribute())
            if (!known.count(a.name())) fail(n, "attribute " + a.name() + " is not supported");
    }
    void define(const NodeProto& n, Value v) {
        if (n.output_size() < 1) fail(n, "has no output");
        values_[n.output(0)] = v;
    }
    std::string node_name(const NodeProto& n) const { return n.name().empty() ? n.output(0) : n.name(); }   // import() checked output(0)

    // The window of a Conv or pool: kernel, strides, dilations, pads or auto_pad, in ONNX's attribute names.
    Window window(const NodeProto& n, int in, int kh, int kw) const {
        Window w;
        w.kh = kh, w.kw = kw;
        const std::vector<int> strides = ints_attr(n, "strides", {1, 1}), dil = ints_attr(n, "dilations", {1, 1});
        if (strides.size() != 2 || dil.size() != 2) fail(n, "strides and dilations must have two values (2-D)");
        w.stride_h = strides[0], w.stride_w = strides[1], w.dil_h = dil[0], w.dil_w = dil[1];
        const auto* ap = attr(n, "auto_pad");
        const std::string mode = ap ? ap->s() : "NOTSET";
        if (mode == "NOTSET") {
            const std::vector<int> pads = ints_attr(n, "pads", {0, 0, 0, 0});
            if (pads.size() != 4) fail(n, "pads must have four values");
            w.pad_top = pads[0], w.pad_left = pads[1], w.pad_bottom = pads[2], w.pad_right = pads[3];
        } else if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
            const Shape& s = b_->shape(in);
            auto total = [](int size, int k, int stride, int d) {
                const int out = (size + stride - 1) / stride;
                return std::max(0, (out - 1) * stride + d * (k - 1) + 1 - size);
            };
            const int th = total(s.h, kh, w.stride_h, w.dil_h), tw = total(s.w, kw, w.stride_w, w.dil_w);
            const bool upper = mode == "SAME_UPPER";
            w.pad_top = upper ? th / 2 : th - th / 2, w.pad_bottom = th - w.pad_top;
            w.pad_left = upper ? tw / 2 : tw - tw / 2, w.pad_right = tw - w.pad_left;
        } else if (mode != "VALID") {
            fail(n, "auto_pad " + mode + " is not supported");
        }
        return w;
    }

    // Stores a tensor in the layout the graph reads, under a name of its own.
    std::string keep(const std::string& name, Tensor t) {
        converted_[name] = std::move(t);
        return name;
    }
    // Input `i` of `n`, a per-channel constant of `cout` values, kept under its own name ("" when absent).
    std::string keep_channels(const NodeProto& n, int i, int cout, const char* what) {
        const Tensor* t = constant(n, i);
        if (!t) return "";
        if (t->elements() != cout)
            fail(n, std::string(what) + " '" + n.input(i) + "' has " + std::to_string(t->elements()) + " values for " +
                        std::to_string(cout) + " channels");
        return keep(n.input(i), Tensor{{cout}, t->data});
    }

    // The operands each supported op needs at least (the ONNX operator specs' required inputs).
    static int min_inputs(const std::string& op) {
        if (op == "Constant") return 0;
        if (op == "Conv" || op == "Gemm" || op == "MatMul" || op == "Mul" || op == "Add" || op == "Gather") return 2;
        if (op == "BatchNormalization") return 5;
        return 1;
    }

    void import(const NodeProto& n) {
        const std::string& op = n.op_type();
        if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, "the op's domain " + n.domain() + " is not supported");
        // Every op reads its operands by position: a damaged file's node may lack them (a fuzz finding).
        if (n.output_size() < 1 || n.output(0).empty()) fail(n, "has no output");
        const int operands = min_inputs(op);
        if (n.input_size() < operands)
            fail(n, "has " + std::to_string(n.input_size()) + " inputs, the op needs at least " + std::to_string(operands));
        if (op == "Conv") return conv(n);
        if (op == "Gemm" || op == "MatMul") return dense(n);
        if (op == "BatchNormalization") return batch_norm(n);
        if (op == "Relu") return void(activation(n, Activation::Relu));
        if (op == "Clip") return clip(n);
        if (op == "HardSwish") return void(activation(n, Activation::HardSwish));
        if (op == "HardSigmoid") return hard_sigmoid(n);
        if (op == "Sigmoid") return void(activation(n, Activation::Sigmoid));
        if (op == "Mul") return is_constant(n, 0) || is_constant(n, 1) ? scale(n) : channel_mul(n);
        if (op == "Add") return add(n);
        if (op == "Concat") return concat(n);
        if (op == "MaxPool" || op == "AveragePool") return pool(n);
        if (op == "GlobalAveragePool") return define(n, Value{b_->global_avg_pool(input(n, 0).node, node_name(n))});
        if (op == "Flatten" || op == "Reshape") return flatten(n);
        if (op == "Pad") return pad(n);
        if (op == "Dropout" || op == "Identity") return define(n, value(n.input(0), "input"));
        if (op == "Constant") return constant_node(n);
        if (op == "Softmax") return softmax(n);
        if (op == "Shape" || op == "Cast" || op == "Slice" || op == "Gather" || op == "Unsqueeze") return shape_arithmetic(n);
        fail(n, "op " + op + " is not supported (docs/models.md lists the supported ops)");
    }

    void conv(const NodeProto& n) {
        only_attrs(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
        const Value& in = value(n.input(0), "input");
        const Tensor* w = constant(n, 1);
        const int groups = int(int_attr(n, "group", 1));
        if (!w || w->shape.size() != 4) fail(n, "its weight must be a 4-D constant [cout, cin/groups, kh, kw]");
        const int cout = w->shape[0], cpg = w->shape[1], kh = w->shape[2], kw = w->shape[3];
        const Shape s = b_->shape(in.node);
        if (groups < 1 || cpg * groups != s.c)
            fail(n, "weight '" + n.input(1) + "' is [" + std::to_string(cout) + ", " + std::to_string(cpg) + ", " + std::to_string(kh) + ", " +
                        std::to_string(kw) + "] with group " + std::to_string(groups) + ", its input has " + std::to_string(s.c) + " channels");
        const std::vector<int> ks = ints_attr(n, "kernel_shape", {kh, kw});
        if (ks != std::vector<int>{kh, kw}) fail(n, "kernel_shape does not match its weight's shape");
        Window win = window(n, in.node, kh, kw);
        win.pad_top += in.pad[0], win.pad_left += in.pad[1], win.pad_bottom += in.pad[2], win.pad_right += in.pad[3];
        Tensor hwio{{kh, kw, cpg, cout}, std::vector<float>(w->data.size())};
        for (int o = 0; o < cout; ++o)
            for (int i = 0; i < cpg; ++i)
                for (int y = 0; y < kh; ++y)
                    for (int x = 0; x < kw; ++x)
                        hwio.data[((size_t(y) * kw + x) * cpg + i) * cout + o] = w->data[((size_t(o) * cpg + i) * kh + y) * kw + x];
        const std::string name = node_name(n);
        ChannelAffine affine;
        affine.bias = keep_channels(n, 2, cout, "bias");
        define(n, Value{b_->conv(in.node, name, cout, groups, win, Activation::None, keep(name + "/kernel", std::move(hwio)), affine)});
    }

    void dense(const NodeProto& n) {
        const bool gemm = n.op_type() == "Gemm";
        if (gemm) only_attrs(n, {"alpha", "beta", "transA", "transB"});
        if (int_attr(n, "transA", 0) != 0 || float_attr(n, "alpha", 1) != 1 || float_attr(n, "beta", 1) != 1)
            fail(n, "transA, alpha and beta other than 0, 1 and 1 are not supported");
        const Value& in = input(n, 0);
        const Shape s = b_->shape(in.node);
        if (!in.flat && s.h * s.w != 1) fail(n, "its input must be flattened (Flatten or Reshape to [1, -1]) first");
        const Tensor* w = constant(n, 1);
        if (!w || w->shape.size() != 2) fail(n, "its weight must be a 2-D constant");
        const bool trans = gemm && int_attr(n, "transB", 0) != 0;
        const int rows = trans ? w->shape[1] : w->shape[0], cout = trans ? w->shape[0] : w->shape[1];
        if (rows != s.elements())
            fail(n, "weight '" + n.input(1) + "' has " + std::to_string(rows) + " inputs, its input has " + std::to_string(s.elements()));
        // ONNX flattens NCHW (channel slowest); the graph flattens NHWC (channel fastest).
        Tensor m{{rows, cout}, std::vector<float>(w->data.size())};
        for (int c = 0; c < s.c; ++c)
            for (int y = 0; y < s.h; ++y)
                for (int x = 0; x < s.w; ++x) {
                    const size_t onnx_row = (size_t(c) * s.h + y) * s.w + x, row = (size_t(y) * s.w + x) * s.c + c;
                    for (int o = 0; o < cout; ++o)
                        m.data[row * cout + o] = trans ? w->data[size_t(o) * rows + onnx_row] : w->data[onnx_row * cout + o];
                }
        const std::string name = node_name(n);
        ChannelAffine affine;
        if (gemm) affine.bias = keep_channels(n, 2, cout, "bias");
        define(n, Value{b_->dense(in.node, name, cout, Activation::None, keep(name + "/kernel", std::move(m)), affine)});
    }

    // The node `v` comes from, when the op that reads it may fold into it: a Conv or Gemm read by nothing else.
    Node* foldable(const NodeProto& n, bool weights_only) {
        const Value& v = input(n, 0);
        Node& p = b_->node(v.node);
        const bool weighted = p.kind == OpKind::Conv2d || p.kind == OpKind::Dense;
        if ((weights_only ? !weighted : !(weighted || p.kind == OpKind::Add)) || consumers_[n.input(0)] != 1 || p.act != Activation::None)
            return nullptr;
        return &p;
    }

    void batch_norm(const NodeProto& n) {
        only_attrs(n, {"epsilon", "momentum", "training_mode"});
        Node* p = foldable(n, true);
        if (!p || !p->affine.bn_mean.empty())
            fail(n, "only a batch norm right after a Conv or Gemm is supported (it folds into that layer's affine)");
        const std::string name = node_name(n);
        p->affine.bn_gamma = keep_channels(n, 1, p->cout, "scale");
        p->affine.bn_beta = keep_channels(n, 2, p->cout, "B");
        p->affine.bn_mean = keep_channels(n, 3, p->cout, "mean");
        p->affine.bn_var = keep_channels(n, 4, p->cout, "var");
        p->affine.bn_eps = float_attr(n, "epsilon", 1e-5f);
        define(n, value(n.input(0), "input"));
    }

    // Mul by a per-channel constant after a Conv or Gemm: a scale layer (face-api's), the affine's mul.
    void scale(const NodeProto& n) {
        Node* p = foldable(n, true);
        if (!p || !p->affine.mul.empty() || !p->affine.bn_mean.empty())
            fail(n, "only a per-channel scale right after a Conv or Gemm is supported");
        p->affine.mul = keep_channels(n, 1, p->cout, "scale");
        define(n, value(n.input(0), "input"));
    }

    void add(const NodeProto& n) {
        if (hard_curve(n)) return;
        if (tensors_.count(n.input(1))) {   // a per-channel constant: the layer's bias, or its scale layer's offset
            Node* p = foldable(n, true);
            if (!p || !p->affine.bn_mean.empty() || (!p->affine.mul.empty() ? !p->affine.add.empty() : !p->affine.bias.empty()))
                fail(n, "only a per-channel constant right after a Conv or Gemm (its bias) is supported");
            (p->affine.mul.empty() ? p->affine.bias : p->affine.add) = keep_channels(n, 1, p->cout, "constant");
            return define(n, value(n.input(0), "input"));
        }
        const Value &a = input(n, 0), &b = input(n, 1);
        if (!(b_->shape(a.node) == b_->shape(b.node))) fail(n, "adds tensors of different shapes (no broadcasting)");
        define(n, Value{b_->add(a.node, b.node, node_name(n))});
    }

    // A clamp folds into the op before it where it can; a curve is a node of its own (the activation unit's table).
    int activation(const NodeProto& n, Activation act) {
        if (Node* p = is_clamp(act) ? foldable(n, false) : nullptr) {
            p->act = act;
            define(n, value(n.input(0), "input"));
            return -1;
        }
        const int node = b_->activation(input(n, 0).node, node_name(n), act);
        define(n, Value{node});
        return node;
    }

    void hard_sigmoid(const NodeProto& n) {
        only_attrs(n, {"alpha", "beta"});
        Node& h = b_->node(activation(n, Activation::HardSigmoid));
        h.act_alpha = float_attr(n, "alpha", 0.2f);
        h.act_beta = float_attr(n, "beta", 0.5f);
    }

    // Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(., 6), each read only by the next: hard-swish, the way exporters
    // without the HardSwish op (opset < 14, Paddle2ONNX) write it; without the Mul it is hard-sigmoid(x / 6 + 1/2).
    // The chain becomes one activation node named after its last op; its other ops are absorbed.
    bool hard_curve(const NodeProto& add) {
        if (!constant_is(add, 1, 3) || is_constant(add, 0)) return false;
        const NodeProto* clip = only_reader(add.output(0), "Clip");
        if (!clip || clip_bounds(*clip) != std::pair<float, float>{0.f, 6.f}) return false;
        const NodeProto* mul = only_reader(clip->output(0), "Mul");
        if (mul && mul->input(mul->input(0) == clip->output(0) ? 1 : 0) != add.input(0)) mul = nullptr;
        const NodeProto* div = only_reader((mul ? mul : clip)->output(0), "Div");
        if (!div || div->input_size() != 2 || !constant_is(*div, 1, 6)) return false;
        const int node = b_->activation(input(add, 0).node, node_name(*div), mul ? Activation::HardSwish : Activation::HardSigmoid);
        b_->node(node).act_alpha = 1.f / 6.f;
        b_->node(node).act_beta = 0.5f;
        absorbed_.insert({clip, div});
        if (mul) absorbed_.insert(mul);
        define(*div, Value{node});
        return true;
    }

    // Squeeze-and-excitation's scaling: a tensor times a per-channel vector, either operand first.
    void channel_mul(const NodeProto& n) {
        const int a = input(n, 0).node, b = input(n, 1).node;
        auto vector_of = [&](int x, int v) { const Shape& s = b_->shape(v); return s.h == 1 && s.w == 1 && s.c == b_->shape(x).c; };
        if (!vector_of(a, b) && !vector_of(b, a))
            fail(n, "multiplies two tensors; only a tensor times a per-channel vector (1x1xC, squeeze-and-excitation) is supported");
        const bool b_scales = vector_of(a, b);
        define(n, Value{b_->mul(b_scales ? a : b, b_scales ? b : a, node_name(n))});
    }

    std::pair<float, float> clip_bounds(const NodeProto& n) const {
        const float lo = float_attr(n, "min", -std::numeric_limits<float>::infinity());
        const float hi = float_attr(n, "max", std::numeric_limits<float>::infinity());
        return {scalar(n, 1, lo), scalar(n, 2, hi)};
    }

    void clip(const NodeProto& n) {
        const auto [lo, hi] = clip_bounds(n);
        if (lo == 0 && hi == 6) return void(activation(n, Activation::Relu6));
        if (lo == 0 && std::isinf(hi)) return void(activation(n, Activation::Relu));
        fail(n, "Clip(" + std::to_string(lo) + ", " + std::to_string(hi) + ") does not map onto the activation unit (ReLU or ReLU6)");
    }

    void concat(const NodeProto& n) {
        for (int i = 0; i < n.input_size(); ++i)
            if (is_constant(n, i)) return shape_arithmetic(n);
        const int64_t axis = int_attr(n, "axis", 1);
        if (axis != 1 && axis != -3) fail(n, "only a concat of channels (axis 1) is supported");
        std::vector<int> ins;
        for (int i = 0; i < n.input_size(); ++i) ins.push_back(input(n, i).node);
        define(n, Value{b_->concat(ins, node_name(n))});
    }

    void pool(const NodeProto& n) {
        const bool avg = n.op_type() == "AveragePool";
        only_attrs(n, {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides", "storage_order"});
        const std::vector<int> k = ints_attr(n, "kernel_shape", {});
        if (k.size() != 2) fail(n, "kernel_shape must have two values");
        if (int_attr(n, "ceil_mode", 0) != 0) fail(n, "ceil_mode 1 is not supported");
        if (int_attr(n, "storage_order", 0) != 0) fail(n, "storage_order 1 is not supported");
        const Value& in = input(n, 0);
        const Window w = window(n, in.node, k[0], k[1]);
        const bool pads = w.pad_top || w.pad_bottom || w.pad_left || w.pad_right;
        // The pooling unit skips padding taps: TF's and ONNX's default average, which counts only real inputs.
        if (avg && pads && int_attr(n, "count_include_pad", 0) != 0) fail(n, "count_include_pad 1 with padding is not supported");
        define(n, Value{b_->pool(avg ? OpKind::AvgPool : OpKind::MaxPool, in.node, node_name(n), w)});
    }

    void flatten(const NodeProto& n) {
        if (n.op_type() == "Flatten" && int_attr(n, "axis", 1) != 1) fail(n, "only axis 1 (a batch of one, flattened) is supported");
        Value v = input(n, 0);
        if (n.op_type() == "Reshape") {
            const Tensor* shape = constant(n, 1);
            const long elems = b_->shape(v.node).elements();
            const bool flat = shape && shape->elements() == 2 && (shape->data[0] == 1 || shape->data[0] == -1 || shape->data[0] == 0) &&
                              (shape->data[1] == -1 || long(shape->data[1]) == elems);
            if (!flat) fail(n, "only a reshape to [1, -1] (flattening) is supported");
        }
        v.flat = true;
        define(n, v);
    }

    void pad(const NodeProto& n) {
        const auto* m = attr(n, "mode");
        if (m && m->s() != "constant") fail(n, "only constant (zero) padding is supported");
        std::vector<int> pads = ints_attr(n, "pads", {});
        if (n.input_size() > 1) {
            const Tensor* t = constant(n, 1);
            pads.assign(t->data.begin(), t->data.end());
        }
        float fill = float_attr(n, "value", 0);
        fill = scalar(n, 2, fill);
        if (fill != 0) fail(n, "only zero padding is supported");
        if (pads.size() != 8 || pads[0] || pads[4] || *std::min_element(pads.begin(), pads.end()) < 0)
            fail(n, "only non-negative padding of rows, columns and channels (NCHW pads [0,0,t,l,0,c,b,r]) is supported");
        if (pads[1] != 0) fail(n, "only channels appended at the end may be padded");
        Value v = value(n.input(0), "input");
        if (!v.padded() && pads[2] == 0 && pads[3] == 0)   // rows and columns at the bottom and right, channels: the pad unit
            return define(n, Value{b_->zero_pad(v.node, node_name(n), pads[6], pads[7], pads[5])});
        if (pads[5] != 0) fail(n, "padding channels together with the top or left border is not supported");
        v.pad = {v.pad[0] + pads[2], v.pad[1] + pads[3], v.pad[2] + pads[6], v.pad[3] + pads[7]};   // the next Conv's
        define(n, v);
    }

    // The 1-D integer arithmetic exporters write to compute a Reshape's target from a tensor's shape, evaluated here
    // (all shapes are known): Shape, Cast, Slice, Gather, Unsqueeze, and a Concat of constants.
    void shape_arithmetic(const NodeProto& n) {
        const std::string& op = n.op_type();
        Tensor out;
        if (op == "Shape") {
            only_attrs(n, {});
            const Value& v = value(n.input(0), "input");
            const Shape s = b_->shape(v.node);
            out.data = v.flat ? std::vector<float>{1.f, float(s.elements())} : std::vector<float>{1.f, float(s.c), float(s.h), float(s.w)};
            out.shape = {int(out.data.size())};
        } else if (op == "Cast") {
            out = *constant(n, 0);
        } else if (op == "Concat") {
            if (int_attr(n, "axis", 0) != 0 && int_attr(n, "axis", 0) != -1) fail(n, "a concat of constants is only supported along axis 0");
            for (int i = 0; i < n.input_size(); ++i) {
                const Tensor& t = vector_input(n, i);
                out.data.insert(out.data.end(), t.data.begin(), t.data.end());
            }
            out.shape = {int(out.data.size())};
        } else if (op == "Slice") {
            const Tensor& t = vector_input(n, 0);
            // opset 1-9: attributes; 10 on: inputs (starts, ends, axes, steps)
            const std::vector<int> starts = n.input_size() > 1 ? ints_of(n, 1) : ints_attr(n, "starts", {});
            const std::vector<int> ends = n.input_size() > 2 ? ints_of(n, 2) : ints_attr(n, "ends", {});
            const std::vector<int> axes = n.input_size() > 3 ? ints_of(n, 3) : ints_attr(n, "axes", {0});
            const std::vector<int> steps = n.input_size() > 4 ? ints_of(n, 4) : std::vector<int>{1};
            if (starts.size() != 1 || ends.size() != 1 || axes.size() != 1 || axes[0] != 0 || steps != std::vector<int>{1})
                fail(n, "only a slice of one range along axis 0 with step 1 is supported");
            const int size = int(t.data.size());
            auto at = [size](int i) { return std::clamp(i < 0 ? i + size : i, 0, size); };
            for (int i = at(starts[0]); i < at(ends[0]); ++i) out.data.push_back(t.data[size_t(i)]);
            out.shape = {int(out.data.size())};
        } else if (op == "Gather") {
            const Tensor& t = vector_input(n, 0);
            if (int_attr(n, "axis", 0) != 0) fail(n, "only a gather along axis 0 is supported");
            const Tensor& idx = *constant(n, 1);
            for (float f : idx.data) {
                const int i = int(f) < 0 ? int(f) + int(t.data.size()) : int(f);
                if (i < 0 || i >= int(t.data.size())) fail(n, "gathers index " + std::to_string(int(f)) + " of " + std::to_string(t.data.size()) + " values");
                out.data.push_back(t.data[size_t(i)]);
            }
            out.shape = idx.shape;
        } else {   // Unsqueeze of a scalar or a vector to a vector
            out = *constant(n, 0);
            if (out.shape.size() > 1) fail(n, "only a scalar or a 1-D constant may be unsqueezed");
            out.shape = {int(out.data.size())};
        }
        tensors_[n.output(0)] = std::move(out);
    }
    // Input i as a constant scalar or vector (shape arithmetic works on 1-D values).
    const Tensor& vector_input(const NodeProto& n, int i) const {
        const Tensor* t = constant(n, i);
        if (!t || t->shape.size() > 1) fail(n, "input " + std::to_string(i) + " must be a constant scalar or 1-D tensor");
        return *t;
    }
    std::vector<int> ints_of(const NodeProto& n, int i) const {
        const Tensor& t = vector_input(n, i);
        std::vector<int> v;
        for (float f : t.data) v.push_back(int(std::clamp(f, -2147483648.f, 2147483520.f)));
        return v;
    }

    void constant_node(const NodeProto& n) {
        const auto* a = attr(n, "value");
        if (!a || !a->has_t()) fail(n, "only a tensor-valued Constant is supported");
        tensors_[n.output(0)] = read_tensor(a->t());
    }

    // A final Softmax runs on the host: the accelerator's output is the class scores before it.
    void softmax(const NodeProto& n) {
        if (model_.graph().output_size() != 1 || model_.graph().output(0).name() != n.output(0))
            fail(n, "only a Softmax on the graph's output is supported (it runs on the host)");
        classifies_ = true;
        define(n, input(n, 0));
    }

    std::string path_;
    InputSize size_;
    onnx::ModelProto model_;
    TensorMap tensors_;     // initializers and constants, as the file holds them
    TensorMap converted_;   // what the graph reads: HWIO kernels, [inputs, outputs] matrices, per-channel vectors
    std::map<std::string, int> consumers_;
    std::map<std::string, std::vector<const NodeProto*>> readers_;
    std::set<const NodeProto*> absorbed_;   // nodes another node's import took over (a hard-swish chain's)
    std::map<std::string, Value> values_;
    GraphBuilder* b_ = nullptr;
    bool classifies_ = false;
};

}  // namespace

Model load_onnx(const std::string& path, InputSize size) { return Importer(path, size).run(); }

}  // namespace reshare::models
