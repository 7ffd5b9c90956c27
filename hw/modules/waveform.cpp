#include "reshare/hw/modules/waveform.hpp"
#include "reshare/hw/modules/sim_time.hpp"

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

double now_ns() { return to_ns(sc_core::sc_time_stamp()); }

// The model's times are whole nanoseconds (the VCD's unit): times between are rounded up to stay on that grid.
sc_core::sc_time on_grid(double ns) { return sc_core::sc_time(std::ceil(ns - 1e-9), sc_core::SC_NS); }

// GTKWave's trace flags (its analyzer.h): the bits of the "@" lines of a save file.
constexpr unsigned kDecimal = 0x4, kBinary = 0x8, kRightJustify = 0x20, kBlank = 0x200, kSigned = 0x400,
                   kAnalogStep = 0x8000, kAnalogStretch = 0x20000, kGroupBegin = 0x800000, kGroupEnd = 0x1000000;

// GTKWave opens 1400 pixels wide, about 740 of them for the waves (beside the tree and the signal names), and
// draws 200 pixels per "frame" of 2^-zoom time units (its currenttime.c, calczoom).
constexpr int kWindowWidth = 1400, kWindowHeight = 900, kWavePixels = 740, kPixelsPerFrame = 200;

}  // namespace

const char* to_string(CuTrace s) {
    switch (s) {
        case CuTrace::Busy: return "busy";
        case CuTrace::Mvm: return "mvm";
        case CuTrace::Sharing: return "sharing";
        case CuTrace::Stall: return "stall";
        case CuTrace::Count: break;
    }
    return "?";
}

const char* to_string(UnitTrace u) {
    switch (u) {
        case UnitTrace::Dma: return "dma";
        case UnitTrace::GlobalBuffer: return "global_buffer";
        case UnitTrace::Accumulators: return "accumulators";
        case UnitTrace::Activation: return "activation_unit";
        case UnitTrace::Pooling: return "pooling_unit";
        case UnitTrace::Count: break;
    }
    return "?";
}

std::string gtkw_path(const std::string& vcd_path) { return without_vcd_suffix(vcd_path) + ".gtkw"; }

std::string gtkw_save_file(const std::vector<std::string>& cus, const std::string& how_to_open, const std::string& dumpfile,
                           double begin_ns, double end_ns) {
    std::ostringstream f;
    f << "[*] GTKWave save file for `reshare run --vcd FILE`: " << how_to_open << ".\n"
      << "[*] It opens on the traced layers; \"zoom fit\" (Ctrl+Alt+F) shows the whole job. docs/timing.md says what\n"
      << "[*] each signal means.\n";
    if (!dumpfile.empty()) f << "[dumpfile] \"" << dumpfile << "\"\n";
    f << "[size] " << kWindowWidth << " " << kWindowHeight << "\n";
    const double span = end_ns - begin_ns;
    f << "[timestart] " << (span > 0 ? uint64_t(begin_ns) : 0) << "\n";
    // The zoom, then the marker (-1: none) and the 26 named markers.
    if (span > 0) {
        f << "*" << std::fixed;
        f.precision(6);
        f << -std::log2(span * kPixelsPerFrame / kWavePixels);
        for (int m = 0; m < 27; ++m) f << " -1";
        f << "\n";
    }
    f << "[treeopen] SystemC.\n[treeopen] SystemC.accelerator.\n";
    auto flags = [&](unsigned v) { f << "@" << std::hex << v << std::dec << "\n"; };
    auto group_begin = [&](const std::string& title) { flags(kGroupBegin | kBlank), f << "-" << title << "\n"; };
    auto group_end = [&](const std::string& title) { flags(kGroupEnd | kBlank), f << "-" << title << "\n"; };
    group_begin("accelerator");
    flags(kSigned | kDecimal | kRightJustify);
    f << "+{layer (-1 idle)} SystemC.accelerator.layer[31:0]\n";
    flags(kBinary | kRightJustify);
    f << "SystemC.accelerator.irq\n";
    for (int u = 0; u < int(UnitTrace::Count); ++u) f << "+{" << to_string(UnitTrace(u)) << " busy} SystemC.accelerator." << to_string(UnitTrace(u)) << "\n";
    group_end("accelerator");
    for (size_t i = 0; i < std::min<size_t>(4, cus.size()); ++i) {
        const std::string path = "SystemC.accelerator." + cus[i] + ".";
        group_begin(cus[i]);
        flags(kBinary | kRightJustify);
        for (int s = 0; s < int(CuTrace::Count); ++s) f << "+{" << to_string(CuTrace(s)) << "} " << path << to_string(CuTrace(s)) << "\n";
        flags(kDecimal | kRightJustify);
        f << "+{stalled ns so far} " << path << "stalled_ns[63:0]\n";
        flags(kAnalogStep | kDecimal | kRightJustify);
        f << "+{sharing buffer (results; detailed mode)} " << path << "sharing_buffer[63:0]\n";
        flags(kAnalogStretch | kAnalogStep | kDecimal | kRightJustify);
        f << "-\n-\n";
        group_end(cus[i]);
    }
    return f.str();
}

