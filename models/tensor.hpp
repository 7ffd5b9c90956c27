// Named float tensors as a weight file holds them.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace reshare::models {

struct Tensor {
    std::vector<int> shape;
    std::vector<float> data;   // row-major, last dimension fastest
    long elements() const;
};

using TensorMap = std::map<std::string, Tensor>;

}  // namespace reshare::models
