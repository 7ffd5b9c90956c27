#include "reshare/common/config.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/yaml_file.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <functional>
#include <set>
#include <map>
#include <sstream>

namespace reshare {
namespace {

// One schema entry: where the key lives in HwConfig, how to read it, and where its default comes from.
struct Key {
    const char* path;
    const char* source;
    bool numeric;
    std::function<void(HwConfig&, const YAML::Node&, const std::string& where)> read;
    std::function<std::string(const HwConfig&)> show;
};

int read_int(const YAML::Node& n, const std::string& where) {
    if (!n.IsScalar()) throw Error(where + ": expected an integer");
    try {
        return n.as<int>();
    } catch (const YAML::Exception&) {
        throw Error(where + ": expected an integer, got '" + n.Scalar() + "'");
    }
}

Key int_key(const char* path, int HwConfig::*field, const char* source) {
    return {path, source, true,
            [field](HwConfig& c, const YAML::Node& n, const std::string& where) { c.*field = read_int(n, where); },
            [field](const HwConfig& c) { return std::to_string(c.*field); }};
}

double read_double(const YAML::Node& n, const std::string& where) {
    if (!n.IsScalar()) throw Error(where + ": expected a number");
    double v;
    try {
        v = n.as<double>();
    } catch (const YAML::Exception&) {
        throw Error(where + ": expected a number, got '" + n.Scalar() + "'");
    }
    if (!std::isfinite(v)) throw Error(where + ": expected a finite number, got '" + n.Scalar() + "'");
    return v;
}

Key double_key(const char* path, double HwConfig::*field, const char* source) {
    return {path, source, true,
            [field](HwConfig& c, const YAML::Node& n, const std::string& where) { c.*field = read_double(n, where); },
            [field](const HwConfig& c) {
                std::ostringstream o;
                o << c.*field;
                return o.str();
            }};
}

template <class E>
Key enum_key(const char* path, E HwConfig::*field, E (*parse)(const std::string&), const char* (*show)(E),
             const char* source) {
    return {path, source, false,
            [field, parse](HwConfig& c, const YAML::Node& n, const std::string& where) {
                if (!n.IsScalar()) throw Error(where + ": expected a string");
                try {
                    c.*field = parse(n.Scalar());
                } catch (const Error& e) {
                    throw Error(where + ": " + e.what());
                }
            },
            [field, show](const HwConfig& c) { return std::string(show(c.*field)); }};
}

const std::vector<Key>& schema() {
    static const std::vector<Key> keys = {
        int_key("crossbar.rows", &HwConfig::xbar_rows, "ReShare Table I: 32 x 128 arrays"),
        int_key("crossbar.cols", &HwConfig::xbar_cols, "ReShare Table I: 32 x 128 arrays"),
        int_key("crossbar.cell_bits", &HwConfig::cell_bits, "ReShare Table I: 1 bit per cell (SLC)"),
        int_key("ou.rows", &HwConfig::ou_rows, "ReShare Table I / IV-A: 8 x 8 OU"),
        int_key("ou.cols", &HwConfig::ou_cols, "ReShare Table I / IV-A: 8 x 8 OU"),
        int_key("quantization.weight_bits", &HwConfig::weight_bits, "ReShare IV-A: 8-bit weights"),
        int_key("quantization.input_bits", &HwConfig::input_bits,
                "ReShare Table I: 1-bit DAC, so 8-bit inputs stream bit-serially"),
        enum_key("quantization.granularity", &HwConfig::quant, parse_quant, to_string,
                 "ours: per-tensor symmetric, the simplest post-training scheme"),
        enum_key("quantization.encoding", &HwConfig::encoding, parse_encoding, to_string,
                 "ours: differential (+/- arrays), see docs/encodings.md"),
        int_key("sharing.block_bytes", &HwConfig::block_bytes, "ReShare IV-A: block size for memory write 16 B"),
        int_key("sharing.result_bits", &HwConfig::result_bits,
                "ours: 16 bits hold an OU column sum over all input bits (docs/storage.md)"),
        enum_key("sharing.pattern_read", &HwConfig::pattern_read, parse_pattern_read, to_string,
                 "ours: line = one sharing.block_bytes line per read, the width the buffer is written in (one OU's "
                 "results); result = one read per distinct pattern. The paper gives no read width"),
        int_key("cu.arrays", &HwConfig::cu_arrays, "ReShare Table I: 8 memristor arrays per CU"),
        int_key("cu.adcs", &HwConfig::cu_adcs, "ReShare Table I: 8 ADCs per CU"),
        int_key("adc.bits", &HwConfig::adc_bits, "ReShare Table I: 6-bit ADC"),
        double_key("adc.sample_rate_gsps", &HwConfig::adc_sample_rate_gsps, "ReShare Table I: 1 GSps"),
        enum_key("adc.convention", &HwConfig::adc_convention, parse_adc_convention, to_string,
                 "ours: power / sample rate (ISAAC); mnsim = (bits + 2) / rate (MNSIM 2.0 ADC.py)"),
        double_key("buffer.access_ns", &HwConfig::buffer_access_ns,
                   "CACTI 7, 32 nm eDRAM 32 KB: 0.60 ns access, rounded up to one 1 GHz cycle"),
        int_key("rws.output_buffer_results", &HwConfig::rws_output_buffer_results,
                "ours: 32 results = 64 B (4 OUs of 8 patterns); the paper gives no size"),
        enum_key("rws.index_memory", &HwConfig::rws_index_memory, parse_index_memory, to_string,
                 "ReShare IV-B.3: \"RWS adopts low-power ReRAM devices to store the indexing table\"; edram = the CU's "
                 "index buffer"),
        double_key("reram_index.read_ns", &HwConfig::reram_index_read_ns,
                   "MNSIM 2.0 device default: 3.16 ns read latency (component-numbers.md)"),
        int_key("reram_index.entries_per_read", &HwConfig::reram_index_entries_per_read,
                "ours: one read senses a 128-cell row segment (Table I: 128-column arrays), 8 entries of 16 bits"),
        double_key("reram_index.read_pj", &HwConfig::reram_index_read_pj,
                   "derived from MNSIM 2.0 device defaults: 128 cells x (0.15 V)^2 / 10 kOhm x 3.16 ns = 0.91 pJ per "
                   "read (sensing not counted)"),
        int_key("cu.edram_bytes", &HwConfig::cu_edram_bytes, "ReShare Table I: eDRAM buffer 32 KB per CU"),
        int_key("pe.cus", &HwConfig::pe_cus, "ReShare Table I: 16 CUs per PE"),
        double_key("programming.pulse_ns", &HwConfig::program_pulse_ns,
                   "NVSim sample_RRAM.cell: 10 ns set and reset pulses; one crossbar row per pulse"),
        double_key("programming.cell_pj", &HwConfig::program_cell_pj, "NVSim sample_RRAM.cell: 0.6 pJ set and reset energy"),
        int_key("global_buffer.width_bytes", &HwConfig::global_buffer_width_bytes, "ISAAC (ISCA 2016): 256-bit eDRAM bus"),
        double_key("energy.global_buffer_access_pj", &HwConfig::global_buffer_access_pj,
                   "Accelergy's ISAAC tables: ~20.45 pJ per 256-bit eDRAM access (component-numbers.md)"),
        double_key("energy.accumulate_pj", &HwConfig::accumulate_pj,
                   "Accelergy's ISAAC tables: shift-and-add ~0.021 pJ per op (component-numbers.md)"),
        int_key("activation.lanes", &HwConfig::activation_lanes, "ours: 16 requantizations per ns"),
        int_key("pooling.lanes", &HwConfig::pooling_lanes, "ours: 16 pooled reads per ns"),
        double_key("energy.pooling_mw", &HwConfig::pooling_mw, "ISAAC (ISCA 2016) Table I: max-pool 0.4 mW per tile"),
        double_key("sim.quantum_ns", &HwConfig::quantum_ns,
                   "VCML's default quantum, 1 us (systemc-notes.md); the testbench platform sets it globally"),
        enum_key("sim.mode", &HwConfig::sim_mode, parse_sim_mode, to_string,
                 "ours: batched (one transaction per work unit); detailed = one event per OU group and buffer access"),
        double_key("energy.adc_mw", &HwConfig::adc_mw, "ReShare Table I: 8 ADCs, 12.1 mW"),
        double_key("energy.dac_mw", &HwConfig::dac_mw, "ReShare Table I: 8 x 32 DACs, 1.0 mW"),
        int_key("energy.dacs", &HwConfig::cu_dacs, "ReShare Table I: 8 x 32 DACs per CU"),
        double_key("energy.arrays_mw", &HwConfig::arrays_mw, "ReShare Table I: 8 arrays, 0.51 mW"),
        double_key("energy.sample_hold_mw", &HwConfig::sample_hold_mw, "ReShare Table I: 8 x 128 S+H, 10 uW"),
        int_key("energy.sample_holds", &HwConfig::cu_sample_holds, "ReShare Table I: 8 x 128 S+H per CU"),
        double_key("energy.shift_add_mw", &HwConfig::shift_add_mw, "ReShare Table I: 4 S+A, 0.2 mW"),
        int_key("energy.shift_adds", &HwConfig::cu_shift_adds, "ReShare Table I: 4 S+A per CU"),
        double_key("energy.buffer_access_pj", &HwConfig::buffer_access_pj,
                   "CACTI 7, 32 nm eDRAM 32 KB, 16 B block: 10.0 pJ per read; writes taken equal (component-numbers.md)"),
        double_key("energy.buffer_leakage_mw", &HwConfig::buffer_leakage_mw,
                   "CACTI 7, 32 nm eDRAM 32 KB: 1.50 mW leakage (component-numbers.md)"),
        enum_key("energy.leakage_scope", &HwConfig::leakage_scope, parse_leakage_scope, to_string,
                 "MNSIM 2.0 (Energy_Model/Model_energy.py: each layer's components' power x their busy latency, no "
                 "idle-chip term), the framework ReShare was built on: busy = each CU while it computes; occupied = "
                 "the CUs holding weights for the whole run; chip = every CU of the chip (no power gating)"),
        int_key("chip.pes", &HwConfig::chip_pes, "ours: 0 = enough PEs to hold the whole network, as the paper's sizing"),
        int_key("chip.crossbars", &HwConfig::chip_crossbars, "ours: 0 = unset; a chip of this many crossbars (ISAAC-style equal-chip "
                "comparisons), instead of chip.pes"),
        enum_key("chip.replication", &HwConfig::replication, parse_replication, to_string,
                 "ours: none = one copy of every layer (the paper's sizing: the whole network resident); fill = "
                 "ISAAC-style copies into the CUs left over (docs/timing.md)"),
        int_key("sme.window_bits", &HwConfig::sme_window_bits,
                "SME (ICCD 2021) Fig. 9: S = 3 consecutive ones per magnitude is the sweet spot on ResNet-18"),
        int_key("sme.squeeze_bits", &HwConfig::sme_squeeze_bits,
                "SME Fig. 3 and IV-C: D = 1 bit squeezed out (0 = no squeeze-out)"),
        double_key("reram_sharing.keep_ratio", &HwConfig::rs_keep_ratio,
                   "ours: K = ceil(ratio x non-zero OUs) centroids per OU-row group; the paper gives no K (its 2019 "
                   "prototype keeps chunks / 100, with retraining, which we do not have)"),
        double_key("reram_sharing.max_weight_error", &HwConfig::rs_max_weight_error,
                   "ours: 0 = K from keep_ratio; else per OU-row group the smallest K whose RMS weight error (int8 "
                   "steps) is at most this"),
        int_key("reram_sharing.cluster_rows", &HwConfig::rs_cluster_rows,
                "other-schemes.md's reading of the authors' figure: 1 = each OU-row group on its own (members share their "
                "inputs: sharing saves cells and computations); N = N consecutive OU-row groups clustered together (a "
                "shared OU fires once per OU-row group using it: it saves cells, not computations); 0 = a whole conv group"),
        int_key("reram_sharing.iterations", &HwConfig::rs_iterations,
                "ours: at most 20 Lloyd iterations (the paper gives none; its prototype allows 20000)"),
        double_key("reram_sharing.adder_ns", &HwConfig::rs_adder_ns,
                   "ours: the digital adders add one OU's ou.cols results into a target per 1 GHz cycle"),
        double_key("reram_sharing.adder_pj", &HwConfig::rs_adder_pj,
                   "Accelergy's ISAAC tables: ~0.021 pJ per add, as energy.accumulate_pj (component-numbers.md)"),
        enum_key("cr2.input_pattern", &HwConfig::cr2_input_pattern, parse_input_pattern, to_string,
                 "other-schemes.md's reading: bits = the r-bit wordline vector of an OU-row group in one bit-serial cycle "
                 "(256 patterns for 8-row OUs); activations = its r whole int8 inputs (the alternative it names)"),
        enum_key("cr2.base", &HwConfig::cr2_base, parse_cr2_base, to_string,
                 "other-schemes.md's reading: reshare = WPR through ReShare's task list (the same authors' framing); rws = "
                 "through RWS's index table"),
        int_key("cr2.buffer_bytes", &HwConfig::cr2_buffer_bytes,
                "ours: 64 KiB for the whole network's input-pattern entries (the poster's B; it gives no value)"),
        double_key("accuracy.min_cosine", &HwConfig::accuracy_min_cosine,
                   "ours: a scheme that changes the weights warns when its output's cosine similarity to the unchanged "
                   "int8 network's falls below this"),
        double_key("dma.setup_ns", &HwConfig::dma_setup_ns, "ours: one system-bus round trip per burst"),
        double_key("dma.bytes_per_ns", &HwConfig::dma_bytes_per_ns, "ours: a 128-bit system bus at 1 GHz"),
    };
    return keys;
}

const Key* find_key(const std::string& path) {
    for (const Key& k : schema())
        if (path == k.path) return &k;
    return nullptr;
}

bool is_section(const std::string& path) {
    for (const Key& k : schema())
        if (std::string(k.path).rfind(path + ".", 0) == 0) return true;
    return false;
}

void read_map(HwConfig& c, const YAML::Node& node, const std::string& prefix, const std::string& file) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
        const std::string in = prefix.empty() ? "the top level" : prefix;
        if (!kv.first.IsScalar())
            throw Error("config " + file + ": " + in + ": a key must be a plain name, not a sequence or mapping");
        const std::string name = kv.first.Scalar();
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        const std::string where = "config " + file + ": " + path;
        // A repeated key or section would silently override or merge: say which.
        if (!seen.insert(name).second) throw Error(where + ": given twice");
        if (const Key* key = find_key(path)) {
            key->read(c, kv.second, where);
            c.mark_set(path, "file " + file);
        } else if (is_section(path)) {
            if (!kv.second.IsMap()) throw Error(where + ": expected a mapping of keys");
            read_map(c, kv.second, path, file);
        } else {
            throw Error(where + ": unknown key");
        }
    }
}

