/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unit tests for platform/arena: alignment, growth, big blocks, strings,
 * deferred cleanups in LIFO order; and log_json_escape. */
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "platform/arena.h"
#include "platform/log.h"

Test(arena, allocations_are_aligned_and_distinct)
{
    struct arena *a = arena_new();
    char *prev = NULL;
    for (size_t n = 0; n < 5000; n += 7) {
        char *p = arena_alloc(a, n);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, 0xAB, n);
        cr_assert_neq(p, prev);
        prev = p;
    }
    cr_assert_geq(arena_used(a), 5000u);
    arena_free(a);
}

Test(arena, big_allocation_keeps_small_ones_valid)
{
    struct arena *a = arena_new();
    char *small = arena_strdup(a, "hello");
    char *big = arena_alloc(a, 1 << 20);
    memset(big, 1, 1 << 20);
    char *small2 = arena_strdup(a, "world");
    cr_assert_str_eq(small, "hello");
    cr_assert_str_eq(small2, "world");
    arena_free(a);
}

Test(arena, strings_and_printf)
{
    struct arena *a = arena_new();
    cr_assert_str_eq(arena_strndup(a, "abcdef", 3), "abc");
    cr_assert_str_eq(arena_strndup(a, "ab", 10), "ab");
    cr_assert_null(arena_strdup(a, NULL));
    cr_assert_str_eq(arena_printf(a, "%d-%s", 42, "x"), "42-x");
    char *calloced = arena_calloc(a, 10, 10);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(calloced[i], 0);
    unsigned char bytes[3] = {1, 2, 3};
    unsigned char *d = arena_memdup(a, bytes, 3);
    cr_assert_eq(d[2], 3);
    arena_free(a);
}

static int order[4];
static int norder;
static void record(void *p)
{
    order[norder++] = (int)(intptr_t)p;
}

Test(arena, defer_runs_lifo_at_free)
{
    struct arena *a = arena_new();
    arena_defer(a, record, (void *)1);
    arena_defer(a, record, (void *)2);
    arena_defer(a, record, (void *)3);
    cr_assert_eq(norder, 0);
    arena_free(a);
    cr_assert_eq(norder, 3);
    cr_assert_eq(order[0], 3);
    cr_assert_eq(order[1], 2);
    cr_assert_eq(order[2], 1);
    arena_free(NULL);
}

Test(log, json_escape)
{
    char buf[64];
    log_json_escape(buf, sizeof buf, "a\"b\\c\nd\x01");
    cr_assert_str_eq(buf, "a\\\"b\\\\c\\nd\\u0001");
    /* Truncation never splits an escape or a UTF-8 sequence. */
    char small[6];
    log_json_escape(small, sizeof small, "ab\"cd");
    cr_assert_str_eq(small, "ab\\\"c");
    char utf[5];
    log_json_escape(utf, sizeof utf, "ab\xc3\xa9z");
    cr_assert(strcmp(utf, "ab\xc3\xa9") == 0 || strcmp(utf, "ab") == 0, "%s", utf);
}

Test(log, level_parse)
{
    enum log_level l;
    cr_assert_eq(log_level_parse("debug", &l), 0);
    cr_assert_eq(l, PNYX_LOG_DEBUG);
    cr_assert_eq(log_level_parse("warn", &l), 0);
    cr_assert_eq(l, PNYX_LOG_WARN);
    cr_assert_eq(log_level_parse("loud", &l), -1);
}
