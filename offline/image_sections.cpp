#include "reshare/offline/image_sections.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "layer images are written in host order: little-endian only");

namespace reshare {

char* ImageWriter::open(const char tag[4], uint32_t element_size, uint64_t bytes) {
    const size_t at = size_;
    size_ += 16 + bytes;
    if (mode_ == Mode::Count) return nullptr;
    bytes_.resize(size_);   // within the room made: no reallocation
    char* p = &bytes_[at];
    std::memcpy(p, tag, 4);
    std::memcpy(p + 4, &element_size, sizeof element_size);
    std::memcpy(p + 8, &bytes, sizeof bytes);
    return p + 16;
}

void ImageWriter::section(const char tag[4], uint32_t element_size, const void* data, uint64_t bytes) {
    if (char* p = open(tag, element_size, bytes); p && bytes > 0) std::memcpy(p, data, bytes);
}

ImageReader::ImageReader(const std::vector<char>& bytes, size_t at, std::string what) : bytes_(bytes), what_(std::move(what)) {
    while (at < bytes.size()) {
        fail_if(bytes.size() - at < 16, "truncated section header");
        std::string tag(&bytes[at], 4);
        uint32_t element_size;
        uint64_t n;
        std::memcpy(&element_size, &bytes[at + 4], 4);
        std::memcpy(&n, &bytes[at + 8], 8);
        at += 16;
        fail_if(n > bytes.size() - at, "section " + tag + " runs past the end of the file");
        sections_[tag] = {element_size, at, n};
        at += n;
    }
}

const ImageReader::Section& ImageReader::find(const char* tag) const {
    const auto it = sections_.find(tag);
    fail_if(it == sections_.end(), std::string("missing section ") + tag);
    return it->second;
}

}  // namespace reshare
