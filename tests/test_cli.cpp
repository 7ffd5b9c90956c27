// The `reshare` command as a user runs it: JSON contracts, layer images on disk, and bad input.
#include "reshare/models/model.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/schemes/cr2/cr2.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stb_image.h>
#include <stb_image_write.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <functional>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Run {
    int status;
    std::string out, err;
};

Run run_reshare(const std::string& args) {
    const fs::path dir = fs::temp_directory_path() / "reshare-cli-tests";
    fs::create_directories(dir);
    // One file per test process: ctest runs test cases in parallel processes.
    const std::string err_file = (dir / ("stderr-" + std::to_string(::getpid()) + ".txt")).string();
    const std::string cmd = std::string(RESHARE_BINARY) + " " + args + " 2>" + err_file;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = pclose(p);
    std::stringstream err;
    err << std::ifstream(err_file).rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err.str()};
}

fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / "reshare-cli-tests" / name;
    fs::remove_all(d);
    return d;
}

// stderr without the progress lines a run off a terminal writes every 10 s ("WHAT: N% after S s").
std::string without_progress(const std::string& err) {
    static const std::regex progress(".*: [0-9]+% after [0-9]+ s");
    std::istringstream lines(err);
    std::string out;
    for (std::string line; std::getline(lines, line);)
        if (!std::regex_match(line, progress)) out += line + "\n";
    return out;
}

