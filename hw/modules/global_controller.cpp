#include "hw/modules/global_controller.hpp"
#include "hw/modules/sim_time.hpp"

#include "common/error.hpp"
#include "offline/layer_image.hpp"
#include "tlm/work_extension.hpp"

#include <algorithm>
#include <optional>
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

// Bulk DMA through the memory's direct pointer where it granted one: a copy plus the memory's DMI latency.
bool GlobalController::dmi_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes, sc_core::sc_time& delay) {
    if (!dmi_valid_ && !dmi_refused_) {
        tlm::tlm_generic_payload probe;
        probe.set_command(cmd);
        probe.set_address(addr);
        dmi_valid_ = dma->get_direct_mem_ptr(probe, dmi_);
        dmi_refused_ = !dmi_valid_;
    }
    const bool readable = cmd == tlm::TLM_READ_COMMAND ? dmi_.is_read_allowed() : dmi_.is_write_allowed();
    if (!dmi_valid_ || !readable || addr < dmi_.get_start_address() || bytes == 0 ||
        addr + bytes - 1 > dmi_.get_end_address())
        return false;
    unsigned char* mem = dmi_.get_dmi_ptr() + (addr - dmi_.get_start_address());
    if (cmd == tlm::TLM_READ_COMMAND)
        std::memcpy(data, mem, bytes);
    else
        std::memcpy(mem, data, bytes);
    delay += cmd == tlm::TLM_READ_COMMAND ? dmi_.get_read_latency() : dmi_.get_write_latency();
    return true;
}

void GlobalController::start(const Job& job) {
    job_ = job;
    busy_ = true;
    start_event_.notify(sc_core::SC_ZERO_TIME);
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
    if (job.layers == 0) return JobError::NoLayers;
    resident_.assign(size_t(pes_) * cus_per_pe_, -1);
    next_cu_ = 0;
    for (uint32_t i = 0; i < job.layers; ++i) {
        LayerDescriptor d;
        if (!dma_transfer(tlm::TLM_READ_COMMAND, job.descriptors + uint64_t(i) * sizeof d, &d, sizeof d))
            return JobError::DmaFailed;
        LayerRecord record{};
        if (const JobError e = run_layer(i, d, record); e != JobError::None) return e;
        if (!dma_transfer(tlm::TLM_WRITE_COMMAND, job.results + uint64_t(i) * sizeof record, &record, sizeof record))
            return JobError::DmaFailed;
    }
    return JobError::None;
}

