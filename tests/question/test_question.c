/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_question.c — core/question: every edge of the spec rules (seats per
 * method, options, excluded options, max_rankings, double majority, dates)
 * and of the decimals, and the roll entry's bytes.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/question/question.h"

#define NOW 1800000000LL

static struct question_spec base(enum question_method m)
{
    struct question_spec s = {
        .method = m,
        .n_options = 3,
        .closes_at = NOW + 3600,
        .now = NOW,
        .check_opens_future = true,
    };
    return s;
}

/* The broken rules' fields, "field:code" joined by spaces. */
static const char *check(const struct question_spec *s, int64_t *seats)
{
    static char out[512];
    struct question_problem p[8];
    int64_t dummy;
    int n = question_spec_check(s, seats != NULL ? seats : &dummy, p, 8);
    out[0] = '\0';
    for (int i = 0; i < n && i < 8; i++) {
        strcat(out, i ? " " : "");
        strcat(out, p[i].field);
        strcat(out, ":");
        strcat(out, p[i].code);
    }
    return out;
}

Test(question, methods_and_rules_ids)
{
    cr_expect_eq(question_method_parse("irv"), QUESTION_IRV);
    cr_expect_eq(question_method_parse("stv"), QUESTION_STV);
    cr_expect_eq(question_method_parse("schulze"), QUESTION_SCHULZE);
    cr_expect_eq(question_method_parse("IRV"), QUESTION_METHOD__COUNT);
    cr_expect_eq(question_method_parse(NULL), QUESTION_METHOD__COUNT);
    cr_expect_str_eq(question_rules_id(QUESTION_IRV), "pnyx-irv/1");
    cr_expect_str_eq(question_rules_id(QUESTION_STV), "pnyx-stv/1");
    cr_expect_str_eq(question_rules_id(QUESTION_SCHULZE), "pnyx-schulze/1");
    cr_expect_str_eq(question_method_name(QUESTION_METHOD__COUNT), "unknown");
}

Test(question, irv_seats)
{
    struct question_spec s = base(QUESTION_IRV);
    int64_t seats = 0;
    cr_expect_str_eq(check(&s, &seats), "");
    cr_expect_eq(seats, 1, "IRV defaults to one seat");
    s.seats = 1;
    cr_expect_str_eq(check(&s, &seats), "");
    s.seats = 2;
    cr_expect_str_eq(check(&s, NULL), "seats:out_of_range");
}

Test(question, stv_seats)
{
    struct question_spec s = base(QUESTION_STV);
    s.n_options = 4;
    cr_expect_str_eq(check(&s, NULL), "seats:required");
    s.seats = 1;
    cr_expect_str_eq(check(&s, NULL), "seats:out_of_range");
    s.seats = 2;
    cr_expect_str_eq(check(&s, NULL), "");
    s.seats = 3; /* 4 candidates: at most 3 */
    cr_expect_str_eq(check(&s, NULL), "");
    s.seats = 4;
    cr_expect_str_eq(check(&s, NULL), "seats:out_of_range");
    s.seats = 3;
    s.n_excluded = 1; /* 3 candidates: at most 2 */
    cr_expect_str_eq(check(&s, NULL), "seats:out_of_range");
    struct question_problem p[2];
    int64_t seats;
    question_spec_check(&s, &seats, p, 2);
    cr_expect_str_eq(p[0].min, "2");
    cr_expect_str_eq(p[0].max, "2");
    cr_expect(p[0].min_is_number && p[0].max_is_number);
}

Test(question, schulze_seats)
{
    struct question_spec s = base(QUESTION_SCHULZE);
    int64_t seats = 0;
    cr_expect_str_eq(check(&s, &seats), "");
    cr_expect_eq(seats, 1);
    s.seats = 2;
    cr_expect_str_eq(check(&s, &seats), "");
    cr_expect_eq(seats, 2);
    s.seats = 3;
    cr_expect_str_eq(check(&s, NULL), "seats:out_of_range");
}

