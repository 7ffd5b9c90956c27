#include "reshare/testbench/cr2_learn.hpp"

#include "reshare/common/error.hpp"
#include "reshare/inference/image.hpp"
#include "reshare/offline/metrics.hpp"
#include "reshare/schemes/cr2/allocation.hpp"
#include "reshare/schemes/cr2/cr2.hpp"
#include "reshare/testbench/cli_common.hpp"

#include <algorithm>
#include <filesystem>

namespace reshare::cli {
namespace fs = std::filesystem;

std::vector<std::string> image_list(const std::string& spec, const std::string& option) {
    std::vector<std::string> out;
    for (const std::string& item : comma_list(spec)) {
        if (!fs::is_directory(item)) {
            out.push_back(item);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& e : fs::directory_iterator(item)) {
            std::string ext = e.path().extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            if (e.is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png")) found.push_back(e.path().string());
        }
        if (found.empty()) throw Error(option + ": folder " + item + " holds no .jpg, .jpeg or .png image");
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
    }
    if (out.empty()) throw Error(option + ": no image given");
    return out;
}

cr2::Allocation learn_allocation(const models::Model& model, const HwConfig& config, const inference::QuantizedModel& quantized,
                                 const std::vector<CompressedLayer>& layers, const std::vector<std::string>& images, int threads) {
    const models::Graph& g = *model.graph;
    std::vector<cr2::PatternProfile> profiles;
    for (const CompressedLayer& l : layers)
        profiles.emplace_back(l.geo.rows, l.geo.groups, l.geo.ou_rows, l.input_bits, config.cr2_input_pattern);
    for (const std::string& path : images) {
        // Each learning image runs as the network would run on it: calibrated on its own float run.
        const std::vector<float> input = inference::network_input(inference::load_image(path), g);
        const inference::Calibration calibration = inference::calibrate(inference::run_float(model, input));
        inference::run_int(quantized, calibration, input,
                           [&](size_t i, const QuantizedMatrix& w, const std::vector<int8_t>& x, int n, std::vector<int64_t>& acc) {
                               profiles[i].add(x.data(), n);
                               inference::integer_mvm(w, x, n, acc, threads);
                           });
    }
    std::vector<std::vector<cr2::PatternEntry>> ranked(layers.size());
    std::vector<std::vector<uint64_t>> gain(layers.size());
    std::vector<uint64_t> bytes;
    for (size_t i = 0; i < layers.size(); ++i) {
        profiles[i].rank(unit_ous(layers[i]), ranked[i], gain[i]);
        bytes.push_back(cr2_entry_bytes(layers[i]));
    }
    const std::vector<uint32_t> entries = cr2::allocate_buffer(gain, bytes, uint64_t(config.cr2_buffer_bytes));
    cr2::Allocation a;
    a.model = model.name;
    a.kind = config.cr2_input_pattern;
    a.capacity_bytes = uint64_t(config.cr2_buffer_bytes);
    a.learning_images = images;
    for (size_t i = 0; i < layers.size(); ++i)
        a.layers.push_back({layers[i].name, uint32_t(layers[i].geo.domains()), bytes[i],
                            std::vector<cr2::PatternEntry>(ranked[i].begin(), ranked[i].begin() + long(entries[i])), gain[i][entries[i]]});
    return a;
}

void apply_allocation(const cr2::Allocation& a, const std::string& where, std::vector<CompressedLayer>& layers) {
    auto fail = [&](const std::string& problem) { throw Error("allocation " + where + ": " + problem); };
    if (a.layers.size() != layers.size())
        fail(std::to_string(a.layers.size()) + " layers, the model has " + std::to_string(layers.size()));
    for (size_t i = 0; i < layers.size(); ++i) {
        const cr2::LayerAllocation& la = a.layers[i];
        if (la.name != layers[i].name || la.domains != uint32_t(layers[i].geo.domains()))
            fail("layers[" + std::to_string(i) + "] is " + la.name + " of " + std::to_string(la.domains) + " domains, the model's is " +
                 layers[i].name + " of " + std::to_string(layers[i].geo.domains()));
        if (cr2_tables(layers[i]).kind != a.kind)
            fail(std::string("made for input_pattern ") + to_string(a.kind) + ", the configuration has " +
                 to_string(cr2_tables(layers[i]).kind));
        layers[i] = cr2_with_entries(layers[i], la.entries);
    }
}

}  // namespace reshare::cli
