#include "reshare/hw/modules/job_format.hpp"

#include "reshare/kernels/int8.hpp"

#include <algorithm>
#include <string>

namespace reshare::hw {

const char* to_string(OpCode op) {
    static const char* const names[] = {"weight_layer", "max_pool", "avg_pool", "add", "copy_channels", "zero_pad", "clamp",
                                        "lookup", "mul"};
    static_assert(sizeof names / sizeof names[0] == size_t(OpCode::Count), "a name per op code");
    return op < OpCode::Count ? names[int(op)] : "unknown";
}

UnitCounters unit_counters(const OpRecord& r) {
    UnitCounters c;
    c.ou_activations = r.ou_activations;
    c.adc_conversions = r.adc_conversions;
    c.block_writes = r.block_writes;
    c.index_reram_reads = r.index_reram_reads;
    c.adds = r.adds;
    for (int b = 0; b < int(Buffer::Count); ++b) c.reads[b] = r.buffer_reads[b], c.writes[b] = r.buffer_writes[b];
    return c;
}

PeripheryCounters periphery_counters(const OpRecord& r) {
    return {r.global_buffer_accesses, r.accumulations, double(r.pooling_ns)};
}

void add_record(OpRecord& sum, const OpRecord& r) {
    // Every field is a u64 count: add them as an array.
    static_assert(sizeof(OpRecord) % sizeof(uint64_t) == 0, "OpRecord holds only u64 fields");
    auto* s = reinterpret_cast<uint64_t*>(&sum);
    const auto* x = reinterpret_cast<const uint64_t*>(&r);
    for (size_t i = 0; i < sizeof(OpRecord) / sizeof(uint64_t); ++i) s[i] += x[i];
}

OpGeometry geometry_of(const OpDescriptor& d) {
    return {d.kh, d.kw, d.stride_h, d.stride_w, d.pad_top, d.pad_left, d.dil_h, d.dil_w, int(d.groups),
            models::Shape{int(d.in_h), int(d.in_w), int(d.in_c)}, models::Shape{int(d.out_h), int(d.out_w), int(d.out_c)}};
}

namespace {

// Bounds that keep every size the controller and the kernels derive from a descriptor in range (int plane
// coordinates, int32 window sums, buffers a host can allocate) while admitting any real network's layers: the
// largest tensor of the zoo's networks is VGG16's 224 x 224 x 64 = 3.2 M values, its largest im2col VGG16's
// conv1_2 (50176 vectors of 576 values, 29 M).
constexpr uint64_t kMaxDim = 65535;                  // a plane side or a channel count
constexpr uint64_t kMaxElements = uint64_t(1) << 28; // values in one tensor (256 MiB of int8)
constexpr uint64_t kMaxWindowValues = uint64_t(1) << 31;  // a weight layer's im2col values; a pool's window taps
constexpr uint64_t kMaxPoolTaps = (uint64_t(1) << 31) / 128;  // an average's int32 sum of int8 values cannot overflow

// "" when one axis of a window fits its input: the window's extent and the last window's origin lie within the
// padded input, with the far side padded by at most the near side's pad plus one stride (SAME pads the far side
// at most one more than the near side; a ceil-mode pool's last window may start up to a stride further).
std::string check_axis(const char* axis, uint64_t in, uint64_t out, uint64_t k, uint64_t stride, uint64_t dil, uint64_t pad) {
    const uint64_t extent = dil * (k - 1) + 1, padded = in + 2 * pad + stride;
    if (extent > padded)
        return std::string("has a window spanning ") + std::to_string(extent) + " " + axis + ", more than its padded input of " +
               std::to_string(in) + " fits";
    if ((out - 1) * stride + extent > padded)
        return std::string("has ") + std::to_string(out) + " outputs along " + axis + ", more than its window fits in an input of " + std::to_string(in);
    return "";
}

// "" when the descriptor's sizes are in the bounds above.
std::string check_sizes(const OpDescriptor& d, OpCode op) {
    for (uint64_t dim : {d.in_h, d.in_w, d.in_c, d.out_h, d.out_w, d.out_c})
        if (dim > kMaxDim) return "has a dimension of " + std::to_string(dim) + ", more than " + std::to_string(kMaxDim);
    const uint64_t in = uint64_t(d.in_h) * d.in_w * d.in_c, out = uint64_t(d.out_h) * d.out_w * d.out_c;
    if (in > kMaxElements || out > kMaxElements)
        return "has a tensor of " + std::to_string(std::max(in, out)) + " values, more than " + std::to_string(kMaxElements);
    if (op != OpCode::WeightLayer && op != OpCode::MaxPool && op != OpCode::AvgPool) return "";
    if (std::string why = check_axis("rows", d.in_h, d.out_h, d.kh, d.stride_h, d.dil_h, d.pad_top); !why.empty()) return why;
    if (std::string why = check_axis("columns", d.in_w, d.out_w, d.kw, d.stride_w, d.dil_w, d.pad_left); !why.empty()) return why;
    const uint64_t taps = uint64_t(d.kh) * d.kw;
    if (op == OpCode::AvgPool && taps > kMaxPoolTaps)
        return "averages " + std::to_string(taps) + " values per window, more than " + std::to_string(kMaxPoolTaps);
    const uint64_t window_values = op == OpCode::WeightLayer ? uint64_t(d.out_h) * d.out_w * taps * d.in_c : out * taps;
    if (window_values > kMaxWindowValues)
        return "reads " + std::to_string(window_values) + " window values, more than " + std::to_string(kMaxWindowValues);
    return "";
}

// What each op needs of its shapes and parameters; "" when it has it.
std::string check_op(const OpDescriptor& d, OpCode op) {
    const bool same_plane = d.in_h == d.out_h && d.in_w == d.out_w;
    const bool same_shape = same_plane && d.in_c == d.out_c;
    auto params = [&](uint32_t n) {
        return d.params_count == n ? "" : "needs " + std::to_string(n) + " requantization entries, has " +
                                              std::to_string(d.params_count);
    };
    switch (op) {
        case OpCode::WeightLayer:
            if (d.groups == 0 || d.in_c % d.groups || d.out_c % d.groups) return "groups do not divide the channels";
            if (d.image_addr == 0 || d.image_bytes == 0) return "has no layer image";
            return params(d.out_c);
        case OpCode::MaxPool: return d.in_c == d.out_c ? "" : "changes the channel count";
        case OpCode::AvgPool: return d.in_c == d.out_c ? params(1) : "changes the channel count";
        case OpCode::Add:
            if (!same_shape) return "has operands and output of different shapes";
            return d.src0 && !d.src1 ? "has no second operand" : params(2);
        case OpCode::CopyChannels:
            if (!same_plane || d.channel_offset + uint64_t(d.in_c) > d.out_c) return "copies outside its output";
            return params(1);
        case OpCode::ZeroPad:
            if (d.out_c < d.in_c || d.pad_top + uint64_t(d.in_h) > d.out_h || d.pad_left + uint64_t(d.in_w) > d.out_w)
                return "pads to a smaller tensor";
            return "";
        case OpCode::Clamp: return same_shape ? "" : "changes the shape";
        case OpCode::Lookup:
            if (!same_shape) return "changes the shape";
            return d.params_count == uint32_t(kernels::kTableEntries)
                       ? ""
                       : "needs a table of " + std::to_string(kernels::kTableEntries) + " entries, has " + std::to_string(d.params_count);
        case OpCode::Mul:
            if (!same_shape) return "has an operand and output of different shapes";
            return d.src0 && !d.src1 ? "has no second operand" : params(1);
        default: return "unknown op";
    }
}

}  // namespace

std::string check_descriptor(const OpDescriptor& d) {
    const OpCode op = OpCode(d.op);
    if (op >= OpCode::Count) return "op code " + std::to_string(d.op) + " is unknown";
    std::string why;
    if (!d.in_h || !d.in_w || !d.in_c || !d.out_h || !d.out_w || !d.out_c) why = "has an empty tensor";
    else if (!d.kh || !d.kw || !d.stride_h || !d.stride_w || !d.dil_h || !d.dil_w) why = "has a zero window size or step";
    else if (d.clamp_lo > d.clamp_hi || d.clamp_lo < -127 || d.clamp_hi > 127) why = "has a clamp outside int8";
    else if (d.src0 && !d.dst) why = "has no output address";
    else if (why = check_sizes(d, op); why.empty()) why = check_op(d, op);
    return why.empty() ? "" : std::string(to_string(op)) + " op " + why;
}

std::string check_layer_fits(const OpDescriptor& d, const LayerGeometry& g) {
    if (uint64_t(d.kh) * d.kw * d.in_c != uint64_t(g.groups) * g.rows || d.out_c != uint32_t(g.cols) ||
        d.groups != uint32_t(g.groups))
        return "weight_layer op's window (" + std::to_string(d.kh) + "x" + std::to_string(d.kw) + "x" +
               std::to_string(d.in_c) + " -> " + std::to_string(d.out_c) + ", " + std::to_string(d.groups) +
               " groups) does not fit its layer image (" + std::to_string(g.rows) + " rows x " +
               std::to_string(g.cols) + " columns, " + std::to_string(g.groups) + " groups)";
    return "";
}

OpDescriptor timing_only_layer(uint64_t image_addr, uint32_t image_bytes, const LayerGeometry& g, uint32_t vectors) {
    OpDescriptor d;
    d.op = uint32_t(OpCode::WeightLayer);
    d.image_addr = image_addr;
    d.image_bytes = image_bytes;
    d.groups = uint32_t(g.groups);
    d.in_h = d.out_h = vectors;   // vectors positions of a 1x1 conv
    d.in_w = d.out_w = 1;
    d.in_c = uint32_t(g.groups * g.rows);
    d.out_c = uint32_t(g.cols);
    d.params_count = d.out_c;
    return d;
}

}  // namespace reshare::hw
