// The accelerator as a platform sees it: registers, interrupt, and a doorbell-to-interrupt job over DMA.
#include "helpers.hpp"

#include "reshare/hw/modules/waveform.hpp"
#include "reshare/inference/engine.hpp"
#include "reshare/inference/image.hpp"
#include "reshare/hw/timing/mapping.hpp"
#include "reshare/offline/functional.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/testbench/chip_run.hpp"
#include "reshare/testbench/platform/platform.hpp"
#include "reshare/job/program.hpp"
#include "reshare/tlm/payload_check.hpp"
#include "tiny_network.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace reshare;
using namespace reshare::platform;
using reshare::test::config_for;
using reshare::test::runs_with;
using reshare::test::random_layer;

namespace {

constexpr uint64_t R = kRegisterBase;

tlm::tlm_response_status read_status(Driver& d, uint64_t offset, unsigned bytes = 4) {
    uint32_t v = 0;
    return d.access(tlm::TLM_READ_COMMAND, R + offset, &v, bytes);
}

// Runs `script` on a fresh platform until it returns.
void simulate(Platform& p, std::function<void(Driver&)> script) {
    p.driver.script = std::move(script);
    sc_core::sc_start();
}

// A weight layer of a timing-only job: its image (possibly damaged) and how many input vectors it computes.
struct JobLayer {
    std::vector<char> image;
    LayerGeometry geo;
    uint32_t vectors = 1;
};
JobLayer job_layer(const CompressedLayer& l, uint32_t vectors) { return {encode_layer_image(l), l.geo, vectors}; }

// Places layer images and their timing-only descriptors in memory; returns the descriptor table address.
uint64_t load_job(Driver& d, const std::vector<JobLayer>& layers) {
    const uint64_t table = 0x1000;
    uint64_t at = 0x10000;
    for (size_t i = 0; i < layers.size(); ++i) {
        const JobLayer& l = layers[i];
        d.write_block(at, l.image.data(), l.image.size());
        const hw::OpDescriptor desc = hw::timing_only_layer(at, uint32_t(l.image.size()), l.geo, l.vectors);
        d.write_block(table + i * sizeof desc, &desc, sizeof desc);
        at += (l.image.size() + 4095) & ~uint64_t(4095);
    }
    return table;
}

// One input vector of a layer that fits one CU (512 OU slots): the CU runs all its units at once.
hw::UnitTiming one_cu(const HwConfig& config, const CompressedLayer& l) {
    const std::vector<hw::WorkUnit> units = hw::work_units(l, config);
    REQUIRE(hw::map_layer(config, scheme_def(l.scheme).timing(), units).size() == 1);
    return hw::CuPipeline(config, l.scheme).run(hw::merge_units(units, 0, units.size()));
}

void ring(Driver& d, uint64_t table, uint64_t results, uint32_t layers) {
    d.write32(R + 0x020, uint32_t(table));
    d.write32(R + 0x024, uint32_t(table >> 32));
    d.write32(R + 0x028, uint32_t(results));
    d.write32(R + 0x02C, uint32_t(results >> 32));
    d.write32(R + 0x030, layers);
    d.write32(R + 0x018, hw::reg::kIrqDone | hw::reg::kIrqError);
    d.write32(R + 0x00C, hw::reg::kCtrlStart);
}

}  // namespace

TEST_CASE("registers: reset values and a quiet interrupt line", "[sim][registers]") {
    Platform p(HwConfig{}, 1, 1 << 20);
    simulate(p, [](Driver& d) {
        CHECK(d.read32(R + 0x000) == hw::reg::kId);
        CHECK(d.read32(R + 0x004) == hw::reg::kVersion);
        CHECK((d.read32(R + 0x008) & 0xFF) == 0x7F);        // all seven schemes
        CHECK(((d.read32(R + 0x008) >> 8) & 0xFF) == 8);    // 8-row OUs
        CHECK(((d.read32(R + 0x008) >> 16) & 0xFF) == 8);   // 8-column OUs
        CHECK(((d.read32(R + 0x008) >> 24) & 0xF) == 1);    // 1-bit cells
        CHECK(d.read32(R + 0x040) == 1);                    // PES
        CHECK(d.read32(R + 0x044) == uint32_t(HwConfig{}.pe_cus));
        CHECK(d.read32(R + 0x010) == 0);
        CHECK(d.read32(R + 0x014) == 0);
        CHECK(d.read32(R + 0x018) == 0);
        CHECK(d.read32(R + 0x030) == 0);
        CHECK(!d.irq.read());
    });
}

TEST_CASE("registers: an accelerator of no PEs is a clear error at construction, not SystemC's E109", "[sim][registers]") {
    CHECK_THROWS_WITH(Platform(HwConfig{}, 0, 1 << 20), Catch::Matchers::Contains("needs at least one PE, got pes = 0"));
}

TEST_CASE("job: after a DMI invalidation the controller asks again with a reset descriptor", "[sim][job]") {
    const CompressedLayer l = compress(random_layer(16, 8, 1, 56), HwConfig{}, Scheme::ReShare);
    Platform p(HwConfig{}, 1, 1 << 20);
    uint64_t before = 0, after_first = 0;
    simulate(p, [&](Driver& d) {
        const uint64_t table = load_job(d, {job_layer(l, 2)});
        before = p.memory.dmi_requests;
        ring(d, table, 0x2000, 1);
        d.wait_for_irq();
        d.write32(R + 0x014, d.read32(R + 0x014));
        after_first = p.memory.dmi_requests;
        p.memory.invalidate_dmi();
        ring(d, table, 0x2000, 1);
        d.wait_for_irq();
    });
    CHECK(after_first == before + 1);                  // one grant served the whole first job
    CHECK(p.memory.dmi_requests == after_first + 1);   // asked again after the invalidation
    CHECK(p.memory.dmi_requests_not_reset == 0);
}

