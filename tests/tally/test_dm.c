/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/test_dm.c — the double majority (ELECTION-FORMAT.md §8.2): the
 * pnyx_double_majority_* cases (met and not met) against IRV rounds taken
 * from the cases' expected results, the IRV and Schulze readings, the
 * runner-up rules (last round, fallback to the latest eliminations, ties),
 * the exact share test, and the refusals.
 */
#include <criterion/criterion.h>

#include "stage_helpers.h"

/* An IRV result skeleton with rounds given as tallies ("A=3 B=2") and
 * eliminations ("C"); winners as a string of letters. */
struct fake_round {
    const char *tally;
    const char *eliminated;
};

static void fake_irv(const struct tally_election *e, const struct tally_ctx *ctx,
                     struct tally_result *r, const char *winners, const struct fake_round *fr,
                     size_t nr)
{
    size_t n = e->n_options;

    stage_result_skeleton(ctx, r);
    r->n_winners = strlen(winners);
    r->winners = calloc(r->n_winners + 1, sizeof *r->winners);
    for (size_t i = 0; i < r->n_winners; i++) {
        char id[2] = {winners[i], '\0'};
        r->winners[i] = stage_id(e, id);
    }
    r->n_rounds = nr;
    r->rounds = calloc(nr, sizeof *r->rounds);
    for (size_t k = 0; k < nr; k++) {
        struct tally_round *rd = &r->rounds[k];
        const char *p = fr[k].tally;
        rd->round = (uint32_t)k + 1;
        rd->tally = calloc(n, sizeof *rd->tally);
        rd->present = calloc(n, 1);
        rd->eliminated = calloc(n + 1, sizeof *rd->eliminated);
        while (*p != '\0') {
            char id[2] = {p[0], '\0'};
            uint32_t o = stage_id(e, id);
            rd->present[o] = 1;
            rd->tally[o] = tally_dec_int(strtol(p + 2, (char **)&p, 10));
            while (*p == ' ') {
                p++;
            }
        }
        for (const char *q = fr[k].eliminated; *q != '\0'; q++) {
            char id[2] = {*q, '\0'};
            rd->eliminated[rd->n_eliminated++] = stage_id(e, id);
        }
    }
}

static void fake_free(struct tally_result *r)
{
    for (size_t k = 0; k < r->n_rounds; k++) {
        free(r->rounds[k].tally);
        free(r->rounds[k].present);
        free(r->rounds[k].eliminated);
    }
    free(r->rounds);
    r->rounds = NULL;
    r->n_rounds = 0;
    stage_result_free(r);
}

/* Rounds from a case's expected result (tallies may be decimals). */
static void rounds_from_json(const struct tally_election *e, const json_t *exp,
                             struct tally_result *r)
{
    const json_t *rounds = json_object_get(exp, "rounds"), *w = json_object_get(exp, "winners");
    size_t n = e->n_options, i;
    json_t *v;

    r->n_winners = json_array_size(w);
    r->winners = calloc(r->n_winners + 1, sizeof *r->winners);
    json_array_foreach(w, i, v)
    {
        r->winners[i] = stage_id(e, json_string_value(v));
    }
    r->n_rounds = json_array_size(rounds);
    r->rounds = calloc(r->n_rounds + 1, sizeof *r->rounds);
    json_array_foreach(rounds, i, v)
    {
        struct tally_round *rd = &r->rounds[i];
        const char *key;
        json_t *x;
        size_t j;
        rd->tally = calloc(n, sizeof *rd->tally);
        rd->present = calloc(n, 1);
        rd->eliminated = calloc(n + 1, sizeof *rd->eliminated);
        json_object_foreach(json_object_get(v, "tally"), key, x)
        {
            uint32_t o = stage_id(e, key);
            rd->present[o] = 1;
            cr_assert_eq(stage_json_dec(x, &rd->tally[o]), TALLY_OK);
        }
        json_array_foreach(json_object_get(v, "eliminated"), j, x)
        {
            rd->eliminated[rd->n_eliminated++] = stage_id(e, json_string_value(x));
        }
    }
}

static void dm_case(const char *name)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;
    char why[256];
    json_t *root = stage_load_case(name, &e, why, sizeof why), *only;
    const json_t *exp;

    if (root == NULL) {
        cr_assert(!stage_ci(), "shared cases missing under CI: %s", why);
        cr_skip_test("%s", why);
    }
    exp = json_object_get(root, "expected");
    stage_ctx_build(&e, &ctx);
    stage_result_skeleton(&ctx, &r);
    rounds_from_json(&e, exp, &r);
    memset(&err, 0, sizeof err);
    cr_assert_eq(tally_dm_compute(&ctx, &r, &err), TALLY_OK, "%s: %s", name, err.reason);
    only = json_pack("{sO}", "double_majority", json_object_get(exp, "double_majority"));
    cr_expect(stage_check(&e, &r, only, false, why, sizeof why), "%s: %s", name, why);
    json_decref(only);
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
    json_decref(root);
}

