// sc_spawn: a detailed layer's CUs run as threads of their own, in parallel in kernel time.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "reshare/hw/modules/global_controller.hpp"
#include "reshare/tlm/payload_check.hpp"
#include "reshare/hw/modules/sim_time.hpp"

#include "reshare/common/error.hpp"
#include "reshare/kernels/window.hpp"
#include "reshare/hw/timing/mapping.hpp"
#include "reshare/offline/layer_image.hpp"
#include "reshare/schemes/cr2/cr2.hpp"
#include "reshare/tlm/work_extension.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <cmath>
#include <cstring>

namespace reshare::hw {

GlobalController::GlobalController(sc_core::sc_module_name name, const HwConfig& config, int pes, int cus_per_pe)
    : sc_core::sc_module(name), dma("dma"), to_pe("to_pe"), to_global_buffer("to_global_buffer"),
      to_accumulators("to_accumulators"), to_activation("to_activation"), to_pooling("to_pooling"), config_(config),
      pes_(pes), cus_per_pe_(cus_per_pe) {
    dma.register_invalidate_direct_mem_ptr(this, &GlobalController::invalidate_dmi);
    SC_HAS_PROCESS(GlobalController);
    SC_THREAD(run);
}

void GlobalController::invalidate_dmi(sc_dt::uint64 start, sc_dt::uint64 end) {
    if (dmi_valid_ && start <= dmi_.get_end_address() && end >= dmi_.get_start_address()) dmi_valid_ = false;
    dmi_refused_ = false;
}

// The memory's direct pointer to [addr, addr + bytes) for cmd, asked for once (and again after an invalidation).
unsigned char* GlobalController::dmi_pointer(tlm::tlm_command cmd, uint64_t addr, size_t bytes) {
    if (!dmi_valid_ && !dmi_refused_) {
        tlm::tlm_generic_payload probe;
        probe.set_command(cmd);
        probe.set_address(addr);
        dmi_.init();   // a descriptor handed to a target starts in its initial state (IEEE 1666-2011 11.2.5)
        dmi_valid_ = dma->get_direct_mem_ptr(probe, dmi_);
        dmi_refused_ = !dmi_valid_;
    }
    const bool allowed = cmd == tlm::TLM_READ_COMMAND ? dmi_.is_read_allowed() : dmi_.is_write_allowed();
    if (!dmi_valid_ || !allowed || addr < dmi_.get_start_address() || bytes == 0 || addr + bytes - 1 > dmi_.get_end_address())
        return nullptr;
    return dmi_.get_dmi_ptr() + (addr - dmi_.get_start_address());
}

// Bulk DMA through the memory's direct pointer where it granted one: a copy plus the memory's DMI latency.
bool GlobalController::dmi_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes, sc_core::sc_time& delay) {
    unsigned char* mem = dmi_pointer(cmd, addr, bytes);
    if (!mem) return false;
    if (cmd == tlm::TLM_READ_COMMAND)
        std::memcpy(data, mem, bytes);
    else
        std::memcpy(mem, data, bytes);
    delay += cmd == tlm::TLM_READ_COMMAND ? dmi_.get_read_latency() : dmi_.get_write_latency();
    return true;
}

void GlobalController::start(const Job& job, const sc_core::sc_time& after) {
    job_ = job;
    busy_ = true;
    abort_ = false;
    start_event_.notify(after);
}

void GlobalController::run() {
    for (;;) {
        wait(start_event_);
        qk_.reset();
        const sc_core::sc_time begin = sc_core::sc_time_stamp();
        const JobError e = run_job(job_);
        qk_.sync();   // status and interrupt become visible at the job's local time
        if (waveform) waveform->set_layer(0, -1);
        busy_ = false;
        if (on_done) on_done(e, uint64_t(to_ns(sc_core::sc_time_stamp() - begin) + 0.5));
    }
}

