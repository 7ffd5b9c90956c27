// Synthetic weights for the ImageNet models, drawn from a distribution fitted to real trained weights.
//
// Every layer's weights are i.i.d. generalized normal, GN(alpha, beta): density ~ exp(-|x/alpha|^beta).
// The shape beta is fitted to real trained kernels (face-api's face_recognition) by matching excess
// kurtosis, which captures the heavy tails that decide how much of a layer int8 quantization rounds to
// zero; `reshare fit --model face_recognition` recomputes it. The scale follows He initialization
// (std = sqrt(2 / fan_in)); symmetric quantization is scale-invariant, so alpha only matters for floats.
// Value i of a layer is a pure function of (seed, layer, i): deterministic and identical for any thread count.
#pragma once

#include <cstdint>
#include <vector>

namespace reshare::models {

// The fitted shape the zoo uses (docs/models.md gives the per-layer fits and the command).
double synthetic_shape();

// Kurtosis-matched GN shape of a sample (clamped to [0.3, 4]); throws for fewer than 16 values.
double fit_generalized_normal_shape(const std::vector<float>& w);

// `count` weights of one layer; fan_in sets the scale. `threads` only changes the speed, never the values.
std::vector<float> synthetic_weights(uint64_t seed, uint64_t layer, long count, long fan_in, double shape,
                                     int threads = 1);

}  // namespace reshare::models
