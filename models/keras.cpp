#include "reshare/models/keras.hpp"

#include "reshare/common/error.hpp"
#include "reshare/models/tfjs.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <map>
#include <optional>
#include <tuple>
#include <set>

namespace reshare::models {
namespace {

using nlohmann::json;

// A layer's output in the graph, with zero padding a ZeroPadding2D left for the next convolution.
struct Value {
    int node = -1;
    std::array<int, 4> pad{0, 0, 0, 0};   // top, left, bottom, right
    bool padded() const { return pad[0] || pad[1] || pad[2] || pad[3]; }
};

json read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error("model file " + path + ": cannot be read");
    const json j = json::parse(in, nullptr, false);
    if (j.is_discarded()) throw Error("model file " + path + ": not valid JSON");
    return j;
}

// TF's SAME padding along one axis: out = ceil(in / stride), the odd pixel at the bottom or right.
std::pair<int, int> same_pads(int in, int k, int stride, int dilation) {
    const int out = (in + stride - 1) / stride;
    const int total = std::max(0, (out - 1) * stride + dilation * (k - 1) + 1 - in);
    return {total / 2, total - total / 2};
}

class Importer {
public:
    explicit Importer(std::string path) : path_(std::move(path)) {}

    Model run() {
        const json root = read_json(path_);
        json topology = root.value("modelTopology", json());
        if (topology.contains("model_config")) topology = topology["model_config"];
        if (!topology.is_object() || !topology.contains("config")) throw Error(where() + ": modelTopology holds no model");
        const std::string cls = topology.value("class_name", "");
        const json& config = topology["config"];
        const json layers = config.is_array() ? config : config.value("layers", json::array());
        if (!layers.is_array() || layers.empty()) throw Error(where() + ": the model has no layers");
        sequential_ = cls == "Sequential";
        if (!sequential_ && cls != "Model" && cls != "Functional") throw Error(where() + ": model class " + cls + " is not supported");
        tensors_ = load_tfjs_manifest(path_);   // the weightsManifest, with its shards beside the file
        count_consumers(layers);
        for (const json& l : layers) layer(l);
        if (!b_) throw Error(where() + ": the model has no input");
        b_->set_classifies(classifies_);
        Model m;
        m.name = path_;
        m.weights = "real";
        m.source = path_;
        m.graph = std::move(*b_).build();
        m.tensors = std::move(kept_);
        return m;
    }

private:
    std::string where() const { return "model file " + path_; }
    [[noreturn]] void fail(const json& l, const std::string& what) const {
        throw Error(where() + ": layer " + l["config"].value("name", "?") + " (" + l.value("class_name", "?") + "): " + what);
    }

    // The names of the layers a layer reads (functional models; a Sequential reads the layer before).
    std::vector<std::string> inbound(const json& l) const {
        std::vector<std::string> out;
        if (sequential_) {
            if (!last_.empty()) out.push_back(last_);
            return out;
        }
        const json nodes = l.value("inbound_nodes", json::array());
        if (nodes.empty()) return out;
        for (const json& in : nodes[0]) {
            if (in.is_array() && !in.empty() && in[0].is_string()) out.push_back(in[0]);
            else if (in.is_object() && in.contains("args")) throw Error(where() + ": Keras 3 model files are not supported (save with Keras 2 / tfjs-converter)");
        }
        return out;
    }

    void count_consumers(const json& layers) {
        std::string previous;
        for (const json& l : layers) {
            if (sequential_) {
                if (!previous.empty()) ++consumers_[previous];
                previous = l["config"].value("name", "");
            } else {
                last_.clear();
                for (const std::string& in : inbound(l)) ++consumers_[in];
            }
        }
        last_.clear();
    }

    const Value& input_value(const json& l, size_t i = 0) const {
        const std::vector<std::string> ins = inbound(l);
        if (i >= ins.size()) fail(l, "has no input");
        const auto it = values_.find(ins[i]);
        if (it == values_.end()) fail(l, "reads layer " + ins[i] + ", which comes later or does not exist");
        return it->second;
    }
    const Value& plain_input(const json& l, size_t i = 0) const {
        const Value& v = input_value(l, i);
        if (v.padded()) fail(l, "reads a ZeroPadding2D's output; only a convolution takes top or left padding");
        return v;
    }

