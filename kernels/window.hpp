// Window geometry over NHWC int8 or float tensors, shared by the reference engine and the hardware model: pool
// windows, im2col vectors, channel placement and zero padding. Header-only and generic in the geometry `n`: any
// type with the fields of models::Node's window (kh, kw, stride_*, dil_*, pad_top, pad_left, groups, out) serves,
// so the graph's nodes and the accelerator's op descriptors use the same code.
#pragma once

#include "reshare/models/model.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace reshare::kernels {

// Top-left input coordinate of output (oy, ox)'s window; taps step by the dilation.
struct WindowOrigin {
    int y, x;
};
template <class Geometry>
WindowOrigin window_origin(const Geometry& n, int oy, int ox) {
    return {oy * n.stride_h - n.pad_top, ox * n.stride_w - n.pad_left};
}

// Calls visit(y, x) for each tap of output (oy, ox)'s pool window that lies inside the input: padding taps
// are skipped, which is -inf padding for max pooling and TF SAME (padding excluded) for average pooling.
// (A window wholly in the padding, which no TF geometry makes, pools to 0.)
template <class Geometry, class Visit>
void for_window(const Geometry& n, const models::Shape& in, int oy, int ox, Visit visit) {
    const WindowOrigin o = window_origin(n, oy, ox);
    for (int ky = 0; ky < n.kh; ++ky) {
        const int y = o.y + ky * n.dil_h;
        if (y < 0 || y >= in.h) continue;
        for (int kx = 0; kx < n.kw; ++kx) {
            const int x = o.x + kx * n.dil_w;
            if (x >= 0 && x < in.w) visit(y, x);
        }
    }
}

// One output position's im2col vector in the layout of reference_mvm: group g at [g*rows, (g+1)*rows), rows
// ordered (kh, kw, cin/groups) with cin fastest; group g reads channels [g*cin/G, (g+1)*cin/G).
template <class In, class Out, class Geometry>
void im2col(const In* in, const models::Shape& s, const Geometry& n, int oy, int ox, Out* out) {
    const int cpg = s.c / n.groups, rows = n.kh * n.kw * cpg;
    const WindowOrigin o = window_origin(n, oy, ox);
    for (int ky = 0; ky < n.kh; ++ky)
        for (int kx = 0; kx < n.kw; ++kx) {
            const int y = o.y + ky * n.dil_h, x = o.x + kx * n.dil_w;
            const bool inside = y >= 0 && y < s.h && x >= 0 && x < s.w;
            Out* dst = out + (ky * n.kw + kx) * cpg;
            if (!inside) {
                for (int g = 0; g < n.groups; ++g, dst += rows) std::fill(dst, dst + cpg, Out(0));
                continue;
            }
            const In* px = in + (size_t(y) * s.w + x) * s.c;
            for (int g = 0; g < n.groups; ++g, dst += rows)
                for (int ci = 0; ci < cpg; ++ci) dst[ci] = Out(px[g * cpg + ci]);
        }
}

// out[(oy * out_w + ox) * c + ch] = finish(combine over the window's taps inside the input, taps).
template <class In, class Acc, class Out, class Combine, class Finish, class Geometry>
void pool(const In* in, const models::Shape& s, const Geometry& n, Acc init, Combine combine, Finish finish,
          Out* out) {
    std::vector<Acc> acc(size_t(s.c));
    for (int oy = 0; oy < n.out.h; ++oy)
        for (int ox = 0; ox < n.out.w; ++ox) {
            std::fill(acc.begin(), acc.end(), init);
            int taps = 0;
            for_window(n, s, oy, ox, [&](int y, int x) {
                const In* px = in + (size_t(y) * s.w + x) * s.c;
                for (int c = 0; c < s.c; ++c) acc[c] = combine(acc[c], px[c]);
                ++taps;
            });
            Out* o = out + (size_t(oy) * n.out.w + ox) * s.c;
            for (int c = 0; c < s.c; ++c) o[c] = finish(acc[c], taps);
        }
}

// Copies an h x w x c tensor into channels [offset, offset + c) of an h x w x total tensor, converting each value.
template <class In, class Out, class Convert>
void place_channels(const In* in, const models::Shape& s, int offset, int total, Out* out, Convert convert) {
    for (long p = 0; p < long(s.h) * s.w; ++p)
        for (int c = 0; c < s.c; ++c) out[p * total + offset + c] = convert(in[p * s.c + c]);
}

// The input placed at (pad_top, pad_left) of the node's larger output; new rows, columns and channels are 0.
template <class T, class Geometry>
void zero_pad(const T* in, const models::Shape& s, const Geometry& n, T* out) {
    std::fill(out, out + n.out.elements(), T(0));
    for (int y = 0; y < s.h; ++y)
        for (int x = 0; x < s.w; ++x) {
            const T* src = in + (size_t(y) * s.w + x) * s.c;
            std::copy(src, src + s.c, out + ((size_t(y) + n.pad_top) * n.out.w + x + n.pad_left) * n.out.c);
        }
}
template <class T, class Geometry>
std::vector<T> zero_pad(const std::vector<T>& in, const models::Shape& s, const Geometry& n) {
    std::vector<T> out(size_t(n.out.elements()));
    zero_pad(in.data(), s, n, out.data());
    return out;
}

}  // namespace reshare::kernels
