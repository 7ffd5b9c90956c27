// Layer image round trip and damage; configuration loading and errors.
#include "helpers.hpp"

#include "reshare/common/error.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/layer_image.hpp"

#include <catch2/catch.hpp>

#include <map>

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace reshare;
using reshare::test::config_for;
using reshare::test::config_with;
using reshare::test::runs_with;
using reshare::test::random_input;
using reshare::test::random_layer;
namespace fs = std::filesystem;

namespace {

std::string temp_file(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / "reshare-tests";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p.string();
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        REQUIRE(e.code() == ExitCode::BadInput);
        return e.what();
    }
    FAIL("no error thrown");
    return "";
}

}  // namespace

TEST_CASE("images: every scheme survives a round trip bit for bit", "[image]") {
    const HwConfig config = config_with(Encoding::Offset, 8, 8);
    const QuantizedMatrix m = random_layer(70, 20, 2, 3, QuantGranularity::PerChannel);
    const std::vector<int32_t> x = random_input(size_t(70) * 2, 4);
    for (Scheme s : all_schemes()) {
        const CompressedLayer l = compress(m, config_for(s, config), s);
        const std::vector<char> bytes = encode_layer_image(l);
        const CompressedLayer back = decode_layer_image(bytes, "memory");
        REQUIRE(encode_layer_image(back) == bytes);
        REQUIRE(back.name == l.name);
        REQUIRE(back.scale == l.scale);
        REQUIRE(back.geo.block_results == l.geo.block_results);
        const QuantizedMatrix effective = effective_matrix(back, m);   // the weights sme and reram-sharing change
        REQUIRE(reconstruct(back) == effective.q);
        REQUIRE(compressed_mvm(back, x) == reference_mvm(effective, x));
    }
}

TEST_CASE("images: a truncated file is an error at every length", "[image]") {
    const std::vector<char> bytes = encode_layer_image(compress(random_layer(20, 8, 1, 9), HwConfig{}, Scheme::ReShare));
    for (size_t n = 0; n < bytes.size(); n += 7) {
        const std::vector<char> cut(bytes.begin(), bytes.begin() + n);
        const std::string msg = error_of([&] { decode_layer_image(cut, "cut.rsl"); });
        REQUIRE(msg.find("cut.rsl") != std::string::npos);
    }
}

TEST_CASE("images: a flipped byte anywhere is caught", "[image]") {
    const std::vector<char> bytes = encode_layer_image(compress(random_layer(20, 8, 1, 9), HwConfig{}, Scheme::Rws));
    for (size_t at = 0; at < bytes.size(); at += 5) {
        std::vector<char> bad = bytes;
        bad[at] ^= 0x20;
        error_of([&] { decode_layer_image(bad, "bad.rsl"); });
    }
    std::vector<char> bad = bytes;
    bad[40] ^= 1;
    REQUIRE_THAT(error_of([&] { decode_layer_image(bad, "bad.rsl"); }), Catch::Contains("checksum"));
}

TEST_CASE("images: another format version is refused by name", "[image]") {
    std::vector<char> bytes = encode_layer_image(compress(random_layer(10, 4, 1, 2), HwConfig{}, Scheme::Dense));
    const uint32_t version = kLayerImageVersion + 1;
    std::memcpy(&bytes[8], &version, 4);
    // A consistent header (its CRC-32 recomputed): only the version differs.
    const uint32_t sum = uint32_t(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), 28));
    std::memcpy(&bytes[28], &sum, 4);
    REQUIRE_THAT(error_of([&] { decode_layer_image(bytes, "v2.rsl"); }), Catch::Contains("format version 2"));
}

TEST_CASE("images: a missing file and a foreign file are errors", "[image]") {
    REQUIRE_THAT(error_of([] { read_layer_image("/nonexistent/x.rsl"); }), Catch::Contains("cannot open"));
    const std::string p = temp_file("foreign.rsl", "this is a text file, long enough to hold a header............");
    REQUIRE_THAT(error_of([&] { read_layer_image(p); }), Catch::Contains("bad magic"));
}

TEST_CASE("image: the fuzzers' layer images end in one clear error, not a crash", "[image][regression]") {
    const std::map<std::string, std::string> expect = {
        {"L1-block-overflow", "invalid geometry"},
        {"L1-block-overflow.fuzzer-found", "truncated or padded"},
        {"L2-domains-overflow", "layer too large"},
        {"L2b-strips-overflow", "layer too large"},
        {"L3-huge-empty-layer", "16-bit index tables"},
        {"L4-all-zero-task", "a task for an all-zero block"},
    };
    for (const auto& [file, needle] : expect) {
        INFO(file);
        const std::string path = RESHARE_SOURCE_DIR "/tests/regressions/layer-images/" + file;   // clang 14 cannot capture a binding
        REQUIRE_THAT(error_of([&] { read_layer_image(path); }), Catch::Contains(needle));
    }
}

TEST_CASE("config: the bundled Table I file equals the built-in defaults", "[config]") {
    const HwConfig file = load_config(RESHARE_SOURCE_DIR "/configs/reshare-table1.yaml");
    const HwConfig builtin;
    const auto a = describe(file), b = describe(builtin);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].key == b[i].key);
        REQUIRE(a[i].value == b[i].value);
        REQUIRE(!a[i].source.empty());
    }
}

