#include "reshare/job/program.hpp"

#include "reshare/common/error.hpp"

namespace reshare::job {
namespace {

using models::OpKind;

// Shapes and window of a node that reads tensor `in`.
hw::OpDescriptor descriptor(hw::OpCode op, const models::Node& n, const models::Shape& in,
                            const inference::NodeRequant& r) {
    hw::OpDescriptor d;
    d.op = uint32_t(op);
    d.clamp_lo = r.lo;
    d.clamp_hi = r.hi;
    d.in_h = uint32_t(in.h), d.in_w = uint32_t(in.w), d.in_c = uint32_t(in.c);
    d.out_h = uint32_t(n.out.h), d.out_w = uint32_t(n.out.w), d.out_c = uint32_t(n.out.c);
    d.kh = uint16_t(n.kh), d.kw = uint16_t(n.kw), d.stride_h = uint16_t(n.stride_h), d.stride_w = uint16_t(n.stride_w);
    d.dil_h = uint16_t(n.dil_h), d.dil_w = uint16_t(n.dil_w), d.pad_top = uint16_t(n.pad_top), d.pad_left = uint16_t(n.pad_left);
    d.groups = uint32_t(n.groups);
    if (n.kind == OpKind::Dense) {   // a conv whose kernel is the whole input
        d.kh = uint16_t(in.h), d.kw = uint16_t(in.w);
        d.stride_h = d.stride_w = d.dil_h = d.dil_w = 1;
        d.pad_top = d.pad_left = 0;
    }
    return d;
}

hw::OpCode op_of(OpKind k, models::Activation act) {
    switch (k) {
        case OpKind::Conv2d:
        case OpKind::Dense: return hw::OpCode::WeightLayer;
        case OpKind::MaxPool: return hw::OpCode::MaxPool;
        case OpKind::AvgPool:
        case OpKind::GlobalAvgPool: return hw::OpCode::AvgPool;
        case OpKind::Add: return hw::OpCode::Add;
        case OpKind::Concat: return hw::OpCode::CopyChannels;
        case OpKind::ZeroPad: return hw::OpCode::ZeroPad;
        case OpKind::Activation: return models::is_clamp(act) ? hw::OpCode::Clamp : hw::OpCode::Lookup;
        case OpKind::Mul: return hw::OpCode::Mul;
        default: return hw::OpCode::Count;
    }
}

}  // namespace

Program compile(const models::Graph& g, const std::vector<inference::NodeRequant>& requant,
                std::vector<std::vector<char>> images) {
    if (requant.size() != g.nodes.size()) throw Error("compile: requantization program does not match the graph");
    Program p;
    p.images = std::move(images);
    int layer = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const models::Node& n = g.nodes[i];
        p.tensors.push_back(n.out);
        if (n.kind == OpKind::Input) continue;
        const inference::NodeRequant& r = requant[i];
        const hw::OpCode code = op_of(n.kind, n.act);
        // A concat: one copy per input into its channel range, each with its own requantization.
        const size_t parts = n.kind == OpKind::Concat ? n.inputs.size() : 1;
        uint32_t offset = 0;
        for (size_t k = 0; k < parts; ++k) {
            ProgramOp op;
            op.node = int(i);
            op.src0 = n.inputs.at(k);
            op.src1 = n.kind == OpKind::Add || n.kind == OpKind::Mul ? n.inputs.at(1) : -1;
            op.desc = descriptor(code, n, g.nodes[size_t(op.src0)].out, r);
            if (code == hw::OpCode::CopyChannels) {
                op.desc.channel_offset = offset;
                offset += op.desc.in_c;
                op.params = {r.entries.at(k)};
            } else {
                op.params = r.entries;
            }
            if (code == hw::OpCode::WeightLayer) {
                op.layer = layer++;
                if (size_t(op.layer) >= p.images.size()) throw Error("compile: fewer layer images than weight layers");
            }
            op.table = r.table;
            op.desc.params_count = uint32_t(code == hw::OpCode::Lookup ? op.table.size() : op.params.size());
            p.ops.push_back(std::move(op));
        }
    }
    if (size_t(layer) != p.images.size()) throw Error("compile: more layer images than weight layers");
    return p;
}

size_t op_of_layer(const Program& p, int layer) {
    for (size_t i = 0; i < p.ops.size(); ++i)
        if (p.ops[i].layer == layer) return i;
    throw Error("program has no weight layer " + std::to_string(layer));
}

}  // namespace reshare::job
