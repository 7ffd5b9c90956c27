#include "reshare/hw/modules/job_format.hpp"

namespace reshare::hw {

const char* to_string(OpCode op) {
    static const char* const names[] = {"weight_layer", "max_pool", "avg_pool", "add", "copy_channels", "zero_pad", "clamp"};
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
    else why = check_op(d, op);
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
