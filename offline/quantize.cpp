#include "reshare/offline/quantize.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/parallel.hpp"

#include <algorithm>
#include <cmath>

namespace reshare {
namespace {

double scale_for(float max_abs, int qmax) { return max_abs > 0.f ? double(max_abs) / qmax : 1.0; }

}  // namespace

QuantizedMatrix quantize(std::string name, int rows, int cols, int groups, const std::vector<float>& w,
                         QuantGranularity granularity, int weight_bits, int threads) {
    if (size_t(rows) * cols != w.size())
        throw Error("layer " + name + ": weight tensor has " + std::to_string(w.size()) + " values, expected " +
                    std::to_string(size_t(rows) * cols));
    const int qmax = (1 << (weight_bits - 1)) - 1;
    QuantizedMatrix m;
    m.name = std::move(name);
    m.rows = rows;
    m.cols = cols;
    m.groups = groups;

    // Column maxima of row ranges, in parallel; a per-tensor scale takes their maximum.
    const auto parts = parallel_chunks<std::vector<float>>(rows, threads, [&](int r0, int r1) {
        std::vector<float> top(cols, 0.f);
        for (int r = r0; r < r1; ++r)
            for (int c = 0; c < cols; ++c) top[c] = std::max(top[c], std::fabs(w[size_t(r) * cols + c]));
        return top;
    });
    std::vector<float> max_abs(cols, 0.f);
    for (const auto& p : parts)
        for (int c = 0; c < cols; ++c) max_abs[c] = std::max(max_abs[c], p[c]);
    if (granularity == QuantGranularity::PerTensor) {
        m.scale.assign(1, scale_for(max_abs.empty() ? 0.f : *std::max_element(max_abs.begin(), max_abs.end()), qmax));
    } else {
        m.scale.resize(cols);
        for (int c = 0; c < cols; ++c) m.scale[c] = scale_for(max_abs[c], qmax);
    }

    // nearbyint rounds half to even under the default rounding mode, as the spec asks.
    m.q.resize(w.size());
    parallel_chunks<char>(rows, threads, [&](int r0, int r1) {
        for (int r = r0; r < r1; ++r)
            for (int c = 0; c < cols; ++c) {
                const size_t i = size_t(r) * cols + c;
                const double v = std::nearbyint(double(w[i]) / m.column_scale(c));
                m.q[i] = int8_t(std::clamp(v, double(-qmax), double(qmax)));
            }
        return char(0);
    });
    return m;
}

}  // namespace reshare