JobError GlobalController::run_job(const Job& job) {
    if (job.ops == 0) return fail(JobError::NoLayers, "the job has no ops");
    resident_.assign(size_t(pes_) * cus_per_pe_, -1);
    next_cu_ = 0;
    job_layer_ = 0;
    last_error.clear();
    ahead_ = {};
    for (uint32_t i = 0; i < job.ops; ++i) {
        if (abort_) return fail(JobError::Aborted, "aborted before op " + std::to_string(i));
        op_ = i;
        OpDescriptor d;
        if (!dma_transfer(tlm::TLM_READ_COMMAND, job.descriptors + uint64_t(i) * sizeof d, &d, sizeof d))
            return fail(JobError::DmaFailed, "reading op descriptor " + std::to_string(i));
        OpRecord record;
        if (const JobError e = run_op(d, record); e != JobError::None) {
            last_error = "op " + std::to_string(i) + ": " + last_error;
            return e;
        }
        if (!dma_transfer(tlm::TLM_WRITE_COMMAND, job.results + uint64_t(i) * sizeof record, &record, sizeof record))
            return fail(JobError::DmaFailed, "writing the result record of op " + std::to_string(i));
        if (on_op) on_op(i + 1, job.ops);
    }
    return JobError::None;
}

JobError GlobalController::fail(JobError e, const std::string& why) {
    last_error = e == JobError::DmaFailed ? why + " (" + dma_fault_ + ")" : why;
    return e;
}

// A layer image is compressed for one crossbar, OU, cell and block geometry; on other hardware its tables mean
// something else (an image for 16x16 OUs would run on 8x8 ones with a time that matches neither).
std::string GlobalController::check_image_hardware(const LayerGeometry& g) const {
    const HwConfig& c = config_;
    auto differs = [](const char* what, int image, int chip) {
        return "the layer image is for " + std::string(what) + " " + std::to_string(image) + ", the chip has " +
               std::to_string(chip);
    };
    if (g.ou_rows != c.ou_rows || g.ou_cols != c.ou_cols)
        return "the layer image is for " + std::to_string(g.ou_rows) + "x" + std::to_string(g.ou_cols) +
               " OUs, the chip has " + std::to_string(c.ou_rows) + "x" + std::to_string(c.ou_cols);
    if (g.xbar_rows != c.xbar_rows) return differs("crossbar rows", g.xbar_rows, c.xbar_rows);
    if (g.xbar_cols != c.xbar_cols) return differs("crossbar columns", g.xbar_cols, c.xbar_cols);
    if (g.cell_bits != c.cell_bits) return differs("cell bits", g.cell_bits, c.cell_bits);
    if (g.block_results != c.results_per_block()) return differs("results per block", g.block_results, c.results_per_block());
    if (g.result_bits != c.result_bits) return differs("result bits", g.result_bits, c.result_bits);
    return "";
}

JobError GlobalController::run_op(const OpDescriptor& d, OpRecord& record) {
    if (const std::string why = check_descriptor(d); !why.empty()) return fail(JobError::BadDescriptor, why);
    return OpCode(d.op) == OpCode::WeightLayer ? run_layer(d, record) : run_tensor_op(d, record);
}

bool GlobalController::fetch_tensor(uint64_t addr, uint64_t bytes, std::vector<int8_t>& data) {
    data.resize(bytes);
    return dma_transfer(tlm::TLM_READ_COMMAND, addr, data.data(), bytes);
}

// The op's requantization entries: a failed read is a DMA failure; a shift outside the kernels' range is a bad
// descriptor, not a wrong result.
JobError GlobalController::fetch_params(const OpDescriptor& d, std::vector<kernels::RequantEntry>& params) {
    params.resize(d.params_count);
    if (params.empty()) return JobError::None;
    if (!dma_transfer(tlm::TLM_READ_COMMAND, d.params_addr, params.data(), params.size() * sizeof params[0]))
        return fail(JobError::DmaFailed, "reading requantization entries");
    for (size_t k = 0; k < params.size(); ++k)
        if (params[k].shift < 0 || params[k].shift > kernels::kMaxShift)
            return fail(JobError::BadDescriptor,
                        "requantization entry " + std::to_string(k) + " has shift " + std::to_string(params[k].shift));
    return JobError::None;
}

