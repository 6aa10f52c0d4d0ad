/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_dm.c — the double majority (ELECTION-FORMAT.md §8.2): the
 * winner must also carry a share of the countries, head to head against the
 * runner-up. Runs after the count (IRV one seat standard, or Schulze one
 * seat) and reads its result: winners, rounds (IRV runner-up) or the Schulze
 * ranking. Exact integer sums in units of 10^-d.
 */
#include <stdlib.h>

#include "tally_schulze_int.h"

#define POS_UNRANKED UINT32_MAX
/* "Countries considered" need at least this many ballots (count). */
#define DM_MIN_BALLOTS 10

/*
 * §8.2 preconditions: irv with 1 seat and winner_mode standard, or schulze
 * with 1 seat; ballots need countries. Returns TALLY_OK or TALLY_EINVAL.
 */
static int check(const struct tally_election *e, struct tally_error *err)
{
    bool ok =
        (e->method == TALLY_IRV && e->seats == 1 && e->rules.winner_mode == TALLY_WM_STANDARD) ||
        (e->method == TALLY_SCHULZE && e->seats == 1);
    if (!ok) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.double_majority",
                          "double_majority needs a single-winner count (method irv or "
                          "schulze with seats 1)");
    }
    if (e->n_added > 0 && !e->any_country) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.double_majority",
                          "double_majority needs ballots with a country");
    }
    return TALLY_OK;
}

/* Exact comparison of two decs (the tallies of one round share no scale
 * guarantee across rounds, so compare through tally_dec_cmp). */
static int cmp_figure(const struct tally_round *rd, uint32_t x, uint32_t y)
{
    struct tally_dec zero = tally_dec_make(0, 0);
    const struct tally_dec *fx = rd->present[x] ? &rd->tally[x] : &zero;
    const struct tally_dec *fy = rd->present[y] ? &rd->tally[y] : &zero;
    return tally_dec_cmp(fx, fy);
}

/*
 * Does x beat y as runner-up? Highest figure in round index ref, ties by the
 * rounds before (latest first), then option order.
 */
static bool beats(const struct tally_result *res, size_t ref, uint32_t x, uint32_t y)
{
    for (size_t r = ref + 1; r-- > 0;) {
        int c = cmp_figure(&res->rounds[r], x, y);
        if (c != 0) {
            return c > 0;
        }
    }
    return x < y;
}

/* §8.2 IRV runner-up, or TALLY_NONE. */
static uint32_t irv_runner_up(const struct tally_election *e, const struct tally_result *res,
                              uint32_t w)
{
    uint32_t uwi = e->rules.undeclared_write_in, best = TALLY_NONE;
    size_t last;

    if (res->n_rounds == 0) {
        return TALLY_NONE;
    }
    last = res->n_rounds - 1;
    for (uint32_t o = 0; o < res->n_options; o++) {
        if (res->rounds[last].present[o] && o != w && o != uwi &&
            (best == TALLY_NONE || beats(res, last, o, best))) {
            best = o;
        }
    }
    if (best != TALLY_NONE) {
        return best;
    }
    /* Nobody else left: among those eliminated in the latest round that
     * eliminated any (never the UWI). */
    for (size_t r = res->n_rounds; r-- > 0;) {
        const struct tally_round *rd = &res->rounds[r];
        if (rd->n_eliminated == 0) {
            continue;
        }
        for (size_t i = 0; i < rd->n_eliminated; i++) {
            uint32_t o = rd->eliminated[i];
            if (o != uwi && o != w && (best == TALLY_NONE || beats(res, r, o, best))) {
                best = o;
            }
        }
        break;
    }
    return best;
}

/* IRV reading: the first rank where o is the only id (overvotes ignored). */
static uint32_t irv_pos(const struct tally_election *e, const struct tally_entry *en, uint32_t o)
{
    for (uint32_t r = 0; r < en->n_ranks; r++) {
        const struct tally_rank *rk = &e->ranks_pool[en->rank_off + r];
        if (rk->n == 1 && e->ids_pool[rk->off] == o) {
            return r;
        }
    }
    return POS_UNRANKED;
}

