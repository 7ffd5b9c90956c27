// The CU pipeline's timing model: hand-computed units, and the mechanisms the ReShare paper is about.
#include "helpers.hpp"

#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/schemes/rws/rws.hpp"
#include "reshare/hw/timing/energy.hpp"
#include "reshare/hw/timing/mapping.hpp"
#include "reshare/offline/metrics.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace reshare;
using namespace reshare::hw;
using reshare::test::random_layer;

namespace {

// One OU = 8 input bits x 8 conversions at 1 ns on one ADC = 64 ns; buffer accesses 1 ns (the defaults).
HwConfig timing_config(int output_buffer = 32) {
    HwConfig c;
    c.rws_output_buffer_results = output_buffer;
    return c;
}

WorkUnit shared_unit(std::vector<uint16_t> ou_patterns, std::vector<uint32_t> fanout) {
    WorkUnit u;
    u.ous = uint32_t(ou_patterns.size());
    u.ou_patterns = std::move(ou_patterns);
    u.fanout = std::move(fanout);
    return u;
}

double total_stall(const std::vector<WorkUnit>& units, const CuPipeline& cu) {
    double s = 0;
    for (const WorkUnit& u : units) s += cu.run(u).stall_ns;
    return s;
}

}  // namespace

TEST_CASE("timing: a dense unit fires its OUs back to back and writes each once", "[timing]") {
    const CuPipeline cu(timing_config(), Scheme::Dense);
    REQUIRE(cu.ou_ns() == Approx(64.0));
    WorkUnit u;
    u.ous = 3;
    u.results = 24;
    const UnitTiming t = cu.run(u);
    REQUIRE(t.mvm_ns == Approx(192.0));
    REQUIRE(t.total_ns == Approx(193.0));   // the last OU's write
    REQUIRE(t.counters.ou_activations == 24);
    REQUIRE(t.counters.adc_conversions == 192);
    REQUIRE(t.counters.writes[int(Buffer::Result)] == 3);
}

TEST_CASE("timing: the MNSIM ADC convention makes a conversion (bits + 2) / rate", "[timing]") {
    HwConfig c = timing_config();
    c.adc_convention = AdcConvention::Mnsim;
    REQUIRE(c.adc_conversion_ns() == Approx(8.0));   // 6-bit ADC at 1 GS/s
    REQUIRE(CuPipeline(c, Scheme::Dense).ou_ns() == Approx(512.0));
}

TEST_CASE("timing: RWS stalls when sharing a hot OU outlasts the output buffer", "[timing]") {
    // Two OUs of 8 patterns, each pattern going to 20 columns: sharing one OU takes 160 ns, computing one 64 ns.
    const WorkUnit u = shared_unit({8, 8}, std::vector<uint32_t>(16, 20));
    // Output buffer of one OU: OU 2 is computed at 65 + 64 = 129 ns but waits for OU 1's last pattern,
    // shared by 65 + 160 = 225 ns: 96 ns of stall.
    const UnitTiming small = CuPipeline(timing_config(8), Scheme::Rws).run(u);
    REQUIRE(small.stall_ns == Approx(96.0));
    REQUIRE(small.sharing_ns == Approx(226.0 + 160.0));
    // Room for both OUs: no stall, and sharing alone sets the end.
    const UnitTiming large = CuPipeline(timing_config(16), Scheme::Rws).run(u);
    REQUIRE(large.stall_ns == 0.0);
    REQUIRE(large.total_ns < small.total_ns);
    REQUIRE(small.counters.writes[int(Buffer::Result)] == 320);   // one single-result write per target
}

