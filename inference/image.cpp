#include "reshare/inference/image.hpp"

#include "reshare/common/error.hpp"

#include <stb_image.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string_view>

namespace reshare::inference {
namespace {

namespace fs = std::filesystem;
constexpr double kPi = 3.14159265358979323846;
using Bytes = std::vector<unsigned char>;

Bytes read_file(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error("image " + path + ": no such file");
    if (!fs::is_regular_file(path, ec)) throw Error("image " + path + ": not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("image " + path + ": cannot open the file");
    Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw Error("image " + path + ": cannot read the file");
    return b;
}

bool starts_with(const Bytes& b, std::string_view magic) {
    return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin(),
                                                  [](char m, unsigned char c) { return (unsigned char)m == c; });
}

// Position of the last occurrence of `what`, or npos.
size_t rfind(const Bytes& b, std::string_view what) {
    const std::string_view all(reinterpret_cast<const char*>(b.data()), b.size());
    return all.rfind(what);
}

// stb_image decodes a cut-off file into a partly grey picture without complaint, so completeness is checked
// here. In a JPEG's entropy-coded data every 0xFF byte is followed by 0x00 or a restart marker, so the last
// start-of-scan marker is the real one and a whole file has an end-of-image marker after it.
void check_complete(const Bytes& b, const std::string& path) {
    using namespace std::string_view_literals;
    if (starts_with(b, "\xFF\xD8\xFF"sv)) {
        const size_t sos = rfind(b, "\xFF\xDA"sv), eoi = rfind(b, "\xFF\xD9"sv);
        if (sos == std::string_view::npos || eoi == std::string_view::npos || eoi < sos)
            throw Error("image " + path + ": truncated JPEG (no end-of-image marker after the image data)");
    } else if (starts_with(b, "\x89PNG\r\n\x1A\n"sv)) {
        if (rfind(b, "IEND"sv) == std::string_view::npos) throw Error("image " + path + ": truncated PNG (no IEND chunk)");
    } else {
        throw Error("image " + path + ": not a JPEG or PNG file");
    }
}

// A photo of more pixels than this is refused before it is decoded: a few hundred bytes of JPEG can declare
// 20000 x 20000 (../shared/fuzz-findings I1: 32 s and 5.9 GB, then a run). 2^25 = 33.5 M pixels is a 33 MP
// camera's photo, 400 MiB once decoded to floats; every network here takes at most 224 x 224.
constexpr uint64_t kMaxPixels = uint64_t(1) << 25;

// One DHT segment's tables: a class/id byte, 16 code counts, then as many symbol values as the counts sum to.
void check_huffman_tables(const Bytes& b, size_t at, size_t end, const std::string& path) {
    while (at < end) {
        if (at + 17 > end) throw Error("image " + path + ": cannot decode (damaged JPEG: a Huffman table is cut short)");
        size_t codes = 0;
        for (size_t k = 1; k <= 16; ++k) codes += b[at + k];
        if (codes > 256)
            throw Error("image " + path + ": cannot decode (damaged JPEG: a Huffman table of " + std::to_string(codes) + " codes, at most 256)");
        at += 17 + codes;
    }
    if (at != end) throw Error("image " + path + ": cannot decode (damaged JPEG: a Huffman table runs past its segment)");
}

// Debian's stb_image 2.27 fills a Huffman table from its code counts before it checks that they sum to at most
// 256, writing past the table (upstream stb issue 1289; fuzz-findings I2): every DHT segment is checked here
// first. The walk goes marker by marker from SOI; entropy-coded data after a SOS is passed over byte by byte up to
// the next marker (0xFF followed by neither a stuffed 0x00, a fill 0xFF nor a restart marker).
void check_jpeg_tables(const Bytes& b, const std::string& path) {
    size_t i = 2;
    while (i + 1 < b.size()) {
        if (b[i] != 0xFF || b[i + 1] == 0xFF) { ++i; continue; }
        const unsigned char marker = b[i + 1];
        if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { i += 2; continue; }
        if (marker == 0xD9) return;   // end of image
        if (i + 4 > b.size()) break;
        const size_t length = (size_t(b[i + 2]) << 8) | b[i + 3];   // counts its own two bytes
        if (length < 2 || i + 2 + length > b.size())
            throw Error("image " + path + ": cannot decode (damaged JPEG: a segment runs past the end of the file)");
        if (marker == 0xC4) check_huffman_tables(b, i + 4, i + 2 + length, path);
        i += 2 + length;
    }
}

struct Interp {
    int lo, hi;
    float t;
};

// TF's half-pixel source coordinates: in = (out + 0.5) * in_size / out_size - 0.5, clamped at the borders.
std::vector<Interp> interpolation(int in_size, int out_size, bool align_corners) {
    std::vector<Interp> out(static_cast<size_t>(out_size));
    const double scale = align_corners ? (out_size > 1 ? double(in_size - 1) / (out_size - 1) : 0.0) : double(in_size) / out_size;
    for (int i = 0; i < out_size; ++i) {
        const double in = align_corners ? i * scale : (i + 0.5) * scale - 0.5, lo = std::floor(in);
        out[i] = {std::max(int(lo), 0), std::min(int(std::ceil(in)), in_size - 1), float(in - lo)};
    }
    return out;
}

uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double uniform(uint64_t& s, double lo, double hi) { return lo + (hi - lo) * double(splitmix64(s) >> 11) * 0x1.0p-53; }

}  // namespace

Image load_image(const std::string& path) {
    const Bytes bytes = read_file(path);
    check_complete(bytes, path);
    if (bytes.size() > size_t(std::numeric_limits<int>::max())) throw Error("image " + path + ": file too large");
    if (starts_with(bytes, "\xFF\xD8\xFF")) check_jpeg_tables(bytes, path);
    int w = 0, h = 0, channels = 0;
    if (!stbi_info_from_memory(bytes.data(), int(bytes.size()), &w, &h, &channels))
        throw Error("image " + path + ": cannot decode (" + stbi_failure_reason() + ")");
    if (uint64_t(w) * uint64_t(h) > kMaxPixels)
        throw Error("image " + path + ": " + std::to_string(w) + " x " + std::to_string(h) + " pixels, more than the " +
                    std::to_string(kMaxPixels) + " a photo may have here; scale it down first");
    const std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load_from_memory(bytes.data(), int(bytes.size()), &w, &h, &channels, 3), stbi_image_free);
    if (!pixels) throw Error("image " + path + ": cannot decode (" + stbi_failure_reason() + ")");
    Image img{h, w, std::vector<float>(size_t(h) * w * 3)};
    std::copy(pixels.get(), pixels.get() + img.rgb.size(), img.rgb.begin());
    return img;
}