Test(dm_cases, met)
{
    dm_case("pnyx_double_majority_met");
}
Test(dm_cases, not_met)
{
    dm_case("pnyx_double_majority_not_met");
}

Test(dm_cases, error_stv)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;
    char why[256];
    json_t *root = stage_load_case("pnyx_error_double_majority_stv", &e, why, sizeof why);

    if (root == NULL) {
        cr_assert(!stage_ci(), "shared cases missing under CI: %s", why);
        cr_skip_test("%s", why);
    }
    stage_ctx_build(&e, &ctx);
    stage_result_skeleton(&ctx, &r);
    cr_expect_eq(tally_dm_compute(&ctx, &r, &err), TALLY_EINVAL);
    cr_expect_str_eq(err.reason, json_string_value(
                                     json_object_get(json_object_get(root, "expected"), "reason")));
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
    json_decref(root);
}

/* The election used by the unit tests below: IRV, A B C D, DM share 0.5. */
static void base(struct tally_election *e, const char *share)
{
    tally_election_init(e);
    stage_letters(e, 4);
    e->rules.has_double_majority = true;
    e->rules.min_country_share = stage_dec(share);
}

static const struct tally_dm *run_dm(struct tally_election *e, struct tally_ctx *ctx,
                                     struct tally_result *r, const char *winners,
                                     const struct fake_round *fr, size_t nr)
{
    struct tally_error err;
    stage_ctx_build(e, ctx);
    fake_irv(e, ctx, r, winners, fr, nr);
    cr_assert_eq(tally_dm_compute(ctx, r, &err), TALLY_OK, "%s", err.reason);
    return &r->double_majority;
}

static void expect_sums(const struct tally_dm *dm, const char *cc, const char *w, const char *ru)
{
    char a[64], b[64];
    for (size_t i = 0; i < dm->n; i++) {
        if (dm->countries[i] == TALLY_COUNTRY(cc[0], cc[1])) {
            tally_dec_format(&dm->winner_value[i], a, sizeof a);
            tally_dec_format(&dm->runner_up_value[i], b, sizeof b);
            cr_expect_str_eq(a, w, "%s winner", cc);
            cr_expect_str_eq(b, ru, "%s runner-up", cc);
            return;
        }
    }
    cr_expect_fail("%s not considered", cc);
}

