/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/tally/test_props.c — properties over thousands of seeded random
 * elections built in C:
 *  - IRV equals a slow, obviously-correct IRV written here (every ballot
 *    re-read from rank 1 every round, no buckets, no incremental tallies);
 *  - STV with one seat equals IRV;
 *  - ballot order and option relabelling (with the tie-break order relabelled
 *    consistently) do not change results;
 *  - tallies + inactive + residual surplus + blank = total value, every round;
 *  - a country cap of 1 changes nothing (through tally_cap.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tally_int.h"

#define MAXK    8
#define MAXR    10
#define MAXB    40
#define N_ELECT 3000 /* seeded elections per property */

/* ------------------------------------------------------ random model -- */

static uint64_t rs;

static uint32_t rnd(uint32_t n)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (uint32_t)((rs >> 11) % n);
}

struct mark {
    int n; /* -1 skipped */
    int ids[3];
};

struct ballot {
    int nr;
    struct mark r[MAXR];
    uint64_t count;
    int weight; /* index into WEIGHTS */
    int country;
};

static const char *const WEIGHTS[] = {"1", "0.5", "0.75", "0.8333", "1.25", "2"};
static const char *const COUNTRIES[] = {"DE", "FR", "IT", "ZZ"};
static const char *const NAMES[MAXK] = {"Ann", "bob", "\xc3\x89mile",     "Dave",
                                        "ann", "Zed", "\xf0\x9f\x98\x80", "Bo"};

struct model {
    int k, nb;
    struct ballot b[MAXB];
    int method, seats;
    int overvote, max_skip, dup, excluded, batch, uwi, weighted, countries, tiebreak;
    int64_t seed;
};

static void gen(struct model *m, bool stv, bool allow_weights)
{
    memset(m, 0, sizeof(*m));
    m->k = 2 + (int)rnd(stv ? 6 : 5);
    m->nb = 1 + (int)rnd(MAXB - 1);
    m->method = stv ? TALLY_STV : TALLY_IRV;
    m->seats = stv ? 2 + (int)rnd((uint32_t)(m->k > 3 ? 2 : 1)) : 1;
    m->overvote = (int)rnd(3);
    m->max_skip = (int)rnd(4) - 1;
    m->dup = (int)rnd(2);
    m->excluded = rnd(5) == 0 ? (int)rnd((uint32_t)m->k) : -1;
    m->batch = !stv && rnd(3) == 0;
    m->uwi = rnd(6) == 0 ? m->k - 1 : -1;
    if (m->uwi == m->excluded) {
        m->uwi = -1;
    }
    m->weighted = allow_weights && rnd(2);
    m->countries = rnd(2);
    m->tiebreak = (int)rnd(3); /* order, random, previous_rounds_then_random */
    m->seed = (int64_t)rnd(1000) - 500;
    for (int i = 0; i < m->nb; i++) {
        struct ballot *b = &m->b[i];
        b->nr = (int)rnd((uint32_t)m->k + 2);
        for (int r = 0; r < b->nr; r++) {
            uint32_t x = rnd(100);
            struct mark *mk = &b->r[r];
            if (x < 12) {
                mk->n = -1;
            } else if (x < 20) {
                mk->n = 2;
                mk->ids[0] = (int)rnd((uint32_t)m->k);
                mk->ids[1] = (int)rnd((uint32_t)m->k);
            } else if (x < 23 && m->overvote != TALLY_OV_EXHAUST_IF_MULTIPLE) {
                mk->n = 0;
            } else {
                mk->n = 1;
                mk->ids[0] = (int)rnd((uint32_t)m->k);
            }
        }
        b->count = 1 + rnd(4);
        b->weight = m->weighted ? (int)rnd(6) : 0;
        b->country = (int)rnd(4);
    }
}

/* Build the election; perm maps model option i to position perm[i] in options
 * (NULL = identity); order[] = the model's entry order (NULL = identity). */
