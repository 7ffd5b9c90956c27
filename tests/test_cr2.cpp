// CR2's plain-C++ pieces (schemes/cr2/): the poster's bounded-knapsack buffer allocation against brute force, and
// input-pattern profiling and buffer hits on a hand-made layer.
#include "reshare/schemes/cr2/allocation.hpp"
#include "reshare/schemes/cr2/input_patterns.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <random>

using namespace reshare::cr2;

namespace {

// The best gain over every allocation within the capacity.
uint64_t brute_force(const std::vector<std::vector<uint64_t>>& gain, const std::vector<uint64_t>& bytes, uint64_t capacity) {
    uint64_t best = 0;
    std::vector<uint32_t> k(gain.size(), 0);
    std::function<void(size_t, uint64_t)> go = [&](size_t j, uint64_t used) {
        if (j == gain.size()) {
            best = std::max(best, allocation_gain(gain, k));
            return;
        }
        for (uint32_t n = 0; n < gain[j].size() && used + n * bytes[j] <= capacity; ++n) {
            k[j] = n;
            go(j + 1, used + n * bytes[j]);
        }
        k[j] = 0;
    };
    go(0, 0);
    return best;
}

}  // namespace

TEST_CASE("cr2: the bounded-knapsack allocation is optimal, checked against brute force", "[cr2]") {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 300; ++trial) {
        const size_t L = 1 + rng() % 4;
        std::vector<std::vector<uint64_t>> gain(L);
        std::vector<uint64_t> bytes(L);
        for (size_t j = 0; j < L; ++j) {
            bytes[j] = 1 + rng() % 5;
            gain[j] = {0};
            for (uint32_t k = 0, n = rng() % 5; k < n; ++k) gain[j].push_back(gain[j].back() + rng() % 20);   // non-decreasing
        }
        const uint64_t capacity = rng() % 25;
        const std::vector<uint32_t> got = allocate_buffer(gain, bytes, capacity);
        INFO("trial " << trial);
        uint64_t used = 0;
        for (size_t j = 0; j < L; ++j) {
            REQUIRE(got[j] < gain[j].size());
            used += got[j] * bytes[j];
        }
        REQUIRE(used <= capacity);
        REQUIRE(allocation_gain(gain, got) == brute_force(gain, bytes, capacity));
    }
}

TEST_CASE("cr2: a worked allocation - the bytes go where they save most per byte", "[cr2]") {
    // Layer 0: 2-byte entries saving 10, 6, 1; layer 1: 3-byte entries saving 12, 12. 6 bytes: 0+2 (24) beats 3+0 (17),
    // 1+1 (22) and 2+0 (16); 7 bytes: 2+1 (28).
    const std::vector<std::vector<uint64_t>> gain = {{0, 10, 16, 17}, {0, 12, 24}};
    CHECK(allocate_buffer(gain, {2, 3}, 6) == std::vector<uint32_t>{0, 2});
    CHECK(allocate_buffer(gain, {2, 3}, 7) == std::vector<uint32_t>{2, 1});
    CHECK(allocate_buffer(gain, {2, 3}, 0) == std::vector<uint32_t>{0, 0});
    CHECK(allocate_buffer(gain, {2, 3}, 1000) == std::vector<uint32_t>{3, 2});   // everything fits
    CHECK_THROWS(allocate_buffer({{1, 2}}, {1}, 4));                              // gain[0] must be 0
}

TEST_CASE("cr2: input patterns of a hand-made layer, their ranking and a buffer's hits", "[cr2]") {
    // 4 rows in OU-rows of 2: domain 0 reads (1, 0), domain 1 reads (-1, 3).
    const std::vector<int8_t> v = {1, 0, -1, 3};
    CHECK(PatternProfile::bits_pattern(&v[0], 2, 0) == 0b01);
    CHECK(PatternProfile::bits_pattern(&v[2], 2, 1) == 0b11);   // -1 = 0xff, 3 = 0b11
    CHECK(PatternProfile::bits_pattern(&v[2], 2, 5) == 0b01);
    CHECK(PatternProfile::activations_pattern(&v[2], 2) == 0x03ffu);
    PatternProfile profile(4, 1, 2, 8, PatternKind::Bits);
    profile.add(v.data(), 1);
    CHECK(profile.occurrences() == 1 + 8);   // domain 0: one non-zero cycle of 8; domain 1: all 8
    std::vector<PatternEntry> entries;
    std::vector<uint64_t> gain;
    profile.rank({5, 2}, entries, gain);     // domain 0 has 5 OUs, domain 1 has 2
    // Domain 1's 0b01 six times x 2 OUs = 12; domain 0's 0b01 once x 5 = 5; domain 1's 0b11 twice x 2 = 4.
    CHECK(entries == std::vector<PatternEntry>{{1, 0b01}, {0, 0b01}, {1, 0b11}});
    CHECK(gain == std::vector<uint64_t>{0, 12, 17, 21});
    const PatternBuffer buffer(4, 1, 2, 8, PatternKind::Bits, {entries[0]});
    std::vector<PatternBuffer::Counts> c;
    buffer.count(v.data(), 1, c);
    CHECK(c[0].hits == 0);
    CHECK(c[0].misses == 1);
    CHECK(c[0].zero == 7);
    CHECK(c[1].hits == 6);
    CHECK(c[1].misses == 2);
    CHECK(c[1].zero == 0);
    CHECK_THROWS(PatternBuffer(4, 1, 2, 8, PatternKind::Bits, {{2, 1}}));   // no domain 2
    CHECK_THROWS(PatternBuffer(4, 1, 2, 8, PatternKind::Bits, {{0, 0}}));   // the zero pattern is never buffered
    // Whole activations: one lookup per domain and vector.
    PatternProfile acts(4, 1, 2, 8, PatternKind::Activations);
    acts.add(v.data(), 1);
    CHECK(acts.occurrences() == 2);
    acts.rank({5, 2}, entries, gain);
    CHECK(gain.back() == 5 * 8 + 2 * 8);
}

