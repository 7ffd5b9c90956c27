// Opt-in VCD waveforms (1 ns timescale) of what the accelerator does (docs/timing.md, "Waveforms"):
// - the accelerator: the traced layer running (-1 outside traced layers), the interrupt, and whether each shared unit
//   is busy: the DMA, the global buffer, the accumulators, the activation and the pooling unit;
// - per traced CU: busy (its transaction), its MVM engine and its sharing engine each busy, MVM stalls as they
//   happen, the MVM time lost to stalls so far, and the sharing buffer's occupancy (detailed mode).
// In batched mode a CU's engines show one vector's spans of the timing model (hw/timing/cu_pipeline.hpp), repeated
// for each of its vectors; in detailed mode the engines' own events set them. The controller schedules changes at
// kernel times (it works ahead of the kernel under temporal decoupling), so they land where they happen, not at
// quantum edges. Only CUs and layers asked for are traced, to keep a whole-network trace small.
#pragma once

#include "reshare/hw/timing/cu_pipeline.hpp"

#include <systemc>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace reshare::hw {

// A traced CU's one-bit signals.
enum class CuTrace { Busy, Mvm, Sharing, Stall, Count };
// The shared units' busy signals.
enum class UnitTrace { Dma, GlobalBuffer, Accumulators, Activation, Pooling, Count };
const char* to_string(CuTrace s);
const char* to_string(UnitTrace u);

class Waveform : public sc_core::sc_module {
public:
    // `cus`: global CU indices to trace; `pe_cus` names them pe_<i / pe_cus>.cu_<i % pe_cus>. When the trace closes, a
    // GTKWave save file for it goes next to it (FILE.gtkw), opening on the traced layers and showing the CUs of
    // `shown` (traced ones; empty: the first four traced).
    Waveform(sc_core::sc_module_name name, const std::string& vcd_path, const std::vector<int>& cus, int pe_cus,
             sc_core::sc_signal<bool>* irq, const std::vector<int>& shown = {});
    ~Waveform() override;

    bool traces_cu(int cu) const { return index_.count(cu) > 0; }
    // Value changes `offset_ns` after the current kernel time.
    void set_layer(double offset_ns, int layer);
    void set(double offset_ns, int cu, CuTrace s, bool on);
    // `s` of `cu` on over each span (from a period's start) of `count` back-to-back periods of `period_ns` from
    // `offset_ns`: a batched CU's vectors. Generated as the kernel reaches them, so a long layer costs no memory.
    void repeat(double offset_ns, int cu, CuTrace s, double period_ns, uint64_t count, std::vector<Interval> spans);
    void unit_busy(double offset_ns, double ns, UnitTrace u);
    void add_stall(double offset_ns, int cu, uint64_t stall_ns);
    void set_occupancy(int cu, uint64_t results);   // now (detailed mode only), through apply(): one writer

private:
    struct Train;
    void schedule(double offset_ns, std::function<void()> change);
    void schedule_at(const sc_core::sc_time& at, std::function<void()> change);
    void step(const std::shared_ptr<Train>& train);
    void apply();
    void write_bit(sc_core::sc_signal<bool>& signal, bool on);
    void write_save_file() const;

    sc_core::sc_trace_file* file_;
    std::string vcd_path_;
    std::vector<std::string> names_;   // "pe_0.cu_5" of each CU the save file shows
    sc_core::sc_signal<int> layer_{"layer", -1};
    std::array<std::unique_ptr<sc_core::sc_signal<bool>>, size_t(UnitTrace::Count)> units_;
    std::vector<std::array<std::unique_ptr<sc_core::sc_signal<bool>>, size_t(CuTrace::Count)>> bits_;
    std::vector<std::unique_ptr<sc_core::sc_signal<uint64_t>>> stalled_, occupancy_;
    std::vector<uint64_t> stall_total_;
    std::map<int, size_t> index_;
    std::multimap<sc_core::sc_time, std::function<void()>> pending_;
    std::vector<sc_core::sc_signal<bool>*> raised_now_;   // signals set to 1 in this apply(): a 0 at the same time loses
    sc_core::sc_event_queue wake_;
    double focus_begin_ns_ = -1, focus_end_ns_ = -1;   // the traced layers' span, for the save file's zoom
    int last_layer_ = -1;                               // the layer signal's last scheduled value
};

// The GTKWave save file of a trace whose CUs are `cus` ("pe_0.cu_5", ...): the accelerator's layer, interrupt and
// shared units, then one group per CU (the first four of `cus`) with its engines, stalls and sharing buffer (an analog step).
// `dumpfile`: the trace GTKWave opens with the save file (empty: none, for the repository's generic one); it opens
// on [begin_ns, end_ns] (end_ns <= begin_ns: at 0, unzoomed).
std::string gtkw_save_file(const std::vector<std::string>& cus, const std::string& how_to_open, const std::string& dumpfile = "",
                           double begin_ns = 0, double end_ns = 0);

// Where Waveform puts the save file of `vcd_path`.
std::string gtkw_path(const std::string& vcd_path);

}  // namespace reshare::hw