bool is_power_of_two(int v) { return v > 0 && (v & (v - 1)) == 0; }

void require(bool ok, const std::string& source, const char* key, const std::string& problem) {
    if (!ok) throw Error("config " + source + ": " + key + ": " + problem);
}

}  // namespace

namespace {

// Every enumerated value's name, in one table per enum: to_string and parse both read it.
template <class E>
using Names = std::vector<std::pair<E, const char*>>;

template <class E>
const char* name_of(E v, const Names<E>& names) {
    for (const auto& [value, name] : names)
        if (value == v) return name;
    return "?";
}

template <class E>
E parse_name(const std::string& s, const Names<E>& names, const char* what) {
    std::string expected;
    for (size_t i = 0; i < names.size(); ++i) {
        if (s == names[i].second) return names[i].first;
        expected += std::string(i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i].second;
    }
    throw Error(std::string("unknown ") + what + " '" + s + "' (expected " + expected + ")");
}

const Names<Encoding> kEncodings = {{Encoding::Twos, "twos"}, {Encoding::Offset, "offset"}, {Encoding::Differential, "differential"}};
const Names<PatternRead> kPatternReads = {{PatternRead::Line, "line"}, {PatternRead::Result, "result"}};
const Names<LeakageScope> kLeakageScopes = {{LeakageScope::Chip, "chip"}, {LeakageScope::Occupied, "occupied"}, {LeakageScope::Busy, "busy"}};
const Names<IndexMemory> kIndexMemories = {{IndexMemory::Reram, "reram"}, {IndexMemory::Edram, "edram"}};
const Names<Replication> kReplications = {{Replication::None, "none"}, {Replication::Fill, "fill"}};
const Names<InputPattern> kInputPatterns = {{InputPattern::Bits, "bits"}, {InputPattern::Activations, "activations"}};
const Names<Cr2Base> kCr2Bases = {{Cr2Base::ReShare, "reshare"}, {Cr2Base::Rws, "rws"}};
const Names<AdcConvention> kAdcConventions = {{AdcConvention::PowerOverRate, "power-over-rate"}, {AdcConvention::Mnsim, "mnsim"}};
const Names<SimMode> kSimModes = {{SimMode::Batched, "batched"}, {SimMode::Detailed, "detailed"}};
const Names<QuantGranularity> kQuants = {{QuantGranularity::PerTensor, "per-tensor"}, {QuantGranularity::PerChannel, "per-channel"}};

}  // namespace

