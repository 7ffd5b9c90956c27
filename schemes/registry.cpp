// The registry: one instance of every scheme listed in schemes/schemes.def, indexed by its code.
#include "reshare/schemes/scheme.hpp"

#include "reshare/common/error.hpp"
#include "reshare/schemes/cr2/cr2.hpp"
#include "reshare/offline/bitslice.hpp"
#include "reshare/schemes/dense/dense.hpp"
#include "reshare/schemes/orc/orc.hpp"
#include "reshare/schemes/reram_sharing/reram_sharing.hpp"
#include "reshare/schemes/reshare/reshare.hpp"
#include "reshare/schemes/rws/rws.hpp"
#include "reshare/schemes/sme/sme.hpp"

namespace reshare {
namespace {

const std::vector<const SchemeDef*>& registry() {
    static const std::vector<const SchemeDef*> defs = [] {
        std::vector<const SchemeDef*> v;
#define RESHARE_SCHEME(Id, name, Class) \
    static const Class name##_def;      \
    v.push_back(&name##_def);
#include "reshare/schemes/schemes.def"
#undef RESHARE_SCHEME
        for (size_t i = 0; i < v.size(); ++i)
            if (size_t(v[i]->id()) != i) throw Error(std::string("scheme ") + v[i]->name() + " registered out of order", ExitCode::Failure);
        return v;
    }();
    return defs;
}

}  // namespace

int SchemeDef::unit_rows(const LayerGeometry& g) const { return g.ou_rows; }

const SchemeDef& scheme_def(Scheme s) {
    const auto& r = registry();
    if (size_t(s) >= r.size()) throw Error("scheme code " + std::to_string(int(s)) + " is not registered", ExitCode::Failure);
    return *r[size_t(s)];
}

const std::vector<Scheme>& all_schemes() {
    static const std::vector<Scheme> all = [] {
        std::vector<Scheme> v;
        for (const SchemeDef* d : registry()) v.push_back(d->id());
        return v;
    }();
    return all;
}

const char* to_string(Scheme s) { return scheme_def(s).name(); }

std::string scheme_names(const char* last_separator) {
    std::string out;
    const auto& all = all_schemes();
    for (size_t i = 0; i < all.size(); ++i) {
        if (i) out += i + 1 == all.size() ? last_separator : ", ";
        out += to_string(all[i]);
    }
    return out;
}

Scheme parse_scheme(const std::string& s) {
    for (Scheme x : all_schemes())
        if (s == to_string(x)) return x;
    throw Error("unknown scheme '" + s + "' (expected " + scheme_names() + ")");
}

}  // namespace reshare
