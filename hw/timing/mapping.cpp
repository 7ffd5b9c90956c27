#include "reshare/hw/timing/mapping.hpp"

#include "reshare/common/parallel.hpp"

#include <algorithm>
#include <queue>
#include <unordered_set>

namespace reshare::hw {

CuHolding::CuHolding(const HwConfig& c, const TimingRule& rule) : index_in_edram_(c.rws_index_memory == IndexMemory::Edram) {
    // The output-buffer engine owns a buffer of fixed size (rws.output_buffer_results) in every CU it runs on.
    if (rule.engine == SharingEngine::OutputBuffer)
        entries_.push_back({"output_buffer", Holding::Largest, Placement::Edram,
                            uint64_t(c.rws_output_buffer_results) * c.result_bits});
}

void CuHolding::add(const WorkUnit& u) {
    for (const HeldStructure& h : u.held) {
        auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return std::string(e.name) == h.name; });
        if (it == entries_.end()) it = entries_.insert(entries_.end(), {h.name, h.holding, h.placement, 0});
        it->bits = h.holding == Holding::Summed ? it->bits + h.bits : std::max(it->bits, h.bits);
    }
}

uint64_t CuHolding::edram_bits() const {
    uint64_t bits = 0;
    for (const Entry& e : entries_)
        if (e.placement == Placement::Edram || index_in_edram_) bits += e.bits;
    return bits;
}

uint64_t CuHolding::index_memory_bits() const {
    uint64_t bits = 0;
    for (const Entry& e : entries_)
        if (e.placement == Placement::IndexMemory && !index_in_edram_) bits += e.bits;
    return bits;
}

std::vector<std::pair<std::string, uint64_t>> CuHolding::bits() const {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const Entry& e : entries_) out.push_back({e.name, e.bits});
    return out;
}

namespace {

// The OUs a CU stores: each unit's own, but an OU several units drive (WorkUnit::ou_ids) only once.
class StoredOus {
public:
    uint64_t count() const { return count_; }
    uint64_t with(const WorkUnit& u) const {   // the count if `u` joined
        if (u.ou_ids.empty()) return count_ + u.ous;
        uint64_t n = count_;
        std::unordered_set<uint32_t> fresh;
        for (uint32_t id : u.ou_ids)
            if (!ids_.count(id) && fresh.insert(id).second) ++n;
        return n;
    }
    void add(const WorkUnit& u) {
        count_ = with(u);
        ids_.insert(u.ou_ids.begin(), u.ou_ids.end());
    }

private:
    uint64_t count_ = 0;
    std::unordered_set<uint32_t> ids_;
};

// Piece [a, b) of unit `u`'s OUs. Shares are taken as differences of cumulative roundings, so the pieces of a unit
// add up to it exactly.
WorkUnit piece_of(const WorkUnit& u, uint32_t a, uint32_t b) {
    auto share = [&](uint64_t total) { return total * b / u.ous - total * a / u.ous; };
    auto slice = [&](const auto& v) { return v.empty() ? v : std::decay_t<decltype(v)>(v.begin() + a, v.begin() + b); };
    WorkUnit p;
    p.ous = b - a;
    p.results = uint32_t(share(u.results));
    p.ou_extra_cycles = slice(u.ou_extra_cycles);
    p.ou_targets = slice(u.ou_targets);
    p.ou_ids = slice(u.ou_ids);
    p.held = u.held;
    for (HeldStructure& h : p.held) h.bits = share(h.bits);
    p.source = u.source;
    p.computes = u.computes && a == 0;
    return p;
}

}  // namespace

void add_by_name(std::vector<std::pair<std::string, uint64_t>>& to, const std::string& name, uint64_t bits) {
    auto it = std::find_if(to.begin(), to.end(), [&](const auto& kv) { return kv.first == name; });
    if (it == to.end())
        to.push_back({name, bits});
    else
        it->second += bits;
}

std::vector<WorkUnit> cut_to_cus(const HwConfig& c, const TimingRule& rule, std::vector<WorkUnit> units) {
    if (rule.engine != SharingEngine::Direct) return units;
    const uint64_t slots = uint64_t(c.cu_arrays) * c.ous_per_crossbar();
    std::vector<WorkUnit> out;
    out.reserve(units.size());
    for (WorkUnit& u : units) {
        uint32_t a = 0;
        for (uint32_t k = 0; k < u.ous;) {   // grow the piece [a, k) while the OUs it stores fit one CU
            std::unordered_set<uint32_t> stored;
            for (a = k; k < u.ous; ++k) {
                const uint64_t with = u.ou_ids.empty() ? k - a + 1 : stored.size() + !stored.count(u.ou_ids[k]);
                if (with > slots && k > a) break;
                if (!u.ou_ids.empty()) stored.insert(u.ou_ids[k]);
            }
            if (a == 0 && k == u.ous) break;   // fits whole
            out.push_back(piece_of(u, a, k));
        }
        if (a == 0) out.push_back(std::move(u));
    }
    return out;
}

