// CR2's learning step (the poster's SL): profile every weight layer's input patterns on learning images through the
// reference int8 network, then allocate the input-pattern buffer across layers (schemes/cr2/allocation.hpp) and give
// each layer its entries. The allocation is saved so a run on test images (ST) can use it.
#pragma once

#include "reshare/inference/engine.hpp"
#include "reshare/offline/compressed_layer.hpp"
#include "reshare/schemes/cr2/allocation_file.hpp"

#include <string>
#include <vector>

namespace reshare::cli {

// The images of a comma-separated list of files and folders (a folder: its .jpg, .jpeg and .png files, sorted).
std::vector<std::string> image_list(const std::string& spec, const std::string& option = "--learn");

// Profiles the learning images and allocates config.cr2_buffer_bytes over the cr2 layers.
cr2::Allocation learn_allocation(const models::Model& model, const HwConfig& config, const inference::QuantizedModel& quantized,
                                 const std::vector<CompressedLayer>& layers, const std::vector<std::string>& images, int threads);

// The layers with the allocation's entries; an allocation made for other layers is a one-line error naming `where`.
void apply_allocation(const cr2::Allocation& a, const std::string& where, std::vector<CompressedLayer>& layers);

}  // namespace reshare::cli
