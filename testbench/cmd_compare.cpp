// reshare compare: the same network through several schemes, each `reshare run` in its own process (SystemC
// allows one simulation per process), side by side and normalized to a baseline scheme.
#include "reshare/testbench/cli_common.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/interrupt.hpp"
#include "reshare/offline/compressed_layer.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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
    InputOptions input;
    std::string schemes = default_schemes();
    std::string baseline = "rws";
    std::string image;
    bool json = false;
    std::string learn;         // cr2's learning images, passed to its run
    bool equal_chip = false;   // every scheme on one chip, replicating into what it leaves free
    std::string pes = "baseline";   // the chip for --equal-chip: baseline, largest or a number of PEs
    int jobs = 2;              // scheme runs at once
};

std::vector<std::string> run_args(const CompareOptions& o, const std::string& scheme, const fs::path& report, int chip_pes) {
    std::vector<std::string> a = {"run", "--scheme", scheme, "--report", report.string()};
    const std::vector<std::string> model = model_args(o.model);
    a.insert(a.end(), model.begin(), model.end());
    add_arg(a, "--image", o.image);
    const std::vector<std::string> input = input_args(o.input);
    a.insert(a.end(), input.begin(), input.end());
    if (chip_pes > 0) a.insert(a.end(), {"--pes", std::to_string(chip_pes), "--replication", "fill"});
    if (scheme == "cr2") add_arg(a, "--learn", o.learn);
    return a;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

// The equal chip (--pes): a number of PEs, the chip the baseline needs to hold the network once (the scheme the
// paper normalizes to: its hardware is the budget), or the chip the largest of the schemes needs. A scheme that
// needs more than the chip has reprograms crossbars during the run, inside its layers' time (docs/timing.md).
int equal_chip_pes(const CompareOptions& o, const std::vector<std::string>& schemes) {
    if (o.pes != "baseline" && o.pes != "largest") {
        const bool digits = !o.pes.empty() && o.pes.size() <= 6 && o.pes.find_first_not_of("0123456789") == std::string::npos;
        const int pes = digits ? std::stoi(o.pes) : 0;
        if (pes < 1 || long(pes) * resolve_config(o.model).pe_cus > kMaxChipCus)
            throw Error("--pes " + o.pes + ": expected baseline, largest or 1 to " +
                        std::to_string(kMaxChipCus / resolve_config(o.model).pe_cus) + " PEs");
        return pes;
    }
    const HwConfig config = resolve_config(o.model);
    const models::Model model = load_model(o.model);
    if (o.pes == "baseline") return resident_pes(model, config, parse_scheme(o.baseline), thread_count(o.model));
    int pes = 0;
    for (const std::string& s : schemes) pes = std::max(pes, resident_pes(model, config, parse_scheme(s), thread_count(o.model)));
    return pes;
}

double total_of(const nlohmann::json& t, const char* k) {
    return t[k].is_object() ? t[k]["total"].get<double>() : t[k].get<double>();
}

// One scheme's row: its figures normalized as the paper normalizes (to the baseline; storage also to ORC and to the
// original weights, Fig. 7(b)), and where its time and energy go.
nlohmann::ordered_json row_of(const nlohmann::json& report, const nlohmann::json& base, const nlohmann::json* orc) {
    const auto& t = report["totals"];
    nlohmann::ordered_json row;
    row["speedup"] = ratio(total_of(base, "time_ns"), total_of(t, "time_ns"));
    row["energy_ratio"] = ratio(total_of(t, "energy_pj"), total_of(base, "energy_pj"));
    row["dynamic_energy_ratio"] = ratio(t["energy_pj"]["dynamic"].get<double>(), base["energy_pj"]["dynamic"].get<double>());
    row["crossbar_ratio"] = ratio(total_of(t, "crossbars"), total_of(base, "crossbars"));
    row["storage_ratio"] = ratio(total_of(t, "storage_bits"), total_of(base, "storage_bits"));
    if (orc) row["storage_vs_orc"] = ratio(total_of(t, "storage_bits"), total_of(*orc, "storage_bits"));
    row["storage_vs_weights"] = ratio(total_of(t, "storage_bits"), t["original_weight_bits"].get<double>());
    row["time_breakdown_ns"] = t["time_breakdown_ns"];
    row["energy_pj"] = {{"dynamic", t["energy_pj"]["dynamic"]}, {"leakage", t["energy_pj"]["leakage"]},
                        {"total", t["energy_pj"]["total"]}};
    row["chip"] = report["chip"];
    row["accuracy"] = report["accuracy"];
    row["input_reuse"] = t["input_reuse"];
    row["report"] = report;
    return row;
}

// The accuracy columns: output cosine against the unchanged int8 and the float network, and top-1 agreement with
// the unchanged int8 network where the network classifies ("-" where it does not).
std::string accuracy_cells(const nlohmann::json& a, const nlohmann::json& reuse) {
    char hits[16] = "-";
    if (reuse["lookups"].get<uint64_t>() > 0) std::snprintf(hits, sizeof hits, "%.1f%%", 100 * reuse["hit_rate"].get<double>());
    char buf[96];
    const auto& i = a["vs_int8"];
    std::snprintf(buf, sizeof buf, "%8.4f %8.4f %5s %6s", i["cosine"].get<double>(), a["vs_float"]["cosine"].get<double>(),
                  i.contains("top1_agrees") ? (i["top1_agrees"].get<bool>() ? "same" : "diff") : "-", hits);
    return buf;
}

// Storage normalized to ORC, when ORC ran.
std::string vs_orc(const nlohmann::ordered_json& row) {
    if (!row.contains("storage_vs_orc")) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", row["storage_vs_orc"].get<double>());
    return buf;
}

void print_table(const CompareOptions& o, const std::vector<std::string>& schemes,
                 std::map<std::string, nlohmann::json>& reports, const nlohmann::ordered_json& table) {
    std::printf("%s (%s weights), %s view%s, normalized to %s\n", o.model.model.c_str(),
                reports[o.baseline]["weights"].get<std::string>().c_str(), o.equal_chip ? "equal-chip" : "resident",
                o.equal_chip ? (" (" + std::to_string(reports[o.baseline]["chip"]["pes"].get<int>()) + " PEs each)").c_str() : "",
                o.baseline.c_str());
    // Times in ms, energies in uJ; each ratio column is named after what it divides by.
    const std::string base = "/" + o.baseline, e_ratio = "E" + base, xb_ratio = "xb" + base, st_ratio = "bits" + base;
    std::printf("%-13s %5s %10s %8s %10s %10s %9s %11s %11s %11s %8s %9s %8s %12s %9s %7s %7s %8s %8s %5s %6s\n", "scheme",
                "PEs", "time ms", "speedup", "MVM ms", "sharing ms", "stall ms", "dynamic uJ", "leakage uJ", "energy uJ",
                e_ratio.c_str(), "crossbars", xb_ratio.c_str(), "storage bits", st_ratio.c_str(), "vs ORC", "vs wts",
                "cos int8", "cos fp", "top-1", "hits");
    auto ms = [](double ns) { return ns / 1e6; };
    auto uj = [](double pj) { return pj / 1e6; };
    for (const std::string& s : schemes) {
        const auto& t = reports[s]["totals"];
        const auto& r = table[s];
        const auto& b = t["time_breakdown_ns"];
        std::printf("%-13s %5d %10.3f %7.2fx %10.3f %10.3f %9.3f %11.3f %11.3f %11.3f %8.3f %9.0f %8.3f %12.0f %9.3f %7s %7.3f %s\n",
                    s.c_str(), reports[s]["pes"].get<int>(), ms(total_of(t, "time_ns")), r["speedup"].get<double>(),
                    ms(b["mvm_busy"].get<double>()), ms(b["sharing_busy"].get<double>()), ms(b["stall"].get<double>()),
                    uj(t["energy_pj"]["dynamic"].get<double>()), uj(t["energy_pj"]["leakage"].get<double>()),
                    uj(total_of(t, "energy_pj")), r["energy_ratio"].get<double>(), total_of(t, "crossbars"),
                    r["crossbar_ratio"].get<double>(), total_of(t, "storage_bits"), r["storage_ratio"].get<double>(),
                    vs_orc(r).c_str(), r["storage_vs_weights"].get<double>(), accuracy_cells(r["accuracy"], r["input_reuse"]).c_str());
    }
    std::printf("speedup: %s's time over the scheme's; %s, %s, %s: the scheme's energy, crossbars and storage bits over %s's; "
                "vs ORC, vs wts: its storage bits over ORC's and over the int8 weights' own bits.\n",
                o.baseline.c_str(), e_ratio.c_str(), xb_ratio.c_str(), st_ratio.c_str(), o.baseline.c_str());
    for (const std::string& s : schemes)
        if (const auto& chip = reports[s]["chip"]; !chip["holds_network"].get<bool>())
            std::printf("%s needs %d CUs to hold the network, the chip has %d: its layers reprogram crossbars during the run.\n",
                        s.c_str(), chip["network_cus"].get<int>(), chip["cus"].get<int>());
    bool changed = false;
    for (const std::string& s : schemes) changed |= table[s]["accuracy"]["changes_weights"].get<bool>();
    if (changed)
        std::printf("cos int8 / cos fp: output cosine similarity against the unchanged int8 and the float network on this "
                    "input; top-1: the same class as the unchanged int8 network. No scheme is retrained.\n");
    if (std::find(schemes.begin(), schemes.end(), "cr2") != schemes.end())
        std::printf("hits: cr2's input-pattern buffer hits per lookup on this input%s.\n",
                    o.learn.empty() ? " (no --learn: an empty buffer, exactly reshare's work)" : "");
}

void run(const CompareOptions& o) {
    const std::vector<std::string> schemes = comma_list(o.schemes);
    for (const std::string& s : schemes) parse_scheme(s);
    parse_scheme(o.baseline);
    if (std::find(schemes.begin(), schemes.end(), o.baseline) == schemes.end())
        throw Error("--baseline " + o.baseline + " is not among --schemes " + o.schemes);
    const HwConfig config = resolve_config(o.model);   // fail on a bad config before starting any run
    for (const std::string& s : schemes) check_scheme_config(config, parse_scheme(s));
    if (o.pes != "baseline" && !o.equal_chip) throw Error("--pes goes with --equal-chip");
    if (!o.learn.empty() && std::find(schemes.begin(), schemes.end(), "cr2") == schemes.end())
        throw Error("--learn goes with cr2 among --schemes");
    const int chip = o.equal_chip ? equal_chip_pes(o, schemes) : 0;

    const fs::path dir = fs::temp_directory_path() / ("reshare-compare-" + std::to_string(::getpid()));
    const RemoveOnInterrupt interrupted(dir.string());
    fs::create_directories(dir);
    std::map<std::string, nlohmann::json> reports;
    try {
        if (!o.json && isatty(STDERR_FILENO))
            std::fprintf(stderr, "running %s, %d at a time ...\n", o.schemes.c_str(), std::min<int>(o.jobs, int(schemes.size())));
        // The reference is the same for every scheme: computed here once, the runs forked after it use it.
        prepare_shared_reference(o.model, o.input, o.image);
        std::vector<std::vector<std::string>> runs;
        for (const std::string& s : schemes) runs.push_back(run_args(o, s, dir / (s + ".json"), chip));
        // Each scheme's end in one line (k/N), after what its run said (warnings), so a long compare shows progress.
        size_t finished = 0;
        const auto start = std::chrono::steady_clock::now();
        const std::vector<int> statuses = run_self_all(runs, o.jobs, dir.string(), [&](size_t i, int status, const std::string& said) {
            std::fputs(said.c_str(), stderr);
            std::fprintf(stderr, "compare: %s %s (%zu/%zu, %.0f s)\n", schemes[i].c_str(), status == 0 ? "done" : "failed",
                         ++finished, schemes.size(),
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }, Spawn::Fork);
        for (size_t i = 0; i < schemes.size(); ++i) {
            if (statuses[i] != 0)
                throw Error("compare: reshare run --scheme " + schemes[i] + " failed (exit " + std::to_string(statuses[i]) + ")",
                            ExitCode(statuses[i] == 2 ? 2 : 1));
            reports[schemes[i]] = nlohmann::json::parse(std::ifstream(dir / (schemes[i] + ".json")));
        }
    } catch (...) {
        fs::remove_all(dir);
        throw;
    }
    fs::remove_all(dir);

    const auto& base = reports[o.baseline]["totals"];
    const nlohmann::json* orc = reports.count("orc") ? &reports["orc"]["totals"] : nullptr;
    nlohmann::ordered_json out;
    out["model"] = o.model.model;
    out["weights"] = reports[o.baseline]["weights"];
    out["baseline"] = o.baseline;
    out["view"] = o.equal_chip ? "equal-chip" : "resident";
    if (o.equal_chip) out["chip_pes"] = chip, out["chip_budget"] = o.pes;
    nlohmann::ordered_json table;
    for (const std::string& s : schemes) table[s] = row_of(reports[s], base, orc);
    out["schemes"] = table;
    if (o.json) {
        std::cout << out.dump(2) << "\n";
        return;
    }
    print_table(o, schemes, reports, table);
}

}  // namespace

void register_compare(CLI::App& app) {
    auto opts = std::make_shared<CompareOptions>();
    CLI::App* cmd = app.add_subcommand("compare", "run several schemes, each in its own process, side by side");
    add_model_options(*cmd, opts->model);
    add_input_options(*cmd, opts->input);
    cmd->add_option("--schemes", opts->schemes, "comma-separated schemes (default: every registered one, " + default_schemes() + ")");
    cmd->add_option("--baseline", opts->baseline, "the scheme the others are normalized to (default rws)");
    cmd->add_option("--image", opts->image, "JPEG or PNG input, resized bilinearly to the network's input plane (--resize) "
                                            "(default: a seeded synthetic image, labeled)");
    cmd->add_flag("--json", opts->json, "print JSON instead of a table");
    cmd->add_option("--learn", opts->learn, "cr2's learning images (files and folders), for its run's input-pattern buffer");
    cmd->add_flag("--equal-chip", opts->equal_chip,
                  "every scheme on one chip (--pes), its freed CUs filled with layer copies");
    cmd->add_option("--pes", opts->pes,
                    "with --equal-chip: the chip - baseline (default: the chip the baseline needs), largest (the "
                    "largest scheme's) or a number of PEs; a scheme needing more reprograms during the run");
    cmd->add_option("--jobs", opts->jobs,
                    "scheme runs at once (default 2: a run's simulation is one thread, its compression and reference "
                    "all cores)")
        ->check(CLI::Range(1, 64));
    cmd->callback([opts] { run(*opts); });
}

}  // namespace reshare::cli
