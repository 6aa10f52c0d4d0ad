/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * election_write.c: struct tally_result -> the §10 JSON result, the text
 * table, and {"error": reason}.
 *
 * Numbers are written with tally_dec_format (exact, no exponent, no trailing
 * zeros); the cap's numbers and min_country_share as strings in the same form
 * (§10). Strings are escaped per RFC 8259 (quote, backslash, control
 * characters); the input was validated UTF-8, so other bytes pass through.
 * Everything goes into one growing buffer whose allocation failure is sticky
 * and reported once at the end, so the writers have no error paths inside.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base.h"
#include "election.h"

/* ------------------------------------------------------------------------ */
/* Buffer                                                                    */

void election_buf_fini(struct election_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

static bool reserve(struct election_buf *b, size_t more)
{
    if (b->oom) {
        return false;
    }
    if (b->len + more + 1 <= b->cap) {
        return true;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1) {
        cap *= 2;
    }
    char *n = realloc(b->data, cap);
    if (n == NULL) {
        b->oom = 1;
        return false;
    }
    b->data = n;
    b->cap = cap;
    return true;
}

static void put(struct election_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void puts_(struct election_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void printf_(struct election_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void printf_(struct election_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof tmp) {
        put(b, tmp, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void election_buf_json_string(struct election_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (!reserve(b, len + 2)) {
        return;
    }
    put(b, "\"", 1);
    size_t run = 0; /* start of the pending run of bytes that need no escape */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            put(b, "\\\"", 2);
            break;
        case '\\':
            put(b, "\\\\", 2);
            break;
        case '\n':
            put(b, "\\n", 2);
            break;
        case '\r':
            put(b, "\\r", 2);
            break;
        case '\t':
            put(b, "\\t", 2);
            break;
        case '\b':
            put(b, "\\b", 2);
            break;
        case '\f':
            put(b, "\\f", 2);
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(b, u, 6);
            break;
        }
        }
    }
    put(b, s + run, len - run);
    put(b, "\"", 1);
}

/* ------------------------------------------------------------------------ */
/* JSON pieces                                                               */

static void dec(struct election_buf *b, const struct tally_dec *d)
{
    char tmp[64];
    int n = tally_dec_format(d, tmp, sizeof tmp);
    if (n < 0) {
        b->oom = 1; /* cannot happen: any dec fits in 48 bytes */
        return;
    }
    put(b, tmp, (size_t)n);
}

static void dec_string(struct election_buf *b, const struct tally_dec *d)
{
    put(b, "\"", 1);
    dec(b, d);
    put(b, "\"", 1);
}

static void opt(struct election_buf *b, const struct tally_election *e, uint32_t o)
{
    if (o >= e->n_options) {
        puts_(b, "null");
        return;
    }
    election_buf_json_string(b, e->opt_chars + e->opt_off[o], e->opt_len[o]);
}

static void country(struct election_buf *b, uint16_t c)
{
    char s[4] = {'"', (char)(c >> 8), (char)(c & 0xff), '"'};
    put(b, s, 4);
}

static void opt_list(struct election_buf *b, const struct tally_election *e, const uint32_t *v,
                     size_t n)
{
    put(b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i) {
            put(b, ", ", 2);
        }
        opt(b, e, v[i]);
    }
    put(b, "]", 1);
}

/* {id: value} for the options with present[i] set, in option order. */
static void opt_map(struct election_buf *b, const struct tally_election *e,
                    const struct tally_dec *v, const uint8_t *present)
{
    bool first = true;
    put(b, "{", 1);
    for (size_t i = 0; i < e->n_options; i++) {
        if (present != NULL && !present[i]) {
            continue;
        }
        if (!first) {
            put(b, ", ", 2);
        }
        first = false;
        opt(b, e, (uint32_t)i);
        put(b, ": ", 2);
        dec(b, &v[i]);
    }
    put(b, "}", 1);
}

static const char *const inactive_keys[TALLY_IN_N] = {"overvotes", "skipped_rankings",
                                                      "exhausted_choices", "repeated_rankings",
                                                      "final_round_surplus"};

static void transfers_of(struct election_buf *b, const struct tally_election *e,
                         const struct tally_round *rd, uint32_t from, bool *first)
{
    if (!*first) {
        put(b, ", ", 2);
    }
    *first = false;
    opt(b, e, from);
    put(b, ": {", 3);
    bool f = true;
    for (size_t i = 0; i < rd->n_transfers; i++) {
        const struct tally_transfer *t = &rd->transfers[i];
        if (t->from != from) {
            continue;
        }
        if (!f) {
            put(b, ", ", 2);
        }
        f = false;
        if (t->to == TALLY_TO_EXHAUSTED) {
            puts_(b, "\"exhausted\"");
        } else if (t->to == TALLY_TO_RESIDUAL) {
            puts_(b, "\"residual_surplus\"");
        } else {
            opt(b, e, t->to);
        }
        put(b, ": ", 2);
        dec(b, &t->value);
    }
    put(b, "}", 1);
}

static void round_json(struct election_buf *b, const struct tally_election *e,
                       const struct tally_round *rd)
{
    printf_(b, "{\"round\": %" PRIu32, rd->round);
    if (rd->pass > 0) {
        printf_(b, ", \"pass\": %" PRIu32, rd->pass);
    }
    puts_(b, ", \"tally\": ");
    opt_map(b, e, rd->tally, rd->present);
    puts_(b, ", \"exhausted\": ");
    dec(b, &rd->exhausted);
    puts_(b, ", \"elected\": ");
    opt_list(b, e, rd->elected, rd->n_elected);
    puts_(b, ", \"eliminated\": ");
    opt_list(b, e, rd->eliminated, rd->n_eliminated);
    puts_(b, ", \"threshold\": ");
    dec(b, &rd->threshold);
    puts_(b, ", \"inactive\": {");
    int n = rd->stv_multi ? TALLY_IN_N : TALLY_IN_FINAL_ROUND_SURPLUS;
    for (int i = 0; i < n; i++) {
        printf_(b, "%s\"%s\": ", i ? ", " : "", inactive_keys[i]);
        dec(b, &rd->inactive[i]);
    }
    puts_(b, "}, \"transfers\": {");
    bool first = true;
    for (size_t i = 0; i < rd->n_elected; i++) {
        transfers_of(b, e, rd, rd->elected[i], &first);
    }
    for (size_t i = 0; i < rd->n_eliminated; i++) {
        transfers_of(b, e, rd, rd->eliminated[i], &first);
    }
    put(b, "}", 1);
    if (rd->stv_multi) {
        puts_(b, ", \"residual_surplus\": ");
        dec(b, &rd->residual_surplus);
    }
    put(b, "}", 1);
}

static bool is_excluded(const struct tally_election *e, uint32_t o)
{
    for (size_t i = 0; i < e->rules.n_excluded; i++) {
        if (e->rules.excluded[i] == o) {
            return true;
        }
    }
    return false;
}

/* {X: {Y: m[X][Y]}} over non-excluded options, X != Y. */
static void matrix(struct election_buf *b, const struct tally_election *e, const uint8_t *keep,
                   const struct tally_dec *m)
{
    size_t n = e->n_options;
    bool fx = true;
    put(b, "{", 1);
    for (size_t x = 0; x < n; x++) {
        if (!keep[x]) {
            continue;
        }
        if (!fx) {
            put(b, ", ", 2);
        }
        fx = false;
        opt(b, e, (uint32_t)x);
        put(b, ": {", 3);
        bool fy = true;
        for (size_t y = 0; y < n; y++) {
            if (!keep[y] || y == x) {
                continue;
            }
            if (!fy) {
                put(b, ", ", 2);
            }
            fy = false;
            opt(b, e, (uint32_t)y);
            put(b, ": ", 2);
            dec(b, &m[x * n + y]);
        }
        put(b, "}", 1);
    }
    put(b, "}", 1);
}

static void schulze_json(struct election_buf *b, const struct tally_election *e,
                         const struct tally_result *r)
{
    const struct tally_schulze *sz = &r->schulze;
    puts_(b, ", \"ranking\": ");
    opt_list(b, e, sz->ranking, sz->n_ranking);
    puts_(b, ", \"condorcet_winner\": ");
    opt(b, e, sz->condorcet_winner);
    uint8_t *keep = malloc(e->n_options ? e->n_options : 1);
    if (keep == NULL) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < e->n_options; i++) {
        keep[i] = !is_excluded(e, (uint32_t)i);
    }
    if (sz->pairwise != NULL) {
        puts_(b, ", \"pairwise\": ");
        matrix(b, e, keep, sz->pairwise);
    }
    if (sz->strongest != NULL) {
        puts_(b, ", \"strongest_paths\": ");
        matrix(b, e, keep, sz->strongest);
    }
    free(keep);
}

static void by_country_json(struct election_buf *b, const struct tally_election *e,
                            const struct tally_result *r)
{
    puts_(b, ", \"by_country\": {");
    for (size_t i = 0; i < r->n_by_country; i++) {
        const struct tally_country_stat *c = &r->by_country[i];
        if (i) {
            put(b, ", ", 2);
        }
        country(b, c->country);
        printf_(b, ": {\"ballots\": %" PRIu64 ", \"value\": ", c->ballots);
        dec(b, &c->value);
        puts_(b, ", \"first_preferences\": ");
        if (c->first != NULL) {
            opt_map(b, e, c->first, c->first_present);
        } else {
            puts_(b, "{}");
        }
        if (c->has_final) {
            puts_(b, ", \"final\": ");
            if (c->final != NULL) {
                opt_map(b, e, c->final, c->final_present);
            } else {
                puts_(b, "{}");
            }
        }
        put(b, "}", 1);
    }
    put(b, "}", 1);
}

static void cap_json(struct election_buf *b, const struct tally_cap *cap)
{
    puts_(b, ", \"country_cap\": {\"cap\": ");
    dec_string(b, &cap->cap);
    puts_(b, ", \"factors\": {");
    for (size_t i = 0; i < cap->n; i++) {
        if (i) {
            put(b, ", ", 2);
        }
        country(b, cap->countries[i]);
        put(b, ": ", 2);
        dec_string(b, &cap->factors[i]);
    }
    puts_(b, "}}");
}

static void dm_json(struct election_buf *b, const struct tally_election *e,
                    const struct tally_dm *dm)
{
    puts_(b, ", \"double_majority\": {\"min_country_share\": ");
    dec_string(b, &dm->min_country_share);
    puts_(b, ", \"winner\": ");
    opt(b, e, dm->winner);
    puts_(b, ", \"runner_up\": ");
    opt(b, e, dm->runner_up);
    printf_(b,
            ", \"countries_considered\": %" PRIu32 ", \"countries_carried\": %" PRIu32
            ", \"met\": %s, \"by_country\": {",
            dm->considered, dm->carried, dm->met ? "true" : "false");
    for (size_t i = 0; i < dm->n; i++) {
        if (i) {
            put(b, ", ", 2);
        }
        country(b, dm->countries[i]);
        puts_(b, ": {\"winner\": ");
        dec(b, &dm->winner_value[i]);
        puts_(b, ", \"runner_up\": ");
        dec(b, &dm->runner_up_value[i]);
        put(b, "}", 1);
    }
    puts_(b, "}}");
}

int election_write_json(const struct tally_election *e, const struct tally_result *r,
                        struct election_buf *b)
{
    put(b, "{", 1);
    if (r->rules_id != NULL) {
        puts_(b, "\"rules_id\": ");
        election_buf_json_string(b, r->rules_id, strlen(r->rules_id));
        puts_(b, ", ");
    }
    puts_(b, "\"winners\": ");
    opt_list(b, e, r->winners, r->n_winners);
    if (r->schulze.present) {
        schulze_json(b, e, r);
    }
    puts_(b, ",\n \"rounds\": [");
    for (size_t i = 0; i < r->n_rounds; i++) {
        puts_(b, i ? ",\n  " : "\n  ");
        round_json(b, e, &r->rounds[i]);
    }
    puts_(b, "],\n \"blank_ballots\": ");
    dec(b, &r->blank_ballots);
    if (r->has_by_country) {
        by_country_json(b, e, r);
    }
    if (r->country_cap.present) {
        cap_json(b, &r->country_cap);
    }
    if (r->double_majority.present) {
        dm_json(b, e, &r->double_majority);
    }
    puts_(b, "}\n");
    return b->oom ? -1 : 0;
}

int election_write_error(const char *reason, struct election_buf *b)
{
    puts_(b, "{\"error\": ");
    election_buf_json_string(b, reason, strlen(reason));
    puts_(b, "}\n");
    return b->oom ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Text table                                                                */

/* Display width of a UTF-8 string: code points (good enough for a table). */
static size_t width(const char *s, size_t len)
{
    size_t n = base_utf8_count(s, len);
    return n == (size_t)-1 ? len : n;
}

static void pad(struct election_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put(b, " ", 1);
    }
}

/* A left-aligned cell of `w` columns (id shown raw; control bytes as '?'). */
static void cell_left(struct election_buf *b, const char *s, size_t len, size_t w)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        put(b, c < 0x20 || c == 0x7f ? "?" : s + i, 1);
    }
    size_t sw = width(s, len);
    pad(b, sw < w ? w - sw : 0);
}

