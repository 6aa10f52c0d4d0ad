/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/test_schulze.c — Schulze (ELECTION-FORMAT.md §7): the textbook
 * 45-voter example, the random tie example, the ballot reading rules, the
 * pnyx_schulze_* cases, and properties over thousands of seeded random
 * elections (the Condorcet winner is elected whenever one exists; the order
 * of the ballots does not change anything).
 */
#include <criterion/criterion.h>

#include "core/tally/tally_schulze_int.h"
#include "stage_helpers.h"

/* The 45-voter example of §7 built through the builder API. */
static void textbook(struct tally_election *e)
{
    tally_election_init(e);
    e->method = TALLY_SCHULZE;
    stage_letters(e, 5);
    stage_add(e, 5, NULL, "", "A C B E D");
    stage_add(e, 5, NULL, "", "A D E C B");
    stage_add(e, 8, NULL, "", "B E D A C");
    stage_add(e, 3, NULL, "", "C A B E D");
    stage_add(e, 7, NULL, "", "C A E B D");
    stage_add(e, 2, NULL, "", "C B A D E");
    stage_add(e, 7, NULL, "", "D C E B A");
    stage_add(e, 8, NULL, "", "E B A D C");
}

static void expect_row(const struct tally_election *e, const struct tally_dec *m, const char *x,
                       const char *ys, const int *want)
{
    char buf[64];
    for (size_t i = 0; ys[i] != '\0'; i++) {
        char y[2] = {ys[i], '\0'};
        stage_cell(m, e->n_options, stage_id(e, x), stage_id(e, y), buf, sizeof buf);
        cr_expect_eq(atoi(buf), want[i], "[%s][%s] = %s, want %d", x, y, buf, want[i]);
        cr_expect_eq(strchr(buf, '.'), NULL);
    }
}

static void expect_ranking(const struct tally_election *e, const struct tally_result *r,
                           const char *want)
{
    char buf[64];
    cr_assert_eq(r->schulze.n_ranking, strlen(want));
    for (size_t i = 0; i < r->schulze.n_ranking; i++) {
        cr_expect_eq(stage_name(e, r->schulze.ranking[i], buf, sizeof buf)[0], want[i],
                     "place %zu: %s, want %c", i + 1, buf, want[i]);
    }
}

