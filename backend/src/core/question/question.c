/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/question/question.c — the spec rules and byte formats of
 * question.h. Every limit is named there; this file only applies them.
 */
#include "core/question/question.h"

#include <stdio.h>
#include <string.h>

#include "core/base/base.h"
#include "core/tally/tally.h"

static const char *const method_names[QUESTION_METHOD__COUNT] = {"irv", "stv", "schulze"};
static const char *const rules_ids[QUESTION_METHOD__COUNT] = {"pnyx-irv/1", "pnyx-stv/1",
                                                              "pnyx-schulze/1"};

enum question_method question_method_parse(const char *s)
{
    for (int m = 0; s != NULL && m < QUESTION_METHOD__COUNT; m++) {
        if (strcmp(s, method_names[m]) == 0) {
            return (enum question_method)m;
        }
    }
    return QUESTION_METHOD__COUNT;
}

const char *question_method_name(enum question_method m)
{
    return (unsigned)m < QUESTION_METHOD__COUNT ? method_names[m] : "unknown";
}

const char *question_rules_id(enum question_method m)
{
    return (unsigned)m < QUESTION_METHOD__COUNT ? rules_ids[m] : "unknown";
}

/* Records problem n (when it fits) and returns n + 1. */
static int add(struct question_problem *p, int cap, int n, const char *field, const char *code,
               const char *message)
{
    if (n < cap) {
        memset(&p[n], 0, sizeof(p[n]));
        snprintf(p[n].field, sizeof p[n].field, "%s", field);
        p[n].code = code;
        p[n].message = message;
    }
    return n + 1;
}

static void set_int(char out[QUESTION_DEC_MAX], bool *is_number, int64_t v)
{
    snprintf(out, QUESTION_DEC_MAX, "%lld", (long long)v);
    *is_number = true;
}

static void set_time(char out[QUESTION_DEC_MAX], int64_t t)
{
    char buf[BASE_RFC3339_MAX];
    if (base_rfc3339_format(t, -1, buf) == 0) {
        buf[0] = '\0';
    }
    snprintf(out, QUESTION_DEC_MAX, "%s", buf);
}

/* out_of_range with integer bounds (min > max: only min). */
static int range(struct question_problem *p, int cap, int n, const char *field, int64_t min,
                 int64_t max, const char *message)
{
    if (n < cap) {
        add(p, cap, n, field, "out_of_range", message);
        set_int(p[n].min, &p[n].min_is_number, min);
        if (max >= min) {
            set_int(p[n].max, &p[n].max_is_number, max);
        }
    }
    return n + 1;
}

