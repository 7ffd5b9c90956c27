// dense: the uncompressed baseline. Every OU of the bit-sliced matrix is stored; the tables are the quantized
// weights themselves (cells follow from the encoding, offline/bitslice.hpp), and every OU's results go straight to
// the result buffer.
#pragma once

#include "reshare/offline/compressed_layer.hpp"

namespace reshare {

struct DenseTables : SchemeTables {
    std::vector<int8_t> weights;   // rows x cols, row-major
};

class DenseScheme : public SchemeDef {
public:
    Scheme id() const override { return Scheme::Dense; }
    const char* name() const override { return "dense"; }
    const char* summary() const override { return "the uncompressed baseline: every OU of the bit-sliced matrix stored"; }
    RESHARE_SCHEME_HOOKS
    TimingRule timing() const override { return {SharingEngine::Direct, false}; }
};

inline const DenseTables& dense_tables(const CompressedLayer& l) { return l.tables_as<DenseTables>(); }

// The layer's quantized matrix (its weights and shape), for the shared bit-slicing code.
QuantizedMatrix dense_matrix(const CompressedLayer& l);

}  // namespace reshare
