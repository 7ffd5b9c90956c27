// The integer kernels of the activation and pooling units: fixed-point requantization against real arithmetic,
// rounding, clipping, and each op by hand.
#include "reshare/common/error.hpp"
#include "reshare/kernels/int8.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

using namespace reshare;
using namespace reshare::kernels;

namespace {

// The window fields kernels read, as a plain struct (the hardware's descriptors look like this too).
struct Window {
    int kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0, dil_h = 1, dil_w = 1, groups = 1;
    models::Shape out;
};

}  // namespace

TEST_CASE("kernels: rounding divides halves up, for both signs", "[kernels]") {
    CHECK(round_div(5, 2) == 3);     //  2.5 ->  3
    CHECK(round_div(-5, 2) == -2);   // -2.5 -> -2
    CHECK(round_div(-3, 2) == -1);   // -1.5 -> -1
    CHECK(round_div(-7, 4) == -2);   // -1.75
    CHECK(round_div(7, 4) == 2);
    CHECK(round_div(0, 9) == 0);
    CHECK(floor_div(-1, 4) == -1);
}

TEST_CASE("kernels: fixed-point requantization is within half a step of the real value", "[kernels]") {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> log_factor(-20, 6), offset(-300, 300);
    std::uniform_int_distribution<int64_t> acc(-(int64_t(1) << 31) + 1, (int64_t(1) << 31) - 1), small(-40000, 40000);
    for (int i = 0; i < 20000; ++i) {
        const double f = (i % 2 ? 1 : -1) * std::exp2(log_factor(rng)), b = offset(rng);
        const RequantEntry e = requant_entry(f, b);
        REQUIRE(e.shift >= 16);
        REQUIRE(e.shift <= kMaxShift);
        const int64_t x = i % 3 ? small(rng) : acc(rng);
        const double real = std::clamp(double(x) * f + b, -127.0, 127.0);
        // The multiplier's relative error is below 2^-30, or 2^-27 where the shift is capped (factors under 2^-16).
        INFO("factor " << f << " offset " << b << " x " << x);
        CHECK(std::fabs(apply(e, x) - real) <= 0.5 + 1e-6 + std::fabs(double(x)) * std::fabs(f) * 1e-8);
    }
}

TEST_CASE("kernels: an offset beyond any accumulator's reach saturates exactly as the real one would", "[kernels]") {
    const RequantEntry e = requant_entry(1e-3, 1e12);
    CHECK(apply(e, -2147483647) == 127);
    CHECK(apply(requant_entry(1e-3, -1e12), 2147483647) == -127);
    CHECK(apply(e, 0, 0, 50) == 50);   // the clamp is the activation
    CHECK_THROWS_AS(requant_entry(40000.0), Error);
    CHECK_THROWS_AS(requant_entry(0.5, 0, kMaxShift + 1), Error);
    CHECK(apply(requant_entry(0.0, 3.4), 1000) == 3);
}