namespace {

// One CU's part of a layer: its units, merged (the layout's share `merged`), for a share of the input vectors.
struct Share {
    int cu;
    size_t begin, end;   // units
    uint32_t v0, v1;     // input vectors
    size_t merged;
};

// With replication (descriptor field), each copy of the layout takes CUs of its own, from `next_cu` on (left at the
// last one used), and an even share of the input vectors.
std::vector<Share> place_copies(const std::vector<CuShare>& layout, uint32_t copies, uint32_t vectors, int& next_cu,
                                int total_cus) {
    std::vector<Share> shares;
    for (uint32_t c = 0; c < copies; ++c)
        for (size_t k = 0; k < layout.size(); ++k) {
            if (!shares.empty()) next_cu = (next_cu + 1) % total_cus;
            shares.push_back({next_cu, layout[k].begin, layout[k].end, uint32_t(uint64_t(vectors) * c / copies),
                              uint32_t(uint64_t(vectors) * (c + 1) / copies), k});
        }
    return shares;
}

}  // namespace

namespace {
// One burst of `bytes` at `addr`, for b_transport or the debug transport.
void burst(tlm::tlm_generic_payload& gp, tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes) {
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(unsigned(bytes));
    gp.set_streaming_width(unsigned(bytes));
}
}  // namespace

bool GlobalController::debug_read(uint64_t addr, void* data, size_t bytes) {
    tlm::tlm_generic_payload gp;
    burst(gp, tlm::TLM_READ_COMMAND, addr, data, bytes);
    return dma->transport_dbg(gp) == bytes;
}

// Everything of a weight op that depends on its image alone: plain C++, so it can run on another thread.
std::unique_ptr<GlobalController::Decoded> GlobalController::decode(std::vector<char> bytes, const OpDescriptor& d) const {
    auto out = std::make_unique<Decoded>();
    out->bytes = std::move(bytes);
    auto failed = [&](JobError e, const std::string& why) {
        out->error = e, out->why = why;
        return std::move(out);
    };
    try {
        out->layer = decode_layer_image(out->bytes, "at " + hex(d.image_addr));
    } catch (const Error& e) {
        return failed(JobError::BadImage, e.what());
    }
    if (const std::string why = check_layer_fits(d, out->layer.geo); !why.empty()) return failed(JobError::BadDescriptor, why);
    if (const std::string why = check_image_hardware(out->layer.geo); !why.empty()) return failed(JobError::BadImage, why);
    out->units = work_units(out->layer, config_);
    if (d.src0 != 0) out->datapath = std::make_unique<FastDatapath>(out->layer, uint64_t(d.out_h) * d.out_w);
    return out;
}

namespace {

// Tells an image read at the op from the one decoded ahead: libstdc++'s 64-bit hash of the bytes.
size_t image_digest(const char* bytes, size_t n) { return std::hash<std::string_view>{}(std::string_view(bytes, n)); }

}  // namespace

void GlobalController::decode_ahead(uint32_t op) {
    ahead_ = {};
    for (uint32_t k = op + 1; k < job_.ops; ++k) {
        OpDescriptor d;
        if (!debug_read(job_.descriptors + uint64_t(k) * sizeof d, &d, sizeof d)) return;
        if (OpCode(d.op) != OpCode::WeightLayer) continue;
        if (!check_descriptor(d).empty()) return;
        std::vector<char> bytes(d.image_bytes);
        if (!debug_read(d.image_addr, bytes.data(), bytes.size())) return;
        ahead_.image_addr = d.image_addr;
        ahead_.decoded = std::async(std::launch::async, [this, d, b = std::move(bytes)]() mutable {
            std::unique_ptr<Decoded> decoded = decode(std::move(b), d);
            decoded->digest = image_digest(decoded->bytes.data(), decoded->bytes.size());
            std::vector<char>().swap(decoded->bytes);
            return decoded;
        });
        return;
    }
}

std::unique_ptr<GlobalController::Decoded> GlobalController::take_ahead(const OpDescriptor& d) {
    if (!ahead_.decoded.valid() || ahead_.image_addr != d.image_addr) return nullptr;
    return ahead_.decoded.get();
}

