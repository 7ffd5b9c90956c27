#include "reshare/models/tensor.hpp"

namespace reshare::models {

// A scalar has an empty shape and still holds one value.
long Tensor::elements() const {
    long n = 1;
    for (int d : shape) n *= d;
    return n;
}

}  // namespace reshare::models
