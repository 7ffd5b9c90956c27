// The matrix products of both executors: tiles of im2col vectors against a lowered weight matrix.
#include "reshare/common/error.hpp"
#include "reshare/common/multiversion.hpp"
#include "reshare/common/parallel.hpp"
#include "reshare/inference/engine.hpp"
#include "reshare/inference/ops.hpp"

#include <limits>

namespace reshare::inference {
namespace {

// Vectors per tile: each weight row is read once per tile while the tile's accumulators stay in cache.
constexpr int kTile = 8;

// Lanes of the fixed-length inner loop: a compile-time trip count vectorizes under -O2's cheap cost model too.
constexpr int kLanes = 16;

// a[j] = mac(a[j], x, w[j]); restrict because int8_t weights may alias anything as far as the compiler knows.
template <class X, class W, class A, class Mac>
RESHARE_INLINE void axpy(A* __restrict a, X x, const W* __restrict w, int n, Mac mac) {
    int j = 0;
    for (; j + kLanes <= n; j += kLanes)
        for (int k = 0; k < kLanes; ++k) a[j + k] = mac(a[j + k], x, w[j + k]);
    for (; j < n; ++j) a[j] = mac(a[j], x, w[j]);
}

// Axpy order (row h of the weights times one input value, into a row of accumulators): the innermost loop runs
// over contiguous columns, which vectorizes, and zero inputs (ReLU leaves many) skip a whole weight row.
template <class X, class W, class A, class Mac>
RESHARE_INLINE void tile_product(const X* x, int nv, size_t x_stride, const W* w, int rows, int cols, int groups, A* acc, Mac mac) {
    const int gc = cols / groups;
    for (int g = 0; g < groups; ++g)
        for (int h = 0; h < rows; ++h) {
            const W* wr = w + size_t(h) * cols + size_t(g) * gc;
            for (int v = 0; v < nv; ++v) {
                const X xv = x[v * x_stride + size_t(g) * rows + h];
                if (xv == 0) continue;
                axpy(acc + size_t(v) * cols + size_t(g) * gc, xv, wr, gc, mac);
            }
        }
}

// The three products, each multi-versioned (common/multiversion.hpp): the same sums in every version - integers
// exactly, floats added in the same order and never fused - at the vector width of the CPU that runs them.
struct Int16Mac {
    RESHARE_INLINE int32_t operator()(int32_t a, int16_t xv, int8_t wv) const { return a + int16_t(xv * wv); }
};
struct Int64Mac {
    RESHARE_INLINE int64_t operator()(int64_t a, int32_t xv, int8_t wv) const { return a + int64_t(xv) * wv; }
};
struct FloatMac {
    RESHARE_INLINE float operator()(float a, float xv, float wv) const { return a + xv * wv; }
};
RESHARE_MULTIVERSION void tile_product_int16(const int16_t* x, int nv, size_t x_stride, const int8_t* w, int rows,
                                             int cols, int groups, int32_t* acc) {
    tile_product(x, nv, x_stride, w, rows, cols, groups, acc, Int16Mac());
}
RESHARE_MULTIVERSION void tile_product_int8(const int8_t* x, int nv, size_t x_stride, const int8_t* w, int rows,
                                            int cols, int groups, int32_t* acc) {
    tile_product(x, nv, x_stride, w, rows, cols, groups, acc, Int16Mac());
}
RESHARE_MULTIVERSION void tile_product_int64(const int32_t* x, int nv, size_t x_stride, const int8_t* w, int rows,
                                             int cols, int groups, int64_t* acc) {
    tile_product(x, nv, x_stride, w, rows, cols, groups, acc, Int64Mac());
}
RESHARE_MULTIVERSION void tile_product_float(const float* x, int nv, size_t x_stride, const float* w, int rows,
                                             int cols, int groups, float* acc) {
    tile_product(x, nv, x_stride, w, rows, cols, groups, acc, FloatMac());
}

// Runs tile(v0, nv) over all tiles of n_vectors, split over threads.
template <class Tile>
void for_tiles(int n_vectors, int threads, Tile tile) {
    const int tiles = (n_vectors + kTile - 1) / kTile;
    parallel_chunks<char>(tiles, threads > 0 ? threads : default_threads(), [&](int t0, int t1) {
        for (int t = t0; t < t1; ++t) tile(t * kTile, std::min(kTile, n_vectors - t * kTile));
        return char(0);
    });
}

// An int8 x int8 product fits int16, so the fast path multiplies in 16 bits (twice the SIMD lanes of 32) and
// sums in int32, which holds 131071 such products: more than any layer's rows.
bool fits_fast_path(const QuantizedMatrix& w, const std::vector<int32_t>& x) {
    if (w.rows > std::numeric_limits<int32_t>::max() / (128 * 128)) return false;
    for (const int32_t v : x)
        if (v < -128 || v > 127) return false;
    return true;
}

// int16 or int8 inputs.
template <class X>
void fast_mvm(const QuantizedMatrix& w, const std::vector<X>& x, int n, std::vector<int64_t>& acc, int threads) {
    const size_t stride = size_t(w.groups) * w.rows;
    for_tiles(n, threads, [&](int v0, int nv) {
        std::vector<int32_t> part(size_t(nv) * w.cols, 0);
        if constexpr (sizeof(X) == 1)
            tile_product_int8(x.data() + v0 * stride, nv, stride, w.q.data(), w.rows, w.cols, w.groups, part.data());
        else
            tile_product_int16(x.data() + v0 * stride, nv, stride, w.q.data(), w.rows, w.cols, w.groups, part.data());
        std::copy(part.begin(), part.end(), acc.begin() + size_t(v0) * w.cols);
    });
}

void wide_mvm(const QuantizedMatrix& w, const std::vector<int32_t>& x, int n, std::vector<int64_t>& acc, int threads) {
    const size_t stride = size_t(w.groups) * w.rows;
    for_tiles(n, threads, [&](int v0, int nv) {
        tile_product_int64(x.data() + v0 * stride, nv, stride, w.q.data(), w.rows, w.cols, w.groups,
                           acc.data() + size_t(v0) * w.cols);
    });
}

}  // namespace

void integer_mvm(const QuantizedMatrix& w, const std::vector<int32_t>& vectors, int n_vectors,
                 std::vector<int64_t>& acc, int threads) {
    if (vectors.size() != size_t(n_vectors) * w.groups * w.rows || acc.size() != size_t(n_vectors) * w.cols)
        throw Error("layer " + w.name + ": MVM operands do not match the matrix");
    std::fill(acc.begin(), acc.end(), 0);
    if (!fits_fast_path(w, vectors)) return wide_mvm(w, vectors, n_vectors, acc, threads);
    fast_mvm(w, std::vector<int16_t>(vectors.begin(), vectors.end()), n_vectors, acc, threads);
}

void integer_mvm(const QuantizedMatrix& w, const std::vector<int8_t>& vectors, int n_vectors, std::vector<int64_t>& acc,
                 int threads) {
    if (vectors.size() != size_t(n_vectors) * w.groups * w.rows || acc.size() != size_t(n_vectors) * w.cols)
        throw Error("layer " + w.name + ": MVM operands do not match the matrix");
    if (w.rows > std::numeric_limits<int32_t>::max() / (128 * 128))
        return integer_mvm(w, std::vector<int32_t>(vectors.begin(), vectors.end()), n_vectors, acc, threads);
    fast_mvm(w, vectors, n_vectors, acc, threads);   // every acc element is written
}

namespace detail {

void float_matmul(const std::vector<float>& x, int n_vectors, const std::vector<float>& w, int rows, int cols,
                  int groups, std::vector<float>& out, int threads) {
    out.assign(size_t(n_vectors) * cols, 0.f);
    const size_t stride = size_t(groups) * rows;
    for_tiles(n_vectors, threads, [&](int v0, int nv) {
        tile_product_float(x.data() + v0 * stride, nv, stride, w.data(), rows, cols, groups, out.data() + size_t(v0) * cols);
    });
}

}  // namespace detail
}  // namespace reshare::inference