JobError GlobalController::run_layer(const OpDescriptor& d, OpRecord& record) {
    // The decode made ahead is awaited before the image is read: its own copy of the image is freed by then.
    std::unique_ptr<Decoded> decoded = take_ahead(d);
    // Where the memory grants DMI the image is read in place: compared with the decode made ahead, it needs no copy
    // (VGG16's images are 0.27 GB). It is copied only to be decoded here.
    std::vector<char> bytes;
    const char* image = dma_read_in_place(d.image_addr, d.image_bytes);
    if (!image) {
        bytes.resize(d.image_bytes);
        if (!dma_transfer(tlm::TLM_READ_COMMAND, d.image_addr, bytes.data(), bytes.size()))
            return fail(JobError::DmaFailed, "reading the layer image");
        image = bytes.data();
    }
    if (decoded && decoded->digest == image_digest(image, d.image_bytes)) ++images_decoded_ahead;
    else decoded.reset();
    decode_ahead(op_);   // the next weight op's, beside this one (it only reads memory: `image` stays valid)
    if (!decoded) {
        if (bytes.empty()) bytes.assign(image, image + d.image_bytes);
        decoded = decode(std::move(bytes), d);
    }
    if (decoded->error != JobError::None) return fail(decoded->error, decoded->why);
    // Compared and decoded, the image is not needed while the layer runs.
    std::vector<char>().swap(bytes);
    std::vector<char>().swap(decoded->bytes);
    const CompressedLayer& layer = decoded->layer;
    const int layer_index = job_layer_++;
    const std::vector<WorkUnit>& units = decoded->units;
    const CuPipeline pipeline(config_, layer);
    const OpGeometry geo = geometry_of(d);
    const uint32_t vectors = d.out_h * d.out_w;
    // Functional data: the input tensor comes in by DMA and is gathered into the layer's input vectors; each CU
    // adds its units' partial sums into the accumulators; the activation unit requantizes them.
    const bool functional = d.src0 != 0;
    std::vector<int8_t> input, inputs;
    std::vector<int64_t> accumulators;
    std::vector<kernels::RequantEntry> params;
    FastDatapath* datapath = decoded->datapath.get();
    if (functional) {
        if (!fetch_tensor(d.src0, uint64_t(geo.in.elements()), input)) return fail(JobError::DmaFailed, "reading the input tensor");
        if (const JobError e = fetch_params(d, params); e != JobError::None) return e;
        const size_t width = size_t(layer.geo.groups) * layer.geo.rows;
        inputs.resize(size_t(vectors) * width);
        for (uint32_t oy = 0; oy < d.out_h; ++oy)
            for (uint32_t ox = 0; ox < d.out_w; ++ox)
                kernels::im2col(input.data(), geo.in, geo, int(oy), int(ox), inputs.data() + (size_t(oy) * d.out_w + ox) * width);
        accumulators.assign(size_t(vectors) * layer.geo.cols, 0);
    }
    const int total_cus = pes_ * cus_per_pe_;
    std::vector<double> busy(total_cus, 0.0), stall(total_cus, 0.0), mvm(total_cus, 0.0), sharing(total_cus, 0.0);
    tlm::tlm_generic_payload gp;
    tlmx::WorkExtension work;
    gp.set_extension(&work);
    // Detailed CUs live through their events in kernel time, one after another: start them from the layer's start.
    const bool in_focus = layer_index >= focus_first && layer_index <= focus_last;
    const bool detailed = config_.sim_mode == SimMode::Detailed && in_focus;
    if (detailed) qk_.sync();
    const sc_core::sc_time layer_start = sc_core::sc_time_stamp();
    // Units fill CUs in order (hw/timing/mapping.hpp: while their OUs fit the arrays and their buffers the eDRAM),
    // continuing where the previous layer stopped: the whole network stays resident. Each CU then gets one
    // transaction for all its units of the layer (its arrays fire in parallel over them).
    const std::vector<CuShare> layout = map_layer(config_, pipeline.rule(), units);
    // A CU that holds nothing yet is programmed before the job (reported, not timed); one that holds other weights
    // - another layer's, or another share of this layer's when the layer needs more CUs than the chip has - is
    // reprogrammed first, which the share waits for. Copies of one share hold the same weights.
    const double program_ns = config_.xbar_rows * config_.program_pulse_ns;   // arrays write row by row, in parallel
    bool programmed = false;
    auto claim = [&](int cu, size_t share) {
        const int64_t key = int64_t(layer_index) << 32 | int64_t(share);
        if (resident_[cu] == key) return;
        if (resident_[cu] >= 0) busy[cu] += program_ns;
        resident_[cu] = key;
        programmed = true;
        record.cells_programmed += layout[share].stored_ous * config_.ou_rows * config_.ou_cols;
    };
    const uint32_t copies = std::max<uint32_t>(1, std::min(d.replication, std::max<uint32_t>(1, vectors)));
    std::vector<WorkUnit> merged;
    merged.reserve(layout.size());
    for (const CuShare& s : layout) merged.push_back(merge_units(units, s.begin, s.end));
    const std::vector<Share> shares = place_copies(layout, copies, vectors, next_cu_, total_cus);
    std::vector<std::optional<UnitTiming>> timings(layout.size());   // one per share, for all its copies
    const size_t in_width = size_t(layer.geo.groups) * layer.geo.rows;
    UnitCounters counters;
    std::vector<ShareTrace> traced;   // batched shares of traced CUs
    // One share's transaction to its CU; false if the CU refused it.
    auto run_share = [&](const Share& sh, tlm::tlm_generic_payload& gp, tlmx::WorkExtension& work) {
        const int cu = sh.cu;
        const uint32_t n = sh.v1 - sh.v0;
        claim(cu, sh.merged);
        work.unit = &merged[sh.merged];
        work.timing_cache = &timings[sh.merged];
        work.pipeline = &pipeline;
        work.vectors = n;
        work.datapath = datapath;
        work.inputs = functional ? inputs.data() + size_t(sh.v0) * in_width : nullptr;
        work.accumulators = functional ? accumulators.data() + size_t(sh.v0) * layer.geo.cols : nullptr;
        work.unit_begin = int(sh.begin);
        work.unit_end = int(sh.end);
        work.units = &units;
        work.geo = &layer.geo;
        work.pattern = layer.scheme == Scheme::Cr2 ? cr2_tables(layer).kind : InputPattern::Bits;
        work.cu = cu % cus_per_pe_;
        work.detailed = detailed;
        tlmx::reset_for_transport(gp);   // one payload serves every share of the CU: reset what a target may change
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        const sc_core::sc_time sent = sc_core::sc_time_stamp();
        to_pe[cu / cus_per_pe_]->b_transport(gp, delay);
        delay += sc_core::sc_time_stamp() - sent;   // non-zero only for detailed CUs
        if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) return false;
        if (waveform && in_focus && !detailed && waveform->traces_cu(cu)) traced.push_back({cu, busy[cu], n, work.result});
        busy[cu] += to_ns(delay);
        stall[cu] += work.result.stall_ns * n;
        mvm[cu] += work.result.mvm_ns * n;
        sharing[cu] += work.result.sharing_ns * n;
        counters.add(work.result.counters, n);
        // What input-pattern hits spared of those counters, and the entries they read (cr2).
        counters.ou_activations -= work.reuse.saved;
        counters.adc_conversions -= work.reuse.saved * uint64_t(config_.ou_cols);
        counters.reads[int(Buffer::InputPatterns)] += work.reuse.reads;
        record.ipr_lookups += work.reuse.lookups;
        record.ipr_hits += work.reuse.hits;
        record.stall_ns += uint64_t(work.result.stall_ns * n + 0.5);
        return true;
    };
    bool refused = false;
    if (!detailed) {
        for (const Share& sh : shares)
            if (!run_share(sh, gp, work)) {
                refused = true;
                break;
            }
    } else {
        // Each CU's shares in order on a thread of its own: the CUs work at the same time, as the hardware's do.
        std::map<int, std::vector<const Share*>> by_cu;
        for (const Share& sh : shares) by_cu[sh.cu].push_back(&sh);
        if (waveform && in_focus) waveform->set_layer(0, layer_index);
        sc_core::sc_event_and_list all_done;
        std::vector<sc_core::sc_process_handle> threads;
        for (const auto& [cu, list] : by_cu) {
            threads.push_back(sc_core::sc_spawn([&, cu = cu, list = &list] {
                tlm::tlm_generic_payload own;
                tlmx::WorkExtension own_work;
                own.set_extension(&own_work);
                const bool trace = waveform && waveform->traces_cu(cu);
                if (trace) waveform->set(0, cu, CuTrace::Busy, true);
                for (const Share* sh : *list)
                    if (!run_share(*sh, own, own_work)) {
                        refused = true;
                        break;
                    }
                if (trace) waveform->set(0, cu, CuTrace::Busy, false), waveform->add_stall(0, cu, uint64_t(stall[cu] + 0.5));
                own.clear_extension(&own_work);
            }));
            all_done &= threads.back().terminated_event();
        }
        if (!threads.empty()) wait(all_done);
    }
    if (refused) {
        gp.clear_extension(&work);
        return fail(JobError::BadImage, "a CU refused its work");
    }
    gp.clear_extension(&work);
    next_cu_ = (next_cu_ + 1) % total_cus;
    record.ou_activations = counters.ou_activations;
    record.adc_conversions = counters.adc_conversions;
    record.block_writes = counters.block_writes;
    record.index_reram_reads = counters.index_reram_reads;
    record.adds = counters.adds;
    // Where the time goes: each engine on the CU where it takes longest, and the CUs' busy time for leakage.
    record.mvm_ns = uint64_t(*std::max_element(mvm.begin(), mvm.end()) + 0.5);
    record.sharing_ns = uint64_t(*std::max_element(sharing.begin(), sharing.end()) + 0.5);
    record.stall_max_ns = uint64_t(*std::max_element(stall.begin(), stall.end()) + 0.5);
    double busy_total = 0;
    for (double b : busy) busy_total += b;
    record.cu_busy_ns = uint64_t(busy_total + 0.5);
    for (int b = 0; b < int(Buffer::Count); ++b)
        record.buffer_reads[b] = counters.reads[b], record.buffer_writes[b] = counters.writes[b];
    // The shared units work on the layer's data pipelined with the CUs: the slowest stage sets the layer's time.
    std::vector<int8_t> output(functional ? size_t(geo.out.elements()) : 0);
    TensorOpExtension requant;
    requant.op = &d;
    requant.accumulators = accumulators.data();
    requant.params = params.data();
    requant.dst = functional ? output.data() : nullptr;
    const uint64_t outputs = uint64_t(vectors) * d.out_c;
    const uint64_t cus = uint64_t(std::count_if(busy.begin(), busy.end(), [](double b) { return b > 0; }));
    UnitTimes unit_times;
    unit_times.activation = tensor_ns(to_activation, requant, record.activation_ops);
    if (unit_times.activation < 0) return fail(JobError::BadDescriptor, "weight_layer op refused by the activation unit");
    unit_times.global_buffer =
        traffic_ns(to_global_buffer, uint64_t(geo.in.elements()), outputs, 0, 1, &record.global_buffer_accesses);
    unit_times.accumulators = traffic_ns(to_accumulators, 0, 0, uint64_t(vectors) * layer.geo.domains() * layer.geo.group_bitcols(),
                                         std::max<uint64_t>(1, cus) * config_.cu_shift_adds, &record.accumulations);
    const double periphery = std::max({unit_times.global_buffer, unit_times.accumulators, unit_times.activation});
    if (functional && !dma_transfer(tlm::TLM_WRITE_COMMAND, d.dst, output.data(), output.size()))
        return fail(JobError::DmaFailed, "writing the output tensor");
    const double layer_ns = std::ceil(std::max(periphery, *std::max_element(busy.begin(), busy.end())));
    record.time_ns = uint64_t(layer_ns + 0.5);
    record.programming_ns = programmed ? uint64_t(std::ceil(program_ns)) : 0;
    if (!detailed) {
        if (waveform && in_focus) trace_layer(layer_index, traced, stall, layer_ns);
        if (waveform) trace_units(to_ns(qk_.get_local_time()) + layer_ns, unit_times);
        finish_op(layer_ns);
    } else {
        // The CUs' threads have lived through their time; the layer lasts until its slowest stage ends.
        const double rest = std::max(0.0, layer_ns - to_ns(sc_core::sc_time_stamp() - layer_start));
        if (waveform && in_focus) waveform->set_layer(rest, -1);
        if (waveform) trace_units(rest, unit_times);
        finish_op(rest);
    }
    return JobError::None;
}