    // The tensor of layer `l` named `what` (kernel, bias, ...): TF.js names weights <layer>/<what>, perhaps under
    // the model's name.
    const Tensor* weight(const json& l, const std::string& what, bool required = true) const {
        const std::string name = l["config"].value("name", "");
        const std::string suffix = name + "/" + what;
        for (const auto& [key, t] : tensors_)
            if (key == suffix || (key.size() > suffix.size() && key.compare(key.size() - suffix.size() - 1, std::string::npos, "/" + suffix) == 0))
                return &t;
        if (required) fail(l, "its weight " + suffix + " is not in the weights manifest");
        return nullptr;
    }
    std::string keep(const std::string& name, const Tensor& t) {
        kept_[name] = t;
        return name;
    }

    static std::pair<int, int> pair_of(const json& v, int def) {
        if (v.is_number_integer()) return {v.get<int>(), v.get<int>()};
        if (v.is_array() && v.size() == 2) return {v[0].get<int>(), v[1].get<int>()};
        return {def, def};
    }

    Activation activation_of(const json& l, const std::string& name, bool last) {
        if (name == "relu") return Activation::Relu;
        if (name == "relu6") return Activation::Relu6;
        if (name == "linear") return Activation::None;
        if (name == "softmax" && last) {
            classifies_ = true;   // the host's, after the accelerator's scores
            return Activation::None;
        }
        fail(l, "activation " + name + " does not map onto the activation unit (ReLU or ReLU6)");
    }

    void define(const json& l, Value v) {
        last_ = l["config"].value("name", "");
        values_[last_] = v;
    }

    // The window of a convolution or pool, Keras's padding resolved against the input.
    Window window(const json& l, const Value& in, std::pair<int, int> k, std::pair<int, int> stride, std::pair<int, int> dil) {
        const json& c = l["config"];
        Window w;
        w.kh = k.first, w.kw = k.second, w.stride_h = stride.first, w.stride_w = stride.second, w.dil_h = dil.first, w.dil_w = dil.second;
        const std::string padding = c.value("padding", "valid");
        if (padding == "same") {
            const Shape& s = b_->shape(in.node);
            std::tie(w.pad_top, w.pad_bottom) = same_pads(s.h, w.kh, w.stride_h, w.dil_h);
            std::tie(w.pad_left, w.pad_right) = same_pads(s.w, w.kw, w.stride_w, w.dil_w);
        } else if (padding != "valid") {
            fail(l, "padding " + padding + " is not supported");
        }
        w.pad_top += in.pad[0], w.pad_left += in.pad[1], w.pad_bottom += in.pad[2], w.pad_right += in.pad[3];
        return w;
    }

    void layer(const json& l) {
        const std::string cls = l.value("class_name", "");
        const json& c = l["config"];
        const std::string name = c.value("name", "");
        if (c.value("data_format", "channels_last") != "channels_last") fail(l, "only channels_last data is supported");
        const bool last = consumers_[name] == 0;
        if (cls == "InputLayer" || (!b_ && c.contains("batch_input_shape"))) start(l);
        if (cls == "InputLayer") return;
        if (cls == "Conv2D" || cls == "DepthwiseConv2D" || cls == "SeparableConv2D") return conv(l, cls, last);
        if (cls == "Dense") return dense(l, last);
        if (cls == "BatchNormalization") return batch_norm(l);
        if (cls == "Activation") return activation(l, activation_of(l, c.value("activation", "linear"), last));
        if (cls == "ReLU") {
            if (c.value("negative_slope", 0.0) != 0 || c.value("threshold", 0.0) != 0) fail(l, "a leaky or thresholded ReLU is not supported");
            const json max = c.value("max_value", json());
            if (max.is_null()) return activation(l, Activation::Relu);
            if (max.is_number() && max.get<double>() == 6) return activation(l, Activation::Relu6);
            fail(l, "max_value " + max.dump() + " does not map onto the activation unit (ReLU or ReLU6)");
        }
        if (cls == "ZeroPadding2D") return zero_pad(l);
        if (cls == "MaxPooling2D" || cls == "AveragePooling2D") return pool(l, cls == "MaxPooling2D" ? OpKind::MaxPool : OpKind::AvgPool);
        if (cls == "GlobalAveragePooling2D") {
            if (c.value("keepdims", false)) fail(l, "keepdims is not supported");
            return define(l, Value{b_->global_avg_pool(plain_input(l).node, name)});
        }
        if (cls == "Add") return define(l, Value{b_->add(plain_input(l, 0).node, plain_input(l, 1).node, name)});
        if (cls == "Concatenate") {
            const int axis = c.value("axis", -1);
            if (axis != -1 && axis != 3) fail(l, "only a concat of channels (axis -1) is supported");
            std::vector<int> ins;
            for (size_t i = 0; i < inbound(l).size(); ++i) ins.push_back(plain_input(l, i).node);
            return define(l, Value{b_->concat(ins, name)});
        }
        // Keras flattens channels-last, as the graph's dense layers read: nothing to do.
        if (cls == "Flatten" || cls == "Dropout" || cls == "Reshape") {
            if (cls == "Reshape") {
                const json t = c.value("target_shape", json());
                if (!t.is_array() || t.size() != 1 || t[0].get<long>() != b_->shape(plain_input(l).node).elements())
                    fail(l, "only a reshape to one dimension (flattening) is supported");
            }
            return define(l, plain_input(l));
        }
        fail(l, "layer class " + cls + " is not supported (docs/models.md lists the supported layers)");
    }

