#include "reshare/models/tfjs.hpp"

#include "reshare/common/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <vector>

namespace reshare::models {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Far above any real model, and low enough that element and byte counts cannot overflow a long.
constexpr long kMaxElements = 1L << 40;

enum class Storage { Float32, Int32, Uint8, Uint16 };

// One tensor of a group as the manifest describes it, before its bytes are read.
struct WeightSpec {
    std::string name;
    std::vector<int> shape;
    long count = 1;
    bool is_int = false;              // int32 values are whole numbers even when quantized
    Storage storage = Storage::Float32;
    double scale = 1.0, min = 0.0;

    long bytes() const {
        const bool narrow = storage == Storage::Uint8 || storage == Storage::Uint16;
        return count * (!narrow ? 4 : storage == Storage::Uint8 ? 1 : 2);
    }
};

class Manifest {
public:
    explicit Manifest(std::string path) : path_(std::move(path)) {}

    [[noreturn]] void fail(const std::string& what) const { throw Error("model file " + path_ + ": " + what); }

    json read_json() const;
    std::vector<WeightSpec> weights(const json& group) const;
    std::string shards(const json& group) const;
    void decode(const std::vector<WeightSpec>& specs, const std::string& bytes, const json& group,
                TensorMap& out) const;

private:
    WeightSpec weight(const json& w, size_t index) const;
    std::vector<int> shape(const json& j, const std::string& tensor) const;
    void quantization(const json& q, WeightSpec& spec) const;
    std::string read_shard(const std::string& name) const;

    std::string path_;
};

// nlohmann's messages are one line, but a newline would break the one-line promise of Error.
std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

std::string read_bytes(const fs::path& p, bool& ok) {
    std::ifstream in(p, std::ios::binary);
    ok = bool(in);
    std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    ok = ok && !in.bad();
    return data;
}

json Manifest::read_json() const {
    std::error_code ec;
    if (!fs::is_regular_file(path_, ec)) fail(fs::exists(path_, ec) ? "is not a regular file" : "does not exist");
    bool ok = false;
    const std::string text = read_bytes(path_, ok);
    if (!ok) fail("cannot be read");
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        fail("not valid JSON (" + one_line(e.what()) + ")");
    }
    // A Keras layers model (model.json) carries the same groups as its weightsManifest.
    if (j.is_object() && j.contains("weightsManifest")) return j["weightsManifest"];
    if (!j.is_array()) fail("is not a JSON array of weight groups");
    return j;
}

std::vector<int> Manifest::shape(const json& j, const std::string& tensor) const {
    if (!j.is_array()) fail("tensor '" + tensor + "' has a shape that is not an array");
    std::vector<int> dims;
    long count = 1;
    for (const json& d : j) {
        // Negative JSON integers are number_integer; unsigned ones may exceed int. A zero dimension would make a
        // layer of no weights that every later stage has to special-case; no trained network has one.
        if (!d.is_number_integer() || d.get<long long>() < 1 || d.get<long long>() > std::numeric_limits<int>::max())
            fail("tensor '" + tensor + "' has a shape that is not an array of integers from 1 to " +
                 std::to_string(std::numeric_limits<int>::max()));
        dims.push_back(int(d.get<long long>()));
        if (count > kMaxElements / dims.back()) fail("tensor '" + tensor + "' is too large");
        count *= dims.back();
    }
    return dims;
}

void Manifest::quantization(const json& q, WeightSpec& spec) const {
    const std::string who = "tensor '" + spec.name + "'";
    if (!q.is_object()) fail(who + " has a quantization that is not an object");
    if (!q.contains("dtype") || !q["dtype"].is_string()) fail(who + " has a quantization without a dtype");
    const std::string dtype = q["dtype"].get<std::string>();
    if (dtype == "uint8")
        spec.storage = Storage::Uint8;
    else if (dtype == "uint16")
        spec.storage = Storage::Uint16;
    else
        fail(who + " has unsupported quantization dtype '" + dtype + "' (only uint8 and uint16)");
    for (const char* key : {"scale", "min"})
        if (!q.contains(key) || !q[key].is_number()) fail(who + " has a quantization without a numeric " + key);
    spec.scale = q["scale"].get<double>();
    spec.min = q["min"].get<double>();
}

WeightSpec Manifest::weight(const json& w, size_t index) const {
    if (!w.is_object()) fail("weight entry " + std::to_string(index) + " is not an object");
    if (!w.contains("name") || !w["name"].is_string())
        fail("weight entry " + std::to_string(index) + " has no string 'name'");
    WeightSpec spec;
    spec.name = w["name"].get<std::string>();
    if (!w.contains("shape")) fail("tensor '" + spec.name + "' has no 'shape'");
    spec.shape = shape(w["shape"], spec.name);
    for (int d : spec.shape) spec.count *= d;
    if (!w.contains("dtype") || !w["dtype"].is_string()) fail("tensor '" + spec.name + "' has no string 'dtype'");
    const std::string dtype = w["dtype"].get<std::string>();
    if (dtype != "float32" && dtype != "int32")
        fail("tensor '" + spec.name + "' has unknown dtype '" + dtype + "'");
    spec.is_int = dtype == "int32";
    spec.storage = spec.is_int ? Storage::Int32 : Storage::Float32;
    if (w.contains("quantization")) quantization(w["quantization"], spec);
    return spec;
}