void require_one_line_error(const Run& r, const std::string& needle) {
    INFO(r.err);
    REQUIRE(r.status == 2);
    REQUIRE(r.err.find(needle) != std::string::npos);
    REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("cli: stats --json on real weights has the contract's keys and the build that wrote it", "[cli][real]") {
    const Run r = run_reshare("stats --model face_recognition --json");
    REQUIRE(r.status == 0);
    const json j = json::parse(r.out);
    REQUIRE(j["model"] == "face_recognition");
    REQUIRE(j["weights"] == "real");
    REQUIRE(j["encoding"] == "differential");
    REQUIRE(j["ou"] == json::array({8, 8}));
    for (const char* k : {"ou_columns", "zero_share", "top8_share", "top32_share", "nonzero_top8_share",
                          "nonzero_top32_share", "top8_nonzero_of_all", "top32_nonzero_of_all", "distinct_patterns"}) {
        REQUIRE(j["total"].contains(k));
        REQUIRE(j["layers"][0].contains(k));
    }
    REQUIRE(j["layers"].size() == 30);
    REQUIRE(j["layers"][0]["name"] == "conv32_down");
    REQUIRE(j["layers"][0]["rows"] == 147);
    REQUIRE(j["config"]["sharing.block_bytes"] == 16);
    REQUIRE(j["config"]["energy.arrays_mw"] == Approx(0.51));   // fractional values stay fractional
    REQUIRE(j["config"]["sources"]["energy.arrays_mw"].get<std::string>().find("Table I") != std::string::npos);
    // Every report names the build that wrote it, as --version does: the version and the git commit.
    const Run v = run_reshare("--version");
    REQUIRE(v.status == 0);
    REQUIRE(v.out.rfind("reshare " + j["build"]["version"].get<std::string>() + " (commit ", 0) == 0);
    const std::string commit = j["build"]["commit"];
    REQUIRE(commit.size() >= 12);
    REQUIRE(v.out.find("(commit " + commit + ")") != std::string::npos);
}

TEST_CASE("cli: synthetic models say so", "[cli]") {
    const Run r = run_reshare("stats --model alexnet --json --encoding twos --ou 4x4");
    REQUIRE(r.status == 0);
    const json j = json::parse(r.out);
    REQUIRE(j["weights"] == "synthetic");
    REQUIRE(j["ou"] == json::array({4, 4}));
    REQUIRE(j["encoding"] == "twos");
    // Where each value came from: the command line for what it set, the default's source for the rest.
    const auto& src = j["config"]["sources"];
    CHECK(src["ou.rows"].get<std::string>().rfind("set by command line --ou", 0) == 0);
    CHECK(src["quantization.encoding"].get<std::string>().rfind("set by command line --encoding", 0) == 0);
    CHECK(src["crossbar.rows"].get<std::string>().rfind("default: ReShare Table I", 0) == 0);
    // A file's keys name the file.
    const fs::path dir = fresh_dir("sources");
    fs::create_directories(dir);
    std::ofstream(dir / "c.yaml") << "rws:\n  output_buffer_results: 64\n";
    const json f = json::parse(run_reshare("stats --model alexnet --json --config " + (dir / "c.yaml").string()).out);
    CHECK(f["config"]["sources"]["rws.output_buffer_results"].get<std::string>().find("set by file " + (dir / "c.yaml").string()) == 0);
    // An empty file is legal, and a note says it changed nothing.
    std::ofstream(dir / "empty.yaml") << "# nothing yet\n";
    const Run empty = run_reshare("stats --model alexnet --json --config " + (dir / "empty.yaml").string());
    CHECK(empty.status == 0);
    CHECK(empty.err.find("note: config " + (dir / "empty.yaml").string() + " sets no key: every value is its default") != std::string::npos);
}

TEST_CASE("cli: compress writes images that load back to the model's own weights, for every scheme", "[cli][real]") {
    const reshare::models::Model model = reshare::models::load_model("face_recognition");
    for (const char* scheme : {"dense", "orc", "rws", "reshare"}) {
        INFO(scheme);
        const fs::path out = fresh_dir(std::string("compress-") + scheme);
        const Run r = run_reshare("compress --model face_recognition --scheme " + std::string(scheme) + " -o " + out.string());
        REQUIRE(r.status == 0);
        const json s = json::parse(std::ifstream(out / "summary.json"));
        REQUIRE(s["scheme"] == scheme);
        for (const char* k : {"crossbars", "cells", "ou_activations_per_input", "storage_bits", "compression_vs_dense"})
            REQUIRE(s["totals"].contains(k));
        REQUIRE(s["layers"].size() == model.layers.size());
        // The fc layer's image reconstructs the quantized manifest weights exactly.
        const json& last = s["layers"].back();
        const reshare::CompressedLayer l = reshare::read_layer_image((out / last["file"].get<std::string>()).string());
        const auto& spec = model.layers.back();
        const reshare::QuantizedMatrix q = reshare::quantize(spec.name, spec.rows, spec.cols, spec.groups,
                                                             model.matrix(model.layers.size() - 1),
                                                             reshare::QuantGranularity::PerTensor, 8);
        REQUIRE(reshare::reconstruct(l) == q.q);
    }
}

TEST_CASE("cli: bad arguments are one-line errors with exit code 2 and write nothing", "[cli]") {
    const fs::path out = fresh_dir("never");
    require_one_line_error(run_reshare("compress --model alexnet --scheme zip -o " + out.string()), "unknown scheme 'zip'");
    REQUIRE(!fs::exists(out));
    require_one_line_error(run_reshare("stats --model alexnet --ou 8by8"), "--ou: expected ROWSxCOLS");
    require_one_line_error(run_reshare("stats --model alexnet --ou 64x8"), "ou.rows: must divide crossbar.rows");
    require_one_line_error(run_reshare("stats --model nosuchnet"), "model 'nosuchnet'");
    require_one_line_error(run_reshare("stats --model alexnet --encoding ones"), "unknown encoding 'ones'");
    require_one_line_error(run_reshare("stats"), "--model is required");
    require_one_line_error(run_reshare("stats --model alexnet --frobnicate"), "frobnicate");
    require_one_line_error(run_reshare("stats --model alexnet --threads 0"), "--threads");
    require_one_line_error(run_reshare("stats --model alexnet --seed -1"), "--seed");
    require_one_line_error(run_reshare("stats --model alexnet --ou 0x8"), "ou.rows: must be at least 1");
    require_one_line_error(run_reshare("stat --model alexnet"), "unknown command 'stat' (commands: stats, compress");
    require_one_line_error(run_reshare("compress --model alexnet --scheme rws -o ''"), "-o: the output directory's name is empty");
    require_one_line_error(run_reshare("run --model alexnet --scheme rws --pes 5000"), "80000 CUs, more than the 65536 this model builds");
}

TEST_CASE("cli: SIGTERM during compress removes what it was writing and exits 143", "[cli]") {
    const fs::path out = fresh_dir("interrupted");
    // ORC on VGG16, the longest compression (about 14 s; dense now ends within the 2 s before the signal).
    const std::string cmd = std::string(RESHARE_BINARY) + " compress --model vgg16 --scheme orc -o " + out.string() +
                            " 2>/dev/null & p=$!; sleep 2; kill -TERM $p; wait $p";
    const int status = std::system(("bash -c '" + cmd + "'").c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 143);   // 128 + SIGTERM
    CHECK(!fs::exists(out));
    for (const auto& e : fs::directory_iterator(out.parent_path()))   // no OUT.partial-PID left behind
        CHECK(e.path().filename().string().rfind("interrupted.partial-", 0) != 0);
}

TEST_CASE("cli: SIGINT during run --vcd removes the waveform it was writing and exits 130", "[cli][vcd]") {
    const fs::path dir = fresh_dir("interrupted-vcd");
    fs::create_directories(dir);
    const fs::path vcd = dir / "t.vcd";
    // Interrupted once the trace has content: the simulation is under way, the VCD open.
    const std::string cmd = std::string(RESHARE_BINARY) + " run --model resnet50 --scheme reshare --layers 0:40 --vcd " +
                            vcd.string() + " >/dev/null 2>&1 & p=$!; for i in $(seq 600); do [ -s " + vcd.string() +
                            " ] && break; sleep 0.1; done; sleep 1; kill -INT $p; wait $p";
    const int status = std::system(("bash -c '" + cmd + "'").c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);   // 128 + SIGINT
    CHECK(fs::is_empty(dir));            // neither the VCD, its .gtkw nor a temporary name left behind
}

TEST_CASE("cli: a bad config file stops compress before anything is written", "[cli]") {
    const fs::path dir = fresh_dir("badconfig");
    fs::create_directories(dir);
    std::ofstream(dir / "c.yaml") << "crossbar:\n  rows: 32\n  colls: 128\n";
    const fs::path out = dir / "out";
    require_one_line_error(
        run_reshare("compress --model alexnet --scheme reshare -c " + (dir / "c.yaml").string() + " -o " + out.string()),
        "crossbar.colls: unknown key");
    REQUIRE(!fs::exists(out));
    REQUIRE(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);   // only c.yaml
}

TEST_CASE("cli: a malformed manifest is a one-line error", "[cli]") {
    const fs::path dir = fresh_dir("badmanifest");
    fs::create_directories(dir);
    std::ofstream(dir / "m.json") << "[{\"paths\": [\"w.bin\"], \"weights\": [{\"name\": \"k\", \"shape\": [2, 2], ";
    require_one_line_error(run_reshare("stats --model " + (dir / "m.json").string()), "m.json");
}

TEST_CASE("cli: run computes face_recognition bit-exact through every scheme and reports the contract's keys",
          "[cli][real][run]") {
    const std::string photo = reshare::models::model_dir() + "/../demo/sample1.jpg";
    REQUIRE(fs::exists(photo));
    std::string first_header;   // one CSV schema for every scheme
    for (const char* scheme : {"dense", "orc", "rws", "reshare"}) {
        INFO(scheme);
        const fs::path report = fresh_dir(std::string("run-") + scheme + ".json");
        const fs::path csv = fresh_dir(std::string("run-") + scheme + ".csv");
        const Run r = run_reshare(std::string("run --model face_recognition --scheme ") + scheme + " --image " + photo +
                                  " --layers 0:4 --report " + report.string() + " --csv " + csv.string());
        INFO(r.err);
        REQUIRE(r.status == 0);
        const json j = json::parse(std::ifstream(report));
        REQUIRE(j["bit_exact"] == true);
        REQUIRE(j["weights"] == "real");
        REQUIRE(j["input"] == photo);
        REQUIRE(j["totals"]["energy_pj"]["total"].get<double>() > 0);
        for (const char* k : {"cycles", "time_ns", "energy_pj", "ou_activations", "adc_conversions", "buffer_accesses",
                              "stall_cycles", "time_breakdown_ns", "crossbars", "cells", "storage_bits",
                              "storage_placement_bits", "original_weight_bits", "cu_buffers"})
            REQUIRE(j["totals"].contains(k));
        // Energy: dynamic and leakage add up to the total; storage: the components (cells first) to theirs.
        const auto& e = j["totals"]["energy_pj"];
        CHECK(e["dynamic"].get<double>() + e["leakage"].get<double>() == Approx(e["total"].get<double>()));
        const auto& st = j["totals"]["storage_bits"];
        REQUIRE(st.begin().key() == "cells");
        uint64_t parts = 0;
        for (const auto& [k, v] : st.items())
            if (k != "total") parts += v.get<uint64_t>();
        CHECK(parts == st["total"].get<uint64_t>());
        CHECK(st["cells"] == j["totals"]["cells"]);   // 1-bit cells
        // No CU holds more than its eDRAM unless the report flags it.
        for (const auto& l : j["layers"]) {
            const auto& cu = l["cu_buffers"];
            if (cu["overflow_cus"] == 0) CHECK(cu["largest_need_bits"].get<uint64_t>() <= cu["capacity_bits"].get<uint64_t>());
        }
        REQUIRE(j["chip"]["pes"] == j["pes"]);
        REQUIRE(j["layers"][0]["replication"] == 1);
        REQUIRE(j["layers"].size() == 5);
        REQUIRE(j["layers"][0]["vectors"] == 72 * 72);   // conv32_down: (150 - 7) / 2 + 1 = 72, VALID
        REQUIRE(j["totals"]["time_ns"].get<uint64_t>() > 0);
        if (std::string(scheme) == "reshare") REQUIRE(j["totals"]["stall_cycles"] == 0);
        // The line a user reads: the --layers range (inclusive) in ms and uJ, against the whole job.
        char line[160];
        std::snprintf(line, sizeof line, "layers 0-4: %.3f ms and %.3f uJ of a %.3f ms job on %d PE(s)\n",
                      j["totals"]["time_ns"].get<double>() / 1e6, j["totals"]["energy_pj"]["total"].get<double>() / 1e6,
                      j["totals"]["job_time_ns"].get<double>() / 1e6, j["pes"].get<int>());
        CHECK(r.out.find(line) != std::string::npos);
        // CSV: a header, five layers, the total; the columns include the dotted nested keys.
        std::ifstream c(csv);
        std::vector<std::string> lines;
        for (std::string line; std::getline(c, line);) lines.push_back(line);
        REQUIRE(lines.size() == 7);
        REQUIRE(lines[0].rfind("name,vectors,replication,cycles,time_ns,energy_pj.adc", 0) == 0);
        REQUIRE(lines[1].rfind("conv32_down,5184,", 0) == 0);
        REQUIRE(lines[6].rfind("total,", 0) == 0);
        if (first_header.empty()) first_header = lines[0];
        CHECK(lines[0] == first_header);
        CHECK(lines[0].find("storage_bits.task_list") != std::string::npos);
        CHECK(lines[0].find("storage_bits.row_index") != std::string::npos);
    }
}

TEST_CASE("cli: run checks sme and reram-sharing against their effective weights and reports what the change costs",
          "[cli][real][run]") {
    const std::string photo = reshare::models::model_dir() + "/../demo/sample1.jpg";
    for (const char* scheme : {"sme", "reram-sharing", "reshare"}) {
        INFO(scheme);
        const fs::path report = fresh_dir(std::string("run-acc-") + scheme + ".json");
        const Run r = run_reshare(std::string("run --model face_recognition --scheme ") + scheme + " --image " + photo +
                                  " --layers 0:2 --report " + report.string());
        INFO(r.err);
        REQUIRE(r.status == 0);
        const json j = json::parse(std::ifstream(report));
        REQUIRE(j["bit_exact"] == true);
        const json& a = j["accuracy"];
        const bool changes = std::string(scheme) != "reshare";
        REQUIRE(a["changes_weights"] == changes);
        REQUIRE(a["retrained"] == false);
        const double to_int8 = a["vs_int8"]["cosine"].get<double>(), to_float = a["vs_float"]["cosine"].get<double>();
        CHECK(to_float > 0.3);
        CHECK(to_float <= 1.0 + 1e-12);
        CHECK(!a["vs_int8"].contains("top1_agrees"));   // a face descriptor, not class scores
        if (!changes) CHECK(to_int8 == 1.0);            // the reference is the unchanged int8 network itself
        else CHECK(to_int8 < 1.0);                      // the weights did change
        // Below accuracy.min_cosine: flagged in the report and warned about on stderr, the run still succeeds.
        CHECK(a["below_min_cosine"] == (to_int8 < a["min_cosine"].get<double>()));
        CHECK((r.err.find("warning: scheme " + std::string(scheme)) != std::string::npos) == a["below_min_cosine"].get<bool>());
    }
    // compress says how far the weights moved.
    const fs::path out = fresh_dir("compress-sme");
    REQUIRE(run_reshare("compress --model face_recognition --scheme sme -o " + out.string()).status == 0);
    const json s = json::parse(std::ifstream(out / "summary.json"));
    REQUIRE(s["changes_weights"] == true);
    const double changed = s["totals"]["weight_change"]["changed_fraction"].get<double>();
    CHECK(changed > 0.0);
    CHECK(changed < 1.0);
    CHECK(s["totals"]["weight_change"]["rms_error"].get<double>() > 0.0);
    // The default keeps a quarter of each OU-row's OUs without retraining: far from the network, and said so.
    const Run rs = run_reshare("run --model face_recognition --scheme reram-sharing --layers 0:0 --report " +
                               fresh_dir("rs-warn.json").string() + " --image " + photo);
    REQUIRE(rs.err.find("is below accuracy.min_cosine") != std::string::npos);
}

TEST_CASE("cli: cr2 learns its input-pattern buffer on some photos and runs bit-exact on another", "[cli][real][run][cr2]") {
    const std::string demo = reshare::models::model_dir() + "/../demo/";
    const std::string sl = demo + "sample2.jpg," + demo + "sample3.jpg," + demo + "sample4.jpg", st = demo + "sample1.jpg";
    const fs::path dir = fresh_dir("cr2");
    fs::create_directories(dir);
    const std::string alloc = (dir / "allocation.json").string();
    auto report_of = [&](const std::string& args, const std::string& name) {
        const fs::path report = dir / name;
        const Run r = run_reshare("run --model face_recognition --image " + st + " --report " + report.string() + " " + args);
        INFO(r.err);
        REQUIRE(r.status == 0);
        const json j = json::parse(std::ifstream(report));
        REQUIRE(j["bit_exact"] == true);
        return j;
    };
    const json learned = report_of("--scheme cr2 --learn " + sl + " --allocation " + alloc, "learned.json");
    const json reshare = report_of("--scheme reshare", "reshare.json");
    const auto& t = learned["totals"];
    CHECK(learned["input_reuse"]["learning_images"] == 3);
    CHECK(learned["input_reuse"]["used_bytes"].get<uint64_t>() <= learned["input_reuse"]["capacity_bytes"].get<uint64_t>());
    const double hit_rate = t["input_reuse"]["hit_rate"].get<double>();
    CHECK(hit_rate > 0.0);
    CHECK(hit_rate < 1.0);
    // Hits spare activations and read the buffer instead; the weights' crossbars are ReShare's.
    CHECK(t["ou_activations"].get<uint64_t>() < reshare["totals"]["ou_activations"].get<uint64_t>());
    CHECK(t["buffer_accesses"]["ipr_buffer"]["reads"].get<uint64_t>() > 0);
    CHECK(t["time_ns"].get<uint64_t>() < reshare["totals"]["time_ns"].get<uint64_t>());
    CHECK(t["crossbars"] == reshare["totals"]["crossbars"]);
    CHECK(t["storage_bits"]["ipr_buffer"].get<uint64_t>() > 0);
    // The saved allocation gives the same run.
    const json again = report_of("--scheme cr2 --allocation " + alloc, "again.json");
    CHECK(again["totals"]["time_ns"] == t["time_ns"]);
    CHECK(again["totals"]["input_reuse"] == t["input_reuse"]);
    // No buffer: exactly ReShare's time, activations and energy.
    std::ofstream(dir / "zero.yaml") << "cr2:\n  buffer_bytes: 0\n";
    const json none = report_of("--scheme cr2 -c " + (dir / "zero.yaml").string() + " --learn " + sl, "none.json");
    CHECK(none["totals"]["time_ns"] == reshare["totals"]["time_ns"]);
    CHECK(none["totals"]["ou_activations"] == reshare["totals"]["ou_activations"]);
    CHECK(none["totals"]["energy_pj"]["total"].get<double>() == Approx(reshare["totals"]["energy_pj"]["total"].get<double>()));
    CHECK(none["totals"]["input_reuse"]["hits"] == 0);
    // On RWS's index table instead (cr2.base: rws): the same reuse on RWS's weight side; no buffer is RWS exactly.
    std::ofstream(dir / "rws.yaml") << "cr2:\n  base: rws\n";
    std::ofstream(dir / "rws0.yaml") << "cr2:\n  base: rws\n  buffer_bytes: 0\n";
    const json rws = report_of("--scheme rws", "rws.json");
    const json on_rws = report_of("--scheme cr2 -c " + (dir / "rws.yaml").string() + " --learn " + sl, "on-rws.json");
    CHECK(on_rws["totals"]["crossbars"] == rws["totals"]["crossbars"]);
    CHECK(on_rws["totals"]["input_reuse"]["hits"].get<uint64_t>() > 0);
    CHECK(on_rws["totals"]["ou_activations"].get<uint64_t>() < rws["totals"]["ou_activations"].get<uint64_t>());
    const json rws_none = report_of("--scheme cr2 -c " + (dir / "rws0.yaml").string() + " --learn " + sl, "rws-none.json");
    CHECK(rws_none["totals"]["time_ns"] == rws["totals"]["time_ns"]);
    CHECK(rws_none["totals"]["ou_activations"] == rws["totals"]["ou_activations"]);
    CHECK(rws_none["totals"]["stall_cycles"] == rws["totals"]["stall_cycles"]);
    // compress --learn: the images carry the entries, allocation.json the allocation, and run uses it.
    const fs::path out = dir / "compressed";
    REQUIRE(run_reshare("compress --model face_recognition --scheme cr2 --learn " + sl + " -o " + out.string()).status == 0);
    size_t entries = 0;
    for (size_t i = 0; i < 30; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "layer-%03zu.rsl", i);
        entries += reshare::cr2_tables(reshare::read_layer_image((out / name).string())).entry_patterns.size();
    }
    CHECK(entries > 0);
    const json from_compress = report_of("--scheme cr2 --allocation " + (out / "allocation.json").string(), "from-compress.json");
    CHECK(from_compress["totals"]["input_reuse"] == t["input_reuse"]);   // the same three learning photos
    // Bad input: one line each.
    std::ofstream(dir / "bad.json") << "{\"format\": \"reshare-cr2-allocation\", \"version\": 9}";
    require_one_line_error(run_reshare("run --model face_recognition --scheme cr2 --allocation " + (dir / "bad.json").string()),
                           "bad.json: version: 9");
    require_one_line_error(run_reshare("run --model face_recognition --scheme cr2 --learn " + st + " --image " + st),
                           "learning and test images must be disjoint");
    require_one_line_error(run_reshare("run --model face_recognition --scheme reshare --learn " + sl), "--learn and --allocation go with --scheme cr2");
    require_one_line_error(run_reshare("run --model face_recognition --scheme cr2 --learn " + dir.string()), "holds no .jpg");
}

