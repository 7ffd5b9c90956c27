#include "reshare/sweep/plan.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/yaml_file.hpp"
#include "reshare/models/model.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/schemes/scheme.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#ifndef RESHARE_VERSION
#define RESHARE_VERSION "unknown"
#endif

namespace reshare::sweep {
namespace fs = std::filesystem;

std::string tool_version() { return RESHARE_VERSION; }

namespace {

// FNV-1a, 64 bits: stable across runs, machines and compilers (std::hash is not), which a cache key must be.
struct Fnv {
    uint64_t h = 0xcbf29ce484222325ull;
    void add(const std::string& s) {
        for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
        h = (h ^ 0xff) * 0x100000001b3ull;   // a separator, so "ab","c" and "a","bc" differ
    }
    std::string hex() const {
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
        return buf;
    }
};

// A file's identity for the hash: its path and its bytes (images are small); a missing file is an error.
void add_file(Fnv& f, const std::string& what, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(what + " '" + path + "' cannot be read");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    f.add(path);
    f.add(bytes.str());
}

std::string resolve_path(const fs::path& base, const std::string& p) {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (base / p).lexically_normal().string();
}

// A spec's list of names: a sequence of scalars, or one scalar.
std::vector<std::string> names_of(const YAML::Node& n, const std::string& where) {
    std::vector<std::string> out;
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence() || n.size() == 0) throw Error(where + ": expected a list of names");
    for (const auto& item : n) {
        if (!item.IsScalar()) throw Error(where + ": expected a list of names");
        out.push_back(item.Scalar());
    }
    return out;
}

// A key's values: a sequence of scalars (a one-value key may be a scalar).
std::vector<std::string> values_of(const YAML::Node& n, const std::string& where) {
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence() || n.size() == 0) throw Error(where + ": expected a list of values");
    std::vector<std::string> out;
    for (const auto& item : n) {
        if (!item.IsScalar()) throw Error(where + ": expected a list of values");
        out.push_back(item.Scalar());
    }
    return out;
}

using Settings = std::vector<std::pair<std::string, std::string>>;

// Every combination of the grid's values, the first key slowest.
std::vector<Settings> grid_points(const YAML::Node& grid, const std::string& where, std::vector<std::string>& keys) {
    std::vector<Settings> out = {{}};
    if (!grid) return out;
    if (!grid.IsMap()) throw Error(where + ": expected a mapping of keys to lists of values");
    for (const auto& kv : grid) {
        const std::string key = kv.first.Scalar();
        const std::vector<std::string> values = values_of(kv.second, where + "." + key);
        keys.push_back(key);
        std::vector<Settings> next;
        for (const Settings& s : out)
            for (const std::string& v : values) {
                Settings t = s;
                t.push_back({key, v});
                next.push_back(t);
            }
        out = next;
    }
    return out;
}

// The explicit points: a list of mappings of keys to single values.
std::vector<Settings> listed_points(const YAML::Node& list, const std::string& where, std::vector<std::string>& keys) {
    if (!list) return {{}};
    if (!list.IsSequence() || list.size() == 0) throw Error(where + ": expected a list of mappings of keys to values");
    std::vector<Settings> out;
    for (size_t i = 0; i < list.size(); ++i) {
        const YAML::Node item = list[i];
        if (!item.IsMap()) throw Error(where + "[" + std::to_string(i) + "]: expected a mapping of keys to values");
        Settings s;
        for (const auto& kv : item) {
            const std::string key = kv.first.Scalar();
            if (!kv.second.IsScalar()) throw Error(where + "[" + std::to_string(i) + "]." + key + ": expected one value");
            s.push_back({key, kv.second.Scalar()});
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
        }
        out.push_back(s);
    }
    return out;
}

uint64_t read_seed(const YAML::Node& n, const std::string& where) {
    try {
        const std::string s = n.Scalar();
        if (!n.IsScalar() || s.empty() || s.find_first_not_of("0123456789") != std::string::npos) throw std::exception();
        return std::stoull(s);
    } catch (const std::exception&) {
        throw Error(where + ": expected a non-negative integer");
    }
}

}  // namespace