TEST_CASE("timing: ReShare writes a block as soon as its last pattern exists, never stalling", "[timing]") {
    WorkUnit u;
    u.ous = 2;
    u.ou_patterns = {8, 8};
    u.task_ready_ou = {0, 0, 1};   // two blocks complete with OU 0, one needs OU 1
    u.task_reads = {3, 2, 4};   // distinct patterns
    u.task_lines = {1, 1, 2};   // the pattern-buffer lines they lie in
    HwConfig per_result = timing_config(8);
    per_result.pattern_read = PatternRead::Result;
    const UnitTiming t = CuPipeline(per_result, Scheme::ReShare).run(u);
    REQUIRE(t.stall_ns == 0.0);
    // OU 0 written at 65 ns: tasks 1 and 2 take 3 + 2 ns; OU 1 written at 129 ns, task 3 takes 4 ns.
    REQUIRE(t.sharing_ns == Approx(133.0));
    REQUIRE(t.counters.block_writes == 3);
    REQUIRE(t.counters.reads[int(Buffer::Pattern)] == 9);
    // Reading whole lines (the default): task 3 reads two lines.
    const UnitTiming lines = CuPipeline(timing_config(8), Scheme::ReShare).run(u);
    REQUIRE(lines.sharing_ns == Approx(131.0));
    REQUIRE(lines.counters.reads[int(Buffer::Pattern)] == 4);
}

TEST_CASE("timing: a CU's merged units keep their order, and their OUs fill all the CU's arrays", "[timing]") {
    WorkUnit a, b;
    a.ous = 10, a.results = 8, a.task_ready_ou = {3, 9}, a.task_reads = {2, 1}, a.task_lines = {1, 1};
    b.ous = 70, b.results = 8, b.task_ready_ou = {69}, b.task_reads = {5}, b.task_lines = {2};
    const WorkUnit m = merge_units({a, b}, 0, 2);
    REQUIRE(m.ous == 80);
    REQUIRE(m.results == 16);
    REQUIRE(m.task_ready_ou == std::vector<uint32_t>{3, 9, 79});   // b's OUs follow a's
    REQUIRE(m.task_lines == std::vector<uint16_t>{1, 1, 2});
    // 80 OUs over ceil(80 / 64) = 2 arrays: 40 OU times, where a (one array) then b (two) would take 10 + 35.
    const CuPipeline cu(timing_config(), Scheme::Dense);
    REQUIRE(cu.run(m).total_ns == Approx(40 * 64 + 2.0));   // then the last two OUs' result writes
    REQUIRE(cu.run(a).total_ns + cu.run(b).total_ns == Approx(45 * 64 + 1.0 + 2.0));
}

TEST_CASE("timing: RWS stalls grow as its output buffer shrinks while ReShare's stay flat", "[timing]") {
    HwConfig c;
    c.encoding = Encoding::Twos;   // fewer zero columns: busier sharing
    const QuantizedMatrix m = random_layer(256, 64, 1, 11);
    const auto rws = work_units(compress(m, c, Scheme::Rws), c);
    const auto reshare = work_units(compress(m, c, Scheme::ReShare), c);
    double previous = -1;
    for (int buffer : {256, 64, 32, 16, 8}) {
        const double stall = total_stall(rws, CuPipeline(timing_config(buffer), Scheme::Rws));
        INFO("output buffer " << buffer << " results: RWS stall " << stall << " ns");
        REQUIRE(stall >= previous);
        previous = stall;
        REQUIRE(total_stall(reshare, CuPipeline(timing_config(buffer), Scheme::ReShare)) == 0.0);
    }
    REQUIRE(previous > 0.0);
}

TEST_CASE("timing: work units carry every stored OU and every distributed result", "[timing]") {
    const HwConfig c;
    const QuantizedMatrix m = random_layer(100, 24, 2, 4);
    for (Scheme s : all_schemes()) {
        const CompressedLayer l = compress(m, c, s);
        uint64_t ous = 0;
        for (const WorkUnit& u : work_units(l, c)) ous += u.ous;
        INFO(to_string(s));
        REQUIRE(ous == measure(l, c).stored_ous);
        // What the units keep is named where the scheme declares it, so the run CSV's one schema has its column.
        const std::vector<std::string> all = storage_component_names();
        std::vector<const char*> own = scheme_def(s).held_names();
        if (s == Scheme::Cr2)   // cr2 keeps its base scheme's too
            for (Scheme base : all_schemes())
                for (const char* n : scheme_def(base).held_names()) own.push_back(n);
        for (const WorkUnit& u : work_units(l, c))
            for (const HeldStructure& h : u.held) {
                INFO(h.name);
                const bool shared = std::find(all.begin(), all.begin() + 3, h.name) != all.begin() + 3;
                CHECK((shared || std::find_if(own.begin(), own.end(), [&](const char* n) { return std::string(n) == h.name; }) != own.end()));
            }
        for (const auto& [name, bits] : measure(l, c).storage_bits) CHECK(std::find(all.begin(), all.end(), name) != all.end());
    }
    const CompressedLayer rws = compress(m, c, Scheme::Rws);
    uint64_t targets = 0;
    for (const WorkUnit& u : work_units(rws, c))
        for (uint32_t f : u.fanout) targets += f;
    REQUIRE(targets == rws_tables(rws).column_index.size());
}

