// The integer arithmetic of the activation and pooling units. The reference engine uses it to define the int8
// inference the accelerator must reproduce; the hardware model applies it to the data it moves through its
// sockets. Header-only, no SystemC.
//
// Requantization is fixed point, as hardware does it (docs/timing.md, "Function"): a real factor becomes a 31-bit
// multiplier and a right shift, y = round((x * multiplier + bias) / 2^shift) rounding halves up, then clamped to
// [lo, hi]. The clamp is also the activation: ReLU raises lo to 0, ReLU6 lowers hi to 6 in output steps.
#pragma once

#include "reshare/common/error.hpp"
#include "reshare/kernels/window.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace reshare::kernels {

// One requantization: 16 bytes in memory, little-endian (docs/registers.md).
struct RequantEntry {
    int32_t multiplier = 0;
    int32_t shift = 0;
    int64_t bias = 0;
};
static_assert(sizeof(RequantEntry) == 16, "RequantEntry is a memory format");

// int8 outputs exclude -128 so that negation never overflows.
constexpr int kInt8Min = -127, kInt8Max = 127;
// The largest shift: with |multiplier| < 2^31 and |x| < 2^31 it keeps the clipped bias below 2^63 (requant_entry).
constexpr int kMaxShift = 47;
// Factors at or beyond this are not requantizations of a calibrated network (an output step 2^15 times finer
// than an accumulator step); refusing them keeps shifts at 16 or more.
constexpr double kMaxFactor = 32768.0;

// The shift that gives `factor` a 31-bit multiplier: factor = f * 2^e with |f| in [0.5, 1) -> 31 - e, capped at
// kMaxShift (tiny factors then lose low multiplier bits, which moves outputs by less than 2^-16 steps).
inline int natural_shift(double factor) {
    if (!(std::fabs(factor) < kMaxFactor))
        throw Error("requantization factor " + std::to_string(factor) + " is out of range (|factor| < 32768)");
    int e = 0;
    std::frexp(factor, &e);
    return std::min(kMaxShift, 31 - e);
}

// Fixed point for y = x * factor + offset at `shift`. Inputs are int32 accumulators (|x| < 2^31), so an offset
// beyond 128 + |factor| * 2^31 output steps saturates the output whatever x is: it is clipped there, which keeps
// the bias inside int64 and changes no output.
inline RequantEntry requant_entry(double factor, double offset, int shift) {
    if (shift < 0 || shift > kMaxShift) throw Error("requantization shift " + std::to_string(shift) + " is out of range");
    natural_shift(factor);   // range check
    RequantEntry e;
    e.shift = shift;
    const double scale = std::ldexp(1.0, shift);
    const double m = std::nearbyint(factor * scale);
    e.multiplier = int32_t(std::clamp(m, -2147483647.0, 2147483647.0));
    const double limit = 128.0 + std::fabs(factor) * 2147483648.0;
    e.bias = int64_t(std::nearbyint(std::clamp(offset, -limit, limit) * scale));
    return e;
}
inline RequantEntry requant_entry(double factor, double offset = 0) {
    return requant_entry(factor, offset, natural_shift(factor));
}

// floor(a / b) for b > 0.
inline __int128 floor_div(__int128 a, __int128 b) { return a / b - ((a % b != 0) && (a < 0)); }

// round(v / d) with halves rounded up, d > 0.
inline int64_t round_div(__int128 v, __int128 d) { return int64_t(floor_div(2 * v + d, 2 * d)); }

inline int8_t clamp8(int64_t v, int lo = kInt8Min, int hi = kInt8Max) { return int8_t(std::clamp<int64_t>(v, lo, hi)); }

// x * factor + offset in output steps, rounded and clamped.
inline int8_t apply(const RequantEntry& e, int64_t x, int lo = kInt8Min, int hi = kInt8Max) {
    const __int128 v = __int128(x) * e.multiplier + e.bias;
    return clamp8(round_div(v, __int128(1) << e.shift), lo, hi);
}

