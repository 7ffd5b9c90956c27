#include "reshare/schemes/reram_sharing/cluster.hpp"

#include "reshare/common/error.hpp"
#include "reshare/common/multiversion.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define RESHARE_X86_KERNELS 1
#endif

namespace reshare::reram_sharing {
namespace {

// Blocks and centroids in centroid steps (|value| <= 255 x 16 fits 16 bits); every distance is an exact integer.
using Fixed = int16_t;

// Distances as |x - c|^2 = |x|^2 + |c|^2 - 2 x.c. Every term is an exact integer, so the sum equals the direct
// distance bit for bit and every comparison, tie included, falls as in the textbook form (cluster.hpp's rules); the
// norms are taken once per block and per centroid, and what remains per pair is a dot product of 16-bit values -
// the one operation x86 has a multiply-add for (pmaddwd: two 16-bit products summed into 32 bits).
//
// Layout: the vectors a dot runs against are tiles of W rows, stored transposed with the dimensions in pairs -
// tile[(p * W + lane) * 2 + e] = dimension 2p + e of the tile's row `lane` (odd dims padded with a zero) - so one
// multiply-add takes a pair of dimensions of W rows against one broadcast pair of the other vector, with no
// horizontal sum. Assignment runs a block against tiles of centroids, seeding a seed against tiles of blocks.
constexpr int W = 16;

struct Tiles {
    size_t rows = 0;
    int pairs = 0;
    std::vector<Fixed> data;
    size_t count() const { return (rows + W - 1) / W; }
};

Tiles tiles_of(const Fixed* rows, size_t count, int dims) {
    Tiles t{count, (dims + 1) / 2, {}};
    t.data.assign(t.count() * size_t(t.pairs) * 2 * W, 0);
    for (size_t r = 0; r < count; ++r)
        for (int j = 0; j < dims; ++j) t.data[((r / W * t.pairs + j / 2) * W + r % W) * 2 + j % 2] = rows[r * dims + j];
    return t;
}

// Vectors times -2 (|2v| <= 8160: 16 bits), their pairs packed as pmaddwd takes them: dimension 2p in the low half
// of word p - the other operand of a dot (cluster.hpp's -2 x.c).
std::vector<int32_t> minus2_pairs(const Fixed* rows, size_t count, int dims) {
    const size_t pairs = size_t(dims + 1) / 2;
    std::vector<int32_t> out(count * pairs, 0);
    for (size_t r = 0; r < count; ++r)
        for (int j = 0; j < dims; ++j)
            out[r * pairs + j / 2] |= int32_t(uint32_t(uint16_t(Fixed(-2 * rows[r * dims + j]))) << (16 * (j % 2)));
    return out;
}

// The kernel: out[r] = init[r] + v . row r, for the rows of `count` tiles (init and out padded to whole tiles), v
// as packed pairs. Exact in int32 when no partial sum leaves it (the caller checks the range).
template <class Acc>
void affine_dots_portable(const int32_t* v, const Fixed* tiles, size_t count, int pairs, const Acc* init, Acc* out) {
    for (size_t t = 0; t < count; ++t, tiles += size_t(pairs) * 2 * W) {
        Acc acc[W];
        for (int l = 0; l < W; ++l) acc[l] = init[t * W + l];
        for (int p = 0; p < pairs; ++p) {
            const int32_t even = int16_t(uint32_t(v[p]) & 0xffff), odd = int16_t(uint32_t(v[p]) >> 16);
            for (int l = 0; l < W; ++l) acc[l] += Acc(even * tiles[(p * W + l) * 2] + odd * tiles[(p * W + l) * 2 + 1]);
        }
        for (int l = 0; l < W; ++l) out[t * W + l] = acc[l];
    }
}

using Int32Kernel = void (*)(const int32_t*, const Fixed*, size_t, int, const int32_t*, int32_t*);

#ifdef RESHARE_X86_KERNELS
// The same kernel in intrinsics for three widths, W lanes = 1, 2 or 4 registers. Intrinsics rather than the
// vectorizer: GCC turns a pair-summed 16-bit product into pmaddwd only inside a reduction, which this layout
// avoids; and rather than a SIMD library (Highway, libhwy-dev), because this one multiply-add is all it needs.
// Each is compiled for its own instruction set (the build stays baseline x86-64) and picked by the CPU at run time.
__attribute__((target("avx512f,avx512bw"))) void affine_dots_avx512(const int32_t* v, const Fixed* tiles, size_t count, int pairs,
                                                                 const int32_t* init, int32_t* out) {
    for (size_t t = 0; t < count; ++t, tiles += size_t(pairs) * 2 * W) {
        __m512i acc = _mm512_loadu_si512(init + t * W);
        for (int p = 0; p < pairs; ++p)
            acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_loadu_si512(tiles + p * 2 * W), _mm512_set1_epi32(v[p])));
        _mm512_storeu_si512(out + t * W, acc);
    }
}

