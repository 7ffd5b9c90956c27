// RESHARE_MULTIVERSION before a function compiles it three times - for x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and
// baseline x86-64 - and the loader picks the version the CPU runs (GCC's function multi-versioning, target_clones).
// The build stays baseline x86-64, so one binary serves every machine, and the hot loops still get the vector
// width of the machine they run on. The versions compute the same bits: integer arithmetic is exact at any width,
// and float multiply-adds are never fused (-ffp-contract=off in CMakeLists.txt), so a float sum rounds the same
// way whatever version runs. Elsewhere (clang, non-x86, non-ELF) the macro is empty: one baseline version.
#pragma once

//
// A helper such a function calls must be RESHARE_INLINE (templates and lambdas included): GCC inlines nothing across
// different arch= targets otherwise, and the helper would run its baseline code in every version.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define RESHARE_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RESHARE_MULTIVERSION
#endif
#if defined(__GNUC__)
#define RESHARE_INLINE __attribute__((always_inline)) inline
#else
#define RESHARE_INLINE inline
#endif