int question_spec_check(const struct question_spec *s, int64_t *seats_out,
                        struct question_problem *p, int cap)
{
    int n = 0;
    int candidates = s->n_options - s->n_excluded;
    *seats_out = s->seats;
    if (s->n_options >= QUESTION_MIN_OPTIONS && s->n_options <= QUESTION_MAX_OPTIONS_N &&
        candidates < QUESTION_MIN_OPTIONS) {
        n = add(p, cap, n, "options", "too_few", "at least two options must not be excluded");
        if (n <= cap) {
            set_int(p[n - 1].min, &p[n - 1].min_is_number, QUESTION_MIN_OPTIONS);
        }
    }
    /* seats by method; bounds need at least 2 candidates to mean anything */
    int64_t max_seats = candidates > 1 ? candidates - 1 : 1;
    switch (s->method) {
    case QUESTION_IRV:
        if (s->seats == 0) {
            *seats_out = 1;
        } else if (s->seats != 1) {
            n = range(p, cap, n, "seats", 1, 1, "IRV elects exactly one option");
        }
        break;
    case QUESTION_STV:
        if (s->seats == 0) {
            n = add(p, cap, n, "seats", "required", "STV needs the number of seats (2 or more)");
        } else if (s->seats < 2 || (candidates >= 2 && s->seats > max_seats)) {
            n = range(p, cap, n, "seats", 2, max_seats < 2 ? 2 : max_seats,
                      "STV fills 2 or more seats, fewer than the options that are not excluded");
        }
        break;
    case QUESTION_SCHULZE:
        if (s->seats == 0) {
            *seats_out = 1;
        } else if (s->seats < 1 || (candidates >= 2 && s->seats > max_seats)) {
            n = range(p, cap, n, "seats", 1, max_seats,
                      "Schulze ranks 1 or more winners, fewer than the options that are not "
                      "excluded");
        }
        break;
    default:
        break; /* the method's own one_of error was reported by the decoder */
    }
    if (s->max_rankings != 0 && candidates >= 1 &&
        (s->max_rankings < 1 || s->max_rankings > candidates)) {
        n = range(p, cap, n, "max_rankings", 1, candidates,
                  "max_rankings must lie between 1 and the number of options not excluded");
    }
    if (s->double_majority &&
        !(s->method == QUESTION_IRV || (s->method == QUESTION_SCHULZE && *seats_out == 1))) {
        n = add(p, cap, n, "double_majority", "not_allowed",
                "a double majority applies to IRV, or to Schulze with one seat");
    }
    /* dates */
    if (s->check_opens_future && s->opens_at != 0 && s->opens_at <= s->now) {
        n = add(p, cap, n, "opens_at", "out_of_range", "opens_at must lie in the future");
        if (n <= cap) {
            set_time(p[n - 1].min, s->now);
        }
    }
    int64_t after = s->opens_at != 0 && s->opens_at > s->now ? s->opens_at : s->now;
    if (s->closes_at <= after || s->closes_at > s->now + QUESTION_MAX_HORIZON_S) {
        n = add(p, cap, n, "closes_at", "out_of_range",
                s->closes_at <= after ? "closes_at must lie after now and after opens_at"
                                      : "closes_at lies too far ahead (two years at most)");
        if (n <= cap) {
            set_time(p[n - 1].min, after);
            set_time(p[n - 1].max, s->now + QUESTION_MAX_HORIZON_S);
        }
    }
    return n;
}

int question_decimal(const char *text, size_t len, bool is_number, enum question_dec_kind kind,
                     const char *field, char out[QUESTION_DEC_MAX], struct question_problem *p)
{
    static const char *const mins[] = {"0", "0.05", "0"};
    static const bool min_open[] = {false, false, true};
    struct tally_dec d, lo, hi = tally_dec_int(1);
    int rc = is_number ? tally_dec_parse_number(text, len, &d) : tally_dec_parse(text, len, &d);
    if (rc == TALLY_OK) {
        d = tally_dec_canon(d);
    }
    if (rc != TALLY_OK || d.scale > QUESTION_DEC_PLACES) {
        memset(p, 0, sizeof(*p));
        snprintf(p->field, sizeof p->field, "%s", field);
        p->code = "format";
        p->message = "a decimal number with at most 4 decimal places";
        return -1;
    }
    const char *m = mins[kind];
    if (tally_dec_parse(m, strlen(m), &lo) != TALLY_OK) {
        return -1;
    }
    int c = tally_dec_cmp(&d, &lo);
    if ((min_open[kind] ? c <= 0 : c < 0) || tally_dec_cmp(&d, &hi) > 0) {
        memset(p, 0, sizeof(*p));
        snprintf(p->field, sizeof p->field, "%s", field);
        p->code = "out_of_range";
        p->message = kind == QUESTION_DEC_SHARE ? "must lie above 0 and at most 1"
                     : kind == QUESTION_DEC_CAP ? "must lie between 0.05 and 1"
                                                : "must lie between 0 and 1";
        snprintf(p->min, sizeof p->min, "%s", m);
        snprintf(p->max, sizeof p->max, "1");
        return -1;
    }
    if (tally_dec_format(&d, out, QUESTION_DEC_MAX) < 0) {
        return -1;
    }
    return 0;
}

int question_roll_entry(struct jcs_buf *b, int64_t account, const char country[2])
{
    jcs_buf_reset(b);
    jcs_obj_begin(b);
    jcs_key(b, "account");
    jcs_int(b, account);
    jcs_key(b, "country");
    jcs_strn(b, country, 2);
    jcs_obj_end(b);
    return jcs_buf_finish(b) == AUDIT_OK ? 0 : -1;
}