TEST_CASE("timing: energy charges Table I powers for the time each event keeps a component busy", "[timing][energy]") {
    const HwConfig c;   // 1 ns conversions, one ADC per array: an activation lasts 8 ns
    UnitCounters n;
    n.ou_activations = 10;
    n.adc_conversions = 80;
    n.reads[int(Buffer::Pattern)] = 3;
    n.writes[int(Buffer::Result)] = 2;
    n.index_reram_reads = 4;
    const EnergyBreakdown e = energy(c, n, 100.0 * 2);
    auto part = [&](const std::string& name) {
        for (const auto& [k, v] : e.pj)
            if (k == name) return v;
        FAIL("no component " << name);
        return 0.0;
    };
    CHECK(part("adc") == Approx(80 * 12.1 / 8 * 1.0));             // 1.5125 pJ per conversion
    CHECK(part("dac") == Approx(10 * 8 * (1.0 / 256) * 8.0));       // 8 DACs for 8 ns per activation
    CHECK(part("crossbar") == Approx(10 * (0.51 / 8) * 8.0));
    CHECK(part("shift_add") == Approx(80 * (0.2 / 4) * 1.0));
    CHECK(part("buffers") == Approx(5 * 10.0));
    CHECK(part("index_reram") == Approx(4 * 0.91));
    CHECK(part("leakage") == Approx(1.5 * 100.0 * 2));   // 200 CU-ns of 1.5 mW
    double sum = 0;
    for (const auto& kv : e.pj) sum += kv.second;
    CHECK(e.total() == Approx(sum));
    CHECK(e.dynamic() + e.leakage() == Approx(e.total()));
    CHECK(e.leakage() == Approx(part("leakage")));
}

TEST_CASE("timing: energy.leakage_scope charges the chip's CUs, the occupied ones, or the CUs' busy time", "[timing][energy]") {
    HwConfig c;
    CHECK(c.leakage_scope == LeakageScope::Busy);   // MNSIM 2.0's rule, the default
    c.leakage_scope = LeakageScope::Chip;
    CHECK(leaking_cu_ns(c, 100.0, 32, 20, 900.0) == Approx(3200.0));
    c.leakage_scope = LeakageScope::Occupied;
    CHECK(leaking_cu_ns(c, 100.0, 32, 20, 900.0) == Approx(2000.0));
    c.leakage_scope = LeakageScope::Busy;
    CHECK(leaking_cu_ns(c, 100.0, 32, 20, 900.0) == Approx(900.0));
    const EnergyBreakdown e = energy(c, UnitCounters{}, 900.0);
    CHECK(e.leakage() == Approx(1.5 * 900.0));
    CHECK(e.dynamic() == Approx(0.0));
}

