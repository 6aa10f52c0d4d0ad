/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_schulze.c — the Schulze method (ELECTION-FORMAT.md §7):
 * ballot reading, the pairwise matrix d, strongest paths p, the ranking with
 * order/random tie-breaks, the Condorcet winner and the Schulze
 * first_preferences of by_country (§8.1). Exact: every figure is an integer
 * in units of 10^-d; no floating point except the random pick (§6.3, done by
 * tally_rng_pick). Also the Schulze-only rule checks of §7.
 *
 * Speed: the matrix is accumulated once per distinct ballot entry (the
 * election builder groups identical entries), with a branch-free O(k × n)
 * inner loop; overflow is excluded up front by bounding the total value, so
 * the inner loop needs no checks.
 */
#include <stdlib.h>
#include <string.h>

#include "tally_schulze_int.h"

/* Position of an option the ballot does not rank: below every ranked one. */
#define POS_UNRANKED UINT32_MAX

/*
 * §7 "All other rules must keep their defaults" and "ties break only by order
 * or random". Returns TALLY_OK or TALLY_EINVAL with err filled.
 */
int tally_schulze_check_rules(const struct tally_election *e, struct tally_error *err)
{
    const struct tally_rules *r = &e->rules;
    const char *bad = NULL;

    if (r->tiebreak != TALLY_TB_ORDER && r->tiebreak != TALLY_TB_RANDOM) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.tiebreak",
                          "method schulze breaks ties by tiebreak order or random only");
    }
    if (r->undeclared_write_in != TALLY_NONE) {
        bad = "undeclared_write_in";
    } else if (r->batch_elimination) {
        bad = "batch_elimination";
    } else if (r->continue_until_two) {
        bad = "continue_until_two";
    } else if (r->first_round_determines_threshold) {
        bad = "first_round_determines_threshold";
    } else if (r->stop_after_round > 0) {
        bad = "stop_after_round";
    } else if (r->winner_mode != TALLY_WM_STANDARD) {
        bad = "winner_mode";
    } else if (r->quota != TALLY_QUOTA_DROOP) {
        bad = "quota";
    } else if (r->non_integer_threshold) {
        bad = "non_integer_threshold";
    } else if (r->has_bottoms_up_percentage) {
        bad = "bottoms_up_percentage";
    } else if (r->cutoff_elimination) {
        bad = "cutoff_elimination";
    }
    if (bad != NULL) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules",
                          "method schulze does not use rule %s: it must keep its default", bad);
    }
    if (e->seats < 1) {
        return tally_fail(err, TALLY_EINVAL, -1, "seats", "method schulze needs seats >= 1");
    }
    return TALLY_OK;
}

/*
 * §7 reading of one ballot entry into pos[0..n): the rank index of each
 * option's first appearance, excluded ids and `[]` ranks dropped, skipped
 * ranks meaningless, POS_UNRANKED for unranked options. If order is not
 * NULL it receives the ranked options by first appearance, hence by
 * non-decreasing position. Returns the number of ranked options.
 */
static size_t read_ordered(const struct tally_election *e, const uint8_t *excluded,
                           const struct tally_entry *en, uint32_t *pos, uint32_t *order)
{
    size_t ranked = 0;

    for (size_t i = 0; i < e->n_options; i++) {
        pos[i] = POS_UNRANKED;
    }
    for (uint32_t r = 0; r < en->n_ranks; r++) {
        const struct tally_rank *rk = &e->ranks_pool[en->rank_off + r];
        if (rk->n == TALLY_RANK_SKIPPED) {
            continue;
        }
        for (uint32_t j = 0; j < rk->n; j++) {
            uint32_t o = e->ids_pool[rk->off + j];
            if (excluded[o] || pos[o] != POS_UNRANKED) {
                continue; /* dropped, or a repeat: the first appearance wins */
            }
            pos[o] = r;
            if (order != NULL) {
                order[ranked] = o;
            }
            ranked++;
        }
    }
    return ranked;
}

size_t tally_schulze_read(const struct tally_election *e, const uint8_t *excluded,
                          const struct tally_entry *en, uint32_t *pos)
{
    return read_ordered(e, excluded, en, pos, NULL);
}

