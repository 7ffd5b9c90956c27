#include "reshare/testbench/cli_common.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/parallel.hpp"
#include "reshare/testbench/chip_run.hpp"
#include "reshare_version.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <filesystem>
#include <fstream>
#include <regex>

namespace reshare::cli {

void add_model_options(CLI::App& cmd, ModelOptions& o) {
    cmd.add_option("-m,--model", o.model, "zoo name (alexnet, vgg16, resnet50, googlenet, face_recognition, "
                                          "ssd_mobilenetv1), a TF.js weight manifest, a Keras model.json or an .onnx file")
        ->required();
    cmd.add_option("-c,--config", o.config, "hardware configuration YAML (default: built-in, = configs/reshare-table1.yaml)");
    cmd.add_option("--encoding", o.encoding, "weight encoding: twos, offset or differential (overrides the config)");
    cmd.add_option("--quant", o.quant, "quantization granularity: per-tensor or per-channel (overrides the config)");
    cmd.add_option("--ou", o.ou, "OU size ROWSxCOLS, e.g. 8x8 (overrides the config)");
    cmd.add_option("--set", o.sets, "KEY=VALUE: set any configuration key (e.g. sharing.block_bytes=8) over the "
                                    "config file; repeatable")
        ->expected(1)
        ->take_all();
    cmd.add_option("--threads", o.threads, "worker threads, 1..1024 (default: RESHARE_THREADS or all cores)")
        ->check(CLI::Range(1, 1024));
    cmd.add_option("--seed", o.seed, "seed of synthetic weights (default " + std::to_string(o.seed) + ")")
        ->check(CLI::Validator([](std::string& v) { return !v.empty() && v[0] == '-' ? std::string("must not be negative") : std::string(); },
                               "UINT"));
    cmd.add_option("--input-size", o.input_size, "HxW: the input plane of an .onnx file that leaves it open (e.g. 48x192)");
}

models::Model load_model(const ModelOptions& o) {
    models::InputSize size;
    if (!o.input_size.empty()) {
        const std::string& t = o.input_size;
        const size_t x = t.find('x');
        auto side = [&](const std::string& part) {
            if (part.empty() || part.size() > 5 || part.find_first_not_of("0123456789") != std::string::npos) return 0;
            return std::stoi(part);
        };
        size.h = x == std::string::npos ? 0 : side(t.substr(0, x));
        size.w = x == std::string::npos ? 0 : side(t.substr(x + 1));
        if (size.h < 1 || size.w < 1 || size.h > 16384 || size.w > 16384)
            throw Error("--input-size " + t + ": expected HEIGHTxWIDTH, each 1..16384, such as 48x192");
    }
    return models::load_model(o.model, o.seed, size);
}

void add_input_options(CLI::App& cmd, InputOptions& o) {
    cmd.add_option("--input-scale", o.scale, "input preprocessing: x = (pixel x S - mean) / std; S (default: the model's; 1 = pixels 0..255)");
    cmd.add_option("--input-mean", o.mean, "input preprocessing: the mean M or M,M,M subtracted after scaling (default: the model's)");
    cmd.add_option("--input-std", o.std, "input preprocessing: the divisor S or S,S,S (default: the model's)");
    cmd.add_option("--channels", o.channels, "input channel order: rgb or bgr (default: the model's)");
    cmd.add_option("--resize", o.resize, "bilinear resize to the input plane: half-pixel (default) or align-corners");
}

namespace {

// One number, or three comma-separated: per channel.
std::array<float, 3> channel_values(const std::string& flag, const std::string& text) {
    const std::vector<std::string> items = comma_list(text);
    if (items.size() != 1 && items.size() != 3) throw Error(flag + " " + text + ": expected one number or three, comma-separated");
    std::array<float, 3> out{};
    for (size_t c = 0; c < 3; ++c) {
        const std::string& item = items[items.size() == 1 ? 0 : c];
        size_t used = 0;
        float v = 0;
        try {
            v = std::stof(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || !std::isfinite(v)) throw Error(flag + " " + text + ": '" + item + "' is not a finite number");
        out[c] = v;
    }
    return out;
}

}  // namespace

void apply_input_options(models::Graph& g, const InputOptions& o) {
    models::InputNorm& n = g.input_norm;
    // The graph keeps (pixel - mean') * scale / std: the flags' mean is mean' x scale.
    float scale = n.scale;
    std::array<float, 3> mean{n.mean[0] * n.scale, n.mean[1] * n.scale, n.mean[2] * n.scale};
    if (!o.scale.empty()) {
        scale = channel_values("--input-scale", o.scale)[0];
        if (comma_list(o.scale).size() != 1 || scale == 0) throw Error("--input-scale " + o.scale + ": expected one non-zero number");
    }
    if (!o.mean.empty()) mean = channel_values("--input-mean", o.mean);
    if (!o.std.empty()) {
        n.std = channel_values("--input-std", o.std);
        for (float d : n.std)
            if (d == 0) throw Error("--input-std " + o.std + ": a divisor is zero");
    }
    if (!o.scale.empty() || !o.mean.empty()) {
        n.scale = scale;
        for (int c = 0; c < 3; ++c) n.mean[size_t(c)] = mean[size_t(c)] / scale;
    }
    if (!o.channels.empty()) {
        if (o.channels != "rgb" && o.channels != "bgr") throw Error("--channels " + o.channels + ": expected rgb or bgr");
        n.bgr = o.channels == "bgr";
    }
    if (!o.resize.empty()) {
        if (o.resize != "half-pixel" && o.resize != "align-corners")
            throw Error("--resize " + o.resize + ": expected half-pixel or align-corners");
        n.align_corners = o.resize == "align-corners";
    }
}

std::vector<std::string> input_args(const InputOptions& o) {
    std::vector<std::string> a;
    add_arg(a, "--input-scale", o.scale);
    add_arg(a, "--input-mean", o.mean);
    add_arg(a, "--input-std", o.std);
    add_arg(a, "--channels", o.channels);
    add_arg(a, "--resize", o.resize);
    return a;
}

nlohmann::ordered_json preprocessing_json(const models::InputNorm& n) {
    nlohmann::ordered_json j;
    j["formula"] = "(pixel x scale - mean[c]) / std[c]";
    j["scale"] = n.scale;
    j["mean"] = {n.mean[0] * n.scale, n.mean[1] * n.scale, n.mean[2] * n.scale};
    j["std"] = n.std;
    j["channels"] = n.bgr ? "bgr" : "rgb";
    j["resize"] = n.align_corners ? "bilinear, align-corners" : "bilinear, half-pixel";
    return j;
}

HwConfig resolve_config(const ModelOptions& o) {
    HwConfig c = o.config.empty() ? HwConfig{} : load_config(o.config);
    if (!o.config.empty() && c.set_by.empty())   // an empty file (or only comments) is legal, but rarely meant
        std::fprintf(stderr, "note: config %s sets no key: every value is its default\n", o.config.c_str());
    for (const std::string& set : o.sets) {
        const size_t eq = set.find('=');
        if (eq == std::string::npos || eq == 0) throw Error("--set " + set + ": expected KEY=VALUE, such as sharing.block_bytes=8");
        try {
            apply_setting(c, set.substr(0, eq), set.substr(eq + 1), "command line --set");
        } catch (const Error& e) {
            throw Error(std::string("--set ") + e.what());
        }
    }
    if (!o.encoding.empty()) c.encoding = parse_encoding(o.encoding), c.mark_set("quantization.encoding", "command line --encoding");
    if (!o.quant.empty()) c.quant = parse_quant(o.quant), c.mark_set("quantization.granularity", "command line --quant");
    if (!o.ou.empty()) {
        std::smatch m;
        if (!std::regex_match(o.ou, m, std::regex("([0-9]{1,4})x([0-9]{1,4})")))
            throw Error("--ou: expected ROWSxCOLS such as 8x8, got '" + o.ou + "'");
        c.ou_rows = std::stoi(m[1]);
        c.ou_cols = std::stoi(m[2]);
        c.mark_set("ou.rows", "command line --ou"), c.mark_set("ou.cols", "command line --ou");
    }
    if (!o.sets.empty() || !o.encoding.empty() || !o.quant.empty() || !o.ou.empty()) c.source += " with command-line overrides";
    validate(c);
    return c;
}

int thread_count(const ModelOptions& o) { return o.threads > 0 ? o.threads : default_threads(); }

void for_each_layer(const models::Model& model, const HwConfig& config, int threads,
                    const std::function<void(size_t, const QuantizedMatrix&)>& visit) {
    for (size_t i = 0; i < model.layers.size(); ++i) {
        const models::WeightLayer& l = model.layers[i];
        const QuantizedMatrix q =
            quantize(l.name, l.rows, l.cols, l.groups, model.matrix(i, threads), config.quant, config.weight_bits, threads);
        visit(i, q);
    }
}

void write_whole(const std::string& path, const std::string& text) {
    {
        std::ofstream f(path + ".partial");
        f << text;
        if (!f) throw Error("cannot write " + path, ExitCode::Failure);
    }
    if (std::rename((path + ".partial").c_str(), path.c_str()) != 0)
        throw Error("cannot write " + path, ExitCode::Failure);
}

nlohmann::ordered_json storage_json(const LayerMetrics& m) {
    nlohmann::ordered_json storage;
    for (const auto& [name, bits] : m.storage_bits) storage[name] = bits;
    storage["total"] = m.storage_total();
    return storage;
}

nlohmann::ordered_json storage_figures_json(const LayerMetrics& m, const HwConfig& c) {
    nlohmann::ordered_json j;
    j["storage_bits"] = storage_json(m);
    j["storage_placement_bits"] = {{"reram_cells", m.storage_bits.empty() ? 0 : m.storage_bits.front().second},
                                   {"index_memory", m.index_memory_bits},
                                   {"edram", m.edram_bits}};
    j["original_weight_bits"] = m.weight_bits;   // the paper's Fig. 7(b) normalizes storage to these too
    j["cu_buffers"] = {{"capacity_bits", uint64_t(c.cu_edram_bytes) * 8},
                       {"largest_need_bits", m.largest_cu_edram_bits},
                       {"cus", m.cus},
                       {"overflow_cus", m.overflow_cus},
                       {"array_overflow_cus", m.array_overflow_cus}};
    return j;
}

// Runs this same executable with `args`, its stdout discarded; returns its exit status.
std::vector<std::string> comma_list(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream s(list);
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

void add_arg(std::vector<std::string>& args, const char* flag, const std::string& value) {
    if (!value.empty()) args.insert(args.end(), {flag, value});
}

double Progress::seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

void Progress::show(const std::string& what, size_t done, size_t total) {
    const double s = seconds();
    const size_t percent = total ? 100 * done / total : 100;
    if (tty_) {
        std::fprintf(stderr, "\r%-40.40s %3zu%%  %6.1f s", what.c_str(), percent, s);
        std::fflush(stderr);
        drawn_ = true;
    } else if (s - last_plain_ >= kPlainEvery) {
        std::fprintf(stderr, "%s: %zu%% after %.0f s\n", what.c_str(), percent, s);
        last_plain_ = s;
    }
}

void Progress::end() {
    if (drawn_) std::fprintf(stderr, "\n");
    drawn_ = false;
}

namespace {
// A field of /proc/self/status in MiB ("VmRSS:" the resident set now, "VmHWM:" its peak so far); 0 where absent.
long status_mib(const std::string& field) {
    std::ifstream status("/proc/self/status");
    std::string key;
    long kib = 0;
    while (status >> key)
        if (key == field) return (status >> kib) ? kib / 1024 : 0;
        else status.ignore(1 << 20, '\n');
    return 0;
}
}  // namespace

void PhaseClock::lap(const std::string& phase) {
    const auto now = std::chrono::steady_clock::now();
    laps_.push_back({phase, std::chrono::duration<double>(now - last_).count(), status_mib("VmRSS:"), status_mib("VmHWM:")});
    last_ = now;
}

std::string PhaseClock::summary() const {
    std::string s;
    char buf[64];
    for (const Lap& l : laps_) {
        std::snprintf(buf, sizeof buf, " %.2f s (%ld MiB, peak %ld), ", l.seconds, l.resident_mib, l.peak_mib);
        s += l.phase + buf;
    }
    std::snprintf(buf, sizeof buf, "total %.2f s", std::chrono::duration<double>(last_ - start_).count());
    return s + buf;
}

std::vector<std::string> model_args(const ModelOptions& o) {
    std::vector<std::string> a = {"--model", o.model, "--seed", std::to_string(o.seed)};
    add_arg(a, "--config", o.config);
    add_arg(a, "--encoding", o.encoding);
    add_arg(a, "--quant", o.quant);
    add_arg(a, "--ou", o.ou);
    for (const std::string& set : o.sets) add_arg(a, "--set", set);
    if (o.threads > 0) add_arg(a, "--threads", std::to_string(o.threads));
    add_arg(a, "--input-size", o.input_size);
    return a;
}

namespace {

ToolEntry g_tool_entry = nullptr;

// Starts `reshare ARGS...` with stdout discarded and stderr to `stderr_file` (empty: ours).
pid_t spawn_self(const std::vector<std::string>& args, const std::string& stderr_file, Spawn how = Spawn::Exec) {
    std::vector<char*> argv;
    std::string self = "reshare";
    argv.push_back(self.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw Error("cannot start a process", ExitCode::Failure);
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO);
        if (!stderr_file.empty())
            if (const int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644); err >= 0) dup2(err, STDERR_FILENO);
        if (how == Spawn::Fork && g_tool_entry) {
            // _exit, not exit: the forked run ends without the parent's exit handlers and static destructors, and
            // without LeakSanitizer's exit check, which would count the parent's live frames (not unwound) as leaks.
            const int status = g_tool_entry(int(argv.size() - 1), argv.data());
            std::cout.flush();
            std::cerr.flush();
            std::fflush(nullptr);
            _exit(status);
        }
        execv("/proc/self/exe", argv.data());
        _exit(127);
    }
    return pid;
}

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 1; }

}  // namespace