TEST_CASE("job: without DMI the images are copied by b_transport and the job's records are the same", "[sim][job]") {
    // With DMI an image decoded ahead is compared where it lies in memory; without, it is copied first.
    const HwConfig config;
    const JobLayer a = job_layer(compress(random_layer(16, 8, 1, 3), config, Scheme::ReShare), 1);
    const JobLayer b = job_layer(compress(random_layer(24, 8, 1, 4), config, Scheme::Rws), 2);
    Platform p(config, 1, 1 << 20);
    std::vector<hw::OpRecord> with(2), without(2);
    uint64_t transactions_with = 0, transactions_without = 0, ahead_with = 0;
    sc_core::sc_time took_with, took_without;   // doorbell to interrupt: the DMAs' time included
    simulate(p, [&](Driver& d) {
        const uint64_t table = load_job(d, {a, b});
        auto job = [&](std::vector<hw::OpRecord>& records, sc_core::sc_time& took) {
            const uint64_t before = p.memory.transactions;
            const sc_core::sc_time start = sc_core::sc_time_stamp();
            ring(d, table, 0x2000, 2);
            d.wait_for_irq();
            took = sc_core::sc_time_stamp() - start;
            d.write32(R + 0x014, d.read32(R + 0x014));
            d.access(tlm::TLM_READ_COMMAND, 0x2000, records.data(), unsigned(records.size() * sizeof(hw::OpRecord)));
            return p.memory.transactions - before;
        };
        transactions_with = job(with, took_with);
        ahead_with = p.accelerator.controller.images_decoded_ahead;
        p.memory.grant_dmi = false;
        p.memory.invalidate_dmi();
        transactions_without = job(without, took_without);
    });
    for (int i = 0; i < 2; ++i) {
        INFO("op " << i);
        CHECK(with[i].time_ns > 0);
        CHECK(without[i].time_ns == with[i].time_ns);
        CHECK(without[i].ou_activations == with[i].ou_activations);
        CHECK(without[i].stall_ns == with[i].stall_ns);
    }
    CHECK(took_without == took_with);
    CHECK(ahead_with == 1);                                              // op 1, compared in place
    CHECK(p.accelerator.controller.images_decoded_ahead == 2);          // and again, from its copy
    CHECK(transactions_without > transactions_with);                    // descriptors, images, records: b_transport
}

TEST_CASE("job: the doorbell starts the job at the write's annotated delay (a loosely-timed initiator's local time)",
          "[sim][job]") {
    const CompressedLayer l = compress(random_layer(16, 8, 1, 55), HwConfig{}, Scheme::ReShare);
    Platform p(HwConfig{}, 1, 1 << 20);
    sc_core::sc_time synced, ahead;   // from the CTRL.START write's call to the interrupt
    auto doorbell_to_irq = [](Driver& d, const sc_core::sc_time& local) {
        uint32_t start = hw::reg::kCtrlStart;
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(R + 0x00C);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&start));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        sc_core::sc_time delay = local;   // the initiator is `local` ahead of kernel time and does not sync
        const sc_core::sc_time at = sc_core::sc_time_stamp();
        d.socket->b_transport(gp, delay);
        d.wait_for_irq();
        const sc_core::sc_time took = sc_core::sc_time_stamp() - at;
        d.write32(R + 0x014, d.read32(R + 0x014));   // clear
        return took;
    };
    simulate(p, [&](Driver& d) {
        const uint64_t table = load_job(d, {job_layer(l, 3)});
        d.write32(R + 0x020, uint32_t(table));
        d.write32(R + 0x028, 0x2000);
        d.write32(R + 0x030, 1);
        d.write32(R + 0x018, hw::reg::kIrqDone | hw::reg::kIrqError);
        synced = doorbell_to_irq(d, sc_core::SC_ZERO_TIME);
        ahead = doorbell_to_irq(d, sc_core::sc_time(5, sc_core::SC_US));
    });
    CHECK(synced > sc_core::SC_ZERO_TIME);
    CHECK(ahead - synced == sc_core::sc_time(5, sc_core::SC_US));
}

TEST_CASE("registers: a kernel time resolution coarser than 1 ns is refused at construction (a job would hang BUSY)",
          "[sim][registers]") {
    sc_core::sc_set_time_resolution(10, sc_core::SC_NS);
    CHECK_THROWS_WITH(Platform(HwConfig{}, 1, 1 << 20), Catch::Matchers::Contains("needs a time resolution of 1 ns or finer"));
}

TEST_CASE("registers: CAPABILITIES, PES and CUS_PER_PE read back a 16x16-OU chip of 300 PEs", "[sim][registers]") {
    HwConfig c;
    c.ou_rows = c.ou_cols = 16;   // 4 bits once held the OU rows: 16 read back as 0
    Platform p(c, 300, 1 << 20);  // 8 bits once held the PEs: 300 read back as 255
    simulate(p, [&](Driver& d) {
        CHECK(((d.read32(R + 0x008) >> 8) & 0xFF) == 16);
        CHECK(((d.read32(R + 0x008) >> 16) & 0xFF) == 16);
        CHECK(d.read32(R + 0x040) == 300);
        CHECK(d.read32(R + 0x044) == uint32_t(c.pe_cus));
    });
}

TEST_CASE("registers: interrupt status is write-1-to-clear and the line follows status AND enable", "[sim][registers]") {
    Platform p(HwConfig{}, 1, 1 << 20);
    simulate(p, [](Driver& d) {
        d.write32(R + 0x01C, hw::reg::kIrqDone | hw::reg::kIrqError);   // IRQ_SET
        CHECK(d.read32(R + 0x014) == 3);
        d.pause(1);
        CHECK(!d.irq.read());                 // not enabled
        d.write32(R + 0x018, hw::reg::kIrqError);
        d.pause(1);
        CHECK(d.irq.read());                  // level, while a status bit is enabled
        d.write32(R + 0x014, hw::reg::kIrqDone);   // clears DONE only
        d.pause(1);
        CHECK(d.read32(R + 0x014) == hw::reg::kIrqError);
        CHECK(d.irq.read());
        d.write32(R + 0x014, hw::reg::kIrqError);
        d.pause(1);
        CHECK(d.read32(R + 0x014) == 0);
        CHECK(!d.irq.read());
    });
}