TEST_CASE("config: a chip sized in crossbars is that many crossbars' worth of PEs, and not also in PEs", "[config]") {
    HwConfig c;
    CHECK(c.sized_pes() == 0);   // sized to hold the network
    c.chip_crossbars = 1000;     // 16 CUs x 8 arrays = 128 crossbars a PE
    CHECK(c.sized_pes() == 8);
    CHECK_NOTHROW(validate(c));
    c.chip_pes = 4;
    CHECK_THROWS_WITH(validate(c), Catch::Contains("chip.crossbars: set chip.crossbars or chip.pes, not both"));
    c.chip_crossbars = 0;
    CHECK(c.sized_pes() == 4);
}

TEST_CASE("config: errors name the key and the problem", "[config]") {
    auto err = [](const std::string& name, const std::string& yaml) {
        const std::string p = temp_file(name, yaml);
        return error_of([&] { load_config(p); });
    };
    REQUIRE_THAT(err("unknown.yaml", "crossbar:\n  rowz: 32\n"), Catch::Contains("crossbar.rowz: unknown key"));
    REQUIRE_THAT(err("type.yaml", "ou:\n  rows: eight\n"), Catch::Contains("ou.rows: expected an integer"));
    REQUIRE_THAT(err("big.yaml", "ou:\n  rows: 64\n"), Catch::Contains("ou.rows: must divide crossbar.rows"));
    REQUIRE_THAT(err("block.yaml", "sharing:\n  block_bytes: 3\n"), Catch::Contains("sharing.block_bytes"));
    REQUIRE_THAT(err("enc.yaml", "quantization:\n  encoding: sign-magnitude\n"),
                 Catch::Contains("quantization.encoding: unknown encoding 'sign-magnitude'"));
    REQUIRE_THAT(err("twos2.yaml", "crossbar:\n  cell_bits: 2\nquantization:\n  encoding: twos\n"),
                 Catch::Contains("twos needs 1-bit cells"));
    REQUIRE_THAT(err("section.yaml", "crossbar: 5\n"), Catch::Contains("crossbar: expected a mapping"));
    REQUIRE_THAT(err("syntax.yaml", "crossbar: [1, 2\n"), Catch::Contains("not valid YAML"));
    REQUIRE_THAT(err("scope.yaml", "energy:\n  leakage_scope: some\n"),
                 Catch::Contains("energy.leakage_scope: unknown leakage scope 'some' (expected chip, occupied or busy)"));
    REQUIRE_THAT(err("index.yaml", "rws:\n  index_memory: sram\n"), Catch::Contains("rws.index_memory"));
    REQUIRE_THAT(err("edram.yaml", "cu:\n  edram_bytes: 10\n"), Catch::Contains("cu.edram_bytes: must be in"));
    // ../shared/fuzz-findings C1: a sequence or mapping as a key; a repeated key or section; a non-finite number.
    REQUIRE_THAT(err("seqkey.yaml", "[1]: 2\n"), Catch::Contains("a key must be a plain name"));
    REQUIRE_THAT(err("twice.yaml", "ou:\n  rows: 8\n  rows: 4\n"), Catch::Contains("ou.rows: given twice"));
    REQUIRE_THAT(err("section2.yaml", "ou:\n  rows: 8\nou:\n  cols: 8\n"), Catch::Contains("ou: given twice"));
    REQUIRE_THAT(err("inf.yaml", "energy:\n  adc_mw: .inf\n"), Catch::Contains("energy.adc_mw: expected a finite number"));
    // Finite but absurd numbers are bounded (issue 13: 1e308 mW gave null energies, 1e-300 B/ns a 9e15 ns job).
    REQUIRE_THAT(err("huge.yaml", "energy:\n  adc_mw: 1e308\n"), Catch::Contains("energy.adc_mw: must be in 0..1e6"));
    REQUIRE_THAT(err("slow.yaml", "dma:\n  bytes_per_ns: 1e-300\n"), Catch::Contains("dma.bytes_per_ns: must be in 1e-3..1e6"));
    REQUIRE_THAT(err("pj.yaml", "reram_sharing:\n  adder_pj: 1e300\n"), Catch::Contains("reram_sharing.adder_pj: must be in 0..1e6"));
    REQUIRE_THAT(err("quantum.yaml", "sim:\n  quantum_ns: 1e300\n"), Catch::Contains("sim.quantum_ns: must be in (0, 1e9] ns"));
    // C2: a block size whose bit count overflows int is refused by its bound, before it is multiplied (UBSan found
    // the multiplication overflowing inside validate() itself).
    REQUIRE_THAT(err("block.yaml", "sharing:\n  block_bytes: 300000000\n"), Catch::Contains("sharing.block_bytes: must be in 1..128"));
    REQUIRE_THAT(error_of([] { load_config("/nonexistent.yaml"); }), Catch::Contains("cannot read"));
}

TEST_CASE("images: the size bound admits the largest real layers and refuses what overflows the counts", "[image]") {
    LayerGeometry g;
    g.planes = 14;   // differential int8
    auto with = [&](int rows, int cols, int groups) {
        g.rows = rows, g.cols = cols, g.groups = groups;
        return layer_size_problem(g);
    };
    CHECK(with(1024, 2048, 1).empty());    // ResNet-50 layer4.0/downsample (a bound of issue 13 refused it)
    CHECK(with(25088, 4096, 1).empty());   // VGG16 fc6
    CHECK(with(2048, 1000, 1).empty());    // ResNet-50 fc
    CHECK_THAT(with(1, 4682, 1), Catch::Contains("16-bit index tables"));
    CHECK_THAT(with(1 << 20, 4096, 1), Catch::Contains("more than this build addresses"));
}