// A weight layer's accumulators to int8: out[i] = apply(per_channel[i % channels], acc[i]).
inline void requantize(const int64_t* acc, size_t n, int channels, const RequantEntry* per_channel, int lo, int hi,
                       int8_t* out) {
    for (size_t i = 0; i < n; ++i) out[i] = apply(per_channel[i % size_t(channels)], acc[i], lo, hi);
}

// Elementwise a * fa + b * fb, both entries at one shift (add_entries), then clamped.
inline void add(const int8_t* a, const int8_t* b, size_t n, const RequantEntry& ea, const RequantEntry& eb, int lo,
                int hi, int8_t* out) {
    const __int128 d = __int128(1) << ea.shift;
    for (size_t i = 0; i < n; ++i)
        out[i] = clamp8(round_div(__int128(a[i]) * ea.multiplier + __int128(b[i]) * eb.multiplier + ea.bias + eb.bias, d),
                        lo, hi);
}

// The two operands' factors at the shift of the larger one, so their products can be summed before rounding.
inline void add_entries(double fa, double fb, RequantEntry& ea, RequantEntry& eb) {
    const int shift = std::min(natural_shift(fa), natural_shift(fb));
    ea = requant_entry(fa, 0, shift);
    eb = requant_entry(fb, 0, shift);
}

// Max over each window's taps inside the input: exact at the input's scale.
template <class Geometry>
void max_pool(const int8_t* in, const models::Shape& s, const Geometry& n, int8_t* out) {
    pool(in, s, n, int(kInt8Min - 1), [](int a, int8_t v) { return std::max(a, int(v)); },
         [](int a, int taps) { return int8_t(taps ? a : 0); }, out);
}

// Each window's integer sum times the entry's factor, divided by its taps inside the input, rounded once.
template <class Geometry>
void avg_pool(const int8_t* in, const models::Shape& s, const Geometry& n, const RequantEntry& e, int8_t* out) {
    pool(in, s, n, int32_t(0), [](int32_t a, int8_t v) { return a + v; },
         [&e](int32_t sum, int taps) {
             return taps ? clamp8(round_div(__int128(sum) * e.multiplier + e.bias, __int128(taps) << e.shift))
                         : int8_t(0);
         },
         out);
}

// An h x w x c tensor into channels [offset, offset + c) of an h x w x total one, each value requantized (concat).
inline void copy_channels(const int8_t* in, const models::Shape& s, int offset, int total, const RequantEntry& e,
                          int8_t* out) {
    place_channels(in, s, offset, total, out, [&e](int8_t v) { return apply(e, v); });
}

// Clamps every value to [lo, hi] (a standalone ReLU or ReLU6).
inline void clamp(const int8_t* in, size_t n, int lo, int hi, int8_t* out) {
    for (size_t i = 0; i < n; ++i) out[i] = clamp8(in[i], lo, hi);
}

// A table activation (hard-swish, sigmoid, ...): out[i] = table[in[i] + 128], one entry per int8 input value.
constexpr int kTableEntries = 256;
inline void lookup(const int8_t* in, size_t n, const int8_t* table, int8_t* out) {
    for (size_t i = 0; i < n; ++i) out[i] = table[int(in[i]) + 128];
}

// A tensor times a per-channel vector (squeeze-and-excitation): out[i] = apply(e, a[i] * s[i % channels]), clamped.
// The int8 product fits 15 bits, so one entry carries both operands' scales.
inline void channel_mul(const int8_t* a, size_t n, const int8_t* s, int channels, const RequantEntry& e, int lo, int hi,
                        int8_t* out) {
    for (size_t i = 0; i < n; ++i) out[i] = apply(e, int64_t(a[i]) * s[i % size_t(channels)], lo, hi);
}

}  // namespace reshare::kernels
