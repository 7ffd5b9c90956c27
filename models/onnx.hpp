// Reader of ONNX models (.onnx) through the ONNX project's own protobuf definitions (Debian's libonnx-dev): the
// graph becomes a models::Graph (NHWC, shapes inferred and checked), its initializers the weight tensors.
//
// Convolution kernels [cout, cin/groups, kh, kw] are stored transposed to HWIO, the crossbars' row order; a Gemm or
// MatMul weight becomes [inputs, outputs], its rows permuted from ONNX's CHW flattening to the graph's HWC one.
// BatchNormalization after a Conv or Gemm folds into its channel affine, Relu and Clip(0, 6) into its activation.
// Add 3 -> Clip(0, 6) -> Mul x -> Div 6 is hard-swish (and without the Mul, hard-sigmoid), as MobileNetV3's
// exports spell them; the shape arithmetic before a Reshape (Shape, Gather, Slice, Cast, Unsqueeze, Concat of
// constants) is evaluated while reading.
// Anything else (docs/models.md lists the ops) is one line naming the node and its op, exit 2.
#pragma once

#include "reshare/models/model.hpp"

#include <string>

namespace reshare::models {

// Throws reshare::Error (exit 2) naming the file and the problem: unreadable or not ONNX, an unsupported op or
// attribute, a tensor whose shape does not fit its node, a weight that is NaN or infinite. An input whose height
// and width are symbolic takes `size` (an error naming --input-size without it); a fixed one must equal it if given.
Model load_onnx(const std::string& path, InputSize size = {});

// Writes a model with a graph as ONNX (opset 13, NCHW): kernels OIHW, dense weights [inputs, outputs] in CHW row
// order, the channel affine as Conv/Gemm bias, Mul, Add and BatchNormalization, the input's preprocessing in the
// metadata (reshare.input_mean, reshare.input_scale). load_onnx reads it back to the same graph and weights.
void save_onnx(const Model& model, const std::string& path);

}  // namespace reshare::models
