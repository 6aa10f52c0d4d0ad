/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/stage_helpers.h — test-only helpers for the tests of the
 * optional stages (Schulze, cap, double majority): a small Jansson loader for
 * pnyx-election/1 files built through the tally builder API, a direct
 * context builder (what tally_run prepares before calling the stages' entry
 * points), a seeded PRNG for property tests, and comparison helpers. Static functions: each test
 * binary includes this once.
 */
#ifndef PNYX_TESTS_TALLY_STAGE_HELPERS_H
#define PNYX_TESTS_TALLY_STAGE_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/tally/tally_int.h"

/* ------------------------------------------------------------------ */
/* Shared folder                                                        */

static inline const char *stage_shared_dir(void)
{
    static char buf[1024];
    const char *d = getenv("PNYX_SHARED_DIR");
    const char *tail = "tests/tally/stage_helpers.h";
    const char *file = __FILE__;
    size_t n = strlen(file), t = strlen(tail);

    if (d != NULL && d[0] != '\0') {
        return d;
    }
    /* default: <repo>/../shared, the repo found from this header's path */
    if (n >= t && strcmp(file + n - t, tail) == 0) {
        snprintf(buf, sizeof buf, "%.*s../shared", (int)(n - t), file);
    } else {
        snprintf(buf, sizeof buf, "../shared");
    }
    return buf;
}

/* Under CI=true a missing shared folder is a failure, elsewhere a skip. */
static inline bool stage_ci(void)
{
    const char *ci = getenv("CI");
    return ci != NULL && strcmp(ci, "true") == 0;
}

/* ------------------------------------------------------------------ */
/* Decimal helpers                                                      */

static inline struct tally_dec stage_dec(const char *s)
{
    struct tally_dec d = {0, 0};
    if (tally_dec_parse(s, strlen(s), &d) != TALLY_OK) {
        fprintf(stderr, "stage_dec: bad decimal %s\n", s);
        abort();
    }
    return d;
}

static inline int stage_json_dec(const json_t *v, struct tally_dec *out)
{
    char buf[64];
    if (json_is_string(v)) {
        return tally_dec_parse(json_string_value(v), json_string_length(v), out);
    }
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return tally_dec_parse(buf, strlen(buf), out);
    }
    if (json_is_real(v)) {
        /* expected numbers in cases: print with enough digits, then parse */
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        return tally_dec_parse_number(buf, strlen(buf), out);
    }
    return TALLY_EINVAL;
}

/* Does the dec equal the expected JSON number/string exactly? JSON reals
 * are compared through their shortest text (the cases hold at most 20
 * significant digits; Jansson keeps doubles, so compare as text too). */
