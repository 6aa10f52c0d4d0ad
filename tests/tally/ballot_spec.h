/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/ballot_spec.h — small builders for engine tests (header-only,
 * static functions, included by test_engine.c).
 *
 * Ballot spec: space-separated ranks; an option id is a run of characters
 * other than space and brackets; "_" is a skipped rank; "[A B]" an overvote;
 * "[]" an overvote without recorded options.
 */
#ifndef PNYX_TESTS_TALLY_BALLOT_SPEC_H
#define PNYX_TESTS_TALLY_BALLOT_SPEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

/* Options from a space-separated list. Returns 0 or -1. */
static inline int spec_options(struct tally_election *e, const char *list)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        const char *q = p;
        while (*q && *q != ' ') {
            q++;
        }
        if (q > p && tally_election_add_option(e, p, (size_t)(q - p), NULL) != TALLY_OK) {
            return -1;
        }
        p = q;
    }
    return 0;
}

static inline uint32_t spec_id(struct tally_election *e, const char **pp)
{
    const char *p = *pp, *q = p;
    while (*q && *q != ' ' && *q != '[' && *q != ']') {
        q++;
    }
    *pp = q;
    return tally_election_find_option(e, p, (size_t)(q - p));
}

/* Add one entry; weight NULL = 1, country "" = none. Returns the tally status. */
static inline int spec_ballot_wc(struct tally_election *e, const char *spec, uint64_t count,
                                 const char *weight, const char *country)
{
    const char *p = spec;
    while (*p) {
        if (*p == ' ') {
            p++;
        } else if (*p == '_') {
            tally_election_skip(e);
            p++;
        } else if (*p == '[') {
            p++;
            tally_election_mark_open(e);
            while (*p && *p != ']') {
                if (*p == ' ') {
                    p++;
                    continue;
                }
                uint32_t o = spec_id(e, &p);
                if (o == TALLY_NONE) {
                    tally_election_discard_entry(e);
                    return TALLY_EINVAL;
                }
                tally_election_mark_add(e, o);
            }
            if (*p == ']') {
                p++;
            }
            tally_election_mark_close(e);
        } else {
            uint32_t o = spec_id(e, &p);
            if (o == TALLY_NONE) {
                tally_election_discard_entry(e);
                return TALLY_EINVAL;
            }
            tally_election_mark_open(e);
            tally_election_mark_add(e, o);
            tally_election_mark_close(e);
        }
    }
    struct tally_dec w;
    if (weight != NULL && tally_dec_parse(weight, strlen(weight), &w) != TALLY_OK) {
        return TALLY_EINVAL;
    }
    uint16_t cc = country != NULL && strlen(country) == 2 ? TALLY_COUNTRY(country[0], country[1])
                                                          : TALLY_COUNTRY_NONE;
    return tally_election_add_entry(e, count, weight ? &w : NULL, cc, NULL);
}

static inline int spec_ballot(struct tally_election *e, const char *spec, uint64_t count)
{
    return spec_ballot_wc(e, spec, count, NULL, NULL);
}

/* Canonical text of a dec (static buffer per call site is not needed: caller's). */
static inline const char *spec_fmt(const struct tally_dec *d, char *buf)
{
    tally_dec_format(d, buf, 64);
    return buf;
}

/* Value shown for option `id` in round `r` (1-based index into rounds), as text; "-" if absent. */
static inline const char *spec_tally(const struct tally_election *e, const struct tally_result *res,
                                     size_t r, const char *id, char *buf)
{
    uint32_t o = tally_election_find_option(e, id, strlen(id));
    if (o == TALLY_NONE || r < 1 || r > res->n_rounds || !res->rounds[r - 1].present[o]) {
        return "-";
    }
    return spec_fmt(&res->rounds[r - 1].tally[o], buf);
}

/* Comma-joined ids (e.g. winners, elected). */
static inline const char *spec_ids(const struct tally_election *e, const uint32_t *ids, size_t n,
                                   char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < len; i++) {
        int w =
            snprintf(buf + at, len - at, "%s%s", i ? "," : "", e->opt_chars + e->opt_off[ids[i]]);
        if (w < 0) {
            break;
        }
        at += (size_t)w;
    }
    return buf;
}

/* Transfer value from → to ("exhausted", "residual_surplus" or an id) in round r, as text. */
static inline const char *spec_transfer(const struct tally_election *e,
                                        const struct tally_result *res, size_t r, const char *from,
                                        const char *to, char *buf)
{
    uint32_t f = tally_election_find_option(e, from, strlen(from));
    uint32_t t = !strcmp(to, "exhausted")          ? TALLY_TO_EXHAUSTED
                 : !strcmp(to, "residual_surplus") ? TALLY_TO_RESIDUAL
                                                   : tally_election_find_option(e, to, strlen(to));
    const struct tally_round *x = &res->rounds[r - 1];
    for (size_t i = 0; i < x->n_transfers; i++) {
        if (x->transfers[i].from == f && x->transfers[i].to == t) {
            return spec_fmt(&x->transfers[i].value, buf);
        }
    }
    return "0";
}

#endif