/*
 * d[x][y] for all options from the entries; also each country's Schulze
 * first preferences when out->has_by_country. Returns TALLY_OK, TALLY_ERANGE
 * (total value beyond the i128 range) or TALLY_ENOMEM.
 *
 * Per entry with ranked options o_0..o_{k-1} (by position), X is above Y for
 * every ranked X and every Y at a strictly lower position or unranked. So
 * instead of touching all n columns of X's row, add v once to base[X] (as
 * if X were above everyone) and subtract v on the columns at or above X's
 * position (X itself and those tied with it included): O(k²/2) per entry
 * instead of O(k × n), which matters for truncated ballots. Afterwards
 * d[x][y] = base[x] + d[x][y]; the diagonal is meaningless and zeroed.
 */
static int accumulate(const struct tally_ctx *ctx, struct tally_result *out, tally_i128 *d,
                      struct tally_error *err)
{
    const struct tally_election *e = ctx->e;
    size_t n = ctx->n;
    uint32_t *pos = NULL, *order = NULL;
    tally_i128 *base = NULL, total = 0;
    int rc = TALLY_OK;

    /* Bound first: every partial sum below lies in [-total, total], so if
     * the total fits, nothing can overflow and the hot loop is unchecked. */
    for (size_t i = 0; i < e->n_entries; i++) {
        tally_i128 v;
        if (e->entries[i].count == 0) {
            continue;
        }
        if (tally_mul_checked((tally_i128)e->entries[i].count, ctx->weight[i], &v) != TALLY_OK ||
            tally_add_checked(total, v, &total) != TALLY_OK) {
            return tally_fail(err, TALLY_ERANGE, -1, "ballots",
                              "the total ballot value exceeds the engine's exact range");
        }
    }

    pos = malloc((n ? n : 1) * sizeof *pos);
    order = malloc((n ? n : 1) * sizeof *order);
    base = calloc(n ? n : 1, sizeof *base);
    if (pos == NULL || order == NULL || base == NULL) {
        rc = tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < e->n_entries; i++) {
        const struct tally_entry *en = &e->entries[i];
        tally_i128 v;
        size_t k, a = 0;

        if (en->count == 0 || en->n_ranks == 0) {
            continue; /* ignored, or blank: counts nowhere */
        }
        v = (tally_i128)en->count * ctx->weight[i]; /* checked above */
        k = read_ordered(e, ctx->excluded, en, pos, order);
        if (k == 0) {
            continue;
        }
        while (a < k) {
            /* the tie group order[a .. g) shares one position */
            size_t g = a + 1;
            uint32_t pa = pos[order[a]];
            while (g < k && pos[order[g]] == pa) {
                g++;
            }
            for (size_t q = a; q < g; q++) {
                uint32_t x = order[q];
                tally_i128 *row = d + (size_t)x * n;
                base[x] += v;
                for (size_t b = 0; b < g; b++) {
                    row[order[b]] -= v;
                }
            }
            a = g;
        }
        if (out->has_by_country && ctx->entry_country != NULL &&
            ctx->entry_country[i] != UINT32_MAX && (k == 1 || pos[order[1]] != pos[order[0]])) {
            /* the top position held by one option alone */
            out->by_country[ctx->entry_country[i]].first[order[0]].units += v;
        }
    }
    for (size_t x = 0; x < n; x++) {
        for (size_t y = 0; y < n; y++) {
            d[x * n + y] = x == y ? 0 : d[x * n + y] + base[x];
        }
    }
out:
    free(pos);
    free(order);
    free(base);
    return rc;
}

