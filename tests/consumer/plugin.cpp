// A virtual-platform plug-in, loaded as a shared library by the consumer (main.cpp): it builds a small platform of
// its own around the installed accelerator - a driver, a memory, an interrupt wire - and runs a real network on it
// through the installed job API (reshare::job), the way a platform that loads models as plug-ins would:
// build the job, put it in memory, program the registers from docs/registers.md, ring the doorbell, wait for the
// interrupt, compare every node's output with the reference.
#include <reshare/hw/modules/accelerator.hpp>
#include <reshare/job/network_job.hpp>

#include "common/config.hpp"   // the platform's own header of that name (include/common/config.hpp)

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

// System memory behind the accelerator's DMA.
class Memory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Memory> socket{"socket"};
    std::vector<unsigned char> bytes;

    Memory(sc_core::sc_module_name name, size_t size) : sc_core::sc_module(name), bytes(size, 0) {
        socket.register_b_transport(this, &Memory::b_transport);
    }

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const uint64_t a = gp.get_address(), n = gp.get_data_length();
        if (a > bytes.size() || n > bytes.size() - a || gp.get_byte_enable_ptr()) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (gp.is_read()) std::memcpy(gp.get_data_ptr(), &bytes[a], n);
        if (gp.is_write()) std::memcpy(&bytes[a], gp.get_data_ptr(), n);
        delay += sc_core::sc_time(20, sc_core::SC_NS);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

// The driver: register writes over the bus, the doorbell, the interrupt, the error code.
class Driver : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Driver> bus{"bus"};
    sc_core::sc_in<bool> irq{"irq"};
    const reshare::job::NetworkJob* job = nullptr;
    Memory* memory = nullptr;
    std::string verdict = "the driver did not finish";

    explicit Driver(sc_core::sc_module_name name) : sc_core::sc_module(name) {
        SC_HAS_PROCESS(Driver);
        SC_THREAD(run);
    }

private:
    uint32_t access(tlm::tlm_command cmd, uint64_t addr, uint32_t value) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        bus->b_transport(gp, delay);
        wait(delay);
        return value;
    }
    void write32(uint64_t addr, uint32_t v) { access(tlm::TLM_WRITE_COMMAND, addr, v); }
    uint32_t read32(uint64_t addr) { return access(tlm::TLM_READ_COMMAND, addr, 0); }

    void run() {
        const reshare::job::Layout& l = job->layout;
        write32(0x020, uint32_t(l.descriptors));   // DESC_ADDR
        write32(0x024, uint32_t(l.descriptors >> 32));
        write32(0x028, uint32_t(l.results));       // RESULT_ADDR
        write32(0x02C, uint32_t(l.results >> 32));
        write32(0x030, job->ops());                // OP_COUNT
        write32(0x018, 0x3);                       // IRQ_ENABLE: done and error
        write32(0x00C, 0x1);                       // CTRL.START: the doorbell
        if (!irq.read()) wait(irq.posedge_event());
        const uint32_t error = read32(0x034), time_lo = read32(0x038), time_hi = read32(0x03C);
        write32(0x014, read32(0x014));             // IRQ_STATUS: acknowledge
        if (error != 0) {
            verdict = "the job failed with ERROR_CODE " + std::to_string(error);
            return;
        }
        verdict = job->check([this](uint64_t at, void* to, size_t n) { std::memcpy(to, &memory->bytes[at], n); });
        std::cout << "  plugin: " << job->model.name << " (" << job->ops() << " ops) ran in "
                  << ((uint64_t(time_hi) << 32 | time_lo) / 1e6) << " ms of simulated time\n";
    }
};

struct Platform {
    reshare::job::NetworkJob job;
    Memory memory;
    reshare::hw::Accelerator accelerator;
    Driver driver{"plugin_driver"};
    sc_core::sc_signal<bool> irq{"plugin_irq"};

    Platform(reshare::job::NetworkJob j, const reshare::HwConfig& config)
        : job(std::move(j)), memory("plugin_memory", job.layout.end), accelerator("plugin_accelerator", config, job.pes) {
        reshare::job::load(job.program, job.layout,
                           [this](uint64_t at, const void* data, size_t n) { std::memcpy(&memory.bytes[at], data, n); });
        driver.job = &job;
        driver.memory = &memory;
        driver.bus.bind(accelerator.regs);
        accelerator.dma.bind(memory.socket);
        accelerator.irq.bind(irq);
        driver.irq.bind(irq);
    }
};

std::unique_ptr<Platform> the_platform;

}  // namespace

// The plug-in's interface, C linkage for dlsym: elaborate before sc_start, ask for the verdict after it.
extern "C" int reshare_plugin_elaborate(const char* model, const char* image, const char** error) {
    try {
        const platform::HwConfig own;   // the platform's configuration type beside reshare's
        (void)own.clock_mhz;
        reshare::job::NetworkOptions o;
        o.model = model;
        o.image = image;
        o.scheme = reshare::Scheme::ReShare;
        the_platform = std::make_unique<Platform>(reshare::job::build_network_job(o), o.config);
        return 0;
    } catch (const std::exception& e) {
        static std::string message;
        message = e.what();
        *error = message.c_str();
        return 1;
    }
}

// "" when every node's output matched the reference, else what went wrong.
extern "C" const char* reshare_plugin_verdict() { return the_platform ? the_platform->driver.verdict.c_str() : "not elaborated"; }
