// A platform of its own around the installed accelerator, as another project would build it: a CPU-like initiator
// on the register window, a memory target behind the DMA port, an interrupt wire. It reads ID and VERSION over
// TLM and checks that the interrupt line is low. Then it loads a plug-in (plugin.cpp, a shared library linking the
// installed static libraries) that runs a real network through the installed job API in a platform of its own.
// Prints "consumer ok" and returns 0 only if every check passed.
// Usage: reshare_consumer PLUGIN.so MODEL IMAGE
#include <reshare/hw/modules/accelerator.hpp>

#include "common/config.hpp"   // the platform's own header of that name (include/common/config.hpp)

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <vector>

namespace {

// System memory: a byte array behind a TLM target; the accelerator's DMA reads and writes here.
class Ram : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Ram> socket{"socket"};

    Ram(sc_core::sc_module_name name, size_t size) : sc_core::sc_module(name), bytes_(size, 0) {
        socket.register_b_transport(this, &Ram::b_transport);
        socket.register_transport_dbg(this, &Ram::transport_dbg);
    }

private:
    bool copy(tlm::tlm_generic_payload& gp) {
        const uint64_t a = gp.get_address(), n = gp.get_data_length();
        if (a > bytes_.size() || n > bytes_.size() - a || gp.get_byte_enable_ptr()) return false;
        if (gp.is_read())
            std::memcpy(gp.get_data_ptr(), &bytes_[a], n);
        else if (gp.is_write())
            std::memcpy(&bytes_[a], gp.get_data_ptr(), n);
        return true;
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        if (!copy(gp)) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        delay += sc_core::sc_time(10, sc_core::SC_NS);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload& gp) { return copy(gp) ? gp.get_data_length() : 0; }

    std::vector<unsigned char> bytes_;
};

// The software side: 32-bit register reads over the bus, then a look at the interrupt line.
class Cpu : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Cpu> bus{"bus"};
    sc_core::sc_in<bool> irq{"irq"};
    int failures = 0;
    bool finished = false;

    explicit Cpu(sc_core::sc_module_name name) : sc_core::sc_module(name) {
        SC_HAS_PROCESS(Cpu);
        SC_THREAD(run);
    }

    void check(bool ok, const char* what) {
        std::cout << (ok ? "  ok   " : "  FAIL ") << what << '\n';
        if (!ok) ++failures;
    }

private:
    tlm::tlm_response_status read32(uint64_t addr, uint32_t& value) {
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        gp.set_byte_enable_ptr(nullptr);
        gp.set_dmi_allowed(false);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        bus->b_transport(gp, delay);
        wait(delay);
        return gp.get_response_status();
    }

    void run() {
        uint32_t id = 0, version = 0;
        check(read32(0x000, id) == tlm::TLM_OK_RESPONSE, "ID read answers TLM_OK_RESPONSE");
        std::cout << "  ID      = 0x" << std::hex << std::setw(8) << std::setfill('0') << id << std::dec << '\n';
        check(id == 0x52534852, "ID is 0x52534852 (\"RSHR\")");
        check(read32(0x004, version) == tlm::TLM_OK_RESPONSE, "VERSION read answers TLM_OK_RESPONSE");
        std::cout << "  VERSION = 0x" << std::hex << std::setw(8) << std::setfill('0') << version << std::dec << '\n';
        check(version == reshare::hw::reg::kVersion, "VERSION matches hw/modules/accelerator.hpp");
        wait(10, sc_core::SC_NS);
        check(!irq.read(), "irq is low with no job run");
        finished = true;
    }
};

}  // namespace

int sc_main(int argc, char* argv[]) {
    if (argc != 4) {
        std::cout << "usage: reshare_consumer PLUGIN.so MODEL IMAGE\n";
        return 2;
    }
    Cpu cpu("cpu");
    Ram ram("ram", 1 << 16);
    const platform::HwConfig own;   // the platform's configuration type beside reshare's
    (void)own.clock_mhz;
    reshare::hw::Accelerator accelerator("accelerator", reshare::HwConfig{}, 1);
    sc_core::sc_signal<bool> irq_line("irq_line");

    cpu.bus.bind(accelerator.regs);
    accelerator.dma.bind(ram.socket);
    accelerator.irq.bind(irq_line);
    cpu.irq.bind(irq_line);

    // The plug-in elaborates its platform beside this one, before the simulation starts.
    void* plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    cpu.check(plugin != nullptr, "the plug-in loads as a shared library");
    if (!plugin) std::cout << "  " << dlerror() << '\n';
    using Elaborate = int (*)(const char*, const char*, const char**);
    using Verdict = const char* (*)();
    auto elaborate = plugin ? reinterpret_cast<Elaborate>(dlsym(plugin, "reshare_plugin_elaborate")) : nullptr;
    auto verdict = plugin ? reinterpret_cast<Verdict>(dlsym(plugin, "reshare_plugin_verdict")) : nullptr;
    const char* error = "";
    const bool elaborated = elaborate && verdict && elaborate(argv[2], argv[3], &error) == 0;
    cpu.check(elaborated, "the plug-in builds the network's job through the installed job API");
    if (!elaborated) std::cout << "  " << error << '\n';

    sc_core::sc_start();   // until nothing is left to do: the CPU script and the plug-in's job
    cpu.check(cpu.finished, "the CPU script ran to its end");
    cpu.check(!irq_line.read(), "irq is still low after the simulation");
    if (elaborated) {
        const std::string v = verdict();
        cpu.check(v.empty(), "the plug-in's network ran bit-exact against the reference");
        if (!v.empty()) std::cout << "  " << v << '\n';
    }
    if (cpu.failures != 0) {
        std::cout << "consumer FAILED: " << cpu.failures << " check(s)\n";
        return 1;
    }
    std::cout << "consumer ok\n";
    return 0;
}