TEST_CASE("registers: unsupported accesses get TLM error responses", "[sim][registers]") {
    Platform p(HwConfig{}, 1, 1 << 20);
    simulate(p, [](Driver& d) {
        CHECK(read_status(d, 0x100) == tlm::TLM_ADDRESS_ERROR_RESPONSE);    // hole in the map
        CHECK(read_status(d, 0xFFC) == tlm::TLM_ADDRESS_ERROR_RESPONSE);    // inside the window, no register
        CHECK(read_status(d, 0x000, 2) == tlm::TLM_BURST_ERROR_RESPONSE);   // not 32 bits
        CHECK(read_status(d, 0x002) == tlm::TLM_BURST_ERROR_RESPONSE);      // unaligned
        CHECK(read_status(d, 0x00C) == tlm::TLM_COMMAND_ERROR_RESPONSE);    // CTRL is write-only
        uint32_t v = 7;
        CHECK(d.access(tlm::TLM_WRITE_COMMAND, R + 0x000, &v, 4) == tlm::TLM_COMMAND_ERROR_RESPONSE);   // ID
        unsigned char enables[4] = {0xff, 0, 0xff, 0xff};
        CHECK(d.access(tlm::TLM_WRITE_COMMAND, R + 0x018, &v, 4, enables) == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        CHECK(d.read32(R + 0x018) == 0);      // nothing was written
    });
}

TEST_CASE("registers: debug accesses have no side effects", "[sim][registers]") {
    Platform p(HwConfig{}, 1, 1 << 20);
    simulate(p, [](Driver& d) {
        d.write32(R + 0x01C, hw::reg::kIrqDone);
        tlm::tlm_generic_payload gp;
        uint32_t v = hw::reg::kIrqDone;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(R + 0x014);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        CHECK(d.socket->transport_dbg(gp) == 0);                 // a debug write-1 does not clear, and says so
        CHECK(d.read32(R + 0x014) == hw::reg::kIrqDone);
        gp.set_address(R + 0x00C);                               // CTRL, write-only: no doorbell either
        CHECK(d.socket->transport_dbg(gp) == 0);
        v = 0x5;
        gp.set_address(R + 0x018);                               // IRQ_ENABLE, read-write: set, nothing triggered
        CHECK(d.socket->transport_dbg(gp) == 4);
        CHECK(d.read32(R + 0x018) == 0x5);
        v = 0;
        gp.set_address(R + 0x014);
        gp.set_command(tlm::TLM_READ_COMMAND);
        CHECK(d.socket->transport_dbg(gp) == 4);
        CHECK(v == hw::reg::kIrqDone);
    });
}

TEST_CASE("registers: TLM_IGNORE_COMMAND at a register is answered OK and changes nothing", "[sim][registers]") {
    Platform p(HwConfig{}, 1, 1 << 20);
    simulate(p, [](Driver& d) {
        d.write32(R + 0x018, 0x3);
        tlm::tlm_generic_payload gp;
        uint32_t v = 0;
        gp.set_command(tlm::TLM_IGNORE_COMMAND);
        gp.set_address(R + 0x018);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        d.socket->b_transport(gp, delay);
        CHECK(gp.get_response_status() == tlm::TLM_OK_RESPONSE);
        CHECK(d.read32(R + 0x018) == 0x3);
        gp.set_address(R + 0x7F0);   // no register there: still an address error
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        d.socket->b_transport(gp, delay);
        CHECK(gp.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    });
}

TEST_CASE("job: doorbell, interrupt, results - timing equals the CU pipeline model", "[sim][job]") {
    const HwConfig config;
    const QuantizedMatrix a = random_layer(72, 40, 1, 21), b = random_layer(200, 16, 1, 22);
    const CompressedLayer la = compress(a, config, Scheme::ReShare), lb = compress(b, config, Scheme::ReShare);
    // Expected: each layer's units fit one CU, which runs them all at once for every vector.
    auto expected = [&](const CompressedLayer& l, uint32_t vectors) {
        const hw::UnitTiming t = one_cu(config, l);
        return std::make_pair(uint64_t(t.total_ns * vectors + 0.5), t.counters.ou_activations * vectors);
    };
    Platform p(config, 1, 1 << 22);
    std::vector<hw::OpRecord> records(2);
    uint32_t status = 0, error = 0, irq_after_clear = 1;
    simulate(p, [&](Driver& d) {
        const uint64_t table = load_job(d, {job_layer(la, 10), job_layer(lb, 3)});
        ring(d, table, 0x2000, 2);
        d.wait_for_irq();
        status = d.read32(R + 0x010);
        error = d.read32(R + 0x034);
        d.write32(R + 0x014, hw::reg::kIrqDone);
        d.pause(1);
        irq_after_clear = d.irq.read();
        for (size_t i = 0; i < 2; ++i)
            d.access(tlm::TLM_READ_COMMAND, 0x2000 + i * sizeof(hw::OpRecord), &records[i], sizeof(hw::OpRecord));
    });
    CHECK(status == hw::reg::kStatusDone);
    CHECK(error == 0);
    CHECK(irq_after_clear == 0);
    CHECK(records[0].time_ns == expected(la, 10).first);
    CHECK(records[0].ou_activations == expected(la, 10).second);
    CHECK(records[1].time_ns == expected(lb, 3).first);
    CHECK(records[0].stall_ns == 0);
    // The driver's 4 block writes and 2 record reads are the only bus transactions to memory: the
    // controller fetched descriptors and images and wrote its records through the memory's DMI pointer.
    CHECK(p.memory.transactions == 6);
}

TEST_CASE("job: a damaged layer image ends the job with the error interrupt", "[sim][job]") {
    JobLayer layer = job_layer(compress(random_layer(16, 8, 1, 3), HwConfig{}, Scheme::Rws), 1);
    layer.image[layer.image.size() / 2] ^= 0x40;
    Platform p(HwConfig{}, 1, 1 << 20);
    uint32_t status = 0, error = 0, irq_status = 0;
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {layer}), 0x2000, 1);
        d.wait_for_irq();
        status = d.read32(R + 0x010);
        error = d.read32(R + 0x034);
        irq_status = d.read32(R + 0x014);
    });
    CHECK(status == (hw::reg::kStatusDone | hw::reg::kStatusError));
    CHECK(error == uint32_t(hw::JobError::BadImage));
    CHECK(irq_status == hw::reg::kIrqError);
}

TEST_CASE("job: a damaged image of a later layer - decoded ahead on another core - ends the job at that layer", "[sim][job]") {
    const HwConfig config;
    const JobLayer good = job_layer(compress(random_layer(16, 8, 1, 3), config, Scheme::ReShare), 1);
    JobLayer bad = job_layer(compress(random_layer(16, 8, 1, 4), config, Scheme::ReShare), 1);
    bad.image[bad.image.size() / 2] ^= 0x40;
    Platform p(config, 1, 1 << 20);
    uint32_t status = 0, error = 0;
    std::vector<hw::OpRecord> records(3);
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {good, good, bad}), 0x2000, 3);
        d.wait_for_irq();
        status = d.read32(R + 0x010);
        error = d.read32(R + 0x034);
        d.access(tlm::TLM_READ_COMMAND, 0x2000, records.data(), unsigned(records.size() * sizeof(hw::OpRecord)));
    });
    CHECK(status == (hw::reg::kStatusDone | hw::reg::kStatusError));
    CHECK(error == uint32_t(hw::JobError::BadImage));
    CHECK(records[0].time_ns > 0);   // the good layers ran, the second from its image decoded ahead
    CHECK(records[1].time_ns == records[0].time_ns);
    CHECK(p.accelerator.controller.last_error.rfind("op 2: ", 0) == 0);
    CHECK(p.accelerator.controller.images_decoded_ahead == 2);   // ops 1 and 2
}

