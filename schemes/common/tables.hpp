// Building a scheme's tables in parallel: parts built over consecutive ranges of a layer, appended in order.
// A tables type T lists its variable-length tables in `template <class F> static void zip(T& a, T& b, F f)`,
// calling f(a.table, b.table) for each.
#pragma once

#include "reshare/common/parallel.hpp"

#include <memory>
#include <type_traits>
#include <vector>

namespace reshare {

template <class T>
void append(std::vector<T>& dst, const std::vector<T>& src) {
    dst.insert(dst.end(), src.begin(), src.end());
}

// Parts in order into one, each freed as soon as it is copied: the peak stays near one copy of the layer.
template <class T>
std::shared_ptr<const T> concatenate(std::vector<T>& parts) {
    auto out = std::make_shared<T>();
    for (T& p : parts) T::zip(*out, p, [](auto& d, auto& s) { d.reserve(d.capacity() + s.size()); });   // still empty
    for (T& p : parts)
        T::zip(*out, p, [](auto& d, auto& s) {
            append(d, s);
            std::decay_t<decltype(s)>().swap(s);
        });
    return out;
}

// Builds a layer's tables from `count` pieces over `threads` workers: build(begin, end) returns the T of pieces
// [begin, end), and each part is appended to the layer's tables as soon as the parts before it are. reserve(T&)
// makes room in the (empty) tables for the whole layer, an upper bound, which costs only address space: the
// tables are then written once, without growing. The parts are small (64 per worker), so their memory is freed
// and reused while the layer is built; with a part per worker held to the end and then copied, VGG16's ReShare
// tables were written twice, into fresh memory each time, which virtual machines make dear (docs/performance.md).
template <class T, class Reserve, class Build>
std::shared_ptr<const T> build_in_parallel(int count, int threads, Reserve reserve, Build build) {
    auto out = std::make_shared<T>();
    reserve(*out);
    parallel_chunks_in_order<T>(count, threads, threads * 64, build, [&](T& part) {
        T::zip(*out, part, [](auto& d, auto& s) { append(d, s); });
    });
    return out;
}

}  // namespace reshare