// Pooling, elementwise and layout ops: operands in by DMA, one transaction to the unit, the output back.
JobError GlobalController::run_tensor_op(const OpDescriptor& d, OpRecord& record) {
    const OpGeometry g = geometry_of(d);
    const uint64_t in = uint64_t(g.in.elements()), out = uint64_t(g.out.elements());
    const OpCode op = OpCode(d.op);
    const bool functional = d.src0 != 0;
    std::vector<int8_t> a, b, result, table;
    std::vector<kernels::RequantEntry> params;
    // The second operand: an add's is a whole tensor, a channel mul's one value per channel.
    const uint64_t second = op == OpCode::Add ? out : op == OpCode::Mul ? d.out_c : 0;
    if (functional) {
        if (!fetch_tensor(d.src0, in, a) || (second && !fetch_tensor(d.src1, second, b)))
            return fail(JobError::DmaFailed, "reading an input tensor");
        // A concat's inputs land in one output: each copy reads what the earlier ones wrote.
        result.resize(out);
        if (op == OpCode::CopyChannels && !fetch_tensor(d.dst, out, result))
            return fail(JobError::DmaFailed, "reading the output tensor");
        if (op == OpCode::Lookup) {
            if (!fetch_tensor(d.params_addr, d.params_count, table)) return fail(JobError::DmaFailed, "reading the lookup table");
        } else if (const JobError e = fetch_params(d, params); e != JobError::None) {
            return e;
        }
    }
    TensorOpExtension t;
    t.op = &d;
    t.src0 = a.data();
    t.src1 = b.data();
    t.params = params.data();
    t.table = table.data();
    t.dst = functional ? result.data() : nullptr;
    const bool pooling = op == OpCode::MaxPool || op == OpCode::AvgPool || op == OpCode::ZeroPad;
    uint64_t unit_ops = 0;
    const double unit_ns = tensor_ns(pooling ? to_pooling : to_activation, t, unit_ops);
    if (unit_ns < 0) return fail(JobError::BadDescriptor, std::string(to_string(op)) + " op refused by its unit");
    if (pooling)
        record.pooling_ns += uint64_t(unit_ns);
    else
        record.activation_ops += unit_ops;
    const uint64_t reads = in + second, writes = op == OpCode::CopyChannels ? in : out;
    const double buffer_ns = traffic_ns(to_global_buffer, reads, writes, 0, 1, &record.global_buffer_accesses);
    if (functional && !dma_transfer(tlm::TLM_WRITE_COMMAND, d.dst, result.data(), result.size()))
        return fail(JobError::DmaFailed, "writing the output tensor");
    const double ns = std::ceil(std::max(unit_ns, buffer_ns));
    record.time_ns = uint64_t(ns);
    if (waveform) {   // both units end with the op, as a weight layer's do
        const double end = to_ns(qk_.get_local_time()) + ns;
        waveform->unit_busy(end - unit_ns, unit_ns, pooling ? UnitTrace::Pooling : UnitTrace::Activation);
        waveform->unit_busy(end - buffer_ns, buffer_ns, UnitTrace::GlobalBuffer);
    }
    finish_op(ns);
    return JobError::None;
}

