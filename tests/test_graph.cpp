#include "reshare/common/error.hpp"
#include "reshare/models/graph.hpp"

#include <catch2/catch.hpp>

using namespace reshare::models;
using reshare::Error;

namespace {

ConvSpec spec(int cout, int k, int stride, PadMode mode, int pad = -1, int groups = 1) {
    ConvSpec s;
    s.cout = cout;
    s.k = k;
    s.stride = stride;
    s.mode = mode;
    s.pad = pad;
    s.groups = groups;
    return s;
}

}  // namespace

TEST_CASE("graph: SAME padding gives ceil(in/stride) and puts the odd pixel at the bottom/right", "[graph]") {
    GraphBuilder b("g", Shape{8, 7, 4});
    const int even = b.conv(0, "even", spec(16, 3, 2, PadMode::Same));
    const Graph g = std::move(b).build();
    const Node& n = g.nodes[even];
    CHECK(n.out == Shape{4, 4, 16});
    // h = 8: total padding (4-1)*2+3-8 = 1, all of it at the bottom.
    CHECK(n.pad_top == 0);
    CHECK(n.pad_bottom == 1);
    // w = 7: total padding (4-1)*2+3-7 = 2, split evenly.
    CHECK(n.pad_left == 1);
    CHECK(n.pad_right == 1);
}

TEST_CASE("graph: SAME padding with stride 1 keeps the plane, also for even and dilated kernels", "[graph]") {
    GraphBuilder b("g", Shape{10, 10, 3});
    const int k5 = b.conv(0, "k5", spec(8, 5, 1, PadMode::Same));
    const int k2 = b.conv(0, "k2", spec(8, 2, 1, PadMode::Same));
    ConvSpec dil = spec(8, 3, 1, PadMode::Same);
    dil.dilation = 2;
    const int d = b.conv(0, "dilated", dil);
    const Graph g = std::move(b).build();
    CHECK(g.nodes[k5].out == Shape{10, 10, 8});
    CHECK(g.nodes[k2].out == Shape{10, 10, 8});
    CHECK(g.nodes[k2].pad_top == 0);
    CHECK(g.nodes[k2].pad_bottom == 1);
    CHECK(g.nodes[d].out == Shape{10, 10, 8});
    CHECK(g.nodes[d].pad_top == 2);
}

TEST_CASE("graph: VALID padding drops the incomplete windows", "[graph]") {
    GraphBuilder b("g", Shape{150, 150, 3});
    const int c = b.conv(0, "c", spec(32, 7, 2, PadMode::Valid));
    const int p = b.max_pool(c, "p", 3, 2, PadMode::Valid);
    const int a = b.avg_pool(p, "a", 2, 2, PadMode::Valid);
    CHECK(b.shape(c) == Shape{72, 72, 32});
    CHECK(b.shape(p) == Shape{35, 35, 32});
    CHECK(b.shape(a) == Shape{17, 17, 32});
    const Graph g = std::move(b).build();
    CHECK(g.nodes[c].pad_top + g.nodes[c].pad_bottom + g.nodes[c].pad_left + g.nodes[c].pad_right == 0);
}

TEST_CASE("graph: explicit padding overrides the pad mode", "[graph]") {
    GraphBuilder b("g", Shape{227, 227, 3});
    const int c1 = b.conv(0, "conv1", spec(96, 11, 4, PadMode::Same, 0));
    const int c2 = b.conv(0, "c2", spec(8, 5, 1, PadMode::Valid, 2));
    const int pool = b.max_pool(0, "pool", 3, 2, PadMode::Valid, 1);
    CHECK(b.shape(c1) == Shape{55, 55, 96});
    CHECK(b.shape(c2) == Shape{227, 227, 8});
    CHECK(b.shape(pool) == Shape{114, 114, 3});
    const Graph g = std::move(b).build();
    CHECK(g.nodes[c2].pad_top == 2);
    CHECK(g.nodes[c2].pad_right == 2);
}

TEST_CASE("graph: grouped convolution needs groups that divide both channel counts", "[graph]") {
    GraphBuilder b("g", Shape{8, 8, 6});
    CHECK_NOTHROW(b.conv(0, "ok", spec(4, 3, 1, PadMode::Same, -1, 2)));
    CHECK_THROWS_AS(b.conv(0, "cin", spec(8, 3, 1, PadMode::Same, -1, 4)), Error);
    CHECK_THROWS_AS(b.conv(0, "cout", spec(9, 3, 1, PadMode::Same, -1, 2)), Error);
    CHECK_THROWS_AS(b.conv(0, "zero", spec(6, 3, 1, PadMode::Same, -1, 0)), Error);
    CHECK_THROWS_WITH(b.conv(0, "bad", spec(8, 3, 1, PadMode::Same, -1, 4)), Catch::Contains("bad"));
}

TEST_CASE("graph: a window larger than its padded input is rejected", "[graph]") {
    GraphBuilder b("g", Shape{2, 2, 3});
    CHECK_THROWS_AS(b.conv(0, "big", spec(4, 5, 1, PadMode::Valid)), Error);
    CHECK_THROWS_AS(b.max_pool(0, "pool", 3, 2, PadMode::Valid), Error);
}

