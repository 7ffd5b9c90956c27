// SME's bit-sparse quantization (schemes/sme/bit_sparse.hpp): the paper's worked examples, and nearest rounding
// checked against every representable value.
#include "reshare/schemes/sme/bit_sparse.hpp"

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

// ---- the scheme: bit-crossbars, squeeze-out, timing ----

#include "helpers.hpp"
#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/schemes/sme/sme.hpp"

#include <algorithm>

using reshare::CompressedLayer;
using reshare::HwConfig;
using reshare::QuantizedMatrix;
using reshare::Scheme;

TEST_CASE("sme: the paper's cost rule, A <= K Ma / (Mw - D)", "[sme]") {
    using reshare::sme_squeeze_pays;
    CHECK(sme_squeeze_pays(146, 128, 8, 8, 1));   // the paper's number for K = 128, Ma = Mw = 8, D = 1
    CHECK(!sme_squeeze_pays(147, 128, 8, 8, 1));
    CHECK(sme_squeeze_pays(73, 128, 4, 8, 1));    // fewer input bits: the rule bites inside a crossbar
    CHECK(!sme_squeeze_pays(74, 128, 4, 8, 1));
    CHECK(sme_squeeze_pays(170, 128, 8, 8, 2));
    CHECK(!sme_squeeze_pays(171, 128, 8, 8, 2));
}

TEST_CASE("sme: squeeze-out moves the rows non-empty in the top bit-crossbar, D times, while the rule allows", "[sme]") {
    using reshare::sme_squeeze;
    // Three rows of two 7-bit magnitudes: row 0 holds the top bit, row 1 only low bits, row 2 nothing.
    const std::vector<uint8_t> mags = {0b1100000, 0b0000001, /**/ 0b0000111, 0, /**/ 0, 0};
    CHECK(sme_squeeze(mags, 3, 2, 32, 8, 7, 1) == std::vector<uint8_t>{1, 0, 0});
    // Second step: row 0's bits now top the next crossbar, so it moves again; row 1 never reaches the top.
    CHECK(sme_squeeze(mags, 3, 2, 32, 8, 7, 2) == std::vector<uint8_t>{2, 0, 0});
    CHECK(sme_squeeze(mags, 3, 2, 32, 8, 7, 0) == std::vector<uint8_t>{0, 0, 0});
    // An empty top crossbar is released for free and the next one is squeezed.
    const std::vector<uint8_t> low = {0b0110000, 0b0000001};
    CHECK(sme_squeeze(low, 2, 1, 32, 8, 7, 2) == std::vector<uint8_t>{1, 0});
    // The rule refuses: one moved row of K = 2 costs more input cycles than the crossbar saves for Ma = 1.
    CHECK(sme_squeeze(mags, 3, 2, 2, 1, 7, 1) == std::vector<uint8_t>{0, 0, 0});
}

namespace {

CompressedLayer sme_layer(const QuantizedMatrix& m, int D, int S = 3) {
    HwConfig c;   // ReShare's hardware: 32 x 128 crossbars, 8 x 8 OUs, differential
    c.sme_squeeze_bits = D;
    c.sme_window_bits = S;
    return reshare::compress(m, c, Scheme::Sme, 2);
}

}  // namespace

TEST_CASE("sme: effective weights are the window-rounded ones, less the dropped bits of squeezed rows", "[sme]") {
    const QuantizedMatrix m = reshare::test::random_layer(70, 150, 1, 17);
    const CompressedLayer l = sme_layer(m, 1);
    const reshare::SmeTables& t = reshare::sme_tables(l);
    const std::vector<int8_t> eff = reshare::effective_matrix(l, m).q;
    int squeezed_rows = 0, changed_by_squeeze = 0;
    for (size_t k = 0; k < m.q.size(); ++k) {
        const int w = m.q[k], rounded = t.weights[k];
        REQUIRE(uint32_t(std::abs(rounded)) == round_magnitude(std::abs(w), 3, 7) * 1u);
        REQUIRE((rounded < 0) == (w < 0 && rounded != 0));
        REQUIRE(std::abs(eff[k]) <= std::abs(rounded));
        REQUIRE(std::abs(rounded) - std::abs(eff[k]) <= 1);   // D = 1: at most the last bit
        changed_by_squeeze += eff[k] != rounded;
    }
    for (uint8_t s : t.shift) squeezed_rows += s > 0;
    CHECK(squeezed_rows > 0);
    CHECK(changed_by_squeeze > 0);
    // The hardware computes exactly those weights.
    REQUIRE(reshare::reconstruct(l) == eff);
    const std::vector<int32_t> x = reshare::test::random_input(70, 5);
    REQUIRE(reshare::compressed_mvm(l, x) == reshare::reference_mvm(reshare::effective_matrix(l, m), x));
}

