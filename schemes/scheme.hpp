// The one interface every compression scheme implements, and the registry of schemes.
//
// A scheme is everything particular to one way of storing a layer on the crossbars: its offline compression (the
// tables it builds from a quantized layer), its layer-image sections, its resource figures (stored OUs per mapped
// piece, storage structures), the work it gives the CU pipeline and which pipeline engine times it, and its
// functional datapath (what each mapped piece's bit-columns deliver for given inputs). Each lives in
// schemes/<name>/; what several schemes use (quantization, bit-slicing, the image container, the pipeline engines,
// energy, pattern tables) stays shared. Adding a scheme: a folder with a class deriving from SchemeDef, one line in
// schemes/schemes.def, its tests (docs/adding-a-scheme.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace reshare {

enum class Scheme : uint8_t {
#define RESHARE_SCHEME(Id, name, Class) Id,
#include "reshare/schemes/schemes.def"
#undef RESHARE_SCHEME
};

struct CompressedLayer;
struct HwConfig;
struct LayerGeometry;
struct QuantizedMatrix;
class BitSlicing;
class ImageReader;
class ImageWriter;
namespace hw {
struct WorkUnit;
}

// A scheme's own tables of one layer (what its crossbars hold beyond the geometry, and what drives them).
struct SchemeTables {
    virtual ~SchemeTables() = default;
};

// How the CU pipeline moves a scheme's OU results to the result buffer (hw/timing/cu_pipeline.hpp, docs/timing.md).
enum class SharingEngine {
    Direct,         // every OU's results straight to the result buffer
    OutputBuffer,   // RePIM: an output buffer is the MVM's target and the sharing engine's source
    BlockTasks,     // ReShare: a pattern buffer written in order, whole result blocks written by tasks
};
struct TimingRule {
    SharingEngine engine = SharingEngine::Direct;
    bool row_index_reads = false;   // each OU first reads its row indices and gathers its inputs (ORC)
    bool adder_targets = false;     // each OU's results are added into each of its targets (WorkUnit::ou_targets)
                                    // by the CU's digital adders, one target at a time (ReRAM-Sharing)
    bool input_reuse = false;       // an input-pattern buffer hit replaces a domain's activations in a cycle (CR2)
};

// A layer's compressed datapath, one mapped piece (unit) at a time.
class UnitDatapath {
public:
    virtual ~UnitDatapath() = default;
    // The result of every bit-column of the unit's conv group (results[0 .. group_bitcols), zeroed by the caller)
    // for the inputs xs[0 .. count) of the unit's rows: what the stored columns compute and the scheme's tables
    // distribute. `scratch` is the caller's, for per-unit values.
    virtual void results(int unit, const int32_t* xs, int count, int64_t* results, std::vector<int64_t>& scratch) const = 0;
};

class SchemeDef {
public:
    virtual ~SchemeDef() = default;
    virtual Scheme id() const = 0;
    virtual const char* name() const = 0;
    virtual const char* summary() const = 0;   // one line: what it stores and how results are distributed

    // What in `c` this scheme cannot run with, in one line naming the key ("" when it can): checked before any work.
    virtual std::string config_problem(const HwConfig& c) const { return ""; }
    // Offline pass: the tables of one quantized layer; `threads` workers split it in order (identical results).
    // `c` carries the scheme's own parameters (its config section, e.g. sme.window_bits).
    virtual std::shared_ptr<const SchemeTables> compress(const QuantizedMatrix& m, const BitSlicing& bs,
                                                         const LayerGeometry& g, const HwConfig& c,
                                                         int threads) const = 0;
    // Schemes that change the weights (SME's rounding and squeeze-out, ReRAM-Sharing's centroids): the int8 weights
    // the layer's tables stand for (rows x cols, row-major), computed from the tables in plain arithmetic, which the
    // reference engine runs so the accelerator is still checked bit for bit. Empty: the weights are unchanged.
    virtual std::vector<int8_t> effective_weights(const CompressedLayer& l) const { return {}; }
    virtual bool changes_weights() const { return false; }   // true exactly when effective_weights is not empty
    // Layer image: the scheme's sections, and their reading back, every table checked against the geometry.
    virtual void encode(const CompressedLayer& l, ImageWriter& out) const = 0;
    virtual std::shared_ptr<const SchemeTables> decode(const ImageReader& in, const CompressedLayer& header) const = 0;

    // Mapping: rows of one mapped piece (a domain: ou_rows; an ORC row tile: xbar_rows) and the stored OUs of each
    // piece in order (their count is the unit count; they sum to the layer's stored OUs).
    virtual int unit_rows(const LayerGeometry& g) const;
    virtual std::vector<uint32_t> unit_ous(const CompressedLayer& l) const = 0;
    // CU pipeline: which engine times the scheme; the tables and buffers each unit keeps in its CU beyond its result
    // buffer (WorkUnit::held: counted by the storage accounting, checked against the CU's eDRAM by the mapping); and
    // the work its engine does for each unit beyond its OU count.
    virtual TimingRule timing() const = 0;
    // The rule of one layer: timing(), unless the scheme's layers differ (cr2: its base scheme's rule).
    virtual TimingRule layer_timing(const CompressedLayer& l) const { return timing(); }
    virtual void add_unit_holdings(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {}
    // The names add_unit_holdings gives what it adds, in the order reports list them: every scheme's, with the
    // shared ones (storage_component_names, offline/metrics.hpp), make the one CSV schema of every run.
    virtual std::vector<const char*> held_names() const { return {}; }
    virtual void add_unit_work(const CompressedLayer& l, std::vector<hw::WorkUnit>& units) const {}

    // The functional datapath of a layer compressed by this scheme (l must outlive it).
    virtual std::unique_ptr<UnitDatapath> datapath(const CompressedLayer& l) const = 0;
};

// The hooks every scheme defines, declared at once in each scheme's class; the optional ones (unit_rows,
// add_unit_holdings, add_unit_work) each scheme that needs them declares itself.
#define RESHARE_SCHEME_HOOKS                                                                                             \
    std::shared_ptr<const SchemeTables> compress(const QuantizedMatrix& m, const BitSlicing& bs, const LayerGeometry& g, \
                                                 const HwConfig& c, int threads) const override;                         \
    void encode(const CompressedLayer& l, ImageWriter& out) const override;                                              \
    std::shared_ptr<const SchemeTables> decode(const ImageReader& in, const CompressedLayer& header) const override;     \
    std::vector<uint32_t> unit_ous(const CompressedLayer& l) const override;                                             \
    std::unique_ptr<UnitDatapath> datapath(const CompressedLayer& l) const override;

// The registry (schemes/schemes.def).
const SchemeDef& scheme_def(Scheme s);
const std::vector<Scheme>& all_schemes();
const char* to_string(Scheme s);
Scheme parse_scheme(const std::string& s);    // throws Error naming the value and the registered schemes
std::string scheme_names(const char* last_separator = " or ");   // "dense, orc, rws or reshare"

}  // namespace reshare
