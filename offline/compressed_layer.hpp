// One layer after the offline pass: its geometry and quantization, shared by every scheme, and the scheme's own
// tables (schemes/<name>/<name>.hpp says what they hold).
//
// Variable-length tables are stored as per-unit counts plus concatenated data (offsets() turns counts into
// start positions), so parts built in parallel concatenate without fix-ups (schemes/common/tables.hpp).
#pragma once

#include "reshare/common/config.hpp"
#include "reshare/common/error.hpp"
#include "reshare/offline/bitslice.hpp"
#include "reshare/schemes/scheme.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace reshare {

struct CompressedLayer {
    std::string name;
    Scheme scheme = Scheme::Dense;
    Encoding encoding = Encoding::Differential;
    QuantGranularity quant = QuantGranularity::PerTensor;
    int weight_bits = 8, input_bits = 8;
    LayerGeometry geo;
    std::vector<double> scale;                     // quantization scale: 1 or one per column
    std::shared_ptr<const SchemeTables> tables;    // the scheme's own, immutable once built

    // The scheme's tables as its own type; a layer of another scheme is an internal error.
    template <class T>
    const T& tables_as() const {
        const T* t = dynamic_cast<const T*>(tables.get());
        if (!t) throw Error("layer " + name + ": tables are not those of scheme " + to_string(scheme), ExitCode::Failure);
        return *t;
    }
};

// Start positions of each unit's data given per-unit counts (size n+1).
template <class T>
std::vector<uint64_t> offsets(const std::vector<T>& counts) {
    std::vector<uint64_t> out(counts.size() + 1, 0);
    for (size_t i = 0; i < counts.size(); ++i) out[i + 1] = out[i] + counts[i];
    return out;
}

// "" when a layer of this geometry fits the image's tables and the model's counts, else what is too large.
std::string layer_size_problem(const LayerGeometry& g);

// The bit-slicing the layer was compressed with.
BitSlicing slicing_of(const CompressedLayer& l);

// Compresses one quantized layer; `threads` workers split its domains (or strips) in order.
CompressedLayer compress(const QuantizedMatrix& m, const HwConfig& config, Scheme scheme, int threads = 1);

// Throws Error (exit 2) naming the key when `scheme` cannot run with `config` (SchemeDef::config_problem).
void check_scheme_config(const HwConfig& config, Scheme scheme);
// Whether the scheme computes with weights other than the quantized ones (SME, ReRAM-Sharing).
bool changes_weights(Scheme scheme);
// The weights the reference engine runs for layer `l`: `original` (the layer's quantized matrix) with the scheme's
// effective weights when it changes them (SchemeDef::effective_weights), else `original` itself.
QuantizedMatrix effective_matrix(const CompressedLayer& l, const QuantizedMatrix& original);

}  // namespace reshare
