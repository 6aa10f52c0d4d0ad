/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * election_read.c: pnyx-election/1 text -> struct tally_election.
 *
 * One pass over the top-level object. `options` is read as soon as it is
 * met; `rules` and `ballots` need the option ids to resolve references, so
 * when either comes before `options` its offset is remembered, the value is
 * skipped (and thereby validated), and it is read again once the object is
 * complete. In the usual order (options, rules, ballots) the ballots stream
 * straight from the buffer into the builder. Rules after ballots are fine:
 * weights are kept as exact decimals and checked against decimal_places by
 * tally_run. Every refusal names the member and, for ballots, the 1-based
 * entry number ("ballot 3: ...").
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "election.h"
#include "json_scan.h"

#define FORMAT_ID "pnyx-election/1"

/*
 * Short option ids (<= 8 bytes) are looked up in the reader's own table,
 * keyed by the id's bytes packed into one word: a ranking mark then costs a
 * multiply and usually one compare instead of hashing bytes and memcmp.
 * Longer ids fall back to tally_election_find_option.
 */
struct id_slot {
    uint64_t key;
    uint32_t len; /* 0 = empty slot (an empty id is never cached) */
    uint32_t opt;
};

struct reader {
    const char *buf;
    size_t len;
    struct jscan *s; /* the scanner in use */
    struct tally_election *e;
    struct tally_error *err;
    struct id_slot *ids; /* built on the first ballot; NULL = not yet / no memory */
    unsigned ids_shift;  /* 64 - log2(table size) */
    bool ids_built;
};

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