TEST_CASE("timing: RWS reads its index table from ReRAM in row segments by default, or per target from eDRAM", "[timing]") {
    const WorkUnit u = shared_unit({8, 8}, std::vector<uint32_t>(16, 20));
    HwConfig c = timing_config();
    REQUIRE(c.rws_index_memory == IndexMemory::Reram);   // ReShare IV-B.3
    const UnitTiming reram = CuPipeline(c, Scheme::Rws).run(u);
    CHECK(reram.counters.reads[int(Buffer::Index)] == 0);
    CHECK(reram.counters.reads[int(Buffer::Task)] == 0);
    CHECK(reram.counters.index_reram_reads == 16 * 3 + 2);   // ceil(20 / 8) per pattern + 16 task lengths, 8 a read
    // 3.16 ns / 8 entries is under one eDRAM access: a target still costs one result write.
    CHECK(CuPipeline::target_ns(c) == Approx(1.0));
    c.rws_index_memory = IndexMemory::Edram;
    const UnitTiming edram = CuPipeline(c, Scheme::Rws).run(u);
    CHECK(edram.counters.reads[int(Buffer::Index)] == 16 * 20);
    CHECK(edram.counters.index_reram_reads == 0);
    CHECK(edram.total_ns == Approx(reram.total_ns));
    c.rws_index_memory = IndexMemory::Reram;
    c.reram_index_entries_per_read = 1;   // one entry a read: the ReRAM latency shows
    CHECK(CuPipeline::target_ns(c) == Approx(3.16));
    CHECK(CuPipeline(c, Scheme::Rws).run(u).sharing_ns > reram.sharing_ns);
}

namespace {

WorkUnit held_unit(uint32_t ous, uint64_t result_bits, uint64_t table_bits, uint64_t index_bits = 0) {
    WorkUnit u;
    u.ous = ous;
    u.held = {{"result_buffer", result_bits, Holding::Largest, Placement::Edram},
              {"task_list", table_bits, Holding::Summed, Placement::Edram},
              {"column_index_list", index_bits, Holding::Summed, Placement::IndexMemory}};
    return u;
}

}  // namespace

TEST_CASE("mapping: a CU takes units while their OUs and what they keep in eDRAM fit: a unit too large is flagged",
          "[timing][mapping]") {
    HwConfig c;   // 32 KB = 262144 bits of eDRAM, 512 OUs per CU
    c.rws_index_memory = IndexMemory::Reram;
    // Each unit: 7 kbit of results (one unit at a time) and 60 kbit of task list (every unit's): 4 fit, 5 do not.
    std::vector<WorkUnit> units(10, held_unit(10, 7000, 60000, 2000));
    const TimingRule rule{SharingEngine::BlockTasks, false};
    const std::vector<CuShare> shares = map_layer(c, rule, units);
    REQUIRE(shares.size() == 3);
    CHECK(shares[0].end - shares[0].begin == 4);
    for (const CuShare& s : shares) {
        CHECK(s.edram_bits <= uint64_t(c.cu_edram_bytes) * 8);
        CHECK(!s.overflow);
    }
    const LayerHolding h = layer_holding(c, rule, units, shares);
    CHECK(h.cus == 3);
    CHECK(h.index_memory_bits == 10 * 2000);   // the index table in ReRAM counts, but not against the eDRAM...
    CHECK(h.edram_bits == 3 * 7000 + 10 * 60000);
    // ...it takes array cells: a table in ReRAM (rws) fills the CU's 8 x 32 x 128 cells beside the OUs.
    CHECK(map_layer(c, TimingRule{SharingEngine::OutputBuffer, false}, std::vector<WorkUnit>(10, held_unit(10, 7000, 1000, 10000)))
              .size() == 4);   // 3 units of 640 + 10000 bits fill 31920 of 32768 cells; a 4th does not fit

    // Index table in eDRAM: it counts against the eDRAM instead (4 x 62000 + 7000 still fits; bigger tables do not).
    c.rws_index_memory = IndexMemory::Edram;
    CHECK(map_layer(c, rule, units).size() == 3);
    CHECK(map_layer(c, rule, std::vector<WorkUnit>(10, held_unit(10, 7000, 60000, 10000))).size() == 4);
    // OUs bound it too: 60 units of 10 OUs, nothing else, 51 to a CU.
    CHECK(map_layer(c, rule, std::vector<WorkUnit>(60, held_unit(10, 0, 0))).size() == 2);
    // A unit whose need alone exceeds the eDRAM stays where the arrays put it, and its CU is flagged; the next unit,
    // which fits a CU of its own, moves on.
    const std::vector<CuShare> big = map_layer(c, rule, {held_unit(10, 1000, 0), held_unit(10, 300000, 0), held_unit(10, 1000, 0)});
    REQUIRE(big.size() == 2);
    CHECK(big[0].end == 2);
    CHECK(big[0].overflow);
    CHECK(!big[1].overflow);
}

