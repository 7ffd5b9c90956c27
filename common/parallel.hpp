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

// As parallel_chunks, in `chunks` chunks (at least one per thread), but each part is handed to consume(Part&)
// as soon as every part before it has been: in chunk order, one at a time, by whichever worker finished the
// next one in line. With small chunks, a part's memory is freed while the others are being built and is reused
// by the next part, instead of every part being held until the end. The first exception is rethrown here; the
// parts after a failed one are not consumed.
template <class Part, class Build, class Consume>
void parallel_chunks_in_order(int units, int threads, int chunks, Build build, Consume consume) {
    threads = std::max(1, std::min(threads, units));
    chunks = std::min(units, std::max(chunks, threads));
    std::vector<Part> done(chunks);
    std::vector<char> ready(chunks, 0);
    int consumed = 0;   // chunks [0, consumed) have been handed to consume
    std::atomic<int> next{0};
    std::exception_ptr failure;
    std::mutex mutex;   // guards done, ready, consumed, failure and every call of consume
    auto worker = [&] {
        for (int c; (c = next++) < chunks;) {
            try {
                const int begin = int(int64_t(units) * c / chunks), end = int(int64_t(units) * (c + 1) / chunks);
                Part part = build(begin, end);
                std::lock_guard<std::mutex> lock(mutex);
                done[c] = std::move(part), ready[c] = 1;
                for (; consumed < chunks && ready[consumed] && !failure; ++consumed) {
                    consume(done[consumed]);
                    done[consumed] = Part();
                }
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!failure) failure = std::current_exception();
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace reshare
