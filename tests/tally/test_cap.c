/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/test_cap.c — the country cap (ELECTION-FORMAT.md §4): the
 * worked examples (cap 0.35, the 0.2 equal-shares fallback, k × cap = 1),
 * truncation errors, the pnyx_cap_* cases' factors, and the property that a
 * cap of 1 changes nothing.
 */
#include <criterion/criterion.h>

#include "stage_helpers.h"

/* Apply the cap of e directly; returns the status. */
static int apply(const struct tally_election *e, struct tally_ctx *ctx, struct tally_result *r,
                 struct tally_error *err)
{
    stage_ctx_build(e, ctx);
    stage_result_skeleton(ctx, r);
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
    stage_letters(e, 2);
    e->rules.has_country_cap = true;
    e->rules.country_cap = stage_dec(cap);
    for (size_t i = 0; i < k; i++) {
        stage_add(e, counts[i], NULL, cc[i], "A B");
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
    stage_add(&e, 1, "0.5", "DE", "B"); /* DE: 50 ballots, one of weight 0.5 */
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
    stage_result_free(&r);
    stage_ctx_free(&ctx);
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
    stage_result_free(&r);
    stage_ctx_free(&ctx);
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
    stage_result_free(&r);
    stage_ctx_free(&ctx);
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
    stage_result_free(&r);
    stage_ctx_free(&ctx);
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
    stage_result_free(&r);
    stage_ctx_free(&ctx);
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
    stage_add(&e, 1, "0.0001", "DE", "B"); /* 0.0001 × 0.3333 → 0 */
    cr_expect_eq(apply(&e, &ctx, &r, &err), TALLY_EINVAL);
    cr_expect_eq(err.entry, 2);
    cr_expect_str_eq(err.reason, "ballot 3: its weight truncates to 0 under the country cap");
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

/* ---- the pnyx_cap_* cases: factors (the count itself is tally_rcv.c's) ---- */

static void cap_case(const char *name)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;
    char why[256];
    json_t *root = stage_load_case(name, &e, why, sizeof why), *only;

    if (root == NULL) {
        cr_assert(!stage_ci(), "shared cases missing under CI: %s", why);
        cr_skip_test("%s", why);
    }
    cr_assert_eq(apply(&e, &ctx, &r, &err), TALLY_OK, "%s: %s", name, err.reason);
    only = json_pack("{sO}", "country_cap",
                     json_object_get(json_object_get(root, "expected"), "country_cap"));
    cr_expect(stage_check(&e, &r, only, false, why, sizeof why), "%s: %s", name, why);
    json_decref(only);
    stage_result_free(&r);
    stage_ctx_free(&ctx);
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

Test(cap_props, cap_one_changes_nothing)
{
    static const char *const pool[] = {"DE", "FR", "IT", "PL", "ES", "ZZ", "SE", "NL"};
    static const char *const weights[] = {NULL, NULL, "0.5", "1.5", "0.0001", "3"};
    uint64_t s = 0xca9;

    for (int iter = 0; iter < 3000; iter++) {
        struct tally_election e;
        struct tally_ctx ctx;
        struct tally_result r;
        struct tally_error err;
        size_t nb = 1 + stage_below(&s, 30);
        tally_i128 before[32];

        tally_election_init(&e);
        stage_letters(&e, 3);
        e.rules.has_country_cap = true;
        e.rules.country_cap = stage_dec("1");
        e.rules.decimal_places = 4 + (int64_t)stage_below(&s, 6);
        for (size_t i = 0; i < nb; i++) {
            stage_add(&e, 1 + stage_below(&s, 1000), weights[stage_below(&s, 6)],
                      pool[stage_below(&s, 8)], "A B");
        }
        stage_ctx_build(&e, &ctx);
        for (size_t i = 0; i < ctx.n_entries; i++) {
            before[i] = ctx.weight[i];
        }
        stage_result_skeleton(&ctx, &r);
        cr_assert_eq(tally_cap_apply(&ctx, &r, &err), TALLY_OK, "%s", err.reason);
        for (size_t c = 0; c < r.country_cap.n; c++) {
            cr_assert(r.country_cap.factors[c].units == 1 && r.country_cap.factors[c].scale == 0);
        }
        for (size_t i = 0; i < ctx.n_entries; i++) {
            cr_assert(before[i] == ctx.weight[i]);
        }
        stage_result_free(&r);
        stage_ctx_free(&ctx);
        tally_election_fini(&e);
    }
}

/* Random caps: no capped country holds more than cap × total (of counts,
 * before truncation of weights), and the factors are ≤ 1 unless the
 * fallback applies. */
Test(cap_props, capped_shares_hold)
{
    static const char *const pool[] = {"DE", "FR", "IT", "PL", "ES", "ZZ", "SE", "NL"};
    uint64_t s = 0xcafe;

    for (int iter = 0; iter < 3000; iter++) {
        struct tally_election e;
        struct tally_ctx ctx;
        struct tally_result r;
        struct tally_error err;
        size_t nb = 1 + stage_below(&s, 30);
        char cap[16];
        uint32_t a = 1 + stage_below(&s, 100);
        tally_i128 held[8], total = 0;
        bool fallback;

        snprintf(cap, sizeof cap, "%u.%02u", a / 100, a % 100);
        tally_election_init(&e);
        stage_letters(&e, 2);
        e.rules.has_country_cap = true;
        e.rules.country_cap = stage_dec(cap);
        for (size_t i = 0; i < nb; i++) {
            stage_add(&e, 1 + stage_below(&s, 200), NULL, pool[stage_below(&s, 8)], "A");
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
        stage_result_free(&r);
        stage_ctx_free(&ctx);
        tally_election_fini(&e);
    }
}

/* ---- end to end through tally_run (the whole pipeline, cap included) ---- */

static void e2e_case(const char *name)
{
    struct tally_election e;
    struct tally_result r;
    struct tally_error err;
    char why[256];
    json_t *root = stage_load_case(name, &e, why, sizeof why);
    const json_t *exp;
    int rc;

    if (root == NULL) {
        cr_assert(!stage_ci(), "shared cases missing under CI: %s", why);
        cr_skip_test("%s", why);
    }
    exp = json_object_get(root, "expected");
    rc = tally_run(&e, &r, &err);
    if (json_is_true(json_object_get(exp, "error"))) {
        cr_expect_neq(rc, TALLY_OK, "%s: expected an error", name);
        cr_expect_str_eq(err.reason, json_string_value(json_object_get(exp, "reason")), "%s", name);
    } else {
        cr_assert_eq(rc, TALLY_OK, "%s: %s", name, err.reason);
        cr_expect(stage_check(&e, &r, exp, true, why, sizeof why), "%s: %s", name, why);
        tally_result_fini(&r);
    }
    tally_election_fini(&e);
    json_decref(root);
}

Test(e2e_cases, pnyx_t2_cases)
{
    static const char *const names[] = {
        "pnyx_cap_iterative",
        "pnyx_cap_equal_fallback",
        "pnyx_cap_one",
        "pnyx_double_majority_met",
        "pnyx_double_majority_not_met",
        "pnyx_schulze_classic",
        "pnyx_schulze_condorcet",
        "pnyx_schulze_tie_order",
        "pnyx_schulze_tie_random",
        "pnyx_schulze_double_majority",
        "pnyx_error_schulze_tiebreak",
        "pnyx_error_double_majority_stv",
        "pnyx_error_country_missing",
        "pnyx_error_weight_places",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        e2e_case(names[i]);
    }
}

/* Two results are identical in every reported figure. */
static void expect_same_result(const struct tally_result *a, const struct tally_result *b, int iter)
{
    size_t n = a->n_options;
    cr_assert_eq(a->n_winners, b->n_winners, "iteration %d", iter);
    cr_assert_eq(memcmp(a->winners, b->winners, a->n_winners * sizeof *a->winners), 0,
                 "iteration %d", iter);
    cr_assert_eq(a->n_rounds, b->n_rounds, "iteration %d", iter);
    for (size_t k = 0; k < a->n_rounds; k++) {
        const struct tally_round *x = &a->rounds[k], *y = &b->rounds[k];
        cr_assert_eq(memcmp(x->present, y->present, n), 0);
        for (size_t o = 0; o < n; o++) {
            cr_assert_eq(tally_dec_cmp(&x->tally[o], &y->tally[o]), 0, "iteration %d", iter);
        }
        cr_assert_eq(tally_dec_cmp(&x->threshold, &y->threshold), 0);
        cr_assert_eq(x->n_elected, y->n_elected);
        cr_assert_eq(x->n_eliminated, y->n_eliminated);
        cr_assert_eq(tally_dec_cmp(&x->exhausted, &y->exhausted), 0);
        cr_assert_eq(x->n_transfers, y->n_transfers);
        for (size_t t = 0; t < x->n_transfers; t++) {
            cr_assert_eq(x->transfers[t].from, y->transfers[t].from);
            cr_assert_eq(x->transfers[t].to, y->transfers[t].to);
            cr_assert_eq(tally_dec_cmp(&x->transfers[t].value, &y->transfers[t].value), 0);
        }
    }
    cr_assert_eq(a->schulze.present, b->schulze.present);
    if (a->schulze.present) {
        cr_assert_eq(
            memcmp(a->schulze.ranking, b->schulze.ranking, a->schulze.n_ranking * sizeof(uint32_t)),
            0);
        for (size_t i = 0; i < n * n; i++) {
            cr_assert_eq(tally_dec_cmp(&a->schulze.pairwise[i], &b->schulze.pairwise[i]), 0);
            cr_assert_eq(tally_dec_cmp(&a->schulze.strongest[i], &b->schulze.strongest[i]), 0);
        }
    }
    cr_assert_eq(a->n_by_country, b->n_by_country);
    for (size_t c = 0; c < a->n_by_country; c++) {
        cr_assert_eq(tally_dec_cmp(&a->by_country[c].value, &b->by_country[c].value), 0);
        for (size_t o = 0; o < n; o++) {
            cr_assert_eq(tally_dec_cmp(&a->by_country[c].first[o], &b->by_country[c].first[o]), 0);
        }
    }
}

Test(cap_props, cap_one_changes_no_count)
{
    static const char *const pool[] = {"DE", "FR", "IT", "PL", "ZZ"};
    static const char *const weights[] = {NULL, NULL, NULL, "0.5", "1.5"};
    uint64_t s = 0x0ca91;

    for (int iter = 0; iter < 1500; iter++) {
        struct tally_election e1, e2;
        struct tally_result r1, r2;
        struct tally_error err;
        size_t n = 2 + stage_below(&s, 4), nb = 1 + stage_below(&s, 25);
        int method = (int)stage_below(&s, 3);

        for (int pass = 0; pass < 2; pass++) {
            struct tally_election *e = pass == 0 ? &e1 : &e2;
            uint64_t s2 = s;
            tally_election_init(e);
            stage_letters(e, n);
            e->method = method == 0 ? TALLY_IRV : method == 1 ? TALLY_STV : TALLY_SCHULZE;
            e->seats = method == 1 && n > 2 ? 2 : 1;
            if (pass == 1) {
                e->rules.has_country_cap = true;
                e->rules.country_cap = stage_dec("1");
            }
            for (size_t i = 0; i < nb; i++) {
                char spec[32];
                size_t p = 0, len = 1 + stage_below(&s2, (uint32_t)n);
                uint32_t start = stage_below(&s2, (uint32_t)n);
                for (size_t j = 0; j < len; j++) {
                    p += (size_t)snprintf(spec + p, sizeof spec - p, "%c ",
                                          (char)('A' + (start + j * 7) % n));
                }
                stage_add(e, 1 + stage_below(&s2, 9), weights[stage_below(&s2, 5)],
                          pool[stage_below(&s2, 5)], spec);
            }
            if (pass == 1) {
                s = s2;
            }
        }
        cr_assert_eq(tally_run(&e1, &r1, &err), TALLY_OK, "%s", err.reason);
        cr_assert_eq(tally_run(&e2, &r2, &err), TALLY_OK, "%s", err.reason);
        cr_assert(r2.country_cap.present);
        expect_same_result(&r1, &r2, iter);
        tally_result_fini(&r1);
        tally_result_fini(&r2);
        tally_election_fini(&e1);
        tally_election_fini(&e2);
    }
}
