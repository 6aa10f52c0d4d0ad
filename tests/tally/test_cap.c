/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/test_cap.c — the country cap (ELECTION-FORMAT.md §4): the
 * worked examples (cap 0.35, the 0.2 equal-shares fallback, k × cap = 1),
 * truncation errors, the pnyx_cap_* cases' factors, and the property that a
 * cap of 1 changes nothing.
 */
#include <criterion/criterion.h>

#include "t2_helpers.h"

/* Apply the cap of e directly; returns the status. */
static int apply(const struct tally_election *e, struct tally_ctx *ctx, struct tally_result *r,
                 struct tally_error *err)
{
    t2_ctx_build(e, ctx);
    t2_result_skeleton(ctx, r);
    memset(err, 0, sizeof *err);
    return tally_cap_apply(ctx, r, err);
}

static void expect_factor(const struct tally_result *r, const char *cc, const char *want)
{
    char buf[64];
    for (size_t i = 0; i < r->country_cap.n; i++) {
        if (r->country_cap.countries[i] == TALLY_COUNTRY(cc[0], cc[1])) {
            tally_dec_format(&r->country_cap.factors[i], buf, sizeof buf);
            cr_expect_str_eq(buf, want, "factor %s", cc);
            return;
        }
    }
    cr_expect_fail("no factor for %s", cc);
}

/* Countries with counts, one one-option ballot entry each (plus extras). */
static void countries(struct tally_election *e, const char *cap, const char *const *cc,
                      const uint64_t *counts, size_t k)
{
    tally_election_init(e);
    t2_letters(e, 2);
    e->rules.has_country_cap = true;
    e->rules.country_cap = t2_dec(cap);
    for (size_t i = 0; i < k; i++) {
        t2_add(e, counts[i], NULL, cc[i], "A B");
    }
}