static void cell_right(struct election_buf *b, const char *s, size_t w)
{
    size_t n = strlen(s);
    pad(b, n < w ? w - n : 0);
    put(b, s, n);
}

static void fmt_dec(char *out, size_t cap, const struct tally_dec *d)
{
    if (tally_dec_format(d, out, cap) < 0) {
        (void)snprintf(out, cap, "?");
    }
}

static const char *opt_name(const struct tally_election *e, uint32_t o, size_t *len)
{
    if (o >= e->n_options) {
        *len = 1;
        return "-";
    }
    *len = e->opt_len[o];
    return e->opt_chars + e->opt_off[o];
}

static bool in_list(const uint32_t *v, size_t n, uint32_t o)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == o) {
            return true;
        }
    }
    return false;
}

static void text_rounds(struct election_buf *b, const struct tally_election *e,
                        const struct tally_result *r)
{
    size_t nw = 16; /* "Residual surplus" */
    for (size_t i = 0; i < e->n_options; i++) {
        size_t w = width(e->opt_chars + e->opt_off[i], e->opt_len[i]);
        nw = w > nw ? w : nw;
    }
    nw = nw > 40 ? 40 : nw;
    /* column width: the widest number in any round, at least 8 */
    size_t cw = 8;
    char num[64];
    for (size_t k = 0; k < r->n_rounds; k++) {
        const struct tally_round *rd = &r->rounds[k];
        for (size_t i = 0; i < e->n_options; i++) {
            if (rd->present[i]) {
                fmt_dec(num, sizeof num, &rd->tally[i]);
                cw = strlen(num) + 3 > cw ? strlen(num) + 3 : cw;
            }
        }
        fmt_dec(num, sizeof num, &rd->exhausted);
        cw = strlen(num) + 3 > cw ? strlen(num) + 3 : cw;
    }
    /* header */
    cell_left(b, "Round", 5, nw);
    for (size_t k = 0; k < r->n_rounds; k++) {
        const struct tally_round *rd = &r->rounds[k];
        /* the trailing blanks line the label up with the numbers' 2-column mark */
        if (rd->pass > 0) {
            (void)snprintf(num, sizeof num, "%" PRIu32 ".%" PRIu32 "  ", rd->pass, rd->round);
        } else {
            (void)snprintf(num, sizeof num, "%" PRIu32 "  ", rd->round);
        }
        cell_right(b, num, cw);
    }
    puts_(b, "\n");
    /* one row per option that appears in some round */
    for (size_t i = 0; i < e->n_options; i++) {
        bool any = false;
        for (size_t k = 0; k < r->n_rounds && !any; k++) {
            any = r->rounds[k].present[i];
        }
        if (!any) {
            continue;
        }
        size_t len;
        const char *name = opt_name(e, (uint32_t)i, &len);
        cell_left(b, name, len > 120 ? 120 : len, nw);
        for (size_t k = 0; k < r->n_rounds; k++) {
            const struct tally_round *rd = &r->rounds[k];
            if (!rd->present[i]) {
                cell_right(b, "", cw);
                continue;
            }
            fmt_dec(num, sizeof num, &rd->tally[i]);
            /* mark: '*' elected, 'x' eliminated in this round */
            size_t n = strlen(num);
            if (in_list(rd->elected, rd->n_elected, (uint32_t)i)) {
                memcpy(num + n, " *", 3);
            } else if (in_list(rd->eliminated, rd->n_eliminated, (uint32_t)i)) {
                memcpy(num + n, " x", 3);
            } else {
                memcpy(num + n, "  ", 3);
            }
            cell_right(b, num, cw);
        }
        puts_(b, "\n");
    }
    cell_left(b, "Exhausted", 9, nw);
    for (size_t k = 0; k < r->n_rounds; k++) {
        fmt_dec(num, sizeof num, &r->rounds[k].exhausted);
        strcat(num, "  ");
        cell_right(b, num, cw);
    }
    puts_(b, "\n");
    cell_left(b, "Threshold", 9, nw);
    for (size_t k = 0; k < r->n_rounds; k++) {
        fmt_dec(num, sizeof num, &r->rounds[k].threshold);
        strcat(num, "  ");
        cell_right(b, num, cw);
    }
    puts_(b, "\n");
    if (r->n_rounds > 0 && r->rounds[0].stv_multi) {
        cell_left(b, "Residual surplus", 16, nw);
        for (size_t k = 0; k < r->n_rounds; k++) {
            fmt_dec(num, sizeof num, &r->rounds[k].residual_surplus);
            strcat(num, "  ");
            cell_right(b, num, cw);
        }
        puts_(b, "\n");
    }
    puts_(b, "(* elected, x eliminated in that round)\n\nTransfers\n");
    for (size_t k = 0; k < r->n_rounds; k++) {
        const struct tally_round *rd = &r->rounds[k];
        uint32_t prev = TALLY_NONE;
        for (size_t t = 0; t < rd->n_transfers; t++) {
            const struct tally_transfer *tr = &rd->transfers[t];
            size_t len;
            const char *name;
            if (tr->from != prev) {
                name = opt_name(e, tr->from, &len);
                printf_(b, "%s  round %" PRIu32 ": ", prev == TALLY_NONE ? "" : "\n", rd->round);
                cell_left(b, name, len > 120 ? 120 : len, 0);
                puts_(b, " ->");
                prev = tr->from;
            } else {
                put(b, ",", 1);
            }
            put(b, " ", 1);
            if (tr->to == TALLY_TO_EXHAUSTED) {
                puts_(b, "exhausted");
            } else if (tr->to == TALLY_TO_RESIDUAL) {
                puts_(b, "residual surplus");
            } else {
                name = opt_name(e, tr->to, &len);
                cell_left(b, name, len > 120 ? 120 : len, 0);
            }
            fmt_dec(num, sizeof num, &tr->value);
            printf_(b, " %s", num);
        }
        if (prev != TALLY_NONE) {
            puts_(b, "\n");
        }
    }
}