/* §7 strongest paths, in the exact loop order given. */
static void strongest_paths(const tally_i128 *d, tally_i128 *p, const uint32_t *act, size_t na,
                            size_t n)
{
    for (size_t a = 0; a < na; a++) {
        for (size_t b = 0; b < na; b++) {
            size_t x = act[a], y = act[b];
            if (a != b) {
                tally_i128 dxy = d[x * n + y], dyx = d[y * n + x];
                p[x * n + y] = dxy > dyx ? dxy : 0;
            }
        }
    }
    for (size_t ii = 0; ii < na; ii++) {
        size_t i = act[ii];
        for (size_t jj = 0; jj < na; jj++) {
            size_t j = act[jj];
            tally_i128 pji;
            if (jj == ii) {
                continue;
            }
            pji = p[j * n + i];
            if (pji == 0) {
                continue; /* min(0, ·) = 0 changes nothing */
            }
            for (size_t kk = 0; kk < na; kk++) {
                size_t k = act[kk];
                tally_i128 m, pik;
                if (kk == ii || kk == jj) {
                    continue;
                }
                pik = p[i * n + k];
                m = pji < pik ? pji : pik;
                if (m > p[j * n + k]) {
                    p[j * n + k] = m;
                }
            }
        }
    }
}

/*
 * §7 ranking: repeatedly the options of R not beaten (p[Y][X] > p[X][Y]) by
 * any other in R; several → tie-break. beaten[x] counts the Y in R that beat
 * x and is decremented as options leave R, so the whole ranking is O(n²).
 */
static int rank_options(const struct tally_ctx *ctx, const tally_i128 *p, const uint32_t *act,
                        size_t na, uint32_t *ranking, struct tally_error *err)
{
    const struct tally_election *e = ctx->e;
    const struct tally_rules *r = &e->rules;
    size_t n = ctx->n;
    uint32_t *beaten = NULL, *cand = NULL, *order_pos = NULL;
    uint8_t *in_r = NULL;
    struct tally_rng rng;
    int rc = TALLY_OK;

    beaten = calloc(n ? n : 1, sizeof *beaten);
    cand = malloc((na ? na : 1) * sizeof *cand);
    order_pos = malloc((n ? n : 1) * sizeof *order_pos);
    in_r = calloc(n ? n : 1, 1);
    if (beaten == NULL || cand == NULL || order_pos == NULL || in_r == NULL) {
        rc = tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
        goto out;
    }
    /* Position of each option in tiebreak_order (default: option order,
     * which is "options minus the UWI"; Schulze has no UWI). */
    for (size_t i = 0; i < n; i++) {
        order_pos[i] = r->has_tiebreak_order ? UINT32_MAX : (uint32_t)i;
    }
    if (r->has_tiebreak_order) {
        for (size_t i = r->n_tiebreak_order; i-- > 0;) {
            order_pos[r->tiebreak_order[i]] = (uint32_t)i;
        }
    }
    tally_rng_seed(&rng, r->random_seed);

    for (size_t a = 0; a < na; a++) {
        in_r[act[a]] = 1;
        for (size_t b = 0; b < na; b++) {
            size_t x = act[a], y = act[b];
            if (a != b && p[y * n + x] > p[x * n + y]) {
                beaten[x]++;
            }
        }
    }
    for (size_t place = 0; place < na; place++) {
        size_t nc = 0;
        uint32_t w;

        for (size_t a = 0; a < na; a++) {
            if (in_r[act[a]] && beaten[act[a]] == 0) {
                cand[nc++] = act[a];
            }
        }
        if (nc == 0) {
            /* Schulze's relation is a strict order: cannot happen. */
            rc = tally_fail(err, TALLY_EINTERNAL, -1, "", "schulze: no unbeaten option left");
            goto out;
        }
        if (nc == 1) {
            w = cand[0];
        } else if (r->tiebreak == TALLY_TB_RANDOM) {
            tally_sort_utf16(e, cand, nc);
            w = cand[tally_rng_pick(&rng, (uint32_t)nc)];
        } else {
            w = TALLY_NONE;
            for (size_t c = 0; c < nc; c++) {
                if (order_pos[cand[c]] != UINT32_MAX &&
                    (w == TALLY_NONE || order_pos[cand[c]] < order_pos[w])) {
                    w = cand[c];
                }
            }
            if (w == TALLY_NONE) {
                rc = tally_fail(err, TALLY_ETIE, -1, "rules.tiebreak_order",
                                "tied options none of which is in tiebreak_order");
                goto out;
            }
        }
        ranking[place] = w;
        in_r[w] = 0;
        for (size_t a = 0; a < na; a++) {
            size_t x = act[a];
            if (in_r[x] && p[w * n + x] > p[x * n + w]) {
                beaten[x]--;
            }
        }
    }
out:
    free(beaten);
    free(cand);
    free(order_pos);
    free(in_r);
    return rc;
}