Test(cap, iterative_example_035)
{
    static const char *const cc[] = {"DE", "FR", "IT", "ES"};
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;
    char buf[64];

    countries(&e, "0.35", cc, (const uint64_t[]){49, 30, 12, 8}, 4);
    t2_add(&e, 1, "0.5", "DE", "B"); /* DE: 50 ballots, one of weight 0.5 */
    cr_assert_eq(apply(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    cr_assert(r.country_cap.present);
    cr_assert_eq(r.country_cap.n, 4);
    /* sorted by code */
    cr_expect_eq(r.country_cap.countries[0], TALLY_COUNTRY('D', 'E'));
    cr_expect_eq(r.country_cap.countries[1], TALLY_COUNTRY('E', 'S'));
    cr_expect_eq(r.country_cap.countries[2], TALLY_COUNTRY('F', 'R'));
    cr_expect_eq(r.country_cap.countries[3], TALLY_COUNTRY('I', 'T'));
    expect_factor(&r, "DE", "0.4666");
    expect_factor(&r, "ES", "1");
    expect_factor(&r, "FR", "0.7777");
    expect_factor(&r, "IT", "1");
    tally_dec_format(&r.country_cap.cap, buf, sizeof buf);
    cr_expect_str_eq(buf, "0.35");
    /* weights: DE 1 → 0.4666, DE 0.5 → trunc(0.2333) = 0.2333, ES 1 */
    cr_expect(ctx.weight[0] == 4666);
    cr_expect(ctx.weight[4] == 2333);
    cr_expect(ctx.weight[3] == 10000);
    cr_expect(ctx.weight[1] == 7777);
    t2_result_free(&r);
    t2_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(cap, equal_shares_fallback_02)
{
    static const char *const cc[] = {"DE", "FR", "IT", "PT"};
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    countries(&e, "0.2", cc, (const uint64_t[]){40, 30, 20, 10}, 4);
    cr_assert_eq(apply(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    expect_factor(&r, "DE", "0.625");
    expect_factor(&r, "FR", "0.8333");
    expect_factor(&r, "IT", "1.25");
    expect_factor(&r, "PT", "2.5");
    cr_expect(ctx.weight[3] == 25000); /* small countries grow */
    t2_result_free(&r);
    t2_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(cap, k_times_cap_equal_to_one)
{
    /* 4 × 0.25 = 1: the iteration settles with equal shares of 10 (< T/k) */
    static const char *const cc[] = {"DE", "FR", "IT", "PT"};
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    countries(&e, "0.25", cc, (const uint64_t[]){40, 30, 20, 10}, 4);
    cr_assert_eq(apply(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    expect_factor(&r, "DE", "0.25");
    expect_factor(&r, "FR", "0.3333");
    expect_factor(&r, "IT", "0.5");
    expect_factor(&r, "PT", "1");
    t2_result_free(&r);
    t2_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(cap, zz_is_a_country_like_any_other)
{
    static const char *const cc[] = {"ZZ", "FR"};
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    countries(&e, "0.5", cc, (const uint64_t[]){30, 10}, 2);
    cr_assert_eq(apply(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    /* total' = 40, limit 20: ZZ joins; total' = 10/0.5 = 20: factor 10/30 */
    expect_factor(&r, "ZZ", "0.3333");
    expect_factor(&r, "FR", "1");
    t2_result_free(&r);
    t2_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(cap, factor_truncating_to_zero_is_an_error)
{
    static const char *const cc[] = {"DE", "AT", "BE", "CZ", "DK", "EE",
                                     "FI", "GR", "HU", "IE", "LT"};
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    /* d = 1: DE's factor 0.1 × (10 / 0.9) / 10000 = 0.000111 → 0 */
    countries(&e, "0.1", cc, (const uint64_t[]){10000, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 11);
    e.rules.decimal_places = 1;
    cr_expect_eq(apply(&e, &ctx, &r, &err), TALLY_EINVAL);
    cr_expect_neq(strstr(err.reason, "DE"), NULL, "%s", err.reason);
    t2_result_free(&r);
    t2_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(cap, weight_truncating_to_zero_is_an_error)
{
    static const char *const cc[] = {"DE", "FR"};
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    countries(&e, "0.5", cc, (const uint64_t[]){29, 10}, 2);
    t2_add(&e, 1, "0.0001", "DE", "B"); /* 0.0001 × 0.3333 → 0 */
    cr_expect_eq(apply(&e, &ctx, &r, &err), TALLY_EINVAL);
    cr_expect_eq(err.entry, 2);
    cr_expect_str_eq(err.reason, "ballot 3: its weight truncates to 0 under the country cap");
    t2_result_free(&r);
    t2_ctx_free(&ctx);
    tally_election_fini(&e);
}

/* ---- the pnyx_cap_* cases: factors (the count itself is T1's) ---- */

static void cap_case(const char *name)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;
    char why[256];
    json_t *root = t2_load_case(name, &e, why, sizeof why), *only;

    if (root == NULL) {
        cr_skip_test("%s", why);
    }
    cr_assert_eq(apply(&e, &ctx, &r, &err), TALLY_OK, "%s: %s", name, err.reason);
    only = json_pack("{sO}", "country_cap",
                     json_object_get(json_object_get(root, "expected"), "country_cap"));
    cr_expect(t2_check(&e, &r, only, false, why, sizeof why), "%s: %s", name, why);
    json_decref(only);
    t2_result_free(&r);
    t2_ctx_free(&ctx);
    tally_election_fini(&e);
    json_decref(root);
}

Test(cap_cases, iterative)
{
    cap_case("pnyx_cap_iterative");
}
Test(cap_cases, equal_fallback)
{
    cap_case("pnyx_cap_equal_fallback");
}
Test(cap_cases, one)
{
    cap_case("pnyx_cap_one");
}

/* ---- property: a cap of 1 changes nothing ---- */

Test(cap_props, cap_one_changes_nothing, .timeout = 120)
{
    static const char *const pool[] = {"DE", "FR", "IT", "PL", "ES", "ZZ", "SE", "NL"};
    static const char *const weights[] = {NULL, NULL, "0.5", "1.5", "0.0001", "3"};
    uint64_t s = 0xca9;

    for (int iter = 0; iter < 3000; iter++) {
        struct tally_election e;
        struct tally_ctx ctx;
        struct tally_result r;
        struct tally_error err;
        size_t nb = 1 + t2_below(&s, 30);
        tally_i128 before[32];

        tally_election_init(&e);
        t2_letters(&e, 3);
        e.rules.has_country_cap = true;
        e.rules.country_cap = t2_dec("1");
        e.rules.decimal_places = 4 + (int64_t)t2_below(&s, 6);
        for (size_t i = 0; i < nb; i++) {
            t2_add(&e, 1 + t2_below(&s, 1000), weights[t2_below(&s, 6)], pool[t2_below(&s, 8)],
                   "A B");
        }
        t2_ctx_build(&e, &ctx);
        for (size_t i = 0; i < ctx.n_entries; i++) {
            before[i] = ctx.weight[i];
        }
        t2_result_skeleton(&ctx, &r);
        cr_assert_eq(tally_cap_apply(&ctx, &r, &err), TALLY_OK, "%s", err.reason);
        for (size_t c = 0; c < r.country_cap.n; c++) {
            cr_assert(r.country_cap.factors[c].units == 1 && r.country_cap.factors[c].scale == 0);
        }
        for (size_t i = 0; i < ctx.n_entries; i++) {
            cr_assert(before[i] == ctx.weight[i]);
        }
        t2_result_free(&r);
        t2_ctx_free(&ctx);
        tally_election_fini(&e);
    }
}

/* Random caps: no capped country holds more than cap × total (of counts,
 * before truncation of weights), and the factors are ≤ 1 unless the
 * fallback applies. */
Test(cap_props, capped_shares_hold, .timeout = 120)
{
    static const char *const pool[] = {"DE", "FR", "IT", "PL", "ES", "ZZ", "SE", "NL"};
    uint64_t s = 0xcafe;

    for (int iter = 0; iter < 3000; iter++) {
        struct tally_election e;
        struct tally_ctx ctx;
        struct tally_result r;
        struct tally_error err;
        size_t nb = 1 + t2_below(&s, 30);
        char cap[16];
        uint32_t a = 1 + t2_below(&s, 100);
        tally_i128 held[8], total = 0;
        bool fallback;

        snprintf(cap, sizeof cap, "%u.%02u", a / 100, a % 100);
        tally_election_init(&e);
        t2_letters(&e, 2);
        e.rules.has_country_cap = true;
        e.rules.country_cap = t2_dec(cap);
        for (size_t i = 0; i < nb; i++) {
            t2_add(&e, 1 + t2_below(&s, 200), NULL, pool[t2_below(&s, 8)], "A");
        }
        cr_assert_eq(apply(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
        fallback = ctx.n_countries * a < 100;
        memset(held, 0, sizeof held);
        for (size_t i = 0; i < ctx.n_entries; i++) {
            held[ctx.entry_country[i]] += (tally_i128)e.entries[i].count * ctx.weight[i];
        }
        for (size_t c = 0; c < ctx.n_countries; c++) {
            total += held[c];
        }
        for (size_t c = 0; c < ctx.n_countries; c++) {
            if (!fallback) {
                /* held_c ≤ cap × total (values after truncation) */
                cr_assert(held[c] * 100 <= (tally_i128)a * total + 100 * 10000,
                          "iteration %d country %zu", iter, c);
                cr_assert_leq(tally_dec_cmp(&r.country_cap.factors[c], &(struct tally_dec){1, 0}),
                              0);
            }
        }
        t2_result_free(&r);
        t2_ctx_free(&ctx);
        tally_election_fini(&e);
    }
}
