/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/question/question.h — the rules of a question's specification
 * (issue 11), pure: what api/api_questions.c checks after decoding a
 * create or PATCH body, with every limit in one place so the unit tests
 * (tests/question/) reach each edge.
 *
 *   method   seats                       double majority
 *   irv      exactly 1 (default 1)       allowed
 *   stv      2 .. candidates − 1 (required) refused
 *   schulze  1 .. candidates − 1 (default 1) allowed with 1 seat only
 *
 * candidates = options that are not excluded (at least 2 of 2..100
 * options). max_rankings: null or 1..candidates. Decimals (quorum
 * min_turnout [0, 1], country_cap [0.05, 1], double_majority
 * min_country_share (0, 1]) at most QUESTION_DEC_PLACES decimal places,
 * given as a JSON number or a decimal string, stored and shown in
 * canonical form ("0.5"). Dates: closes_at after now (and after opens_at
 * when set), at most QUESTION_MAX_HORIZON_S ahead; opens_at, when set,
 * after now.
 *
 * Also the byte formats an auditor recomputes (api-spec/questions.md):
 *   roll entry = RFC 8785 {"account":id,"country":"DE"}, leaves in account order.
 */
#ifndef PNYX_CORE_QUESTION_QUESTION_H
#define PNYX_CORE_QUESTION_QUESTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/jcs.h"

#define QUESTION_MIN_OPTIONS   2
#define QUESTION_MAX_OPTIONS_N 100
#define QUESTION_MAX_SEATS     99
#define QUESTION_MAX_COUNTRIES 300
/* Why 4: pnyx-tally's decimal_places (the rules ids fix 4), so a threshold
 * given here means exactly what the count compares. */
#define QUESTION_DEC_PLACES 4
/* Why two years: longer than any assembly's term; a typo'd year is caught. */
#define QUESTION_MAX_HORIZON_S (2 * 366 * 86400LL)
#define QUESTION_DEC_MAX       48 /* canonical decimal text with NUL */

enum question_method { QUESTION_IRV = 0, QUESTION_STV, QUESTION_SCHULZE, QUESTION_METHOD__COUNT };

/* "irv" | "stv" | "schulze" → the method; else QUESTION_METHOD__COUNT. */
enum question_method question_method_parse(const char *s);
const char *question_method_name(enum question_method m);
/* The versioned rules id of a method ("pnyx-irv/1", README "Rules ids"). */
const char *question_rules_id(enum question_method m);

/* One broken rule: field (JSON pointer-like), code of the closed
 * FieldError set, optional params min/max (text: integers, decimals or
 * RFC 3339 dates; NULL = absent) and an English message. */
struct question_problem {
    char field[48];
    const char *code;
    char min[QUESTION_DEC_MAX], max[QUESTION_DEC_MAX];
    bool min_is_number, max_is_number; /* params as JSON numbers (else strings) */
    const char *message;
};

/* A decoded spec (what the body says after types were checked). */
struct question_spec {
    enum question_method method;
    int64_t seats;           /* 0 = absent */
    int n_options;           /* as listed */
    int n_excluded;          /* of those, excluded */
    int64_t max_rankings;    /* 0 = null */
    bool double_majority;    /* set (not null) */
    int64_t opens_at;        /* unix seconds; 0 = none */
    int64_t closes_at;       /* unix seconds */
    int64_t now;             /* unix seconds */
    bool check_opens_future; /* false when the body did not set opens_at (PATCH keeps it) */
};

/* Checks the cross-member rules above. Writes up to cap problems into p;
 * returns how many rules were broken (may exceed cap). *seats_out gets
 * the effective seat count (the default when absent). */
int question_spec_check(const struct question_spec *s, int64_t *seats_out,
                        struct question_problem *p, int cap);

/* The decimal rules. kind selects the range: */
enum question_dec_kind { QUESTION_DEC_TURNOUT = 0, QUESTION_DEC_CAP, QUESTION_DEC_SHARE };
/* text[0..len): a JSON number's text (is_number) or a decimal string.
 * Returns 0 with the canonical text in out, or fills *p (field given by
 * the caller) and returns -1: code "format" (not a plain non-negative
 * decimal, or more than QUESTION_DEC_PLACES places) or "out_of_range". */
int question_decimal(const char *text, size_t len, bool is_number, enum question_dec_kind kind,
                     const char *field, char out[QUESTION_DEC_MAX], struct question_problem *p);

/* A question as the API shows it (codec/json/question.c), filled by
 * db/db_question.c. Strings borrowed (arena); NULL = JSON null. */
struct question_record {
    int64_t id, assembly_id, author_id;
    const char *state, *title, *description, *language;
    int64_t version;
    const char *translations_json; /* {"fr":{title,description,labels,source}} text, or NULL */
    const char *method;
    int64_t seats;
    const char *secrecy;
    const char *options_json; /* [{id,label,proposal_id,excluded}] text */
    int64_t max_rankings;     /* 0 = null */
    const char *min_turnout;  /* canonical decimal */
    int64_t min_countries;
    const char *country_cap;          /* NULL = null */
    const char *dm_min_country_share; /* NULL = no double majority */
    bool adopts_proposals;
    const char *opens_at, *closes_at, *created_at, *updated_at;
    const char *opened_at;
    int64_t roll_size; /* -1 = null */
    const char *roll_root, *texts_hash;
    const char *closed_at, *close_reason;
    int64_t ballots; /* -1 = null */
    const char *board_root;
    /* the viewer (only shown for a member once open) */
    bool show_me, on_roll, voted;
};

/* Writes the roll entry of (account, country) into b (reset first). 0 or -1. */
int question_roll_entry(struct jcs_buf *b, int64_t account, const char country[2]);

#endif /* PNYX_CORE_QUESTION_QUESTION_H */
