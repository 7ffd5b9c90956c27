// The offline pass on real trained weights (face-api's face_recognition), checked against independent facts.
#include "helpers.hpp"

#include "reshare/models/model.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/pattern_ids.hpp"
#include "reshare/schemes/reshare/reorder.hpp"
#include "reshare/offline/stats.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace reshare;
using reshare::test::config_for;
using reshare::test::config_with;
using reshare::test::runs_with;
using reshare::test::random_input;

namespace {

const models::Model& face_recognition() {
    static const models::Model m = [] {
        const std::string dir = models::model_dir();
        if (!std::filesystem::exists(dir))
            FAIL("real weights missing at " << dir << ": run scripts/fetch-models.sh (or set RESHARE_MODEL_DIR)");
        return models::load_model("face_recognition");
    }();
    return m;
}

QuantizedMatrix real_layer(const std::string& name, const HwConfig& c) {
    const models::Model& m = face_recognition();
    for (size_t i = 0; i < m.layers.size(); ++i)
        if (m.layers[i].name == name) {
            const auto& l = m.layers[i];
            return quantize(l.name, l.rows, l.cols, l.groups, m.matrix(i), c.quant, c.weight_bits);
        }
    FAIL("no layer " << name);
    return {};
}

PatternStats model_stats(Encoding e) {
    HwConfig c;
    c.encoding = e;
    PatternHistogram total(c.ou_rows * c.cell_bits);
    const models::Model& m = face_recognition();
    for (size_t i = 0; i < m.layers.size(); ++i) {
        const auto& l = m.layers[i];
        total.merge(layer_histogram(quantize(l.name, l.rows, l.cols, l.groups, m.matrix(i), c.quant, 8), c, 2));
    }
    return summarize(total);
}

}  // namespace

// ../shared/reference/pattern-statistics.md measured these shares with an independent tool.
TEST_CASE("real: face_recognition pattern statistics match the reference measurements", "[real][stats]") {
    struct Row {
        Encoding e;
        double zero, top8, top32, nz8, nz32;
    };
    for (const Row& r : {Row{Encoding::Twos, .117, .171, .282, .070, .192}, Row{Encoding::Offset, .103, .168, .274, .079, .195},
                         Row{Encoding::Differential, .581, .733, .864, .414, .686}}) {
        INFO(to_string(r.e));
        const PatternStats s = model_stats(r.e);
        CHECK(s.zero_share == Approx(r.zero).margin(0.0006));
        CHECK(s.top8_share == Approx(r.top8).margin(0.0006));
        CHECK(s.top32_share == Approx(r.top32).margin(0.0006));
        CHECK(s.nonzero_top8_share == Approx(r.nz8).margin(0.0006));
        CHECK(s.nonzero_top32_share == Approx(r.nz32).margin(0.0006));
        // The non-zero top-k over all columns is the non-zero columns' share times their top-k share.
        CHECK(s.top8_nonzero_of_all == Approx(s.nonzero_top8_share * (1 - s.zero_share)).epsilon(1e-9));
        CHECK(s.top32_nonzero_of_all == Approx(s.nonzero_top32_share * (1 - s.zero_share)).epsilon(1e-9));
    }
}

// The paper's Fig. 3 all-column figure read as the top-k non-zero patterns over all OU columns
// (../shared/README.md: face_recognition differential 17.4% / 28.8%, two's complement 6.2% / 16.9%).
TEST_CASE("real: face_recognition's Fig. 3 shares (top-k non-zero patterns of all columns) match the reference", "[real][stats]") {
    const PatternStats d = model_stats(Encoding::Differential), t = model_stats(Encoding::Twos);
    CHECK(d.top8_nonzero_of_all == Approx(.174).margin(0.0006));
    CHECK(d.top32_nonzero_of_all == Approx(.288).margin(0.0006));
    CHECK(t.top8_nonzero_of_all == Approx(.062).margin(0.0006));
    CHECK(t.top32_nonzero_of_all == Approx(.169).margin(0.0006));
}

TEST_CASE("real: every scheme is exact on face_recognition layers (scheme x encoding x OU)", "[real][exact]") {
    for (const char* name : {"conv32_1/conv1", "conv128_1/conv2", "fc"})
        for (Encoding e : {Encoding::Twos, Encoding::Offset, Encoding::Differential})
            for (auto [r, c] : std::vector<std::pair<int, int>>{{4, 4}, {8, 8}, {16, 8}}) {
                const HwConfig config = config_with(e, r, c);
                const QuantizedMatrix m = real_layer(name, config);
                const std::vector<int32_t> x = random_input(size_t(m.rows) * m.groups, uint32_t(m.rows + r));
                const std::vector<int64_t> want = reference_mvm(m, x);
                for (Scheme s : all_schemes()) {
                    if (!runs_with(s, config)) continue;
                    INFO(name << " " << to_string(s) << " " << to_string(e) << " OU " << r << "x" << c);
                    const CompressedLayer l = compress(m, config, s, 2);
                    const QuantizedMatrix effective = effective_matrix(l, m);
                    REQUIRE(reconstruct(l) == effective.q);
                    REQUIRE(compressed_mvm(l, x) == (changes_weights(s) ? reference_mvm(effective, x) : want));
                }
            }
}

TEST_CASE("real: literal and fast Algorithm 1 agree on face_recognition domains", "[real][reorder]") {
    for (Encoding e : {Encoding::Twos, Encoding::Differential}) {
        const HwConfig config = config_with(e, 8, 8);
        const QuantizedMatrix m = real_layer("conv256_1/conv1", config);
        const BitSlicing bs(config);
        const LayerGeometry g(config, m, bs);
        std::vector<PatternKey> keys(g.group_bitcols());
        PatternIds ids(g.key_bits());
        std::vector<int> pattern_of;
        for (int d = 0; d < g.domains(); d += 37) {   // a spread of the layer's 288 domains
            domain_keys(m, bs, g, d, keys.data());
            ids.reset();
            ids.assign(keys.data(), int(keys.size()), pattern_of);
            INFO(to_string(e) << " domain " << d << " patterns " << ids.size());
            REQUIRE(reorder_fast(pattern_of, ids.size(), g.block_results) ==
                    reorder_literal(pattern_of, ids.size(), g.block_results));
        }
    }
}