__attribute__((target("avx2"))) void affine_dots_avx2(const int32_t* v, const Fixed* tiles, size_t count, int pairs,
                                                     const int32_t* init, int32_t* out) {
    for (size_t t = 0; t < count; ++t, tiles += size_t(pairs) * 2 * W) {
        __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + t * W));
        __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + t * W + 8));
        for (int p = 0; p < pairs; ++p) {
            const __m256i b = _mm256_set1_epi32(v[p]);
            const __m256i* row = reinterpret_cast<const __m256i*>(tiles + p * 2 * W);
            lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_loadu_si256(row), b));
            hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_loadu_si256(row + 1), b));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + t * W), lo);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + t * W + 8), hi);
    }
}

void affine_dots_sse2(const int32_t* v, const Fixed* tiles, size_t count, int pairs, const int32_t* init, int32_t* out) {
    for (size_t t = 0; t < count; ++t, tiles += size_t(pairs) * 2 * W) {
        __m128i acc[4];
        for (int q = 0; q < 4; ++q) acc[q] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(init + t * W + 4 * q));
        for (int p = 0; p < pairs; ++p) {
            const __m128i b = _mm_set1_epi32(v[p]);
            const __m128i* row = reinterpret_cast<const __m128i*>(tiles + p * 2 * W);
            for (int q = 0; q < 4; ++q) acc[q] = _mm_add_epi32(acc[q], _mm_madd_epi16(_mm_loadu_si128(row + q), b));
        }
        for (int q = 0; q < 4; ++q) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + t * W + 4 * q), acc[q]);
    }
}
#endif

struct NamedKernel {
    const char* name;
    Int32Kernel run;
};

// Fastest first, those this CPU runs.
std::vector<NamedKernel> kernels_here() {
    std::vector<NamedKernel> k;
#ifdef RESHARE_X86_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bw")) k.push_back({"avx512bw", affine_dots_avx512});
    if (__builtin_cpu_supports("avx2")) k.push_back({"avx2", affine_dots_avx2});
    k.push_back({"sse2", affine_dots_sse2});
#endif
    k.push_back({"portable", affine_dots_portable<int32_t>});
    return k;
}

Int32Kernel kernel_named(const std::string& name) {
    static const std::vector<NamedKernel> here = kernels_here();
    if (name.empty()) return here.front().run;
    for (const NamedKernel& k : here)
        if (name == k.name) return k.run;
    throw Error("cluster_blocks: no dot-product kernel '" + name + "' on this CPU", ExitCode::Failure);
}

int64_t norm2(const Fixed* x, int dims) {
    int64_t s = 0;
    for (int i = 0; i < dims; ++i) s += int32_t(x[i]) * x[i];
    return s;
}

// The blocks, their norms, tiles and packed pairs, and the accumulator their range allows: int32 (the fast kernel)
// while every partial sum stays below 2^31 - each is bounded by dims x (2 x largest)^2, the largest squared
// distance (8-bit blocks of <= 130 values) - else int64 (the portable kernel).
struct Points {
    const Fixed* x;
    size_t n;
    int dims;
    bool narrow;
    Int32Kernel kernel;
    std::vector<int64_t> norms;   // |x_i|^2
    Tiles tiles;                  // of the blocks
    std::vector<int32_t> pairs;   // minus2_pairs of the blocks
    const Fixed* row(size_t i) const { return x + i * size_t(dims); }
    const int32_t* pairs_of(size_t i) const { return &pairs[i * size_t(tiles.pairs)]; }
};

