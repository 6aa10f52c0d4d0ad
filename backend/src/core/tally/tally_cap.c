/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_cap.c — the country cap (ELECTION-FORMAT.md §4): no
 * country's ballots may weigh more than `cap` of the total. Works on ballot
 * counts, computes one factor per country exactly (the iterative capped set,
 * or the equal-shares fallback when k × cap < 1) and rewrites the per-entry
 * weights as trunc_d(weight × factor). Integer arithmetic only: cap = a/10^s,
 * factors and weights in units of 10^-d; anything beyond 128 bits is refused
 * with TALLY_ERANGE, never wrapped.
 */
#include <stdlib.h>

#include "tally_int.h"

/* x × y into *out, or false on u128 overflow. */
static bool umul(tally_u128 x, tally_u128 y, tally_u128 *out)
{
    if (x != 0 && y > ~(tally_u128)0 / x) {
        return false;
    }
    *out = x * y;
    return true;
}

static int range_error(struct tally_error *err)
{
    return tally_fail(err, TALLY_ERANGE, -1, "rules.country_cap",
                      "country cap arithmetic exceeds the engine's exact range");
}

/*
 * The factors (units of 10^-d) for every country of ctx, in ctx's country
 * order. Returns TALLY_OK, TALLY_ERANGE, TALLY_EINVAL (a factor truncating
 * to 0) or TALLY_EINTERNAL.
 */
static int compute_factors(const struct tally_ctx *ctx, tally_i128 *factor, struct tally_error *err)
{
    const struct tally_dec *cap = &ctx->e->rules.country_cap;
    size_t k = ctx->n_countries;
    tally_u128 a, ps, one = (tally_u128)ctx->one, t = 0, ka;
    uint8_t *in_s = NULL;
    int rc = TALLY_OK;

    if (cap->units <= 0 || cap->scale > TALLY_DEC_MAX_SCALE) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.country_cap",
                          "country_cap must lie in (0, 1]");
    }
    a = (tally_u128)cap->units;
    ps = tally_pow10(cap->scale); /* cap = a / ps */
    if (a > ps) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.country_cap",
                          "country_cap must lie in (0, 1]");
    }
    for (size_t c = 0; c < k; c++) {
        t += ctx->country_count[c]; /* ≤ 2^64 × (26 × 26): no overflow */
    }

    if (umul((tally_u128)k, a, &ka) && ka < ps) {
        /* k × cap < 1: the cap cannot hold; every country gets T / k. */
        for (size_t c = 0; c < k; c++) {
            tally_u128 den;
            if (!umul((tally_u128)k, ctx->country_count[c], &den) ||
                tally_muldiv(t, one, den, &factor[c]) != TALLY_OK) {
                return range_error(err);
            }
        }
    } else {
        tally_u128 sigma = 0, den = ps;
        size_t m = 0;

        in_s = calloc(k ? k : 1, 1);
        if (in_s == NULL) {
            return tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
        }
        for (;;) {
            /* total' = sigma / (1 − m·cap) = sigma·ps / den; c joins when
             * w_c > cap × total', i.e. w_c × den > a × sigma. */
            tally_u128 ms, rhs;
            size_t joined = 0;

            sigma = 0;
            for (size_t c = 0; c < k; c++) {
                if (!in_s[c]) {
                    sigma += ctx->country_count[c];
                }
            }
            if (!umul((tally_u128)m, a, &ms) || ms >= ps) {
                rc = tally_fail(err, TALLY_EINTERNAL, -1, "rules.country_cap",
                                "country cap: capped shares reach 1");
                goto out;
            }
            den = ps - ms;
            if (!umul(a, sigma, &rhs)) {
                rc = range_error(err);
                goto out;
            }
            for (size_t c = 0; c < k; c++) {
                tally_u128 lhs;
                if (in_s[c]) {
                    continue;
                }
                if (!umul(ctx->country_count[c], den, &lhs)) {
                    rc = range_error(err);
                    goto out;
                }
                if (lhs > rhs) {
                    in_s[c] = 2; /* joins at the end of this pass */
                    joined++;
                }
            }
            if (joined == 0) {
                break;
            }
            for (size_t c = 0; c < k; c++) {
                if (in_s[c] == 2) {
                    in_s[c] = 1;
                }
            }
            m += joined;
        }
        for (size_t c = 0; c < k; c++) {
            tally_u128 num, cden;
            if (!in_s[c]) {
                factor[c] = (tally_i128)one;
                continue;
            }
            /* trunc_d(cap × total' / w_c) = floor(a·sigma·10^d / (den·w_c)) */
            if (!umul(a, sigma, &num) || !umul(den, ctx->country_count[c], &cden) ||
                tally_muldiv(num, one, cden, &factor[c]) != TALLY_OK) {
                rc = range_error(err);
                goto out;
            }
        }
    }
    for (size_t c = 0; c < k; c++) {
        if (factor[c] == 0) {
            uint16_t cc = ctx->countries[c];
            rc = tally_fail(err, TALLY_EINVAL, -1, "rules.country_cap",
                            "country cap: the factor of %c%c truncates to 0 at "
                            "decimal_places=%u",
                            (char)(cc >> 8), (char)(cc & 0xff), (unsigned)ctx->d);
            goto out;
        }
    }
out:
    free(in_s);
    return rc;
}

int tally_cap_apply(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err)
{
    const struct tally_election *e = ctx->e;
    size_t k = ctx->n_countries;
    struct tally_cap *cp = &out->country_cap;
    tally_i128 *factor = NULL;
    int rc;

    if (k == 0 || ctx->entry_country == NULL) {
        return tally_fail(err, TALLY_EINVAL, -1, "rules.country_cap",
                          "country_cap needs ballots with a country");
    }
    factor = malloc(k * sizeof *factor);
    if (factor == NULL) {
        return tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
    }
    rc = compute_factors(ctx, factor, err);
    if (rc != TALLY_OK) {
        goto out;
    }

    for (size_t i = 0; i < e->n_entries; i++) {
        uint32_t c = ctx->entry_country[i];
        tally_i128 w;
        if (e->entries[i].count == 0 || c == UINT32_MAX || factor[c] == ctx->one) {
            continue;
        }
        rc = tally_muldiv((tally_u128)ctx->weight[i], (tally_u128)factor[c], (tally_u128)ctx->one,
                          &w);
        if (rc != TALLY_OK) {
            rc = range_error(err);
            goto out;
        }
        if (w == 0) {
            rc = tally_fail(err, TALLY_EINVAL, (long)e->entries[i].first_index, "weight",
                            "ballot %llu: its weight truncates to 0 under the country cap",
                            (unsigned long long)e->entries[i].first_index + 1);
            goto out;
        }
        ctx->weight[i] = w;
    }

    cp->countries = malloc(k * sizeof *cp->countries);
    cp->factors = malloc(k * sizeof *cp->factors);
    if (cp->countries == NULL || cp->factors == NULL) {
        rc = tally_fail(err, TALLY_ENOMEM, -1, "", "out of memory");
        goto out;
    }
    for (size_t c = 0; c < k; c++) {
        cp->countries[c] = ctx->countries[c];
        cp->factors[c] = tally_dec_canon(tally_dec_make(factor[c], ctx->d));
    }
    cp->n = k;
    cp->cap = tally_dec_canon(e->rules.country_cap);
    cp->present = true;
    rc = TALLY_OK;
out:
    free(factor);
    return rc;
}
