#include "reshare/hw/timing/energy.hpp"

namespace reshare::hw {

double EnergyBreakdown::total() const {
    double t = 0;
    for (const auto& kv : pj) t += kv.second;
    return t;
}

double EnergyBreakdown::leakage() const {
    for (const auto& kv : pj)
        if (kv.first == "leakage") return kv.second;
    return 0;
}

double leaking_cu_ns(const HwConfig& c, double time_ns, int chip_cus, int occupied_cus, double busy_cu_ns) {
    switch (c.leakage_scope) {
        case LeakageScope::Chip: return time_ns * chip_cus;
        case LeakageScope::Occupied: return time_ns * occupied_cus;
        case LeakageScope::Busy: return busy_cu_ns;
    }
    return 0;
}

void EnergyBreakdown::add(const EnergyBreakdown& o) {
    if (pj.empty()) {
        pj = o.pj;
        return;
    }
    for (size_t i = 0; i < pj.size(); ++i) pj[i].second += o.pj[i].second;
}

EnergyBreakdown energy(const HwConfig& c, const UnitCounters& n, double leak_cu_ns, const PeripheryCounters& p) {
    const double t_conv = c.adc_conversion_ns();
    // One activation (one input bit of one OU) keeps its array, DACs and S+H busy while its columns convert.
    const double t_activation = c.ou_cols * t_conv / (c.cu_adcs / c.cu_arrays);
    const double activations = double(n.ou_activations), conversions = double(n.adc_conversions);
    uint64_t accesses = 0;
    for (int b = 0; b < int(Buffer::Count); ++b) accesses += n.reads[b] + n.writes[b];
    EnergyBreakdown e;
    e.pj = {
        {"adc", conversions * (c.adc_mw / c.cu_adcs) * t_conv},
        {"dac", activations * c.ou_rows * (c.dac_mw / c.cu_dacs) * t_activation},
        {"crossbar", activations * (c.arrays_mw / c.cu_arrays) * t_activation},
        {"sample_hold", activations * c.ou_cols * (c.sample_hold_mw / c.cu_sample_holds) * t_activation},
        {"shift_add", conversions * (c.shift_add_mw / c.cu_shift_adds) * t_conv},
        {"buffers", double(accesses) * c.buffer_access_pj},
        {"index_reram", double(n.index_reram_reads) * c.reram_index_read_pj},
        {"adders", double(n.adds) * c.rs_adder_pj},
        {"leakage", c.buffer_leakage_mw * leak_cu_ns},
        {"global_buffer", double(p.global_buffer_accesses) * c.global_buffer_access_pj},
        {"accumulators", double(p.accumulations) * c.accumulate_pj},
        {"pooling", p.pooling_ns * c.pooling_mw},
    };
    return e;
}

}  // namespace reshare::hw
