/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_run.c — tally_run: validation of rules and ballots (§9),
 * the prepared context (weights scaled to d, countries), then dispatch to the
 * country cap, the count (IRV/STV in tally_rcv.c, Schulze in tally_schulze.c) and the double
 * majority. Errors name the ballot entry (0-based in err->entry, 1-based in
 * the reason) and the field.
 */
#include <stdlib.h>
#include <string.h>

#include "tally_int.h"

/* random_seed range: RCTab keeps seeds to what a 48-bit generator can tell
 * apart, and the format says so (§3). */
#define SEED_MAX (((int64_t)1 << 47) - 1)
#define SEED_MIN (-((int64_t)1 << 47))
/* More seats than this is certainly a mistake; it also keeps counters small. */
#define SEATS_MAX 1000000

#define N_CODES (26 * 26)

static bool code_ok(uint16_t cc)
{
    unsigned a = cc >> 8, b = cc & 0xff;
    return a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z';
}

static uint32_t code_slot(uint16_t cc)
{
    return (uint32_t)((cc >> 8) - 'A') * 26 + (uint32_t)((cc & 0xff) - 'A');
}

static const char *opt_name(const struct tally_election *e, uint32_t o)
{
    return e->opt_chars + e->opt_off[o];
}

static int check_dec_range(const struct tally_dec *v, const char *field, int lo_excl_zero,
                           struct tally_error *err)
{
    /* (0, 1] when lo_excl_zero, used for cap and share */
    struct tally_dec one = tally_dec_int(1), zero = tally_dec_int(0);
    (void)lo_excl_zero;
    if (tally_dec_cmp(v, &zero) <= 0 || tally_dec_cmp(v, &one) > 0) {
        return tally_fail(err, TALLY_EINVAL, -1, field, "%s must be in (0, 1]", field);
    }
    return TALLY_OK;
}