Test(schulze, textbook_45_voters)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    textbook(&e);
    e.seats = 2;
    cr_assert_eq(stage_run_schulze(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    expect_row(&e, r.schulze.pairwise, "A", "BCDE", (const int[]){20, 26, 30, 22});
    expect_row(&e, r.schulze.strongest, "E", "ABCD", (const int[]){25, 28, 28, 31});
    expect_ranking(&e, &r, "EACBD");
    cr_expect_eq(r.schulze.condorcet_winner, TALLY_NONE);
    cr_assert_eq(r.n_winners, 2);
    cr_expect_eq(r.winners[0], stage_id(&e, "E"));
    cr_expect_eq(r.winners[1], stage_id(&e, "A"));
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(schulze, random_tie_example)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    tally_election_init(&e);
    e.method = TALLY_SCHULZE;
    e.rules.tiebreak = TALLY_TB_RANDOM;
    e.rules.random_seed = 12345;
    stage_letters(&e, 5);
    stage_add(&e, 1, NULL, "", "A B C");
    stage_add(&e, 1, NULL, "", "B C A");
    stage_add(&e, 1, NULL, "", "C A B");
    cr_assert_eq(stage_run_schulze(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    expect_ranking(&e, &r, "BCAED");
    cr_assert_eq(r.n_winners, 1);
    cr_expect_eq(r.winners[0], stage_id(&e, "B"));
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(schulze, order_tie_unlisted_is_an_error)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    tally_election_init(&e);
    e.method = TALLY_SCHULZE;
    stage_letters(&e, 3);
    tally_rules_add_tiebreak_order(&e, stage_id(&e, "C"));
    stage_add(&e, 1, NULL, "", "A B C");
    stage_add(&e, 1, NULL, "", "B A C");
    /* A, B tied on top, neither listed */
    cr_expect_eq(stage_run_schulze(&e, &ctx, &r, &err), TALLY_ETIE);
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

Test(schulze, reading_rules)
{
    struct tally_election e;
    uint32_t pos[5];
    uint8_t excl[5] = {0, 0, 0, 0, 1}; /* E excluded */

    tally_election_init(&e);
    e.method = TALLY_SCHULZE;
    stage_letters(&e, 5);
    stage_add(&e, 1, NULL, "", "[A,B] - C");
    stage_add(&e, 1, NULL, "", "C A C");
    stage_add(&e, 1, NULL, "", "[] E [E,D] B");
    /* A = B > C, D unranked */
    cr_expect_eq(tally_schulze_read(&e, excl, &e.entries[0], pos), 3);
    cr_expect_eq(pos[0], pos[1]);
    cr_expect_lt(pos[1], pos[2]);
    cr_expect_eq(pos[3], UINT32_MAX);
    /* C > A > everything else: the repeat of C is ignored */
    cr_expect_eq(tally_schulze_read(&e, excl, &e.entries[1], pos), 2);
    cr_expect_lt(pos[2], pos[0]);
    cr_expect_eq(pos[1], UINT32_MAX);
    /* [] and excluded E dropped: D > B */
    cr_expect_eq(tally_schulze_read(&e, excl, &e.entries[2], pos), 2);
    cr_expect_lt(pos[3], pos[1]);
    cr_expect_eq(pos[4], UINT32_MAX);
    tally_election_fini(&e);
}

Test(schulze, rules_that_must_keep_defaults)
{
    struct tally_election e;
    struct tally_error err;

    tally_election_init(&e);
    e.method = TALLY_SCHULZE;
    stage_letters(&e, 2);
    cr_expect_eq(tally_schulze_check_rules(&e, &err), TALLY_OK);
    e.rules.tiebreak = TALLY_TB_PREV_RANDOM;
    cr_expect_eq(tally_schulze_check_rules(&e, &err), TALLY_EINVAL);
    cr_expect_str_eq(err.reason, "method schulze breaks ties by tiebreak order or random only");
    e.rules.tiebreak = TALLY_TB_RANDOM;
    e.rules.batch_elimination = true;
    cr_expect_eq(tally_schulze_check_rules(&e, &err), TALLY_EINVAL);
    e.rules.batch_elimination = false;
    e.rules.quota = TALLY_QUOTA_HARE;
    cr_expect_eq(tally_schulze_check_rules(&e, &err), TALLY_EINVAL);
    e.rules.quota = TALLY_QUOTA_DROOP;
    /* accepted without effect */
    e.rules.overvote = TALLY_OV_SKIP;
    e.rules.max_skipped_ranks = 0;
    e.rules.exhaust_on_duplicate = true;
    cr_expect_eq(tally_schulze_check_rules(&e, &err), TALLY_OK);
    tally_election_fini(&e);
}

Test(schulze, all_excluded_is_an_error)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    tally_election_init(&e);
    e.method = TALLY_SCHULZE;
    stage_letters(&e, 2);
    tally_rules_add_excluded(&e, 0);
    tally_rules_add_excluded(&e, 1);
    stage_add(&e, 1, NULL, "", "A B");
    cr_expect_eq(stage_run_schulze(&e, &ctx, &r, &err), TALLY_EINVAL);
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}

/* ---- the shared pnyx_schulze_* cases, through the direct pipeline ---- */

static void run_case(const char *name)
{
    struct tally_election e;
    struct tally_ctx ctx;
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
    memset(&err, 0, sizeof err);
    rc = stage_run_schulze(&e, &ctx, &r, &err);
    if (json_is_true(json_object_get(exp, "error"))) {
        cr_expect_neq(rc, TALLY_OK, "%s: expected an error", name);
        cr_expect_str_eq(err.reason, json_string_value(json_object_get(exp, "reason")));
    } else {
        cr_assert_eq(rc, TALLY_OK, "%s: %s", name, err.reason);
        cr_expect(stage_check(&e, &r, exp, false, why, sizeof why), "%s: %s", name, why);
    }
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
    json_decref(root);
}

Test(schulze_cases, classic)
{
    run_case("pnyx_schulze_classic");
}
Test(schulze_cases, condorcet)
{
    run_case("pnyx_schulze_condorcet");
}
Test(schulze_cases, tie_order)
{
    run_case("pnyx_schulze_tie_order");
}
Test(schulze_cases, tie_random)
{
    run_case("pnyx_schulze_tie_random");
}
Test(schulze_cases, double_majority)
{
    run_case("pnyx_schulze_double_majority");
}
Test(schulze_cases, error_tiebreak)
{
    run_case("pnyx_error_schulze_tiebreak");
}

/* ---- properties over seeded random elections ---- */

struct rballot {
    char spec[96];
    uint64_t count;
    const char *weight;
};

/* A random ballot over n options: a random order, truncated, with some ties,
 * skips and repeats. */
static void random_ballot(uint64_t *s, size_t n, struct rballot *b)
{
    static const char *weights[] = {NULL, NULL, NULL, "0.5", "2", "1.25", "0.3333"};
    uint32_t perm[26];
    size_t len, p = 0;

    for (size_t i = 0; i < n; i++) {
        perm[i] = (uint32_t)i;
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = stage_below(s, (uint32_t)i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    len = stage_below(s, (uint32_t)n + 1);
    b->spec[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        uint32_t roll = stage_below(s, 20);
        if (roll == 0) {
            p += (size_t)snprintf(b->spec + p, sizeof b->spec - p, "- ");
        }
        if (roll == 1 && i + 1 < len) {
            p += (size_t)snprintf(b->spec + p, sizeof b->spec - p, "[%c,%c] ",
                                  (char)('A' + perm[i]), (char)('A' + perm[i + 1]));
            i++;
        } else if (roll == 2 && i > 0) {
            p += (size_t)snprintf(b->spec + p, sizeof b->spec - p, "%c %c ", (char)('A' + perm[i]),
                                  (char)('A' + perm[i - 1]));
        } else {
            p += (size_t)snprintf(b->spec + p, sizeof b->spec - p, "%c ", (char)('A' + perm[i]));
        }
    }
    b->count = 1 + stage_below(s, 5);
    b->weight = weights[stage_below(s, 7)];
}

static void build_random(struct tally_election *e, size_t n, const struct rballot *bs, size_t nb,
                         const size_t *order, bool random_tb, int64_t seed)
{
    tally_election_init(e);
    e->method = TALLY_SCHULZE;
    e->seats = 2;
    if (random_tb) {
        e->rules.tiebreak = TALLY_TB_RANDOM;
        e->rules.random_seed = seed;
    }
    stage_letters(e, n);
    for (size_t i = 0; i < nb; i++) {
        const struct rballot *b = &bs[order != NULL ? order[i] : i];
        stage_add(e, b->count, b->weight, "", b->spec);
    }
}

Test(schulze_props, condorcet_winner_wins_and_order_is_irrelevant)
{
    uint64_t s = 0x5eed2026;
    size_t with_cw = 0;

    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 2 + stage_below(&s, 6), nb = 1 + stage_below(&s, 40);
        struct rballot bs[40];
        size_t order[40];
        struct tally_election e1, e2;
        struct tally_ctx c1, c2;
        struct tally_result r1, r2;
        struct tally_error err;
        bool random_tb = stage_below(&s, 2) == 0;

        for (size_t i = 0; i < nb; i++) {
            random_ballot(&s, n, &bs[i]);
            order[i] = nb - 1 - i;
        }
        for (size_t i = nb; i > 1; i--) {
            size_t j = stage_below(&s, (uint32_t)i), t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        build_random(&e1, n, bs, nb, NULL, random_tb, (int64_t)iter);
        build_random(&e2, n, bs, nb, order, random_tb, (int64_t)iter);
        cr_assert_eq(stage_run_schulze(&e1, &c1, &r1, &err), TALLY_OK, "%s", err.reason);
        cr_assert_eq(stage_run_schulze(&e2, &c2, &r2, &err), TALLY_OK, "%s", err.reason);

        if (r1.schulze.condorcet_winner != TALLY_NONE) {
            with_cw++;
            cr_assert_eq(r1.winners[0], r1.schulze.condorcet_winner, "iteration %d", iter);
        }
        /* same ranking, same matrices, whatever the order of the ballots */
        cr_assert_eq(r1.schulze.n_ranking, r2.schulze.n_ranking);
        cr_assert_eq(
            memcmp(r1.schulze.ranking, r2.schulze.ranking, r1.schulze.n_ranking * sizeof(uint32_t)),
            0, "iteration %d", iter);
        for (size_t i = 0; i < n * n; i++) {
            cr_assert_eq(tally_dec_cmp(&r1.schulze.pairwise[i], &r2.schulze.pairwise[i]), 0);
            cr_assert_eq(tally_dec_cmp(&r1.schulze.strongest[i], &r2.schulze.strongest[i]), 0);
        }
        cr_assert_eq(r1.schulze.condorcet_winner, r2.schulze.condorcet_winner);
        /* p is Schulze's strict order: the first place beats-or-ties all */
        for (size_t i = 1; i < r1.schulze.n_ranking; i++) {
            size_t a = r1.schulze.ranking[0], b = r1.schulze.ranking[i];
            cr_assert_geq(
                tally_dec_cmp(&r1.schulze.strongest[a * n + b], &r1.schulze.strongest[b * n + a]),
                0);
        }
        stage_result_free(&r1);
        stage_result_free(&r2);
        stage_ctx_free(&c1);
        stage_ctx_free(&c2);
        tally_election_fini(&e1);
        tally_election_fini(&e2);
    }
    cr_expect_gt(with_cw, 1000, "only %zu elections had a Condorcet winner", with_cw);
}

/* ---- a slow, obviously-correct Schulze written separately ---- */

/* Rank index of o's first appearance in entry en (excluded ids dropped),
 * or -1 if unranked. */
static long naive_pos(const struct tally_election *e, const uint8_t *excl,
                      const struct tally_entry *en, uint32_t o)
{
    if (excl[o]) {
        return -1;
    }
    for (uint32_t r = 0; r < en->n_ranks; r++) {
        const struct tally_rank *rk = &e->ranks_pool[en->rank_off + r];
        if (rk->n == TALLY_RANK_SKIPPED) {
            continue;
        }
        for (uint32_t j = 0; j < rk->n; j++) {
            if (e->ids_pool[rk->off + j] == o) {
                return (long)r;
            }
        }
    }
    return -1;
}

/* d, then p, then the ranking with the order tie-break (option order). */
static void naive_schulze(const struct tally_ctx *ctx, tally_i128 *d, tally_i128 *p,
                          uint32_t *ranking, size_t *nr)
{
    const struct tally_election *e = ctx->e;
    size_t n = e->n_options;
    uint8_t in_r[32];

    memset(d, 0, n * n * sizeof *d);
    for (size_t i = 0; i < e->n_entries; i++) {
        const struct tally_entry *en = &e->entries[i];
        tally_i128 v = (tally_i128)en->count * ctx->weight[i];
        for (uint32_t x = 0; x < n; x++) {
            for (uint32_t y = 0; y < n; y++) {
                long px = naive_pos(e, ctx->excluded, en, x);
                long py = naive_pos(e, ctx->excluded, en, y);
                if (x != y && px >= 0 && (py < 0 || px < py)) {
                    d[x * n + y] += v;
                }
            }
        }
    }
    for (size_t x = 0; x < n; x++) {
        for (size_t y = 0; y < n; y++) {
            p[x * n + y] = x != y && d[x * n + y] > d[y * n + x] ? d[x * n + y] : 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            for (size_t k = 0; k < n; k++) {
                if (i != j && k != i && k != j && !ctx->excluded[i] && !ctx->excluded[j] &&
                    !ctx->excluded[k]) {
                    tally_i128 m = p[j * n + i] < p[i * n + k] ? p[j * n + i] : p[i * n + k];
                    p[j * n + k] = p[j * n + k] > m ? p[j * n + k] : m;
                }
            }
        }
    }
    *nr = 0;
    for (size_t x = 0; x < n; x++) {
        in_r[x] = !ctx->excluded[x];
    }
    for (;;) {
        uint32_t pick = TALLY_NONE;
        for (uint32_t x = 0; x < n && pick == TALLY_NONE; x++) {
            bool unbeaten = in_r[x];
            for (uint32_t y = 0; y < n && unbeaten; y++) {
                if (in_r[y] && y != x && p[y * n + x] > p[x * n + y]) {
                    unbeaten = false;
                }
            }
            if (unbeaten) {
                pick = x; /* the first in option order = earliest listed */
            }
        }
        if (pick == TALLY_NONE) {
            break;
        }
        ranking[(*nr)++] = pick;
        in_r[pick] = 0;
    }
}

Test(schulze_props, equals_slow_reference)
{
    uint64_t s = 0xabcdef;

    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 2 + stage_below(&s, 7), nb = 1 + stage_below(&s, 30), nr;
        struct rballot bs[30];
        struct tally_election e;
        struct tally_ctx c;
        struct tally_result r;
        struct tally_error err;
        tally_i128 d[81], p[81];
        uint32_t ranking[9];

        for (size_t i = 0; i < nb; i++) {
            random_ballot(&s, n, &bs[i]);
        }
        build_random(&e, n, bs, nb, NULL, false, 0);
        if (stage_below(&s, 3) == 0) {
            tally_rules_add_excluded(&e, stage_below(&s, (uint32_t)n));
        }
        cr_assert_eq(stage_run_schulze(&e, &c, &r, &err), TALLY_OK, "%s", err.reason);
        naive_schulze(&c, d, p, ranking, &nr);
        for (size_t x = 0; x < n; x++) {
            for (size_t y = 0; y < n; y++) {
                if (x == y || c.excluded[x] || c.excluded[y]) {
                    continue;
                }
                cr_assert(tally_dec_cmp(&r.schulze.pairwise[x * n + y],
                                        &(struct tally_dec){d[x * n + y], 4}) == 0,
                          "iteration %d d[%zu][%zu]", iter, x, y);
                cr_assert(tally_dec_cmp(&r.schulze.strongest[x * n + y],
                                        &(struct tally_dec){p[x * n + y], 4}) == 0,
                          "iteration %d p[%zu][%zu]", iter, x, y);
            }
        }
        cr_assert_eq(r.schulze.n_ranking, nr);
        cr_assert_eq(memcmp(r.schulze.ranking, ranking, nr * sizeof *ranking), 0, "iteration %d",
                     iter);
        stage_result_free(&r);
        stage_ctx_free(&c);
        tally_election_fini(&e);
    }
}

Test(schulze, edges_no_ballots_one_option_more_seats_than_options)
{
    struct tally_election e;
    struct tally_ctx ctx;
    struct tally_result r;
    struct tally_error err;

    /* no ballots: everything tied, order gives option order, nobody beats
     * anybody head to head */
    tally_election_init(&e);
    e.method = TALLY_SCHULZE;
    e.seats = 5;
    stage_letters(&e, 3);
    cr_assert_eq(stage_run_schulze(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    expect_ranking(&e, &r, "ABC");
    cr_expect_eq(r.n_winners, 3); /* fewer than seats: only 3 options */
    cr_expect_eq(r.schulze.condorcet_winner, TALLY_NONE);
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);

    /* one option left after exclusion: it is the ranking and, having no
     * one to lose to, the Condorcet winner */
    tally_election_init(&e);
    e.method = TALLY_SCHULZE;
    stage_letters(&e, 3);
    tally_rules_add_excluded(&e, 0);
    tally_rules_add_excluded(&e, 2);
    stage_add(&e, 2, NULL, "DE", "A C B");
    stage_add(&e, 1, NULL, "DE", "");
    cr_assert_eq(stage_run_schulze(&e, &ctx, &r, &err), TALLY_OK, "%s", err.reason);
    expect_ranking(&e, &r, "B");
    cr_expect_eq(r.schulze.condorcet_winner, 1);
    /* first preferences: B alone on top once A and C are dropped; excluded
     * options are not keys */
    cr_expect(!r.by_country[0].first_present[0]);
    cr_expect(r.by_country[0].first_present[1]);
    cr_expect(!r.by_country[0].first_present[2]);
    cr_expect(r.by_country[0].first[1].units == 2 && r.by_country[0].first[1].scale == 0);
    stage_result_free(&r);
    stage_ctx_free(&ctx);
    tally_election_fini(&e);
}