TEST_CASE("job: an image rewritten after it was decoded ahead is read and decoded again, not taken from the decode", "[sim][job]") {
    const HwConfig config;
    const JobLayer first = job_layer(compress(random_layer(16, 8, 1, 3), config, Scheme::ReShare), 1);
    const JobLayer second = job_layer(compress(random_layer(16, 8, 1, 4), config, Scheme::ReShare), 1);
    // load_job puts the second image at the first 4 KiB boundary after the first. The result record of op 0 is
    // written there, 64 bytes in, after op 0 ran - that is, after op 1's image was read and decoded ahead.
    const uint64_t second_image = 0x10000 + ((first.image.size() + 4095) & ~uint64_t(4095));
    Platform p(config, 1, 1 << 20);
    uint32_t status = 0, error = 0;
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {first, second}), second_image + 64, 2);
        d.wait_for_irq();
        status = d.read32(R + 0x010);
        error = d.read32(R + 0x034);
    });
    CHECK(status == (hw::reg::kStatusDone | hw::reg::kStatusError));
    CHECK(error == uint32_t(hw::JobError::BadImage));   // what op 1 read is no image any more
    CHECK(p.accelerator.controller.last_error.rfind("op 1: ", 0) == 0);
    CHECK(p.accelerator.controller.images_decoded_ahead == 0);
}

TEST_CASE("job: detailed mode (an event per OU group and buffer access) gives the batched model's times", "[sim][job]") {
    HwConfig config;
    config.encoding = Encoding::Twos;          // fewer zero patterns: busier sharing
    config.rws_output_buffer_results = 8;      // one OU of results: RWS stalls
    config.rws_index_memory = IndexMemory::Edram;   // RWS's index table beside, not in, the arrays: one CU holds it
    config.sim_mode = SimMode::Detailed;
    const QuantizedMatrix m = random_layer(96, 40, 1, 31);
    std::vector<CompressedLayer> layers;
    // sme needs differential cells, whose 14 bit-crossbars per weight tile fit one CU for one row tile of the layer.
    const QuantizedMatrix one_tile = random_layer(32, 40, 1, 31);
    for (Scheme s : all_schemes())
        layers.push_back(runs_with(s, config) ? compress(m, config, s) : compress(one_tile, config_for(s, config), s));
    const uint32_t vectors = 3;
    std::vector<std::pair<uint64_t, uint64_t>> expected;   // time, stall from the plain-C++ pipeline model
    for (const CompressedLayer& l : layers) {
        const hw::UnitTiming t = one_cu(config, l);
        expected.emplace_back(uint64_t(std::ceil(t.total_ns * vectors)), uint64_t(t.stall_ns * vectors + 0.5));
    }
    REQUIRE(expected[2].second > 0);   // the RWS layer does stall
    Platform p(config, 1, 1 << 22);
    std::vector<hw::OpRecord> records(layers.size());
    simulate(p, [&](Driver& d) {
        std::vector<JobLayer> job;
        for (const CompressedLayer& l : layers) job.push_back(job_layer(l, vectors));
        ring(d, load_job(d, job), 0x2000, uint32_t(layers.size()));
        d.wait_for_irq();
        d.access(tlm::TLM_READ_COMMAND, 0x2000, records.data(), unsigned(records.size() * sizeof(hw::OpRecord)));
    });
    for (size_t i = 0; i < layers.size(); ++i) {
        INFO(to_string(layers[i].scheme));
        CHECK(records[i].time_ns == expected[i].first);
        CHECK(records[i].stall_ns == expected[i].second);
    }
    CHECK(tlmx::arrival_violations() == 0);   // the CUs' threads reuse one payload each
    // The events detailed mode's speed is reported by (docs/performance.md): each OU's write is one timed wait of
    // its engine for every vector, a floor on what the engines count.
    uint64_t events = 0, ous = 0;
    for (const auto& cu : p.accelerator.pes[0]->cus) events += cu->engine->events();
    for (const CompressedLayer& l : layers)
        for (const hw::WorkUnit& u : hw::work_units(l, config)) ous += u.computes ? u.ous : 0;
    CHECK(ous > 0);
    CHECK(events >= vectors * ous);
}

TEST_CASE("job: with too few CUs the controller reprograms crossbars and the layers pay for it", "[sim][job]") {
    HwConfig config;
    config.pe_cus = 1;   // one CU for the whole network: every layer after the first overwrites the weights
    const QuantizedMatrix a = random_layer(40, 16, 1, 41), b = random_layer(48, 16, 1, 42);
    const CompressedLayer la = compress(a, config, Scheme::ReShare), lb = compress(b, config, Scheme::ReShare);
    auto compute_ns = [&](const CompressedLayer& l) { return uint64_t(std::ceil(one_cu(config, l).total_ns)); };
    Platform p(config, 1, 1 << 22);
    std::vector<hw::OpRecord> records(3);
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {job_layer(la, 1), job_layer(lb, 1), job_layer(la, 1)}), 0x2000, 3);
        d.wait_for_irq();
        d.access(tlm::TLM_READ_COMMAND, 0x2000, records.data(), unsigned(records.size() * sizeof(hw::OpRecord)));
    });
    const uint64_t reprogram = 32 * 10;   // 32 rows, one 10 ns pulse each
    CHECK(records[0].time_ns == compute_ns(la));                 // programmed before the job
    CHECK(records[1].time_ns == compute_ns(lb) + reprogram);     // overwrites layer 0's weights first
    CHECK(records[2].time_ns == compute_ns(la) + reprogram);
    for (const auto& r : records) CHECK(r.programming_ns == reprogram);
    CHECK(records[0].cells_programmed == measure(la, config).cells);
}

TEST_CASE("job: shared units run pipelined with the CUs, ops one after another: the slowest stage sets each op's time", "[sim][job]") {
    const HwConfig config;
    const CompressedLayer l = compress(random_layer(16, 8, 1, 51), config, Scheme::ReShare);
    const double cu_ns = one_cu(config, l).total_ns;
    // A 3x3 max pool over 64x64x64, timing only: 62x62x64 outputs of 9 reads each, 16 lanes.
    hw::OpDescriptor pool;
    pool.op = uint32_t(hw::OpCode::MaxPool);
    pool.in_h = pool.in_w = pool.in_c = pool.out_c = 64;
    pool.out_h = pool.out_w = 62;
    pool.kh = pool.kw = 3;
    const uint64_t reads = 62ull * 62 * 64 * 9, bytes_in = 64ull * 64 * 64, bytes_out = 62ull * 62 * 64;
    Platform p(config, 1, 1 << 22);
    std::vector<hw::OpRecord> records(2);
    simulate(p, [&](Driver& d) {
        const uint64_t table = load_job(d, {job_layer(l, 1)});
        d.write_block(table + sizeof pool, &pool, sizeof pool);
        ring(d, table, 0x2000, 2);
        d.wait_for_irq();
        d.access(tlm::TLM_READ_COMMAND, 0x2000, records.data(), unsigned(records.size() * sizeof(hw::OpRecord)));
    });
    // The layer: its CU time dominates its 16 input bytes, 8 outputs and their requantization.
    CHECK(records[0].time_ns == uint64_t(std::ceil(cu_ns)));
    CHECK(records[0].activation_ops == 8);
    CHECK(records[0].accumulations == uint64_t(l.geo.domains()) * l.geo.group_bitcols());
    CHECK(p.accelerator.accumulators.ops == records[0].accumulations);
    // The pool: its unit's time beats the global buffer's 32-byte accesses.
    const uint64_t accesses = (bytes_in + 31) / 32 + (bytes_out + 31) / 32;
    CHECK(records[1].time_ns == (reads + 15) / 16);
    CHECK(records[1].pooling_ns == (reads + 15) / 16);
    CHECK(records[1].global_buffer_accesses == accesses);
    CHECK(p.accelerator.pooling_unit.ops == reads);
    CHECK(p.accelerator.global_buffer.read_bytes == 16 + bytes_in);
    CHECK(p.accelerator.global_buffer.written_bytes == 8 + bytes_out);
}