JobError GlobalController::run_layer(uint32_t index, const LayerDescriptor& d, LayerRecord& record) {
    std::vector<char> bytes(d.image_bytes);
    if (!dma_transfer(tlm::TLM_READ_COMMAND, d.image_addr, bytes.data(), bytes.size())) return JobError::DmaFailed;
    CompressedLayer layer;
    try {
        layer = decode_layer_image(bytes, "at 0x" + std::to_string(d.image_addr));
    } catch (const Error& e) {
        last_error = e.what();
        return JobError::BadImage;
    }
    const std::vector<WorkUnit> units = work_units(layer);
    const CuPipeline pipeline(config_, layer.scheme);
    // Functional data: the input vectors come in by DMA, each CU adds its units' partial sums into the
    // accumulators, which go out by DMA after the layer.
    const LayerGeometry& geo = layer.geo;
    const bool functional = d.input_addr != 0;
    std::vector<int8_t> inputs(functional ? size_t(d.vectors) * geo.groups * geo.rows : 0);
    std::vector<int64_t> accumulators(functional ? size_t(d.vectors) * geo.cols : 0, 0);
    std::optional<FastDatapath> datapath;
    if (functional) {
        if (!dma_transfer(tlm::TLM_READ_COMMAND, d.input_addr, inputs.data(), inputs.size())) return JobError::DmaFailed;
        datapath.emplace(layer);
    }
    // Units fill CUs in order, continuing where the previous layer stopped: the whole network stays resident.
    const int total_cus = pes_ * cus_per_pe_;
    const uint64_t ous_per_cu = uint64_t(config_.cu_arrays) * config_.ous_per_crossbar();
    std::vector<double> busy(total_cus, 0.0), stall(total_cus, 0.0);
    uint64_t used = 0;
    tlm::tlm_generic_payload gp;
    tlmx::WorkExtension work;
    gp.set_extension(&work);
    // Detailed CUs live through their events in kernel time, one after another: start them from the layer's start.
    const bool detailed = config_.sim_mode == SimMode::Detailed;
    if (detailed) qk_.sync();
    // A CU that holds nothing yet is programmed before the job (reported, not timed); one that holds another
    // layer's weights (too few CUs for the network) is reprogrammed first, which the layer waits for.
    const double program_ns = config_.xbar_rows * config_.program_pulse_ns;   // arrays write row by row, in parallel
    bool programmed = false;
    auto claim = [&](int cu) {
        if (resident_[cu] == int(index)) return;
        if (resident_[cu] >= 0) busy[cu] += program_ns;
        resident_[cu] = int(index);
        programmed = true;
    };
    for (const WorkUnit& u : units) {
        if (used + u.ous > ous_per_cu && used > 0) next_cu_ = (next_cu_ + 1) % total_cus, used = 0;
        used += u.ous;
        claim(next_cu_);
        record.cells_programmed += uint64_t(u.ous) * config_.ou_rows * config_.ou_cols;
        work.unit = &u;
        work.pipeline = &pipeline;
        work.vectors = d.vectors;
        work.layer = layers_run_;
        work.datapath = datapath ? &*datapath : nullptr;
        work.inputs = inputs.data();
        work.accumulators = accumulators.data();
        work.unit_index = int(&u - units.data());
        work.cu = next_cu_ % cus_per_pe_;
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        const sc_core::sc_time sent = sc_core::sc_time_stamp();
        to_pe[next_cu_ / cus_per_pe_]->b_transport(gp, delay);
        delay += sc_core::sc_time_stamp() - sent;   // non-zero only for detailed CUs
        if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) {
            gp.clear_extension(&work);
            return JobError::BadImage;
        }
        busy[next_cu_] += to_ns(delay);
        stall[next_cu_] += work.result.stall_ns * d.vectors;
        record.ou_activations += work.result.counters.ou_activations * d.vectors;
        record.block_writes += work.result.counters.block_writes * d.vectors;
        record.stall_ns += uint64_t(work.result.stall_ns * d.vectors + 0.5);
    }
    gp.clear_extension(&work);
    ++layers_run_;
    if (functional) {
        std::vector<int32_t> out(accumulators.begin(), accumulators.end());   // int8 x int8 sums fit 32 bits
        if (!dma_transfer(tlm::TLM_WRITE_COMMAND, d.output_addr, out.data(), out.size() * sizeof(int32_t)))
            return JobError::DmaFailed;
    }
    next_cu_ = (next_cu_ + 1) % total_cus;
    // The shared units work on the layer's data pipelined with the CUs: the slowest stage sets the layer's time.
    const LayerGeometry& g = geo;
    const uint64_t outputs = uint64_t(d.vectors) * g.cols;
    const uint64_t cus = uint64_t(std::count_if(busy.begin(), busy.end(), [](double b) { return b > 0; }));
    const double periphery = std::max({
        stage_ns(to_global_buffer, d.input_bytes, outputs, 0, 1),
        stage_ns(to_accumulators, 0, 0, uint64_t(d.vectors) * g.domains() * g.group_bitcols(),
                 std::max<uint64_t>(1, cus) * config_.cu_shift_adds),
        stage_ns(to_activation, 0, 0, outputs, uint64_t(config_.activation_lanes)),
        stage_ns(to_pooling, 0, 0, d.pool_reads, uint64_t(config_.pooling_lanes)),
    });
    const double layer_ns = std::ceil(std::max(periphery, *std::max_element(busy.begin(), busy.end())));
    record.time_ns = uint64_t(layer_ns + 0.5);
    record.programming_ns = programmed ? uint64_t(std::ceil(program_ns)) : 0;
    if (waveform) trace_layer(index, busy, stall);
    if (!detailed) qk_.inc(sc_core::sc_time(layer_ns, sc_core::SC_NS));
    if (qk_.need_sync()) qk_.sync();
    return JobError::None;
}

double GlobalController::stage_ns(tlm_utils::simple_initiator_socket<GlobalController>& unit, uint64_t reads,
                                  uint64_t writes, uint64_t ops, uint64_t lanes) {
    TrafficExtension t;
    t.reads = reads, t.writes = writes, t.ops = ops, t.lanes = lanes;
    tlm::tlm_generic_payload gp;
    gp.set_extension(&t);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    unit->b_transport(gp, delay);
    gp.clear_extension(&t);
    return to_ns(delay);
}

// The layer starts at the controller's local time: sync so the waveform's changes are scheduled from there.
void GlobalController::trace_layer(uint32_t index, const std::vector<double>& busy, const std::vector<double>& stall) {
    qk_.sync();
    waveform->set_layer(0, int(index));
    for (int cu = 0; cu < int(busy.size()); ++cu) {
        if (busy[cu] <= 0 || !waveform->traces_cu(cu)) continue;
        waveform->set_busy(0, cu, true);
        waveform->set_busy(busy[cu], cu, false);
        waveform->add_stall(busy[cu], cu, uint64_t(stall[cu] + 0.5));
    }
}

bool GlobalController::dma_transfer(tlm::tlm_command cmd, uint64_t addr, void* data, size_t bytes) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(static_cast<unsigned char*>(data));
    gp.set_data_length(unsigned(bytes));
    gp.set_streaming_width(unsigned(bytes));
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    // One burst: setup plus bytes over the bus bandwidth, added to the target's own latency.
    sc_core::sc_time delay = qk_.get_local_time();
    if (!dmi_transfer(cmd, addr, data, bytes, delay)) dma->b_transport(gp, delay);
    else gp.set_response_status(tlm::TLM_OK_RESPONSE);
    // Whole nanoseconds keep every event on the 1 ns grid of the waveforms.
    delay += sc_core::sc_time(std::ceil(config_.dma_setup_ns + double(bytes) / config_.dma_bytes_per_ns), sc_core::SC_NS);
    qk_.set(delay);
    if (qk_.need_sync()) qk_.sync();
    return gp.get_response_status() == tlm::TLM_OK_RESPONSE;
}

}  // namespace reshare::hw
