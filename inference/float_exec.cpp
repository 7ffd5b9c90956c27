// The float executor (the reference the int8 path is measured against), calibration and the affines.
#include "reshare/common/error.hpp"
#include "reshare/common/parallel.hpp"
#include "reshare/inference/engine.hpp"
#include "reshare/inference/ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace reshare::inference {
namespace detail {
namespace {

const std::vector<float>& channel_values(const models::Model& m, const models::Node& n, const std::string& name) {
    const auto it = m.tensors.find(name);
    if (it == m.tensors.end()) throw Error("model " + m.name + ": node " + n.name + " needs tensor '" + name + "'");
    if (it->second.data.size() != size_t(n.cout))
        throw Error("model " + m.name + ": tensor '" + name + "' has " + std::to_string(it->second.data.size()) +
                    " values, node " + n.name + " has " + std::to_string(n.cout) + " channels");
    return it->second.data;
}

}  // namespace

// Applied in the order face-api and TF apply them: conv bias, then the scale layer, then batch norm.
Affine layer_affine(const models::Model& m, const models::Node& n) {
    const models::ChannelAffine& f = n.affine;
    Affine a{std::vector<double>(size_t(n.cout), 1.0), std::vector<double>(size_t(n.cout), 0.0)};
    auto each = [&](const std::string& name, auto op) {
        if (name.empty()) return;
        const std::vector<float>& v = channel_values(m, n, name);
        for (int c = 0; c < n.cout; ++c) op(c, double(v[c]));
    };
    each(f.bias, [&](int c, double b) { a.add[c] += b; });
    each(f.mul, [&](int c, double k) { a.mul[c] *= k, a.add[c] *= k; });
    each(f.add, [&](int c, double b) { a.add[c] += b; });
    if (f.bn_mean.empty() && f.bn_var.empty() && f.bn_gamma.empty() && f.bn_beta.empty()) return a;
    const std::vector<float>& mean = channel_values(m, n, f.bn_mean);
    const std::vector<float>& var = channel_values(m, n, f.bn_var);
    const std::vector<float>& gamma = channel_values(m, n, f.bn_gamma);
    const std::vector<float>& beta = channel_values(m, n, f.bn_beta);
    for (int c = 0; c < n.cout; ++c) {
        const double k = gamma[c] / std::sqrt(double(var[c]) + f.bn_eps);
        a.mul[c] *= k;
        a.add[c] = (a.add[c] - mean[c]) * k + beta[c];
    }
    return a;
}

}  // namespace detail

namespace {

using detail::shape_of;

class FloatExec {
public:
    FloatExec(const models::Model& m, const std::vector<float>& input, const FloatWeightsFn& weights)
        : m_(m), input_(input), weights_(weights) {}

    Tensor input(const models::Node& n) const {
        if (input_.size() != size_t(n.out.elements()))
            throw Error("model " + m_.name + ": input has " + std::to_string(input_.size()) + " values, expected " +
                        std::to_string(n.out.elements()));
        return {n.out.h, n.out.w, n.out.c, input_};
    }

    Tensor weight_layer(const models::Node& n, int, size_t layer, const Tensor& in) const {
        const models::WeightLayer& l = m_.layers.at(layer);
        const int n_vectors = n.kind == models::OpKind::Dense ? 1 : n.out.h * n.out.w;
        const auto x = detail::layer_vectors<float, float>(in.data.data(), shape_of(in), n);
        Tensor out{n.out.h, n.out.w, n.out.c, {}};
        const std::vector<float> w = m_.matrix(layer, threads_);
        detail::float_matmul(x, n_vectors, w, l.rows, l.cols, l.groups, out.data, threads_);
        if (weights_) weights_(layer, w);
        const detail::Affine a = detail::layer_affine(m_, n);
        for (size_t i = 0; i < out.data.size(); ++i) {
            const size_t c = i % size_t(n.cout);
            out.data[i] = float(detail::activate(out.data[i] * a.mul[c] + a.add[c], n));
        }
        return out;
    }

