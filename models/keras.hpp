// Reader of Keras models as TF.js stores them: model.json with "modelTopology" (a Keras Sequential or functional
// model's layer list) and "weightsManifest" (shards beside it, models/tfjs.hpp). Keras is channels-last with HWIO
// kernels, the graph's own layouts, so kernels and dense weights are used as the file holds them; a batch norm
// folds into the layer before it, activations into the layer they belong to.
#pragma once

#include "reshare/models/model.hpp"

#include <string>

namespace reshare::models {

// Whether `path` is a JSON file holding a Keras layers model (an object with modelTopology).
bool is_keras_model(const std::string& path);

// Throws reshare::Error (exit 2) naming the file, the layer and its class for an unsupported layer or option,
// missing or misshapen weights, or a malformed file.
Model load_keras(const std::string& path);

}  // namespace reshare::models