std::vector<WeightSpec> Manifest::weights(const json& group) const {
    if (!group.is_object()) fail("a weight group is not an object");
    if (!group.contains("weights") || !group["weights"].is_array()) fail("a weight group has no 'weights' array");
    std::vector<WeightSpec> specs;
    for (const json& w : group["weights"]) specs.push_back(weight(w, specs.size()));
    return specs;
}

std::string Manifest::read_shard(const std::string& name) const {
    const fs::path p = fs::path(path_).parent_path() / name;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) fail("shard " + name + " does not exist (looked for " + p.string() + ")");
    bool ok = false;
    std::string data = read_bytes(p, ok);
    if (!ok) fail("shard " + name + " cannot be read");
    return data;
}

// A group's shards are one byte stream split into files, so they are simply concatenated.
std::string Manifest::shards(const json& group) const {
    if (!group.contains("paths") || !group["paths"].is_array()) fail("a weight group has no 'paths' array");
    std::string bytes;
    for (const json& p : group["paths"]) {
        if (!p.is_string()) fail("a weight group has a shard path that is not a string");
        bytes += read_shard(p.get<std::string>());
    }
    return bytes;
}

std::string shard_names(const json& group) {
    std::string names;
    for (const json& p : group["paths"]) names += (names.empty() ? "" : ", ") + p.get<std::string>();
    return names.empty() ? "(no shards)" : names;
}

uint32_t little_endian(const unsigned char* p, int bytes) {
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

Tensor decode_one(const WeightSpec& s, const unsigned char* p) {
    Tensor t;
    t.shape = s.shape;
    t.data.resize(size_t(s.count));
    for (long i = 0; i < s.count; ++i) {
        float& v = t.data[size_t(i)];
        switch (s.storage) {
        case Storage::Float32: {
            const uint32_t bits = little_endian(p + 4 * i, 4);
            static_assert(sizeof(float) == sizeof(bits));
            std::memcpy(&v, &bits, sizeof v);
            break;
        }
        case Storage::Int32: v = float(int32_t(little_endian(p + 4 * i, 4))); break;
        case Storage::Uint8: v = float(p[i] * s.scale + s.min); break;
        case Storage::Uint16: v = float(little_endian(p + 2 * i, 2) * s.scale + s.min); break;
        }
        // TF.js rounds dequantized int32 values back to whole numbers.
        if (s.is_int && s.storage != Storage::Int32) v = std::round(v);
    }
    return t;
}

void Manifest::decode(const std::vector<WeightSpec>& specs, const std::string& bytes, const json& group,
                      TensorMap& out) const {
    // Saturating, so that a manifest of absurdly many huge tensors cannot overflow the sum.
    long need = 0;
    for (const WeightSpec& s : specs) need = std::min(need + s.bytes(), kMaxElements * 64);
    const long have = long(bytes.size());
    if (have != need) {
        const bool one = group["paths"].size() == 1;
        fail(std::string(one ? "shard " : "shards ") + shard_names(group) + (one ? " holds " : " hold ") +
             std::to_string(have) + " bytes, " + (one ? "its" : "their") + " tensors need " + std::to_string(need));
    }
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    for (const WeightSpec& s : specs) {
        Tensor t = decode_one(s, p);
        // A NaN or Inf would quantize to garbage and fail (or pass) far from here: name it now (issue 13).
        for (size_t i = 0; i < t.data.size(); ++i)
            if (!std::isfinite(t.data[i]))
                fail("tensor '" + s.name + "' holds a non-finite value (" + (std::isnan(t.data[i]) ? "NaN" : "Inf") +
                     ") at element " + std::to_string(i));
        if (!out.emplace(s.name, std::move(t)).second) fail("tensor '" + s.name + "' appears twice");
        p += s.bytes();
    }
}

}  // namespace

TensorMap load_tfjs_manifest(const std::string& manifest_path) {
    const Manifest m(manifest_path);
    TensorMap out;
    try {
        for (const json& group : m.read_json()) {
            const std::vector<WeightSpec> specs = m.weights(group);
            m.decode(specs, m.shards(group), group, out);
        }
    } catch (const json::exception& e) {
        // The checks above should leave nothing for nlohmann to reject; this keeps any slip a user error.
        m.fail("malformed manifest (" + one_line(e.what()) + ")");
    }
    return out;
}

}  // namespace reshare::models