    Tensor max_pool(const models::Node& n, const Tensor& in) const {
        return pooled(n, in, -std::numeric_limits<double>::infinity(),
                      [](double a, float v) { return std::max(a, double(v)); },
                      [](double a, int taps) { return taps ? float(a) : 0.f; });
    }

    Tensor avg_pool(const models::Node& n, int, const Tensor& in) const {
        return pooled(n, in, 0.0, [](double a, float v) { return a + v; },
                      [](double a, int taps) { return taps ? float(a / taps) : 0.f; });
    }

    Tensor add(const models::Node& n, int, const Tensor& a, const Tensor& b) const {
        Tensor out{a.h, a.w, a.c, std::vector<float>(a.data.size())};
        for (size_t i = 0; i < a.data.size(); ++i)
            out.data[i] = float(detail::activate(double(a.data[i]) + b.data[i], n));
        return out;
    }

    Tensor concat(const models::Node& n, int, const std::vector<const Tensor*>& parts) const {
        Tensor out{n.out.h, n.out.w, n.out.c, std::vector<float>(size_t(n.out.elements()))};
        int offset = 0;
        for (const Tensor* p : parts) {
            detail::place_channels(p->data.data(), shape_of(*p), offset, n.out.c, out.data.data(),
                                   [](float v) { return v; });
            offset += p->c;
        }
        return out;
    }

    Tensor zero_pad(const models::Node& n, const Tensor& in) const {
        return {n.out.h, n.out.w, n.out.c, detail::zero_pad(in.data, shape_of(in), n)};
    }

    Tensor activation(const models::Node& n, int, const Tensor& in) const {
        Tensor out = in;
        for (float& v : out.data) v = float(detail::activate(v, n));
        return out;
    }

    Tensor mul(const models::Node&, int, const Tensor& a, const Tensor& scales) const {
        Tensor out = a;
        for (size_t i = 0; i < out.data.size(); ++i) out.data[i] *= scales.data[i % scales.data.size()];
        return out;
    }

private:
    template <class Combine, class Finish>
    Tensor pooled(const models::Node& n, const Tensor& in, double init, Combine combine, Finish finish) const {
        Tensor out{n.out.h, n.out.w, n.out.c, std::vector<float>(size_t(n.out.elements()))};
        detail::pool(in.data.data(), shape_of(in), n, init, combine, finish, out.data.data());
        return out;
    }

    const models::Model& m_;
    const std::vector<float>& input_;
    const FloatWeightsFn& weights_;
    int threads_ = default_threads();
};

}  // namespace

std::vector<Tensor> run_float(const models::Model& model, const std::vector<float>& input, const FloatWeightsFn& weights) {
    FloatExec exec(model, input, weights);
    return detail::walk<Tensor>(detail::graph_of(model), exec);
}

std::vector<Tensor> run_float(const models::Model& model, const std::vector<float>& input) { return run_float(model, input, {}); }

Calibration calibrate(const std::vector<Tensor>& float_outputs) {
    Calibration c;
    for (const Tensor& t : float_outputs) {
        float top = 0.f;
        for (const float v : t.data) top = std::max(top, std::fabs(v));
        c.scale.push_back(top > 0.f ? double(top) / 127.0 : 1.0);
    }
    return c;
}

Calibration calibrate(const models::Model& model, const std::vector<float>& input) {
    return calibrate(run_float(model, input));
}

double cosine_similarity(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) throw Error("cosine_similarity: vectors of different lengths");
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

OutputAgreement agreement(const Tensor& a, const Tensor& b) {
    OutputAgreement o;
    o.cosine = cosine_similarity(a.data, b.data);
    auto top1 = [](const std::vector<float>& v) { return int(std::max_element(v.begin(), v.end()) - v.begin()); };
    o.top1 = top1(a.data);
    o.reference_top1 = top1(b.data);
    return o;
}

}  // namespace reshare::inference
