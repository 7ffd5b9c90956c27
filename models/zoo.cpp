#include "reshare/models/zoo.hpp"

#include "reshare/common/error.hpp"

#include <array>

namespace reshare::models {
namespace {

constexpr Activation kRelu = Activation::Relu;
constexpr Activation kNone = Activation::None;
constexpr Activation kRelu6 = Activation::Relu6;

// Caffe/PyTorch-style convolution: square kernel, symmetric explicit padding.
ConvSpec padded(int cout, int k, int stride, int pad, Activation act = kRelu, int groups = 1) {
    ConvSpec s;
    s.cout = cout;
    s.k = k;
    s.stride = stride;
    s.pad = pad;
    s.act = act;
    s.groups = groups;
    return s;
}

// TF-style convolution: SAME or VALID padding.
ConvSpec tf_conv(int cout, int k, int stride, PadMode mode, Activation act, int groups = 1) {
    ConvSpec s = padded(cout, k, stride, -1, act, groups);
    s.mode = mode;
    return s;
}

// The synthetic ImageNet models see inputs of roughly unit variance: ImageNet channel means, and the
// mean of the three channel standard deviations (58.395, 57.12, 57.375) as the one scale InputNorm has.
InputNorm imagenet_norm() {
    InputNorm n;
    n.mean = {123.675f, 116.28f, 103.53f};
    n.scale = 1.f / 57.63f;
    return n;
}

// ---- AlexNet (Caffe BVLC reference: grouped conv2/4/5, as split over two GPUs in the paper) ----

// The ImageNet classifiers end in 1000 class scores.
Graph classifier(Graph g) {
    g.classifies = true;
    return g;
}

Graph alexnet() {
    GraphBuilder b("alexnet", Shape{227, 227, 3}, imagenet_norm());
    int x = b.conv(0, "conv1", padded(96, 11, 4, 0));
    x = b.max_pool(x, "pool1", 3, 2, PadMode::Valid);
    x = b.conv(x, "conv2", padded(256, 5, 1, 2, kRelu, 2));
    x = b.max_pool(x, "pool2", 3, 2, PadMode::Valid);
    x = b.conv(x, "conv3", padded(384, 3, 1, 1));
    x = b.conv(x, "conv4", padded(384, 3, 1, 1, kRelu, 2));
    x = b.conv(x, "conv5", padded(256, 3, 1, 1, kRelu, 2));
    x = b.max_pool(x, "pool5", 3, 2, PadMode::Valid);
    x = b.dense(x, "fc6", 4096, kRelu);
    x = b.dense(x, "fc7", 4096, kRelu);
    b.dense(x, "fc8", 1000, kNone);
    return classifier(std::move(b).build());
}

// ---- VGG16 (configuration D) ----

Graph vgg16() {
    GraphBuilder b("vgg16", Shape{224, 224, 3}, imagenet_norm());
    const std::array<std::array<int, 3>, 5> stages{{{64, 64, 0}, {128, 128, 0}, {256, 256, 256},
                                                    {512, 512, 512}, {512, 512, 512}}};
    int x = 0;
    for (size_t s = 0; s < stages.size(); ++s) {
        const std::string stage = "conv" + std::to_string(s + 1);
        for (size_t i = 0; i < stages[s].size() && stages[s][i]; ++i)
            x = b.conv(x, stage + "_" + std::to_string(i + 1), padded(stages[s][i], 3, 1, 1));
        x = b.max_pool(x, "pool" + std::to_string(s + 1), 2, 2, PadMode::Valid);
    }
    x = b.dense(x, "fc6", 4096, kRelu);
    x = b.dense(x, "fc7", 4096, kRelu);
    b.dense(x, "fc8", 1000, kNone);
    return classifier(std::move(b).build());
}

// ---- ResNet-50 v1.5 (torchvision): the stride sits on the 3x3 conv, batch norm folded away ----

int bottleneck(GraphBuilder& b, int x, const std::string& name, int width, int stride, bool project) {
    int y = b.conv(x, name + "/conv1", padded(width, 1, 1, 0));
    y = b.conv(y, name + "/conv2", padded(width, 3, stride, 1));
    y = b.conv(y, name + "/conv3", padded(4 * width, 1, 1, 0, kNone));
    const int shortcut = project ? b.conv(x, name + "/downsample", padded(4 * width, 1, stride, 0, kNone)) : x;
    return b.add(y, shortcut, name + "/add", kRelu);
}

Graph resnet50() {
    GraphBuilder b("resnet50", Shape{224, 224, 3}, imagenet_norm());
    int x = b.conv(0, "conv1", padded(64, 7, 2, 3));
    x = b.max_pool(x, "maxpool", 3, 2, PadMode::Valid, 1);
    const std::array<int, 4> blocks{3, 4, 6, 3};
    for (int s = 0; s < 4; ++s)
        for (int i = 0; i < blocks[s]; ++i) {
            const std::string name = "layer" + std::to_string(s + 1) + "." + std::to_string(i);
            x = bottleneck(b, x, name, 64 << s, s > 0 && i == 0 ? 2 : 1, i == 0);
        }
    x = b.global_avg_pool(x, "avgpool");
    b.dense(x, "fc", 1000, kNone);
    return classifier(std::move(b).build());
}

// ---- ResNet-18 (He et al. 2016, Table 1; torchvision layout): two 3x3 convs per basic block, batch norm folded ----

int basic_block(GraphBuilder& b, int x, const std::string& name, int width, int stride, bool project) {
    int y = b.conv(x, name + "/conv1", padded(width, 3, stride, 1));
    y = b.conv(y, name + "/conv2", padded(width, 3, 1, 1, kNone));
    const int shortcut = project ? b.conv(x, name + "/downsample", padded(width, 1, stride, 0, kNone)) : x;
    return b.add(y, shortcut, name + "/add", kRelu);
}

Graph resnet18() {
    GraphBuilder b("resnet18", Shape{224, 224, 3}, imagenet_norm());
    int x = b.conv(0, "conv1", padded(64, 7, 2, 3));
    x = b.max_pool(x, "maxpool", 3, 2, PadMode::Valid, 1);
    for (int s = 0; s < 4; ++s)
        for (int i = 0; i < 2; ++i) {
            const std::string name = "layer" + std::to_string(s + 1) + "." + std::to_string(i);
            x = basic_block(b, x, name, 64 << s, s > 0 && i == 0 ? 2 : 1, s > 0 && i == 0);
        }
    x = b.global_avg_pool(x, "avgpool");
    b.dense(x, "fc", 1000, kNone);
    return classifier(std::move(b).build());
}

// ---- GoogLeNet (Inception v1, Szegedy et al. 2014, Table 1), without auxiliary classifiers and LRN ----

struct InceptionWidths {
    const char* name;
    int c1x1, reduce3, c3x3, reduce5, c5x5, pool_proj;
};

int inception(GraphBuilder& b, int x, const InceptionWidths& w) {
    const std::string p = std::string("inception_") + w.name + "/";
    const int b1 = b.conv(x, p + "1x1", padded(w.c1x1, 1, 1, 0));
    int b2 = b.conv(x, p + "3x3_reduce", padded(w.reduce3, 1, 1, 0));
    b2 = b.conv(b2, p + "3x3", padded(w.c3x3, 3, 1, 1));
    int b3 = b.conv(x, p + "5x5_reduce", padded(w.reduce5, 1, 1, 0));
    b3 = b.conv(b3, p + "5x5", padded(w.c5x5, 5, 1, 2));
    int b4 = b.max_pool(x, p + "pool", 3, 1, PadMode::Same);
    b4 = b.conv(b4, p + "pool_proj", padded(w.pool_proj, 1, 1, 0));
    return b.concat({b1, b2, b3, b4}, p + "output");
}

Graph googlenet() {
    static const InceptionWidths kTable1[] = {
        {"3a", 64, 96, 128, 16, 32, 32},     {"3b", 128, 128, 192, 32, 96, 64},
        {"4a", 192, 96, 208, 16, 48, 64},    {"4b", 160, 112, 224, 24, 64, 64},
        {"4c", 128, 128, 256, 24, 64, 64},   {"4d", 112, 144, 288, 32, 64, 64},
        {"4e", 256, 160, 320, 32, 128, 128}, {"5a", 256, 160, 320, 32, 128, 128},
        {"5b", 384, 192, 384, 48, 128, 128},
    };
    GraphBuilder b("googlenet", Shape{224, 224, 3}, imagenet_norm());
    int x = b.conv(0, "conv1/7x7_s2", padded(64, 7, 2, 3));
    x = b.max_pool(x, "pool1/3x3_s2", 3, 2, PadMode::Same);
    x = b.conv(x, "conv2/3x3_reduce", padded(64, 1, 1, 0));
    x = b.conv(x, "conv2/3x3", padded(192, 3, 1, 1));
    x = b.max_pool(x, "pool2/3x3_s2", 3, 2, PadMode::Same);
    for (const InceptionWidths& w : kTable1) {
        // A stride-2 pool halves the plane before stages 4 and 5 (after 3b and 4e).
        const std::string stage = w.name;
        if (stage == "4a" || stage == "5a")
            x = b.max_pool(x, stage == "4a" ? "pool3/3x3_s2" : "pool4/3x3_s2", 3, 2, PadMode::Same);
        x = inception(b, x, w);
    }
    x = b.global_avg_pool(x, "pool5/7x7_s1");
    b.dense(x, "loss3/classifier", 1000, kNone);
    return classifier(std::move(b).build());
}

// ---- face_recognition: @vladmandic/face-api FaceRecognitionNet (a dlib-style ResNet-34 variant) ----

// convLayer of face-api: conv + bias, then the scale layer; node and tensor names share the prefix.
int face_conv(GraphBuilder& b, int x, const std::string& prefix, int cout, int k, int stride, PadMode mode,
              Activation act) {
    ChannelAffine affine;
    affine.bias = prefix + "/conv/bias";
    affine.mul = prefix + "/scale/weights";
    affine.add = prefix + "/scale/biases";
    return b.conv(x, prefix, tf_conv(cout, k, stride, mode, act), prefix + "/conv/filters", affine);
}

int residual(GraphBuilder& b, int x, const std::string& p) {
    const int c = b.shape(x).c;
    int y = face_conv(b, x, p + "/conv1", c, 3, 1, PadMode::Same, kRelu);
    y = face_conv(b, y, p + "/conv2", c, 3, 1, PadMode::Same, kNone);
    return b.add(y, x, p + "/add", kRelu);
}

// face-api's residualDown matches the shortcut to the strided path by padding, not by a projection:
// one zero row and column on the conv path when VALID striding lost one, zero channels on the shortcut.
int residual_down(GraphBuilder& b, int x, const std::string& p, int cout) {
    int y = face_conv(b, x, p + "/conv1", cout, 3, 2, PadMode::Valid, kRelu);
    y = face_conv(b, y, p + "/conv2", cout, 3, 1, PadMode::Same, kNone);
    int pooled = b.avg_pool(x, p + "/pool", 2, 2, PadMode::Valid);
    if (b.shape(pooled).h != b.shape(y).h || b.shape(pooled).w != b.shape(y).w)
        y = b.zero_pad(y, p + "/pad", 1, 1, 0);
    if (b.shape(pooled).c != cout) pooled = b.zero_pad(pooled, p + "/pool_pad", 0, 0, cout - b.shape(pooled).c);
    return b.add(y, pooled, p + "/add", kRelu);
}

Graph face_recognition() {
    InputNorm norm;
    norm.mean = {122.782f, 117.001f, 104.298f};
    norm.scale = 1.f / 255.f;
    GraphBuilder b("face_recognition", Shape{150, 150, 3}, norm);
    int x = face_conv(b, 0, "conv32_down", 32, 7, 2, PadMode::Valid, kRelu);
    x = b.max_pool(x, "pool", 3, 2, PadMode::Valid);
    for (const char* p : {"conv32_1", "conv32_2", "conv32_3"}) x = residual(b, x, p);
    x = residual_down(b, x, "conv64_down", 64);
    for (const char* p : {"conv64_1", "conv64_2", "conv64_3"}) x = residual(b, x, p);
    x = residual_down(b, x, "conv128_down", 128);
    for (const char* p : {"conv128_1", "conv128_2"}) x = residual(b, x, p);
    x = residual_down(b, x, "conv256_down", 256);
    for (const char* p : {"conv256_1", "conv256_2"}) x = residual(b, x, p);
    x = residual_down(b, x, "conv256_down_out", 256);
    x = b.global_avg_pool(x, "global_avg");
    b.dense(x, "fc", 128, kNone, "fc");
    return std::move(b).build();
}

// ---- ssd_mobilenetv1: the MobileNetV1 backbone of face-api's SsdMobilenetv1 (box predictors left out) ----

Graph ssd_mobilenetv1() {
    // face-api computes pixel / 127.5 - 1; (pixel - 127.5) * float(1/127.5) differs by under 1e-7.
    InputNorm norm;
    norm.mean = {127.5f, 127.5f, 127.5f};
    norm.scale = 0.007843137718737125f;
    GraphBuilder b("ssd_mobilenetv1", Shape{512, 512, 3}, norm);
    const std::string p0 = "MobilenetV1/Conv2d_0_pointwise";
    ChannelAffine a0;
    a0.bias = p0 + "/convolution_bn_offset";
    int x = b.conv(0, p0, tf_conv(32, 3, 2, PadMode::Same, kRelu6), p0 + "/weights", a0);
    const std::array<int, 13> widths{64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    for (int i = 1; i <= 13; ++i) {
        const std::string dw = "MobilenetV1/Conv2d_" + std::to_string(i) + "_depthwise";
        const std::string pw = "MobilenetV1/Conv2d_" + std::to_string(i) + "_pointwise";
        const int cin = b.shape(x).c, stride = (i == 2 || i == 4 || i == 6 || i == 12) ? 2 : 1;
        ChannelAffine bn;
        bn.bn_mean = dw + "/BatchNorm/moving_mean";
        bn.bn_var = dw + "/BatchNorm/moving_variance";
        bn.bn_gamma = dw + "/BatchNorm/gamma";
        bn.bn_beta = dw + "/BatchNorm/beta";
        bn.bn_eps = 0.0010000000474974513f;
        x = b.conv(x, dw, tf_conv(cin, 3, stride, PadMode::Same, kRelu6, cin), dw + "/depthwise_weights", bn);
        ChannelAffine offset;
        offset.bias = pw + "/convolution_bn_offset";
        x = b.conv(x, pw, tf_conv(widths[i - 1], 1, 1, PadMode::Same, kRelu6), pw + "/weights", offset);
    }
    return std::move(b).build();
}

struct ZooModel {
    ZooEntry entry;
    Graph (*build)();
};

const std::vector<ZooModel>& models() {
    static const std::vector<ZooModel> all{
        {{"alexnet",
          "AlexNet (Krizhevsky 2012, Caffe BVLC layout with grouped conv2/4/5), 227x227x3, LRN omitted; "
          "synthetic weights",
          ""},
         alexnet},
        {{"vgg16", "VGG16 (Simonyan & Zisserman 2014, configuration D), 224x224x3; synthetic weights", ""}, vgg16},
        {{"resnet50",
          "ResNet-50 v1.5 (torchvision: stride on the 3x3 conv), 224x224x3, batch norm folded; synthetic weights",
          ""},
         resnet50},
        {{"resnet18", "ResNet-18 (He et al. 2016, torchvision layout), 224x224x3, batch norm folded; synthetic weights "
                      "(SME's Fig. 8 network)",
          ""},
         resnet18},
        {{"googlenet",
          "GoogLeNet / Inception v1 (Szegedy 2014, Table 1), 224x224x3, no auxiliary classifiers, LRN omitted; "
          "synthetic weights",
          ""},
         googlenet},
        {{"face_recognition",
          "FaceRecognitionNet, 150x150x3 face crop to a 128-d descriptor; real weights, @vladmandic/face-api 1.7.15",
          "face_recognition_model-weights_manifest.json"},
         face_recognition},
        {{"ssd_mobilenetv1",
          "MobileNetV1 backbone of the SSD face detector, 512x512x3 (box predictors omitted); real weights, "
          "@vladmandic/face-api 1.7.15",
          "ssd_mobilenetv1_model-weights_manifest.json"},
         ssd_mobilenetv1},
    };
    return all;
}

}  // namespace

const std::vector<ZooEntry>& zoo() {
    static const std::vector<ZooEntry> entries = [] {
        std::vector<ZooEntry> out;
        for (const ZooModel& m : models()) out.push_back(m.entry);
        return out;
    }();
    return entries;
}

const ZooEntry* find_zoo(const std::string& name) {
    for (const ZooEntry& e : zoo())
        if (e.name == name) return &e;
    return nullptr;
}

Graph zoo_graph(const std::string& name) {
    std::string known;
    for (const ZooModel& m : models()) {
        if (m.entry.name == name) return m.build();
        known += (known.empty() ? "" : ", ") + m.entry.name;
    }
    throw Error("unknown model '" + name + "' (known: " + known + ")");
}

}  // namespace reshare::models
