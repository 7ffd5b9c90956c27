// ONNX models: the exporter and the importer round-trip real networks to the same graph and weights, and a file
// the importer cannot take is one line naming the node, the op or the tensor.
#include "reshare/common/error.hpp"
#include "reshare/models/onnx.hpp"

#include <catch2/catch.hpp>
#include <onnx/onnx_pb.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace reshare;
using namespace reshare::models;

namespace {

fs::path temp(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("reshare-onnx-tests-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir / name;
}

// Export, import, and require the same network: node by node the same op, geometry, activation and shape, and
// layer by layer the same weights in the crossbars' order.
void require_round_trip(const std::string& zoo_name) {
    const Model original = load_model(zoo_name);
    const fs::path file = temp(zoo_name + ".onnx");
    save_onnx(original, file.string());
    const Model back = load_model(file.string());
    const Graph &a = *original.graph, &b = *back.graph;
    REQUIRE(b.nodes.size() == a.nodes.size());
    REQUIRE(b.input_norm.mean == a.input_norm.mean);
    REQUIRE(b.input_norm.scale == Approx(a.input_norm.scale).epsilon(1e-7));
    for (size_t i = 0; i < a.nodes.size(); ++i) {
        const Node &x = a.nodes[i], &y = b.nodes[i];
        INFO(zoo_name << " node " << i << " " << x.name);
        REQUIRE(y.kind == x.kind);
        REQUIRE(y.name == (i == 0 ? "input" : x.name));
        REQUIRE(y.inputs == x.inputs);
        REQUIRE(y.act == x.act);
        REQUIRE(y.out == x.out);
        REQUIRE(std::vector<int>{y.kh, y.kw, y.stride_h, y.stride_w, y.dil_h, y.dil_w, y.pad_top, y.pad_bottom, y.pad_left, y.pad_right,
                                 y.groups, y.pad_channels} ==
                std::vector<int>{x.kh, x.kw, x.stride_h, x.stride_w, x.dil_h, x.dil_w, x.pad_top, x.pad_bottom, x.pad_left, x.pad_right,
                                 x.groups, x.pad_channels});
        REQUIRE(y.affine.bias.empty() == x.affine.bias.empty());
        REQUIRE(y.affine.mul.empty() == x.affine.mul.empty());
        REQUIRE(y.affine.bn_mean.empty() == x.affine.bn_mean.empty());
    }
    REQUIRE(back.layers.size() == original.layers.size());
    for (size_t l = 0; l < original.layers.size(); ++l) {
        INFO(zoo_name << " layer " << original.layers[l].name);
        REQUIRE(back.layers[l].rows == original.layers[l].rows);
        REQUIRE(back.layers[l].cols == original.layers[l].cols);
        REQUIRE(back.matrix(l) == original.matrix(l));   // bit for bit
    }
    fs::remove(file);
}

// A small ONNX model built by hand: input [1, 3, 8, 8] -> Conv 3x3 (4 channels) -> `tail` ops.
struct Tiny {
    onnx::ModelProto m;
    onnx::GraphProto* g;
    Tiny() : g(m.mutable_graph()) {
        m.set_ir_version(8);
        m.add_opset_import()->set_version(13);
        auto* in = g->add_input();
        in->set_name("x");
        auto* t = in->mutable_type()->mutable_tensor_type();
        t->set_elem_type(onnx::TensorProto::FLOAT);
        for (int d : {1, 3, 8, 8}) t->mutable_shape()->add_dim()->set_dim_value(d);
        weight("w", {4, 3, 3, 3});
        node("Conv", "conv", {"x", "w"});
    }
    onnx::TensorProto* weight(const std::string& name, const std::vector<int64_t>& dims, float value = 0.5f) {
        auto* w = g->add_initializer();
        w->set_name(name);
        w->set_data_type(onnx::TensorProto::FLOAT);
        int64_t n = 1;
        for (int64_t d : dims) w->add_dims(d), n *= d;
        for (int64_t i = 0; i < n; ++i) w->add_float_data(value);
        return w;
    }
    onnx::NodeProto* node(const std::string& op, const std::string& name, const std::vector<std::string>& ins) {
        auto* n = g->add_node();
        n->set_op_type(op), n->set_name(name), n->add_output(name);
        for (const std::string& i : ins) n->add_input(i);
        return n;
    }
    std::string save(const std::string& file) {
        g->add_output()->set_name(g->node(g->node_size() - 1).output(0));
        const fs::path p = temp(file);
        std::ofstream out(p, std::ios::binary);
        m.SerializeToOstream(&out);
        return p.string();
    }
};

std::string error_of(const std::string& path) {
    try {
        load_model(path);
    } catch (const Error& e) {
        REQUIRE(e.code() == ExitCode::BadInput);
        return e.what();
    }
    FAIL("no error for " << path);
    return "";
}

}  // namespace

TEST_CASE("onnx: face_recognition exported and read back is the same network, weights bit for bit", "[onnx][real]") {
    require_round_trip("face_recognition");
}

TEST_CASE("onnx: depthwise convolutions and ReLU6 (ssd_mobilenetv1) and concats (googlenet) round-trip", "[onnx][real]") {
    require_round_trip("ssd_mobilenetv1");
    require_round_trip("googlenet");
    // Synthetic weights stay labeled synthetic when they come back from a file.
    save_onnx(load_model("googlenet"), temp("g.onnx").string());
    REQUIRE(load_model(temp("g.onnx").string()).weights == "synthetic, exported");
}

TEST_CASE("onnx: a small hand-built model imports with its ops folded as the accelerator computes them", "[onnx]") {
    Tiny t;
    t.weight("gamma", {4}, 2), t.weight("beta", {4}, 1), t.weight("mean", {4}, 0), t.weight("var", {4}, 1);
    t.node("BatchNormalization", "bn", {"conv", "gamma", "beta", "mean", "var"});
    t.node("Relu", "relu", {"bn"});
    auto* pool = t.node("MaxPool", "pool", {"relu"});
    auto* k = pool->add_attribute();
    k->set_name("kernel_shape"), k->set_type(onnx::AttributeProto::INTS), k->add_ints(2), k->add_ints(2);
    auto* s = pool->add_attribute();
    s->set_name("strides"), s->set_type(onnx::AttributeProto::INTS), s->add_ints(2), s->add_ints(2);
    t.node("Flatten", "flat", {"pool"});
    t.weight("fc", {4 * 3 * 3, 5});
    t.node("Gemm", "fc_layer", {"flat", "fc"});
    t.node("Softmax", "prob", {"fc_layer"});
    const Model m = load_model(t.save("tiny.onnx"));
    const Graph& g = *m.graph;
    REQUIRE(g.nodes.size() == 4);   // input, conv (+ batch norm + relu), pool, dense; the softmax on the host
    REQUIRE(g.nodes[1].kind == OpKind::Conv2d);
    REQUIRE(g.nodes[1].act == Activation::Relu);
    REQUIRE(g.nodes[1].affine.bn_gamma == "gamma");
    REQUIRE(g.nodes[1].affine.bn_eps == Approx(1e-5));
    REQUIRE(g.nodes[1].out == Shape{6, 6, 4});
    REQUIRE(g.nodes[2].out == Shape{3, 3, 4});
    REQUIRE(g.nodes[3].kind == OpKind::Dense);
    REQUIRE(g.classifies);
    REQUIRE(m.layers.size() == 2);
    REQUIRE(m.layers[1].rows == 36);
}

TEST_CASE("onnx: MobileNetV3's hard-swish chain, hard-sigmoid, squeeze-excite mul and shape arithmetic import", "[onnx]") {
    Tiny t;
    // An input of open height and width, as OCR models have.
    auto* dims = t.g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
    dims->mutable_dim(2)->set_dim_param("h"), dims->mutable_dim(3)->set_dim_param("w");
    t.weight("three", {}, 3), t.weight("zero", {}, 0), t.weight("six", {}, 6);
    t.node("Add", "plus3", {"conv", "three"});
    t.node("Clip", "relu6", {"plus3", "zero", "six"});
    t.node("Mul", "times_x", {"relu6", "conv"});   // either operand order
    t.node("Div", "hswish", {"times_x", "six"});
    t.node("GlobalAveragePool", "squeeze", {"hswish"});
    t.weight("se_w", {4, 4, 1, 1});
    t.node("Conv", "se", {"squeeze", "se_w"});
    auto* hs = t.node("HardSigmoid", "gate", {"se"});
    auto* alpha = hs->add_attribute();
    alpha->set_name("alpha"), alpha->set_type(onnx::AttributeProto::FLOAT), alpha->set_f(0.25f);
    t.node("Mul", "excite", {"hswish", "gate"});
    t.node("GlobalAveragePool", "gap", {"excite"});
    // Reshape(gap, Concat(Unsqueeze(Gather(Shape(gap), 0)), [-1])): a PyTorch export's flatten.
    t.node("Shape", "shape", {"gap"});
    auto* zero_index = t.g->add_initializer();
    zero_index->set_name("i0"), zero_index->set_data_type(onnx::TensorProto::INT64), zero_index->add_int64_data(0);
    t.node("Gather", "batch", {"shape", "i0"});
    auto* un = t.node("Unsqueeze", "batch1", {"batch"});
    auto* axes = un->add_attribute();
    axes->set_name("axes"), axes->set_type(onnx::AttributeProto::INTS), axes->add_ints(0);
    auto* rest = t.g->add_initializer();
    rest->set_name("rest"), rest->set_data_type(onnx::TensorProto::INT32), rest->add_dims(1), rest->add_int32_data(-1);
    auto* axis = t.node("Concat", "target", {"batch1", "rest"})->add_attribute();
    axis->set_name("axis"), axis->set_type(onnx::AttributeProto::INT), axis->set_i(0);
    t.node("Reshape", "flat", {"gap", "target"});
    t.weight("fc", {4, 2});
    t.node("MatMul", "fc_layer", {"flat", "fc"});
    const std::string path = t.save("mobilenetv3.onnx");
    REQUIRE(error_of(path).find("input x leaves its height and width open: give them with --input-size HxW") != std::string::npos);
    const Model m = load_model(path, Model::kDefaultSeed, InputSize{10, 12});
    const Graph& g = *m.graph;
    // input, conv, hard-swish, squeeze, se, gate, excite, gap, fc: the chain's Add, Clip, Mul and Div are one node
    REQUIRE(g.nodes.size() == 9);
    CHECK(g.nodes[1].out == Shape{8, 10, 4});
    CHECK((g.nodes[2].kind == OpKind::Activation && g.nodes[2].act == Activation::HardSwish && g.nodes[2].name == "hswish"));
    CHECK(g.nodes[2].inputs == std::vector<int>{1});
    CHECK((g.nodes[5].act == Activation::HardSigmoid && g.nodes[5].act_alpha == 0.25f && g.nodes[5].act_beta == 0.5f));
    CHECK((g.nodes[6].kind == OpKind::Mul && g.nodes[6].inputs == std::vector<int>{2, 5}));
    CHECK(g.nodes[8].kind == OpKind::Dense);
    // A fixed input takes only its own size.
    Tiny fixed;
    CHECK_THROWS_WITH(load_model(fixed.save("fixed.onnx"), Model::kDefaultSeed, InputSize{9, 9}),
                      Catch::Matchers::Contains("is fixed at 8x8, not the 9x9 given"));
    // Two full tensors multiplied are not a channel scaling.
    Tiny square;
    square.node("Mul", "square", {"conv", "conv"});
    REQUIRE(error_of(square.save("square.onnx")).find("node square (Mul): multiplies two tensors") != std::string::npos);
}

TEST_CASE("onnx: what the importer cannot take is one line naming the node, op or tensor", "[onnx]") {
    {
        Tiny t;
        t.node("LeakyRelu", "leaky", {"conv"});
        REQUIRE(error_of(t.save("leaky.onnx")).find("node leaky (LeakyRelu): op LeakyRelu is not supported") != std::string::npos);
    }
    {
        Tiny t;
        auto* c = t.node("Clip", "clip", {"conv", "lo", "hi"});
        (void)c;
        t.weight("lo", {}, -1), t.weight("hi", {}, 1);
        REQUIRE(error_of(t.save("clip.onnx")).find("node clip (Clip): Clip(-1") != std::string::npos);
    }
    {
        Tiny t;   // a kernel of the right element count in the wrong shape
        t.g->mutable_initializer(0)->clear_dims();
        for (int d : {3, 4, 3, 3}) t.g->mutable_initializer(0)->add_dims(d);
        REQUIRE(error_of(t.save("shape.onnx")).find("node conv (Conv): weight 'w' is [3, 4, 3, 3] with group 1, its input has 3 channels") !=
                std::string::npos);
    }
    {
        Tiny t;
        t.g->mutable_initializer(0)->set_float_data(7, std::nanf(""));
        REQUIRE(error_of(t.save("nan.onnx")).find("tensor 'w' holds a NaN or infinite value") != std::string::npos);
    }
    {
        Tiny t;
        const std::string path = t.save("cut.onnx");
        fs::resize_file(path, fs::file_size(path) / 2);   // a damaged file
        REQUIRE(error_of(path).find("not an ONNX model") != std::string::npos);
    }
    {
        Tiny t;
        t.node("Add", "add", {"conv", "missing"});
        REQUIRE(error_of(t.save("missing.onnx")).find("'missing' is not computed by an earlier node") != std::string::npos);
    }
    {
        Tiny t;
        t.node("Add", "add1", {"conv"});
        REQUIRE(error_of(t.save("one-operand.onnx")).find("node add1 (Add): has 1 inputs, the op needs at least 2") != std::string::npos);
    }
    // The fuzzer's file (tests/regressions/onnx): a Clip with neither a name nor an output read past the node's
    // outputs while naming it in its error.
    REQUIRE(error_of(RESHARE_SOURCE_DIR "/tests/regressions/onnx/node-without-outputs.onnx").find("(unnamed, no outputs) (Clip): has no output") !=
            std::string::npos);
    // And a Clip whose bound is a constant of no values read its first value (an exception that was not Error).
    REQUIRE(error_of(RESHARE_SOURCE_DIR "/tests/regressions/onnx/clip-bound-without-values.onnx").find("holds 0 values, not one") !=
            std::string::npos);
}
