// rws: RePIM's repetitive weight sharing (Tsai et al., DAC 2021), as the ReShare paper describes it (Sec. II, Fig. 1
// and 2). Per sharing domain each distinct non-zero pattern is stored and computed once, in first-occurrence order;
// its result goes to an output buffer, from which a sharing engine distributes it through a task length list (how
// many bit-columns each pattern feeds) and a column index list (their bit-columns, grouped by pattern).
#pragma once

#include "reshare/schemes/common/patterns.hpp"

namespace reshare {

struct RwsTables : PatternTables {
    std::vector<uint32_t> task_length;    // per pattern: how many bit-columns it goes to
    std::vector<uint16_t> column_index;   // per pattern occurrence: target bit-column, grouped by pattern

    template <class F>
    static void zip(RwsTables& a, RwsTables& b, F f) {
        PatternTables::zip(a, b, f);
        f(a.task_length, b.task_length);
        f(a.column_index, b.column_index);
    }
};

class RwsScheme : public SchemeDef {
public:
    Scheme id() const override { return Scheme::Rws; }
    const char* name() const override { return "rws"; }
    const char* summary() const override {
        return "RePIM's repetitive weight sharing: distinct patterns computed once, results distributed through an "
               "output buffer by a task length list and a column index list";
    }
    RESHARE_SCHEME_HOOKS
    TimingRule timing() const override { return {SharingEngine::OutputBuffer, false}; }
    void add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
    std::vector<const char*> held_names() const override { return {"column_index_list", "task_length_list"}; }
    void add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const override;
};

inline const RwsTables& rws_tables(const CompressedLayer& l) { return l.tables_as<RwsTables>(); }

}  // namespace reshare
