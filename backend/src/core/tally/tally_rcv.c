/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_rcv.c — the round-by-round count for irv and stv (§5),
 * RCTab's rules and quirks included, with exact integer arithmetic.
 *
 * Design: each distinct ballot entry has a current per-ballot value (scaled
 * at d). An active entry sits in the bucket of its recipient (an inactive one
 * in none: inactive is final) and the per-option tallies are kept
 * incrementally, so a round only
 * touches the entries of the options elected or eliminated in the round
 * before; those are rescanned from rank 1 (§5.3) and their moves recorded as
 * transfers. A winner's surplus (§5.7) is applied lazily when its bucket is
 * rescanned, so a count that stops right after an election still shows what
 * was counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally_int.h"

/* scan outcome: active, or inactive with a category (ST_IN + enum tally_inactive) */
enum { ST_ACTIVE = 0, ST_IN };
enum { OPT_CONT = 0, OPT_EXCL, OPT_ELIM, OPT_WON };

#define TO_EXH_COL(n) (n)       /* column of "exhausted" in a transfer row */
#define TO_RES_COL(n) ((n) + 1) /* column of "residual_surplus" */

/* What a rescan touches of one entry, in one place (a million-ballot count is
 * bound by cache misses, not arithmetic). */
struct hot {
    uint64_t count;    /* ballots in the group */
    uint32_t rank_off; /* its ranking: e->ranks_pool[rank_off .. + n_ranks) */
    uint32_t n_ranks;
};

/* Prefetch distances in the rescan loop, in entries: far enough to cover a
 * memory latency at a few ns of work per entry, near enough to stay cached. */
#define PREFETCH_HOT   16
#define PREFETCH_RANKS 8
#define PREFETCH_IDS   4

struct bucket {
    uint32_t *a;
    uint32_t n, cap;
};

struct rcv {
    struct tally_ctx *ctx;
    const struct tally_election *e;
    const struct tally_rules *ru;
    struct tally_result *out;
    struct tally_error *err;
    size_t n, ne;
    uint32_t d;
    tally_i128 one;
    /* mode */
    bool stv, stv_multi, pct, bottoms_up, one_per_round, frdt, cut2, multi_pass;
    uint32_t seats; /* seats of this count (1 per multi_pass pass, 0 in pct) */
    uint32_t S;     /* threshold divisor */
    uint32_t uwi;
    bool fractional;
    /* options */
    uint8_t *ost;
    uint8_t *won;
    uint32_t *won_round;
    uint8_t *pass_excl; /* multi_pass: earlier passes' winners */
    size_t n_candidates, n_declared, n_elim, n_won;
    /* entries: what a rescan needs, in one array (fresh pages cost a fault
     * each on this VM, so the count copies nothing else per entry) */
    struct hot *hot;
    /* current per-ballot value, scaled at d: STV's own copy (surpluses lower
     * it); IRV reads ctx->weight directly and never writes */
    tally_i128 *val;
    bool val_owned;
    struct bucket *bk;
    tally_i128 *tally;
    tally_i128 inactive[TALLY_IN_N];
    /* stv */
    tally_i128 *f;     /* surplus fraction of a winner (scale d), applied at rescan */
    tally_i128 *kept;  /* K per winner */
    tally_i128 *shown; /* display figure of an earlier winner */
    tally_i128 residual;
    /* threshold */
    struct tally_dec thr;
    tally_i128 thr_units; /* droop/hare at scale d */
    struct tally_rng rng;
    size_t round_base;
    /* scratch */
    uint32_t *seen;
    uint32_t stamp;
    uint32_t *tmp, *tmp2;
    /* by country (n_countries × n) */
    tally_i128 *c_first, *c_kept;
    size_t rounds_cap;
};

static int range_err(struct rcv *c)
{
    return tally_fail(c->err, TALLY_ERANGE, -1, "ballots",
                      "exact arithmetic exceeds the engine's range (decimal_places %u)", c->d);
}

static int nomem(struct rcv *c)
{
    return tally_fail(c->err, TALLY_ENOMEM, -1, "", "out of memory");
}

static const char *oname(const struct rcv *c, uint32_t o)
{
    return c->e->opt_chars + c->e->opt_off[o];
}

static bool continuing(const struct rcv *c, uint32_t o)
{
    return c->ost[o] == OPT_CONT;
}

static int bucket_push(struct bucket *b, uint32_t i)
{
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 8;
        uint32_t *a = realloc(b->a, (size_t)cap * sizeof(*a));
        if (a == NULL) {
            return TALLY_ENOMEM;
        }
        b->a = a;
        b->cap = cap;
    }
    b->a[b->n++] = i;
    return TALLY_OK;
}

/* count × per-ballot value of entry i. */
static int cv_of(struct rcv *c, uint32_t i, tally_i128 *out)
{
    if (tally_mul_checked((tally_i128)c->hot[i].count, c->val[i], out) != TALLY_OK) {
        return range_err(c);
    }
    return TALLY_OK;
}

/*
 * §5.3: read entry i from its first marked rank. Sets *st to ST_ACTIVE with
 * *to = recipient, or ST_IN + category.
 */
