// Design-space sweeps (plain C++, no SystemC, no processes): a sweep spec expanded into points, each point's
// configuration validated and hashed, and the results of the points that ran gathered into one CSV.
//
// A point is one `reshare run` (or `reshare stats`) of one model, scheme and image with a configuration: the base
// config file with the point's keys set over it. Its hash covers the tool's version and everything that decides its
// result, so a point already done (its report exists under that hash) is skipped: an interrupted sweep resumes, and
// `reshare figures` shares the points it has in common with earlier runs. docs/sweeps.md has the spec and the CSV.
#pragma once

#include "reshare/common/config.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reshare::sweep {

// The version that goes into every point's hash: a new version re-runs every point.
std::string tool_version();

struct Point {
    std::string command = "run";   // run: a simulation report; stats: the pattern statistics (Fig. 3)
    std::string model;             // zoo name or manifest path
    uint64_t seed = 0;             // of synthetic weights and of the synthetic image
    std::string scheme;            // run only
    std::string image;             // "" = the seeded synthetic image
    std::string config;            // the base config file, "" = built-in defaults
    std::vector<std::pair<std::string, std::string>> settings;   // key, value (as YAML reads it), in spec order
    std::string label;             // what the point is for (figures: the view), not part of the hash
    std::string hash;              // 16 hex digits, set by validate()
};

struct Plan {
    std::string name;                  // the spec file, or "figures"
    std::vector<std::string> keys;     // every key any point sets, in the spec's order: the CSV's key columns
    std::vector<Point> points;
};

// Reads a sweep spec (YAML; docs/sweeps.md): models, schemes, optional images, seed and config, and a grid (every
// combination) and/or a list of points. Relative paths are relative to the spec's folder. Throws Error naming the
// spec and the key for a malformed spec; the points' values are checked by validate().
Plan load_spec(const std::string& path);

// The point's configuration: the base file with its settings applied, validated, the scheme's constraints checked.
HwConfig point_config(const Point& p);
// Checks every point before any work (one line naming the point and the key) and sets each point's hash.
// Two points with the same hash are one point: the second is dropped.
void validate(Plan& plan);
// "model=face_recognition scheme=rws sharing.block_bytes=8": how messages and the progress name a point.
std::string describe(const Point& p);

// The `reshare` arguments that run the point, writing its report to `report`.
std::vector<std::string> point_args(const Point& p, const std::string& report, int threads);

nlohmann::ordered_json to_json(const Plan& plan);
Plan plan_from_json(const nlohmann::json& j);   // throws Error when the plan file is not one

// Where a point's report and failure record live in a sweep's output folder.
std::string report_path(const std::string& dir, const Point& p);
std::string failure_path(const std::string& dir, const Point& p);

// One CSV row per point: hash, status (ok, failed, missing), command, model, weights, scheme, image, label, the
// plan's keys, then every number of the report's totals (run: "totals", stats: "total"), nested keys joined with
// '.', columns in the order the reports first name them. Numbers as the reports hold them.
std::string results_csv(const Plan& plan, const std::string& dir);

}  // namespace reshare::sweep
