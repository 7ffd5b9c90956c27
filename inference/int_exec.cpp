// The int8 executor: integer products of int8 activations and weights, requantized to calibrated scales.
#include "reshare/common/error.hpp"
#include "reshare/common/parallel.hpp"
#include "reshare/inference/engine.hpp"
#include "reshare/inference/ops.hpp"

#include <algorithm>
#include <cmath>

namespace reshare::inference {
namespace {

using detail::shape_of;

// Symmetric int8 with zero point 0, for the network input (the accelerator's input arrives already quantized).
int8_t saturate(double v) { return kernels::clamp8(int64_t(std::clamp(std::nearbyint(v), -127.0, 127.0))); }

QTensor quantized(const models::Shape& s, double scale) {
    return {s.h, s.w, s.c, scale, std::vector<int8_t>(size_t(s.elements()))};
}

QTensor quantized_input(const models::Node& n, const Calibration& cal, const std::vector<float>& input) {
    QTensor t = quantized(n.out, cal.scale[0]);
    for (size_t i = 0; i < input.size() && i < t.q.size(); ++i) t.q[i] = saturate(input[i] / t.scale);
    return t;
}

void check_config(const HwConfig& c) {
    if (c.weight_bits < 2 || c.weight_bits > 8)
        throw Error("inference: weight_bits " + std::to_string(c.weight_bits) + " does not fit int8 weights");
}

int lower_clamp(models::Activation a) {
    return a == models::Activation::Relu || a == models::Activation::Relu6 ? 0 : kernels::kInt8Min;
}
int upper_clamp(models::Activation a, double scale) {
    return a == models::Activation::Relu6 ? saturate(6.0 / scale) : kernels::kInt8Max;
}

class IntExec {
public:
    IntExec(const QuantizedModel& qm, const Calibration& cal, const std::vector<float>& input, const MvmFn& mvm,
            std::vector<LayerAccumulators>& layers)
        : qm_(qm), cal_(cal), input_(input), layers_(layers), program_(requant_program(qm, cal)),
          scales_(tensor_scales(detail::graph_of(qm.model()), cal)) {
        mvm_ = mvm ? mvm : MvmFn([](size_t, const QuantizedMatrix& w, const std::vector<int8_t>& x, int n,
                                    std::vector<int64_t>& acc) { integer_mvm(w, x, n, acc); });
    }

    QTensor input(const models::Node& n) const {
        if (input_.size() != size_t(n.out.elements()))
            throw Error("model " + qm_.model().name + ": input has " + std::to_string(input_.size()) +
                        " values, expected " + std::to_string(n.out.elements()));
        return quantized_input(n, cal_, input_);
    }

    // Integer products of the layer's im2col vectors, then one requantization per output channel.
    QTensor weight_layer(const models::Node& n, int node, size_t layer, const QTensor& in) const {
        const QuantizedMatrix& w = qm_.weights(layer);
        LayerAccumulators& la = layers_.at(layer);
        la = {node, n.kind == models::OpKind::Dense ? 1 : n.out.h * n.out.w, w.cols, {}};
        la.acc.assign(size_t(la.n_vectors) * w.cols, 0);
        mvm_(layer, w, detail::layer_vectors<int8_t, int8_t>(in.q.data(), shape_of(in), n), la.n_vectors, la.acc);
        if (la.acc.size() != size_t(la.n_vectors) * w.cols)
            throw Error("layer " + w.name + ": the MVM callback resized the accumulators");
        for (int64_t a : la.acc)   // the hardware's accumulators are int32
            if (a > INT32_MAX || a < INT32_MIN) throw Error("layer " + w.name + ": an accumulator overflows int32");
        QTensor out = output(n, node);
        const NodeRequant& r = program_[size_t(node)];
        kernels::requantize(la.acc.data(), la.acc.size(), w.cols, r.entries.data(), r.lo, r.hi, out.q.data());
        return out;
    }

    QTensor max_pool(const models::Node& n, const QTensor& in) const {
        QTensor out = quantized(n.out, in.scale);
        kernels::max_pool(in.q.data(), shape_of(in), n, out.q.data());
        return out;
    }

    QTensor avg_pool(const models::Node& n, int node, const QTensor& in) const {
        QTensor out = output(n, node);
        kernels::avg_pool(in.q.data(), shape_of(in), n, program_[size_t(node)].entries.at(0), out.q.data());
        return out;
    }

