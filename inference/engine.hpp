// Reference inference of a model's graph: a float executor and an int8 executor that share one graph walk.
//
// The int8 path is the arithmetic the accelerator performs: int8 activations (symmetric, zero point 0), weights
// quantized by reshare::quantize exactly as the offline pass stores them, integer matrix-vector products of
// im2col vectors (through a replaceable MVM callback), and fixed-point requantization (kernels/int8.hpp) to
// scales calibrated on a float run. Every node's output, and every weight layer's accumulators, are returned so
// a hardware model can be compared with it node by node.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/kernels/int8.hpp"
#include "reshare/models/model.hpp"
#include "reshare/offline/quantize.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace reshare::inference {

// A float activation tensor, NHWC with batch 1.
struct Tensor {
    int h = 0, w = 0, c = 0;
    std::vector<float> data;
};

// Every node's output (index = node index; node 0 is the input). Throws Error for a model without a graph
// or an input of the wrong size.
std::vector<Tensor> run_float(const models::Model& model, const std::vector<float>& input);
// The same, handing each weight layer's float weights (Model::matrix) to `weights` once the layer has used them:
// a caller that also quantizes them (QuantizedModel) makes them once, not twice (a synthetic VGG16's are 138 M
// generated samples, 0.55 GB).
using FloatWeightsFn = std::function<void(size_t layer, const std::vector<float>& weights)>;
std::vector<Tensor> run_float(const models::Model& model, const std::vector<float>& input, const FloatWeightsFn& weights);

// One scale per node: max|float output| / 127 (1 for an all-zero output); node 0 is the input tensor.
struct Calibration {
    std::vector<double> scale;
};
Calibration calibrate(const models::Model& model, const std::vector<float>& input);
Calibration calibrate(const std::vector<Tensor>& float_outputs);   // from a float run already made

// An int8 activation tensor: value ~= q * scale.
struct QTensor {
    int h = 0, w = 0, c = 0;
    double scale = 1;
    std::vector<int8_t> q;
};

// The integer products of one weight layer: acc[v * cols + j] for output position v (row-major over the
// output plane; 1 for dense) and matrix column j.
struct LayerAccumulators {
    int node = 0;        // graph node of the layer
    int n_vectors = 0;
    int cols = 0;
    std::vector<int64_t> acc;
};

struct IntResult {
    std::vector<QTensor> nodes;               // index = node index
    std::vector<LayerAccumulators> layers;    // index = Model::layers index
};

// Computes acc[v * w.cols + j] = sum_h w.q[h][j] * vectors[v * groups*rows + group(j)*rows + h] for
// v < n_vectors. `acc` arrives sized n_vectors * w.cols and zeroed. layer_index is the Model::layers index.
// The vectors are the layer's int8 activations, im2col'ed as they are: a quarter of the memory of int32 ones.
using MvmFn = std::function<void(size_t layer_index, const QuantizedMatrix& w, const std::vector<int8_t>& vectors,
                                 int n_vectors, std::vector<int64_t>& acc)>;

// The default MvmFn's product: exact for any int32 input, fast for int8-range inputs (int8 vectors always are).
void integer_mvm(const QuantizedMatrix& w, const std::vector<int32_t>& vectors, int n_vectors,
                 std::vector<int64_t>& acc, int threads = 0 /* 0: default_threads() */);
void integer_mvm(const QuantizedMatrix& w, const std::vector<int8_t>& vectors, int n_vectors,
                 std::vector<int64_t>& acc, int threads = 0);

// A model's weight layers quantized once (as the offline pass quantizes them) with their per-channel affines,
// for any number of integer runs. It refers to the model, which must outlive it.
class QuantizedModel {
public:
    QuantizedModel(const models::Model& model, const HwConfig& config);
    // From layers already quantized (quantize_layer; an empty one is quantized here from Model::matrix).
    QuantizedModel(const models::Model& model, const HwConfig& config, std::vector<QuantizedMatrix> weights);
    // Layer `layer`'s float weights quantized as the offline pass quantizes them.
    static QuantizedMatrix quantize_layer(const models::Model& model, size_t layer, const std::vector<float>& weights,
                                          const HwConfig& config);
    const models::Model& model() const { return *model_; }
    const QuantizedMatrix& weights(size_t layer) const { return weights_.at(layer); }
    // Per output channel: y = acc_real * mul[c] + add[c] (bias, scale layer and batch norm composed).
    const std::vector<double>& affine_mul(size_t layer) const { return mul_.at(layer); }
    const std::vector<double>& affine_add(size_t layer) const { return add_.at(layer); }

private:
    const models::Model* model_;
    std::vector<QuantizedMatrix> weights_;
    std::vector<std::vector<double>> mul_, add_;
};

// The scale of every node's int8 output: its calibrated one, or its input's where the op keeps the scale (max
// pooling, zero padding, a standalone activation).
std::vector<double> tensor_scales(const models::Graph& g, const Calibration& calibration);

// The fixed-point work of one node, exactly as the accelerator receives it (docs/registers.md): requantization
// entries (weight layer: one per output channel; average pool: one; add: two, at one shift; concat: one per
// input; channel mul: one; other ops: none), the output clamp, which carries a ReLU-family activation, and for a
// table activation (hard-swish, hard-sigmoid, sigmoid) its 256-entry table.
struct NodeRequant {
    std::vector<kernels::RequantEntry> entries;
    int lo = kernels::kInt8Min, hi = kernels::kInt8Max;
    std::vector<int8_t> table;   // output for each input value -128..127 (index value + 128)
};
// A table activation node's table for its input and output scales.
std::vector<int8_t> activation_table(const models::Node& n, double in_scale, double out_scale);
// One per graph node, from the quantized weights, their affines and the calibrated scales.
std::vector<NodeRequant> requant_program(const QuantizedModel& model, const Calibration& calibration);

IntResult run_int(const QuantizedModel& model, const Calibration& calibration, const std::vector<float>& input,
                  const MvmFn& mvm = {});
// The int8 network input (node 0 of run_int's result): `input` at the calibrated input scale.
QTensor quantize_input(const models::Graph& g, const Calibration& calibration, const std::vector<float>& input);
// Quantizes the weights (once for this run) and runs; use QuantizedModel directly for repeated runs.
IntResult run_int(const models::Model& model, const HwConfig& config, const Calibration& calibration,
                  const std::vector<float>& input, const MvmFn& mvm = {});

Tensor dequantize(const QTensor& t);
std::vector<Tensor> dequantize(const IntResult& r);

// cos(a, b) of two equally long vectors (0 when either is all zeros).
double cosine_similarity(const std::vector<float>& a, const std::vector<float>& b);

// How far a network output `a` is from a reference output `b`: their cosine similarity and, for class scores,
// whether the top-1 class agrees (the first index of the largest score).
struct OutputAgreement {
    double cosine = 0;
    int top1 = -1, reference_top1 = -1;
    bool top1_agrees() const { return top1 == reference_top1; }
};
OutputAgreement agreement(const Tensor& a, const Tensor& b);

}  // namespace reshare::inference