static void scan(struct rcv *c, uint32_t i, uint8_t *st, uint32_t *to)
{
    const struct tally_election *e = c->e;
    const struct tally_rank *rk = e->ranks_pool + c->hot[i].rank_off;
    uint32_t nr = c->hot[i].n_ranks;
    int64_t m = c->ru->max_skipped_ranks;
    int64_t prev = 0;
    bool dup = c->ru->exhaust_on_duplicate;
    if (dup) {
        c->stamp++;
        if (c->stamp == 0) {
            memset(c->seen, 0, (c->n + 1) * sizeof(*c->seen));
            c->stamp = 1;
        }
    }
    for (uint32_t k = 0; k < nr; k++) {
        uint32_t nid = rk[k].n;
        if (nid == TALLY_RANK_SKIPPED) {
            continue;
        }
        const uint32_t *ids = nid != 0 ? e->ids_pool + rk[k].off : NULL; /* pool may be NULL */
        int64_t r = (int64_t)k + 1;
        bool last = k + 1 == nr; /* trailing skips are stripped at build */
        if (c->stv_multi && c->n_won >= c->seats) {
            *st = ST_IN + TALLY_IN_FINAL_ROUND_SURPLUS;
            return;
        }
        if (m >= 0 && r - prev > m + 1) {
            *st = ST_IN + TALLY_IN_SKIPPED;
            return;
        }
        prev = r;
        if (dup) {
            if (nid == 0) {
                if (c->seen[c->n] == c->stamp) {
                    *st = ST_IN + TALLY_IN_REPEATED;
                    return;
                }
                c->seen[c->n] = c->stamp;
            }
            for (uint32_t j = 0; j < nid; j++) {
                if (c->seen[ids[j]] == c->stamp) {
                    *st = ST_IN + TALLY_IN_REPEATED;
                    return;
                }
                c->seen[ids[j]] = c->stamp;
            }
        }
        if (nid != 1) {
            if (c->ru->overvote == TALLY_OV_EXHAUST) {
                *st = ST_IN + TALLY_IN_OVERVOTES;
                return;
            }
            if (c->ru->overvote == TALLY_OV_SKIP) {
                if (last) {
                    *st = ST_IN + TALLY_IN_EXHAUSTED_CHOICES;
                    return;
                }
                continue;
            }
            /* exhaust_if_multiple_continuing: distinct continuing ids */
            uint32_t first = TALLY_NONE;
            bool multi = false;
            for (uint32_t j = 0; j < nid; j++) {
                if (continuing(c, ids[j])) {
                    if (first == TALLY_NONE) {
                        first = ids[j];
                    } else if (ids[j] != first) {
                        multi = true;
                    }
                }
            }
            if (multi) {
                *st = ST_IN + TALLY_IN_OVERVOTES;
                return;
            }
        }
        for (uint32_t j = 0; j < nid; j++) {
            if (continuing(c, ids[j])) {
                *st = ST_ACTIVE;
                *to = ids[j];
                return;
            }
        }
        if (last) {
            *st = ST_IN + TALLY_IN_EXHAUSTED_CHOICES;
            return;
        }
    }
    *st = ST_IN + TALLY_IN_EXHAUSTED_CHOICES; /* not reached: last rank decides */
}

/* Put entry i (value cv) where scan says; returns the target column. */
static int place(struct rcv *c, uint32_t i, tally_i128 cv, uint32_t *col)
{
    uint8_t st;
    uint32_t to = TALLY_NONE;
    scan(c, i, &st, &to);
    if (st == ST_ACTIVE) {
        if (bucket_push(&c->bk[to], i) != TALLY_OK) {
            return nomem(c);
        }
        if (tally_add_checked(c->tally[to], cv, &c->tally[to]) != TALLY_OK) {
            return range_err(c);
        }
        *col = to;
    } else {
        if (tally_add_checked(c->inactive[st - ST_IN], cv, &c->inactive[st - ST_IN]) != TALLY_OK) {
            return range_err(c);
        }
        *col = TO_EXH_COL((uint32_t)c->n);
    }
    return TALLY_OK;
}

static struct tally_dec dec_d(const struct rcv *c, tally_i128 u)
{
    return tally_dec_make(u, c->d);
}

/* ---------------------------------------------------------------- ties -- */

static int tie_fail(struct rcv *c, const uint32_t *ids, size_t k, uint32_t round, const char *why)
{
    char buf[160];
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k && at + 4 < sizeof(buf); i++) {
        int w = snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? ", " : "", oname(c, ids[i]));
        if (w < 0) {
            break;
        }
        at += (size_t)w;
    }
    if (at >= sizeof(buf)) {
        memcpy(buf + sizeof(buf) - 4, "...", 4);
    }
    return tally_fail(c->err, TALLY_ETIE, -1, "rules.tiebreak", "tie between %s in round %u %s",
                      buf, round, why);
}

/* The figure option o shows in round r of this count (absent = 0). */
static tally_i128 shown_in(const struct rcv *c, uint32_t r, uint32_t o)
{
    const struct tally_round *rec = &c->out->rounds[c->round_base + r - 1];
    return rec->present[o] ? rec->tally[o].units : 0;
}