TEST_CASE("job: a descriptor that does not fit its layer image ends the job with a named error", "[sim][job]") {
    const CompressedLayer l = compress(random_layer(16, 8, 1, 52), HwConfig{}, Scheme::Dense);
    Platform p(HwConfig{}, 1, 1 << 20);
    uint32_t error = 0;
    simulate(p, [&](Driver& d) {
        JobLayer wrong = job_layer(l, 1);
        wrong.geo.cols = 9;   // the descriptor claims 9 output channels
        ring(d, load_job(d, {wrong}), 0x2000, 1);
        d.wait_for_irq();
        error = d.read32(R + 0x034);
    });
    CHECK(error == uint32_t(hw::JobError::BadDescriptor));
    CHECK_THAT(p.accelerator.controller.last_error, Catch::Matchers::Contains("op 0: weight_layer op") &&
                                                        Catch::Matchers::Contains("does not fit its layer image"));
}

TEST_CASE("job: a layer image compressed for another OU geometry is refused as a bad image", "[sim][job]") {
    HwConfig sixteen;
    sixteen.ou_rows = sixteen.ou_cols = 16;
    const CompressedLayer l = compress(random_layer(32, 16, 1, 54), sixteen, Scheme::ReShare);
    Platform p(HwConfig{}, 1, 1 << 20);   // 8x8 OUs
    uint32_t error = 0;
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {job_layer(l, 1)}), 0x2000, 1);
        d.wait_for_irq();
        error = d.read32(R + 0x034);
    });
    CHECK(error == uint32_t(hw::JobError::BadImage));
    CHECK_THAT(p.accelerator.controller.last_error, Catch::Matchers::Contains("the layer image is for 16x16 OUs, the chip has 8x8"));
}

TEST_CASE("job: a DMA failure reading requantization entries ends the job with ERROR_CODE 1 (DMA failed)", "[sim][job]") {
    const CompressedLayer l = compress(random_layer(16, 8, 1, 53), HwConfig{}, Scheme::Dense);
    Platform p(HwConfig{}, 1, 1 << 20);
    uint32_t error = 0;
    simulate(p, [&](Driver& d) {
        const std::vector<char> image = encode_layer_image(l);
        d.write_block(0x10000, image.data(), image.size());
        hw::OpDescriptor desc = hw::timing_only_layer(0x10000, uint32_t(image.size()), l.geo, 1);
        desc.src0 = 0x40000, desc.dst = 0x41000;   // functional: the input is read, then the entries
        desc.params_addr = uint64_t(1) << 40;       // outside the memory
        d.write_block(0x1000, &desc, sizeof desc);
        ring(d, 0x1000, 0x2000, 1);
        d.wait_for_irq();
        error = d.read32(R + 0x034);
    });
    CHECK(error == uint32_t(hw::JobError::DmaFailed));
    CHECK_THAT(p.accelerator.controller.last_error, Catch::Matchers::Contains("reading requantization entries"));
    // The failed access itself, its address in hex: the memory answered an address error.
    CHECK_THAT(p.accelerator.controller.last_error, Catch::Matchers::Contains("(read of 128 bytes at 0x10000000000: TLM_ADDRESS_ERROR_RESPONSE)"));
}

TEST_CASE("job: CTRL.ABORT stops a running job at its next op boundary with ERROR_CODE 5, the error interrupt and a report",
          "[sim][job][reset]") {
    const CompressedLayer l = compress(random_layer(128, 32, 1, 61), HwConfig{}, Scheme::ReShare);
    Platform p(HwConfig{}, 1, 1 << 22);
    sc_core::sc_report_handler::set_actions(hw::kReportType, sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);   // counted only
    uint32_t status = 0, error = 0, irq_status = 0;
    hw::OpRecord first{}, second{};
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {job_layer(l, 1000), job_layer(l, 1000), job_layer(l, 1000)}), 0x2000, 3);
        d.pause(100);   // inside the first op
        d.write32(R + 0x00C, hw::reg::kCtrlAbort);
        d.wait_for_irq();
        status = d.read32(R + 0x010);
        error = d.read32(R + 0x034);
        irq_status = d.read32(R + 0x014);
        d.access(tlm::TLM_READ_COMMAND, 0x2000, &first, sizeof first);
        d.access(tlm::TLM_READ_COMMAND, 0x2000 + sizeof first, &second, sizeof second);
    });
    CHECK(status == (hw::reg::kStatusDone | hw::reg::kStatusError));
    CHECK(error == uint32_t(hw::JobError::Aborted));
    CHECK(irq_status == hw::reg::kIrqError);
    CHECK(first.time_ns > 0);     // the op under way finished and wrote its record
    CHECK(second.time_ns == 0);   // the next one never started
    CHECK(p.accelerator.controller.last_error == "aborted before op 1");
    CHECK(sc_core::sc_report_handler::get_count(hw::kReportType) == 1);   // the platform's log hears of it
}

