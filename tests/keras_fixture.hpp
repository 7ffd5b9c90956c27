// A small Keras Sequential model written as TF.js stores it, for the importer's tests: conv (same padding) + batch
// norm + ReLU6, depthwise conv (multiplier 2) + ReLU, max pool, flatten, dense + softmax; 8x8x3 input.
#pragma once

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace reshare::test {

// Deterministic weights in -0.5..0.5.
inline std::vector<float> keras_values(int n, int seed) {
    std::vector<float> v(static_cast<size_t>(n), 0.f);
    for (int i = 0; i < n; ++i) v[size_t(i)] = 0.5f * float(std::sin(0.37 * i + seed));
    return v;
}

inline nlohmann::json tiny_keras_layers() {
    using nlohmann::json;
    return json::array({
        {{"class_name", "Conv2D"}, {"config", {{"name", "conv1"}, {"batch_input_shape", {nullptr, 8, 8, 3}}, {"filters", 4}, {"kernel_size", {3, 3}},
                                                {"strides", {1, 1}}, {"padding", "same"}, {"activation", "linear"}, {"use_bias", true}}}},
        {{"class_name", "BatchNormalization"}, {"config", {{"name", "bn1"}, {"axis", -1}, {"epsilon", 0.001}}}},
        {{"class_name", "ReLU"}, {"config", {{"name", "relu1"}, {"max_value", 6.0}}}},
        {{"class_name", "DepthwiseConv2D"}, {"config", {{"name", "dw"}, {"kernel_size", {3, 3}}, {"padding", "valid"}, {"depth_multiplier", 2},
                                                         {"activation", "relu"}, {"use_bias", false}}}},
        {{"class_name", "MaxPooling2D"}, {"config", {{"name", "pool"}, {"pool_size", {2, 2}}, {"padding", "valid"}, {"strides", nullptr}}}},
        {{"class_name", "Flatten"}, {"config", {{"name", "flat"}}}},
        {{"class_name", "Dense"}, {"config", {{"name", "fc"}, {"units", 5}, {"activation", "softmax"}, {"use_bias", true}}}},
    });
}

// Writes DIR/NAME/model.json and its one shard; returns the model.json path.
inline std::string write_keras_model(const std::string& name, const nlohmann::json& layers) {
    using nlohmann::json;
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("reshare-keras-" + std::to_string(::getpid())) / name;
    std::filesystem::create_directories(dir);
    const std::vector<std::pair<std::string, std::vector<int>>> weights = {
        {"conv1/kernel", {3, 3, 3, 4}}, {"conv1/bias", {4}}, {"bn1/gamma", {4}}, {"bn1/beta", {4}}, {"bn1/moving_mean", {4}},
        {"bn1/moving_variance", {4}}, {"dw/depthwise_kernel", {3, 3, 4, 2}}, {"fc/kernel", {72, 5}}, {"fc/bias", {5}}};
    json specs = json::array();
    std::ofstream shard(dir / "group1-shard1of1.bin", std::ios::binary);
    int seed = 1;
    for (const auto& [w, shape] : weights) {
        int n = 1;
        for (int d : shape) n *= d;
        std::vector<float> v = keras_values(n, seed++);
        if (w == "bn1/moving_variance")
            for (float& x : v) x = 1.5f + x;   // positive
        shard.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
        specs.push_back({{"name", w}, {"shape", shape}, {"dtype", "float32"}});
    }
    json model = {{"format", "layers-model"},
                  {"modelTopology", {{"class_name", "Sequential"}, {"config", {{"name", "tiny"}, {"layers", layers}}}}},
                  {"weightsManifest", json::array({{{"paths", {"group1-shard1of1.bin"}}, {"weights", specs}}})}};
    std::ofstream(dir / "model.json") << model.dump(1);
    return (dir / "model.json").string();
}

}  // namespace reshare::test