/* §6: choose among tied ids (k ≥ 2), loser or winner; *pick = the option. */
static int break_tie(struct rcv *c, const uint32_t *tied, size_t k, bool loser, uint32_t round,
                     uint32_t *pick)
{
    uint32_t *list = c->tmp2;
    memcpy(list, tied, k * sizeof(*list));
    tally_sort_utf16(c->e, list, k);
    const struct tally_rules *ru = c->ru;
    switch (ru->tiebreak) {
    case TALLY_TB_ASK:
        return tie_fail(c, list, k, round, "needs an operator decision (tiebreak ask)");
    case TALLY_TB_RANDOM:
        *pick = list[tally_rng_pick(&c->rng, (uint32_t)k)];
        return TALLY_OK;
    case TALLY_TB_ORDER: {
        long best = -1, best_pos = 0;
        for (size_t i = 0; i < k; i++) {
            long pos = -1;
            if (ru->has_tiebreak_order) {
                for (size_t j = 0; j < ru->n_tiebreak_order; j++) {
                    if (ru->tiebreak_order[j] == list[i]) {
                        pos = (long)j;
                        break;
                    }
                }
            } else if (list[i] != c->uwi) {
                pos = (long)list[i];
            }
            if (pos < 0) {
                continue;
            }
            if (best < 0 || (loser ? pos > best_pos : pos < best_pos)) {
                best = (long)i;
                best_pos = pos;
            }
        }
        if (best < 0) {
            return tie_fail(c, list, k, round, "cannot be broken: none is in tiebreak_order");
        }
        *pick = list[best];
        return TALLY_OK;
    }
    case TALLY_TB_PREV_RANDOM:
    case TALLY_TB_PREV_ASK: {
        size_t m = k;
        for (uint32_t r = round - 1; r >= 1 && m > 1; r--) {
            if (tally_hashset_order(c->e, list, m) != TALLY_OK) {
                return nomem(c);
            }
            tally_i128 best = shown_in(c, r, list[0]);
            for (size_t i = 1; i < m; i++) {
                tally_i128 v = shown_in(c, r, list[i]);
                if (loser ? v < best : v > best) {
                    best = v;
                }
            }
            size_t w = 0;
            for (size_t i = 0; i < m; i++) {
                if (shown_in(c, r, list[i]) == best) {
                    list[w++] = list[i];
                }
            }
            m = w;
        }
        if (m == 1) {
            *pick = list[0];
            return TALLY_OK;
        }
        if (ru->tiebreak == TALLY_TB_PREV_ASK) {
            return tie_fail(c, list, m, round,
                            "survives the previous rounds and needs an "
                            "operator decision");
        }
        *pick = list[tally_rng_pick(&c->rng, (uint32_t)m)];
        return TALLY_OK;
    }
    }
    return TALLY_EINTERNAL;
}

/* ------------------------------------------------------------- rounds -- */

static int new_round(struct rcv *c, uint32_t round, uint32_t pass, struct tally_round **out)
{
    struct tally_result *res = c->out;
    if (res->n_rounds == c->rounds_cap) {
        size_t cap = c->rounds_cap ? c->rounds_cap * 2 : 16;
        struct tally_round *r = realloc(res->rounds, cap * sizeof(*r));
        if (r == NULL) {
            return nomem(c);
        }
        res->rounds = r;
        c->rounds_cap = cap;
    }
    struct tally_round *r = &res->rounds[res->n_rounds];
    memset(r, 0, sizeof(*r));
    size_t n = c->n ? c->n : 1;
    r->tally = calloc(n, sizeof(*r->tally));
    r->present = calloc(n, 1);
    r->elected = malloc(n * sizeof(*r->elected));
    r->eliminated = malloc(n * sizeof(*r->eliminated));
    res->n_rounds++;
    if (r->tally == NULL || r->present == NULL || r->elected == NULL || r->eliminated == NULL) {
        return nomem(c);
    }
    r->round = round;
    r->pass = c->multi_pass ? pass : 0;
    r->stv_multi = c->stv_multi;
    *out = r;
    return TALLY_OK;
}

/*
 * Start of round `round` ≥ 2: apply the surpluses of the previous round's
 * winners and rescan the entries of everything that stopped continuing,
 * filling prev's transfers; then the residual surplus of those winners.
 */