static int validate_rules(const struct tally_election *e, struct tally_error *err)
{
    const struct tally_rules *ru = &e->rules;
    size_t n = e->n_options;
    bool schulze = e->method == TALLY_SCHULZE, stv = e->method == TALLY_STV;
    enum tally_winner_mode wm = ru->winner_mode;
    int64_t seats = e->seats;

    if (e->method > TALLY_SCHULZE) {
        return tally_fail(err, TALLY_EINVAL, -1, "method", "method must be irv, stv or schulze");
    }
    if (seats < 0 || seats > SEATS_MAX) {
        return tally_fail(err, TALLY_EINVAL, -1, "seats", "seats must be an integer in 0..%d",
                          SEATS_MAX);
    }
    if (ru->decimal_places < 1 || ru->decimal_places > TALLY_MAX_D) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.decimal_places",
                          "decimal_places must be an integer in 1..20");
    }
    if (ru->max_skipped_ranks < -1) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.max_skipped_ranks",
                          "max_skipped_ranks must be null or an integer >= 0");
    }
    if (ru->max_rankings == 0 || ru->max_rankings < -1) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.max_rankings",
                          "max_rankings must be null or an integer >= 1");
    }
    if (ru->stop_after_round == 0 || ru->stop_after_round < -1) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.stop_after_round",
                          "stop_after_round must be null or an integer >= 1");
    }
    if (ru->random_seed < SEED_MIN || ru->random_seed > SEED_MAX) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.random_seed",
                          "random_seed must be an integer in [-2^47, 2^47-1]");
    }
    if (ru->overvote > TALLY_OV_EXHAUST_IF_MULTIPLE || ru->tiebreak > TALLY_TB_ASK ||
        wm > TALLY_WM_MULTI_PASS || ru->quota > TALLY_QUOTA_HARE) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules", "unknown rule value");
    }
    if (ru->undeclared_write_in != TALLY_NONE && ru->undeclared_write_in >= n) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.undeclared_write_in",
                          "undeclared_write_in is not an option id");
    }
    /* excluded / tiebreak_order: known ids, no repeats */
    uint8_t *seen = calloc(n + 1, 1);
    if (seen == NULL) {
        return tally_fail(err, TALLY_ENOMEM, -1, "rules", "out of memory");
    }
    int rc = TALLY_OK;
    for (size_t i = 0; i < ru->n_excluded && rc == TALLY_OK; i++) {
        uint32_t o = ru->excluded[i];
        if (o >= n) {
            rc = tally_fail(err, TALLY_EINVAL, -1, "rules.excluded", "excluded: unknown option");
        } else if (seen[o]) {
            rc = tally_fail(err, TALLY_EINVAL, -1, "rules.excluded", "excluded lists \"%s\" twice",
                            opt_name(e, o));
        }
        if (rc == TALLY_OK) {
            seen[o] = 1;
        }
    }
    memset(seen, 0, n + 1);
    for (size_t i = 0; i < ru->n_tiebreak_order && rc == TALLY_OK; i++) {
        uint32_t o = ru->tiebreak_order[i];
        if (o >= n) {
            rc = tally_fail(err, TALLY_EINVAL, -1, "rules.tiebreak_order",
                            "tiebreak_order: unknown option");
        } else if (seen[o]) {
            rc = tally_fail(err, TALLY_EINVAL, -1, "rules.tiebreak_order",
                            "tiebreak_order lists \"%s\" twice", opt_name(e, o));
        }
        if (rc == TALLY_OK) {
            seen[o] = 1;
        }
    }
    free(seen);
    if (rc != TALLY_OK) {
        return rc;
    }
    if (ru->has_bottoms_up_percentage) {
        struct tally_dec lo = tally_dec_int(1), hi = tally_dec_int(100);
        if (tally_dec_cmp(&ru->bottoms_up_percentage, &lo) < 0 ||
            tally_dec_cmp(&ru->bottoms_up_percentage, &hi) > 0) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.bottoms_up_percentage",
                              "bottoms_up_percentage must be in [1, 100]");
        }
    }
    if (ru->has_country_cap &&
        (rc = check_dec_range(&ru->country_cap, "rules.country_cap", 1, err)) != TALLY_OK) {
        return rc;
    }
    if (ru->has_double_majority &&
        (rc = check_dec_range(&ru->min_country_share, "rules.double_majority", 1, err)) !=
            TALLY_OK) {
        return rc;
    }

    if (schulze) {
        if (ru->tiebreak != TALLY_TB_ORDER && ru->tiebreak != TALLY_TB_RANDOM) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.tiebreak",
                              "method schulze breaks ties by tiebreak order or random only");
        }
        const char *bad = NULL;
        if (ru->undeclared_write_in != TALLY_NONE) {
            bad = "undeclared_write_in";
        } else if (ru->batch_elimination) {
            bad = "batch_elimination";
        } else if (ru->continue_until_two) {
            bad = "continue_until_two";
        } else if (ru->first_round_determines_threshold) {
            bad = "first_round_determines_threshold";
        } else if (ru->stop_after_round != -1) {
            bad = "stop_after_round";
        } else if (wm != TALLY_WM_STANDARD) {
            bad = "winner_mode";
        } else if (ru->quota != TALLY_QUOTA_DROOP) {
            bad = "quota";
        } else if (ru->non_integer_threshold) {
            bad = "non_integer_threshold";
        } else if (ru->has_bottoms_up_percentage) {
            bad = "bottoms_up_percentage";
        } else if (ru->cutoff_elimination) {
            bad = "cutoff_elimination";
        }
        if (bad != NULL) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules",
                              "method schulze does not use rule %s (it must keep its default)",
                              bad);
        }
        if (seats < 1) {
            return tally_fail(err, TALLY_EINVAL, -1, "seats", "method schulze needs seats >= 1");
        }
    } else {
        /* seats and winner modes (§9) */
        if (wm == TALLY_WM_BOTTOMS_UP_PERCENTAGE) {
            if (seats != 0 || !ru->has_bottoms_up_percentage) {
                return tally_fail(err, TALLY_EINVAL, -1, "seats",
                                  "winner_mode bottoms_up_percentage needs seats 0 and "
                                  "bottoms_up_percentage");
            }
        } else if (wm == TALLY_WM_BOTTOMS_UP || wm == TALLY_WM_MULTI_PASS ||
                   wm == TALLY_WM_ONE_PER_ROUND) {
            if (seats < 2) {
                return tally_fail(err, TALLY_EINVAL, -1, "seats",
                                  "this winner_mode needs seats >= 2");
            }
        } else if (seats < 1) {
            return tally_fail(err, TALLY_EINVAL, -1, "seats", "seats must be >= 1");
        }
        bool irv_multi_modes = wm == TALLY_WM_BOTTOMS_UP || wm == TALLY_WM_MULTI_PASS ||
                               wm == TALLY_WM_BOTTOMS_UP_PERCENTAGE;
        if (!stv && seats != 1 && !irv_multi_modes) {
            return tally_fail(err, TALLY_EINVAL, -1, "seats",
                              "method irv with seats other than 1 needs winner_mode bottoms_up, "
                              "bottoms_up_percentage or multi_pass");
        }
        if (stv && irv_multi_modes) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.winner_mode",
                              "method stv cannot use bottoms_up, bottoms_up_percentage or "
                              "multi_pass");
        }
        bool stv_multi = stv && seats > 1;
        if ((ru->quota == TALLY_QUOTA_HARE || ru->non_integer_threshold) && !stv_multi) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.quota",
                              "hare quota and non_integer_threshold need method stv with seats "
                              "> 1");
        }
        if (ru->quota == TALLY_QUOTA_HARE && ru->non_integer_threshold) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.quota",
                              "hare quota cannot be combined with non_integer_threshold");
        }
        if ((ru->batch_elimination || ru->continue_until_two) && seats > 1 &&
            wm != TALLY_WM_MULTI_PASS) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.batch_elimination",
                              "batch_elimination and continue_until_two need a single-seat "
                              "count");
        }
        if (ru->first_round_determines_threshold && seats > 1) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.first_round_determines_threshold",
                              "first_round_determines_threshold needs a single-seat count");
        }
        if (ru->batch_elimination && wm == TALLY_WM_BOTTOMS_UP_PERCENTAGE) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.batch_elimination",
                              "batch_elimination cannot be used with bottoms_up_percentage");
        }
    }
    if (ru->has_double_majority) {
        bool ok = seats == 1 && ((e->method == TALLY_IRV && wm == TALLY_WM_STANDARD) || schulze);
        if (!ok) {
            return tally_fail(err, TALLY_EINVAL, -1, "rules.double_majority",
                              "double_majority needs a single-winner count (method irv or "
                              "schulze with seats 1)");
        }
    }
    return TALLY_OK;
}