const char* to_string(Encoding e) { return name_of(e, kEncodings); }
Encoding parse_encoding(const std::string& s) { return parse_name(s, kEncodings, "encoding"); }
const char* to_string(PatternRead r) { return name_of(r, kPatternReads); }
PatternRead parse_pattern_read(const std::string& s) { return parse_name(s, kPatternReads, "pattern read"); }
const char* to_string(LeakageScope s) { return name_of(s, kLeakageScopes); }
LeakageScope parse_leakage_scope(const std::string& s) { return parse_name(s, kLeakageScopes, "leakage scope"); }
const char* to_string(IndexMemory m) { return name_of(m, kIndexMemories); }
IndexMemory parse_index_memory(const std::string& s) { return parse_name(s, kIndexMemories, "index memory"); }
const char* to_string(Replication r) { return name_of(r, kReplications); }
Replication parse_replication(const std::string& s) { return parse_name(s, kReplications, "replication"); }
const char* to_string(InputPattern p) { return name_of(p, kInputPatterns); }
InputPattern parse_input_pattern(const std::string& s) { return parse_name(s, kInputPatterns, "input pattern"); }
const char* to_string(Cr2Base b) { return name_of(b, kCr2Bases); }
Cr2Base parse_cr2_base(const std::string& s) { return parse_name(s, kCr2Bases, "cr2 base"); }
const char* to_string(AdcConvention a) { return name_of(a, kAdcConventions); }
AdcConvention parse_adc_convention(const std::string& s) { return parse_name(s, kAdcConventions, "ADC convention"); }
const char* to_string(SimMode m) { return name_of(m, kSimModes); }
SimMode parse_sim_mode(const std::string& s) { return parse_name(s, kSimModes, "simulation mode"); }
const char* to_string(QuantGranularity q) { return name_of(q, kQuants); }
QuantGranularity parse_quant(const std::string& s) { return parse_name(s, kQuants, "quantization"); }

