#include "reshare/schemes/rws/rws.hpp"

#include "reshare/hw/timing/cu_pipeline.hpp"
#include "reshare/schemes/common/tables.hpp"

namespace reshare {
namespace {

// Patterns in first-occurrence order; bit-columns grouped by pattern (a counting sort).
void build_domain(const DomainScratch& s, RwsTables& out) {
    const int n = s.ids.size();
    out.domain_patterns.push_back(uint32_t(n));
    append(out.patterns, s.ids.keys());
    std::vector<uint32_t> length(n, 0);
    for (int p : s.pattern_of)
        if (p >= 0) ++length[p];
    std::vector<uint64_t> at = offsets(length);
    const size_t base = out.column_index.size();
    out.column_index.resize(base + at.back());
    for (int col = 0; col < int(s.pattern_of.size()); ++col)
        if (const int p = s.pattern_of[col]; p >= 0) out.column_index[base + at[p]++] = uint16_t(col);
    append(out.task_length, length);
}

class RwsDatapath : public UnitDatapath {
public:
    explicit RwsDatapath(const CompressedLayer& l) : t_(rws_tables(l)), cell_bits_(l.geo.cell_bits), pstart_(offsets(t_.domain_patterns)) {
        // Where each domain's column indices start: the sum of its patterns' task lengths.
        cstart_.assign(1, 0);
        for (int d = 0; d < l.geo.domains(); ++d) {
            uint64_t n = 0;
            for (uint64_t p = pstart_[d]; p < pstart_[d + 1]; ++p) n += t_.task_length[p];
            cstart_.push_back(cstart_.back() + n);
        }
    }
    void results(int d, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>& values) const override {
        pattern_values(t_, pstart_, d, xs, count, cell_bits_, values);
        uint64_t at = cstart_[d];
        for (uint64_t p = pstart_[d]; p < pstart_[d + 1]; ++p)
            for (uint32_t k = 0; k < t_.task_length[p]; ++k) results[t_.column_index[at++]] = values[p - pstart_[d]];
    }

private:
    const RwsTables& t_;
    int cell_bits_;
    std::vector<uint64_t> pstart_, cstart_;
};

}  // namespace

std::shared_ptr<const SchemeTables> RwsScheme::compress(const QuantizedMatrix& m, const BitSlicing& bs,
                                                        const LayerGeometry& g, const HwConfig&, int threads) const {
    // Every pattern occurrence is one column index: at most one per bit-column.
    auto reserve = [&](RwsTables& t) {
        reserve_patterns(g, t);
        t.task_length.reserve(t.patterns.capacity());
        t.column_index.reserve(size_t(g.domains()) * g.group_bitcols());
    };
    return build_in_parallel<RwsTables>(g.domains(), threads, reserve, [&](int begin, int end) {
        RwsTables part;
        DomainScratch s(bs, g);
        for (int d = begin; d < end; ++d) s.load(m, d), build_domain(s, part);
        return part;
    });
}

void RwsScheme::encode(const CompressedLayer& l, ImageWriter& w) const {
    const RwsTables& t = rws_tables(l);
    encode_patterns(t, w);
    w.narrow("TLEN", t.task_length);
    w.narrow("CIDX", t.column_index);
}

std::shared_ptr<const SchemeTables> RwsScheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    auto t = std::make_shared<RwsTables>();
    decode_patterns(r, l.geo, *t);
    t->task_length = r.narrow<uint32_t>("TLEN");
    t->column_index = r.narrow<uint16_t>("CIDX");
    r.fail_if(t->task_length.size() != t->patterns.size(), "task length list does not match the patterns");
    r.fail_if(sum(t->task_length) != t->column_index.size(), "column index list disagrees with the task lengths");
    r.fail_if(!all_below(t->column_index, l.geo.group_bitcols()), "column index outside the matrix");
    return t;
}

std::vector<uint32_t> RwsScheme::unit_ous(const CompressedLayer& l) const { return pattern_unit_ous(rws_tables(l), l.geo); }

// The index table: the paper's O(H_M W_M log W_M) column index list and O(H_M N_p log W_M) task lengths.
void RwsScheme::add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const RwsTables& t = rws_tables(l);
    const std::vector<uint64_t> pstart = offsets(t.domain_patterns);
    const int W = l.geo.group_bitcols();
    for (int d = 0; d < l.geo.domains(); ++d) {
        uint64_t targets = 0;
        for (uint64_t p = pstart[d]; p < pstart[d + 1]; ++p) targets += t.task_length[p];
        units[size_t(d)].held.push_back({"column_index_list", targets * index_bits(W), hw::Holding::Summed, hw::Placement::IndexMemory});
        units[size_t(d)].held.push_back({"task_length_list", (pstart[d + 1] - pstart[d]) * index_bits(uint64_t(W) + 1),
                                         hw::Holding::Summed, hw::Placement::IndexMemory});
    }
}

// Each pattern's fanout (its task length), in order.
void RwsScheme::add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {
    const RwsTables& t = rws_tables(l);
    add_pattern_work(t, l.geo, units);
    const std::vector<uint64_t> pstart = offsets(t.domain_patterns);
    for (int d = 0; d < l.geo.domains(); ++d)
        units[size_t(d)].fanout.assign(t.task_length.begin() + long(pstart[d]), t.task_length.begin() + long(pstart[d + 1]));
}

std::unique_ptr<UnitDatapath> RwsScheme::datapath(const CompressedLayer& l) const { return std::make_unique<RwsDatapath>(l); }

}  // namespace reshare