TEST_CASE("sme: bit-crossbars released, squeezing frees more, and the image round-trips", "[sme]") {
    const QuantizedMatrix m = reshare::test::random_layer(96, 256, 1, 23);
    const HwConfig c;
    const uint64_t dense = reshare::measure(reshare::compress(m, c, Scheme::Dense), c).stored_ous;
    uint64_t previous = ~0ull;
    for (int D = 0; D <= 2; ++D) {
        const CompressedLayer l = sme_layer(m, D);
        const uint64_t ous = reshare::measure(l, c).stored_ous;
        INFO("D " << D << ": " << ous << " OUs, dense " << dense);
        CHECK(ous < previous);   // every squeezed bit releases bit-crossbars
        previous = ous;
        const CompressedLayer back = reshare::decode_layer_image(reshare::encode_layer_image(l), "sme");
        REQUIRE(reshare::encode_layer_image(back) == reshare::encode_layer_image(l));
        REQUIRE(reshare::reconstruct(back) == reshare::effective_matrix(l, m).q);
    }
    // The window makes the bits sparse (the paper's point): S = 1 keeps one '1' per weight, S = 3 at most three.
    auto ones = [&](const std::vector<int8_t>& q) {
        uint64_t n = 0;
        for (int8_t w : q) n += uint64_t(__builtin_popcount(uint32_t(std::abs(int(w)))));
        return n;
    };
    const uint64_t nonzero = uint64_t(std::count_if(m.q.begin(), m.q.end(), [](int8_t w) { return w != 0; }));
    const uint64_t s1 = ones(reshare::sme_tables(sme_layer(m, 0, 1)).weights), s3 = ones(reshare::sme_tables(sme_layer(m, 0, 3)).weights);
    CHECK(s1 == nonzero);
    CHECK(s1 < s3);
    CHECK(s3 < ones(m.q));
}

TEST_CASE("sme: a squeezed layer's OUs pay exactly D extra input cycles where their rows are squeezed", "[sme][timing]") {
    const QuantizedMatrix m = reshare::test::random_layer(64, 200, 1, 29);
    for (int D : {1, 2}) {
        const CompressedLayer l = sme_layer(m, D);
        const reshare::SmeTables& t = reshare::sme_tables(l);
        const reshare::LayerGeometry& g = l.geo;
        // Independently of the work units: per group, OUs of kept crossbars x OU-rows with a moved row, by their shift.
        uint64_t want_extra = 0, ous = 0;
        for (size_t grp = 0; grp < t.kept.size(); ++grp) {
            const int tile = int(grp / reshare::sme_groups_per_unit(g)) % g.row_tiles();
            const int ct = int(grp % reshare::sme_groups_per_unit(g)) / 2;
            const int rows = std::min(g.xbar_rows, g.rows - tile * g.xbar_rows);
            const int cols = std::min(g.xbar_cols, g.group_cols() - ct * g.xbar_cols);
            const int kept = __builtin_popcount(t.kept[grp]), ou_cols = (cols + g.ou_cols - 1) / g.ou_cols;
            for (int q = 0; q * g.ou_rows < rows; ++q) {
                int most = 0;
                for (int i = q * g.ou_rows; i < std::min(rows, (q + 1) * g.ou_rows); ++i) most = std::max<int>(most, t.shift[grp * g.xbar_rows + i]);
                want_extra += uint64_t(kept) * ou_cols * most;
                ous += uint64_t(kept) * ou_cols;
            }
        }
        REQUIRE(want_extra > 0);
        const HwConfig c;
        const reshare::hw::CuPipeline cu(c, Scheme::Sme);
        uint64_t activations = 0, got_ous = 0;
        for (const reshare::hw::WorkUnit& u : reshare::hw::work_units(l, c)) {
            REQUIRE(u.ou_extra_cycles.size() == u.ous);
            for (uint8_t e : u.ou_extra_cycles) REQUIRE(e <= D);
            activations += cu.run(u).counters.ou_activations;
            got_ous += u.ous;
        }
        CHECK(got_ous == ous);
        CHECK(activations == ous * uint64_t(c.input_bits) + want_extra);
    }
}

TEST_CASE("sme: the MVM engine waits for the slowest OU of each wave", "[sme][timing]") {
    HwConfig c;
    c.cu_arrays = 1, c.cu_adcs = 1;   // one array: a wave is one OU
    const reshare::hw::CuPipeline cu(c, Scheme::Sme);
    reshare::hw::WorkUnit u;
    u.ous = 4;
    u.results = 32;
    const double plain = cu.run(u).mvm_ns;
    u.ou_extra_cycles = {1, 0, 2, 0};
    CHECK(plain == Approx(4 * cu.ou_ns()));
    CHECK(cu.run(u).mvm_ns == Approx(cu.ou_ns() * (4 * 8 + 3) / 8.0));
}

TEST_CASE("sme: a corrupted bit-crossbar index is refused by the image reader", "[sme][image]") {
    const QuantizedMatrix m = reshare::test::random_layer(40, 30, 1, 31);
    const CompressedLayer l = sme_layer(m, 1);
    auto t = std::make_shared<reshare::SmeTables>(reshare::sme_tables(l));
    t->kept[0] ^= 1;   // claim (or release) the LSB crossbar of the first group
    CompressedLayer bad = l;
    bad.tables = t;
    CHECK_THROWS_WITH(reshare::decode_layer_image(reshare::encode_layer_image(bad), "bad.rsl"),
                      Catch::Contains("bit-crossbar index disagrees with the weights"));
    auto w = std::make_shared<reshare::SmeTables>(reshare::sme_tables(l));
    w->weights[0] = 0b1011;   // four ones across a 3-bit window
    bad.tables = w;
    CHECK_THROWS_WITH(reshare::decode_layer_image(reshare::encode_layer_image(bad), "bad.rsl"),
                      Catch::Contains("outside its S-bit window"));
}