/* Per-entry checks that depend on rules; reports the lowest entry index. */
static int validate_entries(const struct tally_election *e, struct tally_error *err)
{
    const struct tally_rules *ru = &e->rules;
    if (e->any_country && e->any_no_country) {
        uint64_t at =
            e->first_country > e->first_no_country ? e->first_country : e->first_no_country;
        return tally_fail(err, TALLY_EINVAL, (long)at, "country",
                          "some ballots have a country and others not: when one has, every "
                          "ballot needs one");
    }
    if ((ru->has_country_cap || ru->has_double_majority) && e->n_entries > 0 && !e->any_country) {
        return tally_fail(err, TALLY_EINVAL, -1,
                          ru->has_country_cap ? "rules.country_cap" : "rules.double_majority",
                          "%s needs ballots with a country",
                          ru->has_country_cap ? "country_cap" : "double_majority");
    }
    uint32_t d = (uint32_t)ru->decimal_places;
    bool eimc = ru->overvote == TALLY_OV_EXHAUST_IF_MULTIPLE && e->method != TALLY_SCHULZE;
    uint64_t best = UINT64_MAX;
    int kind = 0;
    for (size_t i = 0; i < e->n_entries; i++) {
        const struct tally_entry *x = &e->entries[i];
        if (x->first_index >= best) {
            continue;
        }
        int k = 0;
        if (x->country != TALLY_COUNTRY_NONE && !code_ok(x->country)) {
            k = 4;
        } else if (ru->max_rankings > 0 && x->n_ranks > (uint64_t)ru->max_rankings) {
            k = 1;
        } else if (tally_dec_canon(e->weights[x->weight]).scale > d) {
            k = 2;
        } else if (eimc) {
            for (uint32_t r = 0; r < x->n_ranks; r++) {
                if (e->ranks_pool[x->rank_off + r].n == 0) {
                    k = 3;
                    break;
                }
            }
        }
        if (k != 0) {
            best = x->first_index;
            kind = k;
        }
    }
    if (kind == 0) {
        return TALLY_OK;
    }
    long at = (long)best;
    if (kind == 1) {
        return tally_fail(err, TALLY_EINVAL, at, "ranking",
                          "ballot %ld: a mark beyond max_rankings=%lld", at + 1,
                          (long long)ru->max_rankings);
    }
    if (kind == 4) {
        return tally_fail(err, TALLY_EINVAL, at, "country",
                          "ballot %ld: country must be two uppercase ASCII letters", at + 1);
    }
    if (kind == 3) {
        return tally_fail(err, TALLY_EINVAL, at, "ranking",
                          "ballot %ld: an overvote without recorded options ([]) cannot be "
                          "read under exhaust_if_multiple_continuing",
                          at + 1);
    }
    for (size_t i = 0; i < e->n_entries; i++) {
        if (e->entries[i].first_index == best) {
            char w[64];
            tally_dec_format(&e->weights[e->entries[i].weight], w, sizeof(w));
            return tally_fail(err, TALLY_EINVAL, at, "weight",
                              "ballot %ld: weight %s has more than decimal_places=%u decimals",
                              at + 1, w, d);
        }
    }
    return TALLY_EINTERNAL;
}

