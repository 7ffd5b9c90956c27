// Order-preserving parallel map over a range of independent units (domains, strips, layers).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace reshare {

// ceil(a / b) for counts: OUs from patterns, crossbars from OUs.
inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Number of worker threads: RESHARE_THREADS if set, else the machine's cores.
int default_threads();

// Splits [0, units) into contiguous chunks, calls build(begin, end) -> Part for each on up to `threads`
// threads, and returns the parts in chunk order, so concatenating them gives the serial result.
// The first exception thrown by any chunk is rethrown here.
template <class Part, class Build>
std::vector<Part> parallel_chunks(int units, int threads, Build build) {
    threads = std::max(1, std::min(threads, units));
    const int chunks = threads == 1 ? std::min(units, 1) : std::min(units, threads * 8);
    std::vector<Part> parts(chunks);
    std::atomic<int> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto worker = [&] {
        for (int c; (c = next++) < chunks;) {
            try {
                const int begin = int(int64_t(units) * c / chunks), end = int(int64_t(units) * (c + 1) / chunks);
                parts[c] = build(begin, end);
            } catch (...) {
                std::lock_guard<std::mutex> lock(failure_mutex);
                if (!failure) failure = std::current_exception();
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
    return parts;
}

}  // namespace reshare
