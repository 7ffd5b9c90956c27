// Keras layers models as TF.js stores them (model.json + weight shards): the importer folds batch norms and
// activations as the accelerator computes them, and what it cannot take is one line naming the layer.
#include "reshare/common/error.hpp"
#include "reshare/models/model.hpp"
#include "keras_fixture.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace reshare;
using namespace reshare::models;

TEST_CASE("keras: a Sequential model's layers become the graph, batch norm and activations folded", "[keras]") {
    const std::string file = test::write_keras_model("tiny", test::tiny_keras_layers());
    const Model m = load_model(file);
    REQUIRE(m.weights == "real");
    const Graph& g = *m.graph;
    REQUIRE(g.nodes.size() == 5);   // input, conv1 (+ bn1 + relu6), dw (relu), pool, fc; the softmax on the host
    REQUIRE(g.nodes[0].out == Shape{8, 8, 3});
    REQUIRE(g.nodes[1].name == "conv1");
    REQUIRE(g.nodes[1].act == Activation::Relu6);
    REQUIRE(g.nodes[1].affine.bn_mean == "bn1/moving_mean");
    REQUIRE(g.nodes[1].affine.bn_eps == Approx(1e-3));
    REQUIRE(g.nodes[1].out == Shape{8, 8, 4});              // same padding
    REQUIRE(g.nodes[2].groups == 4);                         // depthwise, multiplier 2
    REQUIRE(g.nodes[2].out == Shape{6, 6, 8});
    REQUIRE(g.nodes[2].act == Activation::Relu);
    REQUIRE(g.nodes[3].kind == OpKind::MaxPool);
    REQUIRE(g.nodes[3].out == Shape{3, 3, 8});
    REQUIRE(g.nodes[4].kind == OpKind::Dense);
    REQUIRE(g.classifies);
    REQUIRE(m.layers.size() == 3);
    REQUIRE(m.layers[2].rows == 72);
    // The kernels as the file holds them: HWIO is the crossbars' row order.
    REQUIRE(m.matrix(0) == test::keras_values(3 * 3 * 3 * 4, 1));
}

TEST_CASE("keras: what the importer cannot take is one line naming the layer", "[keras]") {
    auto error_of = [](const std::string& file) {
        try {
            load_model(file);
        } catch (const Error& e) {
            REQUIRE(e.code() == ExitCode::BadInput);
            return std::string(e.what());
        }
        FAIL("no error");
        return std::string();
    };
    nlohmann::json layers = test::tiny_keras_layers();
    layers[2] = {{"class_name", "LeakyReLU"}, {"config", {{"name", "leaky"}, {"alpha", 0.3}}}};
    REQUIRE(error_of(test::write_keras_model("leaky", layers)).find("layer leaky (LeakyReLU): layer class LeakyReLU is not supported") !=
            std::string::npos);
    layers = test::tiny_keras_layers();
    layers[0]["config"]["activation"] = "tanh";
    REQUIRE(error_of(test::write_keras_model("tanh", layers)).find("layer conv1 (Conv2D): activation tanh does not map") != std::string::npos);
    // A damaged model.json (cut short) and a shard cut short.
    std::string file = test::write_keras_model("cut", test::tiny_keras_layers());
    std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
    REQUIRE(error_of(file).find("not valid JSON") != std::string::npos);
    file = test::write_keras_model("shard", test::tiny_keras_layers());
    const std::filesystem::path shard = std::filesystem::path(file).parent_path() / "group1-shard1of1.bin";
    std::filesystem::resize_file(shard, std::filesystem::file_size(shard) - 8);
    REQUIRE(error_of(file).find("group1-shard1of1.bin") != std::string::npos);
    layers = test::tiny_keras_layers();
    layers[0]["config"]["filters"] = 5;   // the kernel in the file has 4
    REQUIRE(error_of(test::write_keras_model("filters", layers)).find("layer conv1 (Conv2D): kernel has shape [3, 3, 3, 4], the layer needs [3, 3, 3, 5]") !=
            std::string::npos);
}