int run_self(const std::vector<std::string>& args) {
    const pid_t pid = spawn_self(args, "");
    int status = 0;
    waitpid(pid, &status, 0);
    return exit_status(status);
}

void set_tool_entry(ToolEntry entry) { g_tool_entry = entry; }

std::vector<int> run_self_all(const std::vector<std::vector<std::string>>& runs, int jobs, const std::string& scratch,
                              const RunDone& done, Spawn how) {
    if (jobs <= 1 && !done) {
        std::vector<int> statuses;
        for (const auto& args : runs) statuses.push_back(run_self(args));
        return statuses;
    }
    std::vector<int> statuses(runs.size(), 1);
    std::vector<std::pair<pid_t, size_t>> running;
    auto err_file = [&](size_t i) { return scratch + "/stderr-" + std::to_string(i); };
    size_t next = 0;
    while (next < runs.size() || !running.empty()) {
        if (next < runs.size() && running.size() < size_t(std::max(jobs, 1))) {
            running.push_back({spawn_self(runs[next], err_file(next), how), next});
            ++next;
            continue;
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        const auto it = std::find_if(running.begin(), running.end(), [&](const auto& r) { return r.first == pid; });
        if (it == running.end()) continue;   // not one of ours
        const size_t index = it->second;
        running.erase(it);
        statuses[index] = exit_status(status);
        std::ostringstream messages;   // its messages, whole, once it is done
        if (std::ifstream err(err_file(index)); err.peek() != std::ifstream::traits_type::eof()) messages << err.rdbuf();
        std::filesystem::remove(err_file(index));
        if (done) done(index, statuses[index], messages.str());
        else std::cerr << messages.str() << std::flush;
    }
    return statuses;
}

void check_distinct(const std::vector<std::pair<std::string, std::string>>& outputs) {
    for (size_t i = 0; i < outputs.size(); ++i)
        for (size_t j = i + 1; j < outputs.size(); ++j) {
            if (outputs[i].second.empty() || outputs[j].second.empty()) continue;
            std::error_code ec;
            const auto a = std::filesystem::weakly_canonical(outputs[i].second, ec);
            const auto b = std::filesystem::weakly_canonical(outputs[j].second, ec);
            if (a == b)
                throw Error(outputs[i].first + " and " + outputs[j].first + " name the same file " + outputs[i].second);
        }
}

void check_writable(const std::string& option, const std::string& path) {
    if (path.empty()) return;
    const std::filesystem::path p(path);
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir))
        throw Error(option + ": directory '" + dir.string() + "' does not exist");
    if (std::filesystem::is_directory(p)) throw Error(option + ": '" + path + "' is a directory");
    // Opening it is the only sure test (a read-only directory, /proc): create it for a moment if it is new.
    const bool existed = std::filesystem::exists(p);
    if (!std::ofstream(path, std::ios::app)) throw Error(option + ": cannot write '" + path + "'");
    if (!existed) std::filesystem::remove(p);
}

