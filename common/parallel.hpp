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

// Runs body(c, begin, end) for chunks c = 0 .. chunks-1 of [0, units), contiguous and in order of c, on up to
// `threads` threads (the caller's among them), each taking the next chunk when it is free. The first exception
// thrown by any chunk is rethrown here.
template <class Body>
void for_each_chunk(int units, int threads, int chunks, Body body) {
    std::atomic<int> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto worker = [&] {
        for (int c; (c = next++) < chunks;) {
            try {
                body(c, int(int64_t(units) * c / chunks), int(int64_t(units) * (c + 1) / chunks));
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
}

// Splits [0, units) into contiguous chunks, calls build(begin, end) -> Part for each on up to `threads`
// threads, and returns the parts in chunk order, so concatenating them gives the serial result.
// The first exception thrown by any chunk is rethrown here.
template <class Part, class Build>
std::vector<Part> parallel_chunks(int units, int threads, Build build) {
    threads = std::max(1, std::min(threads, units));
    const int chunks = threads == 1 ? std::min(units, 1) : std::min(units, threads * 8);
    std::vector<Part> parts(chunks);
    for_each_chunk(units, threads, chunks, [&](int c, int begin, int end) { parts[c] = build(begin, end); });
    return parts;
}

// As parallel_chunks, in `chunks` chunks (at least one per thread), but each part is handed to consume(Part&)
// as soon as every part before it has been: in chunk order, one at a time, by whichever worker finished the
// next one in line. With small chunks, a part's memory is freed while the others are being built and is reused
// by the next part, instead of every part being held until the end. The first exception is rethrown here; no
// part after a failed one (in build or consume) is consumed.
template <class Part, class Build, class Consume>
void parallel_chunks_in_order(int units, int threads, int chunks, Build build, Consume consume) {
    threads = std::max(1, std::min(threads, units));
    chunks = std::min(units, std::max(chunks, threads));
    std::vector<Part> done(chunks);
    std::vector<char> ready(chunks, 0);   // a failed chunk never is: consuming stops there
    int consumed = 0;                     // chunks [0, consumed) have been handed to consume
    bool stopped = false;                 // consume threw
    std::mutex mutex;                     // guards all of the above and every call of consume
    for_each_chunk(units, threads, chunks, [&](int c, int begin, int end) {
        Part part = build(begin, end);
        std::lock_guard<std::mutex> lock(mutex);
        done[c] = std::move(part), ready[c] = 1;
        while (!stopped && consumed < chunks && ready[consumed]) {
            stopped = true;   // stays so if consume throws
            consume(done[consumed]);
            done[consumed++] = Part();
            stopped = false;
        }
    });
}

}  // namespace reshare
