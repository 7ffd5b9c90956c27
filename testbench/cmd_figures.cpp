// reshare figures: the ReShare paper's evaluation (Fig. 3, 6 and 7) for every registered scheme in both comparison
// views, as a sweep (same engine, same cache as `reshare sweep`), then scripts/figures.py turns the results into one
// CSV per figure, plots and report.md (docs/sweeps.md).
#include "reshare/testbench/cli_common.hpp"
#include "reshare/testbench/sweep_runner.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/parallel.hpp"
#include "reshare/schemes/scheme.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#ifndef RESHARE_SCRIPTS_DIR
#define RESHARE_SCRIPTS_DIR ""
#endif

namespace reshare::cli {
namespace fs = std::filesystem;
namespace {

struct FiguresOptions {
    std::string out;
    std::string models = "alexnet,vgg16,resnet50,googlenet,face_recognition";   // the paper's four, and real weights
    std::string schemes;   // default: every registered scheme
    std::string config;
    int jobs = 0;
    bool slurm = false;
    SlurmOptions slurm_options;
};

// face_recognition runs on the face-api demo photo (real weights, a real image); the zoo models on their seeded
// synthetic image, as scripts/compare-tables.sh does.
std::string image_for(const std::string& model) {
    if (model != "face_recognition") return "";
    const fs::path photo = fs::path(models::model_dir()).parent_path() / "demo" / "sample1.jpg";
    return fs::exists(photo) ? photo.string() : "";
}

// The points: each model's pattern statistics (Fig. 3), every scheme on the chip that holds its network (resident),
// and every scheme on RWS's chip with spare CUs filled by copies (equal chip, as `compare --equal-chip`).
sweep::Plan figures_plan(const FiguresOptions& o, const std::vector<std::string>& schemes) {
    sweep::Plan plan;
    plan.name = "figures";
    plan.keys = {"chip.pes", "chip.replication"};
    ModelOptions base;
    base.config = o.config;
    const HwConfig config = resolve_config(base);
    for (const std::string& m : comma_list(o.models)) {
        sweep::Point p;
        p.model = m, p.seed = models::Model::kDefaultSeed, p.image = image_for(m), p.config = o.config;
        sweep::Point stats = p;
        stats.command = "stats", stats.label = "fig3", stats.image = "";   // the weights only
        plan.points.push_back(stats);
        for (const std::string& s : schemes) {
            sweep::Point r = p;
            r.scheme = s, r.label = "resident";
            plan.points.push_back(r);
        }
        const models::Model model = models::load_model(m, p.seed);
        const int chip = resident_pes(model, config, Scheme::Rws, default_threads());
        std::fprintf(stderr, "figures: %s: equal chip = RWS's %d PEs\n", m.c_str(), chip);
        for (const std::string& s : schemes) {
            sweep::Point e = p;
            e.scheme = s, e.label = "equal-chip";
            e.settings = {{"chip.pes", std::to_string(chip)}, {"chip.replication", "fill"}};
            plan.points.push_back(e);
        }
    }
    sweep::validate(plan);
    return plan;
}

std::string scripts_dir() {
    if (const char* env = std::getenv("RESHARE_SCRIPTS")) return env;
    return RESHARE_SCRIPTS_DIR;
}

// Debian's python3 (python3-matplotlib lives there), else the first on PATH.
std::string python() { return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

void make_figures(const std::string& dir) {
    const std::string script = (fs::path(scripts_dir()) / "figures.py").string();
    if (!fs::exists(script)) throw Error("figures: " + script + " not found (set RESHARE_SCRIPTS to the scripts folder)", ExitCode::Failure);
    std::printf("%s\n", program_output({python(), script, dir}, "scripts/figures.py").c_str());
}

void run(const FiguresOptions& o) {
    std::vector<std::string> schemes;
    if (o.schemes.empty())
        for (Scheme s : all_schemes()) schemes.push_back(to_string(s));
    else
        schemes = comma_list(o.schemes);
    for (const std::string& s : schemes) parse_scheme(s);
    if (std::find(schemes.begin(), schemes.end(), "rws") == schemes.end())
        throw Error("--schemes: the figures normalize to rws, which must be among them");
    if (o.out.empty()) throw Error("figures: -o DIR is required");
    check_sweep_folder(o.out);   // before the chip sizing, which compresses every model
    const sweep::Plan plan = figures_plan(o, schemes);
    prepare_sweep(plan, o.out);
    if (o.slurm) {
        const std::string id = submit_slurm(plan, o.out, o.slurm_options);
        if (!id.empty() && !o.slurm_options.wait) {
            std::printf("submitted job %s; when it has ended, run this command again (it then only draws)\n", id.c_str());
            return;
        }
    } else {
        run_local(plan, o.out, o.jobs > 0 ? o.jobs : std::max(1, int(std::thread::hardware_concurrency())));
    }
    if (const size_t open = write_results(plan, o.out))
        throw Error("figures: " + std::to_string(open) + " points not done (results.csv; points/*.failed)", ExitCode::Failure);
    make_figures(o.out);
}

}  // namespace

void register_figures(CLI::App& app) {
    auto opts = std::make_shared<FiguresOptions>();
    CLI::App* cmd = app.add_subcommand("figures", "the ReShare paper's Fig. 3, 6 and 7 for every scheme, both views: CSVs, plots, report.md");
    cmd->add_option("-o,--out", opts->out, "output folder (points done there are not run again)")->required();
    cmd->add_option("--models", opts->models, "comma-separated models (default " + opts->models + ")");
    cmd->add_option("--schemes", opts->schemes, "comma-separated schemes (default: every registered one; rws among them)");
    cmd->add_option("-c,--config", opts->config, "hardware configuration YAML (default: built-in)");
    cmd->add_option("--jobs", opts->jobs, "runs at once (default: the cores)")->check(CLI::Range(1, 256));
    cmd->add_flag("--slurm", opts->slurm, "run the points as a Slurm job array (as reshare sweep --slurm)");
    cmd->add_option("--partition", opts->slurm_options.partition, "with --slurm: sbatch --partition");
    cmd->add_option("--time", opts->slurm_options.time, "with --slurm: sbatch --time");
    cmd->add_option("--mem", opts->slurm_options.mem, "with --slurm: sbatch --mem");
    cmd->add_flag("--wait", opts->slurm_options.wait, "with --slurm: wait for the job, then draw");
    cmd->callback([opts] { run(*opts); });
}

}  // namespace reshare::cli