Test(dm, irv_reading_ignores_overvote_ranks)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    const struct fake_round fr[] = {{"A=20 B=10", ""}};
    const struct tally_dm *dm;

    base(&e, "0.5");
    stage_add(&e, 3, NULL, "DE", "[A,C] B"); /* B above A */
    stage_add(&e, 4, NULL, "DE", "C");       /* nothing */
    stage_add(&e, 5, NULL, "DE", "A - B");   /* A above B */
    stage_add(&e, 2, NULL, "DE", "[A,B] A"); /* A at rank 2, B unranked: A above B */
    stage_add(&e, 1, "0.5", "DE", "D B");    /* B above unranked A */
    dm = run_dm(&e, &ctx, &r, "A", fr, 1);
    cr_expect_eq(dm->winner, 0);
    cr_expect_eq(dm->runner_up, 1);
    cr_expect_eq(dm->considered, 1);
    expect_sums(dm, "DE", "7", "3.5");
    cr_expect_eq(dm->carried, 1);
    cr_expect(dm->met);
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(dm, considered_countries_and_exact_share)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    const struct fake_round fr[] = {{"A=50 B=40", ""}};
    const struct tally_dm *dm;

    base(&e, "0.6667");
    stage_add(&e, 10, NULL, "DE", "A B"); /* carried */
    stage_add(&e, 6, NULL, "FR", "A B");  /* carried */
    stage_add(&e, 5, NULL, "FR", "B A");
    stage_add(&e, 5, NULL, "IT", "A B"); /* tie 5:5, not carried */
    stage_add(&e, 5, NULL, "IT", "B A");
    stage_add(&e, 9, NULL, "PL", "B A");  /* 9 ballots: not considered */
    stage_add(&e, 50, NULL, "ZZ", "B A"); /* ZZ: never considered */
    stage_add(&e, 1, NULL, "SE", "");     /* blank */
    stage_add(&e, 9, NULL, "SE", "C");    /* SE has 10 ballots: considered, 0:0 */
    dm = run_dm(&e, &ctx, &r, "A", fr, 1);
    cr_expect_eq(dm->considered, 4);
    cr_expect_eq(dm->n, 4);
    cr_expect_eq(dm->carried, 2);
    expect_sums(dm, "IT", "5", "5");
    expect_sums(dm, "SE", "0", "0");
    /* 2 ≥ 0.6667 × 4 = 2.6668? no */
    cr_expect(!dm->met);
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);

    base(&e, "0.5");
    stage_add(&e, 10, NULL, "DE", "A B");
    stage_add(&e, 10, NULL, "FR", "B A");
    dm = run_dm(&e, &ctx, &r, "A", fr, 1);
    cr_expect_eq(dm->carried, 1);
    cr_expect(dm->met); /* 1 ≥ 0.5 × 2 exactly */
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(dm, runner_up_from_latest_eliminations_with_ties)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    const struct tally_dm *dm;
    /* round 3 shows only the winner; round 2 eliminated C and D together
     * (tied at 3 there); round 1 breaks the tie: D had more. */
    const struct fake_round fr[] = {{"A=5 B=1 C=3 D=4", "B"}, {"A=5 C=3 D=3", "CD"}, {"A=11", ""}};

    base(&e, "0.5");
    stage_add(&e, 10, NULL, "DE", "D A");
    dm = run_dm(&e, &ctx, &r, "A", fr, 3);
    cr_expect_eq(dm->runner_up, 3);
    expect_sums(dm, "DE", "0", "10");
    cr_expect(!dm->met);
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(dm, runner_up_tie_in_last_round_then_option_order)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    const struct tally_dm *dm;
    const struct fake_round fr1[] = {{"A=9 B=2 C=3 D=3", ""}};
    const struct fake_round fr2[] = {{"A=9 B=2 C=4 D=3", ""}, {"A=9 C=3 D=3", ""}};

    base(&e, "0.5");
    stage_add(&e, 10, NULL, "DE", "A B");
    dm = run_dm(&e, &ctx, &r, "A", fr1, 1);
    cr_expect_eq(dm->runner_up, 2); /* C, D tied, no earlier round: option order */
    fake_free(&r);
    stage_ctx_free(&ctx);
    dm = run_dm(&e, &ctx, &r, "A", fr2, 2);
    cr_expect_eq(dm->runner_up, 2); /* C had more in round 1 */
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(dm, no_winner_or_runner_up_is_not_met)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    const struct tally_dm *dm;
    const struct fake_round fr[] = {{"A=10 B=0", ""}};
    const struct fake_round solo[] = {{"A=10", ""}};

    base(&e, "0.5");
    stage_add(&e, 10, NULL, "DE", "A B");
    dm = run_dm(&e, &ctx, &r, "", fr, 1); /* nobody elected (stopped early) */
    cr_expect_eq(dm->winner, TALLY_NONE);
    cr_expect_eq(dm->considered, 0);
    cr_expect(!dm->met);
    cr_expect_eq(dm->n, 0);
    fake_free(&r);
    stage_ctx_free(&ctx);
    dm = run_dm(&e, &ctx, &r, "A", solo, 1); /* nobody else, nobody eliminated */
    cr_expect_eq(dm->winner, 0);
    cr_expect_eq(dm->runner_up, TALLY_NONE);
    cr_expect(!dm->met);
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(dm, uwi_is_never_the_runner_up)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    const struct tally_dm *dm;
    const struct fake_round fr[] = {{"A=10 B=2 D=5", ""}};

    base(&e, "0.5");
    e.rules.undeclared_write_in = 3; /* D */
    stage_add(&e, 10, NULL, "DE", "A B");
    dm = run_dm(&e, &ctx, &r, "A", fr, 1);
    cr_expect_eq(dm->runner_up, 1);
    fake_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(dm, schulze_reading_keeps_ties)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    base(&e, "1");
    e.method = TALLY_SCHULZE;
    stage_add(&e, 6, NULL, "DE", "A B C");
    stage_add(&e, 5, NULL, "DE", "[A,B] C"); /* tied: not compared */
    stage_add(&e, 4, NULL, "DE", "B - A");
    stage_add(&e, 3, NULL, "DE", "C B"); /* B above unranked A */
    cr_assert_eq(stage_run_schulze(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    /* B beats A 7:6 head to head (the tie counts for neither) */
    cr_expect_eq(r.double_majority.winner, 1);
    cr_expect_eq(r.double_majority.runner_up, 0);
    expect_sums(&r.double_majority, "DE", "7", "6");
    cr_expect_eq(r.double_majority.carried, 1);
    cr_expect(r.double_majority.met); /* 1 ≥ 1 × 1 */
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(dm, refusals)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    base(&e, "0.5");
    e.seats = 2;
    e.rules.winner_mode = TALLY_WM_BOTTOMS_UP;
    stage_add(&e, 1, NULL, "DE", "A");
    stage_ctx_build(&e, &ctx);
    stage_result_skeleton(&ctx, &r);
    cr_expect_eq(tally_dm_compute(&ctx, &r, &err), TALLY_EINVAL);
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);

    base(&e, "0.5");
    stage_add(&e, 1, NULL, "", "A");
    stage_ctx_build(&e, &ctx);
    stage_result_skeleton(&ctx, &r);
    cr_expect_eq(tally_dm_compute(&ctx, &r, &err), TALLY_EINVAL);
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}
