// A models::Model written as an ONNX file (opset 13): how a zoo network with its real weights (face-api's from
// their TF.js manifests) becomes a standard file, for other frameworks and for the importer's round-trip tests.
#include "reshare/models/onnx.hpp"

#include "reshare/common/error.hpp"

#include <onnx/onnx_pb.h>

#include <cstdio>
#include <fstream>

namespace reshare::models {
namespace {

class Exporter {
public:
    explicit Exporter(const Model& m) : m_(m), g_(*m.graph) {}

    onnx::ModelProto run() {
        onnx::ModelProto model;
        model.set_ir_version(8);
        model.set_producer_name("reshare export");
        model.add_opset_import()->set_version(13);
        auto meta = [&](const char* k, const std::string& v) {
            auto* p = model.add_metadata_props();
            p->set_key(k), p->set_value(v);
        };
        const InputNorm& norm = g_.input_norm;
        meta("reshare.input_mean", std::to_string(norm.mean[0]) + "," + std::to_string(norm.mean[1]) + "," + std::to_string(norm.mean[2]));
        char scale[32];
        std::snprintf(scale, sizeof scale, "%.9g", norm.scale);
        meta("reshare.input_scale", scale);
        meta("reshare.weights", m_.weights);
        graph_ = model.mutable_graph();
        graph_->set_name(g_.name);
        value_info(graph_->add_input(), "input", g_.nodes[0].out);
        names_.push_back("input");
        for (size_t i = 1; i < g_.nodes.size(); ++i) names_.push_back(node(g_.nodes[i]));
        // A classifier's class probabilities: a final softmax, which the importer leaves to the host again.
        if (g_.classifies) names_.back() = op("Softmax", "softmax", {names_.back()})->output(0);
        const Node& last = g_.nodes.back();
        const bool flat = last.kind == OpKind::Dense || (last.kind == OpKind::Activation && g_.nodes.at(size_t(last.inputs[0])).kind == OpKind::Dense);
        value_info(graph_->add_output(), names_.back(), last.out, flat);
        return model;
    }

private:
    // NCHW, or [1, C] for a dense layer's output.
    void value_info(onnx::ValueInfoProto* v, const std::string& name, const Shape& s, bool flat = false) {
        v->set_name(name);
        auto* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto::FLOAT);
        const std::vector<int> dims = flat ? std::vector<int>{1, s.c} : std::vector<int>{1, s.c, s.h, s.w};
        for (int d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
    }

    std::string initializer(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& data) {
        auto* t = graph_->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (int64_t d : dims) t->add_dims(d);
        t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));
        return name;
    }

