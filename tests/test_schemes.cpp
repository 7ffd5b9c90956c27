// Bit-slicing, the four schemes and Algorithm 1 on hand-made and random layers.
#include "helpers.hpp"
#include "reshare/common/parallel.hpp"
#include "reshare/offline/layer_image.hpp"

#include "reshare/offline/bitslice.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/schemes/reshare/reshare.hpp"
#include "reshare/schemes/rws/rws.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/schemes/reshare/reorder.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

using namespace reshare;
using reshare::test::config_for;
using reshare::test::config_with;
using reshare::test::runs_with;
using reshare::test::random_input;
using reshare::test::random_layer;

namespace {

// The paper's Fig. 1: one 2-row OU-row group whose 8 bit-columns hold the 2x1 patterns
// {1,0} {0,1} {0,1} {1,1} {1,0} {0,1} {1,0} {0,0}. With two's complement and 1-bit cells a single weight
// column spreads over 8 bit-columns (plane p = bit p), so row 0 holds the byte 0b01011001 = 89 and row 1
// 0b00101110 = 46. Keys have row 0 in bit 0: {1,0} = 1, {0,1} = 2, {1,1} = 3.
QuantizedMatrix fig1_layer() {
    QuantizedMatrix m;
    m.name = "fig1";
    m.rows = 2;
    m.cols = 1;
    m.q = {89, 46};
    m.scale = {1.0};
    return m;
}

HwConfig fig1_config() {
    HwConfig c = config_with(Encoding::Twos, 2, 2);
    c.block_bytes = 4;   // two 16-bit results per block
    return c;
}

}  // namespace

TEST_CASE("Fig. 1: RWS stores the three non-zero patterns with the paper's index sets", "[schemes]") {
    const CompressedLayer layer = compress(fig1_layer(), fig1_config(), Scheme::Rws);
    const RwsTables& l = rws_tables(layer);
    REQUIRE(l.domain_patterns == std::vector<uint32_t>{3});
    REQUIRE(l.patterns == std::vector<PatternKey>{1, 2, 3});   // {1,0}, {0,1}, {1,1} in first-occurrence order
    REQUIRE(l.task_length == std::vector<uint32_t>{3, 3, 1});
    REQUIRE(l.column_index == std::vector<uint16_t>{0, 4, 6, 1, 2, 5, 3});
    // 3 distinct patterns in 2-column OUs: 2 OUs instead of the dense 4; the {0,0} column is never computed.
    const LayerMetrics m = measure(layer, fig1_config());
    REQUIRE(m.stored_ous == 2);
    REQUIRE(measure(compress(fig1_layer(), fig1_config(), Scheme::Dense), fig1_config()).stored_ous == 4);
}

TEST_CASE("Fig. 1: ReShare orders the patterns by Algorithm 1 and writes whole blocks", "[schemes]") {
    const CompressedLayer layer = compress(fig1_layer(), fig1_config(), Scheme::ReShare);
    const ReShareTables& l = reshare_tables(layer);
    // Blocks of 2: {1,0}{0,1} | {0,1}{1,1} | {1,0}{0,1} | {1,0}{0,0}.
    // Step 1: {1,0} = 1/2 + 1/2 + 1 = 2, {0,1} = 1/2 + 1/2 + 1/2 = 1.5, {1,1} = 1/2 -> {1,0}.
    // Step 2: {0,1} = 1 + 1/2 + 1 = 2.5, {1,1} = 1/2 -> {0,1}; then {1,1}.
    REQUIRE(l.patterns == std::vector<PatternKey>{1, 2, 3});
    // Tasks in completion order: block 3 is complete after pattern 0, blocks 0 and 2 after pattern 1, block 1 last.
    REQUIRE(l.task_block == std::vector<uint32_t>{3, 0, 2, 1});
    REQUIRE(l.task_slot.narrow == std::vector<uint8_t>{1, 0, 1, 2, 1, 2, 2, 3});   // 2-bit keys: a byte per slot
    REQUIRE(l.task_slot.wide.empty());
}

TEST_CASE("Algorithm 1 orders a hand-computed case", "[reorder]") {
    // Blocks of 2: {0,1} {1,2} {2,2} {3,zero}. Values x2 at step 1: p0 1, p1 2, p2 1+4 = 5, p3 2 -> p2.
    // Step 2: p0 1, p1 1+2 = 3, p3 2 -> p1. Step 3: p0 2, p3 2: tie, the lower id wins -> p0, then p3.
    const std::vector<int> pattern_of = {0, 1, 1, 2, 2, 2, 3, -1};
    REQUIRE(reorder_literal(pattern_of, 4, 2) == std::vector<int>{2, 1, 0, 3});
    REQUIRE(reorder_fast(pattern_of, 4, 2) == std::vector<int>{2, 1, 0, 3});
}