static void text_schulze(struct election_buf *b, const struct tally_election *e,
                         const struct tally_result *r)
{
    const struct tally_schulze *sz = &r->schulze;
    size_t len;
    const char *name;
    char num[64];
    puts_(b, "Ranking:");
    for (size_t i = 0; i < sz->n_ranking; i++) {
        name = opt_name(e, sz->ranking[i], &len);
        printf_(b, " %zu. ", i + 1);
        cell_left(b, name, len > 120 ? 120 : len, 0);
    }
    puts_(b, "\nCondorcet winner: ");
    if (sz->condorcet_winner == TALLY_NONE) {
        puts_(b, "none");
    } else {
        name = opt_name(e, sz->condorcet_winner, &len);
        cell_left(b, name, len > 120 ? 120 : len, 0);
    }
    puts_(b, "\n");
    size_t n = e->n_options;
    const struct tally_dec *mats[2] = {sz->pairwise, sz->strongest};
    const char *titles[2] = {"Pairwise d[row][column]", "Strongest paths p[row][column]"};
    for (int m = 0; m < 2; m++) {
        if (mats[m] == NULL) {
            continue;
        }
        printf_(b, "\n%s\n", titles[m]);
        size_t nw = 4, cw = 8;
        for (size_t i = 0; i < n; i++) {
            size_t w = width(e->opt_chars + e->opt_off[i], e->opt_len[i]);
            nw = w > nw ? w : nw;
            cw = w + 2 > cw ? w + 2 : cw;
            for (size_t j = 0; j < n; j++) {
                fmt_dec(num, sizeof num, &mats[m][i * n + j]);
                cw = strlen(num) + 2 > cw ? strlen(num) + 2 : cw;
            }
        }
        nw = nw > 40 ? 40 : nw;
        cw = cw > 42 ? 42 : cw;
        pad(b, nw);
        for (size_t j = 0; j < n; j++) {
            if (is_excluded(e, (uint32_t)j)) {
                continue;
            }
            name = opt_name(e, (uint32_t)j, &len);
            size_t w = width(name, len);
            pad(b, w < cw ? cw - w : 0);
            cell_left(b, name, len > 40 ? 40 : len, 0);
        }
        puts_(b, "\n");
        for (size_t i = 0; i < n; i++) {
            if (is_excluded(e, (uint32_t)i)) {
                continue;
            }
            name = opt_name(e, (uint32_t)i, &len);
            cell_left(b, name, len > 40 ? 40 : len, nw);
            for (size_t j = 0; j < n; j++) {
                if (is_excluded(e, (uint32_t)j)) {
                    continue;
                }
                if (i == j) {
                    cell_right(b, "-", cw);
                } else {
                    fmt_dec(num, sizeof num, &mats[m][i * n + j]);
                    cell_right(b, num, cw);
                }
            }
            puts_(b, "\n");
        }
    }
}