Plan load_spec(const std::string& path) {
    const YAML::Node root = load_yaml_file(path, "sweep");
    const std::string where = "sweep " + path;
    if (!root.IsMap()) throw Error(where + ": expected a mapping with models, schemes and a grid or points");
    static const std::set<std::string> known = {"models", "schemes", "images", "seed", "config", "grid", "points"};
    std::set<std::string> seen;
    for (const auto& kv : root) {
        const std::string k = kv.first.Scalar();
        if (!known.count(k)) throw Error(where + ": " + k + ": unknown key (models, schemes, images, seed, config, grid, points)");
        if (!seen.insert(k).second) throw Error(where + ": " + k + ": given twice");
    }
    if (!root["models"]) throw Error(where + ": models: missing (a list of zoo names or manifests)");
    if (!root["schemes"]) throw Error(where + ": schemes: missing (a list of registered schemes)");
    const fs::path base = fs::path(path).parent_path();
    Plan plan;
    plan.name = path;
    std::vector<std::string> models = names_of(root["models"], where + ": models");
    for (std::string& m : models)
        // A file (a manifest or an .onnx) is read from the spec's folder; a zoo name stays a name.
        if (m.find('/') != std::string::npos || m.find(".json") != std::string::npos || m.find(".onnx") != std::string::npos)
            m = resolve_path(base, m);
    const std::vector<std::string> schemes = names_of(root["schemes"], where + ": schemes");
    std::vector<std::string> images = {""};
    if (root["images"]) {
        images = names_of(root["images"], where + ": images");
        for (std::string& i : images) i = resolve_path(base, i);
    }
    const uint64_t seed = root["seed"] ? read_seed(root["seed"], where + ": seed") : models::Model::kDefaultSeed;
    std::string config;
    if (root["config"]) {
        if (!root["config"].IsScalar()) throw Error(where + ": config: expected a file name");
        config = resolve_path(base, root["config"].Scalar());
    }
    const std::vector<Settings> grid = grid_points(root["grid"], where + ": grid", plan.keys);
    const std::vector<Settings> listed = listed_points(root["points"], where + ": points", plan.keys);
    for (const std::string& model : models)
        for (const std::string& image : images)
            for (const Settings& l : listed)
                for (const Settings& g : grid)
                    for (const std::string& scheme : schemes) {
                        Point p;
                        p.model = model, p.seed = seed, p.scheme = scheme, p.image = image, p.config = config;
                        p.settings = l;
                        p.settings.insert(p.settings.end(), g.begin(), g.end());
                        plan.points.push_back(p);
                    }
    return plan;
}

HwConfig point_config(const Point& p) {
    HwConfig c = p.config.empty() ? HwConfig{} : load_config(p.config);
    for (const auto& [key, value] : p.settings) apply_setting(c, key, value, "sweep point");
    if (!p.settings.empty()) c.source += " with the sweep point's settings";
    validate(c);
    if (p.command == "run") check_scheme_config(c, parse_scheme(p.scheme));
    return c;
}

std::string describe(const Point& p) {
    std::string s = p.command == "run" ? "" : p.command + " ";
    s += "model=" + p.model;
    if (p.command == "run") s += " scheme=" + p.scheme;
    if (!p.image.empty()) s += " image=" + p.image;
    for (const auto& [k, v] : p.settings) s += " " + k + "=" + v;
    return s;
}

void validate(Plan& plan) {
    std::map<std::string, bool> models_ok;
    std::set<std::string> hashes;
    std::vector<Point> kept;
    for (size_t i = 0; i < plan.points.size(); ++i) {
        Point& p = plan.points[i];
        try {
            if (p.command != "run" && p.command != "stats") throw Error("command " + p.command + ": expected run or stats");
            if (!models_ok.count(p.model)) models::load_model(p.model, p.seed), models_ok[p.model] = true;
            const HwConfig c = point_config(p);
            Fnv f;
            f.add("reshare " + tool_version());
            f.add(p.command);
            f.add(p.model);
            // A model file by its size and modification time (weights files are too large to read for a key).
            if (fs::is_regular_file(p.model))
                f.add(std::to_string(fs::file_size(p.model)) + "@" +
                      std::to_string(fs::last_write_time(p.model).time_since_epoch().count()));
            f.add(std::to_string(p.seed));
            if (p.command == "run") f.add(p.scheme);
            if (p.image.empty()) f.add("synthetic image");
            else add_file(f, "image", p.image);
            for (const ConfigEntry& e : reshare::describe(c)) f.add(e.key + "=" + e.value);   // values, not sources
            p.hash = f.hex();
        } catch (const Error& e) {
            throw Error(plan.name + ": point " + std::to_string(i + 1) + " (" + describe(p) + "): " + e.what());
        }
        if (hashes.insert(p.hash).second) kept.push_back(p);
    }
    plan.points = kept;
}

std::vector<std::string> point_args(const Point& p, const std::string& report, int threads) {
    std::vector<std::string> a = {p.command, "--model", p.model, "--seed", std::to_string(p.seed), "--report", report,
                                  "--threads", std::to_string(threads)};
    if (p.command == "run") a.insert(a.end(), {"--scheme", p.scheme});
    if (p.command == "run" && !p.image.empty()) a.insert(a.end(), {"--image", p.image});
    if (!p.config.empty()) a.insert(a.end(), {"--config", p.config});
    for (const auto& [k, v] : p.settings) a.insert(a.end(), {"--set", k + "=" + v});
    return a;
}

