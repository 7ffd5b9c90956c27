// reshare sweep: a design-space sweep from a spec - every point validated up front, run on a local process pool or
// as a Slurm job array, done points skipped, one CSV of results (docs/sweeps.md).
#include "reshare/testbench/cli_common.hpp"
#include "reshare/testbench/sweep_runner.hpp"

#include "reshare/common/error.hpp"

#include <cstdio>
#include <iostream>
#include <thread>

namespace reshare::cli {
namespace {

struct SweepOptions {
    std::string spec;
    std::string out;
    int jobs = 0;          // 0 = the cores
    bool slurm = false;
    SlurmOptions slurm_options;
    bool collect = false;
    int task = -1;         // an array task's index (the job array's script passes it)
};

void finish(const sweep::Plan& plan, const std::string& dir) {
    const size_t open = write_results(plan, dir);
    std::printf("%s/results.csv: %zu points, %zu not done\n", dir.c_str(), plan.points.size(), open);
    if (open > 0) throw Error("sweep: " + std::to_string(open) + " of " + std::to_string(plan.points.size()) +
                                  " points not done (their status in results.csv; messages in points/*.failed)",
                              ExitCode::Failure);
}

void run(const SweepOptions& o) {
    if (o.task >= 0) {
        if (const size_t failed = run_slurm_task(o.out, o.task))
            throw Error("sweep task " + std::to_string(o.task) + ": " + std::to_string(failed) + " points failed", ExitCode::Failure);
        return;
    }
    if (o.collect) {
        if (!o.spec.empty()) throw Error("--collect reads the plan in -o DIR: give no spec");
        finish(read_plan(o.out), o.out);
        return;
    }
    if (o.spec.empty()) throw Error("sweep: a spec file is required (or --collect -o DIR)");
    if (o.out.empty()) throw Error("sweep: -o DIR is required");
    check_sweep_folder(o.out);
    sweep::Plan plan = sweep::load_spec(o.spec);
    sweep::validate(plan);   // every point, before any work
    prepare_sweep(plan, o.out);
    if (o.slurm) {
        const std::string id = submit_slurm(plan, o.out, o.slurm_options);
        if (id.empty()) {
            finish(plan, o.out);   // every point was done already
        } else if (o.slurm_options.wait) {
            std::fprintf(stderr, "sweep: job %s ended\n", id.c_str());
            finish(plan, o.out);
        } else {
            std::printf("submitted job %s; when it has ended: reshare sweep --collect -o %s\n", id.c_str(), o.out.c_str());
        }
        return;
    }
    const int jobs = o.jobs > 0 ? o.jobs : std::max(1, int(std::thread::hardware_concurrency()));
    run_local(plan, o.out, jobs);
    finish(plan, o.out);
}

}  // namespace

void register_sweep(CLI::App& app) {
    auto opts = std::make_shared<SweepOptions>();
    CLI::App* cmd = app.add_subcommand("sweep", "run a design-space sweep from a spec (YAML), locally or on Slurm");
    cmd->add_option("spec", opts->spec, "the sweep spec: models, schemes, images and a grid of config keys (docs/sweeps.md)");
    cmd->add_option("-o,--out", opts->out, "output folder: plan, reports, results.csv (points done there are skipped)")->required();
    cmd->add_option("--jobs", opts->jobs, "points at once (default: the cores)")->check(CLI::Range(1, 256));
    cmd->add_flag("--slurm", opts->slurm, "submit the points as a Slurm job array (sbatch) instead of running them here");
    cmd->add_option("--partition", opts->slurm_options.partition, "with --slurm: sbatch --partition");
    cmd->add_option("--time", opts->slurm_options.time, "with --slurm: sbatch --time (per array task)");
    cmd->add_option("--mem", opts->slurm_options.mem, "with --slurm: sbatch --mem (per array task)");
    cmd->add_option("--chunk", opts->slurm_options.chunk, "with --slurm: points per array task (default 1)")
        ->check(CLI::Range(1, 100000));
    cmd->add_flag("--wait", opts->slurm_options.wait, "with --slurm: wait for the job, then collect");
    cmd->add_flag("--collect", opts->collect, "write results.csv from the reports in -o DIR (after a --slurm job)");
    cmd->add_option("--task", opts->task, "run one array task of the sweep in -o DIR (the job array's script does)")
        ->check(CLI::Range(0, 100000000))
        ->group("");   // internal
    cmd->callback([opts] {
        const bool slurm_only = !opts->slurm_options.partition.empty() || !opts->slurm_options.time.empty() ||
                                !opts->slurm_options.mem.empty() || opts->slurm_options.chunk != 1 || opts->slurm_options.wait;
        if (slurm_only && !opts->slurm) throw Error("--partition, --time, --mem, --chunk and --wait go with --slurm");
        if (opts->slurm && opts->jobs > 0) throw Error("--jobs is for local runs; Slurm places the tasks");
        run(*opts);
    });
}

}  // namespace reshare::cli