TEST_CASE("kernels: requantize, add, clamp and copy_channels by hand", "[kernels]") {
    const RequantEntry half = requant_entry(0.5), quarter_plus_one = requant_entry(0.25, 1.0);
    const RequantEntry per_channel[2] = {half, quarter_plus_one};
    const int64_t acc[4] = {5, 5, -5, -300};
    int8_t out[4];
    requantize(acc, 4, 2, per_channel, -127, 127, out);
    CHECK(int(out[0]) == 3);     // 2.5 rounds up
    CHECK(int(out[1]) == 2);     // 1.25 + 1
    CHECK(int(out[2]) == -2);    // -2.5 rounds up
    CHECK(int(out[3]) == -74);   // -75 + 1
    requantize(acc, 4, 2, per_channel, 0, 2, out);   // ReLU6 at 2 steps
    CHECK((int(out[0]) == 2 && int(out[1]) == 2 && int(out[2]) == 0 && int(out[3]) == 0));

    RequantEntry ea, eb;
    add_entries(0.5, 2.0, ea, eb);
    CHECK(ea.shift == eb.shift);
    const int8_t a[3] = {3, -3, 100}, b[3] = {1, -1, 100};
    add(a, b, 3, ea, eb, -127, 127, out);
    CHECK(int(out[0]) == 4);      // 1.5 + 2 = 3.5 -> 4
    CHECK(int(out[1]) == -3);     // -3.5 -> -3
    CHECK(int(out[2]) == 127);    // saturates
    clamp(a, 3, 0, 50, out);
    CHECK((int(out[0]) == 3 && int(out[1]) == 0 && int(out[2]) == 50));

    // Two 1x1 pixels of 2 channels into channels [1, 3) of a 4-channel tensor, doubled.
    const int8_t part[4] = {1, 2, 3, 100};
    int8_t whole[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    copy_channels(part, models::Shape{1, 2, 2}, 1, 4, requant_entry(2.0), whole);
    const int8_t want[8] = {9, 2, 4, 9, 9, 6, 127, 9};
    for (int i = 0; i < 8; ++i) CHECK(int(whole[i]) == int(want[i]));
}

TEST_CASE("kernels: a table activation and a channel mul, by hand", "[kernels]") {
    int8_t table[kTableEntries];
    for (int v = -128; v < 128; ++v) table[v + 128] = int8_t(std::clamp(v / 2 + 3, -127, 127));
    const int8_t in[4] = {-128, -4, 0, 127};
    int8_t out[4];
    lookup(in, 4, table, out);
    CHECK((int(out[0]) == -61 && int(out[1]) == 1 && int(out[2]) == 3 && int(out[3]) == 66));
    // Two pixels of three channels times per-channel (2, -1, 3), at half scale: products 2*2/2, 5*-1/2 rounds up.
    const int8_t a[6] = {2, 5, 100, -3, 1, 7}, scales[3] = {2, -1, 3};
    int8_t prod[6];
    channel_mul(a, 6, scales, 3, requant_entry(0.5), -127, 127, prod);
    const int8_t want[6] = {2, -2, 127, -3, -0, 11};   // 2, -2.5 -> -2, 150 saturates, -3, -0.5 -> 0, 10.5 -> 11
    for (int i = 0; i < 6; ++i) CHECK(int(prod[i]) == int(want[i]));
    channel_mul(a, 6, scales, 3, requant_entry(0.5), 0, 127, prod);   // a ReLU on the product
    CHECK((int(prod[1]) == 0 && int(prod[3]) == 0));
}

TEST_CASE("kernels: pooling over windows clipped by padding, by hand", "[kernels]") {
    // 3x3 single-channel input, 2x2 windows, stride 2, one padding row and column at the bottom right (TF SAME).
    const int8_t in[9] = {1, 2, 3, 4, 5, 6, 7, 8, -9};
    Window w;
    w.kh = w.kw = w.stride_h = w.stride_w = 2;
    w.out = {2, 2, 1};
    int8_t out[4];
    max_pool(in, models::Shape{3, 3, 1}, w, out);
    CHECK((int(out[0]) == 5 && int(out[1]) == 6 && int(out[2]) == 8 && int(out[3]) == -9));
    avg_pool(in, models::Shape{3, 3, 1}, w, requant_entry(1.0), out);
    CHECK(int(out[0]) == 3);    // 12 / 4
    CHECK(int(out[1]) == 5);    // 9 / 2 = 4.5 rounds up
    CHECK(int(out[2]) == 8);    // 15 / 2 = 7.5
    CHECK(int(out[3]) == -9);   // one tap
    avg_pool(in, models::Shape{3, 3, 1}, w, requant_entry(0.5), out);
    CHECK(int(out[0]) == 2);    // 1.5 rounds up
    CHECK(int(out[3]) == -4);   // -4.5 rounds up
}
