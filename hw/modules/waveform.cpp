#include "reshare/hw/modules/waveform.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace reshare::hw {

namespace {

std::string without_vcd_suffix(std::string path) {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".vcd") == 0) path.resize(path.size() - 4);
    return path;
}

}  // namespace

std::string gtkw_path(const std::string& vcd_path) { return without_vcd_suffix(vcd_path) + ".gtkw"; }

std::string gtkw_save_file(const std::vector<std::string>& cus, const std::string& how_to_open, const std::string& dumpfile) {
    std::ostringstream f;
    f << "[*] GTKWave save file for `reshare run --vcd FILE`: " << how_to_open << ".\n"
      << "[*] Press \"zoom fit\" (Ctrl+Alt+F) to see the whole job.\n"
      << "[*] Signals grouped: the accelerator's layer and interrupt, then the same first four traced CUs' busy, stall\n"
      << "[*] counters and sharing-buffer occupancy.\n";
    if (!dumpfile.empty()) f << "[dumpfile] \"" << dumpfile << "\"\n";
    f << "[timestart] 0\n[treeopen] SystemC.\n[treeopen] SystemC.accelerator.\n"
      << "@800200\n-accelerator\n@424\n+{layer (-1 idle)} SystemC.accelerator.layer[31:0]\n@28\n"
      << "SystemC.accelerator.irq\n@1000200\n-accelerator\n";
    auto group = [&](const std::string& title, const char* format, const std::string& signal, const std::string& label,
                     size_t n) {
        f << "@800200\n-" << title << "\n" << format << "\n";
        for (size_t i = 0; i < std::min(n, cus.size()); ++i) {
            const std::string cu = cus[i].substr(cus[i].find('.') + 1);
            f << "+{" << cu << " " << label << "} SystemC.accelerator." << cus[i] << "." << signal << "\n";
        }
        f << "@1000200\n-" << title << "\n";
    };
    group("CUs busy", "@28", "busy", "busy", 4);
    group("CUs MVM stall so far (ns)", "@24", "stalled_ns[63:0]", "stalled ns", 4);
    group("CUs sharing buffer (results; detailed mode)", "@24", "sharing_buffer[63:0]", "sharing buffer", 4);
    return f.str();
}

Waveform::Waveform(sc_core::sc_module_name name, const std::string& vcd_path, const std::vector<int>& cus, int pe_cus,
                   sc_core::sc_signal<bool>* irq)
    : sc_core::sc_module(name), wake_("wake") {
    file_ = sc_core::sc_create_vcd_trace_file(without_vcd_suffix(vcd_path).c_str());
    file_->set_time_unit(1, sc_core::SC_NS);
    sc_core::sc_trace(file_, layer_, "accelerator.layer");
    if (irq) sc_core::sc_trace(file_, *irq, "accelerator.irq");
    std::vector<std::string> names;
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
        names.push_back(where);
    }
    const std::string save = gtkw_path(vcd_path);
    std::error_code ec;
    const std::filesystem::path trace = std::filesystem::absolute(without_vcd_suffix(vcd_path) + ".vcd", ec);
    std::ofstream(save) << gtkw_save_file(names, "open with `gtkwave " + save + "`", trace.string());
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
    schedule(offset_ns, [this, layer] { layer_.write(layer < 0 ? -1 : layer); });
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
