// SME's bit-sparse quantization (schemes/sme/bit_sparse.hpp): the paper's worked examples, and nearest rounding
// checked against every representable value.
#include "schemes/sme/bit_sparse.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <vector>

using namespace reshare::sme;

TEST_CASE("sme: the paper's Fig. 4 examples (S = 3, Nq = 8)", "[sme]") {
    CHECK(round_weight(0.876, 3, 8) == 0.875);        // 11100000
    CHECK(round_weight(0.618, 3, 8) == 0.625);        // 10100000
    CHECK(round_weight(0.389, 3, 8) == 0.375);        // 01100000
    CHECK(round_weight(0.020, 3, 8) == 0.01953125);   // 00000101
    CHECK(round_weight(-0.618, 3, 8) == -0.625);      // signs through the magnitude
    CHECK(round_weight(0.99, 3, 8) == 0.875);         // clipped at 1 - 2^-S
    CHECK(round_weight(0.0, 3, 8) == 0.0);
}

TEST_CASE("sme: every rounded magnitude is in window form and the nearest such value", "[sme]") {
    for (int S = 1; S <= 8; ++S) {
        const int Nq = 8;
        std::vector<uint32_t> representable;
        for (uint32_t m = 0; m < (1u << Nq); ++m)
            if (in_window(m, S) && m <= (((1u << S) - 1) << (Nq - S))) representable.push_back(m);
        for (int i = 0; i < 4 * 256; ++i) {
            const double x = i / 4.0;   // quarter steps: values between the integer grid too
            const uint32_t q = round_magnitude(x, S, Nq);
            INFO("S " << S << " x " << x << " -> " << q);
            REQUIRE(in_window(q, S));
            double best = 1e9;
            for (uint32_t r : representable) best = std::min(best, std::fabs(double(r) - x));
            REQUIRE(std::fabs(double(q) - x) == Approx(best).margin(1e-9));
        }
    }
    CHECK(in_window(0b11100000, 3));
    CHECK(!in_window(0b10010000, 3));
    CHECK(in_window(0b101, 3));
}