TEST_CASE("cli: run --images tests one learned cr2 buffer on several photos, one report of all", "[cli][real][run][cr2]") {
    const std::string demo = reshare::models::model_dir() + "/../demo/";
    const fs::path report = fresh_dir("cr2-images.json");
    const Run r = run_reshare("run --model face_recognition --scheme cr2 --learn " + demo + "sample4.jpg --images " + demo +
                              "sample1.jpg," + demo + "sample2.jpg --report " + report.string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);   // a line per test image
    const json j = json::parse(std::ifstream(report));
    REQUIRE(j["runs"].size() == 2);
    uint64_t hits = 0;
    for (const auto& run : j["runs"]) {
        CHECK(run["bit_exact"] == true);
        hits += run["totals"]["input_reuse"]["hits"].get<uint64_t>();
    }
    CHECK(j["input_reuse"]["hits"] == hits);
    CHECK(hits > 0);
    require_one_line_error(run_reshare("run --model face_recognition --scheme cr2 --images " + demo + "sample1.jpg --image " +
                                       demo + "sample2.jpg"), "--images goes without --image");
}

TEST_CASE("cli: cr2 is bit-exact on ssd_mobilenetv1 with a learned buffer", "[cli][real][run][cr2]") {
    const std::string demo = reshare::models::model_dir() + "/../demo/";
    const fs::path report = fresh_dir("cr2-ssd.json");
    const Run r = run_reshare("run --model ssd_mobilenetv1 --scheme cr2 --learn " + demo + "sample2.jpg --image " + demo +
                              "sample1.jpg --report " + report.string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    const json j = json::parse(std::ifstream(report));
    CHECK(j["bit_exact"] == true);
    CHECK(j["totals"]["input_reuse"]["hits"].get<uint64_t>() > 0);
}

TEST_CASE("cli: a scheme that cannot use the configuration is a one-line config error before any work", "[cli]") {
    const fs::path out = fresh_dir("sme-offset");
    require_one_line_error(run_reshare("compress --model alexnet --scheme sme --encoding offset -o " + out.string()),
                           "quantization.encoding: sme needs differential");
    REQUIRE(!fs::exists(out));
    require_one_line_error(run_reshare("run --model alexnet --scheme reram-sharing --encoding offset"),
                           "reram-sharing prunes all-zero OUs");
    require_one_line_error(run_reshare("compare --model alexnet --schemes dense,sme --baseline dense --encoding twos"), "sme needs differential");
    const fs::path dir = fresh_dir("sme-config");
    fs::create_directories(dir);
    std::ofstream(dir / "c.yaml") << "sme:\n  window_bits: 9\n";
    require_one_line_error(run_reshare("stats --model alexnet -c " + (dir / "c.yaml").string()), "sme.window_bits: must be in 1..");
}

TEST_CASE("cli: run refuses a bad image, a bad layer range and unwritable outputs in one line", "[cli][run]") {
    const fs::path dir = fresh_dir("badimage");
    fs::create_directories(dir);
    std::ofstream(dir / "x.jpg") << "not a picture";
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --image " + (dir / "x.jpg").string()),
                           "x.jpg");
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --layers 9:2"), "--layers: 9:2 is reversed");
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --layers 2:900"), "is outside 0:");
    const std::string same = (dir / "same.out").string();
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --report " + same + " --csv " + same),
                           "--report and --csv name the same file");
    REQUIRE(!fs::exists(same));
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --replication twice"),
                           "--replication: unknown replication 'twice' (expected none or fill)");
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --pes 0"), "--pes");
    require_one_line_error(run_reshare("compare --model googlenet --pes 4"), "--pes goes with --equal-chip");
    require_one_line_error(run_reshare("compare --model googlenet --equal-chip --pes most"),
                           "--pes most: expected baseline, largest or 1 to 4096 PEs");
    // Output paths are checked before any work: a missing directory is an error, not a crash at the end.
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --vcd " + (dir / "no" / "t.vcd").string()),
                           "--vcd: directory");
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --report " + dir.string()), "is a directory");
    // An unwritable place (issue 13: --vcd /proc/r.vcd crashed at the end of the run) is refused before any work.
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --vcd /proc/r.vcd"), "--vcd: cannot write '/proc/r.vcd'");
    require_one_line_error(run_reshare("run --model googlenet --scheme reshare --csv /proc/x.csv"), "--csv: cannot write");
}

