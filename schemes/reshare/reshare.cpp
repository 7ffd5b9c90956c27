#include "reshare/schemes/reshare/reshare.hpp"
#include "reshare/common/parallel.hpp"

#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/schemes/common/tables.hpp"
#include "reshare/schemes/reshare/reorder.hpp"

#include <algorithm>

namespace reshare {
namespace {

// Patterns in Algorithm 1 order; one task per non-zero block, ordered by when it completes. Slot: the slots' type
// (reshare_slot_bytes).
template <class Slot>
void build_domain(const DomainScratch& s, int block_results, ReShareTables& out) {
    const int n = s.ids.size(), B = block_results;
    const std::vector<int> order = reorder_fast(s.pattern_of, n, B);
    // slot_of[p + 1]: what a slot holds for pattern id p, its pattern-buffer address + 1; slot_of[0] = 0, the zero
    // pattern. 16 bits suffice: compress() refuses groups of more than 65534 bit-columns.
    std::vector<uint16_t> slot_of(n + 1, 0);
    for (int i = 0; i < n; ++i) slot_of[order[i] + 1] = uint16_t(i + 1);
    out.domain_patterns.push_back(uint32_t(n));
    for (int p : order) out.patterns.push_back(s.ids.keys()[p]);

    // Every block's slots, and the step after which it can be written: its largest slot (0: all-zero, no task).
    const int cols = int(s.pattern_of.size()), blocks = (cols + B - 1) / B;
    std::vector<uint16_t> slots(size_t(blocks) * B, 0), ready(blocks);
    std::vector<uint32_t> per_ready(n + 1, 0);
    for (int b = 0; b < blocks; ++b) {
        uint16_t* slot = &slots[size_t(b) * B];
        uint16_t last = 0;
        for (int col = b * B; col < std::min(cols, (b + 1) * B); ++col)
            last = std::max(last, *slot++ = slot_of[s.pattern_of[col] + 1]);
        ready[b] = last, ++per_ready[last];
    }
    // Counting sort by completion step; blocks completing at the same step keep their address order.
    const uint32_t tasks = uint32_t(blocks) - per_ready[0];
    per_ready[0] = 0;
    std::vector<uint64_t> at = offsets(per_ready);
    out.domain_tasks.push_back(tasks);
    const size_t first = out.task_block.size();
    std::vector<Slot>& task_slot = out.task_slot.as<Slot>();
    out.task_block.resize(first + tasks);
    task_slot.resize((first + tasks) * B);
    for (int b = 0; b < blocks; ++b)
        if (ready[b]) {
            const uint64_t t = first + at[ready[b]]++;
            out.task_block[t] = uint32_t(b);
            std::copy_n(&slots[size_t(b) * B], B, &task_slot[t * B]);
        }
}

// kB: B known at compile time (the default 8), else 0. Each slot is compared with those before it: for B <= 32
// slots, fixed-length loops without a search beat a find per slot.
template <int kB, class Slot>
TaskReads task_reads_compared(const Slot* slot, int block_results) {
    const int B = kB ? kB : block_results;
    TaskReads r;
    for (int i = 0; i < B; ++i) {
        if (!slot[i]) continue;
        const int line = (slot[i] - 1) / B;
        bool seen = false, line_seen = false;
        for (int j = 0; j < i; ++j) {
            seen |= slot[j] == slot[i];
            line_seen |= slot[j] != 0 && (slot[j] - 1) / B == line;
        }
        r.distinct += !seen;
        r.lines += !line_seen;
        r.last = std::max<uint16_t>(r.last, slot[i]);
    }
    return r;
}

// Bits set in x, inline: without -mpopcnt (the portable build), __builtin_popcountll is a call into libgcc, 1% of a
// VGG16 reshare run.
inline int bits_set(uint64_t x) {
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return int((x * 0x0101010101010101ull) >> 56);
}

// A domain of at most 256 patterns (8-bit keys, the default) in lines of at least 4: the addresses read as bits of
// a 256-bit set and the lines as bits of a 64-bit one, counted at the end; no comparisons, no branches. VGG16 has
// 30 M tasks.
template <int kB, class Slot>
TaskReads task_reads_few(const Slot* slot, int block_results) {
    const int B = kB ? kB : block_results;
    uint64_t address[4] = {0, 0, 0, 0}, lines = 0;
    Slot last = 0;
    for (int i = 0; i < B; ++i) {
        const uint32_t a = slot[i] - 1u;   // the zero pattern's 0 wraps around; its bit is 0, so it sets nothing
        const uint64_t bit = slot[i] != 0;
        address[(a >> 6) & 3] |= bit << (a & 63);
        lines |= bit << ((a / B) & 63);
        last = std::max(last, slot[i]);
    }
    TaskReads r;
    r.distinct = uint16_t(bits_set(address[0]) + bits_set(address[1]) + bits_set(address[2]) + bits_set(address[3]));
    r.lines = uint16_t(bits_set(lines));
    r.last = last;
    return r;
}

template <class Slot>
TaskReads task_reads_of(const Slot* slot, int block_results, uint32_t patterns) {
    const int B = block_results;
    if (patterns <= 256 && B >= 4) return B == 8 ? task_reads_few<8>(slot, B) : task_reads_few<0>(slot, B);
    return B == 8 ? task_reads_compared<8>(slot, B) : task_reads_compared<0>(slot, B);
}

}  // namespace

TaskReads task_reads(const uint8_t* slot, int block_results, uint32_t patterns) { return task_reads_of(slot, block_results, patterns); }
TaskReads task_reads(const uint16_t* slot, int block_results, uint32_t patterns) { return task_reads_of(slot, block_results, patterns); }

namespace {

template <class T>
uint64_t max_of(const std::vector<T>& v) {
    return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

class ReShareDatapath : public UnitDatapath {
public:
    explicit ReShareDatapath(const CompressedLayer& l)
        : t_(reshare_tables(l)), g_(l.geo), pstart_(offsets(t_.domain_patterns)), tstart_(offsets(t_.domain_tasks)) {}
    // Each task writes its whole block, a zero-pattern slot's 0 included (results come zeroed, so writing it costs no
    // branch and changes nothing): values[0] is the zero pattern's 0, values[k] pattern-buffer address k - 1.
    void results(int d, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>& values) const override {
        pattern_values(t_, pstart_, d, xs, count, g_.cell_bits, values);
        values.insert(values.begin(), 0);
        t_.task_slot.visit([&](const auto& slots) {
            if (g_.block_results == 8)
                write_blocks<8>(d, slots.data(), values.data(), results);
            else
                write_blocks<0>(d, slots.data(), values.data(), results);
        });
    }

private:
    template <int kB, class Slot>
    void write_blocks(int d, const Slot* slots, const int64_t* values, int64_t* results) const {
        const int B = kB ? kB : g_.block_results, W = g_.group_bitcols();
        for (uint64_t t = tstart_[d]; t < tstart_[d + 1]; ++t) {
            const int col0 = int(t_.task_block[t]) * B;
            const Slot* slot = &slots[t * B];
            if (col0 + B <= W)
                for (int sl = 0; sl < B; ++sl) results[col0 + sl] = values[slot[sl]];
            else   // the domain's last block, cut at its last bit-column
                for (int sl = 0; sl < W - col0; ++sl) results[col0 + sl] = values[slot[sl]];
        }
    }

    const ReShareTables& t_;
    const LayerGeometry& g_;
    std::vector<uint64_t> pstart_, tstart_;
};

}  // namespace

std::shared_ptr<const SchemeTables> ReShareScheme::compress(const QuantizedMatrix& m, const BitSlicing& bs,
                                                            const LayerGeometry& g, const HwConfig&, int threads) const {
    // At most one task per block (VGG16: 30 M tasks, 360 MB of tables).
    auto reserve = [&](ReShareTables& t) {
        const size_t blocks = size_t(g.domains()) * g.blocks_per_domain();
        reserve_patterns(g, t);
        t.domain_tasks.reserve(size_t(g.domains()));
        t.task_block.reserve(blocks);
        if (reshare_slot_bytes(g) == 1)
            t.task_slot.narrow.reserve(blocks * g.block_results);
        else
            t.task_slot.wide.reserve(blocks * g.block_results);
    };
    return build_in_parallel<ReShareTables>(g.domains(), threads, reserve, [&](int begin, int end) {
        ReShareTables part;
        DomainScratch s(bs, g);
        for (int d = begin; d < end; ++d) {
            s.load(m, d);
            if (reshare_slot_bytes(g) == 1)
                build_domain<uint8_t>(s, g.block_results, part);
            else
                build_domain<uint16_t>(s, g.block_results, part);
        }
        return part;
    });
}

void ReShareScheme::encode(const CompressedLayer& l, ImageWriter& w) const {
    const ReShareTables& t = reshare_tables(l);
    encode_patterns(t, w);
    w.narrow("DTSK", t.domain_tasks);
    w.narrow("TBLK", t.task_block);
    t.task_slot.visit([&](const auto& slots) { w.narrow("TSLT", slots); });
}

std::shared_ptr<const SchemeTables> ReShareScheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    const LayerGeometry& g = l.geo;
    auto t = std::make_shared<ReShareTables>();
    decode_patterns(r, g, *t);
    t->domain_tasks = r.narrow<uint32_t>("DTSK");
    t->task_block = r.narrow<uint32_t>("TBLK");
    if (reshare_slot_bytes(g) == 1)
        t->task_slot.narrow = r.narrow<uint8_t>("TSLT");
    else
        t->task_slot.wide = r.narrow<uint16_t>("TSLT");
    r.fail_if(t->domain_tasks.size() != size_t(g.domains()), "task counts do not match the geometry");
    r.fail_if(sum(t->domain_tasks) != t->task_block.size(), "task list length disagrees with its counts");
    r.fail_if(t->task_slot.size() != t->task_block.size() * g.block_results, "task slots do not fill the blocks");
    r.fail_if(!all_below(t->task_block, g.blocks_per_domain()), "block index outside the result buffer");
    const std::vector<uint64_t> tstart = offsets(t->domain_tasks);
    t->task_slot.visit([&](const auto& slots) {
        for (int d = 0; d < g.domains(); ++d)
            for (uint64_t task = tstart[d]; task < tstart[d + 1]; ++task) {
                bool any = false;
                for (uint64_t s = task * g.block_results; s < (task + 1) * g.block_results; ++s) {
                    r.fail_if(slots[s] > t->domain_patterns[d], "task refers to a pattern its domain does not hold");
                    any = any || slots[s] != 0;
                }
                r.fail_if(!any, "a task for an all-zero block (the pass writes none)");
            }
    });
    return t;
}

std::vector<uint32_t> ReShareScheme::unit_ous(const CompressedLayer& l) const { return pattern_unit_ous(reshare_tables(l), l.geo); }

// Per unit, in its CU's eDRAM (Sec. III-C: "the result buffer, pattern buffer, and task buffer are assembled in the
// on-chip buffer of each CU"): its task list (fixed-width entries: block index and a pattern-buffer reference per
// slot) and its patterns' results, which the MVM writes ahead of the tasks and never overwrites.
void ReShareScheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const LayerGeometry& g = l.geo;
    const ReShareTables& tb = reshare_tables(l);
    const uint64_t entry =
        index_bits(g.blocks_per_domain()) + uint64_t(g.block_results) * index_bits(max_of(tb.domain_patterns) + 1);
    for (int d = 0; d < g.domains(); ++d) {
        hw::WorkUnit& u = units[size_t(d)];
        u.held.push_back({"task_list", uint64_t(tb.domain_tasks[d]) * entry, hw::Holding::Summed, hw::Placement::Edram});
        u.held.push_back({"pattern_buffer", uint64_t(tb.domain_patterns[d]) * g.result_bits, hw::Holding::Summed,
                          hw::Placement::Edram});
    }
}