int election_write_text(const struct tally_election *e, const struct tally_result *r,
                        struct election_buf *b)
{
    char num[64];
    size_t len;
    const char *name;
    static const char *const methods[] = {"irv", "stv", "schulze"};
    printf_(b, "Method %s, %" PRId64 " seat%s", methods[e->method % 3], e->seats,
            e->seats == 1 ? "" : "s");
    if (r->rules_id != NULL) {
        puts_(b, ", rules ");
        cell_left(b, r->rules_id, strlen(r->rules_id) > 80 ? 80 : strlen(r->rules_id), 0);
    }
    puts_(b, "\nWinners:");
    for (size_t i = 0; i < r->n_winners; i++) {
        name = opt_name(e, r->winners[i], &len);
        puts_(b, i ? ", " : " ");
        cell_left(b, name, len > 120 ? 120 : len, 0);
    }
    if (r->n_winners == 0) {
        puts_(b, " none");
    }
    fmt_dec(num, sizeof num, &r->blank_ballots);
    printf_(b, "\nBlank ballots: %s\n\n", num);
    if (r->schulze.present) {
        text_schulze(b, e, r);
    } else {
        text_rounds(b, e, r);
    }
    if (r->country_cap.present) {
        fmt_dec(num, sizeof num, &r->country_cap.cap);
        printf_(b, "\nCountry cap %s, factors:", num);
        for (size_t i = 0; i < r->country_cap.n; i++) {
            fmt_dec(num, sizeof num, &r->country_cap.factors[i]);
            uint16_t c = r->country_cap.countries[i];
            printf_(b, " %c%c %s", (char)(c >> 8), (char)(c & 0xff), num);
        }
        puts_(b, "\n");
    }
    if (r->has_by_country) {
        puts_(b, "\nBy country (ballots, value after the cap)\n");
        for (size_t i = 0; i < r->n_by_country; i++) {
            const struct tally_country_stat *c = &r->by_country[i];
            fmt_dec(num, sizeof num, &c->value);
            printf_(b, "  %c%c %10" PRIu64 " %12s\n", (char)(c->country >> 8),
                    (char)(c->country & 0xff), c->ballots, num);
        }
    }
    if (r->double_majority.present) {
        const struct tally_dm *dm = &r->double_majority;
        fmt_dec(num, sizeof num, &dm->min_country_share);
        printf_(b,
                "\nDouble majority (share %s): %s, carried %" PRIu32 " of %" PRIu32 " countries\n",
                num, dm->met ? "met" : "not met", dm->carried, dm->considered);
    }
    return b->oom ? -1 : 0;
}