static void ctx_fini(struct tally_ctx *c)
{
    free(c->weight);
    free(c->excluded);
    free(c->countries);
    free(c->country_count);
    free(c->entry_country);
    memset(c, 0, sizeof(*c));
}

static int ctx_build(const struct tally_election *e, struct tally_ctx *c, struct tally_error *err)
{
    memset(c, 0, sizeof(*c));
    c->e = e;
    c->d = (uint32_t)e->rules.decimal_places;
    c->one = (tally_i128)tally_pow10(c->d);
    c->n = e->n_options;
    c->n_entries = e->n_entries;
    size_t ne = e->n_entries ? e->n_entries : 1;
    c->weight = tally_alloc_large(ne * sizeof(*c->weight));
    c->excluded = calloc(c->n + 1, 1);
    c->entry_country = malloc(ne * sizeof(*c->entry_country));
    /* countries are two letters A-Z (checked by validate_entries): 676 slots */
    uint32_t *map = calloc(N_CODES, sizeof(*map));
    if (c->weight == NULL || c->excluded == NULL || c->entry_country == NULL || map == NULL) {
        free(map);
        return tally_fail(err, TALLY_ENOMEM, -1, "ballots", "out of memory");
    }
    for (size_t i = 0; i < e->rules.n_excluded; i++) {
        c->excluded[e->rules.excluded[i]] = 1;
    }
    /* weights at scale d, per distinct weight then per entry */
    tally_i128 *wt = malloc((e->n_weights ? e->n_weights : 1) * sizeof(*wt));
    if (wt == NULL) {
        free(map);
        return tally_fail(err, TALLY_ENOMEM, -1, "ballots", "out of memory");
    }
    for (size_t i = 0; i < e->n_weights; i++) {
        struct tally_dec s;
        if (tally_dec_rescale(e->weights[i], c->d, &s) != TALLY_OK) {
            free(wt);
            free(map);
            return tally_fail(err, TALLY_ERANGE, -1, "weight",
                              "a weight exceeds the engine's exact range");
        }
        wt[i] = s.units;
    }
    for (size_t i = 0; i < e->n_entries; i++) {
        c->weight[i] = wt[e->entries[i].weight];
        if (e->entries[i].count > 0 && e->entries[i].country != TALLY_COUNTRY_NONE) {
            map[code_slot(e->entries[i].country)] = 1;
        }
    }
    free(wt);
    for (uint32_t k = 0; k < N_CODES; k++) {
        if (map[k]) {
            c->n_countries++;
        }
    }
    c->countries = malloc((c->n_countries + 1) * sizeof(*c->countries));
    c->country_count = calloc(c->n_countries + 1, sizeof(*c->country_count));
    if (c->countries == NULL || c->country_count == NULL) {
        free(map);
        return tally_fail(err, TALLY_ENOMEM, -1, "ballots", "out of memory");
    }
    uint32_t j = 0;
    for (uint32_t k = 0; k < N_CODES; k++) {
        if (map[k]) {
            c->countries[j] = TALLY_COUNTRY('A' + k / 26, 'A' + k % 26);
            map[k] = j++;
        }
    }
    for (size_t i = 0; i < e->n_entries; i++) {
        const struct tally_entry *x = &e->entries[i];
        if (x->count > 0 && x->country != TALLY_COUNTRY_NONE) {
            uint32_t k = map[code_slot(x->country)];
            c->entry_country[i] = k;
            c->country_count[k] += x->count; /* ≤ total count, no overflow */
        } else {
            c->entry_country[i] = UINT32_MAX;
        }
    }
    free(map);
    return TALLY_OK;
}

/* count × weight, checked. */
static int entry_value(const struct tally_ctx *c, size_t i, tally_i128 *out)
{
    return tally_mul_checked((tally_i128)c->e->entries[i].count, c->weight[i], out);
}