// `count` periods of `spans`: the next change is span `span`'s begin (or end) in period `period`.
struct Waveform::Train {
    sc_core::sc_signal<bool>* signal;
    double start_ns, period_ns;
    uint64_t count;
    std::vector<Interval> spans;
    uint64_t period = 0;
    size_t span = 0;
    bool at_end = false;
    double next_ns() const { return start_ns + double(period) * period_ns + (at_end ? spans[span].end : spans[span].begin); }
};

Waveform::Waveform(sc_core::sc_module_name name, const std::string& vcd_path, const std::vector<int>& cus, int pe_cus,
                   sc_core::sc_signal<bool>* irq, const std::vector<int>& shown)
    : sc_core::sc_module(name), vcd_path_(vcd_path), wake_("wake") {
    file_ = sc_core::sc_create_vcd_trace_file(without_vcd_suffix(vcd_path).c_str());
    file_->set_time_unit(1, sc_core::SC_NS);
    sc_core::sc_trace(file_, layer_, "accelerator.layer");
    if (irq) sc_core::sc_trace(file_, *irq, "accelerator.irq");
    for (int u = 0; u < int(UnitTrace::Count); ++u) {
        units_[u] = std::make_unique<sc_core::sc_signal<bool>>(to_string(UnitTrace(u)));
        sc_core::sc_trace(file_, *units_[u], std::string("accelerator.") + to_string(UnitTrace(u)));
    }
    // A CU's place in the hierarchy: "pe_0.cu_5".
    auto where = [pe_cus](int cu) { return "pe_" + std::to_string(cu / pe_cus) + ".cu_" + std::to_string(cu % pe_cus); };
    for (int cu : cus) {
        const std::string prefix = "accelerator." + where(cu), object = "pe_" + std::to_string(cu / pe_cus) + "_cu_" + std::to_string(cu % pe_cus);
        index_[cu] = bits_.size();
        bits_.emplace_back();
        for (int s = 0; s < int(CuTrace::Count); ++s) {
            bits_.back()[s] = std::make_unique<sc_core::sc_signal<bool>>((object + "_" + to_string(CuTrace(s))).c_str());
            sc_core::sc_trace(file_, *bits_.back()[s], prefix + "." + to_string(CuTrace(s)));
        }
        stalled_.push_back(std::make_unique<sc_core::sc_signal<uint64_t>>((object + "_stalled_ns").c_str()));
        occupancy_.push_back(std::make_unique<sc_core::sc_signal<uint64_t>>((object + "_sharing_buffer").c_str()));
        stall_total_.push_back(0);
        sc_core::sc_trace(file_, *stalled_.back(), prefix + ".stalled_ns");
        sc_core::sc_trace(file_, *occupancy_.back(), prefix + ".sharing_buffer");
    }
    for (int cu : shown)
        if (traces_cu(cu)) names_.push_back(where(cu));
    for (size_t i = 0; names_.empty() && i < cus.size(); ++i) names_.push_back(where(cus[i]));   // all: the first four are shown
    SC_HAS_PROCESS(Waveform);
    SC_METHOD(apply);
    sensitive << wake_;
    dont_initialize();
}

