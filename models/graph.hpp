// Layer graphs of the networks the simulator runs, with NHWC shapes inferred at build time.
//
// A graph is a topologically ordered list of nodes; every node names its inputs by index. Conv and dense
// nodes carry the names of their weight tensors (the TF.js manifest names for real models, or names the
// zoo invents for synthetic ones), so one graph serves both the offline pass and the later inference.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace reshare::models {

struct Shape {
    int h = 1, w = 1, c = 1;
    long elements() const { return long(h) * w * c; }
    bool operator==(const Shape& o) const { return h == o.h && w == o.w && c == o.c; }
};

enum class OpKind {
    Input,
    Conv2d,         // includes grouped and depthwise convolution
    Dense,          // fully connected on a flattened input
    MaxPool,
    AvgPool,        // window average; GlobalAvgPool is the whole-plane case
    GlobalAvgPool,
    Add,
    Concat,         // along channels
    ZeroPad,        // zero rows/cols on the spatial border and zero channels appended
    Activation,     // stand-alone activation
    Mul,            // inputs[0] times a per-channel vector inputs[1] (1x1xC) broadcast over the plane (squeeze-excite)
};

// The ReLU family clamps (it rides on any op's output clamp); the others are curves the activation unit reads
// from a table, so they are only stand-alone Activation nodes with an output scale of their own.
enum class Activation {
    None,
    Relu,
    Relu6,
    HardSwish,     // x * relu6(x + 3) / 6 (MobileNetV3)
    HardSigmoid,   // clamp(alpha * x + beta, 0, 1) (Node::act_alpha, act_beta)
    Sigmoid,
};
inline bool is_clamp(Activation a) { return a == Activation::None || a == Activation::Relu || a == Activation::Relu6; }
const char* to_string(Activation a);

// Per-output-channel post-processing of a conv/dense accumulator, by tensor name ("" = absent).
// Real models fold batch norm or a scale layer here; the reference inference applies it in float
// before requantization, so the crossbars store the kernels exactly as the manifest holds them.
struct ChannelAffine {
    std::string bias;          // y += bias
    std::string mul, add;      // y = y * mul + add            (face_recognition's scale layer)
    std::string bn_mean, bn_var, bn_gamma, bn_beta;  // y = (y - mean) / sqrt(var + eps) * gamma + beta
    float bn_eps = 1e-3f;
};

struct Node {
    std::string name;
    OpKind kind = OpKind::Input;
    std::vector<int> inputs;   // indices of earlier nodes

    // Conv2d / Dense
    std::string weight;        // tensor name; conv kernels are HWIO [kh, kw, cin/groups, cout/...]
    int cout = 0;
    int groups = 1;            // depthwise: groups == cin
    ChannelAffine affine;

    // Conv2d / pools: window geometry. Padding is explicit per side (SAME is resolved at build time).
    int kh = 1, kw = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
    int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;

    // ZeroPad: pad_* above for spatial rows/cols, plus zero channels appended
    int pad_channels = 0;

    Activation act = Activation::None;  // applied after the op (and after the affine)
    float act_alpha = 0.2f, act_beta = 0.5f;   // HardSigmoid's slope and offset (ONNX's defaults)
    Shape out;                          // inferred output shape
};

// How raw pixels in [0, 255] become the network input: x = (pixel - mean[c]) * scale / std[c], channels in RGB
// order or BGR, the photo resized to the input plane by bilinear interpolation with half-pixel centers (TF's
// resize) or aligned corners.
struct InputNorm {
    std::array<float, 3> mean{0.f, 0.f, 0.f};
    float scale = 1.f / 255.f;
    std::array<float, 3> std{1.f, 1.f, 1.f};
    bool bgr = false;
    bool align_corners = false;
};

struct Graph {
    std::string name;
    InputNorm input_norm;
    std::vector<Node> nodes;   // nodes[0] is the input
    bool classifies = false;   // the output is class scores (top-1 agreement is reported), not a descriptor or features

    const Node& output() const { return nodes.back(); }
};

// Padding policy of TF/TF.js: SAME pads so that out = ceil(in / stride); VALID pads nothing.
enum class PadMode { Same, Valid };

struct ConvSpec {
    int cout = 0;
    int k = 1;                 // square kernel unless kh/kw set
    int kh = 0, kw = 0;
    int stride = 1;
    int dilation = 1;
    int groups = 1;
    PadMode mode = PadMode::Same;
    int pad = -1;              // >= 0: symmetric explicit padding (Caffe/PyTorch style) instead of mode
    Activation act = Activation::Relu;
};

// A window's geometry given explicitly, per axis, with padding per side (ONNX's Conv and pools).
struct Window {
    int kh = 1, kw = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
    int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};

// Builds a graph node by node, inferring shapes and checking every geometry as it goes.
// All methods return the new node's index. Errors throw reshare::Error.
class GraphBuilder {
public:
    GraphBuilder(std::string name, Shape input, InputNorm norm = {});

    int conv(int in, const std::string& name, const ConvSpec& spec, const std::string& weight = "",
             ChannelAffine affine = {});
    int dense(int in, const std::string& name, int cout, Activation act, const std::string& weight = "",
              ChannelAffine affine = {});
    // The same with an explicit window (activation after it, weights HWIO as above).
    int conv(int in, const std::string& name, int cout, int groups, const Window& w, Activation act,
             const std::string& weight, ChannelAffine affine = {});
    int max_pool(int in, const std::string& name, int k, int stride, PadMode mode, int pad = -1);
    // A max or average pool over an explicit window.
    int pool(OpKind kind, int in, const std::string& name, const Window& w);
    int avg_pool(int in, const std::string& name, int k, int stride, PadMode mode, int pad = -1);
    int global_avg_pool(int in, const std::string& name);
    int add(int a, int b, const std::string& name, Activation act = Activation::None);
    int concat(const std::vector<int>& ins, const std::string& name);
    int zero_pad(int in, const std::string& name, int bottom, int right, int channels);
    int activation(int in, const std::string& name, Activation act);
    // in (h x w x c) times scales (1 x 1 x c), channel by channel.
    int mul(int in, int scales, const std::string& name);

    const Shape& shape(int node) const { return g_.nodes.at(node).out; }
    // A built node, to fold what follows it in a file into it (a batch norm into its affine, a ReLU into its act):
    // neither changes its shape.
    Node& node(int i) { return g_.nodes.at(size_t(i)); }
    void set_classifies(bool c) { g_.classifies = c; }
    int size() const { return int(g_.nodes.size()); }
    Graph build() &&;

private:
    int push(Node n);
    int pool(OpKind kind, int in, const std::string& name, int k, int stride, PadMode mode, int pad);
    void set_window(Node& n, int in, int kh, int kw, int stride, int dilation, PadMode mode, int pad);
    void apply_window(Node& n, int in, const Window& w);
    int push_conv(Node n, int in);
    Graph g_;
};

// A graph's conv/dense nodes, in order: the layers whose weights the crossbars hold.
std::vector<const Node*> weight_layers(const Graph& g);

// Rows of the lowered weight matrix: kh*kw*cin/groups (cin fastest); columns: cout.
int matrix_rows(const Graph& g, const Node& n);

}  // namespace reshare::models
