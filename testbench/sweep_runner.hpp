// Running a sweep's points: locally on a pool of `reshare` processes, or as a Slurm job array; and gathering what
// ran into the results CSV. The plan itself (points, hashes, the CSV) is plain C++ in sweep/plan.hpp.
//
// A sweep's output folder: plan.json (the points), points/HASH.json (each report, written whole when the point is
// done), points/HASH.failed (exit status and messages of a point that failed), results.csv, and for --slurm
// slurm/array.sh, slurm/tasks.json and slurm/task-N.log (docs/sweeps.md).
#pragma once

#include "reshare/sweep/plan.hpp"

#include <string>

namespace reshare::cli {

// Fails early, before any work, when the output folder could not be made or written.
void check_sweep_folder(const std::string& dir);
// Creates the folder and writes plan.json; checks the folder can be written first.
void prepare_sweep(const sweep::Plan& plan, const std::string& dir);

// The points without a report, in plan order.
std::vector<sweep::Point> pending_points(const sweep::Plan& plan, const std::string& dir);

struct SweepOutcome {
    size_t points = 0, already_done = 0, ran = 0, failed = 0;
};
// Runs the pending points, `jobs` processes at a time, with a progress line on stderr as each ends.
SweepOutcome run_local(const sweep::Plan& plan, const std::string& dir, int jobs);

// Writes results.csv from the plan and the reports there; returns how many points are not done.
size_t write_results(const sweep::Plan& plan, const std::string& dir);

struct SlurmOptions {
    std::string partition, time, mem;   // passed to sbatch when given
    int chunk = 1;                      // points per array task
    bool wait = false;                  // sbatch --wait: return when every task has ended
};
// Submits the pending points as a job array; returns the job id ("" when nothing is pending).
std::string submit_slurm(const sweep::Plan& plan, const std::string& dir, const SlurmOptions& o);
// One array task: runs its points one after another; the number that failed.
size_t run_slurm_task(const std::string& dir, int task);

// Runs another program (`args[0]` found on PATH) and returns what it printed, trimmed; throws Error naming `what`
// when it cannot start or fails (its stderr is ours).
std::string program_output(const std::vector<std::string>& args, const std::string& what);

// The plan a sweep folder holds.
sweep::Plan read_plan(const std::string& dir);

}  // namespace reshare::cli
