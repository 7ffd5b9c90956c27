#include "reshare/testbench/sweep_runner.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/interrupt.hpp"
#include "reshare/testbench/cli_common.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace reshare::cli {
namespace fs = std::filesystem;
using sweep::Plan;
using sweep::Point;

namespace {

std::string clock_text(double seconds) {
    char buf[32];
    const long s = long(seconds + 0.5);
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

// A failed point's record: its exit status and messages, which `--collect` and the CSV's status read.
void record_failure(const std::string& dir, const Point& p, int status, const std::string& messages) {
    write_whole(sweep::failure_path(dir, p), "exit " + std::to_string(status) + "\n" + messages);
}

std::string last_line(const std::string& text) {
    std::string t = text;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    const size_t nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

std::string self_path() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error("cannot find this executable's path", ExitCode::Failure);
    return p.string();
}

}  // namespace

// Runs `args` and returns its trimmed stdout; throws naming `what` when it cannot start or fails.
std::string program_output(const std::vector<std::string>& args, const std::string& what) {
    int out[2];
    if (pipe(out) != 0) throw Error("cannot start " + what, ExitCode::Failure);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw Error("cannot start " + what, ExitCode::Failure);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]), close(out[1]);
        std::vector<char*> argv;
        std::vector<std::string> copy = args;
        for (std::string& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        std::fprintf(stderr, "reshare: cannot run %s (is it installed?)\n", args[0].c_str());
        _exit(127);
    }
    close(out[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, size_t(n));
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error(what + " failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 1) + ")", ExitCode::Failure);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

void check_sweep_folder(const std::string& dir) {
    if (dir.empty()) throw Error("-o: an output folder is required");
    // A new folder: can its name be created where it goes? An existing one: can a file be written in it?
    if (!fs::exists(dir)) check_writable("-o", dir);
    else if (!fs::is_directory(dir)) throw Error("-o " + dir + ": exists and is not a folder");
    else check_writable("-o", (fs::path(dir) / "plan.json").string());
}

void prepare_sweep(const Plan& plan, const std::string& dir) {
    if (dir.empty()) throw Error("-o: an output folder is required");
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "points", ec);
    if (ec || !fs::is_directory(fs::path(dir) / "points")) throw Error("-o " + dir + ": cannot create the folder");
    check_writable("-o", (fs::path(dir) / "plan.json").string());
    write_whole((fs::path(dir) / "plan.json").string(), sweep::to_json(plan).dump(2) + "\n");
}

Plan read_plan(const std::string& dir) {
    std::ifstream in(fs::path(dir) / "plan.json");
    if (!in) throw Error("-o " + dir + ": no plan.json (not a sweep folder)");
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) throw Error("-o " + dir + ": plan.json is not valid JSON");
    try {
        return sweep::plan_from_json(j);
    } catch (const Error& e) {
        throw Error("-o " + dir + ": " + e.what());
    } catch (const nlohmann::json::exception&) {
        throw Error("-o " + dir + ": plan.json is not a sweep plan");
    }
}

std::vector<Point> pending_points(const Plan& plan, const std::string& dir) {
    std::vector<Point> pending;
    for (const Point& p : plan.points)
        if (!fs::exists(sweep::report_path(dir, p))) pending.push_back(p);
    return pending;
}

SweepOutcome run_local(const Plan& plan, const std::string& dir, int jobs) {
    const std::vector<Point> pending = pending_points(plan, dir);
    SweepOutcome out;
    out.points = plan.points.size();
    out.already_done = out.points - pending.size();
    const int cores = std::max(1, int(std::thread::hardware_concurrency()));
    const int threads = std::max(1, cores / std::max(1, jobs));   // each run's compression and reference
    std::vector<std::vector<std::string>> runs;
    for (const Point& p : pending) {
        fs::remove(sweep::failure_path(dir, p));   // a failure of an earlier sweep is tried again
        runs.push_back(sweep::point_args(p, sweep::report_path(dir, p), threads));
    }
    std::fprintf(stderr, "sweep: %zu points, %zu already done, running %zu, %d at a time\n", out.points,
                 out.already_done, pending.size(), jobs);
    const fs::path scratch = fs::path(dir) / ("scratch-" + std::to_string(::getpid()));
    const RemoveOnInterrupt interrupted(scratch.string());
    fs::create_directories(scratch);
    const auto start = std::chrono::steady_clock::now();
    size_t ended = 0;
    run_self_all(runs, jobs, scratch.string(), [&](size_t i, int status, const std::string& messages) {
        ++ended;
        if (status != 0) {
            ++out.failed;
            record_failure(dir, pending[i], status, messages);
            std::fprintf(stderr, "sweep: failed (exit %d): %s: %s\n", status, sweep::describe(pending[i]).c_str(),
                         last_line(messages).c_str());
        }
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "sweep: %zu/%zu done, %zu failed, %s elapsed, about %s left\n", ended, runs.size(),
                     out.failed, clock_text(elapsed).c_str(), clock_text(elapsed / ended * (runs.size() - ended)).c_str());
    });
    fs::remove_all(scratch);
    out.ran = runs.size() - out.failed;
    return out;
}