void GlobalController::finish_op(double ns) {
    qk_.inc(sc_core::sc_time(ns, sc_core::SC_NS));
    if (qk_.need_sync()) qk_.sync();
}

namespace {

// One transaction carrying `ext` to a shared unit: the unit's time, or -1 if it answered with an error.
template <class Extension>
double ask(tlm_utils::simple_initiator_socket<GlobalController>& unit, Extension& ext) {
    tlm::tlm_generic_payload gp;
    gp.set_extension(&ext);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    unit->b_transport(gp, delay);
    gp.clear_extension(&ext);
    return gp.get_response_status() == tlm::TLM_OK_RESPONSE ? to_ns(delay) : -1;
}

}  // namespace

double GlobalController::traffic_ns(tlm_utils::simple_initiator_socket<GlobalController>& unit, uint64_t reads,
                                    uint64_t writes, uint64_t ops, uint64_t lanes, uint64_t* counted) {
    TrafficExtension t;
    t.reads = reads, t.writes = writes, t.ops = ops, t.lanes = lanes;
    const double ns = ask(unit, t);
    *counted += reads || writes ? t.accesses : ops;
    return ns;
}

// The unit's time for the op, or -1 if it refused it.
double GlobalController::tensor_ns(tlm_utils::simple_initiator_socket<GlobalController>& unit, TensorOpExtension& t,
                                   uint64_t& ops) {
    const double ns = ask(unit, t);
    if (ns >= 0) ops += t.ops;
    return ns;
}