// The order of TF's kernel: interpolate along x on the two source rows, then between them along y.
Image resize_bilinear(const Image& img, int h, int w, bool align_corners) {
    if (img.h <= 0 || img.w <= 0 || h <= 0 || w <= 0) throw Error("resize_bilinear: empty image or target size");
    const std::vector<Interp> ys = interpolation(img.h, h, align_corners), xs = interpolation(img.w, w, align_corners);
    Image out{h, w, std::vector<float>(size_t(h) * w * 3)};
    auto px = [&](int y, int x, int c) { return img.rgb[(size_t(y) * img.w + x) * 3 + c]; };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) {
                const Interp &iy = ys[y], &ix = xs[x];
                const float top = px(iy.lo, ix.lo, c) + (px(iy.lo, ix.hi, c) - px(iy.lo, ix.lo, c)) * ix.t;
                const float bottom = px(iy.hi, ix.lo, c) + (px(iy.hi, ix.hi, c) - px(iy.hi, ix.lo, c)) * ix.t;
                out.rgb[(size_t(y) * w + x) * 3 + c] = top + (bottom - top) * iy.t;
            }
    return out;
}

std::vector<float> network_input(const Image& img, const models::Graph& g) {
    const models::Shape& s = g.nodes.at(0).out;
    if (s.c != 3) throw Error("graph " + g.name + ": input has " + std::to_string(s.c) + " channels, not RGB");
    const models::InputNorm& n = g.input_norm;
    const Image sized = img.h == s.h && img.w == s.w ? img : resize_bilinear(img, s.h, s.w, n.align_corners);
    std::vector<float> x(sized.rgb.size());
    for (size_t i = 0; i < x.size(); ++i) {
        const size_t c = i % 3, from = n.bgr ? i - c + (2 - c) : i;   // BGR: the network's channel 0 is blue
        x[i] = (sized.rgb[from] - n.mean[c]) * n.scale / n.std[c];   // / 1: exact, so zoo inputs are unchanged
    }
    return x;
}

Image synthetic_image(int h, int w, uint64_t seed) {
    constexpr int kWaves = 4;
    struct Wave {
        double amp, fy, fx, phase;
    };
    uint64_t state = seed;
    Image img{h, w, std::vector<float>(size_t(h) * w * 3)};
    for (int c = 0; c < 3; ++c) {
        std::vector<Wave> waves;
        double total = 0;
        for (int k = 0; k < kWaves; ++k) {
            // At most 3 cycles across the picture: smooth like a photo, not like noise.
            waves.push_back({uniform(state, 0.5, 1), uniform(state, -3, 3), uniform(state, -3, 3),
                             uniform(state, 0, 2 * kPi)});
            total += waves.back().amp;
        }
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                double v = 0;
                for (const Wave& wv : waves) v += wv.amp * std::cos(2 * kPi * (wv.fy * y / h + wv.fx * x / w) + wv.phase);
                img.rgb[(size_t(y) * w + x) * 3 + c] = float(127.5 + 127.5 * v / total);
            }
    }
    return img;
}

}  // namespace reshare::inference