TEST_CASE("cli: on a terminal a run redraws one progress line for compressing, building the chip and the accelerator",
          "[cli][real][run]") {
    // util-linux's `script` gives the run a terminal, as a user's shell does; what it printed is in the file.
    const fs::path typescript = fresh_dir("progress-tty.txt");
    fs::create_directories(typescript.parent_path());
    const std::string cmd = std::string("script -qec '") + RESHARE_BINARY + " run --model face_recognition --scheme dense' " +
                            typescript.string() + " > /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::stringstream s;
    s << std::ifstream(typescript).rdbuf();
    const std::string screen = s.str();
    // The reference runs beside the chip's building and simulation (no line of its own).
    for (const char* phase : {"\rcompressing conv32_down", "\rbuilding the chip's PEs", "\raccelerator: "}) {
        INFO(phase);
        CHECK(screen.find(phase) != std::string::npos);
    }
    // Each phase ends at 100% before the next begins; the line is redrawn in place, not repeated.
    CHECK(screen.find("building the chip's PEs                  100%") != std::string::npos);
    CHECK(screen.find("bit-exact over 55 nodes") != std::string::npos);
}

TEST_CASE("cli: compare runs each scheme in its own process and normalizes to the baseline", "[cli][real][compare]") {
    const Run r = run_reshare("compare --model face_recognition --schemes orc,rws,reshare --baseline rws --json");
    INFO(r.err);
    REQUIRE(r.status == 0);
    // Progress: one line as each scheme's run ends, k of N.
    for (const char* s : {"orc", "rws", "reshare"}) CHECK(r.err.find(std::string("compare: ") + s + " done (") != std::string::npos);
    CHECK(r.err.find("(3/3, ") != std::string::npos);
    const json j = json::parse(r.out);
    REQUIRE(j["baseline"] == "rws");
    REQUIRE(j["schemes"].size() == 3);
    for (const char* k : {"speedup", "energy_ratio", "crossbar_ratio", "storage_ratio", "storage_vs_orc", "report"})
        REQUIRE(j["schemes"]["reshare"].contains(k));
    REQUIRE(j["view"] == "resident");
    REQUIRE(j["schemes"]["rws"]["speedup"] == 1.0);
    REQUIRE(j["schemes"]["rws"]["energy_ratio"] == 1.0);
    // Same patterns stored: ReShare and RWS use the same crossbars; ORC stores far more.
    REQUIRE(j["schemes"]["reshare"]["crossbar_ratio"] == 1.0);
    REQUIRE(j["schemes"]["orc"]["crossbar_ratio"].get<double>() > 2.0);
    REQUIRE(j["schemes"]["reshare"]["report"]["bit_exact"] == true);
}

TEST_CASE("cli: compare --equal-chip runs every scheme on the baseline's chip, replicating into what it frees",
          "[cli][real][compare]") {
    const Run r = run_reshare("compare --model face_recognition --schemes rws,reshare --equal-chip --json");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const json j = json::parse(r.out);
    REQUIRE(j["view"] == "equal-chip");
    const auto& rws = j["schemes"]["rws"]["report"];
    const auto& reshare = j["schemes"]["reshare"]["report"];
    REQUIRE(rws["chip"]["pes"] == j["chip_pes"]);
    REQUIRE(reshare["chip"]["pes"] == j["chip_pes"]);
    REQUIRE(reshare["chip"]["replication"] == "fill");
    REQUIRE(reshare["bit_exact"] == true);   // every copy computes its share of the vectors exactly
    // The scheme that needs fewer CUs (rws: its index table is in ReRAM) has layers with more than one copy.
    int copies = 0;
    for (const auto& l : rws["layers"]) copies = std::max(copies, l["replication"].get<int>());
    REQUIRE(copies > 1);
    for (const char* k : {"dynamic_energy_ratio", "storage_vs_weights", "time_breakdown_ns", "energy_pj", "chip"})
        REQUIRE(j["schemes"]["reshare"].contains(k));
    REQUIRE(j["chip_budget"] == "baseline");
    REQUIRE(rws["chip"]["holds_network"] == true);
}