    QTensor add(const models::Node& n, int node, const QTensor& a, const QTensor& b) const {
        QTensor out = output(n, node);
        const NodeRequant& r = program_[size_t(node)];
        kernels::add(a.q.data(), b.q.data(), out.q.size(), r.entries.at(0), r.entries.at(1), r.lo, r.hi, out.q.data());
        return out;
    }

    QTensor concat(const models::Node& n, int node, const std::vector<const QTensor*>& parts) const {
        QTensor out = output(n, node);
        int offset = 0;
        for (size_t k = 0; k < parts.size(); ++k) {
            kernels::copy_channels(parts[k]->q.data(), shape_of(*parts[k]), offset, n.out.c,
                                   program_[size_t(node)].entries.at(k), out.q.data());
            offset += parts[k]->c;
        }
        return out;
    }

    QTensor zero_pad(const models::Node& n, const QTensor& in) const {
        return {n.out.h, n.out.w, n.out.c, in.scale, detail::zero_pad(in.q, shape_of(in), n)};
    }

    QTensor activation(const models::Node& n, int node, const QTensor& in) const {
        QTensor out = output(n, node);
        const NodeRequant& r = program_[size_t(node)];
        if (r.table.empty())
            kernels::clamp(in.q.data(), in.q.size(), r.lo, r.hi, out.q.data());
        else
            kernels::lookup(in.q.data(), in.q.size(), r.table.data(), out.q.data());
        return out;
    }

    QTensor mul(const models::Node& n, int node, const QTensor& a, const QTensor& scales) const {
        QTensor out = output(n, node);
        const NodeRequant& r = program_[size_t(node)];
        kernels::channel_mul(a.q.data(), a.q.size(), scales.q.data(), a.c, r.entries.at(0), r.lo, r.hi, out.q.data());
        return out;
    }

private:
    const QuantizedModel& qm_;
    const Calibration& cal_;
    const std::vector<float>& input_;
    std::vector<LayerAccumulators>& layers_;
    std::vector<NodeRequant> program_;
    std::vector<double> scales_;
    MvmFn mvm_;

    QTensor output(const models::Node& n, int node) const { return quantized(n.out, scales_[size_t(node)]); }
};

}  // namespace

// Every int8 input value's output: the activation of its real value, quantized to the output's scale.
std::vector<int8_t> activation_table(const models::Node& n, double in_scale, double out_scale) {
    std::vector<int8_t> t(kernels::kTableEntries);
    for (int q = -128; q < 128; ++q) t[size_t(q + 128)] = saturate(detail::activate(q * in_scale, n) / out_scale);
    return t;
}

QuantizedMatrix QuantizedModel::quantize_layer(const models::Model& model, size_t layer, const std::vector<float>& weights,
                                               const HwConfig& config) {
    const models::WeightLayer& l = model.layers.at(layer);
    return quantize(l.name, l.rows, l.cols, l.groups, weights, config.quant, config.weight_bits, default_threads());
}

QuantizedModel::QuantizedModel(const models::Model& model, const HwConfig& config)
    : QuantizedModel(model, config, std::vector<QuantizedMatrix>(model.layers.size())) {}

QuantizedModel::QuantizedModel(const models::Model& model, const HwConfig& config, std::vector<QuantizedMatrix> weights)
    : model_(&model), weights_(std::move(weights)) {
    check_config(config);
    if (weights_.size() != model.layers.size())
        throw Error("model " + model.name + ": " + std::to_string(weights_.size()) + " quantized layers for " +
                    std::to_string(model.layers.size()) + " weight layers", ExitCode::Failure);
    const std::vector<const models::Node*> nodes = models::weight_layers(detail::graph_of(model));
    for (size_t i = 0; i < model.layers.size(); ++i) {
        if (weights_[i].q.empty()) weights_[i] = quantize_layer(model, i, model.matrix(i, default_threads()), config);
        detail::Affine a = detail::layer_affine(model, *nodes[i]);
        mul_.push_back(std::move(a.mul));
        add_.push_back(std::move(a.add));
    }
}

QTensor quantize_input(const models::Graph& g, const Calibration& calibration, const std::vector<float>& input) {
    if (g.nodes.empty() || calibration.scale.empty() || input.size() != size_t(g.nodes[0].out.elements()))
        throw Error("quantize_input: the input or calibration does not fit the graph", ExitCode::Failure);
    return quantized_input(g.nodes[0], calibration, input);
}

std::vector<double> tensor_scales(const models::Graph& g, const Calibration& calibration) {
    if (calibration.scale.size() != g.nodes.size())
        throw Error("calibration has " + std::to_string(calibration.scale.size()) + " scales for " +
                    std::to_string(g.nodes.size()) + " nodes");
    std::vector<double> s(calibration.scale);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const models::OpKind k = g.nodes[i].kind;
        // Max and padding move values, a clamp clips them: each output keeps its input's scale. (Zero padding's
        // calibrated scale equals it whenever calibration and inference see the same input.) A table activation
        // maps onto a range of its own: its calibrated scale.
        const bool clamps = k == models::OpKind::Activation && models::is_clamp(g.nodes[i].act);
        if (k == models::OpKind::MaxPool || k == models::OpKind::ZeroPad || clamps)
            s[i] = s[size_t(g.nodes[i].inputs.at(0))];
    }
    return s;
}