TEST_CASE("mapping: a direct-engine unit larger than one CU is cut into CU-sized pieces that add up to it",
          "[timing][mapping]") {
    HwConfig whole, small;
    small.cu_arrays = 1;   // 64 OU slots a CU: a 200-column domain (200 x 14 bit-columns, 350 OUs;
                           // reram-sharing keeps a quarter) does not fit
    const uint64_t slots = uint64_t(small.cu_arrays) * small.ous_per_crossbar();
    const QuantizedMatrix m = random_layer(48, 200, 1, 23);
    for (Scheme s : all_schemes()) {
        INFO(to_string(s));
        const CompressedLayer l = compress(m, small, s);
        const std::vector<WorkUnit> units = work_units(l, whole), pieces = work_units(l, small);
        const bool direct = scheme_def(l.scheme).layer_timing(l).engine == SharingEngine::Direct;
        if (!direct) {   // rws and reshare units are not cut
            CHECK(pieces.size() == units.size());
            continue;
        }
        REQUIRE(pieces.size() > units.size());
        CHECK(measure(l, small).array_overflow_cus == 0);
        CHECK(measure(l, small).stored_ous == measure(l, whole).stored_ous);
        size_t p = 0;
        for (const WorkUnit& u : units) {   // the pieces of each unit, in order, add up to it
            WorkUnit sum;
            std::vector<uint64_t> held(u.held.size(), 0);
            int computing = 0;
            for (; p < pieces.size() && pieces[p].source == u.source; ++p) {
                const WorkUnit& piece = pieces[p];
                CHECK(piece.ous <= slots);
                computing += piece.computes;
                sum.ous += piece.ous;
                sum.results += piece.results;
                sum.ou_extra_cycles.insert(sum.ou_extra_cycles.end(), piece.ou_extra_cycles.begin(), piece.ou_extra_cycles.end());
                sum.ou_targets.insert(sum.ou_targets.end(), piece.ou_targets.begin(), piece.ou_targets.end());
                for (size_t k = 0; k < held.size(); ++k) held[k] += piece.held[k].bits;
            }
            CHECK(computing == 1);
            CHECK(sum.ous == u.ous);
            CHECK(sum.results == u.results);
            CHECK(sum.ou_extra_cycles == u.ou_extra_cycles);
            CHECK(sum.ou_targets == u.ou_targets);
            for (size_t k = 0; k < held.size(); ++k) CHECK(held[k] == u.held[k].bits);
        }
        CHECK(p == pieces.size());
        // Pieces on CUs of their own fire in parallel: the layer's slowest CU is faster than one CU firing them all.
        const TimingRule rule = scheme_def(l.scheme).layer_timing(l);
        const double one_cu = CuPipeline(small, rule).run(merge_units(units, 0, units.size())).total_ns;
        CHECK(vector_ns(small, rule, pieces) < one_cu);
    }
}

TEST_CASE("mapping: replication gives spare CUs to the layer whose time drops most per CU, never past its vectors",
          "[timing][mapping]") {
    // Layer 0: 10 ns a vector on 2 CUs; layer 1: 1 ns on 1 CU; 100 vectors each; 10 CUs, 7 spare.
    // Gains per CU: L0 250, then 80, then 45; L1 50, then 16: L0 x2, x3, L1 x2, L0 x4.
    CHECK(plan_replication({10, 1}, {2, 1}, {100, 100}, 10) == std::vector<uint32_t>{4, 2});
    CHECK(plan_replication({10, 1}, {2, 1}, {100, 100}, 3) == std::vector<uint32_t>{1, 1});   // exactly one copy
    CHECK(plan_replication({10, 1}, {2, 1}, {100, 100}, 2).empty());                      // not even one
    CHECK(plan_replication({10}, {1}, {3}, 50) == std::vector<uint32_t>{3});                 // one vector a copy at most
}
