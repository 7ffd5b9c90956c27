// Building a scheme's tables in parallel: parts built over consecutive ranges of a layer, concatenated in order.
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

// Builds a layer's tables from `count` pieces split over `threads` workers: build(begin, end) returns a T.
template <class T, class Build>
std::shared_ptr<const T> build_in_parallel(int count, int threads, Build build) {
    std::vector<T> parts = parallel_chunks<T>(count, threads, build);
    return concatenate(parts);
}

}  // namespace reshare
