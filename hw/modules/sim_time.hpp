// Exact conversion of simulation times to nanoseconds (to_seconds() * 1e9 picks up rounding noise that a
// ceil() then turns into a whole extra nanosecond).
#pragma once

#include <systemc>

namespace reshare::hw {

inline double to_ns(const sc_core::sc_time& t) {
    return double(t.value()) / double(sc_core::sc_time(1, sc_core::SC_NS).value());
}

}  // namespace reshare::hw
