// The int8 executor: integer products of int8 activations and weights, requantized to calibrated scales.
#include "common/error.hpp"
#include "common/parallel.hpp"
#include "inference/engine.hpp"
#include "inference/ops.hpp"

#include <algorithm>
#include <cmath>

namespace reshare::inference {
namespace {

using detail::shape_of;

// Symmetric int8 with zero point 0; -128 is left out so that negation never overflows.
int8_t saturate(double v) { return int8_t(std::clamp(std::nearbyint(v), -127.0, 127.0)); }

QTensor quantized(const models::Shape& s, double scale) {
    return {s.h, s.w, s.c, scale, std::vector<int8_t>(size_t(s.elements()))};
}

void check_config(const HwConfig& c) {
    if (c.weight_bits < 2 || c.weight_bits > 8)
        throw Error("inference: weight_bits " + std::to_string(c.weight_bits) + " does not fit int8 weights");
}

class IntExec {
public:
    IntExec(const QuantizedModel& qm, const Calibration& cal, const std::vector<float>& input, const MvmFn& mvm,
            std::vector<LayerAccumulators>& layers)
        : qm_(qm), cal_(cal), input_(input), layers_(layers) {
        mvm_ = mvm ? mvm : MvmFn([](size_t, const QuantizedMatrix& w, const std::vector<int32_t>& x, int n,
                                    std::vector<int64_t>& acc) { integer_mvm(w, x, n, acc); });
    }

    QTensor input(const models::Node& n) const {
        if (input_.size() != size_t(n.out.elements()))
            throw Error("model " + qm_.model().name + ": input has " + std::to_string(input_.size()) +
                        " values, expected " + std::to_string(n.out.elements()));
        QTensor t = quantized(n.out, cal_.scale[0]);
        for (size_t i = 0; i < input_.size(); ++i) t.q[i] = saturate(input_[i] / t.scale);
        return t;
    }

    // real = acc * w_scale(col) * in_scale; the affine and activation in double, then the output's scale.
    QTensor weight_layer(const models::Node& n, int node, size_t layer, const QTensor& in) const {
        const QuantizedMatrix& w = qm_.weights(layer);
        LayerAccumulators& la = layers_.at(layer);
        la = {node, n.kind == models::OpKind::Dense ? 1 : n.out.h * n.out.w, w.cols, {}};
        la.acc.assign(size_t(la.n_vectors) * w.cols, 0);
        mvm_(layer, w, detail::layer_vectors<int8_t, int32_t>(in.q.data(), shape_of(in), n), la.n_vectors, la.acc);
        if (la.acc.size() != size_t(la.n_vectors) * w.cols)
            throw Error("layer " + w.name + ": the MVM callback resized the accumulators");
        const std::vector<double>& mul = qm_.affine_mul(layer);
        const std::vector<double>& add = qm_.affine_add(layer);
        std::vector<double> k(size_t(w.cols));
        for (int j = 0; j < w.cols; ++j) k[j] = w.column_scale(j) * in.scale * mul[j];
        QTensor out = quantized(n.out, cal_.scale[size_t(node)]);
        for (size_t i = 0; i < la.acc.size(); ++i) {
            const size_t j = i % size_t(w.cols);
            out.q[i] = saturate(detail::activate(double(la.acc[i]) * k[j] + add[j], n.act) / out.scale);
        }
        return out;
    }

    // max commutes with a positive scale, so the output keeps the input's scale and needs no rounding.
    QTensor max_pool(const models::Node& n, const QTensor& in) const {
        QTensor out = quantized(n.out, in.scale);
        detail::pool(in.q.data(), shape_of(in), n, int(-128), [](int a, int8_t v) { return std::max(a, int(v)); },
                     [](int a, int taps) { return int8_t(taps ? a : 0); }, out.q.data());
        return out;
    }

    // An integer window sum, averaged and rounded once to the node's own calibrated scale.
    QTensor avg_pool(const models::Node& n, int node, const QTensor& in) const {
        QTensor out = quantized(n.out, cal_.scale[size_t(node)]);
        const double k = in.scale / out.scale;
        detail::pool(in.q.data(), shape_of(in), n, int32_t(0), [](int32_t a, int8_t v) { return a + v; },
                     [k](int32_t sum, int taps) { return taps ? saturate(sum * k / taps) : int8_t(0); }, out.q.data());
        return out;
    }

    // Both operands at their own scales, summed in double, activated, and rounded once to the node's scale.
    QTensor add(const models::Node& n, int node, const QTensor& a, const QTensor& b) const {
        QTensor out = quantized(n.out, cal_.scale[size_t(node)]);
        for (size_t i = 0; i < out.q.size(); ++i)
            out.q[i] = saturate(detail::activate(a.q[i] * a.scale + b.q[i] * b.scale, n.act) / out.scale);
        return out;
    }

    // Each part is requantized from its own scale to the concat's calibrated one (exact when they agree).
    QTensor concat(const models::Node& n, int node, const std::vector<const QTensor*>& parts) const {
        QTensor out = quantized(n.out, cal_.scale[size_t(node)]);
        int offset = 0;
        for (const QTensor* p : parts) {
            const double k = p->scale / out.scale;
            detail::place_channels(p->q.data(), shape_of(*p), offset, n.out.c, out.q.data(),
                                   [k](int8_t v) { return saturate(v * k); });
            offset += p->c;
        }
        return out;
    }

    // Padding adds only zeros, which every scale represents exactly, so the input's scale is kept: it is also
    // what calibration gives the node whenever calibration and inference see the same input.
    QTensor zero_pad(const models::Node& n, const QTensor& in) const {
        return {n.out.h, n.out.w, n.out.c, in.scale, detail::zero_pad(in.q, shape_of(in), n)};
    }

    // ReLU is exact on int8 at the input's scale; ReLU6 clips at 6 rounded to that scale.
    QTensor activation(const models::Node& n, const QTensor& in) const {
        QTensor out = in;
        const int8_t top = n.act == models::Activation::Relu6 ? saturate(6.0 / in.scale) : int8_t(127);
        if (n.act == models::Activation::None) return out;
        for (int8_t& v : out.q) v = std::clamp(v, int8_t(0), top);
        return out;
    }

private:
    const QuantizedModel& qm_;
    const Calibration& cal_;
    const std::vector<float>& input_;
    std::vector<LayerAccumulators>& layers_;
    MvmFn mvm_;
};

}  // namespace

QuantizedModel::QuantizedModel(const models::Model& model, const HwConfig& config) : model_(&model) {
    check_config(config);
    const std::vector<const models::Node*> nodes = models::weight_layers(detail::graph_of(model));
    const int threads = default_threads();
    for (size_t i = 0; i < model.layers.size(); ++i) {
        const models::WeightLayer& l = model.layers[i];
        weights_.push_back(quantize(l.name, l.rows, l.cols, l.groups, model.matrix(i, threads), config.quant,
                                    config.weight_bits, threads));
        detail::Affine a = detail::layer_affine(model, *nodes[i]);
        mul_.push_back(std::move(a.mul));
        add_.push_back(std::move(a.add));
    }
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