// The save file is written last, when the traced layers' span is known.
Waveform::~Waveform() {
    sc_core::sc_close_vcd_trace_file(file_);
    write_save_file();
}

void Waveform::write_save_file() const {
    const std::string save = gtkw_path(vcd_path_);
    std::error_code ec;
    const std::filesystem::path trace = std::filesystem::absolute(without_vcd_suffix(vcd_path_) + ".vcd", ec);
    std::ofstream(save) << gtkw_save_file(names_, "open with `gtkwave " + save + "`", trace.string(), focus_begin_ns_,
                                          focus_end_ns_);
}

void Waveform::schedule(double offset_ns, std::function<void()> change) {
    schedule_at(on_grid(now_ns() + offset_ns), std::move(change));
}

void Waveform::schedule_at(const sc_core::sc_time& at, std::function<void()> change) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    pending_.emplace(std::max(at, now), std::move(change));
    wake_.notify(at > now ? at - now : sc_core::SC_ZERO_TIME);
}

// A 1 and a 0 for one signal at the same time: the 1 wins. Spans of one signal never overlap, so that is one span
// ending where the next begins, which must not leave the signal low.
void Waveform::write_bit(sc_core::sc_signal<bool>& signal, bool on) {
    const bool raised = std::find(raised_now_.begin(), raised_now_.end(), &signal) != raised_now_.end();
    if (on && !raised) raised_now_.push_back(&signal);
    if (on || !raised) signal.write(on);
}

void Waveform::apply() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (!pending_.empty() && pending_.begin()->first <= now) {
        const auto change = std::move(pending_.begin()->second);
        pending_.erase(pending_.begin());
        change();
    }
    raised_now_.clear();
}

void Waveform::set_layer(double offset_ns, int layer) {
    const double at = std::ceil(now_ns() + offset_ns - 1e-9);
    if (layer >= 0 && (focus_begin_ns_ < 0 || at < focus_begin_ns_)) focus_begin_ns_ = at;
    if (layer < 0 && last_layer_ >= 0) focus_end_ns_ = std::max(focus_end_ns_, at);   // a traced layer ends
    last_layer_ = layer;
    schedule(offset_ns, [this, layer] { layer_.write(layer < 0 ? -1 : layer); });
}

void Waveform::set(double offset_ns, int cu, CuTrace s, bool on) {
    sc_core::sc_signal<bool>* signal = bits_[index_.at(cu)][size_t(s)].get();
    schedule(offset_ns, [this, signal, on] { write_bit(*signal, on); });
}

void Waveform::unit_busy(double offset_ns, double ns, UnitTrace u) {
    if (ns <= 0) return;
    sc_core::sc_signal<bool>* signal = units_[size_t(u)].get();
    schedule(offset_ns, [this, signal] { write_bit(*signal, true); });
    schedule(offset_ns + ns, [this, signal] { write_bit(*signal, false); });
}

void Waveform::repeat(double offset_ns, int cu, CuTrace s, double period_ns, uint64_t count, std::vector<Interval> spans) {
    // Spans that round to nothing on the 1 ns grid would only flicker.
    spans.erase(std::remove_if(spans.begin(), spans.end(), [](const Interval& i) { return std::ceil(i.end) <= std::ceil(i.begin); }),
                spans.end());
    if (spans.empty() || count == 0) return;
    auto train = std::make_shared<Train>(Train{bits_[index_.at(cu)][size_t(s)].get(), now_ns() + offset_ns, period_ns, count,
                                               std::move(spans)});
    schedule_at(on_grid(train->next_ns()), [this, train] { step(train); });
}

// Writes the train's due change and schedules its next one.
void Waveform::step(const std::shared_ptr<Train>& t) {
    write_bit(*t->signal, !t->at_end);
    if (t->at_end && ++t->span == t->spans.size()) t->span = 0, ++t->period;
    t->at_end = !t->at_end;
    if (t->period < t->count) schedule_at(on_grid(t->next_ns()), [this, t] { step(t); });
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