TEST_CASE("cli: compare --equal-chip on a chip smaller than a scheme needs: that scheme reprograms, still bit-exact",
          "[cli][real][compare]") {
    const Run r = run_reshare("compare --model face_recognition --schemes rws,reshare --baseline reshare --equal-chip");
    INFO(r.err);
    REQUIRE(r.status == 0);
    // reshare's 29 PEs (464 CUs) hold its network; rws needs 153 PEs.
    REQUIRE_THAT(r.out, Catch::Matchers::Contains("equal-chip view (29 PEs each)") &&
                            Catch::Matchers::Contains("rws needs 2441 CUs to hold the network, the chip has 464"));
    // The table's units and ratio columns are named, the ratios after the baseline.
    REQUIRE_THAT(r.out, Catch::Matchers::Contains("time ms") && Catch::Matchers::Contains("energy uJ") &&
                            Catch::Matchers::Contains("E/reshare") && Catch::Matchers::Contains("xb/reshare") &&
                            Catch::Matchers::Contains("bits/reshare") &&
                            Catch::Matchers::Contains("E/reshare, xb/reshare, bits/reshare: the scheme's energy"));
    const Run j = run_reshare("compare --model face_recognition --schemes rws,reshare --baseline reshare --equal-chip --json");
    REQUIRE(j.status == 0);
    const json rws = json::parse(j.out)["schemes"]["rws"]["report"];
    REQUIRE(rws["bit_exact"] == true);
    REQUIRE(rws["chip"]["holds_network"] == false);
    // Its crossbars are rewritten in every inference: that energy is the run's; reshare's chip programs once.
    REQUIRE(rws["totals"]["energy_pj"]["reprogramming"].get<double>() ==
            Approx(rws["totals"]["programming"]["energy_pj"].get<double>()));
    REQUIRE(rws["totals"]["energy_pj"]["reprogramming"].get<double>() > 0);
    REQUIRE(json::parse(j.out)["schemes"]["reshare"]["report"]["totals"]["energy_pj"]["reprogramming"] == 0.0);
}

namespace {

// The values a VCD variable takes, in time order: its identifier from the $var line naming it, then every
// binary change to that identifier, read as a two's complement number of the variable's width.
std::vector<long> vcd_values(const std::string& vcd, const std::string& name) {
    const size_t var = vcd.find(" " + name + " [");
    REQUIRE(var != std::string::npos);
    std::istringstream decl(vcd.substr(vcd.rfind("$var", var), var - vcd.rfind("$var", var)));
    std::string keyword, type, id;
    int width = 0;
    decl >> keyword >> type >> width >> id;   // $var wire 32 <id>
    REQUIRE(width > 0);
    std::vector<long> values;
    std::istringstream lines(vcd.substr(vcd.find("$enddefinitions")));
    for (std::string line; std::getline(lines, line);) {
        if (line.size() < id.size() + 3 || line[0] != 'b' || line.compare(line.size() - id.size() - 1, std::string::npos, " " + id) != 0)
            continue;
        const std::string bits = line.substr(1, line.size() - id.size() - 2);
        long v = std::stol(bits, nullptr, 2);
        if (int(bits.size()) == width && bits[0] == '1' && width < 64) v -= 1L << width;
        values.push_back(v);
    }
    return values;
}

// A VCD's signals by dotted path ("accelerator.pe_0.cu_8.busy"): each one's changes as (time in ns, value).
struct Vcd {
    std::map<std::string, std::vector<std::pair<long, long>>> changes;
    const std::vector<std::pair<long, long>>& of(const std::string& path) const {
        INFO(path);
        REQUIRE(changes.count(path));
        return changes.at(path);
    }
    // The spans in which a one-bit signal is 1.
    std::vector<std::pair<long, long>> high(const std::string& path) const {
        std::vector<std::pair<long, long>> spans;
        long from = -1;
        for (const auto& [t, v] : of(path)) {
            if (v && from < 0) from = t;
            if (!v && from >= 0) spans.push_back({from, t}), from = -1;
        }
        return spans;
    }
};

Vcd read_vcd(const std::string& text) {
    Vcd vcd;
    std::map<std::string, std::string> path_of;   // identifier -> path
    std::vector<std::string> scopes;
    std::istringstream in(text);
    long now = 0;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string w;
        words >> w;
        if (w == "$scope") {
            std::string kind, name;
            words >> kind >> name;
            if (name != "SystemC") scopes.push_back(name);
        } else if (w == "$upscope" && !scopes.empty()) {
            scopes.pop_back();
        } else if (w == "$var") {
            std::string type, id, name;
            int width;
            words >> type >> width >> id >> name;
            std::string path;
            for (const std::string& sc : scopes) path += sc + ".";
            path_of[id] = path + name;
        } else if (!w.empty() && w[0] == '#') {
            now = std::stol(w.substr(1));
        } else if (!w.empty() && w[0] == 'b') {
            std::string id;
            words >> id;
            if (path_of.count(id)) vcd.changes[path_of[id]].push_back({now, std::stol(w.substr(1), nullptr, 2)});
        } else if (w.size() > 1 && (w[0] == '0' || w[0] == '1')) {
            const std::string id = w.substr(1);
            if (path_of.count(id)) vcd.changes[path_of[id]].push_back({now, w[0] == '1'});
        }
    }
    return vcd;
}

// Every span of `inner` lies inside one span of `outer`.
void require_within(const std::vector<std::pair<long, long>>& inner, const std::vector<std::pair<long, long>>& outer,
                    const std::string& what) {
    INFO(what);
    std::string outside;
    for (const auto& span : inner)   // (clang 14 cannot capture a structured binding)
        if (outside.size() < 200 &&
            std::none_of(outer.begin(), outer.end(), [&](const auto& o) { return o.first <= span.first && span.second <= o.second; }))
            outside += std::to_string(span.first) + "-" + std::to_string(span.second) + " ";
    CHECK(outside.empty());
}

// The spans in which the layer signal is not -1.
std::vector<std::pair<long, long>> layer_spans(const Vcd& vcd) {
    std::vector<std::pair<long, long>> spans;
    long from = -1;
    for (const auto& [t, v] : vcd.of("accelerator.layer")) {
        const bool on = v != 0xffffffffL;
        if (on && from < 0) from = t;
        if (!on && from >= 0) spans.push_back({from, t}), from = -1;
    }
    return spans;
}

}  // namespace

