// The testbench as a small virtual platform: driver -> router -> {system memory, accelerator registers};
// the accelerator's DMA goes through the same router.
#pragma once

#include "reshare/hw/modules/accelerator.hpp"
#include "reshare/testbench/platform/driver.hpp"
#include "reshare/testbench/platform/memory.hpp"
#include "reshare/testbench/platform/router.hpp"

#include <tlm_utils/tlm_quantumkeeper.h>

namespace reshare::platform {

constexpr uint64_t kMemoryBase = 0x0000'0000, kRegisterBase = 0x4000'0000;

struct Platform {
    Driver driver{"driver"};
    Router router{"router"};
    Memory memory;
    hw::Accelerator accelerator;
    sc_core::sc_signal<bool> irq{"irq_line"};

    // The global quantum belongs to the platform, not to the accelerator: a virtual platform sets its own.
    Platform(const HwConfig& config, int pes, size_t memory_bytes, const std::function<void(int, int)>& built = {},
             hw::BufferSet buffers = hw::kAllBuffers)
        : memory("memory", memory_bytes), accelerator("accelerator", config, pes, built, buffers) {
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(config.quantum_ns, sc_core::SC_NS));
        driver.socket.bind(router.in);
        accelerator.dma.bind(router.in);
        router.out.bind(memory.socket);
        router.map(kMemoryBase, memory_bytes);
        router.out.bind(accelerator.regs);
        router.map(kRegisterBase, 4096);
        accelerator.irq.bind(irq);
        driver.irq.bind(irq);
    }
};

}  // namespace reshare::platform
