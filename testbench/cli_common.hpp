// Options and steps every subcommand shares: model and configuration selection, the per-layer loop, JSON.
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/models/model.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/offline/quantize.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>

namespace reshare::cli {

struct ModelOptions {
    std::string model;
    std::string config;     // YAML file; empty = built-in defaults (configs/reshare-table1.yaml)
    std::string encoding;   // overrides quantization.encoding
    std::string quant;      // overrides quantization.granularity
    std::string ou;         // "RxC", overrides ou.rows / ou.cols
    std::vector<std::string> sets;   // "KEY=VALUE" (--set, repeatable): any configuration key, after the file
    int threads = 0;        // 0 = RESHARE_THREADS or all cores
    uint64_t seed = models::Model::kDefaultSeed;
    std::string input_size;   // "HxW" for a network file that leaves its input's size open
};

void add_model_options(CLI::App& cmd, ModelOptions& o);
// The model the options name, read with its input size (throws Error, exit 2, for a malformed --input-size).
models::Model load_model(const ModelOptions& o);

// How a photo becomes the network input, over the model's own convention (docs/models.md): each given flag
// replaces its part of x = (pixel x scale - mean[c]) / std[c]; channels rgb or bgr; the bilinear resize's centers.
struct InputOptions {
    std::string scale, mean, std, channels, resize;
    bool empty() const { return scale.empty() && mean.empty() && std.empty() && channels.empty() && resize.empty(); }
};
void add_input_options(CLI::App& cmd, InputOptions& o);
// Throws Error naming the flag for a bad value.
void apply_input_options(models::Graph& g, const InputOptions& o);
// The flags again, for a child `reshare run`.
std::vector<std::string> input_args(const InputOptions& o);
// The preprocessing a report records: the flag form of the graph's convention and the resize.
nlohmann::ordered_json preprocessing_json(const models::InputNorm& n);
// The configuration file (or defaults) with the command-line overrides applied, validated.
HwConfig resolve_config(const ModelOptions& o);
int thread_count(const ModelOptions& o);

// Lowers, quantizes and hands over each weight layer in order; only one layer's weights live at a time.
void for_each_layer(const models::Model& model, const HwConfig& config, int threads,
                    const std::function<void(size_t index, const QuantizedMatrix&)>& visit);

nlohmann::ordered_json config_json(const HwConfig& c);
// Writes `text` beside `path` and renames it into place: a failure leaves no half-written file.
void write_whole(const std::string& path, const std::string& text);

// A layer's or model's storage by component (cells first), and its total (docs/storage.md).
nlohmann::ordered_json storage_json(const LayerMetrics& m);
// The storage figures of a report: storage_bits, where they live, the CUs' eDRAM check, and the Fig. 7(b) base.
nlohmann::ordered_json storage_figures_json(const LayerMetrics& m, const HwConfig& c);

// Fails early, before any work, when `path` (the value of `option`; "" = not asked for) cannot be written: its
// directory does not exist or it names a directory.
void check_writable(const std::string& option, const std::string& path);
// Fails early when two outputs (option, path; "" = not asked for) name the same file: one would overwrite the other.
// The items of a comma-separated list (empty items skipped).
std::vector<std::string> comma_list(const std::string& list);
// A child `reshare` command's model options, as given to this one: --model, --seed and those set.
std::vector<std::string> model_args(const ModelOptions& o);
// Appends `flag value` when the value is not empty.
void add_arg(std::vector<std::string>& args, const char* flag, const std::string& value);

// Progress of a long command on stderr. On a terminal: one line redrawn in place. Otherwise (a log, CI, a test):
// a plain line at most every kPlainEvery seconds, so a long run shows it is alive without flooding the log, and
// nothing for work that ends sooner.
class Progress {
public:
    static constexpr double kPlainEvery = 10;
    void show(const std::string& what, size_t done, size_t total);
    void end();

private:
    double seconds() const;
    bool tty_ = isatty(2);
    bool drawn_ = false;
    double last_plain_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The wall time of a command's phases (`run --timings`): where a run's seconds go, for whoever tunes it.
class PhaseClock {
public:
    // The time since the previous lap (or the clock's start) was spent in `phase`.
    void lap(const std::string& phase);
    // "phase 1.23 s (512 MiB, peak 600), phase 0.45 s (530 MiB, peak 600), ..., total 2.00 s": each phase's wall
    // time, the resident set at its end and the peak resident set so far.
    std::string summary() const;

private:
    struct Lap {
        std::string phase;
        double seconds;
        long resident_mib, peak_mib;
    };
    std::vector<Lap> laps_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

// Runs this same executable with `args` (a SystemC simulation per process), its stdout discarded; its exit status.
int run_self(const std::vector<std::string>& args);
// Called as each run ends: its index, exit status and what it wrote to stderr.
using RunDone = std::function<void(size_t index, int status, const std::string& messages)>;
// How a run's process starts: this executable afresh, or forked from this process, which then runs the command
// line through the tool's entry (set_tool_entry) and keeps what this process prepared (prepare_shared_reference).
// A forked run must start before this process builds any SystemC module.
enum class Spawn { Exec, Fork };
// Each of `runs` in its own process, up to `jobs` at a time; with more than one (or with `done`), a child's stderr
// is kept in `scratch` and, when it ends, handed to `done` or (without it) copied to ours, so messages do not
// interleave. The exit statuses, in order.
std::vector<int> run_self_all(const std::vector<std::vector<std::string>>& runs, int jobs, const std::string& scratch,
                              const RunDone& done = {}, Spawn how = Spawn::Exec);
// The tool's command line as a function, `reshare ARGS...` -> exit status: main.cpp registers it for forked runs.
using ToolEntry = int (*)(int argc, char** argv);
void set_tool_entry(ToolEntry entry);

void check_distinct(const std::vector<std::pair<std::string, std::string>>& outputs);
// The fields every JSON output starts with: model, weights, encoding, quantization.
nlohmann::ordered_json header_json(const models::Model& m, const HwConfig& c);

// The registered schemes, one line each with its summary: the footer of `reshare --help`.
std::string schemes_help();

// PEs the network needs to be held once with `scheme`, by the controller's mapping (compresses every layer).
int resident_pes(const models::Model& model, const HwConfig& config, Scheme scheme, int threads);

// Registers the subcommands; each sets the callback that runs it.
void register_stats(CLI::App& app);
void register_compress(CLI::App& app);
void register_fit(CLI::App& app);
void register_run(CLI::App& app);
void register_compare(CLI::App& app);
// reshare compare, before it forks its runs: the reference every `reshare run` of these options shares (the
// network, input, float and unchanged int8 references, quantized weights; cmd_run.cpp), computed once.
void prepare_shared_reference(const ModelOptions& m, const InputOptions& in, const std::string& image);
void register_sweep(CLI::App& app);
void register_figures(CLI::App& app);
void register_export(CLI::App& app);

}  // namespace reshare::cli