static void build(const struct model *m, struct tally_election *e, const int *perm,
                  const int *order, bool with_countries)
{
    tally_election_init(e);
    e->method = (enum tally_method)m->method;
    e->seats = m->seats;
    int inv[MAXK];
    for (int i = 0; i < m->k; i++) {
        inv[perm ? perm[i] : i] = i;
    }
    for (int p = 0; p < m->k; p++) {
        cr_assert_eq(tally_election_add_option(e, NAMES[inv[p]], strlen(NAMES[inv[p]]), NULL),
                     TALLY_OK);
    }
#define POS(i) ((uint32_t)(perm ? perm[i] : (i)))
    e->rules.overvote = (enum tally_overvote)m->overvote;
    e->rules.max_skipped_ranks = m->max_skip;
    e->rules.exhaust_on_duplicate = m->dup;
    e->rules.batch_elimination = m->batch;
    e->rules.random_seed = m->seed;
    e->rules.tiebreak = m->tiebreak == 0   ? TALLY_TB_ORDER
                        : m->tiebreak == 1 ? TALLY_TB_RANDOM
                                           : TALLY_TB_PREV_RANDOM;
    if (m->excluded >= 0) {
        tally_rules_add_excluded(e, POS(m->excluded));
    }
    if (m->uwi >= 0) {
        e->rules.undeclared_write_in = POS(m->uwi);
    }
    /* the tie-break order is the model's option order, relabelled with it */
    for (int i = 0; i < m->k; i++) {
        if (i != m->uwi) {
            tally_rules_add_tiebreak_order(e, POS(i));
        }
    }
    for (int j = 0; j < m->nb; j++) {
        const struct ballot *b = &m->b[order ? order[j] : j];
        for (int r = 0; r < b->nr; r++) {
            if (b->r[r].n < 0) {
                tally_election_skip(e);
                continue;
            }
            tally_election_mark_open(e);
            for (int q = 0; q < b->r[r].n; q++) {
                tally_election_mark_add(e, POS(b->r[r].ids[q]));
            }
            tally_election_mark_close(e);
        }
        struct tally_dec w;
        tally_dec_parse(WEIGHTS[b->weight], strlen(WEIGHTS[b->weight]), &w);
        const char *c = COUNTRIES[b->country];
        cr_assert_eq(tally_election_add_entry(
                         e, b->count, &w,
                         with_countries ? TALLY_COUNTRY(c[0], c[1]) : TALLY_COUNTRY_NONE, NULL),
                     TALLY_OK);
    }
#undef POS
}

/* ------------------------------------------------- slow reference IRV -- */

enum { R_ACTIVE, R_OV, R_SKIP, R_EXH, R_REP };

struct ref_round {
    long tally[MAXK];
    bool present[MAXK];
    long inactive[4];
    int elected; /* -1 none */
    bool elim[MAXK];
    long threshold;
};

/* Read ballot b against the continuing set; returns R_* and *to. */
static int ref_read(const struct model *m, const struct ballot *b, const bool *cont, int *to)
{
    int prev = 0;
    bool seen[MAXK + 1] = {false};
    int last = -1;
    for (int r = 0; r < b->nr; r++) {
        if (b->r[r].n >= 0) {
            last = r;
        }
    }
    for (int r = 0; r <= last; r++) {
        const struct mark *mk = &b->r[r];
        if (mk->n < 0) {
            continue;
        }
        int pos = r + 1;
        if (m->max_skip >= 0 && pos - prev > m->max_skip + 1) {
            return R_SKIP;
        }
        prev = pos;
        if (m->dup) {
            if (mk->n == 0) {
                if (seen[MAXK]) {
                    return R_REP;
                }
                seen[MAXK] = true;
            }
            for (int q = 0; q < mk->n; q++) {
                if (seen[mk->ids[q]]) {
                    return R_REP;
                }
                seen[mk->ids[q]] = true;
            }
        }
        bool is_last = r == last;
        if (mk->n != 1) {
            if (m->overvote == TALLY_OV_EXHAUST) {
                return R_OV;
            }
            if (m->overvote == TALLY_OV_SKIP) {
                if (is_last) {
                    return R_EXH;
                }
                continue;
            }
            int distinct = 0, firstc = -1;
            for (int q = 0; q < mk->n; q++) {
                int id = mk->ids[q];
                if (cont[id] && id != firstc) {
                    distinct++;
                    firstc = firstc < 0 ? id : firstc;
                }
            }
            if (distinct >= 2) {
                return R_OV;
            }
        }
        for (int q = 0; q < mk->n; q++) {
            if (cont[mk->ids[q]]) {
                *to = mk->ids[q];
                return R_ACTIVE;
            }
        }
        if (is_last) {
            return R_EXH;
        }
    }
    return R_EXH;
}