// A batched layer starts at the controller's local time: sync so the waveform's changes are scheduled from there.
// It ends `layer_ns` later; the layer signal then reads -1 until the next traced layer starts (a change at the same
// time as the next layer's start is applied first, so back-to-back layers show no gap). Each traced share shows
// its CU busy for all its vectors, and its engines and stalls as one vector's timing repeated for each vector.
void GlobalController::trace_layer(int layer, const std::vector<ShareTrace>& shares, const std::vector<double>& stall,
                                   double layer_ns) {
    qk_.sync();
    waveform->set_layer(0, layer);
    waveform->set_layer(layer_ns, -1);
    for (const ShareTrace& s : shares) {
        const UnitTiming& t = s.timing;
        const double end = s.begin_ns + t.total_ns * s.vectors;
        waveform->set(s.begin_ns, s.cu, CuTrace::Busy, true);
        waveform->set(end, s.cu, CuTrace::Busy, false);
        // The MVM works from the vector's start to its end, but for its stalls.
        std::vector<Interval> mvm;
        double from = 0;
        for (const Interval& stall_span : t.stalls) mvm.push_back({from, stall_span.begin}), from = stall_span.end;
        mvm.push_back({from, t.mvm_ns});
        waveform->repeat(s.begin_ns, s.cu, CuTrace::Mvm, t.total_ns, s.vectors, mvm);
        waveform->repeat(s.begin_ns, s.cu, CuTrace::Sharing, t.total_ns, s.vectors, {{t.sharing_start_ns, t.sharing_ns}});
        waveform->repeat(s.begin_ns, s.cu, CuTrace::Stall, t.total_ns, s.vectors, t.stalls);
    }
    for (int cu = 0; cu < int(stall.size()); ++cu) {
        if (!waveform->traces_cu(cu)) continue;
        double last = -1;
        for (const ShareTrace& s : shares)
            if (s.cu == cu) last = std::max(last, s.begin_ns + s.timing.total_ns * s.vectors);
        if (last >= 0) waveform->add_stall(last, cu, uint64_t(stall[cu] + 0.5));
    }
}