TEST_CASE("registers: a soft reset returns the registers to their reset values and drops the interrupt, a job it stops "
          "ends unreported and the next doorbell works",
          "[sim][registers][reset]") {
    const CompressedLayer l = compress(random_layer(128, 32, 1, 62), HwConfig{}, Scheme::ReShare);
    Platform p(HwConfig{}, 1, 1 << 22);
    uint32_t irq_before = 0, irq_after = 0, enable_after = 1, desc_after = 1, busy_while_stopping = 0, status_stopped = 1,
             irq_status_stopped = 1, status_again = 0;
    simulate(p, [&](Driver& d) {
        d.write32(R + 0x018, hw::reg::kIrqDone);
        d.write32(R + 0x020, 0x1234);
        d.write32(R + 0x01C, hw::reg::kIrqDone);   // IRQ_SET: the line goes high
        d.pause(1);
        irq_before = d.irq.read();
        d.write32(R + 0x00C, hw::reg::kCtrlSoftReset);
        d.pause(1);
        irq_after = d.irq.read();
        enable_after = d.read32(R + 0x018);
        desc_after = d.read32(R + 0x020);
        // A running job: stopped at its op boundary, no interrupt, STATUS busy until then and idle after.
        const uint64_t table = load_job(d, {job_layer(l, 1000), job_layer(l, 1000)});
        ring(d, table, 0x2000, 2);
        d.pause(100);
        d.write32(R + 0x00C, hw::reg::kCtrlSoftReset);
        busy_while_stopping = d.read32(R + 0x010);
        d.pause(1e7);
        status_stopped = d.read32(R + 0x010);
        irq_status_stopped = d.read32(R + 0x014);
        ring(d, table, 0x2000, 2);
        d.wait_for_irq();
        status_again = d.read32(R + 0x010);
    });
    CHECK(irq_before == 1);
    CHECK(irq_after == 0);
    CHECK(enable_after == 0);
    CHECK(desc_after == 0);
    CHECK(busy_while_stopping == hw::reg::kStatusBusy);
    CHECK(status_stopped == 0);
    CHECK(irq_status_stopped == 0);
    CHECK(status_again == hw::reg::kStatusDone);
}

TEST_CASE("registers: while the rst input is high the doorbell is ignored and after it the job runs", "[sim][registers][reset]") {
    const CompressedLayer l = compress(random_layer(16, 8, 1, 63), HwConfig{}, Scheme::Dense);
    Platform p(HwConfig{}, 1, 1 << 20);
    sc_core::sc_signal<bool> rst("rst_line");
    p.accelerator.rst.bind(rst);
    uint32_t held = 1, released = 0, enable_after_reset = 1;
    simulate(p, [&](Driver& d) {
        d.write32(R + 0x018, hw::reg::kIrqDone);
        rst.write(true);
        d.pause(1);
        enable_after_reset = d.read32(R + 0x018);   // the rising edge reset it
        const uint64_t table = load_job(d, {job_layer(l, 1)});
        ring(d, table, 0x2000, 1);
        d.pause(10000);
        held = d.read32(R + 0x010);
        rst.write(false);
        d.pause(1);
        ring(d, table, 0x2000, 1);
        d.wait_for_irq();
        released = d.read32(R + 0x010);
    });
    CHECK(enable_after_reset == 0);
    CHECK(held == 0);   // never started
    CHECK(released == hw::reg::kStatusDone);
}

TEST_CASE("tlm: a reused payload that was not reset breaks the base protocol's arrival rules and reset_for_transport mends it",
          "[sim][tlm]") {
    uint32_t word = 0;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_data_ptr(reinterpret_cast<unsigned char*>(&word));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    CHECK(tlmx::arrival_problem(gp).empty());
    // As a target leaves it: answered, with a DMI hint. Sent again as it is, both break the rules.
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    gp.set_dmi_allowed(true);
    CHECK_THAT(tlmx::arrival_problem(gp), Catch::Matchers::Contains("TLM_OK_RESPONSE, not TLM_INCOMPLETE_RESPONSE"));
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    CHECK_THAT(tlmx::arrival_problem(gp), Catch::Matchers::Contains("DMI hint"));
    tlmx::reset_for_transport(gp);
    CHECK(tlmx::arrival_problem(gp).empty());
    gp.set_streaming_width(0);
    CHECK_THAT(tlmx::arrival_problem(gp), Catch::Matchers::Contains("streaming width of 0"));
    gp.set_streaming_width(4);
    gp.set_data_ptr(nullptr);
    CHECK_THAT(tlmx::arrival_problem(gp), Catch::Matchers::Contains("without a data pointer"));
    // A target that receives it counts it and reports it once.
    sc_core::sc_report_handler::set_actions("reshare/tlm", sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    tlmx::check_arrival(gp, "test.target");
    tlmx::check_arrival(gp, "test.target");
    CHECK(tlmx::arrival_violations() == 2);
    CHECK(sc_core::sc_report_handler::get_count("reshare/tlm") == 1);
}

TEST_CASE("job: a CU tells its arrays and buffers what it did over its own sockets", "[sim][job]") {
    const HwConfig config;
    const CompressedLayer l = compress(random_layer(40, 24, 1, 61), config, Scheme::ReShare);
    hw::UnitCounters want;
    const hw::CuPipeline cu(config, l.scheme);
    for (const hw::WorkUnit& u : hw::work_units(l, config)) want.add(cu.run(u).counters, 2);
    Platform p(config, 1, 1 << 22);
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {job_layer(l, 2)}), 0x2000, 1);
        d.wait_for_irq();
    });
    const hw::ComputeUnit& c = *p.accelerator.pes[0]->cus[0];
    CHECK(c.arrays.total_activations() == want.ou_activations);
    CHECK(c.arrays.count() == config.cu_arrays);
    CHECK(std::string(c.arrays.name()) == "accelerator.pe_0.cu_0.arrays");
    // An array the CU does not have is an address error.
    hw::AccessExtension e;
    e.array = config.cu_arrays;
    tlm::tlm_generic_payload gp;
    tlmx::reset_for_transport(gp);
    gp.set_extension(&e);
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    p.accelerator.pes[0]->cus[0]->to_arrays[0]->b_transport(gp, t);
    gp.clear_extension(&e);
    CHECK(gp.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    for (int b = 0; b < int(hw::Buffer::Count); ++b) {
        INFO(hw::to_string(hw::Buffer(b)));
        CHECK(c.buffers[b]->reads == want.reads[b]);
        CHECK(c.buffers[b]->writes == want.writes[b]);
    }
    CHECK(std::string(c.buffers[int(hw::Buffer::Pattern)]->name()) == "accelerator.pe_0.cu_0.pattern_buffer");
}

