#include "reshare/models/model.hpp"

#include "reshare/common/error.hpp"
#include "reshare/models/keras.hpp"
#include "reshare/models/onnx.hpp"
#include "reshare/models/synthetic.hpp"
#include "reshare/models/tfjs.hpp"
#include "reshare/models/zoo.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace reshare::models {
namespace fs = std::filesystem;
namespace {

std::vector<WeightLayer> graph_layers(const Graph& g) {
    std::vector<WeightLayer> out;
    for (const Node* n : weight_layers(g)) out.push_back({n->name, n->weight, matrix_rows(g, *n), n->cout, n->groups});
    return out;
}

// A manifest with no known graph: every 4-D kernel [kh,kw,cin,cout] with cout > 1 and every 2-D kernel.
std::vector<WeightLayer> bare_layers(const TensorMap& tensors, const std::string& path) {
    std::vector<WeightLayer> out;
    for (const auto& [name, t] : tensors) {
        const auto& s = t.shape;
        if (s.size() == 4 && s[3] > 1) out.push_back({name, name, s[0] * s[1] * s[2], s[3], 1});
        if (s.size() == 2 && s[0] > 0 && s[1] > 0) out.push_back({name, name, s[0], s[1], 1});
    }
    if (out.empty()) throw Error("model file " + path + ": holds no 2-D or 4-D weight tensors");
    return out;
}

std::string shape_text(const std::vector<int>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

// The kernel shapes a node's weight tensor may have: HWIO [kh, kw, cin / groups, cout] for a conv (a depthwise one
// also as TF stores it, [kh, kw, cin, cout / cin], the same values in the same order), [inputs, cout] for a dense.
std::vector<std::vector<int>> kernel_shapes(const Graph& g, const Node& n) {
    const Shape& in = g.nodes.at(size_t(n.inputs.at(0))).out;
    if (n.kind == OpKind::Dense) return {{int(in.elements()), n.cout}};
    std::vector<std::vector<int>> shapes = {{n.kh, n.kw, in.c / n.groups, n.cout}};
    if (n.groups == in.c && n.groups > 1) shapes.push_back({n.kh, n.kw, in.c, n.cout / in.c});
    return shapes;
}

void check_weights_fit(const Model& m, const TensorMap& tensors, const std::string& path) {
    for (const WeightLayer& l : m.layers) {
        const auto it = tensors.find(l.tensor);
        if (it == tensors.end()) throw Error("model file " + path + ": has no tensor '" + l.tensor + "' for layer " + l.name);
        const long want = long(l.rows) * l.cols;
        if (it->second.elements() != want)
            throw Error("model file " + path + ": tensor '" + l.tensor + "' has " + std::to_string(it->second.elements()) +
                        " values, layer " + l.name + " needs " + std::to_string(want));
        // The right count in the wrong shape (a kernel stored [kh, kw, cout, cin]) would run on scrambled weights.
        for (const Node& n : m.graph->nodes) {
            if (n.name != l.name || n.weight != l.tensor) continue;
            const std::vector<std::vector<int>> shapes = kernel_shapes(*m.graph, n);
            if (std::find(shapes.begin(), shapes.end(), it->second.shape) == shapes.end())
                throw Error("model file " + path + ": tensor '" + l.tensor + "' has shape " + shape_text(it->second.shape) +
                            ", layer " + l.name + " needs " + shape_text(shapes.front()));
        }
    }
}

Model real_model(const std::string& name, const std::string& path, const Graph* graph) {
    Model m;
    m.name = name;
    m.weights = "real";
    m.source = path;
    m.tensors = load_tfjs_manifest(path);
    if (graph) {
        m.graph = *graph;
        m.layers = graph_layers(*graph);
        check_weights_fit(m, m.tensors, path);
    } else {
        m.layers = bare_layers(m.tensors, path);
    }
    return m;
}

}  // namespace

std::string model_dir() {
    if (const char* env = std::getenv("RESHARE_MODEL_DIR"); env && *env) return env;
    return RESHARE_DEFAULT_MODEL_DIR;
}

std::vector<float> Model::matrix(size_t i, int threads) const {
    const WeightLayer& l = layers.at(i);
    if (synthetic()) return synthetic_weights(seed, i, long(l.rows) * l.cols, l.rows, synthetic_shape(), threads);
    return tensors.at(l.tensor).data;
}

namespace {

// A model whose input is fixed takes an --input-size only if it is that size.
Model fixed_input(Model m, InputSize size) {
    if (!size.given() || !m.graph) return m;
    const Shape& in = m.graph->nodes.at(0).out;
    if (in.h != size.h || in.w != size.w)
        throw Error("model " + m.name + ": its input is fixed at " + std::to_string(in.h) + "x" + std::to_string(in.w) +
                    ", not the " + std::to_string(size.h) + "x" + std::to_string(size.w) + " given");
    return m;
}

// A network file's model (Keras, ONNX) with its weight layers, checked against the file's tensors.
Model with_layers(Model m, const std::string& spec) {
    m.layers = graph_layers(*m.graph);
    check_weights_fit(m, m.tensors, spec);
    return m;
}

// A zoo name, a TF.js manifest or a Keras model.json: files that fix the input's size.
Model load_fixed(const std::string& spec, uint64_t seed) {
    if (const ZooEntry* z = find_zoo(spec)) {
        const Graph g = zoo_graph(spec);
        if (!z->manifest.empty()) {
            const std::string path = (fs::path(model_dir()) / z->manifest).string();
            if (!fs::exists(path))
                throw Error("model " + spec + ": weights not found at " + path + " (run scripts/fetch-models.sh)");
            return real_model(spec, path, &g);
        }
        Model m;
        m.name = spec;
        m.weights = "synthetic";
        m.source = "synthetic: generalized normal, seed " + std::to_string(seed);
        m.seed = seed;
        m.graph = g;
        m.layers = graph_layers(g);
        return m;
    }
    if (!fs::exists(spec)) throw Error("model '" + spec + "': neither a zoo model nor an existing manifest, Keras model.json or .onnx file");
    if (is_keras_model(spec)) return with_layers(load_keras(spec), spec);
    // A manifest of a zoo model gets its graph, whatever folder it sits in.
    const std::string file = fs::path(spec).filename().string();
    for (const ZooEntry& z : zoo())
        if (!z.manifest.empty() && z.manifest == file) {
            const Graph g = zoo_graph(z.name);
            return real_model(z.name, spec, &g);
        }
    return real_model(spec, spec, nullptr);
}

}  // namespace

Model load_model(const std::string& spec, uint64_t seed, InputSize size) {
    // Only an ONNX file may leave its input's size to the user.
    if (fs::path(spec).extension() == ".onnx" && fs::exists(spec)) return with_layers(load_onnx(spec, size), spec);
    return fixed_input(load_fixed(spec, seed), size);
}

}  // namespace reshare::models