static int fail(struct reader *r, int code, long entry, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(struct reader *r, int code, long entry, const char *field, const char *fmt, ...)
{
    struct tally_error *err = r->err;
    va_list ap;
    err->code = code;
    err->entry = entry;
    (void)snprintf(err->field, sizeof err->field, "%s", field);
    va_start(ap, fmt);
    (void)vsnprintf(err->reason, sizeof err->reason, fmt, ap);
    va_end(ap);
    return code;
}

/* The scanner failed: bad JSON (or no memory while decoding a string). */
static int fail_scan(struct reader *r)
{
    return fail(r, r->s->nomem ? TALLY_ENOMEM : TALLY_EINVAL, -1, "", "%s", r->s->error);
}

/*
 * Quotes an id from the input for a message: at most ~40 bytes (cut on a
 * UTF-8 boundary, "..." appended), control characters and quotes shown as
 * '?', so a hostile id cannot forge extra lines or break the reason string.
 */
static const char *quote(char *out, size_t cap, const char *s, size_t len)
{
    size_t o = 0, max = cap > 8 ? cap - 6 : 0;
    if (max > 40) {
        max = 40;
    }
    out[o++] = '"';
    size_t i = 0;
    while (i < len && o < max) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + n > len || o + n > max) {
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            out[o++] = '?';
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    if (i < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

static const char *tok_name(enum jscan_token t)
{
    switch (t) {
    case JSCAN_OBJECT_BEGIN:
        return "an object";
    case JSCAN_ARRAY_BEGIN:
        return "an array";
    case JSCAN_STRING:
        return "a string";
    case JSCAN_NUMBER:
        return "a number";
    case JSCAN_TRUE:
    case JSCAN_FALSE:
        return "a boolean";
    case JSCAN_NULL:
        return "null";
    default:
        return "something else";
    }
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                   */

static bool key_is(const struct jscan *s, const char *k)
{
    size_t n = strlen(k);
    return s->len == n && memcmp(s->text, k, n) == 0;
}

/*
 * Parses JSON integer text (already validated by the scanner, is_integer) to
 * int64. Returns false if it does not fit.
 */
static bool parse_i64(const char *t, size_t len, int64_t *out)
{
    bool neg = len > 0 && t[0] == '-';
    size_t i = neg ? 1 : 0;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned d = (unsigned)(t[i] - '0');
        if (v > (lim - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Reads an integer member into *out with a range check [lo, hi]. */
static int get_int(struct reader *r, enum jscan_token t, const char *field, int64_t lo, int64_t hi,
                   int64_t *out)
{
    struct jscan *s = r->s;
    int64_t v;
    if (t != JSCAN_NUMBER || !s->is_integer) {
        return fail(r, TALLY_EINVAL, -1, field, "%s must be a JSON integer, not %s", field,
                    t == JSCAN_NUMBER ? "a number with a fraction or exponent" : tok_name(t));
    }
    if (!parse_i64(s->text, s->len, &v) || v < lo || v > hi) {
        return fail(r, TALLY_EINVAL, -1, field,
                    "%s: %.*s is out of range [%" PRId64 ", %" PRId64 "]", field,
                    (int)(s->len > 40 ? 40 : s->len), s->text, lo, hi);
    }
    *out = v;
    return TALLY_OK;
}

static int get_bool(struct reader *r, enum jscan_token t, const char *field, bool *out)
{
    if (t != JSCAN_TRUE && t != JSCAN_FALSE) {
        return fail(r, TALLY_EINVAL, -1, field, "%s must be true or false, not %s", field,
                    tok_name(t));
    }
    *out = t == JSCAN_TRUE;
    return TALLY_OK;
}

/*
 * Matches a string member against names[0..n); *out = index. The error lists
 * the accepted values.
 */
static int get_enum(struct reader *r, enum jscan_token t, const char *field,
                    const char *const *names, int n, int *out)
{
    struct jscan *s = r->s;
    char q[64], list[200];
    if (t == JSCAN_STRING) {
        for (int i = 0; i < n; i++) {
            if (key_is(s, names[i])) {
                *out = i;
                return TALLY_OK;
            }
        }
    }
    size_t o = 0;
    list[0] = '\0';
    for (int i = 0; i < n && o < sizeof list; i++) {
        int w = snprintf(list + o, sizeof list - o, "%s\"%s\"", i ? ", " : "", names[i]);
        if (w < 0) {
            break;
        }
        o += (size_t)w;
    }
    if (t != JSCAN_STRING) {
        return fail(r, TALLY_EINVAL, -1, field, "%s must be one of %s, not %s", field, list,
                    tok_name(t));
    }
    return fail(r, TALLY_EINVAL, -1, field, "%s: unknown value %s (expected one of %s)", field,
                quote(q, sizeof q, s->text, s->len), list);
}

/*
 * A "dec" quantity (§3): a string holding a plain decimal or a JSON integer;
 * with allow_number also a JSON number with fraction/exponent
 * (bottoms_up_percentage). ctx prefixes the message ("ballot 3: weight").
 */
static int get_dec(struct reader *r, enum jscan_token t, long entry, const char *field,
                   const char *ctx, bool allow_number, struct tally_dec *out)
{
    struct jscan *s = r->s;
    char q[64];
    int rc;
    if (t == JSCAN_STRING) {
        rc = tally_dec_parse(s->text, s->len, out);
    } else if (t == JSCAN_NUMBER && (s->is_integer || allow_number)) {
        if (s->text[0] == '-') {
            return fail(r, TALLY_EINVAL, entry, field, "%s must not be negative (%.*s)", ctx,
                        (int)(s->len > 40 ? 40 : s->len), s->text);
        }
        rc = s->is_integer ? tally_dec_parse(s->text, s->len, out)
                           : tally_dec_parse_number(s->text, s->len, out);
    } else if (t == JSCAN_NUMBER) {
        return fail(r, TALLY_EINVAL, entry, field,
                    "%s %.*s is a JSON number with a fraction or exponent, which is not exact: "
                    "write it as a string (\"0.5\") or an integer",
                    ctx, (int)(s->len > 40 ? 40 : s->len), s->text);
    } else {
        return fail(r, TALLY_EINVAL, entry, field,
                    "%s must be a decimal string or a JSON integer, not %s", ctx, tok_name(t));
    }
    if (rc == TALLY_ERANGE) {
        return fail(r, TALLY_ERANGE, entry, field, "%s %s has more digits than the engine keeps",
                    ctx, quote(q, sizeof q, s->text, s->len));
    }
    if (rc != TALLY_OK) {
        return fail(r, TALLY_EINVAL, entry, field,
                    "%s %s is not a plain decimal (digits, optionally '.' and digits)", ctx,
                    quote(q, sizeof q, s->text, s->len));
    }
    return TALLY_OK;
}

/* An option id member (string) -> index; unknown ids are an error. */
static int get_option(struct reader *r, enum jscan_token t, const char *field, uint32_t *out)
{
    struct jscan *s = r->s;
    char q[64];
    if (t != JSCAN_STRING) {
        return fail(r, TALLY_EINVAL, -1, field, "%s must be an option id (a string), not %s", field,
                    tok_name(t));
    }
    uint32_t o = tally_election_find_option(r->e, s->text, s->len);
    if (o == TALLY_NONE) {
        return fail(r, TALLY_EINVAL, -1, field, "%s: unknown option id %s", field,
                    quote(q, sizeof q, s->text, s->len));
    }
    *out = o;
    return TALLY_OK;
}

/* A list of option ids without repeats, each passed to add(). */
static int get_option_list(struct reader *r, enum jscan_token t, const char *field,
                           int (*add)(struct tally_election *, uint32_t))
{
    struct jscan *s = r->s;
    char q[64];
    if (t != JSCAN_ARRAY_BEGIN) {
        return fail(r, TALLY_EINVAL, -1, field, "%s must be a list of option ids, not %s", field,
                    tok_name(t));
    }
    size_t n = r->e->n_options;
    uint8_t *seen = calloc(n ? n : 1, 1);
    if (seen == NULL) {
        return fail(r, TALLY_ENOMEM, -1, field, "out of memory");
    }
    int rc = TALLY_OK;
    for (;;) {
        t = jscan_next(s);
        if (t == JSCAN_ARRAY_END) {
            break;
        }
        if (t == JSCAN_ERROR) {
            rc = fail_scan(r);
            break;
        }
        uint32_t o = TALLY_NONE;
        rc = get_option(r, t, field, &o);
        if (rc != TALLY_OK) {
            break;
        }
        if (seen[o]) {
            rc = fail(r, TALLY_EINVAL, -1, field, "%s lists %s twice", field,
                      quote(q, sizeof q, s->text, s->len));
            break;
        }
        seen[o] = 1;
        rc = add(r->e, o);
        if (rc != TALLY_OK) {
            rc = fail(r, rc, -1, field, "%s: cannot add %s", field,
                      quote(q, sizeof q, s->text, s->len));
            break;
        }
    }
    free(seen);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Rules (§3)                                                                */

static const char *const overvote_names[] = {"exhaust", "skip", "exhaust_if_multiple_continuing"};
static const char *const tiebreak_names[] = {"order", "random", "previous_rounds_then_random",
                                             "previous_rounds_then_ask", "ask"};
static const char *const winner_mode_names[] = {"standard", "one_per_round", "bottoms_up",
                                                "bottoms_up_percentage", "multi_pass"};
static const char *const quota_names[] = {"droop", "hare"};
static const char *const method_names[] = {"irv", "stv", "schulze"};

/* 2^47: the random seed's range (§3), the low 48 bits of java.util.Random. */
#define SEED_LIMIT ((int64_t)1 << 47)

/* Compares d with the small integer v. */
static int dec_cmp_int(const struct tally_dec *d, int64_t v)
{
    struct tally_dec i = tally_dec_int(v);
    return tally_dec_cmp(d, &i);
}

/* rules.double_majority: null or {"min_country_share": dec in (0, 1]}. */
static int read_double_majority(struct reader *r, enum jscan_token t)
{
    struct jscan *s = r->s;
    struct tally_rules *ru = &r->e->rules;
    const char *field = "rules.double_majority";
    char q[64];
    if (t == JSCAN_NULL) {
        ru->has_double_majority = false;
        return TALLY_OK;
    }
    if (t != JSCAN_OBJECT_BEGIN) {
        return fail(r, TALLY_EINVAL, -1, field,
                    "%s must be null or {\"min_country_share\": decimal}, not %s", field,
                    tok_name(t));
    }
    bool have = false;
    for (;;) {
        t = jscan_next(s);
        if (t == JSCAN_OBJECT_END) {
            break;
        }
        if (t == JSCAN_ERROR) {
            return fail_scan(r);
        }
        if (key_is(s, "min_country_share")) {
            if (have) {
                return fail(r, TALLY_EINVAL, -1, field, "%s: min_country_share given twice", field);
            }
            int rc =
                get_dec(r, jscan_next(s), -1, "rules.double_majority.min_country_share",
                        "rules.double_majority.min_country_share", false, &ru->min_country_share);
            if (rc != TALLY_OK) {
                return rc;
            }
            if (dec_cmp_int(&ru->min_country_share, 0) <= 0 ||
                dec_cmp_int(&ru->min_country_share, 1) > 0) {
                return fail(r, TALLY_EINVAL, -1, field,
                            "rules.double_majority.min_country_share must lie in (0, 1]");
            }
            have = true;
        } else if (s->len > 0 && s->text[0] == '_') {
            if (!jscan_skip(s, jscan_next(s))) {
                return fail_scan(r);
            }
        } else {
            return fail(r, TALLY_EINVAL, -1, field, "%s: unknown member %s", field,
                        quote(q, sizeof q, s->text, s->len));
        }
    }
    if (!have) {
        return fail(r, TALLY_EINVAL, -1, field, "%s needs min_country_share", field);
    }
    ru->has_double_majority = true;
    return TALLY_OK;
}

/* One rule whose key is the current token; reads its value. */
static int read_rule(struct reader *r, uint32_t *seen_bits)
{
    struct jscan *s = r->s;
    struct tally_rules *ru = &r->e->rules;
    char q[64], field[48];
    int rc, ix = 0;

    if ((s->len > 0 && s->text[0] == '_') || (s->len >= 6 && memcmp(s->text, "rctab_", 6) == 0)) {
        /* annotations (§3) */
        return jscan_skip(s, jscan_next(s)) ? TALLY_OK : fail_scan(r);
    }
    static const char *const keys[] = {"overvote",
                                       "max_skipped_ranks",
                                       "exhaust_on_duplicate",
                                       "max_rankings",
                                       "excluded",
                                       "undeclared_write_in",
                                       "batch_elimination",
                                       "continue_until_two",
                                       "first_round_determines_threshold",
                                       "stop_after_round",
                                       "tiebreak",
                                       "tiebreak_order",
                                       "random_seed",
                                       "winner_mode",
                                       "quota",
                                       "non_integer_threshold",
                                       "decimal_places",
                                       "bottoms_up_percentage",
                                       "cutoff_elimination",
                                       "country_cap",
                                       "double_majority",
                                       "rules_id"};
    int k = -1;
    for (int i = 0; i < (int)(sizeof keys / sizeof keys[0]); i++) {
        if (key_is(s, keys[i])) {
            k = i;
            break;
        }
    }
    if (k < 0) {
        return fail(r, TALLY_EINVAL, -1, "rules", "rules: unknown rule %s",
                    quote(q, sizeof q, s->text, s->len));
    }
    (void)snprintf(field, sizeof field, "rules.%s", keys[k]);
    if (*seen_bits & (1u << k)) {
        return fail(r, TALLY_EINVAL, -1, field, "%s is given twice", field);
    }
    *seen_bits |= 1u << k;

    enum jscan_token t = jscan_next(s);
    if (t == JSCAN_ERROR) {
        return fail_scan(r);
    }
    switch (k) {
    case 0:
        rc = get_enum(r, t, field, overvote_names, 3, &ix);
        ru->overvote = (enum tally_overvote)ix;
        return rc;
    case 1:
        if (t == JSCAN_NULL) {
            ru->max_skipped_ranks = -1;
            return TALLY_OK;
        }
        return get_int(r, t, field, 0, INT64_MAX, &ru->max_skipped_ranks);
    case 2:
        return get_bool(r, t, field, &ru->exhaust_on_duplicate);
    case 3:
        if (t == JSCAN_NULL) {
            ru->max_rankings = -1;
            return TALLY_OK;
        }
        return get_int(r, t, field, 1, INT64_MAX, &ru->max_rankings);
    case 4: /* a list, default []; null is not one of its values (§3) */
        return get_option_list(r, t, field, tally_rules_add_excluded);
    case 5:
        if (t == JSCAN_NULL) {
            ru->undeclared_write_in = TALLY_NONE;
            return TALLY_OK;
        }
        return get_option(r, t, field, &ru->undeclared_write_in);
    case 6:
        return get_bool(r, t, field, &ru->batch_elimination);
    case 7:
        return get_bool(r, t, field, &ru->continue_until_two);
    case 8:
        return get_bool(r, t, field, &ru->first_round_determines_threshold);
    case 9:
        if (t == JSCAN_NULL) {
            ru->stop_after_round = -1;
            return TALLY_OK;
        }
        return get_int(r, t, field, 1, INT64_MAX, &ru->stop_after_round);
    case 10:
        rc = get_enum(r, t, field, tiebreak_names, 5, &ix);
        ru->tiebreak = (enum tally_tiebreak)ix;
        return rc;
    case 11:
        if (t == JSCAN_NULL) {
            ru->has_tiebreak_order = false;
            return TALLY_OK;
        }
        rc = get_option_list(r, t, field, tally_rules_add_tiebreak_order);
        /* an empty list is a list, not null */
        ru->has_tiebreak_order = true;
        return rc;
    case 12:
        return get_int(r, t, field, -SEED_LIMIT, SEED_LIMIT - 1, &ru->random_seed);
    case 13:
        rc = get_enum(r, t, field, winner_mode_names, 5, &ix);
        ru->winner_mode = (enum tally_winner_mode)ix;
        return rc;
    case 14:
        rc = get_enum(r, t, field, quota_names, 2, &ix);
        ru->quota = (enum tally_quota)ix;
        return rc;
    case 15:
        return get_bool(r, t, field, &ru->non_integer_threshold);
    case 16:
        return get_int(r, t, field, 1, 20, &ru->decimal_places);
    case 17:
        if (t == JSCAN_NULL) {
            ru->has_bottoms_up_percentage = false;
            return TALLY_OK;
        }
        rc = get_dec(r, t, -1, field, field, true, &ru->bottoms_up_percentage);
        if (rc != TALLY_OK) {
            return rc;
        }
        if (dec_cmp_int(&ru->bottoms_up_percentage, 1) < 0 ||
            dec_cmp_int(&ru->bottoms_up_percentage, 100) > 0) {
            return fail(r, TALLY_EINVAL, -1, field, "%s must lie in [1, 100]", field);
        }
        ru->has_bottoms_up_percentage = true;
        return TALLY_OK;
    case 18:
        return get_bool(r, t, field, &ru->cutoff_elimination);
    case 19:
        if (t == JSCAN_NULL) {
            ru->has_country_cap = false;
            return TALLY_OK;
        }
        rc = get_dec(r, t, -1, field, field, false, &ru->country_cap);
        if (rc != TALLY_OK) {
            return rc;
        }
        if (dec_cmp_int(&ru->country_cap, 0) <= 0 || dec_cmp_int(&ru->country_cap, 1) > 0) {
            return fail(r, TALLY_EINVAL, -1, field, "%s must lie in (0, 1]", field);
        }
        ru->has_country_cap = true;
        return TALLY_OK;
    case 20:
        return read_double_majority(r, t);
    default: /* rules_id */
        if (t == JSCAN_NULL) {
            return TALLY_OK;
        }
        if (t != JSCAN_STRING) {
            return fail(r, TALLY_EINVAL, -1, field, "%s must be a string or null, not %s", field,
                        tok_name(t));
        }
        if (s->has_nul) {
            return fail(r, TALLY_EINVAL, -1, field, "%s must not contain U+0000", field);
        }
        if (tally_rules_set_rules_id(r->e, s->text, s->len) != TALLY_OK) {
            return fail(r, TALLY_ENOMEM, -1, field, "out of memory");
        }
        return TALLY_OK;
    }
}

/* rules: the value's first token t was just read. */
static int read_rules(struct reader *r, enum jscan_token t)
{
    uint32_t seen = 0;
    /* "object or absent" (§2): null is a type error like any other */
    if (t != JSCAN_OBJECT_BEGIN) {
        return fail(r, TALLY_EINVAL, -1, "rules", "rules must be an object, not %s", tok_name(t));
    }
    for (;;) {
        t = jscan_next(r->s);
        if (t == JSCAN_OBJECT_END) {
            return TALLY_OK;
        }
        if (t == JSCAN_ERROR) {
            return fail_scan(r);
        }
        int rc = read_rule(r, &seen);
        if (rc != TALLY_OK) {
            return rc;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Options and ballots (§2)                                                  */

static int read_options(struct reader *r, enum jscan_token t)
{
    struct jscan *s = r->s;
    if (t != JSCAN_ARRAY_BEGIN) {
        return fail(r, TALLY_EINVAL, -1, "options", "options must be a list of strings, not %s",
                    tok_name(t));
    }
    for (size_t i = 0;; i++) {
        t = jscan_next(s);
        if (t == JSCAN_ARRAY_END) {
            return TALLY_OK;
        }
        if (t == JSCAN_ERROR) {
            return fail_scan(r);
        }
        if (t != JSCAN_STRING) {
            return fail(r, TALLY_EINVAL, -1, "options",
                        "options[%zu] must be a string (an option id), not %s", i, tok_name(t));
        }
        int rc = tally_election_add_option(r->e, s->text, s->len, r->err);
        if (rc != TALLY_OK) {
            if (rc == TALLY_ENOMEM) {
                return fail(r, rc, -1, "options", "out of memory");
            }
            return rc; /* err filled by the builder (duplicate id) */
        }
    }
}

/* One id of a mark: string -> option index added to the open mark. */
static uint64_t pack_id(const char *s, size_t len)
{
    uint64_t k = 0;
    memcpy(&k, s, len);
    return k;
}

/* Fibonacci hashing of a packed id into the table's top bits. */
static size_t id_hash(uint64_t key, uint32_t len, unsigned shift)
{
    return (size_t)(((key ^ len) * 0x9E3779B97F4A7C15ULL) >> shift);
}

/* Builds the short-id table once the options are final (first ballot). */
static void build_id_table(struct reader *r)
{
    const struct tally_election *e = r->e;
    size_t cap = 16;
    unsigned bits = 4;
    r->ids_built = true;
    while (cap < 4 * e->n_options) {
        cap *= 2;
        bits++;
    }
    r->ids = calloc(cap, sizeof *r->ids);
    if (r->ids == NULL) {
        return; /* the slow path still works */
    }
    r->ids_shift = 64 - bits;
    for (size_t o = 0; o < e->n_options; o++) {
        uint32_t len = e->opt_len[o];
        if (len == 0 || len > 8) {
            continue;
        }
        uint64_t key = pack_id(e->opt_chars + e->opt_off[o], len);
        size_t i = id_hash(key, len, r->ids_shift);
        while (r->ids[i].len != 0) {
            i = (i + 1) & (cap - 1);
        }
        r->ids[i] = (struct id_slot){.key = key, .len = len, .opt = (uint32_t)o};
    }
}

static uint32_t find_option(struct reader *r, const char *s, size_t len)
{
    if (len == 0 || len > 8 || r->ids == NULL) {
        return tally_election_find_option(r->e, s, len);
    }
    uint64_t key;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (s >= r->buf && r->buf + r->len - s >= 8) {
        /* 8 readable bytes in the input: one load, keep the first len bytes
         * (the low ones on a little-endian machine), as pack_id does */
        memcpy(&key, s, 8);
        key &= len == 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * len)) - 1);
    } else {
        key = pack_id(s, len);
    }
#else
    key = pack_id(s, len);
#endif
    size_t mask = ((size_t)1 << (64 - r->ids_shift)) - 1;
    for (size_t i = id_hash(key, (uint32_t)len, r->ids_shift);; i = (i + 1) & mask) {
        const struct id_slot *x = &r->ids[i];
        if (x->len == 0) {
            return TALLY_NONE;
        }
        if (x->key == key && x->len == len) {
            return x->opt;
        }
    }
}

static __attribute__((cold, noinline)) int unknown_id(struct reader *r, uint64_t bi, size_t rank)
{
    char q[64];
    return fail(r, TALLY_EINVAL, (long)bi, "ranking",
                "ballot %" PRIu64 ": ranking[%zu]: unknown option id %s", bi + 1, rank,
                quote(q, sizeof q, r->s->text, r->s->len));
}

static int mark_id(struct reader *r, uint64_t bi, size_t rank)
{
    struct jscan *s = r->s;
    uint32_t o = find_option(r, s->text, s->len);
    if (o == TALLY_NONE) {
        return unknown_id(r, bi, rank);
    }
    if (tally_election_mark_add(r->e, o) != TALLY_OK) {
        return fail(r, TALLY_ENOMEM, (long)bi, "ranking", "out of memory");
    }
    return TALLY_OK;
}

static int nomem(struct reader *r, uint64_t bi)
{
    return fail(r, TALLY_ENOMEM, (long)bi, "ranking", "out of memory");
}

/* ranking: the '[' was just read. Appends ranks to the builder's pending entry. */
static int read_ranking(struct reader *r, uint64_t bi)
{
    struct jscan *s = r->s;
    struct tally_election *e = r->e;
    int rc;
    for (size_t rank = 0;; rank++) {
        enum jscan_token t = jscan_next(s);
        switch (t) {
        case JSCAN_ARRAY_END:
            return TALLY_OK;
        case JSCAN_STRING:
            if (tally_election_mark_open(e) != TALLY_OK) {
                return nomem(r, bi);
            }
            rc = mark_id(r, bi, rank);
            if (rc != TALLY_OK) {
                return rc;
            }
            if (tally_election_mark_close(e) != TALLY_OK) {
                return nomem(r, bi);
            }
            break;
        case JSCAN_NULL:
            if (tally_election_skip(e) != TALLY_OK) {
                return nomem(r, bi);
            }
            break;
        case JSCAN_ARRAY_BEGIN:
            if (tally_election_mark_open(e) != TALLY_OK) {
                return nomem(r, bi);
            }
            for (;;) {
                t = jscan_next(s);
                if (t == JSCAN_ARRAY_END) {
                    break;
                }
                if (t == JSCAN_ERROR) {
                    return fail_scan(r);
                }
                if (t != JSCAN_STRING) {
                    return fail(r, TALLY_EINVAL, (long)bi, "ranking",
                                "ballot %" PRIu64
                                ": ranking[%zu]: a list at one rank must hold option ids "
                                "(strings), not %s",
                                bi + 1, rank, tok_name(t));
                }
                rc = mark_id(r, bi, rank);
                if (rc != TALLY_OK) {
                    return rc;
                }
            }
            if (tally_election_mark_close(e) != TALLY_OK) {
                return nomem(r, bi);
            }
            break;
        case JSCAN_ERROR:
            return fail_scan(r);
        default:
            return fail(r, TALLY_EINVAL, (long)bi, "ranking",
                        "ballot %" PRIu64
                        ": ranking[%zu] must be an option id, a list of option ids or null, "
                        "not %s",
                        bi + 1, rank, tok_name(t));
        }
    }
}

/* Bits for the members of one ballot entry already seen. */
enum { B_RANKING = 1, B_COUNT = 2, B_WEIGHT = 4, B_COUNTRY = 8 };

static int dup_member(struct reader *r, uint64_t bi, const char *name)
{
    return fail(r, TALLY_EINVAL, (long)bi, name, "ballot %" PRIu64 ": %s is given twice", bi + 1,
                name);
}

/* One ballot entry; its '{' (or wrong first token t) was just read. */
static int read_ballot(struct reader *r, enum jscan_token t, uint64_t bi)
{
    struct jscan *s = r->s;
    unsigned seen = 0;
    uint64_t count = 1;
    struct tally_dec weight;
    bool has_weight = false;
    uint16_t country = TALLY_COUNTRY_NONE;
    char ctx[48], q[64];
    int rc;

    if (t != JSCAN_OBJECT_BEGIN) {
        return fail(r, TALLY_EINVAL, (long)bi, "ballots",
                    "ballot %" PRIu64 ": a ballot entry must be an object, not %s", bi + 1,
                    tok_name(t));
    }
    for (;;) {
        t = jscan_next(s);
        if (t == JSCAN_OBJECT_END) {
            break;
        }
        if (t == JSCAN_ERROR) {
            return fail_scan(r);
        }
        /* t == JSCAN_KEY: dispatch on length first, the hot path */
        if (s->len == 7 && memcmp(s->text, "ranking", 7) == 0) {
            if (seen & B_RANKING) {
                return dup_member(r, bi, "ranking");
            }
            seen |= B_RANKING;
            t = jscan_next(s);
            if (t != JSCAN_ARRAY_BEGIN) {
                if (t == JSCAN_ERROR) {
                    return fail_scan(r);
                }
                return fail(r, TALLY_EINVAL, (long)bi, "ranking",
                            "ballot %" PRIu64 ": ranking must be a list, not %s", bi + 1,
                            tok_name(t));
            }
            rc = read_ranking(r, bi);
            if (rc != TALLY_OK) {
                return rc;
            }
        } else if (s->len == 5 && memcmp(s->text, "count", 5) == 0) {
            if (seen & B_COUNT) {
                return dup_member(r, bi, "count");
            }
            seen |= B_COUNT;
            t = jscan_next(s);
            int64_t v;
            if (t != JSCAN_NUMBER || !s->is_integer || s->text[0] == '-') {
                if (t == JSCAN_ERROR) {
                    return fail_scan(r);
                }
                return fail(r, TALLY_EINVAL, (long)bi, "count",
                            "ballot %" PRIu64 ": count must be a JSON integer >= 0, not %s%.*s",
                            bi + 1, t == JSCAN_NUMBER ? "" : tok_name(t),
                            t == JSCAN_NUMBER ? (int)(s->len > 40 ? 40 : s->len) : 0,
                            t == JSCAN_NUMBER ? s->text : "");
            }
            if (!parse_i64(s->text, s->len, &v)) {
                return fail(r, TALLY_ERANGE, (long)bi, "count",
                            "ballot %" PRIu64 ": count %.*s is larger than the engine's range",
                            bi + 1, (int)(s->len > 40 ? 40 : s->len), s->text);
            }
            count = (uint64_t)v;
        } else if (s->len == 6 && memcmp(s->text, "weight", 6) == 0) {
            if (seen & B_WEIGHT) {
                return dup_member(r, bi, "weight");
            }
            seen |= B_WEIGHT;
            t = jscan_next(s);
            if (t == JSCAN_NULL) {
                continue; /* default 1 (§2) */
            }
            if (t == JSCAN_ERROR) {
                return fail_scan(r);
            }
            (void)snprintf(ctx, sizeof ctx, "ballot %" PRIu64 ": weight", bi + 1);
            rc = get_dec(r, t, (long)bi, "weight", ctx, false, &weight);
            if (rc != TALLY_OK) {
                return rc;
            }
            if (dec_cmp_int(&weight, 0) <= 0) {
                return fail(r, TALLY_EINVAL, (long)bi, "weight",
                            "ballot %" PRIu64 ": weight must be greater than 0", bi + 1);
            }
            has_weight = true;
        } else if (s->len == 7 && memcmp(s->text, "country", 7) == 0) {
            if (seen & B_COUNTRY) {
                return dup_member(r, bi, "country");
            }
            seen |= B_COUNTRY;
            t = jscan_next(s);
            if (t == JSCAN_NULL) {
                continue;
            }
            if (t == JSCAN_ERROR) {
                return fail_scan(r);
            }
            if (t != JSCAN_STRING || s->len != 2 || s->text[0] < 'A' || s->text[0] > 'Z' ||
                s->text[1] < 'A' || s->text[1] > 'Z') {
                return fail(
                    r, TALLY_EINVAL, (long)bi, "country",
                    "ballot %" PRIu64 ": country must be two uppercase ASCII letters (ISO 3166-1 "
                    "alpha-2), not %s",
                    bi + 1, t == JSCAN_STRING ? quote(q, sizeof q, s->text, s->len) : tok_name(t));
            }
            country = TALLY_COUNTRY(s->text[0], s->text[1]);
        } else {
            /* other members are ignored (§2) */
            if (!jscan_skip(s, jscan_next(s))) {
                return fail_scan(r);
            }
        }
    }
    if (!(seen & B_RANKING)) {
        return fail(r, TALLY_EINVAL, (long)bi, "ranking",
                    "ballot %" PRIu64 ": missing ranking (every ballot entry needs one)", bi + 1);
    }
    rc = tally_election_add_entry(r->e, count, has_weight ? &weight : NULL, country, r->err);
    if (rc != TALLY_OK && rc != TALLY_EINVAL && r->err->reason[0] == '\0') {
        return fail(r, rc, (long)bi, "ballots", "ballot %" PRIu64 ": %s", bi + 1,
                    tally_status_str(rc));
    }
    return rc;
}

static int read_ballots(struct reader *r, enum jscan_token t)
{
    if (!r->ids_built) {
        build_id_table(r);
    }
    if (t != JSCAN_ARRAY_BEGIN) {
        return fail(r, TALLY_EINVAL, -1, "ballots", "ballots must be a list, not %s", tok_name(t));
    }
    for (uint64_t bi = 0;; bi++) {
        t = jscan_next(r->s);
        if (t == JSCAN_ARRAY_END) {
            return TALLY_OK;
        }
        if (t == JSCAN_ERROR) {
            return fail_scan(r);
        }
        int rc = read_ballot(r, t, bi);
        if (rc != TALLY_OK) {
            tally_election_discard_entry(r->e);
            return rc;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* The top-level object                                                      */

/* Reads a member skipped earlier (rules/ballots before options) at off. */
static int read_deferred(struct reader *r, size_t off, int (*fn)(struct reader *, enum jscan_token))
{
    struct jscan sub;
    struct jscan *outer = r->s;
    jscan_init_at(&sub, r->buf, r->len, off);
    r->s = &sub;
    int rc = fn(r, jscan_next(&sub));
    r->s = outer;
    jscan_fini(&sub);
    return rc;
}

enum {
    M_FORMAT = 1,
    M_NAME = 2,
    M_METHOD = 4,
    M_SEATS = 8,
    M_OPTIONS = 16,
    M_RULES = 32,
    M_BALLOTS = 64,
};

static int dup_top(struct reader *r, const char *name)
{
    return fail(r, TALLY_EINVAL, -1, name, "the member \"%s\" is given twice", name);
}

static int read_top(struct reader *r)
{
    struct jscan *s = r->s;
    unsigned seen = 0;
    bool defer_rules = false, defer_ballots = false;
    size_t rules_off = 0, ballots_off = 0;
    int rc, ix = 0;

    enum jscan_token t = jscan_next(s);
    if (t == JSCAN_ERROR) {
        return fail_scan(r);
    }
    if (t != JSCAN_OBJECT_BEGIN) {
        return fail(r, TALLY_EINVAL, -1, "", "an election must be a JSON object, not %s",
                    tok_name(t));
    }
    for (;;) {
        t = jscan_next(s);
        if (t == JSCAN_OBJECT_END) {
            break;
        }
        if (t == JSCAN_ERROR) {
            return fail_scan(r);
        }
        unsigned bit = 0;
        if (key_is(s, "format")) {
            bit = M_FORMAT;
        } else if (key_is(s, "name")) {
            bit = M_NAME;
        } else if (key_is(s, "method")) {
            bit = M_METHOD;
        } else if (key_is(s, "seats")) {
            bit = M_SEATS;
        } else if (key_is(s, "options")) {
            bit = M_OPTIONS;
        } else if (key_is(s, "rules")) {
            bit = M_RULES;
        } else if (key_is(s, "ballots")) {
            bit = M_BALLOTS;
        }
        if (bit == 0) {
            /* expected, source, description, anything else: ignored (§2) */
            if (!jscan_skip(s, jscan_next(s))) {
                return fail_scan(r);
            }
            continue;
        }
        if (seen & bit) {
            char name[16];
            (void)snprintf(name, sizeof name, "%.*s", (int)s->len, s->text);
            return dup_top(r, name);
        }
        seen |= bit;
        t = jscan_next(s);
        if (t == JSCAN_ERROR) {
            return fail_scan(r);
        }
        switch (bit) {
        case M_FORMAT:
            if (t != JSCAN_STRING || !key_is(s, FORMAT_ID)) {
                char q[64];
                return fail(r, TALLY_EINVAL, -1, "format",
                            "format must be \"" FORMAT_ID "\", not %s",
                            t == JSCAN_STRING ? quote(q, sizeof q, s->text, s->len) : tok_name(t));
            }
            break;
        case M_NAME:
            if (t != JSCAN_STRING) {
                return fail(r, TALLY_EINVAL, -1, "name", "name must be a string, not %s",
                            tok_name(t));
            }
            break;
        case M_METHOD:
            rc = get_enum(r, t, "method", method_names, 3, &ix);
            if (rc != TALLY_OK) {
                return rc;
            }
            r->e->method = (enum tally_method)ix;
            break;
        case M_SEATS:
            rc = get_int(r, t, "seats", 0, INT64_MAX, &r->e->seats);
            if (rc != TALLY_OK) {
                return rc;
            }
            break;
        case M_OPTIONS:
            rc = read_options(r, t);
            if (rc != TALLY_OK) {
                return rc;
            }
            break;
        case M_RULES:
            if (seen & M_OPTIONS) {
                rc = read_rules(r, t);
                if (rc != TALLY_OK) {
                    return rc;
                }
            } else {
                defer_rules = true;
                rules_off = s->tok_off;
                if (!jscan_skip(s, t)) {
                    return fail_scan(r);
                }
            }
            break;
        default: /* M_BALLOTS */
            if (seen & M_OPTIONS) {
                rc = read_ballots(r, t);
                if (rc != TALLY_OK) {
                    return rc;
                }
            } else {
                defer_ballots = true;
                ballots_off = s->tok_off;
                if (!jscan_skip(s, t)) {
                    return fail_scan(r);
                }
            }
            break;
        }
    }
    if (jscan_next(s) != JSCAN_END) {
        return fail_scan(r);
    }
    if (!(seen & M_FORMAT)) {
        return fail(r, TALLY_EINVAL, -1, "format", "missing format (\"" FORMAT_ID "\")");
    }
    if (!(seen & M_OPTIONS)) {
        return fail(r, TALLY_EINVAL, -1, "options", "missing options");
    }
    if (!(seen & M_SEATS)) {
        return fail(r, TALLY_EINVAL, -1, "seats", "missing seats");
    }
    if (!(seen & M_BALLOTS)) {
        return fail(r, TALLY_EINVAL, -1, "ballots", "missing ballots");
    }
    if (defer_rules) {
        rc = read_deferred(r, rules_off, read_rules);
        if (rc != TALLY_OK) {
            return rc;
        }
    }
    if (defer_ballots) {
        rc = read_deferred(r, ballots_off, read_ballots);
        if (rc != TALLY_OK) {
            return rc;
        }
    }
    return TALLY_OK;
}

int election_read(const void *buf, size_t len, struct tally_election *e, struct tally_error *err)
{
    struct jscan s;
    struct tally_error local;
    struct reader r = {.buf = buf, .len = len, .s = &s, .e = e, .err = err ? err : &local};
    r.err->code = TALLY_OK;
    r.err->entry = -1;
    r.err->field[0] = '\0';
    r.err->reason[0] = '\0';
    jscan_init(&s, buf, len);
    /* Capacity hint from the input size: a ballot entry takes at least ~30 bytes
     * of JSON and a rank ~4, typical files (bench/tally) ~60 and ~9.5; this
     * slightly overestimates distinct entries and ranks of grouped files (an
     * unused reserve costs address space only). Capped so a huge file of
     * repeated ballots does not reserve gigabytes; a failure is harmless. */
    size_t basis = len < ((size_t)64 << 20) ? len : ((size_t)64 << 20);
    (void)tally_election_reserve(e, basis / 48, basis / 6);
    int rc = read_top(&r);
    jscan_fini(&s);
    free(r.ids);
    return rc;
}
