#include "reshare/models/synthetic.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/parallel.hpp"

#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

namespace reshare::models {
namespace {

uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

double gn_kurtosis(double beta) {
    using std::lgamma;
    return std::exp(lgamma(5 / beta) + lgamma(1 / beta) - 2 * lgamma(3 / beta));
}

// Quantiles of |X| for X ~ GN(1, beta), indexed by the upper-tail probability f = P(|X| > x) written in
// floating point: f = 2^-(e+1) * (1 + m / 256), e = 0..kExponents-1, m = 0..256. Linear interpolation in m
// keeps the relative error tiny from the centre out to tails of 2^-kExponents.
class TailTable {
public:
    static constexpr int kExponents = 48, kSteps = 256;

    explicit TailTable(double beta) : q_(size_t(kExponents) * (kSteps + 1)) {
        for (int e = 0; e < kExponents; ++e)
            for (int m = 0; m <= kSteps; ++m) {
                const double f = std::ldexp(1.0 + double(m) / kSteps, -(e + 1));
                q_[size_t(e) * (kSteps + 1) + m] =
                    f >= 1.0 ? 0.0 : std::pow(boost::math::gamma_q_inv(1.0 / beta, f), 1.0 / beta);
            }
    }

    // |X| for 62 uniform bits.
    double sample(uint64_t bits) const {
        bits &= (uint64_t(1) << 62) - 1;
        if (bits == 0) return q_.back();
        const int lead = __builtin_clzll(bits) - 2;   // leading zeros inside the 62-bit field
        const int e = std::min(lead, kExponents - 1);
        const uint64_t mant = lead >= kExponents ? 0 : (bits << (lead + 3));   // bits after the leading one, left-aligned
        const int m = int(mant >> 56);
        const double frac = double((mant >> 8) & ((uint64_t(1) << 48) - 1)) / double(uint64_t(1) << 48);
        const double* row = &q_[size_t(e) * (kSteps + 1)];
        // f grows with m, so the quantile falls: interpolate between the two table points.
        return row[m] + (row[m + 1] - row[m]) * frac;
    }

private:
    std::vector<double> q_;
};

const TailTable& table_for(double beta) {
    static std::mutex mutex;
    static std::map<double, std::unique_ptr<TailTable>> tables;
    std::lock_guard<std::mutex> lock(mutex);
    auto& t = tables[beta];
    if (!t) t = std::make_unique<TailTable>(beta);
    return *t;
}

}  // namespace

double synthetic_shape() {
    // Median of the per-layer kurtosis fits over face_recognition's 29 conv kernels and its fc
    // (face-api 1.7.15), printed by `reshare fit --model face_recognition`; see docs/models.md.
    return 1.513;
}

double fit_generalized_normal_shape(const std::vector<float>& w) {
    if (w.size() < 16) throw Error("too few weights to fit a distribution");
    double mean = 0;
    for (float v : w) mean += v;
    mean /= double(w.size());
    double m2 = 0, m4 = 0;
    for (float v : w) {
        const double d = v - mean, d2 = d * d;
        m2 += d2;
        m4 += d2 * d2;
    }
    m2 /= double(w.size());
    m4 /= double(w.size());
    if (m2 <= 0) return 4.0;
    const double kurtosis = m4 / (m2 * m2);
    // Kurtosis falls monotonically as beta grows: bisect on [0.3, 4].
    double lo = 0.3, hi = 4.0;
    if (kurtosis >= gn_kurtosis(lo)) return lo;
    if (kurtosis <= gn_kurtosis(hi)) return hi;
    for (int i = 0; i < 60; ++i) {
        const double mid = 0.5 * (lo + hi);
        (gn_kurtosis(mid) > kurtosis ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

std::vector<float> synthetic_weights(uint64_t seed, uint64_t layer, long count, long fan_in, double shape, int threads) {
    const TailTable& table = table_for(shape);
    // alpha such that the variance alpha^2 * G(3/b) / G(1/b) equals He's 2 / fan_in.
    const double variance = 2.0 / double(std::max(1L, fan_in));
    const double alpha = std::sqrt(variance * std::tgamma(1 / shape) / std::tgamma(3 / shape));
    const uint64_t stream = splitmix64(seed ^ splitmix64(layer + 0x5eedull));
    std::vector<float> w(static_cast<size_t>(count));
    constexpr long kChunk = 1 << 16;
    parallel_chunks<char>(int((count + kChunk - 1) / kChunk), threads, [&](int begin, int end) {
        for (long i = begin * kChunk; i < std::min(count, end * kChunk); ++i) {
            const uint64_t r = splitmix64(stream + uint64_t(i) * 0x9e3779b97f4a7c15ull);
            const double magnitude = alpha * table.sample(r >> 2);
            w[size_t(i)] = float((r & 1) ? -magnitude : magnitude);
        }
        return char(0);
    });
    return w;
}

}  // namespace reshare::models
