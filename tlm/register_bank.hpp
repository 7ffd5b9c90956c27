// Memory-mapped registers declared as members of their module (the VCML way), and the TLM target logic
// that serves them: 32-bit aligned accesses only; everything else answers with a TLM error response.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace reshare::tlmx {

enum class Access { ReadOnly, ReadWrite, WriteOneToClear, WriteOnly };

class RegisterBank;

class Register {
public:
    Register(RegisterBank& bank, std::string name, uint32_t offset, Access access, uint32_t reset = 0);

    const std::string& name() const { return name_; }
    uint32_t offset() const { return offset_; }
    Access access() const { return access_; }
    uint32_t value() const { return value_; }
    void set(uint32_t v) { value_ = v; }        // the model's own updates, no side effects
    void reset() { value_ = reset_; }
    void define_reset(uint32_t v) { reset_ = value_ = v; }   // for values known only at elaboration

    // Hooks run on bus accesses: on_write gets the value after the access rule is applied.
    std::function<uint32_t()> on_read;
    std::function<void(uint32_t written)> on_write;

private:
    std::string name_;
    uint32_t offset_;
    Access access_;
    uint32_t reset_, value_;
};

class RegisterBank {
public:
    explicit RegisterBank(uint64_t window_bytes) : window_(window_bytes) {}
    void add(Register* r) { regs_.push_back(r); }
    void reset();

    // Serves a bus access; `debug` accesses have no side effects (no hooks, no W1C).
    void access(tlm::tlm_generic_payload& gp, bool debug);

private:
    Register* find(uint64_t address) const;
    uint64_t window_;
    std::vector<Register*> regs_;
};

}  // namespace reshare::tlmx