TEST_CASE("job: a chip built for one scheme gives its CUs that scheme's buffers alone and refuses another's work", "[sim][job]") {
    const HwConfig config;
    using hw::Buffer;
    const hw::BufferSet dense = hw::buffers_used(scheme_def(Scheme::Dense).timing(), config);
    CHECK(dense == ((1u << int(Buffer::Input)) | (1u << int(Buffer::Result))));
    CHECK(hw::has(hw::buffers_used(scheme_def(Scheme::ReShare).timing(), config), Buffer::Pattern));
    CHECK(hw::has(hw::buffers_used(scheme_def(Scheme::Orc).timing(), config), Buffer::Index));
    CHECK(hw::has(hw::buffers_used(scheme_def(Scheme::Cr2).timing(), config), Buffer::InputPatterns));
    // Every scheme's timing counts accesses only to the buffers it is said to use.
    const QuantizedMatrix m = random_layer(40, 24, 1, 71);
    for (Scheme s : all_schemes()) {
        if (!runs_with(s, config)) continue;
        INFO(to_string(s));
        const CompressedLayer l = compress(m, config, s);
        const hw::BufferSet used = hw::buffers_used(scheme_def(s).layer_timing(l), config);
        const hw::CuPipeline cu(config, l);
        for (const hw::WorkUnit& u : hw::work_units(l, config))
            for (int b = 0; b < int(Buffer::Count); ++b) {
                const hw::UnitCounters c = cu.run(u).counters;
                if (c.reads[b] || c.writes[b]) CHECK(hw::has(used, Buffer(b)));
            }
    }
    Platform p(config, 1, 1 << 22, {}, dense);
    const hw::ComputeUnit& c = *p.accelerator.pes[0]->cus[0];
    CHECK(c.buffers[int(Buffer::Pattern)] == nullptr);
    CHECK(std::string(c.buffers[int(Buffer::Result)]->name()) == "accelerator.pe_0.cu_0.result_buffer");
    uint32_t status = 0, error = 0;
    simulate(p, [&](Driver& d) {
        ring(d, load_job(d, {job_layer(compress(m, config, Scheme::Dense), 2), job_layer(compress(m, config, Scheme::ReShare), 2)}),
             0x2000, 2);
        d.wait_for_irq();
        status = d.read32(R + 0x010);
        error = d.read32(R + 0x034);
    });
    CHECK(c.buffers[int(Buffer::Result)]->writes > 0);   // the dense layer ran
    CHECK(status == (hw::reg::kStatusDone | hw::reg::kStatusError));   // the reshare layer needs a pattern buffer
    CHECK(error == uint32_t(hw::JobError::BadImage));
}

namespace {

// The tiny network with every op, through the accelerator with `scheme`: every node's output must equal the
// reference engine's, and the records' sums the modules' own counters.
// `one_ou_cus`: crossbars of one OU and one array a CU, so that every unit of the direct-engine schemes is cut over
// several CUs (hw/timing/mapping.hpp, cut_to_cus), each unit still computed once.
void check_network_on_chip(Scheme scheme, uint32_t copies = 1, bool one_ou_cus = false) {
    HwConfig config;
    config.encoding = Encoding::Offset;   // the offset correction is shared out over the units too
    if (one_ou_cus) {
        config.encoding = Encoding::Differential;   // every scheme's encoding (sme: differential only)
        config.xbar_rows = config.ou_rows, config.xbar_cols = config.ou_cols, config.cu_arrays = 1;
    }
    const models::Model m = reshare::test::tiny_network();
    const std::vector<float> x = inference::network_input(inference::synthetic_image(8, 8, 3), *m.graph);
    const inference::Calibration cal = inference::calibrate(m, x);
    const inference::QuantizedModel q(m, config);
    const std::vector<CompressedLayer> layers = job::compress_layers(q, config, scheme, 1);
    size_t cut = 0;
    for (const CompressedLayer& l : layers)
        for (const hw::WorkUnit& u : hw::work_units(l, config)) cut += !u.computes;
    CHECK((cut > 0) == one_ou_cus);
    // The reference runs the weights the scheme computes with (sme, reram-sharing change them).
    const inference::IntResult want = job::reference(q, cal, x, layers, 1);
    job::Program program = job::compile_network(*m.graph, q, cal, layers, want.nodes[0].q);
    for (job::ProgramOp& op : program.ops)
        if (hw::OpCode(op.desc.op) == hw::OpCode::WeightLayer) op.desc.replication = copies;
    REQUIRE(program.ops.size() == m.graph->nodes.size());   // 17 nodes after the input, the concat as 2 copies
    const testbench::ChipResult r = testbench::simulate_chip(config, 1, program);
    for (size_t i = 1; i < m.graph->nodes.size(); ++i) {
        INFO("node " << m.graph->nodes[i].name);
        CHECK(r.tensors[i] == want.nodes[i].q);
    }
    CHECK_NOTHROW(testbench::check_outputs(*m.graph, to_string(scheme), r, want));
    hw::OpRecord sum;
    for (const hw::OpRecord& rec : r.records) hw::add_record(sum, rec);
    CHECK(sum.ou_activations == r.counters.ou_activations);
    CHECK(sum.adc_conversions == r.counters.adc_conversions);
    CHECK(sum.global_buffer_accesses == r.periphery.global_buffer_accesses);
    CHECK(double(sum.pooling_ns) == r.periphery.pooling_ns);
    // Every socket's transactions - registers, DMA, controller to PEs, CUs, arrays, buffers and shared units - arrived
    // as the base protocol says, also where one payload served several transactions (tlm/payload_check.hpp).
    CHECK(tlmx::arrival_violations() == 0);
}

}  // namespace

TEST_CASE("network: every op of a small network on the accelerator equals the reference engine (dense)", "[sim][network]") {
    check_network_on_chip(Scheme::Dense);
}
TEST_CASE("network: every op of a small network on the accelerator equals the reference engine (orc)", "[sim][network]") {
    check_network_on_chip(Scheme::Orc);
}
TEST_CASE("network: every op of a small network on the accelerator equals the reference engine (rws)", "[sim][network]") {
    check_network_on_chip(Scheme::Rws);
}
TEST_CASE("network: every op of a small network on the accelerator equals the reference engine (reshare)", "[sim][network]") {
    check_network_on_chip(Scheme::ReShare);
}

TEST_CASE("network: with three copies of every layer's weights the outputs are the same (reshare)", "[sim][network]") {
    check_network_on_chip(Scheme::ReShare, 3);
}
TEST_CASE("network: with three copies of every layer's weights the outputs are the same (orc)", "[sim][network]") {
    check_network_on_chip(Scheme::Orc, 3);
}

TEST_CASE("network: units cut over several CUs give the same outputs (dense)", "[sim][network]") {
    check_network_on_chip(Scheme::Dense, 1, true);
}
TEST_CASE("network: units cut over several CUs give the same outputs (orc)", "[sim][network]") {
    check_network_on_chip(Scheme::Orc, 1, true);
}
TEST_CASE("network: units cut over several CUs give the same outputs (sme)", "[sim][network]") {
    check_network_on_chip(Scheme::Sme, 1, true);
}
TEST_CASE("network: units cut over several CUs give the same outputs (reram-sharing)", "[sim][network]") {
    check_network_on_chip(Scheme::ReramSharing, 1, true);
}