static int rescan(struct rcv *c, uint32_t round, size_t prev_idx)
{
    struct tally_round *prev = &c->out->rounds[prev_idx];
    size_t nf = prev->n_elected + prev->n_eliminated;
    size_t cols = c->n + 2;
    int rc = TALLY_OK;
    tally_i128 *tm = NULL;
    if (nf == 0) {
        return TALLY_OK;
    }
    tm = calloc(nf * cols, sizeof(*tm));
    if (tm == NULL) {
        return nomem(c);
    }
    for (size_t fi = 0; fi < nf; fi++) {
        uint32_t p =
            fi < prev->n_elected ? prev->elected[fi] : prev->eliminated[fi - prev->n_elected];
        if (continuing(c, p)) {
            continue; /* continue_until_two keeps winners counting */
        }
        struct bucket *b = &c->bk[p];
        bool surplus = c->won_round[p] != 0 && c->stv;
        tally_i128 f = surplus ? c->f[p] : 0;
        for (uint32_t bi = 0; bi < b->n; bi++) {
            uint32_t i = b->a[bi];
            /* the bucket is a list of random entries: fetch ahead (hot data
             * 16 entries ahead, whose ranking is then fetched 8 ahead) */
            if (bi + PREFETCH_HOT < b->n) {
                __builtin_prefetch(&c->hot[b->a[bi + PREFETCH_HOT]]);
                __builtin_prefetch(&c->val[b->a[bi + PREFETCH_HOT]]);
            }
            if (bi + PREFETCH_RANKS < b->n) {
                __builtin_prefetch(c->e->ranks_pool + c->hot[b->a[bi + PREFETCH_RANKS]].rank_off);
            }
            if (bi + PREFETCH_IDS < b->n) {
                __builtin_prefetch(c->e->ids_pool +
                                   c->e->ranks_pool[c->hot[b->a[bi + PREFETCH_IDS]].rank_off].off);
            }
            if (surplus) {
                tally_i128 v = c->val[i], mv, kv;
                if (tally_muldiv((tally_u128)v, (tally_u128)f, (tally_u128)c->one, &mv) !=
                        TALLY_OK ||
                    tally_mul_checked((tally_i128)c->hot[i].count, v - mv, &kv) != TALLY_OK ||
                    tally_add_checked(c->kept[p], kv, &c->kept[p]) != TALLY_OK) {
                    rc = range_err(c);
                    goto out;
                }
                uint32_t k = c->ctx->entry_country[i];
                if (k != UINT32_MAX && c->c_kept != NULL) {
                    tally_i128 *slot = &c->c_kept[(size_t)k * c->n + p];
                    if (tally_add_checked(*slot, kv, slot) != TALLY_OK) {
                        rc = range_err(c);
                        goto out;
                    }
                }
                c->val[i] = mv;
            }
            tally_i128 cv;
            uint32_t col;
            if ((rc = cv_of(c, i, &cv)) != TALLY_OK || (rc = place(c, i, cv, &col)) != TALLY_OK) {
                goto out;
            }
            tally_i128 *cell = &tm[fi * cols + col];
            if (cv > 0 && tally_add_checked(*cell, cv, cell) != TALLY_OK) {
                rc = range_err(c);
                goto out;
            }
        }
        free(b->a);
        memset(b, 0, sizeof(*b));
        if (surplus && c->stv_multi) {
            /* §5.7: the winner shows what it kept, at most the threshold */
            tally_i128 K = c->kept[p];
            if (K > c->thr_units) {
                tally_i128 rs = K - c->thr_units;
                tm[fi * cols + TO_RES_COL(c->n)] = rs;
                if (tally_add_checked(c->residual, rs, &c->residual) != TALLY_OK) {
                    rc = range_err(c);
                    goto out;
                }
                c->shown[p] = c->thr_units;
            } else {
                c->shown[p] = K;
            }
        }
    }
    (void)round;
    /* transfers of prev: non-zero cells in from order, then target order */
    size_t cnt = 0;
    for (size_t x = 0; x < nf * cols; x++) {
        cnt += tm[x] != 0;
    }
    prev->transfers = calloc(cnt ? cnt : 1, sizeof(*prev->transfers));
    if (prev->transfers == NULL) {
        rc = nomem(c);
        goto out;
    }
    for (size_t fi = 0; fi < nf; fi++) {
        uint32_t p =
            fi < prev->n_elected ? prev->elected[fi] : prev->eliminated[fi - prev->n_elected];
        for (size_t col = 0; col < cols; col++) {
            tally_i128 v = tm[fi * cols + col];
            if (v == 0) {
                continue;
            }
            struct tally_transfer *t = &prev->transfers[prev->n_transfers++];
            t->from = p;
            t->to = col < c->n ? (uint32_t)col
                               : (col == TO_EXH_COL(c->n) ? TALLY_TO_EXHAUSTED : TALLY_TO_RESIDUAL);
            t->value = dec_d(c, v);
        }
    }
out:
    free(tm);
    return rc;
}

/* §5.4 */
static int set_threshold(struct rcv *c)
{
    tally_i128 V = 0;
    for (uint32_t o = 0; o < c->n; o++) {
        if (continuing(c, o) && tally_add_checked(V, c->tally[o], &V) != TALLY_OK) {
            return range_err(c);
        }
    }
    if (c->stv_multi) {
        /* + final_round_surplus (0 whenever due, kept for the letter of §5.4) */
        if (tally_add_checked(V, c->inactive[TALLY_IN_FINAL_ROUND_SURPLUS], &V) != TALLY_OK) {
            return range_err(c);
        }
    }
    if (c->pct) {
        const struct tally_dec *p = &c->ru->bottoms_up_percentage;
        tally_i128 u;
        uint32_t s = c->d + p->scale + 2;
        if (s > TALLY_DEC_MAX_SCALE || tally_mul_checked(V, p->units, &u) != TALLY_OK) {
            return range_err(c);
        }
        c->thr = tally_dec_canon(tally_dec_make(u, s));
        c->thr_units = 0;
        return TALLY_OK;
    }
    tally_i128 S = (tally_i128)c->S;
    if (c->ru->quota == TALLY_QUOTA_HARE) {
        tally_i128 den = S * c->one;
        tally_i128 q = V / den + (V % den != 0);
        c->thr_units = q * c->one;
    } else if (c->fractional) {
        c->thr_units = V / (S + 1) + 1;
    } else {
        c->thr_units = (V / ((S + 1) * c->one) + 1) * c->one;
    }
    c->thr = dec_d(c, c->thr_units);
    return TALLY_OK;
}