std::vector<CuShare> map_layer(const HwConfig& c, const TimingRule& rule, const std::vector<WorkUnit>& units) {
    // The CU's arrays hold its units' OUs and, where the scheme keeps its index table in ReRAM, that table's cells.
    const uint64_t array_bits = uint64_t(c.cu_arrays) * c.xbar_rows * c.xbar_cols * c.cell_bits;
    const uint64_t ou_bits = uint64_t(c.ou_rows) * c.ou_cols * c.cell_bits;
    const uint64_t edram = uint64_t(c.cu_edram_bytes) * 8;
    auto array_need = [&](const CuHolding& h, uint64_t ous) { return ous * ou_bits + h.index_memory_bits(); };
    std::vector<CuShare> shares;
    CuHolding cu(c, rule);
    StoredOus stored;
    for (size_t i = 0; i < units.size(); ++i) {
        CuHolding with = cu, alone(c, rule);
        with.add(units[i]);
        alone.add(units[i]);
        // Split when the arrays are full, or when the eDRAM is and a CU of its own would hold the unit (else splitting
        // gains nothing: the unit's CU is flagged as an overflow wherever it goes).
        const bool arrays_full = array_need(with, stored.with(units[i])) > array_bits;
        const bool edram_full = with.edram_bits() > edram && alone.edram_bits() <= edram;
        if (shares.empty() || (stored.count() > 0 && (arrays_full || edram_full))) {
            shares.push_back({i, i, 0, 0, false});
            cu = alone;
            stored = StoredOus();
        } else {
            cu = with;
        }
        stored.add(units[i]);
        CuShare& s = shares.back();
        s.end = i + 1;
        s.stored_ous = stored.count();
        s.edram_bits = cu.edram_bits();
        s.overflow = s.edram_bits > edram;
    }
    return shares;
}

LayerHolding layer_holding(const HwConfig& c, const TimingRule& rule, const std::vector<WorkUnit>& units,
                           const std::vector<CuShare>& shares) {
    LayerHolding out;
    for (const CuShare& s : shares) {
        CuHolding cu(c, rule);
        for (size_t i = s.begin; i < s.end; ++i) cu.add(units[i]);
        out.stored_ous += s.stored_ous;
        out.array_overflow_cus += s.stored_ous > uint64_t(c.cu_arrays) * c.ous_per_crossbar();
        for (const auto& [name, bits] : cu.bits()) add_by_name(out.bits, name, bits);
        out.edram_bits += cu.edram_bits();
        out.index_memory_bits += cu.index_memory_bits();
        out.largest_cu_edram_bits = std::max(out.largest_cu_edram_bits, cu.edram_bits());
        out.overflow_cus += s.overflow;
        ++out.cus;
    }
    return out;
}

double vector_ns(const HwConfig& c, const TimingRule& rule, const std::vector<WorkUnit>& units) {
    const CuPipeline pipeline(c, rule);
    double slowest = 0;
    for (const CuShare& s : map_layer(c, rule, units))
        slowest = std::max(slowest, pipeline.run(merge_units(units, s.begin, s.end)).total_ns);
    return slowest;
}

std::vector<uint32_t> plan_replication(const std::vector<double>& vector_ns, const std::vector<int>& cus,
                                       const std::vector<uint32_t>& vectors, int chip_cus) {
    const size_t n = vector_ns.size();
    long left = chip_cus;
    for (int c : cus) left -= c;
    if (left < 0) return {};
    std::vector<uint32_t> copies(n, 1);
    auto time_with = [&](size_t l, uint32_t r) { return vector_ns[l] * double(ceil_div(std::max<uint32_t>(1, vectors[l]), r)); };
    // The time one more copy of layer l saves, per CU it costs; the largest first (ties: the earlier layer).
    auto gain = [&](size_t l) { return (time_with(l, copies[l]) - time_with(l, copies[l] + 1)) / std::max(1, cus[l]); };
    using Entry = std::pair<double, long>;   // (gain, -layer)
    std::priority_queue<Entry> best;
    for (size_t l = 0; l < n; ++l)
        if (copies[l] < vectors[l]) best.push({gain(l), -long(l)});
    while (!best.empty()) {
        const size_t l = size_t(-best.top().second);
        best.pop();
        if (cus[l] > left) continue;   // this layer's copy no longer fits; smaller ones may
        left -= cus[l];
        ++copies[l];
        if (copies[l] < vectors[l]) best.push({gain(l), -long(l)});
    }
    return copies;
}

}  // namespace reshare::hw