    onnx::NodeProto* op(const std::string& type, const std::string& name, const std::vector<std::string>& inputs) {
        auto* n = graph_->add_node();
        n->set_op_type(type);
        n->set_name(name);
        for (const std::string& i : inputs) n->add_input(i);
        n->add_output(name + ":0");   // values and initializers share one namespace: a layer may be named as its weights
        return n;
    }
    static void ints(onnx::NodeProto* n, const char* name, const std::vector<int64_t>& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t x : v) a->add_ints(x);
    }
    static void integer(onnx::NodeProto* n, const char* name, int64_t v) {
        auto* a = n->add_attribute();
        a->set_name(name), a->set_type(onnx::AttributeProto::INT), a->set_i(v);
    }
    static void real(onnx::NodeProto* n, const char* name, float v) {
        auto* a = n->add_attribute();
        a->set_name(name), a->set_type(onnx::AttributeProto::FLOAT), a->set_f(v);
    }
    void window(onnx::NodeProto* o, const Node& n, bool dilations) {
        ints(o, "kernel_shape", {n.kh, n.kw});
        ints(o, "strides", {n.stride_h, n.stride_w});
        ints(o, "pads", {n.pad_top, n.pad_left, n.pad_bottom, n.pad_right});
        if (dilations) ints(o, "dilations", {n.dil_h, n.dil_w});
        else if (n.dil_h != 1 || n.dil_w != 1) throw Error("export: node " + n.name + ": a dilated pool has no opset-13 ONNX form");
    }

    const std::vector<float>& tensor(const Node& n, const std::string& name) const {
        const auto it = m_.tensors.find(name);
        if (it == m_.tensors.end()) throw Error("export: node " + n.name + " needs tensor '" + name + "', which the model lacks");
        return it->second.data;
    }
    // A conv or dense layer's weights, rows x cols with rows (kh, kw, cin/groups), as the crossbars hold them.
    std::vector<float> weights(const Node& n) const {
        for (size_t i = 0; i < m_.layers.size(); ++i)
            if (m_.layers[i].name == n.name) return m_.matrix(i);
        throw Error("export: node " + n.name + " is not a weight layer of the model");
    }

    // The per-channel steps after a layer's accumulator (bias is the Conv's or Gemm's own input), then its act.
    std::string affine_and_act(const Node& n, std::string x) {
        const ChannelAffine& f = n.affine;
        const std::vector<int64_t> dims = n.kind == OpKind::Dense ? std::vector<int64_t>{n.cout} : std::vector<int64_t>{n.cout, 1, 1};
        if (!f.mul.empty()) x = op("Mul", n.name + "/mul", {x, initializer(f.mul, dims, tensor(n, f.mul))})->output(0);
        if (!f.add.empty()) x = op("Add", n.name + "/add_offset", {x, initializer(f.add, dims, tensor(n, f.add))})->output(0);
        if (!f.bn_mean.empty()) {
            std::vector<std::string> in = {x};
            for (const std::string* t : {&f.bn_gamma, &f.bn_beta, &f.bn_mean, &f.bn_var}) in.push_back(initializer(*t, {n.cout}, tensor(n, *t)));
            auto* bn = op("BatchNormalization", n.name + "/batchnorm", in);
            real(bn, "epsilon", f.bn_eps);
            x = bn->output(0);
        }
        return act(n, x);
    }
    std::string act(const Node& n, const std::string& x) {
        const std::string& name = n.name;
        auto scalar = [&](const char* what, float v) { return initializer(name + "/" + what, {}, {v}); };
        switch (n.act) {
            case Activation::None: return x;
            case Activation::Relu: return op("Relu", name + "/relu", {x})->output(0);
            case Activation::Relu6: return op("Clip", name + "/relu6", {x, scalar("relu6_min", 0.f), scalar("relu6_max", 6.f)})->output(0);
            case Activation::HardSwish: {   // opset 13 has no HardSwish: the chain the importer reads back as one
                const std::string shifted = op("Add", name + "/plus3", {x, scalar("three", 3.f)})->output(0);
                const std::string clipped = op("Clip", name + "/relu6", {shifted, scalar("relu6_min", 0.f), scalar("relu6_max", 6.f)})->output(0);
                const std::string product = op("Mul", name + "/times_x", {x, clipped})->output(0);
                return op("Div", name, {product, scalar("six", 6.f)})->output(0);
            }
            case Activation::HardSigmoid: {
                auto* h = op("HardSigmoid", name, {x});
                real(h, "alpha", n.act_alpha);
                real(h, "beta", n.act_beta);
                return h->output(0);
            }
            case Activation::Sigmoid: return op("Sigmoid", name, {x})->output(0);
        }
        return x;
    }

    std::string node(const Node& n) {
        auto in = [&](size_t i) { return names_.at(size_t(n.inputs.at(i))); };
        switch (n.kind) {
            case OpKind::Conv2d: {
                const Shape& s = g_.nodes.at(size_t(n.inputs[0])).out;
                const int cpg = s.c / n.groups;
                const std::vector<float> w = weights(n);
                std::vector<float> oihw(w.size());
                for (int y = 0; y < n.kh; ++y)
                    for (int x = 0; x < n.kw; ++x)
                        for (int i = 0; i < cpg; ++i)
                            for (int o = 0; o < n.cout; ++o)
                                oihw[((size_t(o) * cpg + i) * n.kh + y) * n.kw + x] = w[((size_t(y) * n.kw + x) * cpg + i) * n.cout + o];
                std::vector<std::string> ins = {in(0), initializer(n.weight, {n.cout, cpg, n.kh, n.kw}, oihw)};
                if (!n.affine.bias.empty()) ins.push_back(initializer(n.affine.bias, {n.cout}, tensor(n, n.affine.bias)));
                auto* c = op("Conv", n.name, ins);
                window(c, n, true);
                integer(c, "group", n.groups);
                return affine_and_act(n, c->output(0));
            }
            case OpKind::Dense: {
                const Shape& s = g_.nodes.at(size_t(n.inputs[0])).out;
                const std::string flat = op("Flatten", n.name + "/flatten", {in(0)})->output(0);
                const std::vector<float> w = weights(n);
                std::vector<float> chw(w.size());   // rows from the graph's HWC flattening to ONNX's CHW one
                for (int c = 0; c < s.c; ++c)
                    for (int y = 0; y < s.h; ++y)
                        for (int x = 0; x < s.w; ++x)
                            for (int o = 0; o < n.cout; ++o)
                                chw[((size_t(c) * s.h + y) * s.w + x) * n.cout + o] = w[((size_t(y) * s.w + x) * s.c + c) * n.cout + o];
                std::vector<std::string> ins = {flat, initializer(n.weight, {int64_t(s.elements()), n.cout}, chw)};
                if (!n.affine.bias.empty()) ins.push_back(initializer(n.affine.bias, {n.cout}, tensor(n, n.affine.bias)));
                return affine_and_act(n, op("Gemm", n.name, ins)->output(0));
            }
            case OpKind::MaxPool:
            case OpKind::AvgPool: {
                auto* p = op(n.kind == OpKind::MaxPool ? "MaxPool" : "AveragePool", n.name, {in(0)});
                window(p, n, n.kind == OpKind::MaxPool);
                return p->output(0);
            }
            case OpKind::GlobalAvgPool: return op("GlobalAveragePool", n.name, {in(0)})->output(0);
            case OpKind::Add: return act(n, op("Add", n.name, {in(0), in(1)})->output(0));
            case OpKind::Concat: {
                std::vector<std::string> ins;
                for (size_t i = 0; i < n.inputs.size(); ++i) ins.push_back(in(i));
                auto* c = op("Concat", n.name, ins);
                integer(c, "axis", 1);
                return c->output(0);
            }
            case OpKind::ZeroPad: {
                auto* t = graph_->add_initializer();
                t->set_name(n.name + "/pads");
                t->set_data_type(onnx::TensorProto::INT64);
                t->add_dims(8);
                for (int64_t v : {0, 0, 0, 0, 0, n.pad_channels, n.pad_bottom, n.pad_right}) t->add_int64_data(v);
                return op("Pad", n.name, {in(0), t->name()})->output(0);
            }
            case OpKind::Activation: return act(n, in(0));
            case OpKind::Mul: return op("Mul", n.name, {in(0), in(1)})->output(0);
            case OpKind::Input: break;
        }
        throw Error("export: node " + n.name + " has no ONNX form");
    }

    const Model& m_;
    const Graph& g_;
    onnx::GraphProto* graph_ = nullptr;
    std::vector<std::string> names_;   // each graph node's ONNX output
};

}  // namespace

void save_onnx(const Model& model, const std::string& path) {
    if (!model.graph) throw Error("export: model " + model.name + " has no graph (a bare manifest)");
    const onnx::ModelProto proto = Exporter(model).run();
    {
        std::ofstream out(path + ".partial", std::ios::binary);
        if (!out || !proto.SerializeToOstream(&out)) throw Error("cannot write " + path, ExitCode::Failure);
    }
    if (std::rename((path + ".partial").c_str(), path.c_str()) != 0) throw Error("cannot write " + path, ExitCode::Failure);
}

}  // namespace reshare::models