int tally_schulze_run(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err)
{
    const struct tally_election *e = ctx->e;
    size_t n = ctx->n, na = 0, nn = n * n;
    tally_i128 *d = NULL, *p = NULL;
    uint32_t *act = NULL;
    int rc;

    rc = tally_schulze_check_rules(e, err);
    if (rc != TALLY_OK) {
        return rc;
    }
    act = malloc((n ? n : 1) * sizeof *act);
    if (act == NULL) {
        return tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (!ctx->excluded[i]) {
            act[na++] = (uint32_t)i;
        }
    }
    if (na == 0) {
        rc = tally_fail(err, TALLY_EINVAL, -1, "rules.excluded",
                        "method schulze needs at least one option that is not excluded");
        goto out;
    }
    if (n > SIZE_MAX / sizeof(struct tally_dec) / n) {
        rc = tally_fail(err, TALLY_ERANGE, -1, "options", "too many options");
        goto out;
    }
    d = calloc(nn, sizeof *d);
    p = calloc(nn, sizeof *p);
    out->schulze.pairwise = calloc(nn, sizeof *out->schulze.pairwise);
    out->schulze.strongest = calloc(nn, sizeof *out->schulze.strongest);
    out->schulze.ranking = malloc(na * sizeof *out->schulze.ranking);
    if (d == NULL || p == NULL || out->schulze.pairwise == NULL || out->schulze.strongest == NULL ||
        out->schulze.ranking == NULL) {
        rc = tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
        goto out;
    }
    out->schulze.present = true;

    if (out->has_by_country) {
        for (size_t c = 0; c < out->n_by_country; c++) {
            struct tally_country_stat *cs = &out->by_country[c];
            for (size_t i = 0; i < n; i++) {
                cs->first[i] = tally_dec_make(0, ctx->d);
                cs->first_present[i] = !ctx->excluded[i];
            }
        }
    }
    rc = accumulate(ctx, out, d, err);
    if (rc != TALLY_OK) {
        goto out;
    }
    strongest_paths(d, p, act, na, n);
    rc = rank_options(ctx, p, act, na, out->schulze.ranking, err);
    if (rc != TALLY_OK) {
        goto out;
    }
    out->schulze.n_ranking = na;

    /* Condorcet winner: beats every other non-excluded option head to head. */
    out->schulze.condorcet_winner = TALLY_NONE;
    for (size_t a = 0; a < na; a++) {
        size_t x = act[a];
        bool all = true;
        for (size_t b = 0; b < na && all; b++) {
            size_t y = act[b];
            if (a != b && !(d[x * n + y] > d[y * n + x])) {
                all = false;
            }
        }
        if (all) {
            out->schulze.condorcet_winner = (uint32_t)x;
            break;
        }
    }

    for (size_t i = 0; i < nn; i++) {
        out->schulze.pairwise[i] = tally_dec_canon(tally_dec_make(d[i], ctx->d));
        out->schulze.strongest[i] = tally_dec_canon(tally_dec_make(p[i], ctx->d));
    }
    if (out->has_by_country) {
        for (size_t c = 0; c < out->n_by_country; c++) {
            for (size_t i = 0; i < n; i++) {
                out->by_country[c].first[i] = tally_dec_canon(out->by_country[c].first[i]);
            }
        }
    }

    {
        size_t nw = (uint64_t)e->seats < na ? (size_t)e->seats : na;
        out->winners = malloc(nw * sizeof *out->winners + 1);
        if (out->winners == NULL) {
            rc = tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
            goto out;
        }
        memcpy(out->winners, out->schulze.ranking, nw * sizeof *out->winners);
        out->n_winners = nw;
    }
    rc = TALLY_OK;
out:
    free(d);
    free(p);
    free(act);
    return rc;
}
