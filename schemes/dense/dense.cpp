#include "reshare/schemes/dense/dense.hpp"

#include "reshare/offline/image_sections.hpp"
#include "reshare/schemes/common/patterns.hpp"

namespace reshare {
namespace {

// Every bit-column's key in every domain, built once per layer - unless that table would be large: a dense
// VGG16's fc6 has 720 MB of keys against its 103 MB of weights, and sees one input vector. Then each call builds
// its domain's keys from the weights (the same keys either way).
constexpr size_t kMaxKeyTableBytes = size_t(64) << 20;

class DenseDatapath : public UnitDatapath {
public:
    explicit DenseDatapath(const CompressedLayer& l) : g_(l.geo), m_(dense_matrix(l)), keyer_(slicing_of(l), g_) {
        const size_t W = g_.group_bitcols(), keys = size_t(g_.domains()) * W;
        if (keys * sizeof(PatternKey) > kMaxKeyTableBytes) return;
        keys_.resize(keys);
        for (int d = 0; d < g_.domains(); ++d) keyer_.keys(m_, d, &keys_[d * W]);
        m_ = {};   // the table holds all the datapath needs
    }
    // Keys of at most 8 bits (the default 8-row OU of 1-bit cells) take at most 256 values, far fewer than a domain's
    // bit-columns (VGG16's fc6: 57344): each value's dot product is computed once, then looked up per column.
    void results(int d, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>& value) const override {
        const int W = g_.group_bitcols(), values = g_.key_bits() <= 8 ? 1 << g_.key_bits() : 0;
        const PatternKey* keys = keys_.empty() ? domain_keys(d) : &keys_[size_t(d) * W];
        if (values && W > values) {
            value.resize(size_t(values));
            for (int k = 0; k < values; ++k) value[size_t(k)] = pattern_dot(PatternKey(k), xs, count, g_.cell_bits);
            for (int col = 0; col < W; ++col) results[col] = value[keys[col]];
        } else {
            for (int col = 0; col < W; ++col) results[col] = pattern_dot(keys[col], xs, count, g_.cell_bits);
        }
    }

private:
    const PatternKey* domain_keys(int d) const {
        thread_local std::vector<PatternKey> keys;   // the datapath's threads call results() at once
        keys.resize(size_t(g_.group_bitcols()));
        keyer_.keys(m_, d, keys.data());
        return keys.data();
    }
    const LayerGeometry& g_;
    QuantizedMatrix m_;   // kept only without the table
    DomainKeyer keyer_;
    std::vector<PatternKey> keys_;
};

}  // namespace

QuantizedMatrix dense_matrix(const CompressedLayer& l) {
    QuantizedMatrix m;
    m.name = l.name;
    m.rows = l.geo.rows;
    m.cols = l.geo.cols;
    m.groups = l.geo.groups;
    m.q = dense_tables(l).weights;
    m.scale = l.scale;
    return m;
}

std::shared_ptr<const SchemeTables> DenseScheme::compress(const QuantizedMatrix& m, const BitSlicing&, const LayerGeometry&,
                                                          const HwConfig&, int) const {
    auto t = std::make_shared<DenseTables>();
    t->weights = m.q;
    return t;
}

void DenseScheme::encode(const CompressedLayer& l, ImageWriter& w) const { w.array("WGHT", dense_tables(l).weights); }

std::shared_ptr<const SchemeTables> DenseScheme::decode(const ImageReader& r, const CompressedLayer& l) const {
    auto t = std::make_shared<DenseTables>();
    t->weights = r.array<int8_t>("WGHT");
    r.fail_if(t->weights.size() != size_t(l.geo.rows) * l.geo.cols, "weight section does not match rows x cols");
    const int qmax = (1 << (l.weight_bits - 1)) - 1;
    for (int8_t w : t->weights) r.fail_if(w < -qmax || w > qmax, "weight outside the quantized range");
    return t;
}

std::vector<uint32_t> DenseScheme::unit_ous(const CompressedLayer& l) const {
    return std::vector<uint32_t>(size_t(l.geo.domains()), uint32_t(l.geo.ou_col_groups()));
}

std::unique_ptr<UnitDatapath> DenseScheme::datapath(const CompressedLayer& l) const { return std::make_unique<DenseDatapath>(l); }

}  // namespace reshare
