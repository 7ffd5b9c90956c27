// Opt-in VCD waveforms (1 ns timescale): the traced layer running (-1 outside traced layers), the interrupt, and
// per traced CU whether it is busy and how much MVM time it has lost to stalls so far. The controller schedules
// value changes at kernel times (it works ahead of the kernel under temporal decoupling), so changes land where
// they happen, not at quantum edges. Only CUs and layers asked for are traced, to keep a whole-network trace small.
#pragma once

#include <systemc>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace reshare::hw {

class Waveform : public sc_core::sc_module {
public:
    // `cus`: global CU indices to trace; `pe_cus` names them pe_<i / pe_cus>.cu_<i % pe_cus>. Next to the VCD
    // goes a GTKWave save file for it (FILE.gtkw), grouping the signals as docs/reshare.gtkw does.
    Waveform(sc_core::sc_module_name name, const std::string& vcd_path, const std::vector<int>& cus, int pe_cus,
             sc_core::sc_signal<bool>* irq);
    ~Waveform() override;

    bool traces_cu(int cu) const { return index_.count(cu) > 0; }
    // Value changes `offset_ns` after the current kernel time.
    void set_layer(double offset_ns, int layer);
    void set_busy(double offset_ns, int cu, bool busy);
    void add_stall(double offset_ns, int cu, uint64_t stall_ns);
    void set_occupancy(int cu, uint64_t results);   // now (detailed mode only), through apply(): one writer

private:
    void schedule(double offset_ns, std::function<void()> change);
    void apply();

    sc_core::sc_trace_file* file_;
    sc_core::sc_signal<int> layer_{"layer", -1};
    std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> busy_;
    std::vector<std::unique_ptr<sc_core::sc_signal<uint64_t>>> stalled_, occupancy_;
    std::vector<uint64_t> stall_total_;
    std::map<int, size_t> index_;
    std::multimap<sc_core::sc_time, std::function<void()>> pending_;
    sc_core::sc_event_queue wake_;
};

// The GTKWave save file of a trace whose CUs are `cus` ("pe_0.cu_5", ...): the accelerator's layer and interrupt,
// then the first four CUs' busy and stall signals and the first two CUs' sharing-buffer occupancy.
// `dumpfile`: the trace GTKWave opens with the save file (empty: none, for the repository's generic one).
std::string gtkw_save_file(const std::vector<std::string>& cus, const std::string& how_to_open, const std::string& dumpfile = "");

// Where Waveform puts the save file of `vcd_path`.
std::string gtkw_path(const std::string& vcd_path);

}  // namespace reshare::hw
