// reshare: the offline pattern-sharing pass and (later) the accelerator testbench, one tool with subcommands.
#include "reshare/common/error.hpp"
#include "reshare/common/interrupt.hpp"
#include "reshare/testbench/cli_common.hpp"
#include "reshare_version.hpp"

#include <systemc>

#include <unistd.h>

#include <cstdlib>
#include <iostream>

// libsystemc calls sc_main from its own main(); this tool has its own main and starts the kernel itself
// (reshare run), so sc_main only has to exist.
int sc_main(int, char**) { return 0; }

// glibc's malloc backs large allocations with transparent huge pages only when told so before the process starts
// (the glibc.malloc.hugetlb tunable). Whole networks allocate gigabytes - weights, tables, tens of thousands of
// modules - and on virtual machines each 4 KiB page fault is dear: VGG16 dense ran in 40 s without, 19 s with
// (docs/performance.md). So the tool runs itself again with the tunable set, unless the user set tunables of their own.
void use_huge_pages(char** argv) {
    if (std::getenv("GLIBC_TUNABLES")) return;
    setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    execv("/proc/self/exe", argv);   // returns only if it failed: then run as we are
}

// The whole tool from its command line: main's, and that of each run `reshare compare` forks (cli_common.hpp).
int run_tool(int argc, char** argv) {
    reshare::install_interrupt_cleanup();   // Ctrl-C or SIGTERM: what is being written is removed, exit 128 + signal
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);   // keep stderr for our own one-line errors
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    CLI::App app{"reshare - OU-based ReRAM crossbar accelerator tools, with the compression schemes " + reshare::scheme_names(" and ")};
    app.footer(reshare::cli::schemes_help());
    app.set_version_flag("--version", std::string("reshare ") + RESHARE_VERSION + " (commit " + RESHARE_COMMIT + ")");
    app.require_subcommand(1);
    reshare::cli::register_stats(app);
    reshare::cli::register_compress(app);
    reshare::cli::register_fit(app);
    reshare::cli::register_run(app);
    reshare::cli::register_compare(app);
    reshare::cli::register_sweep(app);
    reshare::cli::register_figures(app);
    reshare::cli::register_export(app);
    // A misspelt command: name it, rather than CLI11's "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
        std::string known;
        bool found = false;
        for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
            known += (known.empty() ? "" : ", ") + sub->get_name();
            found = found || sub->get_name() == argv[1];
        }
        if (!found) {
            std::cerr << "reshare: unknown command '" << argv[1] << "' (commands: " << known << "; see --help)\n";
            return int(reshare::ExitCode::BadInput);
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "reshare: " << e.what() << " (see --help)\n";
        return int(reshare::ExitCode::BadInput);
    } catch (const reshare::Error& e) {
        std::cerr << "reshare: " << e.what() << "\n";
        return int(e.code());
    } catch (const std::exception& e) {
        std::cerr << "reshare: internal error: " << e.what() << "\n";
        return int(reshare::ExitCode::Failure);
    }
    return 0;
}

int main(int argc, char** argv) {
    use_huge_pages(argv);
    reshare::cli::set_tool_entry(run_tool);
    return run_tool(argc, argv);
}
