// The section container of layer images (docs/formats.md), shared by every scheme: tagged sections (4-char tag,
// element size, byte count, data) written and read back with every failure naming the source. Unsigned tables are
// stored in the narrowest of 1, 2 or 4 bytes that holds their largest value. layer_image.cpp wraps the sections in
// the checked header; each scheme writes and reads its own sections through these two classes.
#pragma once

#include "reshare/common/error.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace reshare {

// Calls f with a zero of the unsigned type `width` bytes wide (1, 2 or 4): a loop that copies elements of that type
// then has a constant size, which compiles to one load or store (a memcpy of a variable size is a call each).
template <class F>
void with_width(uint32_t width, F f) {
    if (width == 1) f(uint8_t(0));
    else if (width == 2) f(uint16_t(0));
    else f(uint32_t(0));
}

// Sections go after `offset` bytes left for a header, into room made once: a layer is encoded twice, first by a
// counting writer, which only adds up the sizes its sections take, then into exactly that many bytes. So an image
// is written once, in place (VGG16's ORC fc6 image is 0.2 GB: grown by doubling, then copied behind its header, it
// was written into fresh memory three times).
// The narrowest of 1, 2 or 4 bytes that holds `largest`.
inline uint32_t narrow_width(uint64_t largest) { return largest <= 0xff ? 1 : largest <= 0xffff ? 2 : 4; }

class ImageWriter {
public:
    enum class Mode { Count, Write };
    ImageWriter(Mode mode, size_t offset, size_t room = 0) : mode_(mode), size_(offset) {
        if (mode_ == Mode::Write) bytes_.reserve(std::max(room, offset)), bytes_.resize(offset);
    }
    void section(const char tag[4], uint32_t element_size, const void* data, uint64_t bytes);
    template <class T>
    void array(const char tag[4], const std::vector<T>& v) {
        section(tag, sizeof(T), v.data(), v.size() * sizeof(T));
    }
    template <class T>
    void narrow(const char tag[4], const std::vector<T>& v);
    size_t size() const { return size_; }   // the offset and every section so far
    std::vector<char> take() { return std::move(bytes_); }

private:
    // A section's header; returns where its `bytes` of data go (null when counting).
    char* open(const char tag[4], uint32_t element_size, uint64_t bytes);
    Mode mode_;
    size_t size_;
    std::vector<char> bytes_;
};

class ImageReader {
public:
    // Indexes the sections of a payload that starts at `at` in `bytes`; `what` names the source in errors.
    ImageReader(const std::vector<char>& bytes, size_t at, std::string what);

    // A C string, not a std::string: decoders check every table entry, and a long literal made into a std::string
    // for each check was a heap allocation per entry (most of a VGG16 ReShare decode's time).
    void fail_if(bool bad, const char* problem) const {
        if (bad) throw Error("layer image " + what_ + ": " + problem);
    }
    void fail_if(bool bad, const std::string& problem) const { fail_if(bad, problem.c_str()); }
    template <class T>
    std::vector<T> array(const char* tag) const;
    // A table written by ImageWriter::narrow: any element width up to sizeof(T), widened back.
    template <class T>
    std::vector<T> narrow(const char* tag) const;

private:
    struct Section {
        uint32_t element_size;
        size_t at;
        uint64_t bytes;
    };
    const Section& find(const char* tag) const;
    const std::vector<char>& bytes_;
    std::string what_;
    std::map<std::string, Section> sections_;
};

// Checks of decoded tables.
template <class T>
uint64_t sum(const std::vector<T>& v) {
    uint64_t s = 0;
    for (T x : v) s += x;
    return s;
}
template <class T>
bool all_below(const std::vector<T>& v, uint64_t limit) {
    for (T x : v)
        if (uint64_t(x) >= limit) return false;
    return true;
}

template <class T>
void ImageWriter::narrow(const char tag[4], const std::vector<T>& v) {
    uint64_t top = 0;
    for (T x : v) top = std::max<uint64_t>(top, x);
    const uint32_t width = narrow_width(top);
    if (width == sizeof(T)) return array(tag, v);
    char* packed = open(tag, width, v.size() * width);
    if (!packed) return;
    with_width(width, [&](auto narrow) {
        for (size_t i = 0; i < v.size(); ++i) {
            narrow = decltype(narrow)(v[i]);
            std::memcpy(packed + i * sizeof(narrow), &narrow, sizeof(narrow));   // little-endian: the low bytes first
        }
    });
}

template <class T>
std::vector<T> ImageReader::array(const char* tag) const {
    const Section& s = find(tag);
    fail_if(s.element_size != sizeof(T) || s.bytes % sizeof(T), std::string("section ") + tag + " has the wrong element size");
    std::vector<T> v(s.bytes / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), &bytes_[s.at], s.bytes);
    return v;
}

template <class T>
std::vector<T> ImageReader::narrow(const char* tag) const {
    const Section& s = find(tag);
    const uint32_t w = s.element_size;
    fail_if((w != 1 && w != 2 && w != 4) || w > sizeof(T) || s.bytes % w, std::string("section ") + tag + " has the wrong element size");
    if (w == sizeof(T)) return array<T>(tag);
    std::vector<T> v(s.bytes / w);
    with_width(w, [&](auto narrow) {
        for (size_t i = 0; i < v.size(); ++i) {
            std::memcpy(&narrow, &bytes_[s.at + i * sizeof(narrow)], sizeof(narrow));
            v[i] = T(narrow);
        }
    });
    return v;
}

}  // namespace reshare
