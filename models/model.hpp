// A network the tools run: its graph (when known), its weight layers and where their weights come from.
#pragma once

#include "reshare/models/graph.hpp"
#include "reshare/models/tensor.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reshare::models {

// One conv or dense layer lowered to a matrix: rows = kh*kw*cin/groups (cin fastest), cols = cout.
struct WeightLayer {
    std::string name;     // layer name (graph node name, or tensor name for a bare manifest)
    std::string tensor;   // weight tensor name
    int rows = 0, cols = 0, groups = 1;
};

class Model {
public:
    std::string name;                 // zoo name, or the manifest path
    std::string weights;              // "real" or "synthetic"
    std::string source;               // where the weights came from, for reports
    std::optional<Graph> graph;       // absent for a manifest with no known graph
    std::vector<WeightLayer> layers;

    bool synthetic() const { return weights == "synthetic"; }
    // The layer's float weights, rows x cols row-major (HWIO kernels already are that layout).
    std::vector<float> matrix(size_t layer, int threads = 1) const;
    // Named tensors of a real model (kernels, biases, scales, batch norm); empty for synthetic ones.
    TensorMap tensors;

    // Seed of the synthetic weights; the same seed gives the same weights on every machine.
    static constexpr uint64_t kDefaultSeed = 20240601;
    uint64_t seed = kDefaultSeed;
};

// The input plane a user gives a network whose file leaves it open (an ONNX input with symbolic dimensions);
// 0 x 0: none given.
struct InputSize {
    int h = 0, w = 0;
    bool given() const { return h > 0 && w > 0; }
};

// `spec` is a zoo name, a TF.js weight manifest, a Keras model.json or an .onnx file. Throws reshare::Error (exit
// 2) for an unknown name, a missing or malformed file, weights that do not fit the graph, or an input size given
// for a network whose input is fixed at another size.
Model load_model(const std::string& spec, uint64_t seed = Model::kDefaultSeed, InputSize size = {});

// Folder holding face-api's model files: $RESHARE_MODEL_DIR, else where scripts/fetch-models.sh puts them.
std::string model_dir();

}  // namespace reshare::models