std::vector<NodeRequant> requant_program(const QuantizedModel& model, const Calibration& calibration) {
    const models::Graph& g = detail::graph_of(model.model());
    const std::vector<double> scale = tensor_scales(g, calibration);
    std::vector<NodeRequant> program(g.nodes.size());
    size_t layer = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const models::Node& n = g.nodes[i];
        NodeRequant& r = program[i];
        auto in_scale = [&](size_t k) { return scale[size_t(n.inputs.at(k))]; };
        r.lo = lower_clamp(n.act);
        r.hi = upper_clamp(n.act, scale[i]);
        switch (n.kind) {
            case models::OpKind::Conv2d:
            case models::OpKind::Dense: {
                // real = acc * w_scale(col) * in_scale; then the composed affine; then the output's scale.
                const QuantizedMatrix& w = model.weights(layer);
                const std::vector<double>& mul = model.affine_mul(layer);
                const std::vector<double>& add = model.affine_add(layer);
                ++layer;
                for (int j = 0; j < w.cols; ++j)
                    r.entries.push_back(
                        kernels::requant_entry(w.column_scale(j) * in_scale(0) * mul[j] / scale[i], add[j] / scale[i]));
                break;
            }
            case models::OpKind::AvgPool:
            case models::OpKind::GlobalAvgPool: r.entries.push_back(kernels::requant_entry(in_scale(0) / scale[i])); break;
            case models::OpKind::Add:
                r.entries.resize(2);
                kernels::add_entries(in_scale(0) / scale[i], in_scale(1) / scale[i], r.entries[0], r.entries[1]);
                break;
            case models::OpKind::Concat:
                for (size_t k = 0; k < n.inputs.size(); ++k) r.entries.push_back(kernels::requant_entry(in_scale(k) / scale[i]));
                break;
            case models::OpKind::Activation:
                if (!models::is_clamp(n.act)) r.table = activation_table(n, in_scale(0), scale[i]);
                break;
            case models::OpKind::Mul: r.entries.push_back(kernels::requant_entry(in_scale(0) * in_scale(1) / scale[i])); break;
            default: break;
        }
    }
    return program;
}

IntResult run_int(const QuantizedModel& model, const Calibration& calibration, const std::vector<float>& input,
                  const MvmFn& mvm) {
    const models::Graph& g = detail::graph_of(model.model());
    if (calibration.scale.size() != g.nodes.size())
        throw Error("model " + model.model().name + ": calibration has " + std::to_string(calibration.scale.size()) +
                    " scales for " + std::to_string(g.nodes.size()) + " nodes");
    IntResult r;
    r.layers.resize(model.model().layers.size());
    IntExec exec(model, calibration, input, mvm, r.layers);
    r.nodes = detail::walk<QTensor>(g, exec);
    return r;
}

IntResult run_int(const models::Model& model, const HwConfig& config, const Calibration& calibration,
                  const std::vector<float>& input, const MvmFn& mvm) {
    return run_int(QuantizedModel(model, config), calibration, input, mvm);
}

Tensor dequantize(const QTensor& t) {
    Tensor out{t.h, t.w, t.c, std::vector<float>(t.q.size())};
    for (size_t i = 0; i < t.q.size(); ++i) out.data[i] = float(t.q[i] * t.scale);
    return out;
}

std::vector<Tensor> dequantize(const IntResult& r) {
    std::vector<Tensor> out;
    for (const QTensor& t : r.nodes) out.push_back(dequantize(t));
    return out;
}

}  // namespace reshare::inference