int tally_dm_compute(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err)
{
    const struct tally_election *e = ctx->e;
    struct tally_dm *dm = &out->double_majority;
    size_t k = ctx->n_countries, nc = 0;
    uint32_t w = TALLY_NONE, ru = TALLY_NONE;
    tally_i128 *sw = NULL, *sr = NULL;
    uint32_t *slot = NULL, *pos = NULL;
    int rc;

    rc = check(e, err);
    if (rc != TALLY_OK) {
        return rc;
    }
    dm->present = true;
    dm->min_country_share = tally_dec_canon(e->rules.min_country_share);
    dm->considered = dm->carried = 0;
    dm->met = false;
    dm->n = 0;

    if (out->n_winners > 0) {
        w = out->winners[0];
    }
    if (e->method == TALLY_SCHULZE) {
        if (out->schulze.present && out->schulze.n_ranking >= 2) {
            ru = out->schulze.ranking[1];
        }
    } else if (w != TALLY_NONE) {
        ru = irv_runner_up(e, out, w);
    }
    dm->winner = w;
    dm->runner_up = ru;
    if (w == TALLY_NONE || ru == TALLY_NONE) {
        return TALLY_OK; /* not met, nothing considered */
    }

    /* Considered countries (not ZZ, count ≥ 10): slot per ctx country. */
    slot = malloc((k ? k : 1) * sizeof *slot);
    pos = malloc((ctx->n ? ctx->n : 1) * sizeof *pos);
    sw = calloc(k ? k : 1, sizeof *sw);
    sr = calloc(k ? k : 1, sizeof *sr);
    dm->countries = malloc((k ? k : 1) * sizeof *dm->countries);
    dm->winner_value = malloc((k ? k : 1) * sizeof *dm->winner_value);
    dm->runner_up_value = malloc((k ? k : 1) * sizeof *dm->runner_up_value);
    if (slot == NULL || pos == NULL || sw == NULL || sr == NULL || dm->countries == NULL ||
        dm->winner_value == NULL || dm->runner_up_value == NULL) {
        rc = tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
        goto out;
    }
    for (size_t c = 0; c < k; c++) {
        if (ctx->countries[c] != TALLY_COUNTRY('Z', 'Z') &&
            ctx->country_count[c] >= DM_MIN_BALLOTS) {
            dm->countries[nc] = ctx->countries[c];
            slot[c] = (uint32_t)nc++;
        } else {
            slot[c] = UINT32_MAX;
        }
    }

    for (size_t i = 0; i < e->n_entries; i++) {
        const struct tally_entry *en = &e->entries[i];
        uint32_t c = ctx->entry_country != NULL ? ctx->entry_country[i] : UINT32_MAX;
        uint32_t pw, pr;
        tally_i128 v, *acc;

        if (en->count == 0 || c == UINT32_MAX || slot[c] == UINT32_MAX) {
            continue;
        }
        if (e->method == TALLY_SCHULZE) {
            tally_schulze_read(e, ctx->excluded, en, pos);
            pw = pos[w];
            pr = pos[ru];
        } else {
            pw = irv_pos(e, en, w);
            pr = irv_pos(e, en, ru);
        }
        if (pw == pr) {
            continue; /* both unranked, or tied at one rank: not compared */
        }
        acc = pw < pr ? &sw[slot[c]] : &sr[slot[c]];
        if (tally_mul_checked((tally_i128)en->count, ctx->weight[i], &v) != TALLY_OK ||
            tally_add_checked(*acc, v, acc) != TALLY_OK) {
            rc = tally_fail(err, TALLY_ERANGE, -1, "ballots",
                            "double majority sums exceed the engine's exact range");
            goto out;
        }
    }

    for (size_t s = 0; s < nc; s++) {
        dm->winner_value[s] = tally_dec_canon(tally_dec_make(sw[s], ctx->d));
        dm->runner_up_value[s] = tally_dec_canon(tally_dec_make(sr[s], ctx->d));
        if (sw[s] > sr[s]) {
            dm->carried++;
        }
    }
    dm->n = nc;
    dm->considered = (uint32_t)nc;
    if (nc > 0) {
        /* m ≥ share × n exactly: m × 10^s ≥ units × n (m, n ≤ 676). */
        const struct tally_dec *sh = &e->rules.min_country_share;
        tally_i128 lhs, rhs;
        if (sh->scale > TALLY_DEC_MAX_SCALE ||
            tally_mul_checked((tally_i128)dm->carried, (tally_i128)tally_pow10(sh->scale), &lhs) !=
                TALLY_OK ||
            tally_mul_checked(sh->units, (tally_i128)nc, &rhs) != TALLY_OK) {
            rc = tally_fail(err, TALLY_ERANGE, -1, "rules.double_majority",
                            "min_country_share exceeds the engine's exact range");
            goto out;
        }
        dm->met = lhs >= rhs;
    }
    rc = TALLY_OK;
out:
    free(slot);
    free(pos);
    free(sw);
    free(sr);
    return rc;
}
