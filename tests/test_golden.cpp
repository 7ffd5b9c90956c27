// Outputs saved from an earlier build, so that a change meant to leave results alone (a refactor) is shown to:
// every layer image of every scheme, byte for byte, on a small synthetic network and on real weights, and the whole
// `reshare compare` report of face_recognition on a real photo.
//
// When a change is meant to alter them (an accounting rule, say), regenerate with
//   RESHARE_UPDATE_GOLDEN=1 build/tests/unit_tests "[golden]"
// and say in the commit why the figures moved.
#include "reshare/models/model.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/offline/quantize.hpp"
#include "helpers.hpp"
#include "tiny_network.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace reshare;

namespace {

const fs::path kGolden = fs::path(RESHARE_SOURCE_DIR) / "tests" / "golden";

bool updating() { return std::getenv("RESHARE_UPDATE_GOLDEN") != nullptr; }

std::string read_file(const fs::path& p) {
    std::stringstream s;
    s << std::ifstream(p).rdbuf();
    return s.str();
}

// Compares `text` with the saved file, or saves it when updating.
void check_golden(const std::string& file, const std::string& text) {
    const fs::path p = kGolden / file;
    if (updating()) {
        fs::create_directories(kGolden);
        std::ofstream(p) << text;
        return;
    }
    REQUIRE(fs::exists(p));
    CHECK(text == read_file(p));
}

// One line per layer image: model, scheme, layer, size and CRC-32 of the encoded bytes.
std::string image_digests(const models::Model& m, const HwConfig& config) {
    std::ostringstream out;
    for (Scheme scheme : all_schemes())
        for (size_t i = 0; i < m.layers.size(); ++i) {
            const auto& l = m.layers[i];
            const QuantizedMatrix q = quantize(l.name, l.rows, l.cols, l.groups, m.matrix(i), config.quant, config.weight_bits);
            // A scheme that cannot run with `config` (sme needs differential cells) runs with the defaults.
            const std::vector<char> bytes = encode_layer_image(compress(q, reshare::test::runs_with(scheme, config) ? config : HwConfig{}, scheme));
            const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), uInt(bytes.size()));
            out << m.name << ' ' << to_string(scheme) << ' ' << l.name << ' ' << bytes.size() << ' ' << std::hex << crc
                << std::dec << '\n';
        }
    return out.str();
}

// Paths name the checkout and "build" the version and commit, not a result: scrubbed, the same in every clone.
void scrub_paths(nlohmann::json& j) {
    if (!j.is_object() && !j.is_array()) return;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (j.is_object() && (it.key() == "weights_source" || it.key() == "input") && it->is_string()) *it = "<path>";
        if (j.is_object() && it.key() == "build" && it->is_object() && it->contains("commit")) *it = "<build>";
        scrub_paths(*it);
    }
}

}  // namespace

TEST_CASE("golden: layer images of every scheme on a small synthetic network are byte-identical to the saved ones",
          "[golden]") {
    HwConfig config;
    config.encoding = Encoding::Offset;
    check_golden("images-tiny.txt", image_digests(reshare::test::tiny_network(), config));
}

TEST_CASE("golden: layer images of every scheme on face_recognition are byte-identical to the saved ones",
          "[golden][real]") {
    if (!fs::exists(models::model_dir())) FAIL("real weights missing: run scripts/fetch-models.sh");
    check_golden("images-face_recognition.txt", image_digests(models::load_model("face_recognition"), HwConfig{}));
}

TEST_CASE("golden: the compare report of face_recognition on a real photo equals the saved one", "[golden][real][cli]") {
    const std::string photo = models::model_dir() + "/../demo/sample1.jpg";
    const fs::path out = fs::temp_directory_path() / "reshare-golden-compare.json";
    const std::string cmd = std::string(RESHARE_BINARY) + " compare --model face_recognition --json --image " + photo +
                            " > " + out.string();
    REQUIRE(std::system(cmd.c_str()) == 0);
    nlohmann::json report = nlohmann::json::parse(read_file(out));
    fs::remove(out);
    scrub_paths(report);
    check_golden("compare-face_recognition.json", report.dump(1) + "\n");
}