TEST_CASE("cli: run --vcd writes a 1 ns waveform with the layer, the interrupt and per-CU busy and stall", "[cli][real][vcd]") {
    const std::string photo = reshare::models::model_dir() + "/../demo/sample1.jpg";
    const fs::path vcd = fresh_dir("trace.vcd");
    const Run r = run_reshare("run --model face_recognition --scheme rws --image " + photo + " --layers 2:3 --vcd " +
                              vcd.string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(without_progress(r.err).empty());   // no SystemC warnings (e.g. times off the 1 ns grid)
    std::stringstream text;
    text << std::ifstream(vcd).rdbuf();
    const std::string s = text.str();
    REQUIRE(s.find("$timescale\n     1 ns") != std::string::npos);
    for (const char* name : {"layer [31:0]", "irq", "$scope module cu_", "busy", "stalled_ns [63:0]"}) {
        INFO(name);
        REQUIRE(s.find(name) != std::string::npos);
    }
    // The two traced layers appear by their network index (2 = b10, 3 = b11) as values of `layer`.
    // The layer signal reads -1 outside them: before, between (when other ops run in between) and after.
    const std::vector<long> layers = vcd_values(s, "layer");
    std::string seen;
    for (long v : layers) seen += std::to_string(v) + " ";
    INFO("layer values: " << seen);
    REQUIRE(layers.size() >= 3);
    CHECK(layers.front() == -1);
    CHECK(layers.back() == -1);
    CHECK(std::count(layers.begin(), layers.end(), 2L) == 1);
    CHECK(std::count(layers.begin(), layers.end(), 3L) == 1);
    CHECK(std::find(layers.begin(), layers.end(), 2L) < std::find(layers.begin(), layers.end(), 3L));
    // Next to it, a save file whose CUs are the traced ones: layer 2's, not the chip's first.
    std::stringstream gtkw;
    gtkw << std::ifstream(vcd.parent_path() / "trace.gtkw").rdbuf();
    const std::string g = gtkw.str();
    const size_t at = g.find("SystemC.accelerator.pe_");
    REQUIRE(at != std::string::npos);
    const std::string path = g.substr(at + 20, g.find(".busy", at) - at - 20);   // pe_P.cu_C
    const std::string cu = path.substr(path.find('.') + 1);
    INFO(path);
    REQUIRE(path != "pe_0.cu_0");
    REQUIRE(s.find("$scope module " + cu + " $end") != std::string::npos);
    // It opens the trace it was written for, on the traced layers: from layer 2's start, zoomed in.
    REQUIRE(g.find("[dumpfile] \"" + fs::absolute(vcd).string() + "\"") != std::string::npos);
    const Vcd v = read_vcd(s);
    const std::vector<std::pair<long, long>> traced = layer_spans(v);
    REQUIRE(traced.size() >= 1);
    CHECK(g.find("[timestart] " + std::to_string(traced.front().first) + "\n") != std::string::npos);
    CHECK(g.find("\n*-") != std::string::npos);
    CHECK(g.find("@8024\n+{sharing buffer") != std::string::npos);   // an analog step
    // Batched mode: the CU's engines work in pulses, one per input vector, while it is busy and the layer runs;
    // the MVM never works while it stalls (rws stalls on its output buffer).
    const std::string of_cu = "accelerator." + path + ".";
    const auto busy = v.high(of_cu + "busy"), mvm = v.high(of_cu + "mvm"), sharing = v.high(of_cu + "sharing"),
               stall = v.high(of_cu + "stall");
    REQUIRE(busy.size() >= 1);
    require_within(busy, traced, "busy within the layer");
    CHECK(mvm.size() >= 1000);   // layer 2 has 1225 vectors
    CHECK(sharing.size() >= 1000);
    require_within(mvm, busy, "mvm within busy");
    require_within(sharing, busy, "sharing within busy");
    require_within(stall, busy, "stall within busy");
    size_t overlaps = 0;   // both sorted: one pass
    for (size_t i = 0, j = 0; i < stall.size() && j < mvm.size();) {
        if (mvm[j].second <= stall[i].first) ++j;
        else if (stall[i].second <= mvm[j].first) ++i;
        else ++overlaps, ++i;
    }
    CHECK(overlaps == 0);
    // The save file's CUs are spread over the traced layers: each layer has one of them busy inside it.
    std::vector<std::string> shown;
    for (size_t at = g.find("\n-pe_"); at != std::string::npos; at = g.find("\n-pe_", at + 1)) {
        const std::string cu = g.substr(at + 2, g.find('\n', at + 2) - at - 2);
        if (std::find(shown.begin(), shown.end(), cu) == shown.end()) shown.push_back(cu);
    }
    CHECK(shown.size() == 4);
    REQUIRE(traced.size() == 2);
    for (const auto& layer : traced) {
        INFO("layer span " << layer.first << " - " << layer.second);
        CHECK(std::any_of(shown.begin(), shown.end(), [&](const std::string& cu) {
            const auto spans = v.high("accelerator." + cu + ".busy");
            return !spans.empty() && layer.first <= spans.front().first && spans.front().second <= layer.second;
        }));
    }
    // The shared units each show when they work.
    for (const char* unit : {"dma", "global_buffer", "accumulators", "activation_unit", "pooling_unit"}) {
        INFO(unit);
        CHECK(!v.high(std::string("accelerator.") + unit).empty());
    }
}

TEST_CASE("cli: in detailed mode the waveform follows each CU's sharing-buffer occupancy", "[cli][real][vcd]") {
    const std::string photo = reshare::models::model_dir() + "/../demo/sample1.jpg";
    const fs::path dir = fresh_dir("detailed");
    fs::create_directories(dir);
    std::ofstream(dir / "detailed.yaml") << "sim:\n  mode: detailed\n";
    const fs::path vcd = dir / "fc.vcd";
    const Run r = run_reshare("run --model face_recognition --scheme rws --image " + photo + " --layers 29:29 -c " +
                              (dir / "detailed.yaml").string() + " --vcd " + vcd.string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    std::stringstream text;
    text << std::ifstream(vcd).rdbuf();
    const std::string s = text.str();
    const std::vector<long> occupancy = vcd_values(s, "sharing_buffer");
    REQUIRE(std::any_of(occupancy.begin(), occupancy.end(), [](long v) { return v != 0; }));
    CHECK(r.err.find("warning: --vcd") == std::string::npos);   // a small trace: no size warning
    // Busy, the engines, the buffer and the layer describe the same moments (issue 14: the CUs ran one after
    // another and showed busy together later, their buffer filling while busy was 0): every traced CU's buffer
    // changes while it is busy, and it is busy while the layer runs, at the same time as the others.
    const Vcd v = read_vcd(s);
    const auto traced = layer_spans(v);
    REQUIRE(traced.size() == 1);
    int cus = 0;
    std::vector<long> starts;
    for (const auto& [name, changes] : v.changes) {
        if (name.size() < 5 || name.compare(name.size() - 5, 5, ".busy") != 0) continue;
        const std::string cu = name.substr(0, name.size() - 4);
        const auto busy = v.high(name);
        if (busy.empty()) continue;
        ++cus;
        starts.push_back(busy.front().first);
        require_within(busy, traced, cu + " busy within the layer");
        require_within(v.high(cu + "mvm"), busy, cu + " mvm within busy");
        require_within(v.high(cu + "sharing"), busy, cu + " sharing within busy");
        std::vector<std::pair<long, long>> buffer_changes;
        for (const auto& [t, value] : v.of(cu + "sharing_buffer"))
            if (t > 0) buffer_changes.push_back({t, t});   // not the initial value
        require_within(buffer_changes, busy, cu + " buffer changes while busy");
    }
    REQUIRE(cus >= 2);
    CHECK(std::adjacent_find(starts.begin(), starts.end(), std::not_equal_to<>()) == starts.end());   // all start together
}

TEST_CASE("cli: run warns before a detailed trace it expects above 200 MB and names the layers", "[cli][real][vcd]") {
    const fs::path dir = fresh_dir("big-trace");
    fs::create_directories(dir);
    const fs::path vcd = dir / "big.vcd", err = dir / "err.txt";
    // Layers 2-4 in detailed mode make about 250 MB: the warning comes before the simulation, which is then stopped.
    const std::string cmd = std::string(RESHARE_BINARY) + " run --model face_recognition --scheme rws --layers 2:4 --set sim.mode=detailed --vcd " +
                            vcd.string() + " >/dev/null 2>" + err.string() + " & p=$!; for i in $(seq 600); do grep -q \"warning: --vcd\" " +
                            err.string() + " && break; sleep 0.1; done; kill -INT $p; wait $p";
    const int status = std::system(("bash -c '" + cmd + "'").c_str());
    CHECK(WIFEXITED(status));
    std::stringstream text;
    text << std::ifstream(err).rdbuf();
    INFO(text.str());
    const std::regex warning("warning: --vcd: the detailed trace of layers 2-4 will be about ([0-9]+) MB \\([0-9]+ CUs\\); "
                             "--layers picks fewer layers");
    std::smatch m;
    const std::string e = text.str();
    REQUIRE(std::regex_search(e, m, warning));
    CHECK(std::stoi(m[1]) > 200);
    CHECK(!fs::exists(vcd));   // interrupted: nothing half-written
}

TEST_CASE("cli: --set changes any configuration key, and a bad key or value is one line", "[cli]") {
    const Run r = run_reshare("stats --model face_recognition --set sharing.block_bytes=8 --set ou.rows=4 --json");
    REQUIRE(r.status == 0);
    const json j = json::parse(r.out);
    REQUIRE(j["ou"] == json::array({4, 8}));
    REQUIRE(j["config"]["sharing.block_bytes"] == 8);
    REQUIRE(j["config"]["sources"]["sharing.block_bytes"].get<std::string>().find("set by command line --set") == 0);
    require_one_line_error(run_reshare("stats --model face_recognition --set sharing.block_byte=8"),
                           "--set sharing.block_byte: unknown key");
    require_one_line_error(run_reshare("stats --model face_recognition --set ou.rows=abc"), "ou.rows: expected an integer");
    require_one_line_error(run_reshare("stats --model face_recognition --set ou.rows"), "expected KEY=VALUE");
    require_one_line_error(run_reshare("stats --model face_recognition --set ou.rows=3"), "ou.rows: must divide");
}

TEST_CASE("cli: sweep runs the minimal spec, bit-exact at every point, and skips what is done", "[cli][real][sweep]") {
    const fs::path dir = fresh_dir("sweep");
    fs::create_directories(dir);
    std::ofstream(dir / "spec.yaml") << "models: [face_recognition]\nschemes: [rws, reshare]\ngrid:\n  sharing.block_bytes: [8, 16]\n";
    const std::string args = "sweep " + (dir / "spec.yaml").string() + " -o " + (dir / "out").string();
    Run r = run_reshare(args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(r.err.find("4/4 done, 0 failed") != std::string::npos);
    std::ifstream csv(dir / "out" / "results.csv");
    std::string header, line;
    std::getline(csv, header);
    REQUIRE(header.rfind("hash,status,command,model,weights,scheme,image,label,sharing.block_bytes,bit_exact,pes,", 0) == 0);
    std::vector<std::string> rows;
    while (std::getline(csv, line)) rows.push_back(line);
    REQUIRE(rows.size() == 4);
    for (const std::string& row : rows) REQUIRE(row.find(",ok,run,face_recognition,real,") != std::string::npos);
    REQUIRE(rows[0].find(",rws,synthetic,,8,true,") != std::string::npos);
    REQUIRE(rows[3].find(",reshare,synthetic,,16,true,") != std::string::npos);
    // The report of a point is the report `run` writes: block size 8 halves ReShare's results per block write.
    const json plan = json::parse(std::ifstream(dir / "out" / "plan.json"));
    const json small = json::parse(std::ifstream(dir / "out" / "points" / (plan["points"][1]["hash"].get<std::string>() + ".json")));
    const json large = json::parse(std::ifstream(dir / "out" / "points" / (plan["points"][3]["hash"].get<std::string>() + ".json")));
    REQUIRE(small["config"]["sharing.block_bytes"] == 8);
    REQUIRE(small["totals"]["block_writes"].get<double>() > large["totals"]["block_writes"].get<double>());
    // Again: nothing to run, the same CSV.
    const std::string first = [&] { std::stringstream s; s << std::ifstream(dir / "out" / "results.csv").rdbuf(); return s.str(); }();
    r = run_reshare(args);
    REQUIRE(r.status == 0);
    REQUIRE(r.err.find("4 points, 4 already done, running 0") != std::string::npos);
    std::stringstream again;
    again << std::ifstream(dir / "out" / "results.csv").rdbuf();
    REQUIRE(again.str() == first);
    // A lost report is run again, the others not.
    fs::remove(dir / "out" / "points" / (plan["points"][2]["hash"].get<std::string>() + ".json"));
    r = run_reshare(args);
    REQUIRE(r.err.find("4 points, 3 already done, running 1") != std::string::npos);
}

TEST_CASE("cli: a sweep with a bad point stops before any work, naming the point and the key", "[cli][sweep]") {
    const fs::path dir = fresh_dir("sweep-bad");
    fs::create_directories(dir);
    std::ofstream(dir / "spec.yaml") << "models: [face_recognition]\nschemes: [rws]\ngrid:\n  ou.rows: [8, 3]\n";
    require_one_line_error(run_reshare("sweep " + (dir / "spec.yaml").string() + " -o " + (dir / "out").string()),
                           "point 2 (model=face_recognition scheme=rws ou.rows=3): config");
    REQUIRE(!fs::exists(dir / "out"));
    require_one_line_error(run_reshare("sweep " + (dir / "spec.yaml").string() + " -o " + (dir / "out").string() + " --wait"),
                           "go with --slurm");
    require_one_line_error(run_reshare("sweep --collect -o " + (dir / "nothing").string()), "no plan.json");
}

TEST_CASE("cli: figures makes each figure's CSV from the runs, plots and a report, as a cached sweep", "[cli][real][sweep]") {
    const fs::path dir = fresh_dir("figures");
    const std::string args = "figures -o " + dir.string() + " --models face_recognition --schemes dense,orc,rws,reshare";
    Run r = run_reshare(args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(r.err.find("equal chip = RWS's") != std::string::npos);
    // 1 stats point and 4 schemes in two views.
    REQUIRE(r.err.find("9 points, 0 already done") != std::string::npos);
    auto lines_of = [&](const char* name) {
        std::ifstream f(dir / name);
        std::vector<std::string> out;
        for (std::string l; std::getline(f, l);) out.push_back(l);
        return out;
    };
    const std::vector<std::string> speed = lines_of("fig6a_speedup.csv");
    REQUIRE(speed.size() == 9);
    REQUIRE(speed[0] == "model,weights,view,scheme,pes,time_ns,speedup_vs_rws");
    REQUIRE(speed[3].rfind("face_recognition,real,resident,rws,", 0) == 0);
    REQUIRE(speed[3].substr(speed[3].rfind(',') + 1) == "1.0000");
    // Each figure's value is the reports' own arithmetic: ReShare's equal-chip speedup from the two reports.
    const json plan = json::parse(std::ifstream(dir / "plan.json"));
    std::map<std::string, json> reports;
    for (const auto& p : plan["points"])
        reports[p["label"].get<std::string>() + "/" + p["scheme"].get<std::string>()] =
            json::parse(std::ifstream(dir / "points" / (p["hash"].get<std::string>() + ".json")));
    const double expected = reports["equal-chip/rws"]["totals"]["time_ns"].get<double>() /
                            reports["equal-chip/reshare"]["totals"]["time_ns"].get<double>();
    const std::string& row = speed[8];
    REQUIRE(row.rfind("face_recognition,real,equal-chip,reshare,", 0) == 0);
    REQUIRE(std::stod(row.substr(row.rfind(',') + 1)) == Approx(expected).epsilon(1e-3));
    REQUIRE(reports["equal-chip/reshare"]["pes"] == reports["resident/rws"]["pes"]);   // RWS's chip
    const std::vector<std::string> shares = lines_of("fig3_pattern_shares.csv");
    REQUIRE(shares.size() == 4);
    REQUIRE(shares[1].rfind("face_recognition,real,all_columns,0.17", 0) == 0);   // docs/encodings.md: 17.4%
    for (const char* f : {"fig3_pattern_shares", "fig6a_speedup", "fig6b_reram", "fig7a_energy", "fig7b_storage"}) {
        INFO(f);
        std::ifstream png(dir / (std::string(f) + ".png"), std::ios::binary);
        char magic[4] = {};
        png.read(magic, 4);
        REQUIRE(std::string(magic + 1, 3) == "PNG");
        REQUIRE(fs::file_size(dir / (std::string(f) + ".svg")) > 1000);
    }
    const std::vector<std::string> report = lines_of("report.md");
    REQUIRE(std::count_if(report.begin(), report.end(), [](const std::string& l) { return l.find("not judged") != std::string::npos; }) == 5);
    r = run_reshare(args);   // drawn again from the cache
    REQUIRE(r.status == 0);
    REQUIRE(r.err.find("9 points, 9 already done, running 0") != std::string::npos);
}

TEST_CASE("cli: face_recognition exported to ONNX runs bit-exact with the manifest's results", "[cli][real][onnx]") {
    const fs::path dir = fresh_dir("onnx");
    fs::create_directories(dir);
    const std::string file = (dir / "face_recognition.onnx").string();
    Run r = run_reshare("export --model face_recognition -o " + file);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string photo = std::string(RESHARE_SOURCE_DIR) + "/.cache/face-api/package/demo/sample1.jpg";
    r = run_reshare("run --model " + file + " --scheme reshare --image " + photo + " --report " + (dir / "onnx.json").string());
    REQUIRE(r.status == 0);
    r = run_reshare("run --model face_recognition --scheme reshare --image " + photo + " --report " + (dir / "manifest.json").string());
    REQUIRE(r.status == 0);
    const json a = json::parse(std::ifstream(dir / "onnx.json")), b = json::parse(std::ifstream(dir / "manifest.json"));
    REQUIRE(a["bit_exact"] == true);
    REQUIRE(a["weights"] == "real");
    REQUIRE(a["totals"] == b["totals"]);
    REQUIRE(a["accuracy"]["vs_float"]["cosine"] == b["accuracy"]["vs_float"]["cosine"]);   // the same float reference
    // A damaged file is one line.
    fs::resize_file(file, 1000);
    require_one_line_error(run_reshare("stats --model " + file), "not an ONNX model");
}

// PaddleOCR's text-direction classifier (scripts/fetch-ocr.sh) on skimage's photo of handwriting: upright, and
// turned 180 degrees (written here with stb_image_write).
TEST_CASE("cli: a real ONNX network from npm (PaddleOCR's MobileNetV3) runs bit-exact through every scheme and reads text both ways up",
          "[cli][real][onnx]") {
    const std::string model = std::string(RESHARE_SOURCE_DIR) + "/.cache/ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx";
    const std::string photo = std::string(RESHARE_SOURCE_DIR) + "/.cache/photos/text/text.png";
    const std::string paddle = " --input-size 48x192 --input-scale 0.003921569 --input-mean 0.5 --input-std 0.5";
    require_one_line_error(run_reshare("run --model " + model + " --scheme reshare --image " + photo),
                           "input x leaves its height and width open: give them with --input-size HxW");
    require_one_line_error(run_reshare("stats --model " + model + " --input-size 48by192"), "--input-size 48by192: expected HEIGHTxWIDTH");
    Run r = run_reshare("compare --model " + model + paddle + " --image " + photo + " --json");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const json c = json::parse(r.out);
    REQUIRE(c["schemes"].size() == 7);
    for (const auto& [name, s] : c["schemes"].items()) {
        INFO(name);
        CHECK(s["report"]["bit_exact"] == true);   // against the int8 network each scheme computes (sme, reram-sharing: their effective weights)
        CHECK(s["report"]["weights"] == "real");
    }
    // Upright text is class 0 and text upside down class 1, on the accelerator as in float.
    const fs::path dir = fresh_dir("ocr");
    fs::create_directories(dir);
    int w = 0, h = 0, n = 0;
    unsigned char* px = stbi_load(photo.c_str(), &w, &h, &n, 1);
    REQUIRE(px != nullptr);
    std::reverse(px, px + size_t(w) * h);
    const std::string turned = (dir / "text-180.png").string();
    REQUIRE(stbi_write_png(turned.c_str(), w, h, 1, px, w) != 0);
    stbi_image_free(px);
    for (const auto& [image, label] : {std::pair{photo, 0}, std::pair{turned, 1}}) {
        r = run_reshare("run --model " + model + paddle + " --scheme reshare --image " + image + " --outputs " + (dir / "o.json").string());
        REQUIRE(r.status == 0);
        const json o = json::parse(std::ifstream(dir / "o.json"));
        INFO(image << " " << o["accelerator"] << " " << o["float_reference"]);
        CHECK(o["top5"]["accelerator"][0][0] == label);
        CHECK(o["top5"]["float_reference"][0][0] == label);
    }
}

TEST_CASE("cli: input preprocessing flags replace the model's convention, are recorded, and bad values are one line",
          "[cli][real][run]") {
    const fs::path dir = fresh_dir("preprocess");
    fs::create_directories(dir);
    const std::string photo = std::string(RESHARE_SOURCE_DIR) + "/.cache/face-api/package/demo/sample1.jpg";
    const std::string base = "run --model face_recognition --scheme dense --image " + photo;
    REQUIRE(run_reshare(base + " --outputs " + (dir / "rgb.json").string()).status == 0);
    const Run r = run_reshare(base + " --channels bgr --resize align-corners --input-scale 1 --input-mean 120,115,100 --input-std 64 "
                                     "--outputs " + (dir / "bgr.json").string() + " --report " + (dir / "report.json").string());
    INFO(r.err);
    REQUIRE(r.status == 0);
    const json report = json::parse(std::ifstream(dir / "report.json"));
    REQUIRE(report["bit_exact"] == true);
    const json& p = report["input_preprocessing"];
    REQUIRE(p["channels"] == "bgr");
    REQUIRE(p["resize"] == "bilinear, align-corners");
    REQUIRE(p["scale"] == 1.0);
    REQUIRE(p["mean"][1].get<double>() == Approx(115));
    REQUIRE(p["std"][2] == 64.0);
    REQUIRE(p["original_size"] == json::array({1280, 1920}));
    REQUIRE(p["network_size"] == json::array({150, 150}));
    // The recorded network input follows the formula: its first value is (blue x 1 - 120) / 64, within a pixel's range.
    const json rgb = json::parse(std::ifstream(dir / "rgb.json")), bgr = json::parse(std::ifstream(dir / "bgr.json"));
    const double x0 = bgr["network_input"][0].get<double>();
    REQUIRE(x0 >= (0 - 120) / 64.0);
    REQUIRE(x0 <= (255 - 120) / 64.0);
    REQUIRE(bgr["float_reference"] != rgb["float_reference"]);
    REQUIRE(bgr["accelerator"].size() == 128);
    require_one_line_error(run_reshare(base + " --input-mean 1,2"), "--input-mean 1,2: expected one number or three");
    require_one_line_error(run_reshare(base + " --input-std 0"), "a divisor is zero");
    require_one_line_error(run_reshare(base + " --channels rbg"), "expected rgb or bgr");
    require_one_line_error(run_reshare(base + " --resize nearest"), "expected half-pixel or align-corners");
    require_one_line_error(run_reshare(base + " --input-scale x"), "'x' is not a finite number");
}

TEST_CASE("cli: sweep, figures and export refuse bad input in one line before any work", "[cli][sweep]") {
    const fs::path dir = fresh_dir("sweep-input");
    fs::create_directories(dir);
    std::ofstream(dir / "spec.yaml") << "models: [face_recognition]\nschemes: [rws]\n";
    const std::string spec = (dir / "spec.yaml").string();
    require_one_line_error(run_reshare("sweep " + spec + " -o /proc/sweep-out"), "-o: cannot write '/proc/sweep-out'");
    require_one_line_error(run_reshare("sweep " + (dir / "none.yaml").string() + " -o " + (dir / "o").string()), "cannot read the file");
    require_one_line_error(run_reshare("sweep /dev/null -o " + (dir / "o").string()), "expected a mapping with models, schemes");
    require_one_line_error(run_reshare("sweep " + spec + " -o " + spec), "exists and is not a folder");
    require_one_line_error(run_reshare("sweep --collect -o " + dir.string()), "no plan.json");
    require_one_line_error(run_reshare("sweep " + spec + " -o " + (dir / "o").string() + " --slurm --jobs 2"), "--jobs is for local runs");
    // figures checks its folder before sizing any chip (it prints nothing else first).
    require_one_line_error(run_reshare("figures -o /proc/figures-out --models face_recognition"), "-o: cannot write");
    require_one_line_error(run_reshare("figures -o " + (dir / "f").string() + " --schemes dense"), "must be among them");
    require_one_line_error(run_reshare("export --model face_recognition -o /proc/x.onnx"), "-o: cannot write");
    require_one_line_error(run_reshare("export --model nope -o " + (dir / "x.onnx").string()), "model 'nope'");
    REQUIRE(!fs::exists(dir / "o"));
    REQUIRE(!fs::exists(dir / "f"));
}
