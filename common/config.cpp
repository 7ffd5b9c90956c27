#include "common/config.hpp"

#include "common/error.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
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
    try {
        return n.as<double>();
    } catch (const YAML::Exception&) {
        throw Error(where + ": expected a number, got '" + n.Scalar() + "'");
    }
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
        int_key("chip.pes", &HwConfig::chip_pes, "ours: 0 = enough PEs to hold the whole network, as the paper's sizing"),
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
    for (const auto& kv : node) {
        const std::string name = kv.first.as<std::string>();
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        const std::string where = "config " + file + ": " + path;
        if (const Key* key = find_key(path)) {
            key->read(c, kv.second, where);
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

const char* to_string(Encoding e) {
    switch (e) {
        case Encoding::Twos: return "twos";
        case Encoding::Offset: return "offset";
        case Encoding::Differential: return "differential";
    }
    return "?";
}

const char* to_string(PatternRead r) { return r == PatternRead::Line ? "line" : "result"; }

PatternRead parse_pattern_read(const std::string& s) {
    if (s == "line") return PatternRead::Line;
    if (s == "result") return PatternRead::Result;
    throw Error("unknown pattern read '" + s + "' (expected line or result)");
}

const char* to_string(AdcConvention a) { return a == AdcConvention::Mnsim ? "mnsim" : "power-over-rate"; }

AdcConvention parse_adc_convention(const std::string& s) {
    if (s == "power-over-rate") return AdcConvention::PowerOverRate;
    if (s == "mnsim") return AdcConvention::Mnsim;
    throw Error("unknown ADC convention '" + s + "' (expected power-over-rate or mnsim)");
}

const char* to_string(SimMode m) { return m == SimMode::Detailed ? "detailed" : "batched"; }

SimMode parse_sim_mode(const std::string& s) {
    if (s == "batched") return SimMode::Batched;
    if (s == "detailed") return SimMode::Detailed;
    throw Error("unknown simulation mode '" + s + "' (expected batched or detailed)");
}

const char* to_string(QuantGranularity q) { return q == QuantGranularity::PerTensor ? "per-tensor" : "per-channel"; }

Encoding parse_encoding(const std::string& s) {
    if (s == "twos") return Encoding::Twos;
    if (s == "offset") return Encoding::Offset;
    if (s == "differential") return Encoding::Differential;
    throw Error("unknown encoding '" + s + "' (expected twos, offset or differential)");
}

QuantGranularity parse_quant(const std::string& s) {
    if (s == "per-tensor") return QuantGranularity::PerTensor;
    if (s == "per-channel") return QuantGranularity::PerChannel;
    throw Error("unknown quantization '" + s + "' (expected per-tensor or per-channel)");
}

HwConfig load_config(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw Error("config " + path + ": cannot read the file");
    } catch (const YAML::Exception& e) {
        throw Error("config " + path + ": not valid YAML (" + e.msg + " at line " + std::to_string(e.mark.line + 1) + ")");
    }
    HwConfig c;
    c.source = path;
    if (root.IsNull()) return c;
    if (!root.IsMap()) throw Error("config " + path + ": the top level must be a mapping of sections");
    read_map(c, root, "", path);
    validate(c);
    return c;
}

void validate(const HwConfig& c) {
    const std::string& s = c.source;
    require(c.xbar_rows > 0 && c.xbar_rows <= 4096, s, "crossbar.rows", "must be in 1..4096");
    require(c.xbar_cols > 0 && c.xbar_cols <= 4096, s, "crossbar.cols", "must be in 1..4096");
    require(c.cell_bits == 1 || c.cell_bits == 2, s, "crossbar.cell_bits", "must be 1 or 2");
    require(c.ou_rows > 0 && c.ou_rows <= c.xbar_rows && c.xbar_rows % c.ou_rows == 0, s, "ou.rows",
            "must divide crossbar.rows (" + std::to_string(c.xbar_rows) + ")");
    require(c.ou_cols > 0 && c.ou_cols <= c.xbar_cols && c.xbar_cols % c.ou_cols == 0, s, "ou.cols",
            "must divide crossbar.cols (" + std::to_string(c.xbar_cols) + ")");
    require(c.ou_rows * c.cell_bits <= 32, s, "ou.rows", "times crossbar.cell_bits must be at most 32 bits per pattern");
    require(c.ou_cols * c.cell_bits <= 32, s, "ou.cols", "times crossbar.cell_bits must be at most 32 bits per OU row");
    require(c.weight_bits >= 2 && c.weight_bits <= 8, s, "quantization.weight_bits", "must be in 2..8");
    require(c.input_bits >= 2 && c.input_bits <= 8, s, "quantization.input_bits", "must be in 2..8");
    require(!(c.encoding == Encoding::Twos && c.cell_bits > 1), s, "quantization.encoding",
            "twos needs 1-bit cells: a multi-bit cell cannot hold the negative sign bit with a positive one");
    require(is_power_of_two(c.result_bits) && c.result_bits >= 8 && c.result_bits <= 32, s, "sharing.result_bits",
            "must be 8, 16 or 32");
    require(c.block_bytes > 0 && (c.block_bytes * 8) % c.result_bits == 0, s, "sharing.block_bytes",
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
    for (const auto& [key, v] : std::vector<std::pair<const char*, double>>{
             {"energy.adc_mw", c.adc_mw}, {"energy.dac_mw", c.dac_mw}, {"energy.arrays_mw", c.arrays_mw},
             {"energy.sample_hold_mw", c.sample_hold_mw}, {"energy.shift_add_mw", c.shift_add_mw},
             {"energy.buffer_access_pj", c.buffer_access_pj}, {"energy.buffer_leakage_mw", c.buffer_leakage_mw}})
        require(v >= 0, s, key, "must not be negative");
    require(c.cu_dacs >= 1 && c.cu_sample_holds >= 1 && c.cu_shift_adds >= 1, s, "energy.dacs",
            "energy.dacs, energy.sample_holds and energy.shift_adds must be at least 1");
    require(c.pe_cus >= 1 && c.pe_cus <= 1024, s, "pe.cus", "must be in 1..1024");
    require(c.chip_pes >= 0 && c.chip_pes <= 65536, s, "chip.pes", "must be in 0..65536 (0 = auto)");
    require(c.quantum_ns > 0, s, "sim.quantum_ns", "must be positive");
    require(c.global_buffer_width_bytes >= 1, s, "global_buffer.width_bytes", "must be at least 1");
    require(c.activation_lanes >= 1 && c.pooling_lanes >= 1, s, "activation.lanes",
            "activation.lanes and pooling.lanes must be at least 1");
    require(c.global_buffer_access_pj >= 0 && c.accumulate_pj >= 0 && c.pooling_mw >= 0, s,
            "energy.global_buffer_access_pj", "energies must not be negative");
    require(c.program_pulse_ns >= 0 && c.program_cell_pj >= 0, s, "programming.pulse_ns",
            "programming.pulse_ns and programming.cell_pj must not be negative");
    require(c.dma_setup_ns >= 0, s, "dma.setup_ns", "must not be negative");
    require(c.dma_bytes_per_ns > 0, s, "dma.bytes_per_ns", "must be positive");
    require(c.rws_output_buffer_results >= c.ou_cols, s, "rws.output_buffer_results",
            "must hold at least one OU's results (ou.cols)");
}

std::vector<ConfigEntry> describe(const HwConfig& c) {
    std::vector<ConfigEntry> entries;
    for (const Key& k : schema()) entries.push_back({k.path, k.show(c), k.source, k.numeric});
    return entries;
}

}  // namespace reshare