HwConfig load_config(const std::string& path) {
    const YAML::Node root = load_yaml_file(path, "config");
    HwConfig c;
    c.source = path;
    if (root.IsNull()) return c;
    if (!root.IsMap()) throw Error("config " + path + ": the top level must be a mapping of sections");
    read_map(c, root, "", path);
    validate(c);
    return c;
}

void apply_setting(HwConfig& c, const std::string& key, const std::string& value, const std::string& by) {
    const Key* k = find_key(key);
    if (!k) throw Error(key + ": unknown key" + (is_section(key) ? " (a section: name one of its keys)" : ""));
    YAML::Node node;
    try {
        node = YAML::Load(value);
    } catch (const YAML::Exception&) {
        throw Error(key + ": cannot read the value '" + value + "'");
    }
    k->read(c, node, key);
    c.mark_set(key, by);
}

std::vector<std::string> config_keys() {
    std::vector<std::string> keys;
    for (const Key& k : schema()) keys.push_back(k.path);
    return keys;
}

void validate(const HwConfig& c) {
    const std::string& s = c.source;
    require(c.xbar_rows > 0 && c.xbar_rows <= 4096, s, "crossbar.rows", "must be in 1..4096");
    require(c.xbar_cols > 0 && c.xbar_cols <= 4096, s, "crossbar.cols", "must be in 1..4096");
    require(c.cell_bits == 1 || c.cell_bits == 2, s, "crossbar.cell_bits", "must be 1 or 2");
    require(c.ou_rows > 0, s, "ou.rows", "must be at least 1");
    require(c.ou_cols > 0, s, "ou.cols", "must be at least 1");
    require(c.ou_rows <= c.xbar_rows && c.xbar_rows % c.ou_rows == 0, s, "ou.rows",
            "must divide crossbar.rows (" + std::to_string(c.xbar_rows) + ")");
    require(c.ou_cols <= c.xbar_cols && c.xbar_cols % c.ou_cols == 0, s, "ou.cols",
            "must divide crossbar.cols (" + std::to_string(c.xbar_cols) + ")");
    require(c.ou_rows * c.cell_bits <= 32, s, "ou.rows", "times crossbar.cell_bits must be at most 32 bits per pattern");
    require(c.ou_cols * c.cell_bits <= 32, s, "ou.cols", "times crossbar.cell_bits must be at most 32 bits per OU row");
    require(c.weight_bits >= 2 && c.weight_bits <= 8, s, "quantization.weight_bits", "must be in 2..8");
    require(c.input_bits >= 2 && c.input_bits <= 8, s, "quantization.input_bits", "must be in 2..8");
    require(!(c.encoding == Encoding::Twos && c.cell_bits > 1), s, "quantization.encoding",
            "twos needs 1-bit cells: a multi-bit cell cannot hold the negative sign bit with a positive one");
    require(is_power_of_two(c.result_bits) && c.result_bits >= 8 && c.result_bits <= 32, s, "sharing.result_bits",
            "must be 8, 16 or 32");
    // 32 results of 32 bits at most (below): bounding it first keeps block_bytes * 8 in int (fuzz-findings C2).
    require(c.block_bytes > 0 && c.block_bytes <= 128, s, "sharing.block_bytes", "must be in 1..128");
    require((c.block_bytes * 8) % c.result_bits == 0, s, "sharing.block_bytes",
            "must hold a whole number of results of sharing.result_bits");
    // Algorithm 1 ranks with exact integer weights lcm(1..B)/n; up to 32 results per block they fit 64 bits.
    require(c.results_per_block() >= 1 && c.results_per_block() <= 32, s, "sharing.block_bytes",
            "must hold 1 to 32 results");
    require(c.cu_arrays >= 1 && c.cu_arrays <= 1024, s, "cu.arrays", "must be in 1..1024");
    require(c.cu_adcs >= c.cu_arrays && c.cu_adcs % c.cu_arrays == 0, s, "cu.adcs",
            "must be a multiple of cu.arrays (each array owns the same number of ADCs)");
    require(c.adc_bits >= 1 && c.adc_bits <= 16, s, "adc.bits", "must be in 1..16");
    require(c.adc_sample_rate_gsps > 0 && c.adc_sample_rate_gsps <= 100, s, "adc.sample_rate_gsps", "must be in (0, 100]");
    require(c.buffer_access_ns > 0 && c.buffer_access_ns <= 1000, s, "buffer.access_ns", "must be in (0, 1000]");
    // Powers (mW) and energies (pJ): Table I's largest is 12.1 mW; a bound six orders above it keeps every product
    // of the energy model finite (issue 13: 1e308 mW gave null energies).
    for (const auto& [key, v] : std::vector<std::pair<const char*, double>>{
             {"energy.adc_mw", c.adc_mw}, {"energy.dac_mw", c.dac_mw}, {"energy.arrays_mw", c.arrays_mw},
             {"energy.sample_hold_mw", c.sample_hold_mw}, {"energy.shift_add_mw", c.shift_add_mw},
             {"energy.buffer_access_pj", c.buffer_access_pj}, {"energy.buffer_leakage_mw", c.buffer_leakage_mw},
             {"energy.global_buffer_access_pj", c.global_buffer_access_pj}, {"energy.accumulate_pj", c.accumulate_pj},
             {"energy.pooling_mw", c.pooling_mw}, {"programming.cell_pj", c.program_cell_pj},
             {"reram_index.read_pj", c.reram_index_read_pj}, {"reram_sharing.adder_pj", c.rs_adder_pj}})
        require(v >= 0 && v <= 1e6, s, key, "must be in 0..1e6");
    require(c.cu_dacs >= 1 && c.cu_sample_holds >= 1 && c.cu_shift_adds >= 1, s, "energy.dacs",
            "energy.dacs, energy.sample_holds and energy.shift_adds must be at least 1");
    require(c.pe_cus >= 1 && c.pe_cus <= 1024, s, "pe.cus", "must be in 1..1024");
    require(c.chip_pes >= 0 && c.chip_pes <= 65536, s, "chip.pes", "must be in 0..65536 (0 = auto)");
    require(long(c.chip_pes) * c.pe_cus <= kMaxChipCus, s, "chip.pes",
            "times pe.cus gives " + std::to_string(long(c.chip_pes) * c.pe_cus) + " CUs, more than the " + std::to_string(kMaxChipCus) +
                " this model builds");
    require(c.chip_crossbars >= 0 && c.chip_crossbars <= 65536L * c.crossbars_per_pe(), s, "chip.crossbars",
            "must be in 0..65536 PEs' worth (0 = unset)");
    require(c.chip_crossbars == 0 || c.chip_pes == 0, s, "chip.crossbars", "set chip.crossbars or chip.pes, not both");
    require(c.quantum_ns > 0 && c.quantum_ns <= 1e9, s, "sim.quantum_ns", "must be in (0, 1e9] ns");
    require(c.global_buffer_width_bytes >= 1, s, "global_buffer.width_bytes", "must be at least 1");
    require(c.activation_lanes >= 1 && c.pooling_lanes >= 1, s, "activation.lanes",
            "activation.lanes and pooling.lanes must be at least 1");
    require(c.program_pulse_ns >= 0 && c.program_pulse_ns <= 1e6, s, "programming.pulse_ns", "must be in 0..1e6 ns");
    require(c.dma_setup_ns >= 0 && c.dma_setup_ns <= 1e6, s, "dma.setup_ns", "must be in 0..1e6 ns");
    // At least 1 byte per us: slower buses made a face_recognition job last 9e15 ns (issue 13).
    require(c.dma_bytes_per_ns >= 1e-3 && c.dma_bytes_per_ns <= 1e6, s, "dma.bytes_per_ns", "must be in 1e-3..1e6");
    require(c.rws_output_buffer_results >= c.ou_cols, s, "rws.output_buffer_results",
            "must hold at least one OU's results (ou.cols)");
    require(c.reram_index_read_ns > 0 && c.reram_index_read_ns <= 1e6, s, "reram_index.read_ns", "must be in (0, 1e6]");
    require(c.reram_index_entries_per_read >= 1 && c.reram_index_entries_per_read <= 1024, s,
            "reram_index.entries_per_read", "must be in 1..1024");
    require(c.sme_window_bits >= 1 && c.sme_window_bits <= c.weight_bits - 1, s, "sme.window_bits",
            "must be in 1..quantization.weight_bits - 1 (" + std::to_string(c.weight_bits - 1) + " magnitude bits)");
    require(c.sme_squeeze_bits >= 0 && c.sme_squeeze_bits <= c.weight_bits - 2, s, "sme.squeeze_bits",
            "must be in 0..quantization.weight_bits - 2 (at least one bit-crossbar stays)");
    require(c.rs_keep_ratio > 0 && c.rs_keep_ratio <= 1, s, "reram_sharing.keep_ratio", "must be in (0, 1]");
    require(c.rs_max_weight_error >= 0 && c.rs_max_weight_error <= 255, s, "reram_sharing.max_weight_error",
            "must be in 0..255 int8 steps");
    require(c.rs_cluster_rows >= 0 && c.rs_cluster_rows <= 65536, s, "reram_sharing.cluster_rows",
            "must be in 0..65536 (0 = a whole conv group)");
    require(c.rs_iterations >= 1 && c.rs_iterations <= 100000, s, "reram_sharing.iterations", "must be in 1..100000");
    require(c.rs_adder_ns > 0 && c.rs_adder_ns <= 1000, s, "reram_sharing.adder_ns", "must be in (0, 1000]");
    require(c.cr2_buffer_bytes >= 0 && c.cr2_buffer_bytes <= (1 << 26), s, "cr2.buffer_bytes", "must be in 0..64 MiB");
    require(c.cr2_input_pattern == InputPattern::Bits || c.ou_rows <= 8, s, "cr2.input_pattern",
            "activations keys hold at most 8 rows of int8 inputs (ou.rows " + std::to_string(c.ou_rows) + ")");
    require(c.accuracy_min_cosine >= -1 && c.accuracy_min_cosine <= 1, s, "accuracy.min_cosine", "must be in -1..1");
    require(c.cu_edram_bytes >= 1024 && c.cu_edram_bytes <= (1 << 30), s, "cu.edram_bytes", "must be in 1 KiB..1 GiB");
}

void HwConfig::mark_set(const std::string& key, const std::string& by) {
    for (auto& [k, v] : set_by)
        if (k == key) {
            v = by;
            return;
        }
    set_by.push_back({key, by});
}

std::vector<ConfigEntry> describe(const HwConfig& c) {
    std::vector<ConfigEntry> entries;
    for (const Key& k : schema()) {
        std::string source = std::string("default: ") + k.source;
        for (const auto& [key, by] : c.set_by)
            if (key == k.path) source = "set by " + by + " (default: " + k.source + ")";
        entries.push_back({k.path, k.show(c), source, k.numeric});
    }
    return entries;
}

}  // namespace reshare
