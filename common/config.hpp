// The one hardware/compression configuration of the simulator, read from YAML and validated up front.
//
// Every key has a default in code whose source is named in kSchema (config.cpp) and in
// configs/reshare-table1.yaml; a YAML file only overrides. Unknown keys, wrong types and inconsistent
// geometry are errors that name the key (exit code 2).
#pragma once

#include <string>
#include <vector>

namespace reshare {

enum class Encoding { Twos, Offset, Differential };
// How one ADC conversion is timed: 1 / sample rate, or MNSIM's (bits + 2) / sample rate.
enum class AdcConvention { PowerOverRate, Mnsim };
// batched: one transaction per work unit, timed by the plain-C++ pipeline model; detailed: every OU activation
// group and buffer access is a simulation event (small layers; for checking the batched model).
enum class SimMode { Batched, Detailed };
// What one ReShare pattern-buffer read returns: a line of sharing.block_bytes (as the buffer is written), or one
// pattern's result.
enum class PatternRead { Line, Result };
enum class QuantGranularity { PerTensor, PerChannel };
// Which CUs' eDRAM leaks during a layer: every CU of the chip, the CUs holding weights, or each CU only while busy.
enum class LeakageScope { Chip, Occupied, Busy };
// Where RWS keeps its index table (column index and task length lists): low-power ReRAM, as the ReShare paper says
// RePIM does (IV-B.3), or the CU's eDRAM index buffer.
enum class IndexMemory { Reram, Edram };
// none: one copy of each layer's weights (the resident view); fill: copies of layers into the CUs a chip has beyond
// one copy of the network, several input vectors in parallel (ISAAC-style, hw/timing/mapping.hpp).
enum class Replication { None, Fill };
// CR2's input pattern: the r-bit wordline vector of an OU-row group in one bit-serial cycle, or its r whole inputs.
enum class InputPattern { Bits, Activations };
// CR2's weight side: ReShare's task list or RWS's index table.
enum class Cr2Base { ReShare, Rws };

const char* to_string(Encoding e);
const char* to_string(QuantGranularity q);
const char* to_string(AdcConvention a);
Encoding parse_encoding(const std::string& s);              // throws Error naming the value
AdcConvention parse_adc_convention(const std::string& s);
const char* to_string(SimMode m);
SimMode parse_sim_mode(const std::string& s);
const char* to_string(PatternRead r);
PatternRead parse_pattern_read(const std::string& s);
QuantGranularity parse_quant(const std::string& s);
const char* to_string(LeakageScope s);
LeakageScope parse_leakage_scope(const std::string& s);
const char* to_string(IndexMemory m);
IndexMemory parse_index_memory(const std::string& s);
const char* to_string(Replication r);
Replication parse_replication(const std::string& s);
const char* to_string(InputPattern p);
InputPattern parse_input_pattern(const std::string& s);
const char* to_string(Cr2Base b);
Cr2Base parse_cr2_base(const std::string& s);

struct HwConfig {
    // crossbar (ReShare Table I)
    int xbar_rows = 32;
    int xbar_cols = 128;
    int cell_bits = 1;
    // operation unit (ReShare Table I)
    int ou_rows = 8;
    int ou_cols = 8;
    // quantization (ReShare IV-A: 8-bit weights; 1-bit DAC, bit-serial inputs: Table I)
    int weight_bits = 8;
    int input_bits = 8;
    QuantGranularity quant = QuantGranularity::PerTensor;
    Encoding encoding = Encoding::Differential;
    // sharing buffers (ReShare IV-A: 16 B block writes; result width is ours, see config.cpp)
    int block_bytes = 16;
    int result_bits = 16;

    // CU organisation (ReShare Table I)
    int cu_arrays = 8;
    int cu_adcs = 8;
    int adc_bits = 6;
    double adc_sample_rate_gsps = 1.0;
    AdcConvention adc_convention = AdcConvention::PowerOverRate;
    PatternRead pattern_read = PatternRead::Line;
    // CU eDRAM buffers (CACTI 7, 32 nm, 32 KB: component-numbers.md)
    double buffer_access_ns = 1.0;
    // RWS's output buffer, in pattern results: the buffer the paper says bottlenecks RWS
    int rws_output_buffer_results = 32;
    // RWS's index table in ReRAM (ReShare IV-B.3); a read senses one row segment of index entries
    IndexMemory rws_index_memory = IndexMemory::Reram;
    double reram_index_read_ns = 3.16;     // MNSIM 2.0 device read latency
    int reram_index_entries_per_read = 8;  // ours: a 128-cell row segment holds 8 16-bit entries
    double reram_index_read_pj = 0.91;     // derived from MNSIM 2.0 device defaults: 128 cells x 0.15 V^2 / 10 kOhm x 3.16 ns
    // each CU's eDRAM, which holds its result, pattern/output, task and index buffers (ReShare Table I: 32 KB)
    int cu_edram_bytes = 32768;
    // chip organisation and its system-bus DMA
    int pe_cus = 16;            // ReShare Table I: 16 CUs per PE
    int chip_pes = 0;           // 0: enough PEs to hold the whole network at once
    int chip_crossbars = 0;     // 0: unset; else the chip's size in crossbars (PEs = ceil(crossbars / crossbars per PE))
    Replication replication = Replication::None;
    double dma_setup_ns = 100;  // ours: one bus round trip before a burst
    double dma_bytes_per_ns = 16;   // ours: a 128-bit system bus at 1 GHz

