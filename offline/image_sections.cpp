#include "reshare/offline/image_sections.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "layer images are written in host order: little-endian only");

namespace reshare {

void ImageWriter::section(const char tag[4], uint32_t element_size, const void* data, uint64_t bytes) {
    payload_.insert(payload_.end(), tag, tag + 4);
    const char* e = reinterpret_cast<const char*>(&element_size);
    payload_.insert(payload_.end(), e, e + sizeof element_size);
    const char* n = reinterpret_cast<const char*>(&bytes);
    payload_.insert(payload_.end(), n, n + sizeof bytes);
    const char* p = static_cast<const char*>(data);
    payload_.insert(payload_.end(), p, p + bytes);
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