/* Unweighted IRV, tiebreak order (model order), optional batch and UWI. Returns rounds. */
static int ref_irv(const struct model *m, struct ref_round *out, int maxr, int *winner)
{
    bool cont[MAXK];
    int status[MAXB];
    for (int i = 0; i < m->k; i++) {
        cont[i] = i != m->excluded;
    }
    for (int j = 0; j < m->nb; j++) {
        status[j] = R_ACTIVE;
    }
    *winner = -1;
    int n = 0;
    while (*winner < 0) {
        cr_assert_lt(n, maxr);
        struct ref_round *rr = &out[n++];
        memset(rr, 0, sizeof(*rr));
        rr->elected = -1;
        for (int i = 0; i < m->k; i++) {
            rr->present[i] = cont[i];
        }
        for (int j = 0; j < m->nb; j++) {
            const struct ballot *b = &m->b[j];
            bool blank = true;
            for (int r = 0; r < b->nr; r++) {
                blank &= b->r[r].n < 0;
            }
            if (blank) {
                continue;
            }
            if (status[j] == R_ACTIVE) {
                int to = -1;
                status[j] = ref_read(m, b, cont, &to);
                if (status[j] == R_ACTIVE) {
                    rr->tally[to] += (long)b->count;
                    continue;
                }
            }
            rr->inactive[status[j] - 1] += (long)b->count;
        }
        long V = 0;
        int ncont = 0;
        for (int i = 0; i < m->k; i++) {
            if (cont[i]) {
                V += rr->tally[i];
                ncont++;
            }
        }
        cr_assert_gt(ncont, 0);
        rr->threshold = V / 2 + 1;
        bool uwi_votes = m->uwi >= 0 && cont[m->uwi] && rr->tally[m->uwi] > 0;
        if (!uwi_votes) {
            if (ncont == 1) {
                for (int i = 0; i < m->k; i++) {
                    if (cont[i]) {
                        rr->elected = i;
                    }
                }
            } else {
                for (int i = 0; i < m->k; i++) {
                    if (cont[i] && i != m->uwi && rr->tally[i] >= rr->threshold) {
                        rr->elected = i;
                    }
                }
                if (rr->elected < 0 && ncont == 2) {
                    /* top tally; tie → earliest in the order (model order, UWI unlisted) */
                    int best = -1;
                    for (int i = 0; i < m->k; i++) {
                        if (!cont[i]) {
                            continue;
                        }
                        if (best < 0 || rr->tally[i] > rr->tally[best] ||
                            (rr->tally[i] == rr->tally[best] && best == m->uwi)) {
                            best = i;
                        }
                    }
                    rr->elected = best;
                }
            }
        }
        if (rr->elected >= 0) {
            *winner = rr->elected;
            break;
        }
        if (uwi_votes) {
            rr->elim[m->uwi] = true;
        } else {
            bool done = false;
            if (m->batch) {
                /* candidates sorted by tally; the largest prefix whose sum is below the next */
                int idx[MAXK], c = 0;
                for (int i = 0; i < m->k; i++) {
                    if (cont[i]) {
                        idx[c++] = i;
                    }
                }
                for (int a = 1; a < c; a++) {
                    for (int z = a; z > 0 && rr->tally[idx[z - 1]] > rr->tally[idx[z]]; z--) {
                        int t = idx[z];
                        idx[z] = idx[z - 1];
                        idx[z - 1] = t;
                    }
                }
                int best = 0;
                long sum = 0;
                for (int p = 0; p < c; p++) {
                    /* prefix [0, p) is a batch if its sum < tally of idx[p] and p is a level start
                     */
                    if (p > 0 && rr->tally[idx[p]] != rr->tally[idx[p - 1]] &&
                        sum < rr->tally[idx[p]]) {
                        best = p;
                    }
                    sum += rr->tally[idx[p]];
                }
                if (best >= 2) {
                    for (int p = 0; p < best; p++) {
                        rr->elim[idx[p]] = true;
                    }
                    done = true;
                }
            }
            if (!done) {
                /* lowest; a tie goes to the one listed latest in the order (model
                 * order); the UWI is not listed, so it loses a tie only alone */
                long min = -1;
                for (int i = 0; i < m->k; i++) {
                    if (cont[i] && (min < 0 || rr->tally[i] < min)) {
                        min = rr->tally[i];
                    }
                }
                int low = -1, ntied = 0;
                for (int i = 0; i < m->k; i++) {
                    if (cont[i] && rr->tally[i] == min) {
                        ntied++;
                        if (i != m->uwi || low < 0) {
                            low = i;
                        }
                    }
                }
                if (ntied > 1 && low == m->uwi) {
                    cr_assert(false, "reference: only the UWI is tied?");
                }
                rr->elim[low] = true;
            }
        }
        for (int i = 0; i < m->k; i++) {
            if (rr->elim[i]) {
                cont[i] = false;
            }
        }
    }
    return n;
}

