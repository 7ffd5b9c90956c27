// Dense ids for the distinct non-zero patterns of one domain, in first-occurrence order.
#pragma once

#include "reshare/offline/bitslice.hpp"

#include <unordered_map>
#include <vector>

namespace reshare {

class PatternIds {
public:
    explicit PatternIds(int key_bits) : direct_(key_bits <= 16) {
        if (direct_) {
            id_.assign(size_t(1) << key_bits, 0);
            stamp_.assign(size_t(1) << key_bits, 0);
            id_[0] = -1;   // the zero pattern: stamped at every reset, so it is never new (no branch per key)
        }
        reset();
    }

    // Forgets every pattern: O(1) for small keys (a generation stamp), O(distinct) otherwise.
    void reset() {
        keys_.clear();
        if (direct_)
            stamp_[0] = ++generation_;
        else
            map_.clear();
    }

    // -1 for the zero pattern, else the pattern's id (a new one the first time it is seen).
    int id(PatternKey key) {
        if (direct_) {
            if (stamp_[key] != generation_) {
                stamp_[key] = generation_;
                id_[key] = int(keys_.size());
                keys_.push_back(key);
            }
            return id_[key];
        }
        if (key == 0) return -1;
        auto [it, fresh] = map_.try_emplace(key, int(keys_.size()));
        if (fresh) keys_.push_back(key);
        return it->second;
    }

    // Assigns ids to a run of keys.
    void assign(const PatternKey* keys, int n, std::vector<int>& out) {
        out.resize(n);
        for (int i = 0; i < n; ++i) out[i] = id(keys[i]);
    }

    const std::vector<PatternKey>& keys() const { return keys_; }   // by id
    int size() const { return int(keys_.size()); }

private:
    bool direct_;
    std::vector<int> id_;
    std::vector<uint32_t> stamp_;
    uint32_t generation_ = 0;
    std::unordered_map<PatternKey, int> map_;
    std::vector<PatternKey> keys_;
};

}  // namespace reshare
