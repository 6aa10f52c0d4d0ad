/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/compiler.h — attribute macros and tiny helpers shared by every
 * module. Header-only; no dependencies beyond the compiler (GCC or clang).
 */
#ifndef PNYX_PLATFORM_COMPILER_H
#define PNYX_PLATFORM_COMPILER_H

#include <stddef.h>

/* The caller must look at the return value (PgBouncer _MUSTCHECK). */
#define PNYX_MUSTCHECK __attribute__((warn_unused_result))
/* printf-style format checking: f = index of the format, a = first vararg. */
#define PNYX_PRINTF(f, a) __attribute__((format(printf, f, a)))
/* The listed (1-based) pointer arguments must not be NULL. */
#define PNYX_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define PNYX_NORETURN     __attribute__((noreturn))
#define PNYX_UNUSED       __attribute__((unused))
#define PNYX_MALLOC       __attribute__((malloc))
#define PNYX_LIKELY(x)    __builtin_expect(!!(x), 1)
#define PNYX_UNLIKELY(x)  __builtin_expect(!!(x), 0)

/* Number of elements of a true array (not a pointer). */
#define PNYX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Address sanitizer detection, for the arena's debug mode. */
#if defined(__SANITIZE_ADDRESS__)
#define PNYX_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PNYX_HAVE_ASAN 1
#endif
#endif
#ifndef PNYX_HAVE_ASAN
#define PNYX_HAVE_ASAN 0
#endif

#endif /* PNYX_PLATFORM_COMPILER_H */
