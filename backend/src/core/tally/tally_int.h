/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally_int.h — internals shared by the engine's files (build,
 * dec, rcv, tiebreak, result, schulze, cap, dm) and by tests. Not for other
 * modules: they use tally.h only.
 *
 * Call order inside tally_run (tally_run.c):
 *   1. validate (§9), build struct tally_ctx (weights scaled to d, countries);
 *   2. if rules.has_country_cap: tally_cap_apply(ctx, out, err)     (tally_cap.c)
 *   3. ctx->weighted computed; out->by_country skeleton (ballots, value);
 *   4. method schulze: tally_schulze_run(ctx, out, err)    (tally_schulze.c)
 *      else tally_rcv_count(ctx, out, err) (tally_rcv.c), filling
 *      by_country first/final;
 *   5. if rules.has_double_majority: tally_dm_compute(ctx, out, err) (tally_dm.c)
 */
#ifndef PNYX_CORE_TALLY_TALLY_INT_H
#define PNYX_CORE_TALLY_TALLY_INT_H

#include <stdarg.h>

#include "tally.h"

#define TALLY_MAX_D 20
/* Largest value a tally_i128 holds: 2^127 - 1. */
#define TALLY_I128_MAX ((tally_i128)(((tally_u128)1 << 127) - 1))

/*
 * The prepared count context. All values are integers in units of 10^-d
 * ("scaled at d"), even for unweighted IRV (d then only affects display:
 * tally_rcv writes integers with scale 0 when nothing fractional can occur).
 */
struct tally_ctx {
    const struct tally_election *e;
    uint32_t d;              /* rules.decimal_places */
    tally_i128 one;          /* 10^d */
    size_t n;                /* e->n_options */
    size_t n_entries;        /* e->n_entries (entries with count 0 are skipped) */
    tally_i128 *weight;      /* per entry: weight × 10^d, after the cap (the cap may rewrite) */
    bool weighted;           /* some entry with count ≥ 1 has weight ≠ 1 (after the cap) */
    uint8_t *excluded;       /* per option: 1 if in rules.excluded */
    size_t n_countries;      /* distinct countries over entries with count ≥ 1 */
    uint16_t *countries;     /* sorted by code */
    uint64_t *country_count; /* per country: total count (w_c for the cap) */
    uint32_t *entry_country; /* per entry: index into countries, UINT32_MAX if none */
};

/* ---- the optional stages (tally_cap.c, tally_schulze.c, tally_dm.c) ---- */

/*
 * §4. Needs ctx->n_countries ≥ 1 (tally_run checked). Fills out->country_cap
 * (present, cap, every country sorted by code with its factor as a dec at
 * scale d) and replaces ctx->weight[i] by trunc_d(weight × factor) for entries
 * of capped countries. A factor or weight truncating to 0: TALLY_EINVAL with
 * err filled. Returns TALLY_OK or an error code.
 */
int tally_cap_apply(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err);

/*
 * §7. Fills out->winners/n_winners, out->schulze (all arrays malloc'd, freed
 * by tally_result_fini), and, if out->has_by_country, each
 * out->by_country[i].first / first_present (already allocated, zeroed, scale
 * d). tally_run has already filled blank_ballots, rounds (none) and the rest
 * of by_country. Errors (tie with no listed id): TALLY_ETIE with err filled.
 */
int tally_schulze_run(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err);

/*
 * §8.2. Called after the count (out->winners, rounds or schulze are final).
 * Fills out->double_majority. Returns TALLY_OK or an error code.
 */
int tally_dm_compute(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err);

/* ---- the IRV/STV count ---- */

/* The IRV/STV count (tally_rcv.c): fills winners, rounds and by_country
 * first/final. blank_ballots and the by_country skeleton are already set. */
int tally_rcv_count(struct tally_ctx *ctx, struct tally_result *out, struct tally_error *err);

/* ---- helpers shared by every stage ---- */

/* Fill err (may be NULL) and return code. entry -1 = not about one entry. */
int tally_fail(struct tally_error *err, int code, long entry, const char *field, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));

/* malloc for per-entry arrays: from 512 KiB on, whole 2 MiB blocks advised for
 * transparent huge pages (tally_build.c; fewer page faults). Release with free(). */
void *tally_alloc_large(size_t bytes);

/* A dec from units at a scale. */
static inline struct tally_dec tally_dec_make(tally_i128 units, uint32_t scale)
{
    struct tally_dec d = {units, scale};
    return d;
}

/* 10^k for k ≤ 38. */
tally_u128 tally_pow10(uint32_t k);

/*
 * floor(a × b / c) for a, b, c ≥ 0, c > 0, computed exactly with a 256-bit
 * intermediate. TALLY_ERANGE if the result exceeds TALLY_I128_MAX.
 */
int tally_muldiv(tally_u128 a, tally_u128 b, tally_u128 c, tally_i128 *out);

/* a + b / a × b with overflow check (TALLY_ERANGE). */
int tally_add_checked(tally_i128 a, tally_i128 b, tally_i128 *out);
int tally_mul_checked(tally_i128 a, tally_i128 b, tally_i128 *out);

/* java.util.Random (§6.3). */
struct tally_rng {
    uint64_t state;
};
void tally_rng_seed(struct tally_rng *r, int64_t seed);
uint32_t tally_rng_next(struct tally_rng *r, int bits);
double tally_rng_next_double(struct tally_rng *r);
/* floor(nextDouble() × n) in binary64, as §6.3 prescribes. */
uint32_t tally_rng_pick(struct tally_rng *r, uint32_t n);

/* Java String.compareTo on option ids (UTF-16 code units). */
int tally_utf16_cmp(const struct tally_election *e, uint32_t a, uint32_t b);
/* Sort option indices in UTF-16 order of their ids (stable, small n). */
void tally_sort_utf16(const struct tally_election *e, uint32_t *ids, size_t n);
/* Java String.hashCode of option id a. */
uint32_t tally_java_hash(const struct tally_election *e, uint32_t a);
/* Reorder ids (in place) into java.util.HashSet iteration order (§6.4). */
int tally_hashset_order(const struct tally_election *e, uint32_t *ids, size_t n);

#endif /* PNYX_CORE_TALLY_TALLY_INT_H */
