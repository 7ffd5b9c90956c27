// The platform's own configuration header, with the same name as one of reshare's (common/config.hpp) and first on
// the include path: reshare's installed headers, included as <reshare/...>, must not pick it up.
#pragma once

namespace platform {
struct HwConfig {
    int clock_mhz = 100;
};
}  // namespace platform