TEST_CASE("network: a wrong output is an error naming the node, the position and both values", "[sim][network]") {
    const models::Model m = reshare::test::tiny_network();
    const std::vector<float> x = inference::network_input(inference::synthetic_image(8, 8, 3), *m.graph);
    const inference::IntResult want = inference::run_int(m, HwConfig{}, inference::calibrate(m, x), x);
    testbench::ChipResult r;
    for (const auto& t : want.nodes) r.tensors.push_back(t.q);
    CHECK_NOTHROW(testbench::check_outputs(*m.graph, "reshare", r, want));
    const size_t node = 4;   // "add", 4x4x8: value 8 * (4 + 1) + 3 is (y 1, x 1, c 3)
    r.tensors[node][43] = int8_t(r.tensors[node][43] == 5 ? 6 : 5);
    CHECK_THROWS_WITH(testbench::check_outputs(*m.graph, "reshare", r, want),
                      Catch::Matchers::StartsWith("node add: output (y 1, x 1, c 3) is ") &&
                          Catch::Matchers::Contains("on the accelerator (reshare) but"));
    r.tensors[node].pop_back();
    r.tensors[node][43] = want.nodes[node].q[43];
    CHECK_THROWS_WITH(testbench::check_outputs(*m.graph, "reshare", r, want), Catch::Matchers::Contains("has 127 values, not 128"));
}

TEST_CASE("waveform: the repository's save file is the one a trace from the first CU gets", "[sim][vcd]") {
    const std::string want = hw::gtkw_save_file({"pe_0.cu_0", "pe_0.cu_1", "pe_0.cu_2", "pe_0.cu_3"},
                                                "open with `gtkwave FILE docs/reshare.gtkw`");
    if (std::getenv("RESHARE_UPDATE_GOLDEN")) std::ofstream(RESHARE_SOURCE_DIR "/docs/reshare.gtkw") << want;
    std::stringstream repo;
    repo << std::ifstream(RESHARE_SOURCE_DIR "/docs/reshare.gtkw").rdbuf();
    CHECK(repo.str() == want);
}

TEST_CASE("job format: the fuzzers' op descriptors are refused naming the bound they break", "[sim][regression]") {
    // ../shared/fuzz-findings D1-D6 (tests/regressions/descriptors): 112 descriptor bytes, then whatever the fuzz
    // harness put after them. Before, each was accepted and then overflowed a size, a buffer or a window sum, or took
    // up to 10^12 steps.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"D1-elements-overflow", "dimension of 1073741824"},
        {"D2-vectors-wrap", "more than 65535"},
        {"D3-huge-tensor", "tensor of 1095183237375 values"},
        {"D4-avgpool-sum-overflow", "averages 17640000 values per window"},
        {"D5-pool-window-time", "window spanning 65535 rows"},
        {"D5-pool-window-time.fuzzer-found", "more than 65535"},
        {"D5-timeout.fuzzer-found", "window spanning 263169 columns"},
        {"D6-window-tap-overflow.fuzzer-found", "window spanning"},
    };
    for (const auto& c : cases) {
        INFO(c.first);
        std::ifstream f(RESHARE_SOURCE_DIR "/tests/regressions/descriptors/" + c.first, std::ios::binary);
        reshare::hw::OpDescriptor d;
        REQUIRE(f.read(reinterpret_cast<char*>(&d), sizeof d));
        const std::string why = reshare::hw::check_descriptor(d);
        INFO(why);
        CHECK(why.find(c.second) != std::string::npos);
    }
}

TEST_CASE("job format: descriptor bounds admit the real layers at their limits and refuse one step past them",
          "[sim][regression]") {
    reshare::hw::OpDescriptor d;   // VGG16's conv1_2: 224 x 224 x 64, 3 x 3 SAME
    d.op = uint32_t(reshare::hw::OpCode::WeightLayer);
    d.image_addr = 4096, d.image_bytes = 1, d.params_count = 64;
    d.in_h = d.in_w = d.out_h = d.out_w = 224, d.in_c = d.out_c = 64;
    d.kh = d.kw = 3, d.pad_top = d.pad_left = 1;
    CHECK(reshare::hw::check_descriptor(d).empty());
    d.out_h = 226;   // more rows than a 3-row window fits with 1 row of padding above and at most 1 + 1 (stride) below
    CHECK(reshare::hw::check_descriptor(d).find("226 outputs along rows") != std::string::npos);
    d.out_h = 224, d.stride_h = d.stride_w = 2, d.out_h = d.out_w = 112, d.pad_top = d.pad_left = 0;   // SAME, stride 2
    CHECK(reshare::hw::check_descriptor(d).empty());
    reshare::hw::OpDescriptor pool;   // a ceil-mode 3 x 3 / 2 max pool of 112 -> 56 with no padding (GoogLeNet)
    pool.op = uint32_t(reshare::hw::OpCode::MaxPool);
    pool.in_h = pool.in_w = 112, pool.out_h = pool.out_w = 56, pool.in_c = pool.out_c = 64;
    pool.kh = pool.kw = 3, pool.stride_h = pool.stride_w = 2;
    CHECK(reshare::hw::check_descriptor(pool).empty());
    reshare::hw::OpDescriptor avg = pool;   // the largest average window whose int32 sum cannot overflow, and one more row
    avg.op = uint32_t(reshare::hw::OpCode::AvgPool), avg.params_count = 1;
    avg.in_h = 4096, avg.in_w = 4096, avg.in_c = avg.out_c = 1, avg.out_h = avg.out_w = 1, avg.stride_h = avg.stride_w = 1;
    avg.kh = 4096, avg.kw = 4096;
    CHECK(reshare::hw::check_descriptor(avg).empty());
    avg.in_h = avg.kh = 4097;
    CHECK(reshare::hw::check_descriptor(avg).find("averages 16781312 values per window") != std::string::npos);
}

TEST_CASE("job format: a lookup needs its 256-entry table and a channel mul its vector and one requantization",
          "[sim][job]") {
    reshare::hw::OpDescriptor d;   // a hard-swish over 24 x 96 x 16 (PaddleOCR's direction classifier)
    d.op = uint32_t(reshare::hw::OpCode::Lookup);
    d.in_h = d.out_h = 24, d.in_w = d.out_w = 96, d.in_c = d.out_c = 16;
    d.src0 = 0x1000, d.dst = 0x2000, d.params_addr = 0x3000, d.params_count = 256;
    CHECK(reshare::hw::check_descriptor(d).empty());
    d.params_count = 16;   // a table's bytes as if they were requantization entries
    CHECK(reshare::hw::check_descriptor(d) == "lookup op needs a table of 256 entries, has 16");
    d.params_count = 256, d.out_c = 8;
    CHECK(reshare::hw::check_descriptor(d) == "lookup op changes the shape");
    reshare::hw::OpDescriptor m = d;   // squeeze-and-excitation's scaling
    m.op = uint32_t(reshare::hw::OpCode::Mul), m.out_c = 16, m.params_count = 1, m.src1 = 0x4000;
    CHECK(reshare::hw::check_descriptor(m).empty());
    m.src1 = 0;
    CHECK(reshare::hw::check_descriptor(m) == "mul op has no second operand");
    m.src1 = 0x4000, m.params_count = 2;
    CHECK(reshare::hw::check_descriptor(m) == "mul op needs 1 requantization entries, has 2");
}
