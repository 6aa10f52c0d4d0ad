/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/arena.h — request-scoped bump allocator with deferred cleanups
 * (PostgreSQL memory contexts, lwan arena + coro_defer, h2o req->pool).
 *
 * One arena per HTTP request: created on the first access-handler call,
 * destroyed in MHD's NOTIFY_COMPLETED (also runs on client abort/timeout).
 * Everything a handler allocates lives until then; foreign objects
 * (json_t, buffers) are adopted with arena_defer(). Not thread-safe: an
 * arena belongs to one request, which runs on one thread at a time.
 *
 * Allocation never returns NULL: out of memory aborts (Redis zmalloc,
 * PG palloc). Sizes derived from client input must be bounded first.
 * With PNYX_ARENA_DEBUG (defined automatically under ASan) every
 * allocation is a separate malloc so ASan/LSan see overflows and leaks.
 */
#ifndef PNYX_PLATFORM_ARENA_H
#define PNYX_PLATFORM_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "platform/compiler.h"

struct arena;

/* Returns a new, empty arena. Never NULL (aborts on OOM). */
struct arena *arena_new(void) PNYX_MUSTCHECK;

/* Runs deferred cleanups LIFO, then frees every block. NULL is a no-op. */
void arena_free(struct arena *a);

/* Returns n bytes aligned for any type (max_align_t), owned by the arena.
 * n == 0 returns a valid unique pointer. Never NULL. */
void *arena_alloc(struct arena *a, size_t n) PNYX_NONNULL(1) PNYX_MALLOC;
/* Like arena_alloc but zeroed; aborts if nmemb * size overflows. */
void *arena_calloc(struct arena *a, size_t nmemb, size_t size) PNYX_NONNULL(1) PNYX_MALLOC;
/* Copies (borrows) s / the first n bytes of s (stops at NUL) into the arena,
 * NUL-terminated. s == NULL returns NULL. */
char *arena_strdup(struct arena *a, const char *s) PNYX_NONNULL(1);
char *arena_strndup(struct arena *a, const char *s, size_t n) PNYX_NONNULL(1);
/* Copies n bytes (no terminator added). */
void *arena_memdup(struct arena *a, const void *p, size_t n) PNYX_NONNULL(1);
/* Formats into a new arena string. */
char *arena_printf(struct arena *a, const char *fmt, ...) PNYX_NONNULL(1, 2) PNYX_PRINTF(2, 3);
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap) PNYX_NONNULL(1, 2)
    PNYX_PRINTF(2, 0);

/* Registers fn(ptr) to run when the arena is freed (LIFO order). Use it to
 * adopt foreign objects, e.g. arena_defer(a, json_decref_cb, j). */
void arena_defer(struct arena *a, void (*fn)(void *), void *ptr) PNYX_NONNULL(1, 2);

/* Bytes handed out so far (for metrics/limits). */
size_t arena_used(const struct arena *a) PNYX_NONNULL(1);

/* Heap helpers that abort with a message instead of returning NULL. */
void *pnyx_xmalloc(size_t n) PNYX_MALLOC;
void *pnyx_xcalloc(size_t nmemb, size_t size) PNYX_MALLOC;
void *pnyx_xrealloc(void *p, size_t n);
char *pnyx_xstrdup(const char *s) PNYX_MALLOC;

#endif /* PNYX_PLATFORM_ARENA_H */