/* ---------------------------------------------------- comparisons ----- */

static uint32_t by_name(const struct tally_election *e, int model_i)
{
    return tally_election_find_option(e, NAMES[model_i], strlen(NAMES[model_i]));
}

static void same_results(const struct model *m, const struct tally_election *e1,
                         const struct tally_result *a, const struct tally_election *e2,
                         const struct tally_result *b, const char *what, int iter)
{
    cr_assert_eq(a->n_rounds, b->n_rounds, "%s #%d: rounds", what, iter);
    cr_assert_eq(a->n_winners, b->n_winners, "%s #%d: winners", what, iter);
    for (size_t w = 0; w < a->n_winners; w++) {
        bool found = false;
        for (size_t v = 0; v < b->n_winners; v++) {
            found |= !strcmp(e1->opt_chars + e1->opt_off[a->winners[w]],
                             e2->opt_chars + e2->opt_off[b->winners[v]]);
        }
        cr_assert(found, "%s #%d: winner sets differ", what, iter);
    }
    cr_assert_eq(tally_dec_cmp(&a->blank_ballots, &b->blank_ballots), 0);
    for (size_t r = 0; r < a->n_rounds; r++) {
        const struct tally_round *x = &a->rounds[r], *y = &b->rounds[r];
        for (int i = 0; i < m->k; i++) {
            uint32_t o1 = by_name(e1, i), o2 = by_name(e2, i);
            cr_assert_eq(x->present[o1], y->present[o2], "%s #%d r%zu", what, iter, r + 1);
            cr_assert_eq(tally_dec_cmp(&x->tally[o1], &y->tally[o2]), 0, "%s #%d r%zu tally", what,
                         iter, r + 1);
        }
        cr_assert_eq(x->n_elected, y->n_elected);
        cr_assert_eq(x->n_eliminated, y->n_eliminated, "%s #%d r%zu", what, iter, r + 1);
        for (size_t q = 0; q < x->n_eliminated; q++) {
            bool found = false;
            for (size_t z = 0; z < y->n_eliminated; z++) {
                found |= !strcmp(e1->opt_chars + e1->opt_off[x->eliminated[q]],
                                 e2->opt_chars + e2->opt_off[y->eliminated[z]]);
            }
            cr_assert(found, "%s #%d r%zu eliminated", what, iter, r + 1);
        }
        for (int k = 0; k < TALLY_IN_N; k++) {
            cr_assert_eq(tally_dec_cmp(&x->inactive[k], &y->inactive[k]), 0);
        }
        cr_assert_eq(tally_dec_cmp(&x->residual_surplus, &y->residual_surplus), 0);
        cr_assert_eq(tally_dec_cmp(&x->threshold, &y->threshold), 0);
        cr_assert_eq(x->n_transfers, y->n_transfers, "%s #%d r%zu transfers", what, iter, r + 1);
        for (size_t t = 0; t < x->n_transfers; t++) {
            const struct tally_transfer *p = &x->transfers[t];
            bool found = false;
            for (size_t u = 0; u < y->n_transfers; u++) {
                const struct tally_transfer *q = &y->transfers[u];
                bool to_same = p->to >= TALLY_TO_RESIDUAL
                                   ? p->to == q->to
                                   : (q->to < TALLY_TO_RESIDUAL &&
                                      !strcmp(e1->opt_chars + e1->opt_off[p->to],
                                              e2->opt_chars + e2->opt_off[q->to]));
                found |= to_same &&
                         !strcmp(e1->opt_chars + e1->opt_off[p->from],
                                 e2->opt_chars + e2->opt_off[q->from]) &&
                         tally_dec_cmp(&p->value, &q->value) == 0;
            }
            cr_assert(found, "%s #%d r%zu transfer", what, iter, r + 1);
        }
    }
}