TEST_CASE("graph: add requires equal shapes and keeps them", "[graph]") {
    GraphBuilder b("g", Shape{8, 8, 4});
    const int same = b.conv(0, "same", spec(4, 3, 1, PadMode::Same));
    const int wide = b.conv(0, "wide", spec(8, 3, 1, PadMode::Same));
    const int small = b.conv(0, "small", spec(4, 3, 2, PadMode::Same));
    const int sum = b.add(same, 0, "sum", Activation::Relu);
    CHECK(b.shape(sum) == Shape{8, 8, 4});
    CHECK_THROWS_AS(b.add(wide, 0, "channels", Activation::None), Error);
    CHECK_THROWS_WITH(b.add(small, 0, "plane"), Catch::Contains("plane"));
    const Graph g = std::move(b).build();
    CHECK(g.nodes[sum].act == Activation::Relu);
    CHECK(g.nodes[sum].inputs == std::vector<int>{same, 0});
}

TEST_CASE("graph: concat sums channels and rejects different planes", "[graph]") {
    GraphBuilder b("g", Shape{28, 28, 192});
    const int a = b.conv(0, "a", spec(64, 1, 1, PadMode::Same));
    const int c = b.conv(0, "c", spec(128, 3, 1, PadMode::Same));
    const int p = b.max_pool(0, "p", 3, 1, PadMode::Same);
    const int half = b.max_pool(0, "half", 3, 2, PadMode::Same);
    const int cat = b.concat({a, c, p}, "cat");
    CHECK(b.shape(cat) == Shape{28, 28, 64 + 128 + 192});
    CHECK_THROWS_AS(b.concat({a, half}, "mixed"), Error);
    CHECK_THROWS_AS(b.concat({}, "empty"), Error);
}

TEST_CASE("graph: zero_pad grows the plane at the bottom/right and appends channels", "[graph]") {
    GraphBuilder b("g", Shape{3, 3, 128});
    const int p = b.zero_pad(0, "p", 1, 1, 0);
    const int c = b.zero_pad(0, "c", 0, 0, 128);
    CHECK(b.shape(p) == Shape{4, 4, 128});
    CHECK(b.shape(c) == Shape{3, 3, 256});
    const Graph g = std::move(b).build();
    CHECK(g.nodes[p].pad_bottom == 1);
    CHECK(g.nodes[p].pad_right == 1);
    CHECK(g.nodes[p].pad_top == 0);
    CHECK(g.nodes[c].pad_channels == 128);
}

TEST_CASE("graph: matrix_rows lowers conv, grouped, depthwise and dense layers", "[graph]") {
    GraphBuilder b("g", Shape{7, 7, 512});
    const int conv = b.conv(0, "conv", spec(256, 3, 1, PadMode::Same));
    const int grouped = b.conv(0, "grouped", spec(256, 3, 1, PadMode::Same, -1, 2));
    const int depthwise = b.conv(0, "dw", spec(512, 3, 1, PadMode::Same, -1, 512));
    const int pointwise = b.conv(depthwise, "pw", spec(1024, 1, 1, PadMode::Same));
    const int dense = b.dense(0, "fc", 4096, Activation::Relu);
    const int gap = b.global_avg_pool(pointwise, "gap");
    const int head = b.dense(gap, "head", 10, Activation::None, "custom/name");
    const Graph g = std::move(b).build();
    CHECK(matrix_rows(g, g.nodes[conv]) == 3 * 3 * 512);
    CHECK(matrix_rows(g, g.nodes[grouped]) == 3 * 3 * 256);
    CHECK(matrix_rows(g, g.nodes[depthwise]) == 9);
    CHECK(matrix_rows(g, g.nodes[pointwise]) == 512);
    CHECK(matrix_rows(g, g.nodes[dense]) == 7 * 7 * 512);
    CHECK(matrix_rows(g, g.nodes[head]) == 1024);
    CHECK(g.nodes[dense].out == Shape{1, 1, 4096});
    CHECK(g.nodes[conv].weight == "conv/weights");
    CHECK(g.nodes[head].weight == "custom/name");
}

TEST_CASE("graph: weight_layers lists conv and dense nodes in graph order", "[graph]") {
    GraphBuilder b("g", Shape{8, 8, 3});
    int x = b.conv(0, "c1", spec(8, 3, 1, PadMode::Same));
    x = b.max_pool(x, "pool", 2, 2, PadMode::Valid);
    x = b.conv(x, "c2", spec(8, 3, 1, PadMode::Same));
    x = b.global_avg_pool(x, "gap");
    b.dense(x, "fc", 2, Activation::None);
    const Graph g = std::move(b).build();
    const std::vector<const Node*> layers = weight_layers(g);
    REQUIRE(layers.size() == 3);
    CHECK(layers[0]->name == "c1");
    CHECK(layers[1]->name == "c2");
    CHECK(layers[2]->name == "fc");
    CHECK(g.output().name == "fc");
    CHECK(g.nodes[0].kind == OpKind::Input);
}
