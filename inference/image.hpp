// Photos in, network inputs out: decoding, resizing and the model's input normalization.
#pragma once

#include "reshare/models/graph.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace reshare::inference {

// An RGB image, HWC, values 0..255.
struct Image {
    int h = 0, w = 0;
    std::vector<float> rgb;
};

// Decodes a JPEG or PNG file. A missing, unreadable, non-JPEG/PNG or truncated file throws a one-line
// reshare::Error naming the file.
Image load_image(const std::string& path);

// Bilinear resize with half-pixel centers and no antialiasing: tf.image.resize(method='bilinear'), i.e.
// align_corners=False, half_pixel_centers=True; or with aligned corners (corner pixels map onto corner pixels).
Image resize_bilinear(const Image& img, int h, int w, bool align_corners = false);

// The graph's input tensor (NHWC) for a photo: resized to the input plane, channels ordered, then
// (pixel - mean[c]) * scale / std[c] (models::InputNorm).
std::vector<float> network_input(const Image& img, const models::Graph& g);

// A smooth random picture (a few low-frequency waves per channel), a stand-in photo for models that have none;
// the same seed gives the same image on every machine.
Image synthetic_image(int h, int w, uint64_t seed);

}  // namespace reshare::inference