size_t write_results(const Plan& plan, const std::string& dir) {
    write_whole((fs::path(dir) / "results.csv").string(), sweep::results_csv(plan, dir));
    return pending_points(plan, dir).size();
}

std::string submit_slurm(const Plan& plan, const std::string& dir, const SlurmOptions& o) {
    const std::vector<Point> pending = pending_points(plan, dir);
    if (pending.empty()) return "";
    const fs::path slurm = fs::absolute(fs::path(dir) / "slurm");
    fs::create_directories(slurm);
    nlohmann::json tasks = nlohmann::json::array();
    for (size_t i = 0; i < pending.size(); i += size_t(o.chunk)) {
        nlohmann::json task = nlohmann::json::array();
        for (size_t j = i; j < std::min(pending.size(), i + size_t(o.chunk)); ++j) task.push_back(pending[j].hash);
        tasks.push_back(task);
    }
    write_whole((slurm / "tasks.json").string(), tasks.dump(1) + "\n");
    // The nodes share this file system (as a cluster's home and project folders do) and run this same executable.
    std::ostringstream script;
    script << "#!/bin/bash\n"
           << "#SBATCH --job-name=reshare-sweep\n"
           << "#SBATCH --array=0-" << tasks.size() - 1 << "\n"
           << "#SBATCH --output=" << (slurm / "task-%a.log").string() << "\n"
           << "#SBATCH --cpus-per-task=1\n";
    if (!o.partition.empty()) script << "#SBATCH --partition=" << o.partition << "\n";
    if (!o.time.empty()) script << "#SBATCH --time=" << o.time << "\n";
    if (!o.mem.empty()) script << "#SBATCH --mem=" << o.mem << "\n";
    script << "exec '" << self_path() << "' sweep --task \"$SLURM_ARRAY_TASK_ID\" -o '" << fs::absolute(dir).string() << "'\n";
    write_whole((slurm / "array.sh").string(), script.str());
    std::vector<std::string> args = {"sbatch", "--parsable"};
    if (o.wait) args.push_back("--wait");
    args.push_back((slurm / "array.sh").string());
    std::fprintf(stderr, "sweep: submitting %zu points as %zu array tasks\n", pending.size(), tasks.size());
    const std::string id = program_output(args, "sbatch");
    return id.substr(0, id.find(';'));   // --parsable prints "jobid[;cluster]"
}

size_t run_slurm_task(const std::string& dir, int task) {
    const Plan plan = read_plan(dir);
    std::ifstream in(fs::path(dir) / "slurm" / "tasks.json");
    const nlohmann::json tasks = nlohmann::json::parse(in, nullptr, false);
    if (tasks.is_discarded() || !tasks.is_array() || task < 0 || size_t(task) >= tasks.size())
        throw Error("--task " + std::to_string(task) + ": not a task of " + dir + "/slurm/tasks.json");
    size_t failed = 0;
    for (const auto& hash : tasks[size_t(task)]) {
        const auto it = std::find_if(plan.points.begin(), plan.points.end(), [&](const Point& p) { return p.hash == hash; });
        if (it == plan.points.end()) throw Error("--task: point " + hash.get<std::string>() + " is not in the plan");
        if (fs::exists(sweep::report_path(dir, *it))) continue;
        fs::remove(sweep::failure_path(dir, *it));
        // Tasks run at once on the nodes: each keeps its point's messages in a folder of its own.
        const fs::path scratch = fs::path(dir) / "slurm" / ("scratch-" + std::to_string(task));
        fs::create_directories(scratch);
        const std::vector<int> status = run_self_all({sweep::point_args(*it, sweep::report_path(dir, *it), 1)}, 1,
                                                     scratch.string(),
                                                     [&](size_t, int s, const std::string& messages) {
                                                         std::cerr << messages;
                                                         if (s != 0) record_failure(dir, *it, s, messages);
                                                     });
        fs::remove_all(scratch);
        failed += status[0] != 0;
        std::fprintf(stderr, "sweep task %d: %s: %s\n", task, sweep::describe(*it).c_str(), status[0] == 0 ? "done" : "failed");
    }
    return failed;
}

}  // namespace reshare::cli