// out[r] = init[r] + v . row r of `t`, v from minus2_pairs (init, out: whole tiles).
void affine(const Points& p, const int32_t* v, const Tiles& t, const int32_t* init, int32_t* out) {
    p.kernel(v, t.data.data(), t.count(), t.pairs, init, out);
}
void affine(const Points&, const int32_t* v, const Tiles& t, const int64_t* init, int64_t* out) {
    affine_dots_portable(v, t.data.data(), t.count(), t.pairs, init, out);
}

// The per-block loops around the kernel, written as reductions and selects the vectorizer takes (no early exits,
// no branches); their int32 instances - every 8-bit OU's - multi-versioned (common/multiversion.hpp).

// The first index of the least (Less = std::less) or greatest (std::greater) of v[0, count).
template <class Less, class Acc>
RESHARE_INLINE int32_t first_extreme(const Acc* v, int32_t count) {
    Acc best = v[0];
    for (int32_t i = 1; i < count; ++i) best = Less()(v[i], best) ? v[i] : best;
    int32_t first = count;
    for (int32_t i = count - 1; i >= 0; --i) first = v[i] == best ? i : first;
    return first;
}
RESHARE_MULTIVERSION int32_t first_minimum(const int32_t* v, int32_t count) { return first_extreme<std::less<>>(v, count); }
int32_t first_minimum(const int64_t* v, int32_t count) { return first_extreme<std::less<>>(v, count); }

// Seeding's step: each block's nearest seed so far updated with seed `seed` at distances d; then the farthest block.
template <class Acc>
RESHARE_INLINE int32_t relax_farthest(const Acc* d, Acc* nearest, int32_t* nearest_seed, int32_t n, int32_t seed) {
    for (int32_t i = 0; i < n; ++i) {
        const bool closer = d[i] < nearest[i];
        nearest[i] = closer ? d[i] : nearest[i];
        nearest_seed[i] = closer ? seed : nearest_seed[i];
    }
    return first_extreme<std::greater<>>(nearest, n);
}
RESHARE_MULTIVERSION int32_t relax(const int32_t* d, int32_t* nearest, int32_t* nearest_seed, int32_t n, int32_t seed) {
    return relax_farthest(d, nearest, nearest_seed, n, seed);
}
int32_t relax(const int64_t* d, int64_t* nearest, int32_t* nearest_seed, int32_t n, int32_t seed) {
    return relax_farthest(d, nearest, nearest_seed, n, seed);
}

// Each block's nearest centroid (ties: the lower cluster): the first argmin of |c|^2 - 2 x.c, |x|^2 being common.
template <class Acc>
void assign(const Points& p, const std::vector<Fixed>& centroids, std::vector<int>& to) {
    const size_t k = centroids.size() / size_t(p.dims);
    const Tiles tiles = tiles_of(centroids.data(), k, p.dims);
    std::vector<Acc> cc(tiles.count() * W, 0), score(cc.size());
    for (size_t m = 0; m < k; ++m) cc[m] = Acc(norm2(&centroids[m * p.dims], p.dims));
    for (size_t i = 0; i < p.n; ++i) {
        affine(p, p.pairs_of(i), tiles, cc.data(), score.data());
        to[i] = first_minimum(score.data(), int32_t(k));
    }
}

// Farthest-point seeding from the first block. It also gives the first assignment: each block's nearest seed (ties:
// the earlier seed, as assign breaks them), so Lloyd's first pass is not repeated. Distances as
// |x_i|^2 + |s|^2 - 2 x_i . s against every block at once.
template <class Acc>
std::vector<Fixed> seeds(const Points& p, size_t k, std::vector<int>& nearest_seed) {
    const int dims = p.dims;
    std::vector<Fixed> out(p.x, p.x + dims);
    std::vector<Acc> nearest(p.n, std::numeric_limits<Acc>::max()), init(p.tiles.count() * W, 0), d(init.size());
    nearest_seed.assign(p.n, 0);
    size_t block = 0;   // the newest seed is this block: its norm and pairs are at hand
    for (;;) {
        const int32_t seed = int32_t(out.size() / dims) - 1;
        for (size_t i = 0; i < p.n; ++i) init[i] = Acc(p.norms[i] + p.norms[block]);
        affine(p, p.pairs_of(block), p.tiles, init.data(), d.data());
        const int32_t far = relax(d.data(), nearest.data(), nearest_seed.data(), int32_t(p.n), seed);
        if (out.size() / dims == k) break;
        block = far;
        out.insert(out.end(), p.row(far), p.row(far) + dims);
    }
    return out;
}