static bool reaches(const struct rcv *c, uint32_t o)
{
    struct tally_dec t = dec_d(c, c->tally[o]);
    int k = tally_dec_cmp(&t, &c->thr);
    return c->pct ? k > 0 : k >= 0;
}

static bool below_threshold(const struct rcv *c, uint32_t o)
{
    struct tally_dec t = dec_d(c, c->tally[o]);
    return tally_dec_cmp(&t, &c->thr) < 0;
}

/* Sort options by tally descending, then option order (insertion sort). */
static void sort_by_tally_desc(struct rcv *c, uint32_t *a, size_t k)
{
    for (size_t i = 1; i < k; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && (c->tally[a[j - 1]] < c->tally[v] ||
                         (c->tally[a[j - 1]] == c->tally[v] && a[j - 1] > v))) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* §5.5: fills rec->elected. */
static int elect(struct rcv *c, struct tally_round *rec, uint32_t round)
{
    uint32_t *ch = c->tmp;
    size_t k = 0, n_cont = 0;
    for (uint32_t o = 0; o < c->n; o++) {
        n_cont += continuing(c, o);
    }
    if (c->uwi != TALLY_NONE && continuing(c, c->uwi) && c->tally[c->uwi] > 0) {
        return TALLY_OK;
    }
    if (c->pct) {
        bool all = n_cont > 0;
        for (uint32_t o = 0; o < c->n; o++) {
            if (continuing(c, o) && !reaches(c, o)) {
                all = false;
            }
        }
        if (all) {
            for (uint32_t o = 0; o < c->n; o++) {
                if (continuing(c, o)) {
                    ch[k++] = o;
                }
            }
        }
    } else {
        size_t unfilled = c->seats > c->n_won ? c->seats - c->n_won : 0;
        if (unfilled > 0) {
            if (n_cont <= unfilled) {
                for (uint32_t o = 0; o < c->n; o++) {
                    if (continuing(c, o)) {
                        ch[k++] = o;
                    }
                }
            } else if (c->frdt && n_cont == (size_t)c->seats + 1) {
                tally_i128 top = 0;
                bool any = false;
                for (uint32_t o = 0; o < c->n; o++) {
                    if (continuing(c, o) && (!any || c->tally[o] > top)) {
                        top = c->tally[o];
                        any = true;
                    }
                }
                for (uint32_t o = 0; o < c->n; o++) {
                    if (continuing(c, o) && c->tally[o] == top) {
                        ch[k++] = o;
                    }
                }
            } else if (!c->bottoms_up) {
                for (uint32_t o = 0; o < c->n; o++) {
                    if (continuing(c, o) && o != c->uwi && reaches(c, o)) {
                        ch[k++] = o;
                    }
                }
            }
        }
        bool pick = false;
        if (k >= 2 && (c->one_per_round || c->frdt)) {
            pick = true;
        } else if (k == 0 && c->seats == 1 && unfilled == 1 && n_cont == 2) {
            for (uint32_t o = 0; o < c->n; o++) {
                if (continuing(c, o)) {
                    ch[k++] = o;
                }
            }
            pick = true;
        }
        if (pick) {
            tally_i128 top = c->tally[ch[0]];
            for (size_t i = 1; i < k; i++) {
                if (c->tally[ch[i]] > top) {
                    top = c->tally[ch[i]];
                }
            }
            size_t m = 0;
            for (size_t i = 0; i < k; i++) {
                if (c->tally[ch[i]] == top) {
                    ch[m++] = ch[i];
                }
            }
            if (m > 1) {
                uint32_t w;
                int rc = break_tie(c, ch, m, false, round, &w);
                if (rc != TALLY_OK) {
                    return rc;
                }
                ch[0] = w;
            }
            k = 1;
        }
    }
    if (k == 0) {
        return TALLY_OK;
    }
    sort_by_tally_desc(c, ch, k);
    struct tally_result *res = c->out;
    uint32_t *w = realloc(res->winners, (res->n_winners + k) * sizeof(*w));
    if (w == NULL) {
        return nomem(c);
    }
    res->winners = w;
    for (size_t i = 0; i < k; i++) {
        uint32_t o = ch[i];
        rec->elected[rec->n_elected++] = o;
        res->winners[res->n_winners++] = o;
        c->won[o] = 1;
        c->won_round[o] = round;
        c->n_won++;
        if (!c->cut2) {
            c->ost[o] = OPT_WON;
        }
        if (c->stv) {
            /* f = trunc_d((t - T) / t), 0 when t ≤ T (§5.7) */
            tally_i128 t = c->tally[o];
            c->f[o] = 0;
            if (t > c->thr_units && tally_muldiv((tally_u128)(t - c->thr_units), (tally_u128)c->one,
                                                 (tally_u128)t, &c->f[o]) != TALLY_OK) {
                return range_err(c);
            }
        }
    }
    return TALLY_OK;
}

/* §5.6: fills rec->eliminated (option order). */
static int eliminate(struct rcv *c, struct tally_round *rec, uint32_t round)
{
    uint32_t *a = c->tmp;
    size_t m = 0;
    for (uint32_t o = 0; o < c->n; o++) {
        if (continuing(c, o)) {
            a[m++] = o;
        }
    }
    if (m == 0) {
        return tally_fail(c->err, TALLY_EINVAL, -1, "options",
                          "nothing left to eliminate (all options excluded)");
    }
    uint8_t *mark = (uint8_t *)c->tmp2; /* n bytes fit in n uint32 */
    memset(mark, 0, c->n);
    size_t k = 0;
    if (c->uwi != TALLY_NONE && continuing(c, c->uwi) && c->tally[c->uwi] > 0) {
        mark[c->uwi] = 1;
        k = 1;
    }
    if (k == 0 && c->pct && c->ru->cutoff_elimination) {
        for (size_t i = 0; i < m; i++) {
            if (below_threshold(c, a[i])) {
                mark[a[i]] = 1;
                k++;
            }
        }
    }
    if (k == 0 && c->ru->batch_elimination) {
        /* sort continuing by tally ascending (stable) */
        for (size_t i = 1; i < m; i++) {
            uint32_t v = a[i];
            size_t j = i;
            while (j > 0 && c->tally[a[j - 1]] > c->tally[v]) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        tally_i128 running = 0;
        size_t below = 0, batch = 0, previous = 0;
        for (size_t i = 0; i < m;) {
            tally_i128 L = c->tally[a[i]];
            if (running < L && below > batch) {
                previous = batch;
                batch = below;
            }
            while (i < m && c->tally[a[i]] == L) {
                if (tally_add_checked(running, L, &running) != TALLY_OK) {
                    return range_err(c);
                }
                below++;
                i++;
            }
        }
        if (c->cut2 && batch + c->n_elim == c->n_candidates - 1) {
            batch = previous;
        }
        if (batch >= 2) {
            for (size_t i = 0; i < batch; i++) {
                mark[a[i]] = 1;
            }
            k = batch;
        }
    }
    if (k == 0) {
        tally_i128 low = c->tally[a[0]];
        for (size_t i = 1; i < m; i++) {
            if (c->tally[a[i]] < low) {
                low = c->tally[a[i]];
            }
        }
        uint32_t *tied = c->tmp; /* reuse: compact in place */
        size_t t = 0;
        for (size_t i = 0; i < m; i++) {
            if (c->tally[a[i]] == low) {
                tied[t++] = a[i];
            }
        }
        uint32_t pick = tied[0];
        if (t > 1) {
            /* break_tie uses tmp2 as scratch: copy the tied set first */
            uint32_t *cp = malloc(t * sizeof(*cp));
            if (cp == NULL) {
                return nomem(c);
            }
            memcpy(cp, tied, t * sizeof(*cp));
            int rc = break_tie(c, cp, t, true, round, &pick);
            free(cp);
            if (rc != TALLY_OK) {
                return rc;
            }
            memset(mark, 0, c->n);
        }
        mark[pick] = 1;
        k = 1;
    }
    for (uint32_t o = 0; o < c->n; o++) {
        if (mark[o]) {
            rec->eliminated[rec->n_eliminated++] = o;
        }
    }
    for (size_t i = 0; i < rec->n_eliminated; i++) {
        c->ost[rec->eliminated[i]] = OPT_ELIM;
        c->n_elim++;
    }
    return TALLY_OK;
}

static bool another_round(const struct rcv *c, uint32_t round, bool elected, bool elim)
{
    if (c->ru->stop_after_round > 0 && (int64_t)round >= c->ru->stop_after_round) {
        return false;
    }
    if (c->n_won == c->n_declared && c->seats > c->n_candidates) {
        return false;
    }
    if (c->cut2) {
        return c->n_elim + c->n_won + 1 < c->n_candidates || elim;
    }
    if (c->pct) {
        return c->n_won == 0;
    }
    return c->n_won < c->seats || (c->stv_multi && elected);
}

/* Record the per-country final figures of the last round of the count. */
static int by_country_final(struct rcv *c, const struct tally_round *last)
{
    struct tally_result *res = c->out;
    if (!res->has_by_country) {
        return TALLY_OK;
    }
    for (size_t k = 0; k < res->n_by_country; k++) {
        memset(res->by_country[k].final_present, 0, c->n);
        for (uint32_t o = 0; o < c->n; o++) {
            res->by_country[k].final[o] = dec_d(c, 0);
        }
    }
    for (uint32_t o = 0; o < c->n; o++) {
        if (!last->present[o]) {
            continue;
        }
        bool earlier = c->stv_multi && c->won_round[o] != 0 && c->won_round[o] < last->round;
        for (size_t k = 0; k < res->n_by_country; k++) {
            res->by_country[k].final_present[o] = 1;
            if (earlier) {
                res->by_country[k].final[o] = dec_d(c, c->c_kept[k * c->n + o]);
            }
        }
        if (earlier) {
            continue;
        }
        for (uint32_t bi = 0; bi < c->bk[o].n; bi++) {
            uint32_t i = c->bk[o].a[bi];
            uint32_t k = c->ctx->entry_country[i];
            tally_i128 cv;
            if (k == UINT32_MAX) {
                continue;
            }
            if (cv_of(c, i, &cv) != TALLY_OK ||
                tally_add_checked(res->by_country[k].final[o].units, cv,
                                  &res->by_country[k].final[o].units) != TALLY_OK) {
                return range_err(c);
            }
        }
    }
    return TALLY_OK;
}

static int by_country_first(struct rcv *c, const struct tally_round *first)
{
    struct tally_result *res = c->out;
    if (!res->has_by_country) {
        return TALLY_OK;
    }
    for (uint32_t o = 0; o < c->n; o++) {
        if (!first->present[o]) {
            continue;
        }
        for (size_t k = 0; k < res->n_by_country; k++) {
            res->by_country[k].first_present[o] = 1;
        }
        for (uint32_t bi = 0; bi < c->bk[o].n; bi++) {
            uint32_t i = c->bk[o].a[bi];
            uint32_t k = c->ctx->entry_country[i];
            tally_i128 cv;
            if (k == UINT32_MAX) {
                continue;
            }
            if (cv_of(c, i, &cv) != TALLY_OK ||
                tally_add_checked(res->by_country[k].first[o].units, cv,
                                  &res->by_country[k].first[o].units) != TALLY_OK) {
                return range_err(c);
            }
        }
    }
    return TALLY_OK;
}

static void reset_pass(struct rcv *c)
{
    for (uint32_t o = 0; o < c->n; o++) {
        free(c->bk[o].a);
        memset(&c->bk[o], 0, sizeof(c->bk[o]));
        c->ost[o] = (c->ctx->excluded[o] || c->pass_excl[o]) ? OPT_EXCL : OPT_CONT;
        c->won[o] = 0;
        c->won_round[o] = 0;
        c->tally[o] = 0;
        c->f[o] = 0;
        c->kept[o] = 0;
        c->shown[o] = 0;
    }
    memset(c->inactive, 0, sizeof(c->inactive));
    c->residual = 0;
    c->n_elim = 0;
    c->n_won = 0;
    c->n_candidates = 0;
    for (uint32_t o = 0; o < c->n; o++) {
        c->n_candidates += c->ost[o] != OPT_EXCL;
    }
    c->n_declared = c->n - (c->uwi != TALLY_NONE);
    tally_rng_seed(&c->rng, c->ru->random_seed);
    c->round_base = c->out->n_rounds;
    c->thr = dec_d(c, 0);
    c->thr_units = 0;
    if (c->c_kept != NULL) {
        memset(c->c_kept, 0, c->out->n_by_country * c->n * sizeof(*c->c_kept));
    }
}

static int count_pass(struct rcv *c, uint32_t pass)
{
    int rc;
    reset_pass(c);
    uint32_t round = 0;
    bool elected = false, elim = false;
    size_t max_rounds = 2 * c->n + 8; /* each round but the last elects or eliminates */
    while (another_round(c, round, elected, elim)) {
        round++;
        if (round > max_rounds) {
            return tally_fail(c->err, TALLY_EINTERNAL, -1, "", "count does not terminate");
        }
        if (round == 1) {
            for (uint32_t i = 0; i < c->ne; i++) {
                const struct tally_entry *x = &c->e->entries[i];
                if (c->val_owned) {
                    c->val[i] = c->ctx->weight[i];
                }
                if (x->count == 0 || x->n_ranks == 0) {
                    continue; /* count 0: nowhere; blank: blank_ballots, never scanned */
                }
                tally_i128 cv;
                uint32_t col;
                if ((rc = cv_of(c, i, &cv)) != TALLY_OK ||
                    (rc = place(c, i, cv, &col)) != TALLY_OK) {
                    return rc;
                }
            }
        } else if ((rc = rescan(c, round, c->out->n_rounds - 1)) != TALLY_OK) {
            return rc;
        }
        struct tally_round *rec = NULL;
        if ((rc = new_round(c, round, pass, &rec)) != TALLY_OK) {
            return rc;
        }
        for (uint32_t o = 0; o < c->n; o++) {
            if (continuing(c, o)) {
                rec->present[o] = 1;
                rec->tally[o] = dec_d(c, c->tally[o]);
            }
        }
        bool due = c->seats > 1 ? round == 1 : (c->frdt ? round == 1 : !(c->cut2 && c->n_won > 0));
        if (due && (rc = set_threshold(c)) != TALLY_OK) {
            return rc;
        }
        rec->threshold = c->thr;
        if ((rc = elect(c, rec, round)) != TALLY_OK) {
            return rc;
        }
        elected = rec->n_elected > 0;
        elim = false;
        if (!elected &&
            (c->n_won < c->seats ||
             (c->cut2 && c->n_candidates >= 2 && c->n_elim < c->n_candidates - 2) || c->pct)) {
            if ((rc = eliminate(c, rec, round)) != TALLY_OK) {
                return rc;
            }
            elim = rec->n_eliminated > 0;
        }
        if (c->stv_multi) {
            for (uint32_t o = 0; o < c->n; o++) {
                if (c->won_round[o] != 0 && c->won_round[o] < round) {
                    rec->present[o] = 1;
                    rec->tally[o] = dec_d(c, c->shown[o]);
                }
            }
        }
        for (int k = 0; k < TALLY_IN_N; k++) {
            rec->inactive[k] = dec_d(c, c->inactive[k]);
        }
        tally_i128 ex = 0;
        for (int k = 0; k <= TALLY_IN_REPEATED; k++) {
            ex += c->inactive[k]; /* each ≤ the total value, which fits */
        }
        rec->exhausted = dec_d(c, ex);
        rec->residual_surplus = dec_d(c, c->residual);
        if (pass <= 1 && round == 1 && (rc = by_country_first(c, rec)) != TALLY_OK) {
            return rc;
        }
    }
    if (c->out->n_rounds > c->round_base) {
        struct tally_round *last = &c->out->rounds[c->out->n_rounds - 1];
        /* the last round's transfer objects stay empty */
        if (last->transfers == NULL) {
            last->transfers = calloc(1, sizeof(*last->transfers));
            if (last->transfers == NULL) {
                return nomem(c);
            }
        }
        if ((rc = by_country_final(c, last)) != TALLY_OK) {
            return rc;
        }
    }
    return TALLY_OK;
}

/* Fill hot[] from the election's entries (one sequential pass). */
static int flatten(struct rcv *c)
{
    const struct tally_election *e = c->e;
    if (c->stv) {
        c->val = malloc((c->ne ? c->ne : 1) * sizeof(*c->val));
        if (c->val == NULL) {
            return nomem(c);
        }
        c->val_owned = true;
    } else {
        c->val = c->ctx->weight;
    }
    for (size_t i = 0; i < c->ne; i++) {
        const struct tally_entry *x = &e->entries[i];
        c->hot[i].count = x->count;
        c->hot[i].rank_off = x->rank_off;
        c->hot[i].n_ranks = x->n_ranks;
    }
    return TALLY_OK;
}

static void rcv_fini(struct rcv *c)
{
    if (c->bk != NULL) {
        for (size_t o = 0; o < c->n; o++) {
            free(c->bk[o].a);
        }
    }
    free(c->bk);
    free(c->ost);
    free(c->won);
    free(c->won_round);
    free(c->pass_excl);
    free(c->hot);
    if (c->val_owned) {
        free(c->val);
    }
    free(c->tally);
    free(c->f);
    free(c->kept);
    free(c->shown);
    free(c->seen);
    free(c->tmp);
    free(c->tmp2);
    free(c->c_kept);
}

int tally_rcv_count(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err)
{
    struct rcv c;
    memset(&c, 0, sizeof(c));
    const struct tally_election *e = ctx->e;
    const struct tally_rules *ru = &e->rules;
    c.ctx = ctx;
    c.e = e;
    c.ru = ru;
    c.out = out;
    c.err = err;
    c.n = ctx->n;
    c.ne = ctx->n_entries;
    c.d = ctx->d;
    c.one = ctx->one;
    c.stv = e->method == TALLY_STV;
    c.stv_multi = c.stv && e->seats > 1;
    c.pct = ru->winner_mode == TALLY_WM_BOTTOMS_UP_PERCENTAGE;
    c.bottoms_up = ru->winner_mode == TALLY_WM_BOTTOMS_UP;
    c.one_per_round = ru->winner_mode == TALLY_WM_ONE_PER_ROUND;
    c.multi_pass = ru->winner_mode == TALLY_WM_MULTI_PASS;
    c.frdt = ru->first_round_determines_threshold;
    c.cut2 = ru->continue_until_two;
    c.uwi = ru->undeclared_write_in;
    c.seats = c.pct ? 0 : (c.multi_pass ? 1 : (uint32_t)e->seats);
    c.S = (c.stv || c.bottoms_up) ? (uint32_t)e->seats : 1;
    c.fractional = ru->non_integer_threshold || (ctx->weighted && !c.stv_multi);
    size_t n = c.n ? c.n : 1, ne = c.ne ? c.ne : 1;
    c.bk = calloc(n, sizeof(*c.bk));
    c.ost = calloc(n, 1);
    c.won = calloc(n, 1);
    c.won_round = calloc(n, sizeof(*c.won_round));
    c.pass_excl = calloc(n, 1);
    c.hot = calloc(ne, sizeof(*c.hot));
    c.tally = calloc(n, sizeof(*c.tally));
    c.f = calloc(n, sizeof(*c.f));
    c.kept = calloc(n, sizeof(*c.kept));
    c.shown = calloc(n, sizeof(*c.shown));
    c.seen = calloc(n + 1, sizeof(*c.seen));
    c.tmp = calloc(n, sizeof(*c.tmp));
    c.tmp2 = calloc(n, sizeof(*c.tmp2));
    if (out->has_by_country) {
        c.c_kept = calloc(out->n_by_country * n, sizeof(*c.c_kept));
    }
    int rc = TALLY_OK;
    if (c.bk == NULL || c.ost == NULL || c.won == NULL || c.won_round == NULL ||
        c.pass_excl == NULL || c.hot == NULL || c.tally == NULL || c.f == NULL || c.kept == NULL ||
        c.shown == NULL || c.seen == NULL || c.tmp == NULL || c.tmp2 == NULL ||
        (out->has_by_country && c.c_kept == NULL)) {
        rc = nomem(&c);
        goto out;
    }
    if ((rc = flatten(&c)) != TALLY_OK) {
        goto out;
    }
    if (c.multi_pass) {
        for (uint32_t pass = 1; pass <= (uint32_t)e->seats; pass++) {
            size_t before = out->n_winners;
            if ((rc = count_pass(&c, pass)) != TALLY_OK) {
                goto out;
            }
            if (out->n_winners != before + 1) {
                rc = tally_fail(err, TALLY_EINVAL, -1, "rules.winner_mode",
                                "multi_pass: pass %u elected %zu options instead of exactly one",
                                pass, out->n_winners - before);
                goto out;
            }
            c.pass_excl[out->winners[before]] = 1;
        }
    } else {
        rc = count_pass(&c, 0);
    }
out:
    rcv_fini(&c);
    return rc;
}
