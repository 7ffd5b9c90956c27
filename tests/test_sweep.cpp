// Sweep plans without running anything: a spec's points, their validation and hashes, and the results CSV.
#include "reshare/common/error.hpp"
#include "reshare/sweep/plan.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace reshare;

namespace {

fs::path spec_file(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / ("reshare-sweep-tests-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / name) << text;
    return dir / name;
}

sweep::Plan validated(const std::string& text) {
    sweep::Plan plan = sweep::load_spec(spec_file("spec.yaml", text).string());
    sweep::validate(plan);
    return plan;
}

std::string error_of(const std::string& text) {
    try {
        validated(text);
    } catch (const Error& e) {
        REQUIRE(e.code() == ExitCode::BadInput);
        return e.what();
    }
    FAIL("no error for:\n" << text);
    return "";
}

const char* kMinimal = "models: [face_recognition]\nschemes: [rws, reshare]\ngrid:\n  sharing.block_bytes: [8, 16]\n";

}  // namespace

TEST_CASE("sweep: the minimal spec is every combination of the grid and the schemes, in spec order", "[sweep]") {
    const sweep::Plan plan = validated(kMinimal);
    REQUIRE(plan.keys == std::vector<std::string>{"sharing.block_bytes"});
    REQUIRE(plan.points.size() == 4);
    const std::vector<std::pair<std::string, std::string>> expected = {{"8", "rws"}, {"8", "reshare"}, {"16", "rws"}, {"16", "reshare"}};
    for (size_t i = 0; i < 4; ++i) {
        INFO(i);
        REQUIRE(plan.points[i].model == "face_recognition");
        REQUIRE(plan.points[i].settings.at(0).second == expected[i].first);
        REQUIRE(plan.points[i].scheme == expected[i].second);
        REQUIRE(plan.points[i].hash.size() == 16);
    }
    // The arguments that run a point set its keys on the command line and write its report.
    const std::vector<std::string> args = sweep::point_args(plan.points[0], "R.json", 1);
    REQUIRE(std::find(args.begin(), args.end(), "sharing.block_bytes=8") != args.end());
    REQUIRE(std::find(args.begin(), args.end(), "R.json") != args.end());
}

TEST_CASE("sweep: a point's hash follows what decides its result, not how it was spelled", "[sweep]") {
    const sweep::Plan plan = validated(kMinimal);
    // Block size 16 is the default: the same point as no setting at all, so it is run (and cached) once.
    const sweep::Plan plain = validated("models: [face_recognition]\nschemes: [rws]\n");
    REQUIRE(plain.points.size() == 1);
    REQUIRE(plain.points[0].hash == plan.points[2].hash);
    REQUIRE(plan.points[0].hash != plan.points[2].hash);   // a value that differs
    REQUIRE(plan.points[0].hash != plan.points[1].hash);   // a scheme that differs
    const sweep::Plan seeded = validated("models: [face_recognition]\nschemes: [rws]\nseed: 7\n");
    REQUIRE(seeded.points[0].hash != plain.points[0].hash);
    // The same point twice (a list and a grid that meet) is one point.
    const sweep::Plan twice = validated("models: [face_recognition]\nschemes: [rws]\npoints:\n  - {ou.rows: 8}\n  - {}\n");
    REQUIRE(twice.points.size() == 1);
    // And a hash survives the plan file.
    const sweep::Plan back = sweep::plan_from_json(nlohmann::json::parse(sweep::to_json(plan).dump()));
    REQUIRE(back.points.size() == 4);
    REQUIRE(back.points[3].hash == plan.points[3].hash);
    REQUIRE(back.points[3].settings == plan.points[3].settings);
}

TEST_CASE("sweep: a bad point is one error naming the point and the key, before any work", "[sweep]") {
    std::string e = error_of("models: [face_recognition]\nschemes: [rws]\ngrid:\n  ou.rows: [8, 3]\n");
    REQUIRE(e.find("point 2 (model=face_recognition scheme=rws ou.rows=3)") != std::string::npos);
    REQUIRE(e.find("ou.rows: must divide") != std::string::npos);
    e = error_of("models: [face_recognition]\nschemes: [rws]\ngrid:\n  sharing.block_byte: [8]\n");
    REQUIRE(e.find("sharing.block_byte: unknown key") != std::string::npos);
    e = error_of("models: [face_recognition]\nschemes: [rws, nope]\n");
    REQUIRE(e.find("point 2") != std::string::npos);
    REQUIRE(e.find("nope") != std::string::npos);
    e = error_of("models: [face_recognition]\nschemes: [sme]\ngrid:\n  quantization.encoding: [twos]\n");
    REQUIRE(e.find("quantization.encoding") != std::string::npos);   // the scheme's own constraint
    e = error_of("models: [no_such_model]\nschemes: [rws]\n");
    REQUIRE(e.find("no_such_model") != std::string::npos);
    e = error_of("models: [face_recognition]\nschemes: [rws]\nimages: [missing.jpg]\n");
    REQUIRE(e.find("missing.jpg") != std::string::npos);
    REQUIRE(error_of("models: [face_recognition]\nschemes: [rws]\ngird: {}\n").find("gird: unknown key") != std::string::npos);
    REQUIRE(error_of("schemes: [rws]\n").find("models: missing") != std::string::npos);
    REQUIRE(error_of("models: [face_recognition]\nschemes: [rws]\ngrid:\n  ou.rows: {a: 1}\n").find("grid.ou.rows") !=
            std::string::npos);
    REQUIRE(error_of("models: [face_recognition]\nschemes: [rws]\nseed: -1\n").find("seed") != std::string::npos);
}

TEST_CASE("sweep: the results CSV has one row per point, its keys and every number of its report's totals", "[sweep]") {
    const sweep::Plan plan = validated(kMinimal);
    const fs::path dir = spec_file("unused", "").parent_path() / "out";
    fs::remove_all(dir);
    fs::create_directories(dir / "points");
    // Point 1 done, point 2 failed, points 3 and 4 not run.
    std::ofstream(sweep::report_path(dir.string(), plan.points[0]))
        << R"({"weights": "real", "bit_exact": true, "pes": 153, "totals": {"time_ns": 12.5, "energy_pj": {"adc": 3, "total": 7}}})";
    std::ofstream(sweep::failure_path(dir.string(), plan.points[1])) << "exit 1\n";
    const std::string csv = sweep::results_csv(plan, dir.string());
    std::istringstream lines(csv);
    std::vector<std::string> rows;
    for (std::string l; std::getline(lines, l);) rows.push_back(l);
    REQUIRE(rows.size() == 5);
    REQUIRE(rows[0] == "hash,status,command,model,weights,scheme,image,label,sharing.block_bytes,bit_exact,pes,time_ns,"
                       "energy_pj.adc,energy_pj.total");
    REQUIRE(rows[1] == plan.points[0].hash + ",ok,run,face_recognition,real,rws,synthetic,,8,true,153,12.5,3,7");
    REQUIRE(rows[2] == plan.points[1].hash + ",failed,run,face_recognition,,reshare,synthetic,,8,,,,,");
    REQUIRE(rows[3].find(",missing,") != std::string::npos);
    fs::remove_all(dir);
}
