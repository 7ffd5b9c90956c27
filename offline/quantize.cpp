#include "offline/quantize.hpp"

#include "common/error.hpp"

#include <algorithm>
#include <cmath>

namespace reshare {
namespace {

double scale_for(float max_abs, int qmax) { return max_abs > 0.f ? double(max_abs) / qmax : 1.0; }

}  // namespace

QuantizedMatrix quantize(std::string name, int rows, int cols, int groups, const std::vector<float>& w,
                         QuantGranularity granularity, int weight_bits) {
    if (size_t(rows) * cols != w.size())
        throw Error("layer " + name + ": weight tensor has " + std::to_string(w.size()) + " values, expected " +
                    std::to_string(size_t(rows) * cols));
    const int qmax = (1 << (weight_bits - 1)) - 1;
    QuantizedMatrix m;
    m.name = std::move(name);
    m.rows = rows;
    m.cols = cols;
    m.groups = groups;

    if (granularity == QuantGranularity::PerTensor) {
        float max_abs = 0.f;
        for (float v : w) max_abs = std::max(max_abs, std::fabs(v));
        m.scale.assign(1, scale_for(max_abs, qmax));
    } else {
        std::vector<float> max_abs(cols, 0.f);
        for (size_t i = 0; i < w.size(); ++i) max_abs[i % cols] = std::max(max_abs[i % cols], std::fabs(w[i]));
        m.scale.resize(cols);
        for (int c = 0; c < cols; ++c) m.scale[c] = scale_for(max_abs[c], qmax);
    }

    // nearbyint rounds half to even under the default rounding mode, as the spec asks.
    m.q.resize(w.size());
    const bool per_tensor = m.scale.size() == 1;
    for (size_t i = 0; i < w.size(); ++i) {
        const double s = per_tensor ? m.scale[0] : m.scale[i % cols];
        const double v = std::nearbyint(double(w[i]) / s);
        m.q[i] = int8_t(std::clamp(v, double(-qmax), double(qmax)));
    }
    return m;
}

}  // namespace reshare