TEST_CASE("Algorithm 1 weighs blocks by their unselected patterns, not by raw frequency", "[reorder]") {
    // p0 appears 3 times in one crowded block of 4 distinct patterns; p4 alone completes a block twice over.
    // Blocks of 4: {0,0,0,1} {2,3,0,1}... built so frequency alone would pick p0 but Algorithm 1 picks p4.
    const std::vector<int> pattern_of = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 4, 4, 4};
    // Step 1 (x12): p0..p3 get 3 blocks x 1/4 = 3/4 each (x12: 9); p4 gets 4 x 1 = 4 (x12: 48).
    const std::vector<int> order = reorder_literal(pattern_of, 5, 4);
    REQUIRE(order.front() == 4);
    REQUIRE(order == reorder_fast(pattern_of, 5, 4));
    REQUIRE(order == std::vector<int>{4, 0, 1, 2, 3});
}

TEST_CASE("Algorithm 1: the literal and the fast version agree on random domains", "[reorder]") {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 400; ++trial) {
        const int n = 1 + int(rng() % 60);
        const int cols = 1 + int(rng() % 400);
        const int block = std::vector<int>{1, 2, 3, 4, 8, 16, 32}[rng() % 7];
        // Skewed pattern use, as in real layers: a few patterns are hot, about a third of columns are zero.
        std::geometric_distribution<int> hot(0.15);
        std::vector<int> pattern_of(cols);
        for (int& p : pattern_of) p = rng() % 3 == 0 ? -1 : std::min(n - 1, hot(rng));
        // Compact ids to first-occurrence order, as compress() produces them.
        std::vector<int> id(n, -1);
        int next = 0;
        for (int& p : pattern_of)
            if (p >= 0) p = id[p] >= 0 ? id[p] : (id[p] = next++);
        INFO("trial " << trial << " n " << next << " cols " << cols << " block " << block);
        REQUIRE(reorder_fast(pattern_of, next, block) == reorder_literal(pattern_of, next, block));
    }
}

TEST_CASE("Algorithm 1: the literal and the fast version agree with byte-wide and wider pattern ids", "[reorder]") {
    // reorder_fast keeps ids in one byte up to 256 patterns, in two up to 65536, and scans for the best up to 1024.
    std::mt19937 rng(11);
    for (const int n : {255, 256, 257, 1024, 1500}) {
        const int cols = 2 * n;
        std::vector<int> pattern_of(cols);
        for (int c = 0; c < cols; ++c) pattern_of[c] = c < n ? c : (rng() % 4 == 0 ? -1 : int(rng() % n));
        std::shuffle(pattern_of.begin() + n, pattern_of.end(), rng);   // every id occurs, the first n in order
        INFO("n " << n);
        REQUIRE(reorder_fast(pattern_of, n, 8) == reorder_literal(pattern_of, n, 8));
    }
}

TEST_CASE("Bit-slicing recovers every weight in every encoding and cell size", "[bitslice]") {
    for (Encoding e : {Encoding::Twos, Encoding::Offset, Encoding::Differential})
        for (int cell_bits : {1, 2}) {
            if (e == Encoding::Twos && cell_bits == 2) continue;
            HwConfig c = config_with(e, 8, 8, cell_bits);
            const BitSlicing bs(c);
            for (int w = -127; w <= 127; ++w) {
                std::vector<uint32_t> cells(bs.planes());
                for (int p = 0; p < bs.planes(); ++p) {
                    cells[p] = bs.cell(w, p);
                    REQUIRE(cells[p] < (1u << cell_bits));
                }
                REQUIRE(bs.weight_of(cells.data()) == w);
            }
        }
    REQUIRE(BitSlicing(config_with(Encoding::Differential, 8, 8)).planes() == 14);
    REQUIRE(BitSlicing(config_with(Encoding::Differential, 8, 8, 2)).planes() == 8);
    REQUIRE(BitSlicing(config_with(Encoding::Offset, 8, 8, 2)).planes() == 4);
    REQUIRE(BitSlicing(config_with(Encoding::Twos, 8, 8)).significance(7) == -128);
}

