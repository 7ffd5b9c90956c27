// A network as one accelerator job (docs/registers.md): one op per graph node - a concat becomes one channel copy
// per input - with the tensors the ops read and write, the compressed layer images and the requantization entries.
// This is the driver's side of the accelerator: what a host compiles once per network and calibration.
#pragma once

#include "reshare/hw/modules/job_format.hpp"
#include "reshare/inference/engine.hpp"
#include "reshare/kernels/int8.hpp"
#include "reshare/models/graph.hpp"

#include <vector>

namespace reshare::job {

struct ProgramOp {
    hw::OpDescriptor desc;             // shapes, window, clamp; addresses are filled in when the job is loaded
    int node = -1;                     // the graph node whose output the op writes (its tensor index)
    int src0 = -1, src1 = -1;          // tensor indices read
    int layer = -1;                    // weight ops: the Model::layers index, whose image the op runs
    std::vector<kernels::RequantEntry> params;
    std::vector<int8_t> table;         // lookups: the 256-entry table, stored where params would be
};

struct Program {
    std::vector<models::Shape> tensors;      // one per graph node; tensor 0 is the network input
    std::vector<ProgramOp> ops;              // in graph order
    std::vector<std::vector<char>> images;   // encoded layer images, by Model::layers index
    std::vector<int8_t> input;               // tensor 0's values; empty: a timing-only job (no tensors move)
};

// `requant`: the reference engine's requant_program (so the accelerator requantizes exactly as the reference);
// `images`: one encoded layer image per weight layer, in Model::layers order.
Program compile(const models::Graph& g, const std::vector<inference::NodeRequant>& requant,
                std::vector<std::vector<char>> images);

// The weight-layer op of Model::layers index `layer`.
size_t op_of_layer(const Program& p, int layer);

}  // namespace reshare::job
