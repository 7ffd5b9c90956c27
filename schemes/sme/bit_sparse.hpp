// SME's bit-sparse quantization (Liu et al., ICCD 2021, Sec. III-A, Eq. 2; ../shared/reference/other-schemes.md,
// section 2): every magnitude keeps at most S consecutive '1' bits, starting at its leading one, on Nq fraction
// bits, so the bit-crossbars below a weight's window are empty for it and whole low-significance crossbars can be
// released. The first piece of the scheme `sme` (issue 8); the pass, mapping and squeeze-out build on it.
//
// Our reading of "rounding the APT quantization result" (other-schemes.md): round the magnitude, as a multiple of
// 2^-Nq, to S significant bits (an S-bit mantissa that includes the leading one; the window is clipped at bit Nq),
// to nearest with halves up; a carry may move the leading one up a position; clip at 1 - 2^-S. It reproduces the
// paper's four worked examples (Fig. 4, S = 3, Nq = 8), which tests/test_sme.cpp checks.
#pragma once

#include <cstdint>

namespace reshare::sme {

// The S-window magnitude nearest to `scaled` = |w| x 2^fraction_bits (0 <= scaled), in units of 2^-fraction_bits:
// at most `window_bits` consecutive ones from the leading one, and at most (2^S - 1) x 2^(Nq - S).
uint32_t round_magnitude(double scaled, int window_bits, int fraction_bits);

// The same for a signed weight w in (-1, 1): sign(w) x round_magnitude(|w| 2^Nq) / 2^Nq.
double round_weight(double w, int window_bits, int fraction_bits);

// Whether a magnitude is in the S-window form: its ones lie within `window_bits` positions from its leading one.
bool in_window(uint32_t magnitude, int window_bits);

}  // namespace reshare::sme