// Per task: the OU whose write completes its block, and the distinct patterns (and pattern-buffer lines) it reads.
void ReShareScheme::add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const LayerGeometry& g = l.geo;
    const ReShareTables& tb = reshare_tables(l);
    add_pattern_work(tb, g, units);
    const std::vector<uint64_t> tstart = offsets(tb.domain_tasks);
    const int B = g.block_results;
    auto add_tasks = [&](hw::WorkUnit& u, uint64_t t0, uint64_t t1, auto reads) {
        u.task_ready_ou.reserve(t1 - t0), u.task_reads.reserve(t1 - t0), u.task_lines.reserve(t1 - t0);
        for (uint64_t t = t0; t < t1; ++t) {
            const TaskReads r = reads(t * B);
            u.task_ready_ou.push_back(uint32_t((r.last - 1) / g.ou_cols));
            u.task_reads.push_back(r.distinct);
            u.task_lines.push_back(r.lines);
        }
    };
    // Domains are independent (VGG16 has 30 M tasks): over every core, while the controller, which builds a layer's
    // units in the simulation thread, waits.
    tb.task_slot.visit([&](const auto& slots) {
        parallel_chunks<char>(g.domains(), default_threads(), [&](int d0, int d1) {
            for (int d = d0; d < d1; ++d) {
                const uint32_t patterns = tb.domain_patterns[d];
                if (B == 8 && patterns <= 256)   // the default geometry, inlined
                    add_tasks(units[size_t(d)], tstart[d], tstart[d + 1], [&](uint64_t at) { return task_reads_few<8>(&slots[at], 8); });
                else
                    add_tasks(units[size_t(d)], tstart[d], tstart[d + 1], [&](uint64_t at) { return task_reads(&slots[at], B, patterns); });
            }
            return char(0);
        });
    });
}

std::unique_ptr<UnitDatapath> ReShareScheme::datapath(const CompressedLayer& l) const {
    return std::make_unique<ReShareDatapath>(l);
}

}  // namespace reshare
