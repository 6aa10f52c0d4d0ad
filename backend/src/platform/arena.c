/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/arena.c — bump allocator over a list of blocks; deferred
 * cleanups run LIFO at arena_free. Invariant: every pointer handed out stays
 * valid until arena_free. In debug mode (ASan builds or PNYX_ARENA_DEBUG)
 * each allocation is its own malloc so the sanitizer sees every byte.
 */
#include "platform/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if PNYX_HAVE_ASAN && !defined(PNYX_ARENA_DEBUG)
#define PNYX_ARENA_DEBUG 1
#endif

/* Why 4 KiB: one page; a typical request (ids, a decoded body, a reply)
 * fits in one or two blocks, and idle memory stays small. Allocations larger
 * than a quarter block get a block of their own so slack stays bounded. */
#define ARENA_BLOCK_SIZE 4096u
#define ARENA_ALIGN      alignof(max_align_t)

struct arena_block {
    struct arena_block *next;
    size_t cap;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct arena_defer {
    struct arena_defer *next;
    void (*fn)(void *);
    void *ptr;
};

struct arena {
    struct arena_block *head;
    struct arena_defer *defers;
    size_t used;
};

static PNYX_NORETURN void oom(size_t n)
{
    /* Nothing sensible can continue without memory; abort like palloc. */
    fprintf(stderr, "{\"level\":\"error\",\"msg\":\"out of memory allocating %zu bytes\"}\n", n);
    abort();
}

void *pnyx_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *pnyx_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *pnyx_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *pnyx_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = pnyx_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

static struct arena_block *block_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(struct arena_block))
        oom(cap);
    struct arena_block *b = pnyx_xmalloc(sizeof(*b) + cap);
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

struct arena *arena_new(void)
{
    struct arena *a = pnyx_xcalloc(1, sizeof(*a));
    return a;
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    while (a->defers) {
        struct arena_defer *d = a->defers;
        a->defers = d->next;
        d->fn(d->ptr);
    }
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

static size_t align_up(size_t n)
{
    if (n > SIZE_MAX - ARENA_ALIGN)
        oom(n);
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = align_up(n ? n : 1);
    a->used += need;
#ifdef PNYX_ARENA_DEBUG
    struct arena_block *own = block_new(need);
    own->used = need;
    own->next = a->head;
    a->head = own;
    return own->data;
#else
    struct arena_block *b = a->head;
    if (b && b->cap - b->used >= need) {
        void *p = b->data + b->used;
        b->used += need;
        return p;
    }
    if (need > ARENA_BLOCK_SIZE / 4) {
        /* Big allocation: own block, linked behind the current one so the
         * current block's free space is still used by later small ones. */
        struct arena_block *own = block_new(need);
        own->used = need;
        if (b) {
            own->next = b->next;
            b->next = own;
        } else {
            a->head = own;
        }
        return own->data;
    }
    struct arena_block *nb = block_new(ARENA_BLOCK_SIZE - sizeof(struct arena_block));
    nb->next = b;
    a->head = nb;
    nb->used = need;
    return nb->data;
#endif
}

void *arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        oom(SIZE_MAX);
    void *p = arena_alloc(a, nmemb * size);
    memset(p, 0, nmemb * size);
    return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    if (!s)
        return NULL;
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void arena_defer(struct arena *a, void (*fn)(void *), void *ptr)
{
    struct arena_defer *d = arena_alloc(a, sizeof(*d));
    d->fn = fn;
    d->ptr = ptr;
    d->next = a->defers;
    a->defers = d;
}

size_t arena_used(const struct arena *a)
{
    return a->used;
}