    void start(const json& l) {
        if (b_) fail(l, "a second input is not supported");
        const json shape = l["config"].value("batch_input_shape", json());
        if (!shape.is_array() || shape.size() != 4 || !shape[1].is_number_integer() || !shape[2].is_number_integer() || !shape[3].is_number_integer())
            fail(l, "the input must be a fixed-size [batch, height, width, channels] image");
        // Keras feeds the pixels as the application prepared them: the preprocessing flags say how (pixels 0..255).
        InputNorm norm;
        norm.scale = 1.f;
        b_.emplace(path_, Shape{shape[1].get<int>(), shape[2].get<int>(), shape[3].get<int>()}, norm);
        values_[l["config"].value("name", "input")] = Value{0};
        last_ = l["config"].value("name", "input");
    }

    void conv(const json& l, const std::string& cls, bool last) {
        const json& c = l["config"];
        const std::string name = c.value("name", "");
        const Value in = input_value(l);
        const int cin = b_->shape(in.node).c;
        const auto k = pair_of(c.value("kernel_size", json(1)), 1), stride = pair_of(c.value("strides", json(1)), 1),
                   dil = pair_of(c.value("dilation_rate", json(1)), 1);
        const Activation act = activation_of(l, c.value("activation", "linear"), last);
        const bool bias = c.value("use_bias", true);
        const Window w = window(l, in, k, stride, dil);
        auto check = [&](const Tensor* t, std::vector<int> want, const char* what) {
            if (t->shape != want) {
                std::string s;
                for (int d : t->shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
                fail(l, std::string(what) + " has shape [" + s + "], the layer needs [" + std::to_string(want[0]) + ", " + std::to_string(want[1]) +
                            ", " + std::to_string(want[2]) + ", " + std::to_string(want[3]) + "]");
            }
        };
        ChannelAffine affine;
        if (cls == "Conv2D") {
            const int groups = c.value("groups", 1), filters = c.value("filters", 0);
            const Tensor* kernel = weight(l, "kernel");
            check(kernel, {k.first, k.second, groups > 0 ? cin / groups : 0, filters}, "kernel");
            if (bias) affine.bias = keep(name + "/bias", *weight(l, "bias"));
            return define(l, Value{b_->conv(in.node, name, filters, groups, w, act, keep(name + "/kernel", *kernel), affine)});
        }
        const int mult = c.value("depth_multiplier", 1);
        const Tensor* dw = weight(l, "depthwise_kernel");
        check(dw, {k.first, k.second, cin, mult}, "depthwise_kernel");
        if (cls == "DepthwiseConv2D") {
            if (bias) affine.bias = keep(name + "/bias", *weight(l, "bias"));
            return define(l, Value{b_->conv(in.node, name, cin * mult, cin, w, act, keep(name + "/depthwise_kernel", *dw), affine)});
        }
        // SeparableConv2D: the depthwise convolution, then the pointwise one with the bias and the activation.
        const int depthwise = b_->conv(in.node, name + "/depthwise", cin * mult, cin, w, Activation::None, keep(name + "/depthwise_kernel", *dw));
        const int filters = c.value("filters", 0);
        const Tensor* pw = weight(l, "pointwise_kernel");
        check(pw, {1, 1, cin * mult, filters}, "pointwise_kernel");
        if (bias) affine.bias = keep(name + "/bias", *weight(l, "bias"));
        define(l, Value{b_->conv(depthwise, name, filters, 1, Window{}, act, keep(name + "/pointwise_kernel", *pw), affine)});
    }

    void dense(const json& l, bool last) {
        const json& c = l["config"];
        const std::string name = c.value("name", "");
        const Value& in = plain_input(l);
        const int units = c.value("units", 0);
        const Tensor* kernel = weight(l, "kernel");
        const long inputs = b_->shape(in.node).elements();
        if (kernel->shape != std::vector<int>{int(inputs), units})
            fail(l, "kernel has " + std::to_string(kernel->elements()) + " values in shape [" + std::to_string(kernel->shape.empty() ? 0 : kernel->shape[0]) +
                        ", ...], the layer needs [" + std::to_string(inputs) + ", " + std::to_string(units) + "]");
        const Activation act = activation_of(l, c.value("activation", "linear"), last);
        ChannelAffine affine;
        if (c.value("use_bias", true)) affine.bias = keep(name + "/bias", *weight(l, "bias"));
        define(l, Value{b_->dense(in.node, name, units, act, keep(name + "/kernel", *kernel), affine)});
    }

    // A batch norm right after a convolution or dense layer read by nothing else: folded into its affine.
    void batch_norm(const json& l) {
        const json& c = l["config"];
        const std::string name = c.value("name", "");
        const std::vector<std::string> ins = inbound(l);
        const Value& in = plain_input(l);
        Node& p = b_->node(in.node);
        const int axis = c.value("axis", -1);
        if ((axis != -1 && axis != 3) || (p.kind != OpKind::Conv2d && p.kind != OpKind::Dense) || consumers_[ins[0]] != 1 ||
            p.act != Activation::None || !p.affine.bn_mean.empty())
            fail(l, "only a batch norm of channels right after a convolution or dense layer without activation is supported");
        const int n = p.cout;
        auto channel = [&](const char* what, bool present, float fill) {
            if (!present) return keep(name + "/" + what, Tensor{{n}, std::vector<float>(size_t(n), fill)});
            const Tensor* t = weight(l, what);
            if (t->elements() != n) fail(l, std::string(what) + " has " + std::to_string(t->elements()) + " values for " + std::to_string(n) + " channels");
            return keep(name + "/" + what, *t);
        };
        p.affine.bn_gamma = channel("gamma", c.value("scale", true), 1.f);
        p.affine.bn_beta = channel("beta", c.value("center", true), 0.f);
        p.affine.bn_mean = channel("moving_mean", true, 0.f);
        p.affine.bn_var = channel("moving_variance", true, 1.f);
        p.affine.bn_eps = c.value("epsilon", 1e-3f);
        define(l, in);
    }

    void activation(const json& l, Activation act) {
        const std::vector<std::string> ins = inbound(l);
        const Value& in = plain_input(l);
        Node& p = b_->node(in.node);
        const bool fold = (p.kind == OpKind::Conv2d || p.kind == OpKind::Dense || p.kind == OpKind::Add) && p.act == Activation::None &&
                          consumers_[ins[0]] == 1;
        if (act == Activation::None) return define(l, in);
        if (fold) {
            p.act = act;
            return define(l, in);
        }
        define(l, Value{b_->activation(in.node, l["config"].value("name", ""), act)});
    }

    void zero_pad(const json& l) {
        const json p = l["config"].value("padding", json(1));
        int t, b, le, r;
        if (p.is_number_integer()) t = b = le = r = p.get<int>();
        else if (p.is_array() && p.size() == 2 && p[0].is_number_integer()) t = b = p[0].get<int>(), le = r = p[1].get<int>();
        else if (p.is_array() && p.size() == 2 && p[0].is_array()) t = p[0][0], b = p[0][1], le = p[1][0], r = p[1][1];
        else fail(l, "padding must be n, [rows, cols] or [[top, bottom], [left, right]]");
        Value v = input_value(l);
        if (!v.padded() && t == 0 && le == 0) return define(l, Value{b_->zero_pad(v.node, l["config"].value("name", ""), b, r, 0)});
        v.pad = {v.pad[0] + t, v.pad[1] + le, v.pad[2] + b, v.pad[3] + r};   // the next convolution's
        define(l, v);
    }

    void pool(const json& l, OpKind kind) {
        const json& c = l["config"];
        const auto k = pair_of(c.value("pool_size", json(2)), 2);
        const json s = c.value("strides", json());
        const auto stride = s.is_null() ? k : pair_of(s, 1);
        const Value& in = plain_input(l);
        define(l, Value{b_->pool(kind, in.node, c.value("name", ""), window(l, in, k, stride, {1, 1}))});
    }

    std::string path_;
    bool sequential_ = false;
    TensorMap tensors_, kept_;
    std::map<std::string, int> consumers_;
    std::map<std::string, Value> values_;
    std::string last_;   // the layer a Sequential layer reads
    std::optional<GraphBuilder> b_;
    bool classifies_ = false;
};

}  // namespace

bool is_keras_model(const std::string& path) {
    std::ifstream in(path);
    if (!in) return false;
    const json j = json::parse(in, nullptr, false);
    return !j.is_discarded() && j.is_object() && j.contains("modelTopology");
}

Model load_keras(const std::string& path) { return Importer(path).run(); }

}  // namespace reshare::models