/* Count an election; ties of "order" are deterministic, so no run fails
 * except on a deliberate rule. */
static int run(struct tally_election *e, struct tally_result *r)
{
    struct tally_error err;
    int rc = tally_run(e, r, &err);
    cr_assert(rc == TALLY_OK || rc == TALLY_EINVAL, "engine: %s", err.reason);
    return rc;
}

/* -------------------------------------------------------- properties -- */

Test(props, irv_equals_slow_reference)
{
    rs = 0x1234567;
    int compared = 0;
    for (int it = 0; it < N_ELECT; it++) {
        struct model m;
        gen(&m, false, false);
        m.tiebreak = 0;
        struct tally_election e;
        struct tally_result r;
        build(&m, &e, NULL, NULL, false);
        int rc = run(&e, &r);
        struct ref_round ref[2 * MAXK + 2];
        int winner;
        /* all excluded / nothing to count → both sides must agree it's refused */
        if (rc != TALLY_OK) {
            tally_election_fini(&e);
            continue;
        }
        int nr = ref_irv(&m, ref, 2 * MAXK + 2, &winner);
        cr_assert_eq((int)r.n_rounds, nr, "#%d rounds %zu vs %d", it, r.n_rounds, nr);
        cr_assert_eq(r.n_winners, 1);
        cr_assert_eq(r.winners[0], (uint32_t)winner, "#%d winner", it);
        for (int k = 0; k < nr; k++) {
            const struct tally_round *x = &r.rounds[k];
            for (int i = 0; i < m.k; i++) {
                cr_assert_eq(x->present[i], ref[k].present[i], "#%d r%d present %d", it, k + 1, i);
                if (ref[k].present[i]) {
                    cr_assert(x->tally[i].units == (tally_i128)ref[k].tally[i] * 10000,
                              "#%d r%d tally %d", it, k + 1, i);
                }
                bool el = false;
                for (size_t q = 0; q < x->n_eliminated; q++) {
                    el |= x->eliminated[q] == (uint32_t)i;
                }
                cr_assert_eq(el, ref[k].elim[i], "#%d r%d elim %d", it, k + 1, i);
            }
            for (int c = 0; c < 4; c++) {
                cr_assert(x->inactive[c].units == (tally_i128)ref[k].inactive[c] * 10000,
                          "#%d r%d inactive %d", it, k + 1, c);
            }
            cr_assert(x->threshold.units == (tally_i128)ref[k].threshold * 10000);
        }
        compared++;
        tally_result_fini(&r);
        tally_election_fini(&e);
    }
    cr_assert_gt(compared, N_ELECT / 2);
}

Test(props, stv_one_seat_equals_irv)
{
    rs = 0xabcdef;
    for (int it = 0; it < N_ELECT; it++) {
        struct model m;
        gen(&m, false, true);
        struct tally_election a, b;
        struct tally_result ra, rb;
        build(&m, &a, NULL, NULL, false);
        m.method = TALLY_STV;
        build(&m, &b, NULL, NULL, false);
        int rc1 = run(&a, &ra), rc2 = run(&b, &rb);
        cr_assert_eq(rc1, rc2);
        if (rc1 == TALLY_OK) {
            same_results(&m, &a, &ra, &b, &rb, "stv1", it);
            tally_result_fini(&ra);
            tally_result_fini(&rb);
        }
        tally_election_fini(&a);
        tally_election_fini(&b);
    }
}

