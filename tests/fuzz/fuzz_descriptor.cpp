// Op descriptors as the controller checks them: the first 112 bytes are the descriptor. An accepted one must
// have every size the controller derives from it in range (hw/modules/job_format.cpp, docs/registers.md); the
// harness derives them as the controller does and asserts the bounds the check promises.
#include "fuzz_input.hpp"
#include "reshare/hw/modules/job_format.hpp"

#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace reshare::hw;
    OpDescriptor d;
    if (size < sizeof d) return 0;
    std::memcpy(&d, data, sizeof d);
    if (!check_descriptor(d).empty()) return 0;
    const OpGeometry g = geometry_of(d);
    const uint64_t vectors = uint64_t(d.out_h) * d.out_w;
    if (g.in.elements() > (1L << 28) || g.out.elements() > (1L << 28) || vectors > UINT32_MAX) std::abort();
    if (OpCode(d.op) == OpCode::WeightLayer || OpCode(d.op) == OpCode::MaxPool || OpCode(d.op) == OpCode::AvgPool) {
        // The last window's far corner, as kernels/window.hpp computes it in int, must not overflow.
        const int64_t far_y = int64_t(d.out_h - 1) * d.stride_h - d.pad_top + int64_t(d.dil_h) * (d.kh - 1);
        const int64_t far_x = int64_t(d.out_w - 1) * d.stride_w - d.pad_left + int64_t(d.dil_w) * (d.kw - 1);
        if (far_y > INT32_MAX || far_x > INT32_MAX) std::abort();
    }
    return 0;
}

// libsystemc.so, which reshare_hw links, asks for the program's sc_main; libFuzzer's main runs instead.
extern "C" int sc_main(int, char*[]) { return 0; }
