// reshare compare: the same network through several schemes, each `reshare run` in its own process (SystemC
// allows one simulation per process), side by side and normalized to a baseline scheme.
#include "testbench/cli_common.hpp"

#include "common/error.hpp"
#include "offline/compressed_layer.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace reshare::cli {
namespace fs = std::filesystem;
namespace {

// Every registered scheme, comma-separated.
std::string default_schemes() {
    std::string out;
    for (Scheme s : all_schemes()) out += std::string(out.empty() ? "" : ",") + to_string(s);
    return out;
}

struct CompareOptions {
    ModelOptions model;
    std::string schemes = default_schemes();
    std::string baseline = "rws";
    std::string image;
    bool json = false;
};

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream s(list);
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// Runs this same executable with `args`, its stdout discarded; returns its exit status.
int run_self(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    std::string self = "reshare";
    argv.push_back(self.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw Error("compare: cannot start a process", ExitCode::Failure);
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO);
        execv("/proc/self/exe", argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

std::vector<std::string> run_args(const CompareOptions& o, const std::string& scheme, const fs::path& report) {
    std::vector<std::string> a = {"run", "--model", o.model.model, "--scheme", scheme, "--report", report.string(),
                                  "--seed", std::to_string(o.model.seed)};
    auto pass = [&](const char* flag, const std::string& v) {
        if (!v.empty()) a.insert(a.end(), {flag, v});
    };
    pass("--config", o.model.config);
    pass("--encoding", o.model.encoding);
    pass("--quant", o.model.quant);
    pass("--ou", o.model.ou);
    pass("--image", o.image);
    if (o.model.threads > 0) a.insert(a.end(), {"--threads", std::to_string(o.model.threads)});
    return a;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

void run(const CompareOptions& o) {
    const std::vector<std::string> schemes = split(o.schemes);
    for (const std::string& s : schemes) parse_scheme(s);
    parse_scheme(o.baseline);
    if (std::find(schemes.begin(), schemes.end(), o.baseline) == schemes.end())
        throw Error("--baseline " + o.baseline + " is not among --schemes " + o.schemes);
    resolve_config(o.model);   // fail on a bad config before starting any run

    const fs::path dir = fs::temp_directory_path() / ("reshare-compare-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::map<std::string, nlohmann::json> reports;
    try {
        for (const std::string& s : schemes) {
            if (!o.json && isatty(STDERR_FILENO)) std::fprintf(stderr, "running %s ...\n", s.c_str());
            const fs::path report = dir / (s + ".json");
            if (const int status = run_self(run_args(o, s, report)); status != 0)
                throw Error("compare: reshare run --scheme " + s + " failed (exit " + std::to_string(status) + ")",
                            ExitCode(status == 2 ? 2 : 1));
            reports[s] = nlohmann::json::parse(std::ifstream(report));
        }
    } catch (...) {
        fs::remove_all(dir);
        throw;
    }
    fs::remove_all(dir);

    const auto& base = reports[o.baseline]["totals"];
    auto total = [](const nlohmann::json& t, const char* k) { return t[k].is_object() ? t[k]["total"].get<double>() : t[k].get<double>(); };
    nlohmann::ordered_json out;
    out["model"] = o.model.model;
    out["weights"] = reports[o.baseline]["weights"];
    out["baseline"] = o.baseline;
    nlohmann::ordered_json table;
    for (const std::string& s : schemes) {
        const auto& t = reports[s]["totals"];
        nlohmann::ordered_json row;
        row["speedup"] = ratio(total(base, "time_ns"), total(t, "time_ns"));
        row["energy_ratio"] = ratio(total(t, "energy_pj"), total(base, "energy_pj"));
        row["crossbar_ratio"] = ratio(total(t, "crossbars"), total(base, "crossbars"));
        row["storage_ratio"] = ratio(total(t, "storage_bits"), total(base, "storage_bits"));
        row["report"] = reports[s];
        table[s] = row;
    }
    out["schemes"] = table;
    if (o.json) {
        std::cout << out.dump(2) << "\n";
        return;
    }
    std::printf("%s (%s weights), normalized to %s\n", o.model.model.c_str(),
                reports[o.baseline]["weights"].get<std::string>().c_str(), o.baseline.c_str());
    std::printf("%-10s %14s %9s %14s %8s %10s %8s %14s %8s\n", "scheme", "time ns", "speedup", "energy pJ", "ratio",
                "crossbars", "ratio", "storage bits", "ratio");
    for (const std::string& s : schemes) {
        const auto& t = reports[s]["totals"];
        const auto& r = table[s];
        std::printf("%-10s %14.0f %8.2fx %14.4g %8.3f %10.0f %8.3f %14.0f %8.3f\n", s.c_str(), total(t, "time_ns"),
                    r["speedup"].get<double>(), total(t, "energy_pj"), r["energy_ratio"].get<double>(),
                    total(t, "crossbars"), r["crossbar_ratio"].get<double>(), total(t, "storage_bits"),
                    r["storage_ratio"].get<double>());
    }
}

}  // namespace

void register_compare(CLI::App& app) {
    auto opts = std::make_shared<CompareOptions>();
    CLI::App* cmd = app.add_subcommand("compare", "run several schemes, each in its own process, side by side");
    add_model_options(*cmd, opts->model);
    cmd->add_option("--schemes", opts->schemes, "comma-separated schemes (default: every registered one, " + default_schemes() + ")");
    cmd->add_option("--baseline", opts->baseline, "the scheme the others are normalized to (default rws)");
    cmd->add_option("--image", opts->image, "JPEG or PNG input (default: a seeded synthetic image, labeled)");
    cmd->add_flag("--json", opts->json, "print JSON instead of a table");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace reshare::cli
