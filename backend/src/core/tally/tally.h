/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/tally/tally.h — the counting engine's contract (pnyx-election/1,
 * ../shared/ELECTION-FORMAT.md): an election built in memory, validated and
 * counted into a result. Pure: no I/O, no JSON, no clock, no allocator other
 * than malloc, no floating point except the documented random index (§6.3).
 *
 * Stability: this header is used by the JSON reader (codec/election), by
 * pnyx-tally, pnyx-verify and the server. Changes are additive only and are
 * listed here.
 *   v1 (2026-11-28) first version.
 *   v1.1 max_rankings and stop_after_round use -1 for null (like
 *        max_skipped_ranks), so a JSON 0 reaches tally_run and is refused there.
 *   v1.2 tally_seed_from_root (Pnyx's default random_seed, README.md).
 *   v1.3 tally_election_reserve (capacity hint for readers that know their
 *        input size).
 *
 * Typical use (a streaming reader):
 *   struct tally_election e; tally_election_init(&e);
 *   e.method = ...; e.seats = ...; e.rules.... = ...;      (plain fields)
 *   tally_election_add_option(&e, "A", 1, &err); ...
 *   per ballot entry: tally_election_skip / mark_open + mark_add... + mark_close,
 *                     then tally_election_add_entry(&e, count, &weight, country, &err)
 *   struct tally_result r; tally_run(&e, &r, &err); ... tally_result_fini(&r);
 *   tally_election_fini(&e);
 * Identical entries (same ranking, weight and country) are grouped as they are
 * added, so a million one-ballot entries cost memory per distinct ballot only.
 */
#ifndef PNYX_CORE_TALLY_TALLY_H
#define PNYX_CORE_TALLY_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exact integers wider than 64 bits (GCC/clang extension, both supported). */
__extension__ typedef __int128 tally_i128;
__extension__ typedef unsigned __int128 tally_u128;

/* ------------------------------------------------------------------------ */
/* Status codes (return values; 0 = ok).                                     */

enum tally_status {
    TALLY_OK = 0,
    TALLY_EINVAL = -1,    /* the input is invalid (§9): err says where and why */
    TALLY_ERANGE = -2,    /* exact arithmetic exceeds the engine's range */
    TALLY_ETIE = -3,      /* a tie needs an operator decision / no listed id */
    TALLY_ENOMEM = -4,    /* allocation failed */
    TALLY_EINTERNAL = -5, /* engine bug (invariant failed) */
};

/*
 * Error detail. entry = 0-based index of the ballot entry as added (the first
 * offending one), or -1 when the error is not about one entry. field is a
 * dotted path such as "rules.decimal_places", "ranking", "weight", "country",
 * "options"; reason is one line of English suitable for {"error": reason}
 * (ballot numbers in the reason are 1-based, "ballot 2: ...").
 */
struct tally_error {
    int code; /* enum tally_status */
    long entry;
    char field[32];
    char reason[200];
};

/* ------------------------------------------------------------------------ */
/* Exact decimals: value = units / 10^scale, scale 0..38.                    */

#define TALLY_DEC_MAX_SCALE 38

struct tally_dec {
    tally_i128 units;
    uint32_t scale;
};

/* A dec holding the integer v (scale 0). */
struct tally_dec tally_dec_int(int64_t v);

/*
 * Parse a plain decimal [0-9]+(\.[0-9]+)? of exactly len bytes (s need not be
 * NUL-terminated). Trailing fractional zeros are dropped (canonical: "0.50000"
 * gives units 5, scale 1; "2.000" gives 2, scale 0). Returns TALLY_OK,
 * TALLY_EINVAL on bad syntax (signs, exponents, empty parts, spaces), or
 * TALLY_ERANGE if the value does not fit (more than 38 significant digits,
 * or more than TALLY_DEC_MAX_SCALE fractional digits after the zeros drop).
 * Borrows s.
 */
int tally_dec_parse(const char *s, size_t len, struct tally_dec *out);

/*
 * Same, also accepting JSON number text with a fraction or exponent as used by
 * bottoms_up_percentage (e.g. "12.5", "1e1", "1.25E+1"), converted exactly.
 * Negative numbers are refused (TALLY_EINVAL).
 */
int tally_dec_parse_number(const char *s, size_t len, struct tally_dec *out);

/*
 * Canonical text: no exponent, no trailing fractional zeros, "-" for
 * negatives, "0" for zero ("5.9998", "6", "0.0003"). Writes at most cap bytes
 * including the NUL; returns the length without the NUL (always < 48 for any
 * dec), or -1 (and "" when cap > 0) if cap is too small or the scale is past
 * TALLY_DEC_MAX_SCALE. Borrows d.
 */
int tally_dec_format(const struct tally_dec *d, char *buf, size_t cap);

/* Exact comparison (any scales): <0, 0, >0. */
int tally_dec_cmp(const struct tally_dec *a, const struct tally_dec *b);

/* Drop trailing zero digits (units divisible by 10 and scale > 0). */
struct tally_dec tally_dec_canon(struct tally_dec d);

/*
 * Re-express d at scale s exactly. Returns TALLY_EINVAL if that would lose
 * digits (d has more than s decimals in value), TALLY_ERANGE on overflow.
 */
int tally_dec_rescale(struct tally_dec d, uint32_t s, struct tally_dec *out);

/* ------------------------------------------------------------------------ */
/* Input.                                                                    */

enum tally_method { TALLY_IRV = 0, TALLY_STV, TALLY_SCHULZE };
enum tally_overvote {
    TALLY_OV_EXHAUST = 0,
    TALLY_OV_SKIP,
    TALLY_OV_EXHAUST_IF_MULTIPLE, /* "exhaust_if_multiple_continuing" */
};
enum tally_tiebreak {
    TALLY_TB_ORDER = 0,
    TALLY_TB_RANDOM,
    TALLY_TB_PREV_RANDOM, /* previous_rounds_then_random */
    TALLY_TB_PREV_ASK,    /* previous_rounds_then_ask */
    TALLY_TB_ASK,
};
enum tally_winner_mode {
    TALLY_WM_STANDARD = 0,
    TALLY_WM_ONE_PER_ROUND,
    TALLY_WM_BOTTOMS_UP,
    TALLY_WM_BOTTOMS_UP_PERCENTAGE,
    TALLY_WM_MULTI_PASS,
};
enum tally_quota { TALLY_QUOTA_DROOP = 0, TALLY_QUOTA_HARE };

/* "No option" in an option-index field. */
#define TALLY_NONE UINT32_MAX
/* Country code: ('D' << 8) | 'E'; 0 = no country on this entry. */
#define TALLY_COUNTRY_NONE  0
#define TALLY_COUNTRY(a, b) ((uint16_t)(((unsigned)(a) << 8) | (unsigned)(b)))

/*
 * §3 rules. tally_election_init sets every default. Option references are
 * indices into the election's options (the reader resolves ids; unknown ids
 * are the reader's error). Arrays are owned by the election (malloc'd; use
 * the tally_rules_add_* helpers or malloc them yourself; freed by
 * tally_election_fini). Ranges and cross-rule constraints (§9) are checked by
 * tally_run, not here.
 */
struct tally_rules {
    enum tally_overvote overvote;
    int64_t max_skipped_ranks; /* -1 = null (unlimited) */
    bool exhaust_on_duplicate;
    int64_t max_rankings; /* -1 = null */
    uint32_t *excluded;   /* option indices, as listed */
    size_t n_excluded;
    uint32_t undeclared_write_in; /* TALLY_NONE = null */
    bool batch_elimination;
    bool continue_until_two;
    bool first_round_determines_threshold;
    int64_t stop_after_round; /* -1 = null */
    enum tally_tiebreak tiebreak;
    bool has_tiebreak_order;  /* false = null (options minus the UWI) */
    uint32_t *tiebreak_order; /* option indices, as listed */
    size_t n_tiebreak_order;
    int64_t random_seed; /* must lie in [-2^47, 2^47-1] */
    enum tally_winner_mode winner_mode;
    enum tally_quota quota;
    bool non_integer_threshold;
    int64_t decimal_places; /* default 4, must be 1..20 */
    bool has_bottoms_up_percentage;
    struct tally_dec bottoms_up_percentage;
    bool cutoff_elimination;
    bool has_country_cap;
    struct tally_dec country_cap;
    bool has_double_majority;
    struct tally_dec min_country_share;
    char *rules_id; /* NULL = null; owned, NUL-terminated */
    size_t rules_id_len;
};

/*
 * One rank of a ballot: a mark with n ids at ids_pool[off .. off+n) (n = 0 is
 * `[]`, n = 1 a single option, n ≥ 2 an overvote), or a skipped rank.
 */
#define TALLY_RANK_SKIPPED UINT32_MAX
struct tally_rank {
    uint32_t off;
    uint32_t n; /* TALLY_RANK_SKIPPED for null */
};

/*
 * One distinct ballot entry (grouped: every added entry with the same
 * ranking, weight and country adds its count here). ranks_pool[rank_off ..
 * rank_off + n_ranks), trailing skips removed. weight indexes the election's
 * weight table (0 = weight 1). first_index: index of the first added entry of
 * the group (for error messages).
 */
struct tally_entry {
    uint64_t count;
    uint64_t first_index;
    uint32_t rank_off;
    uint32_t n_ranks;
    uint32_t weight;
    uint16_t country;
};

struct tally_election {
    enum tally_method method; /* default irv */
    int64_t seats;            /* default 1 (the format requires it; reader sets it) */
    struct tally_rules rules;

    /* options: ids as UTF-8 at opt_chars[opt_off[i] .. +opt_len[i]) */
    size_t n_options;
    char *opt_chars;
    uint32_t *opt_off;
    uint32_t *opt_len;

    /* grouped ballot entries and their pools */
    struct tally_entry *entries;
    size_t n_entries;
    struct tally_rank *ranks_pool;
    size_t n_ranks_pool;
    uint32_t *ids_pool;
    size_t n_ids_pool;
    struct tally_dec *weights; /* distinct weights as parsed; [0] = 1 */
    size_t n_weights;
    uint64_t n_added; /* entries added so far (file order) */
    bool any_country, any_no_country;
    uint64_t first_no_country; /* index of the first entry without country */
    uint64_t first_country;    /* index of the first entry with a country */

    /* private builder state (do not touch) */
    struct tally_builder *priv;
};

/* Initialise with all defaults (method irv, seats 1, §3 defaults). */
void tally_election_init(struct tally_election *e);
/* Release everything the election owns; e may be re-initialised after. */
void tally_election_fini(struct tally_election *e);

/*
 * Append an option id (UTF-8, borrowed, copied). Refuses duplicates
 * (TALLY_EINVAL, field "options"). Returns TALLY_OK / TALLY_EINVAL / TALLY_ENOMEM.
 */
int tally_election_add_option(struct tally_election *e, const char *id, size_t len,
                              struct tally_error *err);
/* Index of the option with this id, or TALLY_NONE. O(1) average. */
uint32_t tally_election_find_option(const struct tally_election *e, const char *id, size_t len);

/* Helpers for rule arrays (they check the index is < n_options). */
int tally_rules_add_excluded(struct tally_election *e, uint32_t opt);
int tally_rules_add_tiebreak_order(struct tally_election *e, uint32_t opt); /* sets has_ */
int tally_rules_set_rules_id(struct tally_election *e, const char *s, size_t len);

/*
 * Building one ballot entry: the ranks are appended to a pending ranking in
 * order, then tally_election_add_entry commits it with its count, weight and
 * country (a ranking can be read before the other members of the object).
 *   tally_election_skip(e)            a null rank
 *   tally_election_mark_open(e)       start a mark (string or list)
 *   tally_election_mark_add(e, opt)   one id of the open mark (opt < n_options)
 *   tally_election_mark_close(e)      end it ([] = open + close)
 * tally_election_add_entry: count ≥ 0; weight NULL = 1 (borrowed; must be > 0,
 * its decimals are checked against decimal_places in tally_run); country =
 * TALLY_COUNTRY(...) or TALLY_COUNTRY_NONE (must be two of 'A'..'Z').
 * tally_election_discard_entry drops a pending ranking (reader error paths).
 * All return TALLY_OK, TALLY_EINVAL (err says why; entry = this entry's index)
 * or TALLY_ENOMEM / TALLY_ERANGE (count sum overflow).
 */
/*
 * Optional capacity hint, before the first entry: presize the pools for about
 * `entries` distinct entries holding `ranks` ranks (and ids) in all, so they do
 * not grow (copy) while loading. Exceeding it is fine (the pools grow);
 * overestimating costs address space, not memory: large pools are only
 * touched as they fill. Returns TALLY_OK or TALLY_ENOMEM (the election is then
 * usable as before; a reader may ignore the failure).
 */
int tally_election_reserve(struct tally_election *e, size_t entries, size_t ranks);

int tally_election_skip(struct tally_election *e);
int tally_election_mark_open(struct tally_election *e);
int tally_election_mark_add(struct tally_election *e, uint32_t opt);
int tally_election_mark_close(struct tally_election *e);
int tally_election_add_entry(struct tally_election *e, uint64_t count,
                             const struct tally_dec *weight, uint16_t country,
                             struct tally_error *err);
void tally_election_discard_entry(struct tally_election *e);

/* ------------------------------------------------------------------------ */
/* Result.                                                                   */

enum tally_inactive {
    TALLY_IN_OVERVOTES = 0,
    TALLY_IN_SKIPPED,             /* skipped_rankings */
    TALLY_IN_EXHAUSTED_CHOICES,   /* exhausted_choices */
    TALLY_IN_REPEATED,            /* repeated_rankings */
    TALLY_IN_FINAL_ROUND_SURPLUS, /* final_round_surplus (STV seats > 1 only) */
    TALLY_IN_N
};

/* Transfer targets besides option indices. */
#define TALLY_TO_EXHAUSTED ((uint32_t)0xFFFFFFFE)
#define TALLY_TO_RESIDUAL  ((uint32_t)0xFFFFFFFD) /* "residual_surplus" */

struct tally_transfer {
    uint32_t from; /* option elected or eliminated in this round */
    uint32_t to;   /* option index, TALLY_TO_EXHAUSTED or TALLY_TO_RESIDUAL */
    struct tally_dec value;
};

struct tally_round {
    uint32_t round; /* 1-based, restarts per pass */
    uint32_t pass;  /* multi_pass: 1-based pass; 0 otherwise (no "pass" key) */
    /* tally: value per option in option order; present[i] says whether
     * option i is a key of "tally" */
    struct tally_dec *tally;
    uint8_t *present;
    struct tally_dec threshold;
    uint32_t *elected; /* election order */
    size_t n_elected;
    uint32_t *eliminated; /* option order */
    size_t n_eliminated;
    struct tally_dec inactive[TALLY_IN_N]; /* cumulative */
    struct tally_dec exhausted;            /* overvotes+skipped+exhausted_choices+repeated */
    bool stv_multi;                        /* STV seats > 1: write final_round_surplus
                                              and residual_surplus */
    struct tally_dec residual_surplus;     /* cumulative */
    /* transfers: one object per elected/eliminated option (possibly empty);
     * these are the non-zero cells, sorted by from (elected first in
     * election order, then eliminated in option order), then to */
    struct tally_transfer *transfers;
    size_t n_transfers;
};

/* §8.1, one per country with count ≥ 1, sorted by code. */
struct tally_country_stat {
    uint16_t country;
    uint64_t ballots;
    struct tally_dec value;
    struct tally_dec *first; /* n_options, with first_present */
    uint8_t *first_present;
    bool has_final;          /* false for Schulze */
    struct tally_dec *final; /* n_options, with final_present */
    uint8_t *final_present;
};

/* §7 (filled by tally_schulze_run). Matrices n_options × n_options,
 * row-major [x * n_options + y]; only non-excluded x ≠ y are meaningful. */
struct tally_schulze {
    bool present;
    uint32_t *ranking; /* option indices, best first */
    size_t n_ranking;
    uint32_t condorcet_winner; /* TALLY_NONE = null */
    struct tally_dec *pairwise;
    struct tally_dec *strongest;
};

/* §4 (filled by tally_cap_apply). */
struct tally_cap {
    bool present;
    struct tally_dec cap;
    size_t n; /* countries, sorted by code */
    uint16_t *countries;
    struct tally_dec *factors;
};

/* §8.2 (filled by tally_dm_compute). */
struct tally_dm {
    bool present;
    struct tally_dec min_country_share;
    uint32_t winner;    /* TALLY_NONE = null */
    uint32_t runner_up; /* TALLY_NONE = null */
    uint32_t considered, carried;
    bool met;
    size_t n; /* by_country entries, sorted by code */
    uint16_t *countries;
    struct tally_dec *winner_value;
    struct tally_dec *runner_up_value;
};

struct tally_result {
    size_t n_options;  /* copied from the election, sizes every per-option array */
    uint32_t *winners; /* in the order elected */
    size_t n_winners;
    struct tally_round *rounds;
    size_t n_rounds;
    struct tally_dec blank_ballots;
    const char *rules_id; /* borrowed from the election (NULL = absent) */
    struct tally_schulze schulze;
    struct tally_cap country_cap;
    struct tally_dm double_majority;
    bool has_by_country;
    struct tally_country_stat *by_country;
    size_t n_by_country;
};

/*
 * Validate (§9) and count e. On TALLY_OK *out holds the result (caller calls
 * tally_result_fini). On failure *out is left empty (fini is still safe) and
 * err explains (err may be NULL). Borrows e (const; safe to run concurrently
 * on one election from several threads). Deterministic.
 */
int tally_run(const struct tally_election *e, struct tally_result *out, struct tally_error *err);

/* Free everything in r (safe on a zeroed or failed result). */
void tally_result_fini(struct tally_result *r);

/*
 * Pnyx's default random_seed for its own questions (README.md): the first 6
 * bytes of the question's audit-log root at closing, read as a big-endian
 * 48-bit two's-complement integer, i.e. in [-2^47, 2^47-1]. Borrows root
 * (at least 6 bytes).
 */
int64_t tally_seed_from_root(const uint8_t *root);

/* Human text for a status code ("invalid input", ...). Static string. */
const char *tally_status_str(int code);

#endif /* PNYX_CORE_TALLY_TALLY_H */