#include "reshare/common/error.hpp"
#include "reshare/schemes/cr2/allocation_file.hpp"

TEST_CASE("cr2: an allocation survives its file: a corrupt one is a one-line error naming the field", "[cr2]") {
    Allocation a;
    a.model = "face_recognition";
    a.capacity_bytes = 4096;
    a.learning_images = {"demo/sample1.jpg", "demo/sample2.jpg"};
    a.layers = {{"conv1", 48, 16, {{3, 0b1011}, {0, 1}}, 99}, {"fc", 2, 32, {}, 0}};
    const std::string text = allocation_json(a);
    const Allocation b = parse_allocation(text, "a.json");
    CHECK(allocation_json(b) == text);
    CHECK(b.layers[0].entries == a.layers[0].entries);
    CHECK(b.used_bytes() == 32);
    auto error_of = [](const std::string& t) {
        try {
            parse_allocation(t, "bad.json");
        } catch (const reshare::Error& e) {
            CHECK(e.code() == reshare::ExitCode::BadInput);
            return std::string(e.what());
        }
        FAIL("no error");
        return std::string();
    };
    auto with = [&](const std::string& from, const std::string& to) {
        std::string t = text;
        const size_t at = t.find(from);
        REQUIRE(at != std::string::npos);
        return t.replace(at, from.size(), to);
    };
    CHECK_THAT(error_of(text.substr(0, text.size() / 2)), Catch::Contains("bad.json: not valid JSON"));
    CHECK_THAT(error_of(with("\"version\": 1", "\"version\": 7")), Catch::Contains("version: 7, this build reads version 1"));
    CHECK_THAT(error_of(with("\"domains\": 48", "\"domains\": 2")), Catch::Contains("layers[0].entries[0]: domain 3 outside 0..1"));
    CHECK_THAT(error_of(with("\"capacity_bytes\": 4096", "\"capacity_bytes\": 20")), Catch::Contains("exceed capacity_bytes 20"));
    CHECK_THAT(error_of(with("\"bits\"", "\"nibbles\"")), Catch::Contains("input_pattern: unknown input pattern 'nibbles'"));
    CHECK_THAT(error_of(with("\"entry_bytes\": 16", "\"entry_bytes\": -1")), Catch::Contains("layers[0].entry_bytes: expected a non-negative integer"));
    CHECK_THAT(error_of("[]"), Catch::Contains("the top level: expected an object"));
    for (const std::string& e : {error_of("{}"), error_of(with("11", "0"))}) CHECK(std::count(e.begin(), e.end(), '\n') == 0);
}

TEST_CASE("cr2: with concave gains (every ranked profile's) the fast recurrence is optimal too", "[cr2]") {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 400; ++trial) {
        const size_t L = 1 + rng() % 4;
        std::vector<std::vector<uint64_t>> gain(L);
        std::vector<uint64_t> bytes(L);
        for (size_t j = 0; j < L; ++j) {
            bytes[j] = 1 + rng() % 4;
            std::vector<uint64_t> steps;
            for (uint32_t k = 0, n = rng() % 9; k < n; ++k) steps.push_back(rng() % 30);
            std::sort(steps.rbegin(), steps.rend());   // non-increasing marginal gains
            gain[j] = {0};
            for (uint64_t s : steps) gain[j].push_back(gain[j].back() + s);
        }
        const uint64_t capacity = rng() % 30;
        const std::vector<uint32_t> got = allocate_buffer(gain, bytes, capacity);
        INFO("trial " << trial);
        uint64_t used = 0;
        for (size_t j = 0; j < L; ++j) used += got[j] * bytes[j];
        REQUIRE(used <= capacity);
        REQUIRE(allocation_gain(gain, got) == brute_force(gain, bytes, capacity));
    }
}