// The shared units drain what the CUs produce: each is busy for its time, ending with the layer.
void GlobalController::trace_units(double layer_end_offset_ns, const UnitTimes& u) {
    // (A detailed layer's CUs have lived through their time already: what would start before now starts now.)
    auto ending = [&](double ns, UnitTrace unit) {
        const double from = std::max(0.0, layer_end_offset_ns - ns);
        waveform->unit_busy(from, layer_end_offset_ns - from, unit);
    };
    ending(u.global_buffer, UnitTrace::GlobalBuffer);
    ending(u.accumulators, UnitTrace::Accumulators);
    ending(u.activation, UnitTrace::Activation);
}

bool GlobalController::dma_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes) {
    tlm::tlm_generic_payload gp;
    burst(gp, cmd, addr, data, bytes);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = qk_.get_local_time();
    const double from = to_ns(delay);
    if (!dmi_transfer(cmd, addr, data, bytes, delay)) dma->b_transport(gp, delay);
    else gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (!gp.is_response_ok())
        dma_fault_ = std::string(cmd == tlm::TLM_READ_COMMAND ? "read" : "write") + " of " + std::to_string(bytes) + " bytes at " +
                     hex(addr) + ": " + gp.get_response_string();
    end_burst(delay, from, bytes);
    return gp.get_response_status() == tlm::TLM_OK_RESPONSE;
}

const char* GlobalController::dma_read_in_place(uint64_t addr, size_t bytes) {
    const unsigned char* mem = dmi_pointer(tlm::TLM_READ_COMMAND, addr, bytes);
    if (!mem) return nullptr;
    sc_core::sc_time delay = qk_.get_local_time();
    const double from = to_ns(delay);
    delay += dmi_.get_read_latency();
    end_burst(delay, from, bytes);
    return reinterpret_cast<const char*>(mem);
}

// One burst: setup plus bytes over the bus bandwidth, added to the target's own latency (in `delay`).
void GlobalController::end_burst(sc_core::sc_time delay, double from, size_t bytes) {
    // Whole nanoseconds keep every event on the 1 ns grid of the waveforms.
    delay += sc_core::sc_time(std::ceil(config_.dma_setup_ns + double(bytes) / config_.dma_bytes_per_ns), sc_core::SC_NS);
    if (waveform) waveform->unit_busy(from, to_ns(delay) - from, UnitTrace::Dma);
    qk_.set(delay);
    if (qk_.need_sync()) qk_.sync();
}

}  // namespace reshare::hw