    // powers per CU (ReShare Table I) and buffer energies (CACTI 7): turned into energy per event in hw/timing/energy
    double adc_mw = 12.1;            // all cu.adcs ADCs of a CU
    double dac_mw = 1.0;             // the CU's 8 x 32 DACs
    int cu_dacs = 256;
    double arrays_mw = 0.51;         // all cu.arrays arrays of a CU
    double sample_hold_mw = 0.01;    // the CU's 8 x 128 S+H
    int cu_sample_holds = 1024;
    double shift_add_mw = 0.2;       // the CU's 4 S+A
    int cu_shift_adds = 4;
    double buffer_access_pj = 10.0;  // one 16 B eDRAM access
    double buffer_leakage_mw = 1.5;  // one CU's 32 KB eDRAM
    LeakageScope leakage_scope = LeakageScope::Busy;   // MNSIM 2.0: power x busy latency of each layer's own units

    // the shared units around the PEs
    int global_buffer_width_bytes = 32;      // ISAAC: 256-bit eDRAM bus
    double global_buffer_access_pj = 20.45;  // Accelergy's ISAAC tables: 256-bit eDRAM access
    double accumulate_pj = 0.021;            // Accelergy's ISAAC tables: shift-and-add per op
    int activation_lanes = 16;               // ours: 16 requantizations per ns
    int pooling_lanes = 16;                  // ours: 16 pooled reads per ns
    double pooling_mw = 0.4;                 // ISAAC: max-pool unit 0.4 mW
    SimMode sim_mode = SimMode::Batched;
    double quantum_ns = 1000;                // temporal-decoupling quantum of the platform (VCML's 1 us)
    // SME (Liu et al., ICCD 2021): at most S consecutive ones per magnitude; D bits squeezed out of sparse MSB crossbars
    int sme_window_bits = 3;    // SME Fig. 9: S = 3 is the sweet spot on ResNet-18
    int sme_squeeze_bits = 1;   // SME Fig. 3 and IV-C: D = 1 in the paper's worked rule
    // ReRAM-Sharing (Song, Li et al., ISCAS 2021): K centroid OUs per OU-row group, digital adders
    double rs_keep_ratio = 0.25;       // ours: the paper gives no K (schemes/reram_sharing)
    double rs_max_weight_error = 0;    // ours: 0 = K from keep_ratio; else the smallest K within this RMS error
    int rs_iterations = 20;            // ours: Lloyd iterations at most
    int rs_cluster_rows = 1;           // other-schemes.md's reading: each OU-row group clustered on its own
    double rs_adder_ns = 1.0;          // ours: one ou.cols-wide add per 1 GHz cycle
    double rs_adder_pj = 0.021;        // Accelergy's ISAAC tables: one 16-bit add, as energy.accumulate_pj
    // CR2 (Hong and Chung): the input-pattern buffer learned on images
    InputPattern cr2_input_pattern = InputPattern::Bits;   // other-schemes.md's reading
    Cr2Base cr2_base = Cr2Base::ReShare;                   // other-schemes.md's reading (the same authors' framing)
    int cr2_buffer_bytes = 65536;                          // ours: the poster gives no capacity
    // what a scheme that changes the weights may cost before a run warns
    double accuracy_min_cosine = 0.99;   // ours
    // writing weights into crossbars (NVSim's sample_RRAM.cell: 10 ns set/reset pulses of 0.6 pJ)
    double program_pulse_ns = 10;
    double program_cell_pj = 0.6;

    std::string source = "built-in defaults";   // file the values came from
    // Keys whose value was set, and by what ("file X", "command line --ou"): describe() names these instead of the
    // default's source.
    std::vector<std::pair<std::string, std::string>> set_by;
    void mark_set(const std::string& key, const std::string& by);

    int results_per_block() const { return block_bytes * 8 / result_bits; }
    int ous_per_crossbar() const { return (xbar_rows / ou_rows) * (xbar_cols / ou_cols); }
    long crossbars_per_pe() const { return long(pe_cus) * cu_arrays; }
    // PEs of the chip: chip.pes, or chip.crossbars worth of PEs; 0 = sized to hold the network (the caller's).
    int sized_pes() const { return chip_pes > 0 ? chip_pes : chip_crossbars > 0 ? int((chip_crossbars + crossbars_per_pe() - 1) / crossbars_per_pe()) : 0; }
    double adc_conversion_ns() const {
        return (adc_convention == AdcConvention::Mnsim ? adc_bits + 2 : 1) / adc_sample_rate_gsps;
    }
};

// The most CUs a simulated chip may have: every CU is a SystemC module with its arrays and buffers (about 16
// modules), so 1000 PEs of 16 CUs already take a minute to build and 65536 x 1024 exhaust memory.
constexpr long kMaxChipCus = 65536;

// Defaults overridden by the YAML file at `path`; throws Error("config <path>: <key>: <problem>").
HwConfig load_config(const std::string& path);
// Sets one key (a dotted schema path such as sharing.block_bytes) from its value as YAML would read it, marking it set
// by `by`; throws Error("<key>: <problem>") for an unknown key or a bad value. validate() afterwards checks relations.
void apply_setting(HwConfig& c, const std::string& key, const std::string& value, const std::string& by);
// Every key of the schema, in schema order.
std::vector<std::string> config_keys();
// Checks the relations between keys (OU inside the crossbar, block filled by results, ...).
void validate(const HwConfig& c);
// Every key with its value and the source of its default: the configuration a report was made with.
struct ConfigEntry {
    std::string key, value, source;
    bool numeric;
};
std::vector<ConfigEntry> describe(const HwConfig& c);

}  // namespace reshare