nlohmann::ordered_json to_json(const Plan& plan) {
    nlohmann::ordered_json j;
    j["format"] = "reshare-sweep-plan";
    j["version"] = tool_version();
    j["name"] = plan.name;
    j["keys"] = plan.keys;
    j["points"] = nlohmann::ordered_json::array();
    for (const Point& p : plan.points) {
        nlohmann::ordered_json q;
        q["hash"] = p.hash, q["command"] = p.command, q["model"] = p.model, q["seed"] = p.seed, q["scheme"] = p.scheme;
        q["image"] = p.image, q["config"] = p.config, q["label"] = p.label;
        q["settings"] = nlohmann::ordered_json::array();
        for (const auto& [k, v] : p.settings) q["settings"].push_back({k, v});
        j["points"].push_back(q);
    }
    return j;
}

Plan plan_from_json(const nlohmann::json& j) {
    if (!j.is_object() || j.value("format", "") != "reshare-sweep-plan") throw Error("not a sweep plan (plan.json)");
    if (j["version"] != tool_version())
        throw Error("the plan was made by reshare " + j["version"].get<std::string>() + ", this is " + tool_version());
    Plan plan;
    plan.name = j["name"];
    plan.keys = j["keys"].get<std::vector<std::string>>();
    for (const auto& q : j["points"]) {
        Point p;
        p.hash = q["hash"], p.command = q["command"], p.model = q["model"], p.seed = q["seed"], p.scheme = q["scheme"];
        p.image = q["image"], p.config = q["config"], p.label = q["label"];
        for (const auto& kv : q["settings"]) p.settings.push_back({kv[0], kv[1]});
        plan.points.push_back(p);
    }
    return plan;
}

std::string report_path(const std::string& dir, const Point& p) { return dir + "/points/" + p.hash + ".json"; }
std::string failure_path(const std::string& dir, const Point& p) { return dir + "/points/" + p.hash + ".failed"; }

namespace {

// Every number under `j`, its key path joined with '.'.
void flatten(const nlohmann::ordered_json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
    for (const auto& [k, v] : j.items()) {
        const std::string key = prefix.empty() ? k : prefix + "." + k;
        if (v.is_object()) flatten(v, key, out);
        else if (v.is_number() || v.is_boolean()) out.push_back({key, v.dump()});
    }
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

}  // namespace

std::string results_csv(const Plan& plan, const std::string& dir) {
    struct Row {
        std::string status, weights;
        std::map<std::string, std::string> values;
    };
    std::vector<std::string> columns;
    std::vector<Row> rows;
    for (const Point& p : plan.points) {
        Row r;
        r.status = fs::exists(report_path(dir, p)) ? "ok" : fs::exists(failure_path(dir, p)) ? "failed" : "missing";
        if (r.status == "ok") {
            const auto report = nlohmann::ordered_json::parse(std::ifstream(report_path(dir, p)), nullptr, false);
            if (report.is_discarded()) throw Error("sweep " + dir + ": " + report_path(dir, p) + " is not valid JSON", ExitCode::Failure);
            r.weights = report.value("weights", "");
            std::vector<std::pair<std::string, std::string>> numbers;
            if (p.command == "run") {
                numbers.push_back({"bit_exact", report["bit_exact"].dump()});
                numbers.push_back({"pes", report["pes"].dump()});
                flatten(report["totals"], "", numbers);
            } else {
                flatten(report["total"], "", numbers);
            }
            for (const auto& [k, v] : numbers) {
                if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
                r.values[k] = v;
            }
        }
        rows.push_back(r);
    }
    std::ostringstream csv;
    csv << "hash,status,command,model,weights,scheme,image,label";
    for (const std::string& k : plan.keys) csv << "," << field(k);
    for (const std::string& c : columns) csv << "," << field(c);
    csv << "\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        const Point& p = plan.points[i];
        const Row& r = rows[i];
        csv << p.hash << "," << r.status << "," << p.command << "," << field(p.model) << "," << r.weights << ","
            << (p.command == "run" ? p.scheme : "") << "," << field(p.image.empty() ? "synthetic" : p.image) << ","
            << field(p.label);
        for (const std::string& k : plan.keys) {
            std::string v;
            for (const auto& [sk, sv] : p.settings)
                if (sk == k) v = sv;
            csv << "," << field(v);
        }
        for (const std::string& c : columns) csv << "," << (r.values.count(c) ? r.values.at(c) : "");
        csv << "\n";
    }
    return csv.str();
}

}  // namespace reshare::sweep
