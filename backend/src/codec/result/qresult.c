/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * qresult.c — the election of a board, the status and the result bytes
 * (qresult.h). Exports are in qexport.c.
 */
#include "qresult.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qr_put(struct election_buf *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (d == NULL) {
            b->oom = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void qr_puts(struct election_buf *b, const char *s)
{
    qr_put(b, s, strlen(s));
}

const char *qr_rules_id(enum tally_method m)
{
    switch (m) {
    case TALLY_STV:
        return "pnyx-stv/1";
    case TALLY_SCHULZE:
        return "pnyx-schulze/1";
    case TALLY_IRV:
    default:
        return "pnyx-irv/1";
    }
}

int qr_method_parse(const char *s)
{
    if (strcmp(s, "irv") == 0) {
        return TALLY_IRV;
    }
    if (strcmp(s, "stv") == 0) {
        return TALLY_STV;
    }
    if (strcmp(s, "schulze") == 0) {
        return TALLY_SCHULZE;
    }
    return -1;
}

int qr_width(const struct qr_spec *s)
{
    return s->max_rankings > 0 && s->max_rankings < s->n_options ? s->max_rankings : s->n_options;
}

static bool has(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static int fail(struct tally_error *err, int code, const char *field, const char *reason)
{
    if (err != NULL) {
        err->code = code;
        err->entry = -1;
        (void)snprintf(err->field, sizeof err->field, "%s", field);
        (void)snprintf(err->reason, sizeof err->reason, "%s", reason);
    }
    return code;
}

int qr_election_setup(const struct qr_spec *s, struct tally_election *e, struct tally_error *err)
{
    if (s->n_options < 1 || s->n_options > QR_MAX_OPTIONS) {
        return fail(err, TALLY_EINVAL, "options", "option count out of range");
    }
    e->method = s->method;
    e->seats = s->seats;
    /* the rules id fixes everything but the per-question parameters */
    e->rules.tiebreak = s->method == TALLY_SCHULZE ? TALLY_TB_RANDOM : TALLY_TB_PREV_RANDOM;
    e->rules.random_seed = s->seed;
    for (int i = 0; i < s->n_options; i++) {
        int rc = tally_election_add_option(e, s->option_ids[i], strlen(s->option_ids[i]), err);
        if (rc != TALLY_OK) {
            return rc;
        }
    }
    for (int i = 0; i < s->n_options; i++) {
        if (s->excluded[i] && tally_rules_add_excluded(e, (uint32_t)i) != TALLY_OK) {
            return fail(err, TALLY_ENOMEM, "rules.excluded", "out of memory");
        }
    }
    if (has(s->country_cap)) {
        if (tally_dec_parse(s->country_cap, strlen(s->country_cap), &e->rules.country_cap) !=
            TALLY_OK) {
            return fail(err, TALLY_EINVAL, "rules.country_cap", "country_cap is not a decimal");
        }
        e->rules.has_country_cap = true;
    }
    if (has(s->dm_share)) {
        if (tally_dec_parse(s->dm_share, strlen(s->dm_share), &e->rules.min_country_share) !=
            TALLY_OK) {
            return fail(err, TALLY_EINVAL, "rules.double_majority",
                        "min_country_share is not a decimal");
        }
        e->rules.has_double_majority = true;
    }
    const char *id = qr_rules_id(s->method);
    if (tally_rules_set_rules_id(e, id, strlen(id)) != TALLY_OK) {
        return fail(err, TALLY_ENOMEM, "rules.rules_id", "out of memory");
    }
    return TALLY_OK;
}

int qr_election_add(struct tally_election *e, const uint8_t *ranking, size_t len,
                    const char country[2], uint64_t count, struct tally_error *err)
{
    for (size_t i = 0; i < len && ranking[i] != 0xFF; i++) {
        if (ranking[i] >= e->n_options) {
            tally_election_discard_entry(e);
            return fail(err, TALLY_EINVAL, "ranking", "option position beyond the options");
        }
        int rc = tally_election_mark_open(e);
        if (rc == TALLY_OK) {
            rc = tally_election_mark_add(e, ranking[i]);
        }
        if (rc == TALLY_OK) {
            rc = tally_election_mark_close(e);
        }
        if (rc != TALLY_OK) {
            tally_election_discard_entry(e);
            return fail(err, rc, "ranking", "out of memory");
        }
    }
    if (country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' || country[1] > 'Z') {
        tally_election_discard_entry(e);
        return fail(err, TALLY_EINVAL, "country", "country is not two letters A-Z");
    }
    return tally_election_add_entry(e, count, NULL, TALLY_COUNTRY(country[0], country[1]), err);
}

/* ---- status --------------------------------------------------------------------------- */

const char *qr_status_name(enum qr_status st)
{
    switch (st) {
    case QR_NO_QUORUM:
        return "no_quorum";
    case QR_NO_DOUBLE_MAJORITY:
        return "no_double_majority";
    case QR_NOT_COUNTED:
        return "not_counted";
    case QR_TALLIED:
    default:
        return "tallied";
    }
}

bool qr_quorum(int64_t ballots, int64_t roll_size, int64_t countries, const char *min_turnout,
               int min_countries, char *turnout_out)
{
    /* turnout, truncated to 4 decimals */
    struct tally_dec t = tally_dec_int(0);
    if (roll_size > 0 && ballots >= 0) {
        t.units = (tally_i128)ballots * 10000 / roll_size;
        t.scale = 4;
        t = tally_dec_canon(t);
    }
    (void)tally_dec_format(&t, turnout_out, 48);

    struct tally_dec m;
    if (min_turnout == NULL || tally_dec_parse(min_turnout, strlen(min_turnout), &m) != TALLY_OK ||
        m.scale > 30) {
        return false;
    }
    /* ballots / roll ≥ units / 10^scale  ⇔  ballots · 10^scale ≥ units · roll */
    tally_i128 pow = 1;
    for (uint32_t i = 0; i < m.scale; i++) {
        pow *= 10;
    }
    bool turnout_ok =
        roll_size > 0 ? (tally_i128)ballots * pow >= m.units * (tally_i128)roll_size : m.units == 0;
    return ballots > 0 && turnout_ok && countries >= (int64_t)min_countries;
}

enum qr_status qr_status_of(bool quorum_met, const struct tally_result *r)
{
    if (!quorum_met) {
        return QR_NO_QUORUM;
    }
    if (r->double_majority.present && !r->double_majority.met) {
        return QR_NO_DOUBLE_MAJORITY;
    }
    return QR_TALLIED;
}

/* ---- the result bytes ------------------------------------------------------------------ */

static void put_i64(struct election_buf *b, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    qr_put(b, tmp, (size_t)n);
}

static void put_str(struct election_buf *b, const char *s)
{
    election_buf_json_string(b, s, strlen(s));
}

int qr_result_write(const struct qr_meta *m, const struct tally_election *e,
                    const struct tally_result *r, struct election_buf *b)
{
    qr_puts(b, "{\"question\": ");
    put_i64(b, m->qid);
    qr_puts(b, ", \"status\": ");
    put_str(b, qr_status_name(m->status));
    qr_puts(b, ", \"method\": ");
    put_str(b, m->method);
    qr_puts(b, ", \"seats\": ");
    put_i64(b, m->seats);
    qr_puts(b, ", \"ballots\": ");
    put_i64(b, m->ballots);
    qr_puts(b, ", \"roll_size\": ");
    put_i64(b, m->roll_size);
    qr_puts(b, ", \"turnout\": ");
    put_str(b, m->turnout);
    qr_puts(b, ", \"countries\": ");
    put_i64(b, m->countries);
    qr_puts(b, ",\n \"quorum\": {\"min_turnout\": ");
    put_str(b, m->min_turnout);
    qr_puts(b, ", \"min_countries\": ");
    put_i64(b, m->min_countries);
    qr_puts(b, m->quorum_met ? ", \"met\": true}" : ", \"met\": false}");
    qr_puts(b, ", \"board_root\": ");
    if (m->board_root_hex != NULL) {
        put_str(b, m->board_root_hex);
    } else {
        qr_puts(b, "null");
    }
    qr_puts(b, ", \"seed\": ");
    put_i64(b, m->seed);
    qr_puts(b, ",\n ");
    /* pnyx-tally's output, minus its "{" */
    struct election_buf t = {0};
    int rc = m->status == QR_NOT_COUNTED
                 ? election_write_error(m->refusal != NULL ? m->refusal : "not counted", &t)
                 : election_write_json(e, r, &t);
    if (rc == 0 && t.len > 1) {
        qr_put(b, t.data + 1, t.len - 1);
    }
    election_buf_fini(&t);
    return rc != 0 || b->oom ? -1 : 0;
}

void qr_winners_json(const struct tally_election *e, const struct tally_result *r,
                     struct election_buf *b)
{
    qr_puts(b, "[");
    for (size_t i = 0; i < r->n_winners; i++) {
        uint32_t o = r->winners[i];
        if (i > 0) {
            qr_puts(b, ",");
        }
        election_buf_json_string(b, e->opt_chars + e->opt_off[o], e->opt_len[o]);
    }
    qr_puts(b, "]");
}
