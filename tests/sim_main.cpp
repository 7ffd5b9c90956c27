// Catch2's runner inside sc_main: libsystemc defines main(). Nothing is elaborated before the session runs,
// because ctest discovery runs this binary to list the tests.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <systemc>

int sc_main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
