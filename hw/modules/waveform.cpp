#include "hw/modules/waveform.hpp"

#include <cmath>

namespace reshare::hw {

Waveform::Waveform(sc_core::sc_module_name name, const std::string& vcd_path, const std::vector<int>& cus, int pe_cus,
                   sc_core::sc_signal<bool>* irq, int first_layer)
    : sc_core::sc_module(name), first_layer_(first_layer), wake_("wake") {
    std::string base = vcd_path;
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
    file_ = sc_core::sc_create_vcd_trace_file(base.c_str());
    file_->set_time_unit(1, sc_core::SC_NS);
    sc_core::sc_trace(file_, layer_, "accelerator.layer");
    if (irq) sc_core::sc_trace(file_, *irq, "accelerator.irq");
    for (int cu : cus) {
        const std::string where = "pe_" + std::to_string(cu / pe_cus) + ".cu_" + std::to_string(cu % pe_cus);
        const std::string prefix = "accelerator." + where, object = "pe_" + std::to_string(cu / pe_cus) + "_cu_" + std::to_string(cu % pe_cus);
        index_[cu] = busy_.size();
        busy_.push_back(std::make_unique<sc_core::sc_signal<bool>>((object + "_busy").c_str()));
        stalled_.push_back(std::make_unique<sc_core::sc_signal<uint64_t>>((object + "_stalled_ns").c_str()));
        occupancy_.push_back(std::make_unique<sc_core::sc_signal<uint64_t>>((object + "_sharing_buffer").c_str()));
        stall_total_.push_back(0);
        sc_core::sc_trace(file_, *busy_.back(), prefix + ".busy");
        sc_core::sc_trace(file_, *stalled_.back(), prefix + ".stalled_ns");
        sc_core::sc_trace(file_, *occupancy_.back(), prefix + ".sharing_buffer");
    }
    SC_HAS_PROCESS(Waveform);
    SC_METHOD(apply);
    sensitive << wake_;
    dont_initialize();
}

Waveform::~Waveform() { sc_core::sc_close_vcd_trace_file(file_); }

// The model's times are whole nanoseconds (the VCD's unit); offsets are rounded up to stay on that grid.
void Waveform::schedule(double offset_ns, std::function<void()> change) {
    const sc_core::sc_time at = sc_core::sc_time_stamp() + sc_core::sc_time(std::ceil(offset_ns), sc_core::SC_NS);
    pending_.emplace(at, std::move(change));
    wake_.notify(at - sc_core::sc_time_stamp());
}

void Waveform::apply() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (!pending_.empty() && pending_.begin()->first <= now) {
        pending_.begin()->second();
        pending_.erase(pending_.begin());
    }
}

void Waveform::set_layer(double offset_ns, int layer) {
    const int shown = layer < 0 ? -1 : layer + first_layer_;
    schedule(offset_ns, [this, shown] { layer_.write(shown); });
}

void Waveform::set_busy(double offset_ns, int cu, bool busy) {
    const size_t i = index_.at(cu);
    schedule(offset_ns, [this, i, busy] { busy_[i]->write(busy); });
}

void Waveform::set_occupancy(int cu, uint64_t results) {
    const auto it = index_.find(cu);
    if (it == index_.end()) return;
    const size_t i = it->second;
    schedule(0, [this, i, results] { occupancy_[i]->write(results); });
}

void Waveform::add_stall(double offset_ns, int cu, uint64_t stall_ns) {
    const size_t i = index_.at(cu);
    stall_total_[i] += stall_ns;
    const uint64_t total = stall_total_[i];
    schedule(offset_ns, [this, i, total] { stalled_[i]->write(total); });
}

}  // namespace reshare::hw