static void shuffle(int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rnd((uint32_t)i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static void invariance(bool stv, uint64_t seed)
{
    rs = seed;
    for (int it = 0; it < N_ELECT; it++) {
        struct model m;
        gen(&m, stv, true);
        int perm[MAXK], order[MAXB];
        for (int i = 0; i < m.k; i++) {
            perm[i] = i;
        }
        for (int j = 0; j < m.nb; j++) {
            order[j] = j;
        }
        shuffle(perm, m.k);
        shuffle(order, m.nb);
        struct tally_election a, b, c;
        struct tally_result ra, rb, rc;
        build(&m, &a, NULL, NULL, m.countries);
        build(&m, &b, NULL, order, m.countries);
        build(&m, &c, perm, NULL, m.countries);
        int s1 = run(&a, &ra), s2 = run(&b, &rb), s3 = run(&c, &rc);
        cr_assert(s1 == s2 && s1 == s3);
        if (s1 == TALLY_OK) {
            same_results(&m, &a, &ra, &b, &rb, "ballot order", it);
            same_results(&m, &a, &ra, &c, &rc, "relabel", it);
            tally_result_fini(&ra);
            tally_result_fini(&rb);
            tally_result_fini(&rc);
        }
        tally_election_fini(&a);
        tally_election_fini(&b);
        tally_election_fini(&c);
    }
}

Test(props, irv_invariant_under_order_and_relabelling)
{
    invariance(false, 0x5eed1);
}

Test(props, stv_invariant_under_order_and_relabelling)
{
    invariance(true, 0x5eed2);
}

static void conservation(bool stv, uint64_t seed)
{
    rs = seed;
    int checked = 0;
    for (int it = 0; it < N_ELECT; it++) {
        struct model m;
        gen(&m, stv, true);
        struct tally_election e;
        struct tally_result r;
        build(&m, &e, NULL, NULL, false);
        if (run(&e, &r) != TALLY_OK) {
            tally_election_fini(&e);
            continue;
        }
        tally_i128 total = 0;
        for (size_t i = 0; i < e.n_entries; i++) {
            struct tally_dec w;
            cr_assert_eq(tally_dec_rescale(e.weights[e.entries[i].weight], 4, &w), TALLY_OK);
            total += (tally_i128)e.entries[i].count * w.units;
        }
        for (size_t k = 0; k < r.n_rounds; k++) {
            const struct tally_round *x = &r.rounds[k];
            tally_i128 s = r.blank_ballots.units + x->residual_surplus.units;
            for (size_t o = 0; o < e.n_options; o++) {
                if (x->present[o]) {
                    s += x->tally[o].units;
                }
            }
            for (int c = 0; c < TALLY_IN_N; c++) {
                s += x->inactive[c].units;
            }
            cr_assert(s == total, "#%d round %zu: sum differs from the total value", it, k + 1);
            /* transfers out of a round add up to what its eliminated/elected held */
        }
        checked++;
        tally_result_fini(&r);
        tally_election_fini(&e);
    }
    cr_assert_gt(checked, N_ELECT / 2);
}

Test(props, irv_values_conserved)
{
    conservation(false, 0xc0ffee);
}

Test(props, stv_values_conserved)
{
    conservation(true, 0xbadc0de);
}

Test(props, cap_of_one_changes_nothing)
{
    rs = 0xcab;
    for (int it = 0; it < N_ELECT / 3; it++) {
        struct model m;
        gen(&m, rnd(2), true);
        struct tally_election a, b;
        struct tally_result ra, rb;
        build(&m, &a, NULL, NULL, true);
        build(&m, &b, NULL, NULL, true);
        b.rules.has_country_cap = true;
        b.rules.country_cap = tally_dec_int(1);
        int s1 = run(&a, &ra), s2 = run(&b, &rb);
        cr_assert_eq(s1, s2);
        if (s1 == TALLY_OK) {
            same_results(&m, &a, &ra, &b, &rb, "cap 1", it);
            cr_assert(rb.country_cap.present);
            tally_result_fini(&ra);
            tally_result_fini(&rb);
        }
        tally_election_fini(&a);
        tally_election_fini(&b);
    }
}

/* Every winner mode and rule switch on random elections: the engine either
 * counts (values conserved, ballot order irrelevant) or refuses with a
 * documented error — never an internal error, a crash or a hang. */
Test(props, all_modes_conserve_and_terminate)
{
    rs = 0x77;
    int counted = 0;
    for (int it = 0; it < N_ELECT; it++) {
        struct model m;
        bool stv = rnd(2);
        gen(&m, stv, true);
        int order[MAXB];
        for (int j = 0; j < m.nb; j++) {
            order[j] = j;
        }
        shuffle(order, m.nb);
        struct tally_election e[2];
        struct tally_result r[2];
        int rc[2];
        uint32_t mode = rnd(6), flags = rnd(64);
        for (int v = 0; v < 2; v++) {
            build(&m, &e[v], NULL, v ? order : NULL, false);
            struct tally_rules *ru = &e[v].rules;
            if (stv) {
                ru->winner_mode = mode == 0 ? TALLY_WM_ONE_PER_ROUND : TALLY_WM_STANDARD;
                ru->quota = (flags & 1) ? TALLY_QUOTA_HARE : TALLY_QUOTA_DROOP;
                ru->non_integer_threshold = !(flags & 1) && (flags & 2);
                e[v].rules.batch_elimination = false;
            } else if (mode == 1) {
                ru->winner_mode = TALLY_WM_BOTTOMS_UP;
                e[v].seats = 2 + (int64_t)(flags % 2);
                ru->batch_elimination = false;
            } else if (mode == 2) {
                ru->winner_mode = TALLY_WM_BOTTOMS_UP_PERCENTAGE;
                e[v].seats = 0;
                ru->has_bottoms_up_percentage = true;
                ru->bottoms_up_percentage = tally_dec_make(5 + (flags % 30) * 10 + 5, 1);
                ru->cutoff_elimination = flags & 4;
                ru->batch_elimination = false;
            } else if (mode == 3) {
                ru->winner_mode = TALLY_WM_MULTI_PASS;
                e[v].seats = 2;
            } else {
                ru->continue_until_two = flags & 8;
                ru->first_round_determines_threshold = flags & 16;
            }
            if (flags & 32) {
                ru->stop_after_round = 1 + (int64_t)(flags % 3);
            }
            struct tally_error err;
            rc[v] = tally_run(&e[v], &r[v], &err);
            cr_assert(rc[v] == TALLY_OK || rc[v] == TALLY_EINVAL || rc[v] == TALLY_ETIE,
                      "#%d mode %u flags %u: %d %s", it, mode, flags, rc[v], err.reason);
        }
        cr_assert_eq(rc[0], rc[1], "#%d: ballot order changed the outcome", it);
        if (rc[0] == TALLY_OK) {
            same_results(&m, &e[0], &r[0], &e[1], &r[1], "modes/order", it);
            tally_i128 total = 0;
            for (size_t i = 0; i < e[0].n_entries; i++) {
                struct tally_dec w;
                cr_assert_eq(tally_dec_rescale(e[0].weights[e[0].entries[i].weight], 4, &w),
                             TALLY_OK);
                total += (tally_i128)e[0].entries[i].count * w.units;
            }
            uint32_t pass = 0;
            for (size_t k = 0; k < r[0].n_rounds; k++) {
                const struct tally_round *x = &r[0].rounds[k];
                tally_i128 s = r[0].blank_ballots.units + x->residual_surplus.units;
                for (size_t o = 0; o < e[0].n_options; o++) {
                    s += x->present[o] ? x->tally[o].units : 0;
                }
                for (int c = 0; c < TALLY_IN_N; c++) {
                    s += x->inactive[c].units;
                }
                cr_assert(s == total, "#%d mode %u round %zu not conserved", it, mode, k + 1);
                cr_assert(x->pass >= pass);
                pass = x->pass;
            }
            counted++;
            tally_result_fini(&r[0]);
            tally_result_fini(&r[1]);
        }
        tally_election_fini(&e[0]);
        tally_election_fini(&e[1]);
    }
    cr_assert_gt(counted, N_ELECT / 3);
}

/* §8.1: over all countries, first preferences add up to round 1's tally and
 * the final figures to the last round's (an earlier STV winner: to its kept
 * total, which is the shown figure plus its residual surplus). */
Test(props, by_country_adds_up)
{
    rs = 0xb7c0;
    int checked = 0;
    for (int it = 0; it < N_ELECT; it++) {
        struct model m;
        gen(&m, rnd(2), true);
        struct tally_election e;
        struct tally_result r;
        build(&m, &e, NULL, NULL, true);
        if (run(&e, &r) != TALLY_OK) {
            tally_election_fini(&e);
            continue;
        }
        cr_assert(r.has_by_country);
        const struct tally_round *r1 = &r.rounds[0], *last = &r.rounds[r.n_rounds - 1];
        tally_i128 value = 0;
        for (size_t k = 0; k < r.n_by_country; k++) {
            value += r.by_country[k].value.units;
        }
        tally_i128 total = 0;
        for (size_t i = 0; i < e.n_entries; i++) {
            struct tally_dec w;
            cr_assert_eq(tally_dec_rescale(e.weights[e.entries[i].weight], 4, &w), TALLY_OK);
            total += (tally_i128)e.entries[i].count * w.units;
        }
        cr_assert(value == total, "#%d: country values", it);
        for (size_t o = 0; o < e.n_options; o++) {
            tally_i128 f = 0, l = 0;
            for (size_t k = 0; k < r.n_by_country; k++) {
                cr_assert_eq(r.by_country[k].first_present[o], r1->present[o]);
                cr_assert_eq(r.by_country[k].final_present[o], last->present[o]);
                f += r.by_country[k].first[o].units;
                l += r.by_country[k].final[o].units;
            }
            if (r1->present[o]) {
                cr_assert(f == r1->tally[o].units, "#%d: first[%zu]", it, o);
            }
            if (!last->present[o]) {
                continue;
            }
            /* an earlier STV winner shows min(kept, T); the countries hold kept */
            bool earlier = false;
            for (size_t q = 0; q + 1 < r.n_rounds; q++) {
                for (size_t z = 0; z < r.rounds[q].n_elected; z++) {
                    earlier |= r.rounds[q].elected[z] == o && last->stv_multi;
                }
            }
            if (earlier) {
                cr_assert(l >= last->tally[o].units, "#%d: kept[%zu]", it, o);
            } else {
                cr_assert(l == last->tally[o].units, "#%d: final[%zu]", it, o);
            }
        }
        checked++;
        tally_result_fini(&r);
        tally_election_fini(&e);
    }
    cr_assert_gt(checked, N_ELECT / 2);
}

/* Arbitrary rule values and ballots straight into the structs (what a buggy
 * caller could build): tally_run answers with a status and a reason, never
 * crashes, loops or reports an internal error. */
Test(props, arbitrary_inputs_are_answered)
{
    rs = 0xf022;
    for (int it = 0; it < N_ELECT; it++) {
        struct model m;
        gen(&m, rnd(2), true);
        struct tally_election e;
        build(&m, &e, NULL, NULL, rnd(2));
        struct tally_rules *ru = &e.rules;
        e.method = (enum tally_method)rnd(4);
        e.seats = (int64_t)rnd(8) - 2;
        ru->winner_mode = (enum tally_winner_mode)rnd(6);
        ru->tiebreak = (enum tally_tiebreak)rnd(6);
        ru->quota = (enum tally_quota)rnd(3);
        ru->overvote = (enum tally_overvote)rnd(4);
        ru->decimal_places = (int64_t)rnd(24) - 1;
        ru->max_rankings = (int64_t)rnd(6) - 2;
        ru->stop_after_round = (int64_t)rnd(6) - 2;
        ru->max_skipped_ranks = (int64_t)rnd(5) - 2;
        ru->continue_until_two = rnd(3) == 0;
        ru->first_round_determines_threshold = rnd(3) == 0;
        ru->batch_elimination = rnd(3) == 0;
        ru->non_integer_threshold = rnd(4) == 0;
        ru->cutoff_elimination = rnd(3) == 0;
        ru->has_bottoms_up_percentage = rnd(2);
        ru->bottoms_up_percentage = tally_dec_make((tally_i128)rnd(20000), rnd(3));
        ru->random_seed = (int64_t)rnd(4) == 0 ? INT64_MIN : (int64_t)rnd(1000);
        if (rnd(5) == 0) {
            ru->undeclared_write_in = rnd(12);
        }
        if (rnd(4) == 0) {
            ru->has_country_cap = true;
            ru->country_cap = tally_dec_make((tally_i128)rnd(12), 1);
        }
        if (rnd(4) == 0) {
            ru->has_double_majority = true;
            ru->min_country_share = tally_dec_make((tally_i128)rnd(12), 1);
        }
        if (rnd(6) == 0 && e.n_entries > 0) {
            e.entries[0].count = UINT64_MAX;
        }
        if (rnd(8) == 0 && e.n_entries > 0) {
            e.entries[rnd((uint32_t)e.n_entries)].country = (uint16_t)rnd(65536);
        }
        struct tally_result r;
        struct tally_error err;
        int rc = tally_run(&e, &r, &err);
        cr_assert(rc == TALLY_OK || rc == TALLY_EINVAL || rc == TALLY_ETIE || rc == TALLY_ERANGE,
                  "#%d: %d %s", it, rc, err.reason);
        if (rc != TALLY_OK) {
            cr_assert_neq(err.reason[0], '\0');
        }
        tally_result_fini(&r);
        tally_election_fini(&e);
    }
}