// Every key's value, and under "sources" where each default comes from: a report carries its configuration.
nlohmann::ordered_json config_json(const HwConfig& c) {
    nlohmann::ordered_json j, sources;
    j["file"] = c.source;
    for (const ConfigEntry& e : describe(c)) {
        const bool integral = e.value.find_first_of(".eE") == std::string::npos;
        if (!e.numeric)
            j[e.key] = e.value;
        else if (integral)
            j[e.key] = std::stoll(e.value);
        else
            j[e.key] = std::stod(e.value);
        sources[e.key] = e.source;
    }
    j["sources"] = sources;
    return j;
}

nlohmann::ordered_json header_json(const models::Model& m, const HwConfig& c) {
    nlohmann::ordered_json j;
    j["build"] = {{"version", RESHARE_VERSION}, {"commit", RESHARE_COMMIT}};   // which reshare wrote the report
    j["model"] = m.name;
    j["weights"] = m.weights;
    j["weights_source"] = m.source;
    j["encoding"] = to_string(c.encoding);
    j["quantization"] = to_string(c.quant);
    j["ou"] = {c.ou_rows, c.ou_cols};
    j["cell_bits"] = c.cell_bits;
    return j;
}

int resident_pes(const models::Model& model, const HwConfig& config, Scheme scheme, int threads) {
    std::vector<std::vector<hw::WorkUnit>> units;
    TimingRule rule = scheme_def(scheme).timing();
    for_each_layer(model, config, threads, [&](size_t, const QuantizedMatrix& q) {
        const CompressedLayer l = compress(q, config, scheme, threads);
        rule = scheme_def(scheme).layer_timing(l);   // the same for every layer of one scheme and config
        units.push_back(hw::work_units(l, config));
    });
    return job::pes_to_hold(config, rule, units);
}

std::string schemes_help() {
    std::string out = "Schemes (schemes/<name>/, registered in schemes/schemes.def):";
    for (Scheme s : all_schemes()) out += std::string("\n  ") + to_string(s) + ": " + scheme_def(s).summary();
    return out;
}

}  // namespace reshare::cli
