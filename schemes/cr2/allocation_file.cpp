#include "reshare/schemes/cr2/allocation_file.hpp"

#include "reshare/common/error.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace reshare::cr2 {
namespace {

constexpr const char* kFormat = "reshare-cr2-allocation";

struct Reader {
    std::string where;
    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        throw Error("allocation " + where + ": " + field + ": " + problem);
    }
    const nlohmann::json& at(const nlohmann::json& j, const char* key, const std::string& field) const {
        if (!j.is_object() || !j.contains(key)) fail(field.empty() ? key : field + "." + key, "missing");
        return j.at(key);
    }
    uint64_t count(const nlohmann::json& j, const std::string& field) const {
        if (!j.is_number_unsigned()) fail(field, "expected a non-negative integer");
        return j.get<uint64_t>();
    }
    std::string text(const nlohmann::json& j, const std::string& field) const {
        if (!j.is_string()) fail(field, "expected a string");
        return j.get<std::string>();
    }
};

LayerAllocation parse_layer(const Reader& r, const nlohmann::json& j, const std::string& field) {
    LayerAllocation l;
    l.name = r.text(r.at(j, "name", field), field + ".name");
    l.domains = uint32_t(r.count(r.at(j, "domains", field), field + ".domains"));
    l.entry_bytes = r.count(r.at(j, "entry_bytes", field), field + ".entry_bytes");
    l.gain = r.count(r.at(j, "gain", field), field + ".gain");
    if (l.domains == 0) r.fail(field + ".domains", "must be at least 1");
    if (l.entry_bytes == 0) r.fail(field + ".entry_bytes", "must be at least 1");
    const nlohmann::json& entries = r.at(j, "entries", field);
    if (!entries.is_array()) r.fail(field + ".entries", "expected a list of [domain, pattern]");
    for (size_t k = 0; k < entries.size(); ++k) {
        const std::string f = field + ".entries[" + std::to_string(k) + "]";
        const nlohmann::json& e = entries[k];
        if (!e.is_array() || e.size() != 2) r.fail(f, "expected [domain, pattern]");
        const uint64_t d = r.count(e[0], f + "[0]"), p = r.count(e[1], f + "[1]");
        if (d >= l.domains) r.fail(f, "domain " + std::to_string(d) + " outside 0.." + std::to_string(l.domains - 1));
        if (p == 0) r.fail(f, "the all-zero pattern is never buffered");
        l.entries.push_back({uint32_t(d), p});
    }
    return l;
}

}  // namespace

uint64_t Allocation::used_bytes() const {
    uint64_t n = 0;
    for (const LayerAllocation& l : layers) n += l.entry_bytes * l.entries.size();
    return n;
}

std::string allocation_json(const Allocation& a) {
    nlohmann::ordered_json j;
    j["format"] = kFormat;
    j["version"] = kAllocationVersion;
    j["model"] = a.model;
    j["input_pattern"] = to_string(a.kind);
    j["capacity_bytes"] = a.capacity_bytes;
    j["learning_images"] = a.learning_images;
    j["layers"] = nlohmann::ordered_json::array();
    for (const LayerAllocation& l : a.layers) {
        nlohmann::ordered_json e = nlohmann::ordered_json::array();
        for (const PatternEntry& p : l.entries) e.push_back({p.domain, p.pattern});
        j["layers"].push_back({{"name", l.name}, {"domains", l.domains}, {"entry_bytes", l.entry_bytes},
                               {"gain", l.gain}, {"entries", e}});
    }
    return j.dump(1) + "\n";
}

Allocation parse_allocation(const std::string& text, const std::string& where) {
    const Reader r{where};
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error("allocation " + where + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    if (!j.is_object()) r.fail("the top level", "expected an object");
    if (r.text(r.at(j, "format", ""), "format") != kFormat) r.fail("format", std::string("expected \"") + kFormat + "\"");
    if (const uint64_t v = r.count(r.at(j, "version", ""), "version"); v != uint64_t(kAllocationVersion))
        r.fail("version", std::to_string(v) + ", this build reads version " + std::to_string(kAllocationVersion));
    Allocation a;
    a.model = r.text(r.at(j, "model", ""), "model");
    try {
        a.kind = parse_input_pattern(r.text(r.at(j, "input_pattern", ""), "input_pattern"));
    } catch (const Error& e) {
        r.fail("input_pattern", e.what());
    }
    a.capacity_bytes = r.count(r.at(j, "capacity_bytes", ""), "capacity_bytes");
    const nlohmann::json& images = r.at(j, "learning_images", "");
    if (!images.is_array()) r.fail("learning_images", "expected a list of paths");
    for (size_t i = 0; i < images.size(); ++i) a.learning_images.push_back(r.text(images[i], "learning_images[" + std::to_string(i) + "]"));
    const nlohmann::json& layers = r.at(j, "layers", "");
    if (!layers.is_array()) r.fail("layers", "expected a list");
    for (size_t i = 0; i < layers.size(); ++i) a.layers.push_back(parse_layer(r, layers[i], "layers[" + std::to_string(i) + "]"));
    if (a.used_bytes() > a.capacity_bytes)
        r.fail("layers", std::to_string(a.used_bytes()) + " bytes of entries exceed capacity_bytes " + std::to_string(a.capacity_bytes));
    return a;
}

void write_allocation(const std::string& path, const Allocation& a) {
    std::ofstream out(path, std::ios::binary);
    out << allocation_json(a);
    if (!out.flush()) throw Error("cannot write " + path, ExitCode::Failure);
}

Allocation read_allocation(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("allocation " + path + ": cannot read the file");
    std::stringstream s;
    s << in.rdbuf();
    return parse_allocation(s.str(), path);
}

}  // namespace reshare::cr2