Test(question, options_not_excluded)
{
    struct question_spec s = base(QUESTION_IRV);
    s.n_options = 2;
    cr_expect_str_eq(check(&s, NULL), "");
    s.n_excluded = 1;
    cr_expect_str_eq(check(&s, NULL), "options:too_few");
    s.n_options = 100;
    s.n_excluded = 98;
    cr_expect_str_eq(check(&s, NULL), "");
    s.n_excluded = 99;
    cr_expect_str_eq(check(&s, NULL), "options:too_few");
}

Test(question, max_rankings)
{
    struct question_spec s = base(QUESTION_IRV);
    s.n_options = 5;
    s.n_excluded = 1;
    s.max_rankings = 1;
    cr_expect_str_eq(check(&s, NULL), "");
    s.max_rankings = 4;
    cr_expect_str_eq(check(&s, NULL), "");
    s.max_rankings = 5; /* one is excluded: 4 rankable */
    cr_expect_str_eq(check(&s, NULL), "max_rankings:out_of_range");
    s.max_rankings = -1;
    cr_expect_str_eq(check(&s, NULL), "max_rankings:out_of_range");
}

Test(question, double_majority_only_single_winner_irv_or_schulze)
{
    struct question_spec s = base(QUESTION_IRV);
    s.double_majority = true;
    cr_expect_str_eq(check(&s, NULL), "");
    s.method = QUESTION_SCHULZE;
    cr_expect_str_eq(check(&s, NULL), "");
    s.seats = 2;
    cr_expect_str_eq(check(&s, NULL), "double_majority:not_allowed");
    s.method = QUESTION_STV;
    cr_expect_str_eq(check(&s, NULL), "double_majority:not_allowed");
}

Test(question, dates)
{
    struct question_spec s = base(QUESTION_IRV);
    s.closes_at = NOW;
    cr_expect_str_eq(check(&s, NULL), "closes_at:out_of_range");
    s.closes_at = NOW + 1;
    cr_expect_str_eq(check(&s, NULL), "");
    s.opens_at = NOW + 10;
    cr_expect_str_eq(check(&s, NULL), "closes_at:out_of_range", "closes before it opens");
    s.closes_at = NOW + 10;
    cr_expect_str_eq(check(&s, NULL), "closes_at:out_of_range", "closes as it opens");
    s.closes_at = NOW + 11;
    cr_expect_str_eq(check(&s, NULL), "");
    s.opens_at = NOW;
    cr_expect_str_eq(check(&s, NULL), "opens_at:out_of_range");
    s.check_opens_future = false; /* a PATCH that keeps a past opens_at */
    cr_expect_str_eq(check(&s, NULL), "");
    s.opens_at = 0;
    s.closes_at = NOW + QUESTION_MAX_HORIZON_S;
    cr_expect_str_eq(check(&s, NULL), "");
    s.closes_at = NOW + QUESTION_MAX_HORIZON_S + 1;
    cr_expect_str_eq(check(&s, NULL), "closes_at:out_of_range");
    struct question_problem p[1];
    int64_t seats;
    question_spec_check(&s, &seats, p, 1);
    cr_expect_str_eq(p[0].min, "2027-01-15T08:00:00Z");
    cr_expect(!p[0].min_is_number);
}

Test(question, problems_past_the_cap_are_counted)
{
    struct question_spec s = base(QUESTION_STV);
    s.n_excluded = 2; /* too few, seats missing */
    s.double_majority = true;
    s.closes_at = 0;
    struct question_problem p[1];
    int64_t seats;
    cr_expect_eq(question_spec_check(&s, &seats, p, 1), 4);
    cr_expect_str_eq(p[0].field, "options");
}

