/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/case_load.c — test-only Jansson loader and result comparison
 * for the shared pnyx-election/1 cases (see case_load.h).
 */
#include "case_load.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return -1;
}

static uint32_t opt_of(struct tally_election *e, json_t *v)
{
    if (!json_is_string(v)) {
        return TALLY_NONE;
    }
    return tally_election_find_option(e, json_string_value(v), json_string_length(v));
}

/* A dec from a JSON string/integer (weight syntax) or, with number_ok, a real. */
static int dec_of(json_t *v, bool number_ok, struct tally_dec *out)
{
    if (json_is_string(v)) {
        return tally_dec_parse(json_string_value(v), json_string_length(v), out) == TALLY_OK ? 0
                                                                                             : -1;
    }
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) {
            return -1;
        }
        *out = tally_dec_int(json_integer_value(v));
        return 0;
    }
    if (number_ok && json_is_real(v)) {
        char buf[64];
        double x = json_real_value(v);
        for (int p = 1; p <= 17; p++) {
            snprintf(buf, sizeof(buf), "%.*g", p, x);
            if (strtod(buf, NULL) == x) {
                break;
            }
        }
        return tally_dec_parse_number(buf, strlen(buf), out) == TALLY_OK ? 0 : -1;
    }
    return -1;
}

static int get_bool(json_t *v, bool *out)
{
    if (!json_is_boolean(v)) {
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int get_int_or_null(json_t *v, int64_t *out, int64_t null_value)
{
    if (json_is_null(v)) {
        *out = null_value;
        return 0;
    }
    if (!json_is_integer(v)) {
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int enum_of(json_t *v, const char *const *names, int n, int *out)
{
    if (!json_is_string(v)) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

static int load_rules(json_t *rules, struct tally_election *e, char *why, size_t wn)
{
    static const char *const ov[] = {"exhaust", "skip", "exhaust_if_multiple_continuing"};
    static const char *const tb[] = {"order", "random", "previous_rounds_then_random",
                                     "previous_rounds_then_ask", "ask"};
    static const char *const wm[] = {"standard", "one_per_round", "bottoms_up",
                                     "bottoms_up_percentage", "multi_pass"};
    static const char *const qu[] = {"droop", "hare"};
    struct tally_rules *ru = &e->rules;
    const char *key;
    json_t *v;
    json_object_foreach(rules, key, v)
    {
        int x = 0, bad = 0;
        if (key[0] == '_' || strncmp(key, "rctab_", 6) == 0) {
            continue;
        }
        if (!strcmp(key, "overvote")) {
            bad = enum_of(v, ov, 3, &x);
            ru->overvote = (enum tally_overvote)x;
        } else if (!strcmp(key, "max_skipped_ranks")) {
            bad = get_int_or_null(v, &ru->max_skipped_ranks, -1);
            bad |= !json_is_null(v) && ru->max_skipped_ranks < 0;
        } else if (!strcmp(key, "exhaust_on_duplicate")) {
            bad = get_bool(v, &ru->exhaust_on_duplicate);
        } else if (!strcmp(key, "max_rankings")) {
            bad = get_int_or_null(v, &ru->max_rankings, -1);
            bad |= !json_is_null(v) && ru->max_rankings < 0;
        } else if (!strcmp(key, "excluded")) {
            size_t i;
            json_t *it;
            bad = !json_is_array(v);
            json_array_foreach(v, i, it)
            {
                uint32_t o = opt_of(e, it);
                bad |= o == TALLY_NONE || tally_rules_add_excluded(e, o) != TALLY_OK;
            }
        } else if (!strcmp(key, "undeclared_write_in")) {
            if (!json_is_null(v)) {
                ru->undeclared_write_in = opt_of(e, v);
                bad = ru->undeclared_write_in == TALLY_NONE;
            }
        } else if (!strcmp(key, "batch_elimination")) {
            bad = get_bool(v, &ru->batch_elimination);
        } else if (!strcmp(key, "continue_until_two")) {
            bad = get_bool(v, &ru->continue_until_two);
        } else if (!strcmp(key, "first_round_determines_threshold")) {
            bad = get_bool(v, &ru->first_round_determines_threshold);
        } else if (!strcmp(key, "stop_after_round")) {
            bad = get_int_or_null(v, &ru->stop_after_round, -1);
            bad |= !json_is_null(v) && ru->stop_after_round < 0;
        } else if (!strcmp(key, "tiebreak")) {
            bad = enum_of(v, tb, 5, &x);
            ru->tiebreak = (enum tally_tiebreak)x;
        } else if (!strcmp(key, "tiebreak_order")) {
            if (!json_is_null(v)) {
                size_t i;
                json_t *it;
                bad = !json_is_array(v);
                ru->has_tiebreak_order = true;
                json_array_foreach(v, i, it)
                {
                    uint32_t o = opt_of(e, it);
                    bad |= o == TALLY_NONE || tally_rules_add_tiebreak_order(e, o) != TALLY_OK;
                }
            }
        } else if (!strcmp(key, "random_seed")) {
            bad = !json_is_integer(v);
            ru->random_seed = json_integer_value(v);
        } else if (!strcmp(key, "winner_mode")) {
            bad = enum_of(v, wm, 5, &x);
            ru->winner_mode = (enum tally_winner_mode)x;
        } else if (!strcmp(key, "quota")) {
            bad = enum_of(v, qu, 2, &x);
            ru->quota = (enum tally_quota)x;
        } else if (!strcmp(key, "non_integer_threshold")) {
            bad = get_bool(v, &ru->non_integer_threshold);
        } else if (!strcmp(key, "decimal_places")) {
            bad = !json_is_integer(v);
            ru->decimal_places = json_integer_value(v);
        } else if (!strcmp(key, "bottoms_up_percentage")) {
            if (!json_is_null(v)) {
                ru->has_bottoms_up_percentage = true;
                bad = dec_of(v, true, &ru->bottoms_up_percentage);
            }
        } else if (!strcmp(key, "cutoff_elimination")) {
            bad = get_bool(v, &ru->cutoff_elimination);
        } else if (!strcmp(key, "country_cap")) {
            if (!json_is_null(v)) {
                ru->has_country_cap = true;
                bad = dec_of(v, false, &ru->country_cap);
            }
        } else if (!strcmp(key, "double_majority")) {
            if (!json_is_null(v)) {
                ru->has_double_majority = true;
                json_t *s = json_object_get(v, "min_country_share");
                bad = !json_is_object(v) || json_object_size(v) != 1 || s == NULL ||
                      dec_of(s, false, &ru->min_country_share);
            }
        } else if (!strcmp(key, "rules_id")) {
            if (!json_is_null(v)) {
                bad = !json_is_string(v) ||
                      tally_rules_set_rules_id(e, json_string_value(v), json_string_length(v));
            }
        } else {
            return fail(why, wn, "unknown rule %s", key);
        }
        if (bad) {
            return fail(why, wn, "invalid rule %s", key);
        }
    }
    return 0;
}

int case_build(json_t *root, struct tally_election *e, char *why, size_t wn)
{
    struct tally_error err;
    tally_election_init(e);
    json_t *fmt = json_object_get(root, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "pnyx-election/1") != 0) {
        return fail(why, wn, "format must be pnyx-election/1");
    }
    json_t *m = json_object_get(root, "method");
    if (m != NULL) {
        static const char *const ms[] = {"irv", "stv", "schulze"};
        int x;
        if (enum_of(m, ms, 3, &x)) {
            return fail(why, wn, "bad method");
        }
        e->method = (enum tally_method)x;
    }
    json_t *s = json_object_get(root, "seats");
    if (s != NULL) {
        if (!json_is_integer(s)) {
            return fail(why, wn, "seats must be an integer");
        }
        e->seats = json_integer_value(s);
    }
    json_t *opts = json_object_get(root, "options");
    size_t i;
    json_t *v;
    if (!json_is_array(opts)) {
        return fail(why, wn, "options must be an array");
    }
    json_array_foreach(opts, i, v)
    {
        if (!json_is_string(v)) {
            return fail(why, wn, "options[%zu] must be a string", i);
        }
        if (tally_election_add_option(e, json_string_value(v), json_string_length(v), &err)) {
            return fail(why, wn, "%s", err.reason);
        }
    }
    json_t *rules = json_object_get(root, "rules");
    if (rules != NULL && !json_is_null(rules)) {
        if (!json_is_object(rules)) {
            return fail(why, wn, "rules must be an object");
        }
        if (load_rules(rules, e, why, wn)) {
            return -1;
        }
    }
    json_t *ballots = json_object_get(root, "ballots");
    if (!json_is_array(ballots)) {
        return fail(why, wn, "ballots must be an array");
    }
    json_array_foreach(ballots, i, v)
    {
        json_t *rk = json_object_get(v, "ranking");
        if (!json_is_array(rk)) {
            return fail(why, wn, "ballot %zu: ranking must be an array", i + 1);
        }
        size_t j;
        json_t *mk;
        json_array_foreach(rk, j, mk)
        {
            if (json_is_null(mk)) {
                tally_election_skip(e);
            } else if (json_is_string(mk)) {
                uint32_t o = opt_of(e, mk);
                if (o == TALLY_NONE) {
                    return fail(why, wn, "ballot %zu: unknown option", i + 1);
                }
                tally_election_mark_open(e);
                tally_election_mark_add(e, o);
                tally_election_mark_close(e);
            } else if (json_is_array(mk)) {
                size_t k;
                json_t *id;
                tally_election_mark_open(e);
                json_array_foreach(mk, k, id)
                {
                    uint32_t o = opt_of(e, id);
                    if (o == TALLY_NONE) {
                        return fail(why, wn, "ballot %zu: unknown option", i + 1);
                    }
                    tally_election_mark_add(e, o);
                }
                tally_election_mark_close(e);
            } else {
                return fail(why, wn, "ballot %zu: bad ranking entry", i + 1);
            }
        }
        uint64_t count = 1;
        json_t *c = json_object_get(v, "count");
        if (c != NULL) {
            if (!json_is_integer(c) || json_integer_value(c) < 0) {
                return fail(why, wn, "ballot %zu: bad count", i + 1);
            }
            count = (uint64_t)json_integer_value(c);
        }
        struct tally_dec w, *wp = NULL;
        json_t *wj = json_object_get(v, "weight");
        if (wj != NULL && !json_is_null(wj)) {
            if (dec_of(wj, false, &w) || w.units <= 0) {
                return fail(why, wn, "ballot %zu: bad weight", i + 1);
            }
            wp = &w;
        }
        uint16_t cc = TALLY_COUNTRY_NONE;
        json_t *cj = json_object_get(v, "country");
        if (cj != NULL && !json_is_null(cj)) {
            const char *cs = json_string_value(cj);
            if (cs == NULL || strlen(cs) != 2) {
                return fail(why, wn, "ballot %zu: bad country", i + 1);
            }
            cc = TALLY_COUNTRY(cs[0], cs[1]);
        }
        if (tally_election_add_entry(e, count, wp, cc, &err) != TALLY_OK) {
            return fail(why, wn, "%s", err.reason);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- compare */

struct diff {
    char *buf;
    size_t len, at;
    int n;
};

static void note(struct diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct diff *d, const char *fmt, ...)
{
    d->n++;
    if (d->at + 2 >= d->len) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(d->buf + d->at, d->len - d->at, fmt, ap);
    va_end(ap);
    if (w > 0) {
        d->at += (size_t)w;
        if (d->at >= d->len) {
            d->at = d->len - 1;
        }
    }
    if (d->at + 1 < d->len) {
        d->buf[d->at++] = '\n';
        d->buf[d->at] = '\0';
    }
}

static const char *fmt_dec(const struct tally_dec *v, char *b)
{
    tally_dec_format(v, b, 64);
    return b;
}

/* exact enough: both sides go through the nearest binary64 of one decimal text */
static bool num_eq(const struct tally_dec *mine, json_t *exp)
{
    char b[64];
    if (json_is_string(exp)) {
        struct tally_dec x;
        return tally_dec_parse(json_string_value(exp), json_string_length(exp), &x) == 0 &&
               tally_dec_cmp(&x, mine) == 0;
    }
    if (!json_is_number(exp)) {
        return false;
    }
    tally_dec_format(mine, b, sizeof(b));
    return strtod(b, NULL) == json_number_value(exp);
}

static const char *name(const struct tally_election *e, uint32_t o)
{
    return e->opt_chars + e->opt_off[o];
}

static void cmp_num(struct diff *d, const char *what, const struct tally_dec *mine, json_t *exp)
{
    char b[64];
    if (exp == NULL) {
        return;
    }
    if (!num_eq(mine, exp)) {
        char *s = json_dumps(exp, JSON_ENCODE_ANY);
        note(d, "%s: got %s, expected %s", what, fmt_dec(mine, b), s ? s : "?");
        free(s);
    }
}

static void cmp_opt_map(struct diff *d, const struct tally_election *e, const char *what,
                        const struct tally_dec *vals, const uint8_t *present, json_t *exp)
{
    char w[300];
    if (!json_is_object(exp)) {
        note(d, "%s: expected object missing", what);
        return;
    }
    for (size_t o = 0; o < e->n_options; o++) {
        json_t *x = json_object_get(exp, name(e, (uint32_t)o));
        if (present[o] && x == NULL) {
            note(d, "%s: unexpected key %s", what, name(e, (uint32_t)o));
        } else if (!present[o] && x != NULL) {
            note(d, "%s: missing key %s", what, name(e, (uint32_t)o));
        } else if (present[o]) {
            snprintf(w, sizeof(w), "%s[%s]", what, name(e, (uint32_t)o));
            cmp_num(d, w, &vals[o], x);
        }
    }
}

static void cmp_set(struct diff *d, const struct tally_election *e, const char *what,
                    const uint32_t *a, size_t n, json_t *exp, bool ordered)
{
    if (!json_is_array(exp) || json_array_size(exp) != n) {
        note(d, "%s: size %zu, expected %zu", what, n, json_array_size(exp));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        if (ordered) {
            found = json_is_string(json_array_get(exp, i)) &&
                    !strcmp(json_string_value(json_array_get(exp, i)), name(e, a[i]));
        } else {
            for (size_t j = 0; j < n; j++) {
                if (!strcmp(json_string_value(json_array_get(exp, j)), name(e, a[i]))) {
                    found = true;
                }
            }
        }
        if (!found) {
            note(d, "%s: %s not expected at %zu", what, name(e, a[i]), i);
        }
    }
}

static const char *const in_names[] = {"overvotes", "skipped_rankings", "exhausted_choices",
                                       "repeated_rankings", "final_round_surplus"};

static void cmp_round(struct diff *d, const struct tally_election *e, const struct tally_round *r,
                      json_t *x, size_t idx)
{
    char w[64];
    json_t *rn = json_object_get(x, "round");
    if (!json_is_integer(rn) || (uint32_t)json_integer_value(rn) != r->round) {
        note(d, "rounds[%zu]: round %u", idx, r->round);
    }
    json_t *p = json_object_get(x, "pass");
    if ((p != NULL) != (r->pass != 0) || (p && (uint32_t)json_integer_value(p) != r->pass)) {
        note(d, "rounds[%zu]: pass %u", idx, r->pass);
    }
    snprintf(w, sizeof(w), "r%u.tally", r->round);
    cmp_opt_map(d, e, w, r->tally, r->present, json_object_get(x, "tally"));
    snprintf(w, sizeof(w), "r%u.exhausted", r->round);
    cmp_num(d, w, &r->exhausted, json_object_get(x, "exhausted"));
    snprintf(w, sizeof(w), "r%u.threshold", r->round);
    cmp_num(d, w, &r->threshold, json_object_get(x, "threshold"));
    snprintf(w, sizeof(w), "r%u.elected", r->round);
    cmp_set(d, e, w, r->elected, r->n_elected, json_object_get(x, "elected"), false);
    snprintf(w, sizeof(w), "r%u.eliminated", r->round);
    cmp_set(d, e, w, r->eliminated, r->n_eliminated, json_object_get(x, "eliminated"), false);
    json_t *in = json_object_get(x, "inactive");
    for (int k = 0; k < TALLY_IN_N; k++) {
        json_t *iv = json_object_get(in, in_names[k]);
        if (k == TALLY_IN_FINAL_ROUND_SURPLUS && iv != NULL && !r->stv_multi) {
            note(d, "r%u.inactive.final_round_surplus presence", r->round);
        }
        snprintf(w, sizeof(w), "r%u.inactive.%s", r->round, in_names[k]);
        cmp_num(d, w, &r->inactive[k], iv);
    }
    json_t *rs = json_object_get(x, "residual_surplus");
    /* RCTab-derived cases omit the two STV-only keys: only flag extras */
    if (rs != NULL && !r->stv_multi) {
        note(d, "r%u.residual_surplus presence", r->round);
    }
    snprintf(w, sizeof(w), "r%u.residual_surplus", r->round);
    cmp_num(d, w, &r->residual_surplus, rs);
    /* transfers: one key per elected/eliminated option */
    json_t *tr = json_object_get(x, "transfers");
    size_t nk = r->n_elected + r->n_eliminated;
    if (!json_is_object(tr) || json_object_size(tr) != nk) {
        note(d, "r%u.transfers: %zu keys expected %zu", r->round, nk, json_object_size(tr));
        return;
    }
    size_t seen = 0;
    for (size_t k = 0; k < nk; k++) {
        uint32_t from = k < r->n_elected ? r->elected[k] : r->eliminated[k - r->n_elected];
        json_t *row = json_object_get(tr, name(e, from));
        if (!json_is_object(row)) {
            note(d, "r%u.transfers: no key %s", r->round, name(e, from));
            continue;
        }
        size_t cnt = 0;
        for (size_t t = 0; t < r->n_transfers; t++) {
            const struct tally_transfer *tt = &r->transfers[t];
            if (tt->from != from) {
                continue;
            }
            cnt++;
            const char *to = tt->to == TALLY_TO_EXHAUSTED  ? "exhausted"
                             : tt->to == TALLY_TO_RESIDUAL ? "residual_surplus"
                                                           : name(e, tt->to);
            char ww[300];
            snprintf(ww, sizeof(ww), "r%u.transfers[%s][%s]", r->round, name(e, from), to);
            json_t *ev = json_object_get(row, to);
            if (ev == NULL) {
                char b[64];
                note(d, "%s: got %s, expected none", ww, fmt_dec(&tt->value, b));
            } else {
                cmp_num(d, ww, &tt->value, ev);
            }
        }
        /* zero-valued expected cells are allowed to be absent on our side */
        const char *key;
        json_t *ev;
        size_t nonzero = 0;
        json_object_foreach(row, key, ev)
        {
            nonzero += json_number_value(ev) != 0;
        }
        if (nonzero != cnt) {
            note(d, "r%u.transfers[%s]: %zu targets, expected %zu", r->round, name(e, from), cnt,
                 nonzero);
        }
        seen++;
    }
    (void)seen;
}

static uint16_t cc_of(const char *s)
{
    return TALLY_COUNTRY(s[0], s[1]);
}

static void cmp_by_country(struct diff *d, const struct tally_election *e,
                           const struct tally_result *r, json_t *exp)
{
    if (exp == NULL) {
        if (r->has_by_country) {
            note(d, "by_country: not expected");
        }
        return;
    }
    if (!r->has_by_country || json_object_size(exp) != r->n_by_country) {
        note(d, "by_country: %zu countries, expected %zu", r->n_by_country, json_object_size(exp));
        return;
    }
    for (size_t k = 0; k < r->n_by_country; k++) {
        const struct tally_country_stat *s = &r->by_country[k];
        char code[3] = {(char)(s->country >> 8), (char)(s->country & 0xff), 0}, w[64];
        json_t *x = json_object_get(exp, code);
        if (x == NULL) {
            note(d, "by_country: unexpected %s", code);
            continue;
        }
        if ((uint64_t)json_integer_value(json_object_get(x, "ballots")) != s->ballots) {
            note(d, "by_country[%s].ballots %llu", code, (unsigned long long)s->ballots);
        }
        snprintf(w, sizeof(w), "by_country[%s].value", code);
        cmp_num(d, w, &s->value, json_object_get(x, "value"));
        snprintf(w, sizeof(w), "by_country[%s].first", code);
        cmp_opt_map(d, e, w, s->first, s->first_present, json_object_get(x, "first_preferences"));
        if (s->has_final) {
            snprintf(w, sizeof(w), "by_country[%s].final", code);
            cmp_opt_map(d, e, w, s->final, s->final_present, json_object_get(x, "final"));
        }
    }
}

static void cmp_cap(struct diff *d, const struct tally_result *r, json_t *exp)
{
    if (exp == NULL) {
        return;
    }
    if (!r->country_cap.present) {
        note(d, "country_cap missing");
        return;
    }
    cmp_num(d, "country_cap.cap", &r->country_cap.cap, json_object_get(exp, "cap"));
    json_t *f = json_object_get(exp, "factors");
    if (json_object_size(f) != r->country_cap.n) {
        note(d, "country_cap.factors size");
    }
    const char *key;
    json_t *v;
    json_object_foreach(f, key, v)
    {
        bool found = false;
        for (size_t k = 0; k < r->country_cap.n; k++) {
            if (r->country_cap.countries[k] == cc_of(key)) {
                char w[64];
                snprintf(w, sizeof(w), "country_cap.factors[%s]", key);
                cmp_num(d, w, &r->country_cap.factors[k], v);
                found = true;
            }
        }
        if (!found) {
            note(d, "country_cap.factors: missing %s", key);
        }
    }
}

static void cmp_dm(struct diff *d, const struct tally_election *e, const struct tally_result *r,
                   json_t *exp)
{
    if (exp == NULL) {
        return;
    }
    const struct tally_dm *m = &r->double_majority;
    if (!m->present) {
        note(d, "double_majority missing");
        return;
    }
    json_t *w = json_object_get(exp, "winner"), *ru = json_object_get(exp, "runner_up");
    if ((m->winner == TALLY_NONE) != json_is_null(w) ||
        (m->winner != TALLY_NONE && strcmp(json_string_value(w), name(e, m->winner)))) {
        note(d, "double_majority.winner");
    }
    if ((m->runner_up == TALLY_NONE) != json_is_null(ru) ||
        (m->runner_up != TALLY_NONE && strcmp(json_string_value(ru), name(e, m->runner_up)))) {
        note(d, "double_majority.runner_up");
    }
    if ((uint32_t)json_integer_value(json_object_get(exp, "countries_considered")) !=
            m->considered ||
        (uint32_t)json_integer_value(json_object_get(exp, "countries_carried")) != m->carried ||
        json_is_true(json_object_get(exp, "met")) != m->met) {
        note(d, "double_majority: n/m/met %u/%u/%d", m->considered, m->carried, m->met);
    }
    cmp_num(d, "double_majority.min_country_share", &m->min_country_share,
            json_object_get(exp, "min_country_share"));
    json_t *bc = json_object_get(exp, "by_country");
    if (json_object_size(bc) != m->n) {
        note(d, "double_majority.by_country size %zu", m->n);
    }
    for (size_t k = 0; k < m->n; k++) {
        char code[3] = {(char)(m->countries[k] >> 8), (char)(m->countries[k] & 0xff), 0};
        json_t *x = json_object_get(bc, code);
        cmp_num(d, "dm.by_country.winner", &m->winner_value[k], json_object_get(x, "winner"));
        cmp_num(d, "dm.by_country.runner_up", &m->runner_up_value[k],
                json_object_get(x, "runner_up"));
    }
}

static void cmp_schulze(struct diff *d, const struct tally_election *e,
                        const struct tally_result *r, json_t *exp)
{
    json_t *rk = json_object_get(exp, "ranking");
    if (rk == NULL) {
        return;
    }
    const struct tally_schulze *s = &r->schulze;
    if (!s->present) {
        note(d, "schulze result missing");
        return;
    }
    cmp_set(d, e, "ranking", s->ranking, s->n_ranking, rk, true);
    json_t *cw = json_object_get(exp, "condorcet_winner");
    if ((s->condorcet_winner == TALLY_NONE) != json_is_null(cw) ||
        (s->condorcet_winner != TALLY_NONE &&
         strcmp(json_string_value(cw), name(e, s->condorcet_winner)))) {
        note(d, "condorcet_winner");
    }
    const char *mats[2] = {"pairwise", "strongest_paths"};
    for (int q = 0; q < 2; q++) {
        json_t *mx = json_object_get(exp, mats[q]);
        const struct tally_dec *vals = q ? s->strongest : s->pairwise;
        const char *kx;
        json_t *row;
        json_object_foreach(mx, kx, row)
        {
            uint32_t x = tally_election_find_option(e, kx, strlen(kx));
            const char *ky;
            json_t *v;
            json_object_foreach(row, ky, v)
            {
                uint32_t y = tally_election_find_option(e, ky, strlen(ky));
                char w[300];
                snprintf(w, sizeof(w), "%s[%s][%s]", mats[q], kx, ky);
                if (x == TALLY_NONE || y == TALLY_NONE || vals == NULL) {
                    note(d, "%s: bad key", w);
                    continue;
                }
                cmp_num(d, w, &vals[(size_t)x * e->n_options + y], v);
            }
        }
    }
}

int case_compare(const struct tally_election *e, const struct tally_result *r, json_t *exp,
                 char *buf, size_t len)
{
    struct diff d = {buf, len, 0, 0};
    if (len) {
        buf[0] = '\0';
    }
    cmp_set(&d, e, "winners", r->winners, r->n_winners, json_object_get(exp, "winners"), true);
    cmp_num(&d, "blank_ballots", &r->blank_ballots, json_object_get(exp, "blank_ballots"));
    json_t *rid = json_object_get(exp, "rules_id");
    if ((rid != NULL) != (r->rules_id != NULL) ||
        (rid && strcmp(json_string_value(rid), r->rules_id))) {
        note(&d, "rules_id");
    }
    json_t *rounds = json_object_get(exp, "rounds");
    if (json_array_size(rounds) != r->n_rounds) {
        note(&d, "rounds: %zu, expected %zu", r->n_rounds, json_array_size(rounds));
    }
    for (size_t i = 0; i < r->n_rounds && i < json_array_size(rounds); i++) {
        cmp_round(&d, e, &r->rounds[i], json_array_get(rounds, i), i);
    }
    cmp_by_country(&d, e, r, json_object_get(exp, "by_country"));
    cmp_cap(&d, r, json_object_get(exp, "country_cap"));
    cmp_dm(&d, e, r, json_object_get(exp, "double_majority"));
    cmp_schulze(&d, e, r, exp);
    return d.n;
}