TEST_CASE("Every scheme reconstructs the weights and computes the exact MVM (scheme x encoding x OU x cells)",
          "[schemes][exact]") {
    struct Shape {
        int rows, cols, groups;
    };
    // Odd sizes so the last OU-row group, OU column group, row tile and block are all partial;
    // a grouped and a depthwise-like layer so sharing stays inside a conv group.
    const std::vector<Shape> shapes = {{75, 24, 1}, {40, 12, 3}, {9, 16, 16}, {130, 9, 1}};
    uint32_t seed = 1;
    for (const Shape& s : shapes)
        for (Encoding e : {Encoding::Twos, Encoding::Offset, Encoding::Differential})
            for (auto [r, c] : std::vector<std::pair<int, int>>{{4, 4}, {8, 8}, {16, 8}})
                for (int cell_bits : {1, 2}) {
                    if (e == Encoding::Twos && cell_bits == 2) continue;
                    const HwConfig config = config_with(e, r, c, cell_bits);
                    const QuantizedMatrix m = random_layer(s.rows, s.cols, s.groups, seed++);
                    const std::vector<int32_t> x = random_input(size_t(s.rows) * s.groups, seed++);
                    const std::vector<int64_t> want = reference_mvm(m, x);
                    for (Scheme scheme : all_schemes()) {
                        if (!runs_with(scheme, config)) continue;
                        INFO(to_string(scheme) << " " << to_string(e) << " OU " << r << "x" << c << " cells "
                                               << cell_bits << " layer " << s.rows << "x" << s.cols << "/" << s.groups);
                        const CompressedLayer l = compress(m, config, scheme, 2);
                        const QuantizedMatrix effective = effective_matrix(l, m);
                        REQUIRE(reconstruct(l) == effective.q);
                        REQUIRE(compressed_mvm(l, x) == (changes_weights(scheme) ? reference_mvm(effective, x) : want));
                    }
                }
}

TEST_CASE("ReShare: what a task reads - distinct addresses and lines and the last - is counted as a set would", "[reshare]") {
    // task_reads counts by bit sets for domains of up to 256 patterns and by comparisons beyond: both against sets.
    std::mt19937 rng(17);
    for (const uint32_t patterns : {1u, 9u, 200u, 256u, 257u, 3000u})
        for (const int B : {1, 2, 4, 8, 16, 32})
            for (int trial = 0; trial < 200; ++trial) {
                std::vector<uint16_t> slot(static_cast<size_t>(B));
                // Half the slots repeat a few hot addresses, a fifth are zero, the rest anywhere in the domain.
                for (uint16_t& x : slot) {
                    const uint32_t r = rng() % 10;
                    x = uint16_t(r < 2 ? 0 : r < 7 ? 1 + rng() % std::min(patterns, 3u) : 1 + rng() % patterns);
                }
                std::set<int> addresses, lines;
                int last = 0;
                for (const uint16_t x : slot)
                    if (x) addresses.insert(x), lines.insert((x - 1) / B), last = std::max(last, int(x));
                const TaskReads r = task_reads(slot.data(), B, patterns);
                INFO("patterns " << patterns << " B " << B << " trial " << trial);
                REQUIRE(r.distinct == addresses.size());
                REQUIRE(r.lines == lines.size());
                REQUIRE(r.last == last);
                if (patterns <= 255) {   // as one-byte slots hold them
                    const std::vector<uint8_t> narrow(slot.begin(), slot.end());
                    const TaskReads n = task_reads(narrow.data(), B, patterns);
                    REQUIRE((n.distinct == r.distinct && n.lines == r.lines && n.last == r.last));
                }
            }
}

TEST_CASE("ReShare keeps slots in two bytes where a domain may hold more than 255 patterns and in one elsewhere", "[reshare]") {
    const QuantizedMatrix m = random_layer(70, 100, 1, 5);
    const std::vector<int32_t> x = random_input(70, 6);
    for (const int ou_rows : {8, 16}) {   // 8- and 16-bit keys; 100 columns x 8 planes = 800 bit-columns per domain
        const CompressedLayer l = compress(m, config_with(Encoding::Offset, ou_rows, 8), Scheme::ReShare);
        const ReShareTables& t = reshare_tables(l);
        INFO("ou_rows " << ou_rows);
        REQUIRE(reshare_slot_bytes(l.geo) == (ou_rows == 8 ? 1 : 2));
        REQUIRE(t.task_slot.narrow.empty() == (ou_rows == 16));
        REQUIRE(t.task_slot.wide.empty() == (ou_rows == 8));
        if (ou_rows == 16) REQUIRE(*std::max_element(t.domain_patterns.begin(), t.domain_patterns.end()) > 255);
        const std::vector<char> bytes = encode_layer_image(l);
        const CompressedLayer back = decode_layer_image(bytes, "memory");
        REQUIRE(encode_layer_image(back) == bytes);
        REQUIRE(reshare_tables(back).task_slot.wide == t.task_slot.wide);
        REQUIRE(reshare_tables(back).task_slot.narrow == t.task_slot.narrow);
        REQUIRE(reconstruct(back) == m.q);
        REQUIRE(compressed_mvm(back, x) == reference_mvm(m, x));
    }
}