static inline bool stage_dec_eq_json(const struct tally_dec *d, const json_t *v)
{
    char got[64];
    if (tally_dec_format(d, got, sizeof got) < 0) {
        return false;
    }
    if (json_is_string(v)) {
        return strcmp(got, json_string_value(v)) == 0;
    }
    if (json_is_integer(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return strcmp(got, buf) == 0;
    }
    if (json_is_real(v)) {
        /* shortest round-trip text of the double vs the decimal parsed to a
         * double: exact when the case's decimal has ≤ 15 significant digits */
        double x = json_real_value(v), y = strtod(got, NULL);
        return x == y;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Loader                                                               */

static inline uint32_t stage_opt(const struct tally_election *e, const json_t *s)
{
    if (!json_is_string(s)) {
        return TALLY_NONE;
    }
    return tally_election_find_option(e, json_string_value(s), json_string_length(s));
}

/* Fill e (initialised by the caller) from a pnyx-election/1 object. Returns
 * 0, or -1 with why filled (test-only: not every §9 check is here). */
static inline int stage_load_json(const json_t *root, struct tally_election *e, char *why,
                                  size_t cap)
{
    const json_t *v, *rules, *ballots, *opts;
    size_t i;
    struct tally_error err;

    memset(&err, 0, sizeof err);
    v = json_object_get(root, "method");
    if (v != NULL) {
        const char *m = json_string_value(v);
        e->method = strcmp(m, "stv") == 0       ? TALLY_STV
                    : strcmp(m, "schulze") == 0 ? TALLY_SCHULZE
                                                : TALLY_IRV;
    }
    v = json_object_get(root, "seats");
    if (v != NULL) {
        e->seats = (int64_t)json_integer_value(v);
    }
    opts = json_object_get(root, "options");
    json_array_foreach(opts, i, v)
    {
        if (tally_election_add_option(e, json_string_value(v), json_string_length(v), &err) !=
            TALLY_OK) {
            snprintf(why, cap, "%s", err.reason);
            return -1;
        }
    }
    rules = json_object_get(root, "rules");
    if (json_is_object(rules)) {
        const char *key;
        json_t *rv;
        json_object_foreach((json_t *)rules, key, rv)
        {
            struct tally_rules *r = &e->rules;
            const char *sv = json_is_string(rv) ? json_string_value(rv) : "";
            if (key[0] == '_' || strncmp(key, "rctab_", 6) == 0) {
                continue;
            } else if (strcmp(key, "overvote") == 0) {
                r->overvote = strcmp(sv, "skip") == 0      ? TALLY_OV_SKIP
                              : strcmp(sv, "exhaust") == 0 ? TALLY_OV_EXHAUST
                                                           : TALLY_OV_EXHAUST_IF_MULTIPLE;
            } else if (strcmp(key, "max_skipped_ranks") == 0) {
                r->max_skipped_ranks = json_is_null(rv) ? -1 : json_integer_value(rv);
            } else if (strcmp(key, "exhaust_on_duplicate") == 0) {
                r->exhaust_on_duplicate = json_is_true(rv);
            } else if (strcmp(key, "max_rankings") == 0) {
                r->max_rankings = json_is_null(rv) ? -1 : json_integer_value(rv);
            } else if (strcmp(key, "excluded") == 0) {
                size_t j;
                json_t *x;
                json_array_foreach(rv, j, x)
                {
                    tally_rules_add_excluded(e, stage_opt(e, x));
                }
            } else if (strcmp(key, "undeclared_write_in") == 0) {
                r->undeclared_write_in = json_is_null(rv) ? TALLY_NONE : stage_opt(e, rv);
            } else if (strcmp(key, "batch_elimination") == 0) {
                r->batch_elimination = json_is_true(rv);
            } else if (strcmp(key, "continue_until_two") == 0) {
                r->continue_until_two = json_is_true(rv);
            } else if (strcmp(key, "first_round_determines_threshold") == 0) {
                r->first_round_determines_threshold = json_is_true(rv);
            } else if (strcmp(key, "stop_after_round") == 0) {
                r->stop_after_round = json_is_null(rv) ? -1 : json_integer_value(rv);
            } else if (strcmp(key, "tiebreak") == 0) {
                r->tiebreak = strcmp(sv, "order") == 0    ? TALLY_TB_ORDER
                              : strcmp(sv, "random") == 0 ? TALLY_TB_RANDOM
                              : strcmp(sv, "previous_rounds_then_random") == 0
                                  ? TALLY_TB_PREV_RANDOM
                              : strcmp(sv, "previous_rounds_then_ask") == 0 ? TALLY_TB_PREV_ASK
                                                                            : TALLY_TB_ASK;
            } else if (strcmp(key, "tiebreak_order") == 0) {
                size_t j;
                json_t *x;
                if (json_is_array(rv)) {
                    r->has_tiebreak_order = true;
                    json_array_foreach(rv, j, x)
                    {
                        tally_rules_add_tiebreak_order(e, stage_opt(e, x));
                    }
                }
            } else if (strcmp(key, "random_seed") == 0) {
                r->random_seed = json_integer_value(rv);
            } else if (strcmp(key, "winner_mode") == 0) {
                r->winner_mode = strcmp(sv, "standard") == 0        ? TALLY_WM_STANDARD
                                 : strcmp(sv, "one_per_round") == 0 ? TALLY_WM_ONE_PER_ROUND
                                 : strcmp(sv, "bottoms_up") == 0    ? TALLY_WM_BOTTOMS_UP
                                 : strcmp(sv, "multi_pass") == 0    ? TALLY_WM_MULTI_PASS
                                                                 : TALLY_WM_BOTTOMS_UP_PERCENTAGE;
            } else if (strcmp(key, "quota") == 0) {
                r->quota = strcmp(sv, "hare") == 0 ? TALLY_QUOTA_HARE : TALLY_QUOTA_DROOP;
            } else if (strcmp(key, "non_integer_threshold") == 0) {
                r->non_integer_threshold = json_is_true(rv);
            } else if (strcmp(key, "decimal_places") == 0) {
                r->decimal_places = json_integer_value(rv);
            } else if (strcmp(key, "bottoms_up_percentage") == 0) {
                if (!json_is_null(rv)) {
                    r->has_bottoms_up_percentage = true;
                    stage_json_dec(rv, &r->bottoms_up_percentage);
                }
            } else if (strcmp(key, "cutoff_elimination") == 0) {
                r->cutoff_elimination = json_is_true(rv);
            } else if (strcmp(key, "country_cap") == 0) {
                if (!json_is_null(rv)) {
                    r->has_country_cap = true;
                    stage_json_dec(rv, &r->country_cap);
                }
            } else if (strcmp(key, "double_majority") == 0) {
                if (!json_is_null(rv)) {
                    r->has_double_majority = true;
                    stage_json_dec(json_object_get(rv, "min_country_share"), &r->min_country_share);
                }
            } else if (strcmp(key, "rules_id") == 0) {
                if (json_is_string(rv)) {
                    tally_rules_set_rules_id(e, json_string_value(rv), json_string_length(rv));
                }
            } else {
                snprintf(why, cap, "unknown rule %s", key);
                return -1;
            }
        }
    }
    ballots = json_object_get(root, "ballots");
    json_array_foreach(ballots, i, v)
    {
        const json_t *rk = json_object_get(v, "ranking"), *m, *c, *w;
        size_t j;
        uint64_t count = 1;
        uint16_t country = TALLY_COUNTRY_NONE;
        struct tally_dec wd, *wp = NULL;

        json_array_foreach(rk, j, m)
        {
            if (json_is_null(m)) {
                tally_election_skip(e);
            } else if (json_is_string(m)) {
                tally_election_mark_open(e);
                tally_election_mark_add(e, stage_opt(e, m));
                tally_election_mark_close(e);
            } else {
                size_t q;
                json_t *x;
                tally_election_mark_open(e);
                json_array_foreach(m, q, x)
                {
                    tally_election_mark_add(e, stage_opt(e, x));
                }
                tally_election_mark_close(e);
            }
        }
        c = json_object_get(v, "count");
        if (json_is_integer(c)) {
            count = (uint64_t)json_integer_value(c);
        }
        c = json_object_get(v, "country");
        if (json_is_string(c) && json_string_length(c) == 2) {
            const char *s = json_string_value(c);
            country = TALLY_COUNTRY(s[0], s[1]);
        }
        w = json_object_get(v, "weight");
        if (w != NULL && !json_is_null(w)) {
            if (stage_json_dec(w, &wd) != TALLY_OK) {
                tally_election_discard_entry(e);
                snprintf(why, cap, "ballot %zu: bad weight", i + 1);
                return -1;
            }
            wp = &wd;
        }
        if (tally_election_add_entry(e, count, wp, country, &err) != TALLY_OK) {
            snprintf(why, cap, "%s", err.reason);
            return -1;
        }
    }
    return 0;
}

/* Load a case file; returns the root (caller decrefs) or NULL. */
static inline json_t *stage_load_case(const char *name, struct tally_election *e, char *why,
                                      size_t cap)
{
    char path[1024];
    json_error_t jerr;
    json_t *root;

    if (snprintf(path, sizeof path, "%s/tally-cases/%s.json", stage_shared_dir(), name) >=
        (int)sizeof path) {
        snprintf(why, cap, "path too long");
        return NULL;
    }
    root = json_load_file(path, 0, &jerr);
    if (root == NULL) {
        if (snprintf(why, cap, "%s: %s", path, jerr.text) >= (int)cap) {
            why[cap - 1] = '\0'; /* truncated message is fine */
        }
        return NULL;
    }
    tally_election_init(e);
    if (stage_load_json(root, e, why, cap) != 0) {
        json_decref(root);
        tally_election_fini(e);
        return NULL;
    }
    return root;
}

/* ------------------------------------------------------------------ */
/* Direct context (what tally_run prepares for the stages)              */

struct stage_ctx {
    struct tally_ctx c;
};

static inline int stage_cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Build ctx for e: weights at d, excluded flags, countries sorted. */
static inline void stage_ctx_build(const struct tally_election *e, struct tally_ctx *ctx)
{
    size_t n = e->n_options, ne = e->n_entries;

    memset(ctx, 0, sizeof *ctx);
    ctx->e = e;
    ctx->d = (uint32_t)e->rules.decimal_places;
    ctx->one = (tally_i128)tally_pow10(ctx->d);
    ctx->n = n;
    ctx->n_entries = ne;
    ctx->weight = calloc(ne + 1, sizeof *ctx->weight);
    ctx->excluded = calloc(n + 1, 1);
    ctx->countries = calloc(ne + 1, sizeof *ctx->countries);
    ctx->country_count = calloc(ne + 1, sizeof *ctx->country_count);
    ctx->entry_country = calloc(ne + 1, sizeof *ctx->entry_country);
    for (size_t i = 0; i < e->rules.n_excluded; i++) {
        ctx->excluded[e->rules.excluded[i]] = 1;
    }
    for (size_t i = 0; i < ne; i++) {
        struct tally_dec w;
        if (tally_dec_rescale(e->weights[e->entries[i].weight], ctx->d, &w) != TALLY_OK) {
            abort();
        }
        ctx->weight[i] = w.units;
        if (e->entries[i].count > 0 && w.units != ctx->one) {
            ctx->weighted = true;
        }
    }
    for (size_t i = 0; i < ne; i++) {
        uint16_t c = e->entries[i].country;
        bool seen = false;
        if (c == TALLY_COUNTRY_NONE || e->entries[i].count == 0) {
            continue;
        }
        for (size_t k = 0; k < ctx->n_countries && !seen; k++) {
            seen = ctx->countries[k] == c;
        }
        if (!seen) {
            ctx->countries[ctx->n_countries++] = c;
        }
    }
    qsort(ctx->countries, ctx->n_countries, sizeof *ctx->countries, stage_cmp_u16);
    for (size_t i = 0; i < ne; i++) {
        uint16_t c = e->entries[i].country;
        ctx->entry_country[i] = UINT32_MAX;
        if (c == TALLY_COUNTRY_NONE || e->entries[i].count == 0) {
            continue;
        }
        for (size_t k = 0; k < ctx->n_countries; k++) {
            if (ctx->countries[k] == c) {
                ctx->entry_country[i] = (uint32_t)k;
                ctx->country_count[k] += e->entries[i].count;
            }
        }
    }
}

static inline void stage_ctx_free(struct tally_ctx *ctx)
{
    free(ctx->weight);
    free(ctx->excluded);
    free(ctx->countries);
    free(ctx->country_count);
    free(ctx->entry_country);
    memset(ctx, 0, sizeof *ctx);
}

/* The by_country skeleton tally_run gives tally_schulze_run. */
static inline void stage_result_skeleton(const struct tally_ctx *ctx, struct tally_result *out)
{
    memset(out, 0, sizeof *out);
    out->n_options = ctx->n;
    out->schulze.condorcet_winner = TALLY_NONE;
    out->double_majority.winner = out->double_majority.runner_up = TALLY_NONE;
    if (ctx->n_countries > 0) {
        out->has_by_country = true;
        out->n_by_country = ctx->n_countries;
        out->by_country = calloc(ctx->n_countries, sizeof *out->by_country);
        for (size_t c = 0; c < ctx->n_countries; c++) {
            out->by_country[c].country = ctx->countries[c];
            out->by_country[c].first = calloc(ctx->n + 1, sizeof(struct tally_dec));
            out->by_country[c].first_present = calloc(ctx->n + 1, 1);
        }
    }
}

/* Free what the skeleton and the stages allocated. */
static inline void stage_result_free(struct tally_result *r)
{
    for (size_t c = 0; c < r->n_by_country; c++) {
        free(r->by_country[c].first);
        free(r->by_country[c].first_present);
    }
    free(r->by_country);
    free(r->winners);
    free(r->schulze.ranking);
    free(r->schulze.pairwise);
    free(r->schulze.strongest);
    free(r->country_cap.countries);
    free(r->country_cap.factors);
    free(r->double_majority.countries);
    free(r->double_majority.winner_value);
    free(r->double_majority.runner_up_value);
    memset(r, 0, sizeof *r);
}

/* The direct pipeline for Schulze: cap, count, double majority. */
static inline int stage_run_schulze(const struct tally_election *e, struct tally_ctx *ctx,
                                    struct tally_result *out, struct tally_error *err)
{
    int rc;
    stage_ctx_build(e, ctx);
    stage_result_skeleton(ctx, out);
    if (e->rules.has_country_cap) {
        rc = tally_cap_apply(ctx, out, err);
        if (rc != TALLY_OK) {
            return rc;
        }
    }
    rc = tally_schulze_run(ctx, out, err);
    if (rc != TALLY_OK) {
        return rc;
    }
    if (e->rules.has_double_majority) {
        rc = tally_dm_compute(ctx, out, err);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Seeded PRNG for property tests (splitmix64; not the §6.3 generator)  */

static inline uint64_t stage_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint32_t stage_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(stage_rand(s) % n);
}

/* Option index by id (abort if absent). */
static inline uint32_t stage_id(const struct tally_election *e, const char *id)
{
    uint32_t o = tally_election_find_option(e, id, strlen(id));
    if (o == TALLY_NONE) {
        abort();
    }
    return o;
}

/* Option id text (NUL-terminated copy into buf). */
static inline const char *stage_name(const struct tally_election *e, uint32_t o, char *buf,
                                     size_t cap)
{
    if (o == TALLY_NONE) {
        snprintf(buf, cap, "null");
    } else {
        snprintf(buf, cap, "%.*s", (int)e->opt_len[o], e->opt_chars + e->opt_off[o]);
    }
    return buf;
}

/*
 * Add one ballot entry from a compact spec: ranks separated by spaces, each
 * an id, "-" (skipped rank), "[]" (empty overvote) or "[A,B]" (overvote).
 * weight NULL = 1; country "" = none. Aborts on any failure (test input).
 */
static inline void stage_add(struct tally_election *e, uint64_t count, const char *weight,
                             const char *country, const char *spec)
{
    struct tally_error err;
    struct tally_dec w;
    const char *p = spec;
    char id[64];

    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (*p == '-') {
            tally_election_skip(e);
            p++;
        } else if (*p == '[') {
            p++;
            tally_election_mark_open(e);
            while (*p != ']') {
                size_t n = 0;
                while (*p != ',' && *p != ']') {
                    id[n++] = *p++;
                }
                id[n] = '\0';
                if (n > 0) {
                    tally_election_mark_add(e, stage_id(e, id));
                }
                if (*p == ',') {
                    p++;
                }
            }
            p++;
            tally_election_mark_close(e);
        } else {
            size_t n = 0;
            while (*p != ' ' && *p != '\0') {
                id[n++] = *p++;
            }
            id[n] = '\0';
            tally_election_mark_open(e);
            tally_election_mark_add(e, stage_id(e, id));
            tally_election_mark_close(e);
        }
    }
    if (weight != NULL) {
        w = stage_dec(weight);
    }
    if (tally_election_add_entry(e, count, weight != NULL ? &w : NULL,
                                 country[0] != '\0' ? TALLY_COUNTRY(country[0], country[1])
                                                    : TALLY_COUNTRY_NONE,
                                 &err) != TALLY_OK) {
        fprintf(stderr, "stage_add: %s\n", err.reason);
        abort();
    }
}

/* Add options "A", "B", ... (n of them, single letters). */
static inline void stage_letters(struct tally_election *e, size_t n)
{
    struct tally_error err;
    for (size_t i = 0; i < n; i++) {
        char id[2] = {(char)('A' + i), '\0'};
        if (tally_election_add_option(e, id, 1, &err) != TALLY_OK) {
            abort();
        }
    }
}

/* Value of a result matrix cell as text. */
static inline const char *stage_cell(const struct tally_dec *m, size_t n, uint32_t x, uint32_t y,
                                     char *buf, size_t cap)
{
    if (tally_dec_format(&m[(size_t)x * n + y], buf, cap) < 0) {
        snprintf(buf, cap, "?");
    }
    return buf;
}

/* ------------------------------------------------------------------ */
/* Comparing a result with a case's "expected" (stages + winners)       */

#define STAGE_FAIL(...)                                                                            \
    do {                                                                                           \
        snprintf(why, cap, __VA_ARGS__);                                                           \
        return false;                                                                              \
    } while (0)

static inline bool stage_id_eq_json(const struct tally_election *e, uint32_t o, const json_t *want)
{
    char buf[64];
    if (json_is_null(want)) {
        return o == TALLY_NONE;
    }
    return o != TALLY_NONE && json_is_string(want) &&
           strcmp(stage_name(e, o, buf, sizeof buf), json_string_value(want)) == 0;
}

static inline bool stage_ids_eq(const struct tally_election *e, const uint32_t *got, size_t n,
                                const json_t *want)
{
    char buf[64];
    if (!json_is_array(want) || json_array_size(want) != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(stage_name(e, got[i], buf, sizeof buf),
                   json_string_value(json_array_get(want, i))) != 0) {
            return false;
        }
    }
    return true;
}

static inline bool stage_matrix_eq(const struct tally_election *e, const struct tally_dec *m,
                                   const json_t *want, const char *what, char *why, size_t cap)
{
    const char *xk, *yk;
    json_t *row, *cell;
    size_t rows = 0;
    json_object_foreach((json_t *)want, xk, row)
    {
        uint32_t x = stage_id(e, xk);
        rows++;
        json_object_foreach(row, yk, cell)
        {
            uint32_t y = stage_id(e, yk);
            if (!stage_dec_eq_json(&m[(size_t)x * e->n_options + y], cell)) {
                char got[64];
                STAGE_FAIL("%s[%s][%s] = %s, want %g", what, xk, yk,
                           stage_cell(m, e->n_options, x, y, got, sizeof got),
                           json_number_value(cell));
            }
        }
    }
    (void)rows;
    return true;
}

/*
 * Compare the stages' parts of r with expected: winners, Schulze (ranking,
 * condorcet_winner, pairwise, strongest_paths, first_preferences),
 * country_cap, double_majority; with full, also by_country ballots/value,
 * blank_ballots and rules_id (filled by tally_run). why gets the first
 * difference.
 */
static inline bool stage_check(const struct tally_election *e, const struct tally_result *r,
                               const json_t *exp, bool full, char *why, size_t cap)
{
    const json_t *v;
    char buf[64];

    v = json_object_get(exp, "winners");
    if (v != NULL && !stage_ids_eq(e, r->winners, r->n_winners, v)) {
        STAGE_FAIL("winners differ");
    }
    if (e->method == TALLY_SCHULZE) {
        if (!r->schulze.present) {
            STAGE_FAIL("no schulze result");
        }
        if (!stage_ids_eq(e, r->schulze.ranking, r->schulze.n_ranking,
                          json_object_get(exp, "ranking"))) {
            STAGE_FAIL("ranking differs");
        }
        if (!stage_id_eq_json(e, r->schulze.condorcet_winner,
                              json_object_get(exp, "condorcet_winner"))) {
            STAGE_FAIL("condorcet_winner differs");
        }
        if (!stage_matrix_eq(e, r->schulze.pairwise, json_object_get(exp, "pairwise"), "pairwise",
                             why, cap) ||
            !stage_matrix_eq(e, r->schulze.strongest, json_object_get(exp, "strongest_paths"),
                             "strongest_paths", why, cap)) {
            return false;
        }
    }
    v = json_object_get(exp, "country_cap");
    if (v != NULL) {
        const char *ck;
        json_t *f;
        size_t i = 0;
        if (!r->country_cap.present) {
            STAGE_FAIL("no country_cap");
        }
        tally_dec_format(&r->country_cap.cap, buf, sizeof buf);
        if (strcmp(buf, json_string_value(json_object_get(v, "cap"))) != 0) {
            STAGE_FAIL("cap %s", buf);
        }
        if (json_object_size(json_object_get(v, "factors")) != r->country_cap.n) {
            STAGE_FAIL("factor count differs");
        }
        json_object_foreach(json_object_get(v, "factors"), ck, f)
        {
            size_t j;
            for (j = 0; j < r->country_cap.n; j++) {
                if (r->country_cap.countries[j] == TALLY_COUNTRY(ck[0], ck[1])) {
                    break;
                }
            }
            if (j == r->country_cap.n || !stage_dec_eq_json(&r->country_cap.factors[j], f)) {
                STAGE_FAIL("factor %s differs", ck);
            }
            i++;
        }
    } else if (r->country_cap.present) {
        STAGE_FAIL("unexpected country_cap");
    }
    v = json_object_get(exp, "double_majority");
    if (v != NULL) {
        const struct tally_dm *dm = &r->double_majority;
        const char *ck;
        json_t *bc;
        if (!dm->present) {
            STAGE_FAIL("no double_majority");
        }
        tally_dec_format(&dm->min_country_share, buf, sizeof buf);
        if (strcmp(buf, json_string_value(json_object_get(v, "min_country_share"))) != 0) {
            STAGE_FAIL("min_country_share %s", buf);
        }
        if (!stage_id_eq_json(e, dm->winner, json_object_get(v, "winner"))) {
            STAGE_FAIL("dm winner differs");
        }
        if (!stage_id_eq_json(e, dm->runner_up, json_object_get(v, "runner_up"))) {
            STAGE_FAIL("dm runner_up differs");
        }
        if (json_integer_value(json_object_get(v, "countries_considered")) != dm->considered ||
            json_integer_value(json_object_get(v, "countries_carried")) != dm->carried ||
            json_is_true(json_object_get(v, "met")) != dm->met) {
            STAGE_FAIL("dm counts differ: considered %u carried %u met %d", dm->considered,
                       dm->carried, dm->met);
        }
        if (json_object_size(json_object_get(v, "by_country")) != dm->n) {
            STAGE_FAIL("dm by_country size %zu", dm->n);
        }
        json_object_foreach(json_object_get(v, "by_country"), ck, bc)
        {
            size_t j;
            for (j = 0; j < dm->n; j++) {
                if (dm->countries[j] == TALLY_COUNTRY(ck[0], ck[1])) {
                    break;
                }
            }
            if (j == dm->n ||
                !stage_dec_eq_json(&dm->winner_value[j], json_object_get(bc, "winner")) ||
                !stage_dec_eq_json(&dm->runner_up_value[j], json_object_get(bc, "runner_up"))) {
                STAGE_FAIL("dm by_country %s differs", ck);
            }
        }
    } else if (r->double_majority.present) {
        STAGE_FAIL("unexpected double_majority");
    }
    v = json_object_get(exp, "by_country");
    if (v != NULL) {
        const char *ck;
        json_t *bc;
        if (!r->has_by_country || json_object_size(v) != r->n_by_country) {
            STAGE_FAIL("by_country size differs");
        }
        json_object_foreach((json_t *)v, ck, bc)
        {
            const struct tally_country_stat *cs = NULL;
            const char *ok;
            json_t *fv;
            for (size_t j = 0; j < r->n_by_country; j++) {
                if (r->by_country[j].country == TALLY_COUNTRY(ck[0], ck[1])) {
                    cs = &r->by_country[j];
                }
            }
            if (cs == NULL) {
                STAGE_FAIL("by_country %s missing", ck);
            }
            if (full &&
                (cs->ballots != (uint64_t)json_integer_value(json_object_get(bc, "ballots")) ||
                 !stage_dec_eq_json(&cs->value, json_object_get(bc, "value")))) {
                STAGE_FAIL("by_country %s ballots/value differ", ck);
            }
            if (e->method != TALLY_SCHULZE && !full) {
                continue; /* first/final of IRV/STV come from the IRV/STV count */
            }
            size_t np = 0;
            for (size_t o = 0; o < e->n_options; o++) {
                np += cs->first_present[o] ? 1 : 0;
            }
            if (np != json_object_size(json_object_get(bc, "first_preferences"))) {
                STAGE_FAIL("by_country %s first_preferences keys differ", ck);
            }
            json_object_foreach(json_object_get(bc, "first_preferences"), ok, fv)
            {
                uint32_t o = stage_id(e, ok);
                if (!cs->first_present[o] || !stage_dec_eq_json(&cs->first[o], fv)) {
                    STAGE_FAIL("by_country %s first_preferences %s differs", ck, ok);
                }
            }
        }
    }
    if (full) {
        v = json_object_get(exp, "blank_ballots");
        if (v != NULL && !stage_dec_eq_json(&r->blank_ballots, v)) {
            STAGE_FAIL("blank_ballots differ");
        }
        v = json_object_get(exp, "rules_id");
        if ((v == NULL) != (r->rules_id == NULL) ||
            (v != NULL && strcmp(json_string_value(v), r->rules_id) != 0)) {
            STAGE_FAIL("rules_id differs");
        }
    }
    return true;
}

#endif /* PNYX_TESTS_TALLY_STAGE_HELPERS_H */