static int finish_prep(struct tally_ctx *c, struct tally_result *out, struct tally_error *err)
{
    const struct tally_election *e = c->e;
    tally_i128 blank = 0;
    c->weighted = false;
    for (size_t i = 0; i < e->n_entries; i++) {
        if (e->entries[i].count == 0) {
            continue;
        }
        if (c->weight[i] != c->one) {
            c->weighted = true;
        }
        if (c->weight[i] <= 0) {
            return tally_fail(err, TALLY_EINVAL, (long)e->entries[i].first_index, "weight",
                              "ballot %lld: weight truncates to 0",
                              (long long)e->entries[i].first_index + 1);
        }
        if (e->entries[i].n_ranks == 0) {
            tally_i128 v;
            if (entry_value(c, i, &v) != TALLY_OK || tally_add_checked(blank, v, &blank)) {
                return tally_fail(err, TALLY_ERANGE, -1, "ballots",
                                  "ballot values exceed the engine's exact range");
            }
        }
    }
    out->blank_ballots = tally_dec_make(blank, c->d);
    if (c->n_countries == 0) {
        return TALLY_OK;
    }
    out->has_by_country = true;
    out->by_country = calloc(c->n_countries, sizeof(*out->by_country));
    if (out->by_country == NULL) {
        return tally_fail(err, TALLY_ENOMEM, -1, "ballots", "out of memory");
    }
    out->n_by_country = c->n_countries;
    size_t n = c->n ? c->n : 1;
    for (size_t k = 0; k < c->n_countries; k++) {
        struct tally_country_stat *s = &out->by_country[k];
        s->country = c->countries[k];
        s->ballots = c->country_count[k];
        s->value = tally_dec_make(0, c->d);
        s->first = calloc(n, sizeof(*s->first));
        s->first_present = calloc(n, 1);
        s->final = calloc(n, sizeof(*s->final));
        s->final_present = calloc(n, 1);
        if (s->first == NULL || s->first_present == NULL || s->final == NULL ||
            s->final_present == NULL) {
            return tally_fail(err, TALLY_ENOMEM, -1, "ballots", "out of memory");
        }
        for (size_t o = 0; o < n; o++) {
            s->first[o] = tally_dec_make(0, c->d);
            s->final[o] = tally_dec_make(0, c->d);
        }
        s->has_final = e->method != TALLY_SCHULZE;
    }
    for (size_t i = 0; i < e->n_entries; i++) {
        uint32_t k = c->entry_country[i];
        if (k == UINT32_MAX) {
            continue;
        }
        tally_i128 v;
        if (entry_value(c, i, &v) != TALLY_OK ||
            tally_add_checked(out->by_country[k].value.units, v, &out->by_country[k].value.units)) {
            return tally_fail(err, TALLY_ERANGE, -1, "ballots",
                              "ballot values exceed the engine's exact range");
        }
    }
    return TALLY_OK;
}

int tally_run(const struct tally_election *e, struct tally_result *out, struct tally_error *err)
{
    struct tally_error scratch;
    struct tally_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    memset(out, 0, sizeof(*out));
    if (err == NULL) {
        err = &scratch;
    }
    memset(err, 0, sizeof(*err));
    err->entry = -1;
    out->n_options = e->n_options;
    out->rules_id = e->rules.rules_id;
    out->schulze.condorcet_winner = TALLY_NONE;
    out->double_majority.winner = TALLY_NONE;
    out->double_majority.runner_up = TALLY_NONE;

    int rc = validate_rules(e, err);
    if (rc == TALLY_OK) {
        rc = validate_entries(e, err);
    }
    if (rc == TALLY_OK) {
        rc = ctx_build(e, &ctx, err);
    }
    if (rc == TALLY_OK && e->rules.has_country_cap && ctx.n_countries > 0) {
        rc = tally_cap_apply(&ctx, out, err);
    }
    if (rc == TALLY_OK) {
        rc = finish_prep(&ctx, out, err);
    }
    if (rc == TALLY_OK) {
        if (e->method == TALLY_SCHULZE) {
            rc = tally_schulze_run(&ctx, out, err);
        } else {
            rc = tally_rcv_count(&ctx, out, err);
        }
    }
    if (rc == TALLY_OK && e->rules.has_double_majority) {
        rc = tally_dm_compute(&ctx, out, err);
    }
    ctx_fini(&ctx);
    if (rc != TALLY_OK) {
        if (err->code == 0) {
            tally_fail(err, rc, -1, "", "%s", tally_status_str(rc));
        }
        tally_result_fini(out);
    }
    return rc;
}