TEST_CASE("Tables built over several workers, in small parts appended in order, equal the serial ones", "[schemes]") {
    // 160 domains over 3 workers: a part per domain, which finish out of order and wait for their turn.
    const HwConfig config = config_with(Encoding::Differential, 8, 8);
    const QuantizedMatrix m = random_layer(1280, 40, 1, 7);
    for (Scheme scheme : all_schemes()) {
        INFO(to_string(scheme));
        REQUIRE(encode_layer_image(compress(m, config, scheme, 3)) == encode_layer_image(compress(m, config, scheme, 1)));
    }
    std::vector<int> seen;
    parallel_chunks_in_order<int>(1000, 2, 128, [](int begin, int) { return begin; }, [&](int& begin) { seen.push_back(begin); });
    REQUIRE(seen.size() == 128);
    REQUIRE(std::is_sorted(seen.begin(), seen.end()));
    REQUIRE(seen.back() == 1000 * 127 / 128);
    auto fail_at_500 = [](int begin, int end) {
        if (begin <= 500 && 500 < end) throw Error("chunk holding 500");
        return begin;
    };
    seen.clear();
    REQUIRE_THROWS_WITH(parallel_chunks_in_order<int>(1000, 2, 128, fail_at_500, [&](int& b) { seen.push_back(b); }),
                        "chunk holding 500");
    REQUIRE(std::all_of(seen.begin(), seen.end(), [](int b) { return b < 500; }));   // none from the failed part on
}

TEST_CASE("Sharing schemes store exactly the distinct non-zero patterns, ORC exactly the non-zero rows", "[schemes]") {
    const HwConfig config = config_with(Encoding::Differential, 8, 8);
    const QuantizedMatrix m = random_layer(64, 40, 1, 99);
    const CompressedLayer rws_layer = compress(m, config, Scheme::Rws);
    const CompressedLayer reshare_layer = compress(m, config, Scheme::ReShare);
    const RwsTables& rws = rws_tables(rws_layer);
    const ReShareTables& reshare = reshare_tables(reshare_layer);
    REQUIRE(rws.domain_patterns == reshare.domain_patterns);   // same patterns, different order
    for (size_t d = 0, at = 0; d < rws.domain_patterns.size(); at += rws.domain_patterns[d++]) {
        std::vector<PatternKey> a(rws.patterns.begin() + at, rws.patterns.begin() + at + rws.domain_patterns[d]);
        std::vector<PatternKey> b(reshare.patterns.begin() + at, reshare.patterns.begin() + at + rws.domain_patterns[d]);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        REQUIRE(a == b);
        REQUIRE(std::adjacent_find(a.begin(), a.end()) == a.end());
        REQUIRE(std::find(a.begin(), a.end(), 0u) == a.end());
    }
    const LayerMetrics dense = measure(compress(m, config, Scheme::Dense), config);
    const LayerMetrics orc = measure(compress(m, config, Scheme::Orc), config);
    REQUIRE(orc.stored_ous < dense.stored_ous);
    REQUIRE(measure(rws_layer, config).stored_ous < orc.stored_ous);
    REQUIRE(measure(rws_layer, config).crossbars == measure(reshare_layer, config).crossbars);
    REQUIRE(dense.dense_cells == dense.cells);
}

TEST_CASE("ReShare's task list writes each block after its last pattern is computed", "[schemes]") {
    const HwConfig config = config_with(Encoding::Offset, 8, 8);
    const CompressedLayer layer = compress(random_layer(48, 30, 1, 5), config, Scheme::ReShare);
    const ReShareTables& l = reshare_tables(layer);
    const int B = layer.geo.block_results;
    size_t task = 0;
    for (uint32_t tasks : l.domain_tasks) {
        int ready_before = -1;
        for (uint32_t t = 0; t < tasks; ++t, ++task) {
            int ready = -1;
            for (int s = 0; s < B; ++s) ready = std::max(ready, int(l.task_slot[task * B + s]) - 1);
            REQUIRE(ready >= 0);              // no task for an all-zero block
            REQUIRE(ready >= ready_before);   // tasks come in completion order
            ready_before = ready;
        }
    }
    REQUIRE(task == l.task_block.size());
}

