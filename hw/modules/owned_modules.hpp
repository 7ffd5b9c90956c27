// Child modules a module owns through unique_ptr, destroyed newest first. SystemC's port and export registries look
// an object up from the newest one when it is removed, so destroying a chip in creation order costs O(n^2) there:
// 55% of an AlexNet dense run on its 1671 PEs (26736 CUs). (The module registry searches from the oldest, so it
// stays quadratic either way; the CLI never destroys its platform: testbench/chip_run.cpp.)
#pragma once

#include <memory>
#include <vector>

namespace reshare::hw {

template <class Module>
void destroy_newest_first(std::vector<std::unique_ptr<Module>>& modules) {
    while (!modules.empty()) modules.pop_back();
}

}  // namespace reshare::hw