// The mean of `count` values summing to `sum` (in centroid steps), rounded to nearest, halves away from zero. In
// 32 bits where the terms fit: one mean per centroid value and iteration, and a 64-bit division costs more.
int32_t mean(int64_t sum, int64_t count) {
    const int64_t num = 2 * (sum >= 0 ? sum : -sum) + count, den = 2 * count;
    const int64_t q = num <= std::numeric_limits<int32_t>::max() && den <= std::numeric_limits<int32_t>::max() ? int64_t(int32_t(num) / int32_t(den)) : num / den;
    return int32_t(sum >= 0 ? q : -q);
}

// Each centroid re-averaged over its members; an emptied cluster keeps its centroid.
void update(const Points& p, const std::vector<int>& cluster_of, std::vector<Fixed>& centroids) {
    const int dims = p.dims;
    std::vector<int64_t> sum(centroids.size(), 0), members(centroids.size() / size_t(dims), 0);
    for (size_t i = 0; i < p.n; ++i) {
        const size_t m = size_t(cluster_of[i]);
        ++members[m];
        for (int j = 0; j < dims; ++j) sum[m * dims + j] += p.row(i)[j];
    }
    for (size_t m = 0; m < members.size(); ++m)
        if (members[m])
            for (int j = 0; j < dims; ++j) centroids[m * dims + j] = Fixed(mean(sum[m * dims + j], members[m]));
}

// Seeding, then Lloyd's iterations until no block moves.
template <class Acc>
Clustering lloyd(const Points& p, int k, int max_iterations) {
    Clustering c;
    c.dims = p.dims;
    std::vector<int> to;
    std::vector<Fixed> centroids = seeds<Acc>(p, std::min(p.n, size_t(k)), to);
    c.cluster_of.assign(p.n, -1);
    for (int it = 0; it < max_iterations; ++it) {
        if (it > 0) assign<Acc>(p, centroids, to);
        if (to == c.cluster_of) break;
        c.cluster_of = to;
        update(p, c.cluster_of, centroids);
    }
    c.centroids.assign(centroids.begin(), centroids.end());
    return c;
}

}  // namespace

std::vector<std::string> dot_kernels() {
    std::vector<std::string> names;
    for (const NamedKernel& k : kernels_here()) names.push_back(k.name);
    return names;
}

Clustering cluster_blocks(const std::vector<int16_t>& blocks, int dims, int k, int max_iterations, const std::string& kernel) {
    if (dims < 1 || dims > 1024 || blocks.empty() || blocks.size() % size_t(dims) || k < 1)
        throw Error("cluster_blocks: needs whole blocks of 1..1024 values and k >= 1", ExitCode::Failure);
    std::vector<Fixed> x(blocks.size());
    int largest = 0;
    for (size_t i = 0; i < blocks.size(); ++i) {
        if (blocks[i] < -255 || blocks[i] > 255) throw Error("cluster_blocks: value outside -255..255", ExitCode::Failure);
        x[i] = Fixed(blocks[i] * kCentroidScale);
        largest = std::max(largest, std::abs(int(blocks[i])));
    }
    const size_t n = blocks.size() / size_t(dims);
    const int64_t spread = 2 * int64_t(largest) * kCentroidScale;   // the largest |block - centroid| per value
    Points p{x.data(), n, dims, int64_t(dims) * spread * spread <= int64_t(std::numeric_limits<int32_t>::max()),
             kernel_named(kernel), std::vector<int64_t>(n), tiles_of(x.data(), n, dims), minus2_pairs(x.data(), n, dims)};
    for (size_t i = 0; i < n; ++i) p.norms[i] = norm2(p.row(i), dims);

    return p.narrow ? lloyd<int32_t>(p, k, max_iterations) : lloyd<int64_t>(p, k, max_iterations);
}

}  // namespace reshare::reram_sharing