static const char *dec(const char *text, bool number, enum question_dec_kind k)
{
    static char out[QUESTION_DEC_MAX + 32];
    char d[QUESTION_DEC_MAX];
    struct question_problem p;
    if (question_decimal(text, strlen(text), number, k, "f", d, &p) != 0) {
        snprintf(out, sizeof out, "!%s", p.code);
    } else {
        snprintf(out, sizeof out, "%s", d);
    }
    return out;
}

Test(question, decimals)
{
    cr_expect_str_eq(dec("0.5", false, QUESTION_DEC_TURNOUT), "0.5");
    cr_expect_str_eq(dec("0.50", false, QUESTION_DEC_TURNOUT), "0.5");
    cr_expect_str_eq(dec("0", false, QUESTION_DEC_TURNOUT), "0");
    cr_expect_str_eq(dec("1", true, QUESTION_DEC_TURNOUT), "1");
    cr_expect_str_eq(dec("1.0000", false, QUESTION_DEC_TURNOUT), "1");
    cr_expect_str_eq(dec("1.0001", false, QUESTION_DEC_TURNOUT), "!out_of_range");
    cr_expect_str_eq(dec("0.1234", false, QUESTION_DEC_TURNOUT), "0.1234");
    cr_expect_str_eq(dec("0.12345", false, QUESTION_DEC_TURNOUT), "!format");
    cr_expect_str_eq(dec("0.123400", false, QUESTION_DEC_TURNOUT), "0.1234",
                     "trailing zeros are not places");
    cr_expect_str_eq(dec("-0.1", true, QUESTION_DEC_TURNOUT), "!format");
    cr_expect_str_eq(dec("5e-1", true, QUESTION_DEC_TURNOUT), "0.5");
    cr_expect_str_eq(dec("5e-1", false, QUESTION_DEC_TURNOUT), "!format", "strings are plain");
    cr_expect_str_eq(dec(".5", false, QUESTION_DEC_TURNOUT), "!format");
    cr_expect_str_eq(dec("", false, QUESTION_DEC_TURNOUT), "!format");
    cr_expect_str_eq(dec(" 0.5", false, QUESTION_DEC_TURNOUT), "!format");
    /* country cap [0.05, 1] */
    cr_expect_str_eq(dec("0.05", false, QUESTION_DEC_CAP), "0.05");
    cr_expect_str_eq(dec("0.0499", false, QUESTION_DEC_CAP), "!out_of_range");
    cr_expect_str_eq(dec("1", false, QUESTION_DEC_CAP), "1");
    cr_expect_str_eq(dec("0", false, QUESTION_DEC_CAP), "!out_of_range");
    /* min_country_share (0, 1] */
    cr_expect_str_eq(dec("0", false, QUESTION_DEC_SHARE), "!out_of_range");
    cr_expect_str_eq(dec("0.0001", false, QUESTION_DEC_SHARE), "0.0001");
    cr_expect_str_eq(dec("1", false, QUESTION_DEC_SHARE), "1");
    cr_expect_str_eq(dec("2", false, QUESTION_DEC_SHARE), "!out_of_range");
    struct question_problem p;
    char d[QUESTION_DEC_MAX];
    cr_expect_eq(question_decimal("0.01", 4, false, QUESTION_DEC_CAP, "country_cap", d, &p), -1);
    cr_expect_str_eq(p.field, "country_cap");
    cr_expect_str_eq(p.min, "0.05");
    cr_expect_str_eq(p.max, "1");
}

Test(question, roll_entry_bytes)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    cr_assert_eq(question_roll_entry(&b, 42, "DE"), 0);
    cr_expect_str_eq(b.data, "{\"account\":42,\"country\":\"DE\"}");
    cr_assert_eq(question_roll_entry(&b, 9007199254740992LL, "FR"), 0);
    cr_expect_str_eq(b.data, "{\"account\":9007199254740992,\"country\":\"FR\"}");
    cr_expect_eq(question_roll_entry(&b, 9007199254740993LL, "FR"), -1, "beyond 2^53");
    jcs_buf_fini(&b);
}
