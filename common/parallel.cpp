#include "reshare/common/parallel.hpp"

#include <cstdlib>
#include <string>

namespace reshare {

int default_threads() {
    if (const char* env = std::getenv("RESHARE_THREADS")) {
        const int n = std::atoi(env);
        if (n > 0) return n;
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace reshare