TEST_CASE("The fast datapath equals the bit-serial one and the plain product, for many vectors", "[schemes][exact]") {
    for (Encoding e : {Encoding::Twos, Encoding::Offset, Encoding::Differential})
        for (auto [r, c] : std::vector<std::pair<int, int>>{{4, 4}, {8, 8}, {16, 8}}) {
            const HwConfig config = config_with(e, r, c);
            const QuantizedMatrix m = random_layer(70, 18, 3, uint32_t(r * 31 + c));
            const int n = 5;
            const size_t in = size_t(m.rows) * m.groups;
            const std::vector<int32_t> x = random_input(in * n, 77);
            for (Scheme s : all_schemes()) {
                if (!runs_with(s, config)) continue;
                INFO(to_string(s) << " " << to_string(e) << " OU " << r << "x" << c);
                const CompressedLayer l = compress(m, config, s);
                const QuantizedMatrix effective = effective_matrix(l, m);
                std::vector<int64_t> acc(size_t(n) * m.cols);
                FastDatapath(l).run(x.data(), n, acc.data());
                for (int v = 0; v < n; ++v) {
                    const std::vector<int32_t> one(x.begin() + long(v * in), x.begin() + long((v + 1) * in));
                    const std::vector<int64_t> got(acc.begin() + long(v) * m.cols, acc.begin() + long(v + 1) * m.cols);
                    REQUIRE(got == reference_mvm(effective, one));
                    REQUIRE(got == compressed_mvm(l, one));
                }
            }
        }
}

TEST_CASE("The fast datapath's work units, computed one by one on int8 inputs, add up to the whole product", "[schemes][exact]") {
    // Probing packs cell_bits + 3 bits a row into one input: both cell sizes, both sign encodings.
    const int cell_bits = GENERATE(1, 2);
    const Encoding encoding = GENERATE(Encoding::Offset, Encoding::Differential);
    const HwConfig config = config_with(encoding, 8, 8, cell_bits);
    const QuantizedMatrix m = random_layer(70, 18, 3, 91);
    const int n = 4;
    const size_t in = size_t(m.rows) * m.groups;
    const std::vector<int32_t> x = random_input(in * n, 92);
    const std::vector<int8_t> x8(x.begin(), x.end());
    for (Scheme s : all_schemes()) {
        INFO(to_string(s) << ", " << cell_bits << "-bit cells, " << to_string(encoding));
        const CompressedLayer l = compress(m, config_for(s, config), s);
        const FastDatapath fast(l), probed(l, 1000);   // per vector, and by coefficients probed through the datapath
        std::vector<int64_t> whole(size_t(n) * m.cols), parts(size_t(n) * m.cols, 0), products(parts);
        fast.run(x.data(), n, whole.data());
        for (int u = 0; u < fast.units(); ++u) fast.add_unit(u, x8.data(), n, parts.data());
        for (int u = 0; u < probed.units(); ++u) probed.add_unit(u, x8.data(), n, products.data());
        REQUIRE(parts == whole);
        REQUIRE(probed.probed_units() == probed.units());
        REQUIRE(probed.packed_units() == probed.units());   // several rows a probing pass, none fell back
        REQUIRE(fast.probed_units() == 0);
        REQUIRE(products == whole);
    }
}

TEST_CASE("Registry: every scheme of schemes.def, in code order, parsed by name: an unknown name lists them", "[schemes]") {
    REQUIRE(scheme_names() == "dense, orc, rws, reshare, sme, reram-sharing or cr2");
    for (size_t i = 0; i < all_schemes().size(); ++i) {
        const Scheme s = all_schemes()[i];
        CHECK(size_t(s) == i);
        CHECK(scheme_def(s).id() == s);
        CHECK(parse_scheme(to_string(s)) == s);
        CHECK(std::string(scheme_def(s).summary()).size() > 20);
    }
    CHECK_THROWS_WITH(parse_scheme("cr3"), "unknown scheme 'cr3' (expected dense, orc, rws, reshare, sme, reram-sharing or cr2)");
    // A layer's tables are its scheme's own type; asking for another's is an internal error, not a bad cast.
    const CompressedLayer l = compress(random_layer(16, 8, 1, 3), HwConfig{}, Scheme::Rws);
    CHECK_NOTHROW(rws_tables(l));
    CHECK_THROWS(reshare_tables(l));
}
