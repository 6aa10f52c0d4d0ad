/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/sortition/draw.h — the verifiable draw of a selection (issue 14),
 * pure C: respondent commitments and their Merkle root, the seed from the
 * log and a commit–reveal, a uniform index by rejection sampling, and the
 * check of a whole published draw. No I/O, no JSON, no clock, no RNG:
 * every input is passed in. The byte formats below are normative; the
 * same text is in api-spec/draw.md (what auditors and the browser check
 * implement). Thread-safe once sodium_init() succeeded.
 *
 * 1. Commitment of one respondent (fixed at commit time, one per pool row):
 *
 *      commitment = SHA-256( salt                      32 bytes
 *                            ‖ str(pseudonym)
 *                            ‖ u32(ncat)
 *                            ‖ for each category, in the committed order:
 *                                  str(category name) ‖ str(value)
 *                            ‖ str(household) )        "" when none
 *
 *    str(x) = u32(byte length of x) ‖ the UTF-8 bytes of x (no NUL);
 *    u32(v) = 4 bytes big-endian. Every field is length-prefixed, so no
 *    two different rows share an encoding.
 *
 * 2. Commitment root: the RFC 9162 Merkle tree hash (core/audit/merkle)
 *    over the 32-byte commitments as entries, in pool order (respondent
 *    index 0 first): leaf = SHA-256(0x00 ‖ commitment), node =
 *    SHA-256(0x01 ‖ left ‖ right), empty pool = SHA-256("").
 *
 * 3. Seed: every participant commits c = SHA-256(r) to a random 32-byte r
 *    before the commitment phase closes, and reveals r afterwards; a
 *    commitment not revealed by the deadline is dropped. With the beacon
 *    B (the assembly log's root at the size the randomness rule names,
 *    see draw.md) and the valid reveals sorted by c ascending (bytewise):
 *
 *      seed = SHA-256( B ‖ r_1 ‖ r_2 ‖ … ‖ r_t )      (t = 0 allowed)
 *
 * 4. Index in [0, m): with b = bit length of m − 1 (0 for m = 1), for
 *    counter j = 0, 1, 2, …:
 *
 *      h = SHA-256( seed ‖ u32(j) );  x = first 8 bytes of h as a
 *      big-endian integer, keeping its low b bits;  accept x if x < m.
 *
 *    Each try accepts with probability m / 2^b > 1/2, every index is
 *    equally likely (no modulo), and the expected number of tries is < 2.
 *
 * 5. The panel drawn is lottery[index]: the index-th of the m published
 *    panels (each a strictly ascending list of k respondent indices).
 *
 * 6. Count commitment of a lottery panel (pnyx-draw/3), with a random
 *    32-byte salt per panel that only the server keeps until the draw:
 *
 *      count_commitment = SHA-256( salt ‖ u32(nquota)
 *                                  ‖ u32(c_0) ‖ … ‖ u32(c_{nquota−1}) )
 *
 *    c_q = the panel's members with quota row q's value. Why salted and
 *    per panel: the counts of every panel beside the panels' member lists
 *    are a linear system that gives away every respondent's values
 *    (pnyx-draw/2 published them); a commitment fixes them before the
 *    seed without showing them, and only the drawn panel's are revealed.
 *    Without a salt the few plausible count vectors could be tried.
 */
#ifndef PNYX_CORE_SORTITION_DRAW_H
#define PNYX_CORE_SORTITION_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/compiler.h"

#define DRAW_HASH_LEN   32
#define DRAW_SALT_LEN   32
#define DRAW_REVEAL_LEN 32
/* Largest lottery (m) and panel (k) a draw may have. Why: m = 1000 is the
 * published practice (a dice ceremony); 10^6 bounds a verifier's work
 * (m·k checks) whatever a hostile DRAW.json claims. */
#define DRAW_MAX_M 1000000u
#define DRAW_MAX_K 100000u
/* Bounds on the text fields of a commitment (bytes). */
#define DRAW_MAX_FIELD 1024u
/* Tolerance on a published probability against its panel count / m:
 * the JSON decimal of an exact fraction round-trips far closer. */
#define DRAW_PROB_EPS 1e-9

enum draw_status {
    DRAW_OK = 0,
    DRAW_EINVAL,       /* malformed input: a bound, a NULL, an unknown value */
    DRAW_ENOMEM,       /* allocation failed */
    DRAW_ECOMMITMENTS, /* the commitments do not hash to the committed root */
    DRAW_EREVEAL,      /* a reveal does not open its commitment, or reveals not in order */
    DRAW_ESEED,        /* the seed is not SHA-256(beacon ‖ reveals) */
    DRAW_EINDEX,       /* the index is not the one the seed gives */
    DRAW_ECHOSEN,      /* the chosen panel is not lottery[index] */
    DRAW_EPANEL,       /* a panel is not k distinct ascending respondents */
    DRAW_EQUOTA,       /* a panel breaks a quota */
    DRAW_EHOUSEHOLD,   /* a panel holds two members of one household */
    DRAW_EPROBABILITY, /* a published probability is not its panel frequency */
    DRAW_ECOUNTS,      /* the drawn panel's revealed counts do not open its commitment */
};

/* Static English name ("ok", "seed mismatch", …), never NULL. */
const char *draw_status_str(enum draw_status st);

/* One respondent as committed: borrowed strings (UTF-8, each at most
 * DRAW_MAX_FIELD bytes, pseudonym and values non-empty). In a published
 * pnyx-draw/2 record values and household are NULL: only the commitment
 * carries them (see struct draw_record's counts). */
struct draw_respondent {
    const char *pseudonym;
    const char *const *values; /* ncat values, in the committed category order */
    const char *household;     /* pseudonymous household tag; NULL or "" = none */
};

/* The commitment of r (format 1 above) with the category names of the
 * committed order. DRAW_OK, or DRAW_EINVAL for a field out of bounds. */
enum draw_status draw_commitment(const uint8_t salt[DRAW_SALT_LEN], const struct draw_respondent *r,
                                 size_t ncat, const char *const *categories,
                                 uint8_t out[DRAW_HASH_LEN]) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* The root over n commitments (format 2). DRAW_OK or DRAW_ENOMEM. */
enum draw_status draw_commitment_root(const uint8_t (*commitments)[DRAW_HASH_LEN], size_t n,
                                      uint8_t out[DRAW_HASH_LEN]) PNYX_NONNULL(3) PNYX_MUSTCHECK;

/* The RFC 9162 inclusion proof of commitment index among n, deepest
 * sibling first, into proof[0..*len) (cap rows; 64 always suffice).
 * DRAW_EINVAL for index >= n or a small cap, DRAW_ENOMEM. */
enum draw_status draw_commitment_proof(const uint8_t (*commitments)[DRAW_HASH_LEN], size_t n,
                                       size_t index, uint8_t (*proof)[DRAW_HASH_LEN], size_t cap,
                                       size_t *len) PNYX_NONNULL(1, 4, 6) PNYX_MUSTCHECK;

/* A participant's randomness: its commitment and, once revealed, r. */
struct draw_reveal {
    uint8_t commitment[DRAW_HASH_LEN];
    uint8_t value[DRAW_REVEAL_LEN];
};

/* SHA-256(value): the commitment a participant publishes first. */
void draw_reveal_commit(const uint8_t value[DRAW_REVEAL_LEN], uint8_t out[DRAW_HASH_LEN])
    PNYX_NONNULL(1, 2);

/* True when r->value opens r->commitment. */
bool draw_reveal_opens(const struct draw_reveal *r) PNYX_NONNULL(1);

/* Sorts reveals by commitment ascending (the order the seed uses). */
void draw_reveals_sort(struct draw_reveal *reveals, size_t n);

/* The seed (format 3) from the beacon and the valid reveals, which must
 * be sorted by commitment, strictly ascending, and each open its
 * commitment: else DRAW_EREVEAL (nothing written). */
enum draw_status draw_seed(const uint8_t beacon[DRAW_HASH_LEN], const struct draw_reveal *reveals,
                           size_t n, uint8_t seed[DRAW_HASH_LEN]) PNYX_NONNULL(1, 4) PNYX_MUSTCHECK;

/* The index (format 4) in [0, m), 1 ≤ m ≤ DRAW_MAX_M; *tries (may be NULL)
 * = hashes computed. DRAW_OK or DRAW_EINVAL. */
enum draw_status draw_index(const uint8_t seed[DRAW_HASH_LEN], uint32_t m, uint32_t *index,
                            uint32_t *tries) PNYX_NONNULL(1, 3) PNYX_MUSTCHECK;

/* The count commitment (format 6) of counts[0..nquota) into out. */
void draw_counts_commitment(const uint8_t salt[DRAW_SALT_LEN], const uint32_t *counts,
                            size_t nquota, uint8_t out[DRAW_HASH_LEN]) PNYX_NONNULL(1, 4);

/* One quota row: panel members whose value of category is feature number
 * at least min and at most max. */
struct draw_quota {
    const char *category;
    const char *feature;
    uint32_t min, max;
};

/* A published draw, as draw_verify checks it (everything borrowed). */
struct draw_record {
    size_t ncat;
    const char *const *categories; /* the committed order */
    size_t n;                      /* pool size */
    const struct draw_respondent *respondents;
    const uint8_t (*commitments)[DRAW_HASH_LEN]; /* n, in pool order */
    const double *probabilities;                 /* n: published, after rounding */
    size_t nquota;
    const struct draw_quota *quotas; /* every (category, value) of the pool has a row */
    uint32_t k, m;
    const uint32_t *panels; /* m × k respondent indices, row-major */
    uint8_t commitment_root[DRAW_HASH_LEN];
    uint8_t beacon[DRAW_HASH_LEN];
    size_t nreveal;
    const struct draw_reveal *reveals; /* the valid ones, sorted by commitment */
    uint8_t seed[DRAW_HASH_LEN];
    uint32_t index;
    const uint32_t *chosen; /* k: the panel drawn */
    /* pnyx-draw/2: m × nquota counts the organiser declared for each
     * panel (row x, column q: members of panel x with quota q's value),
     * fixed by the lottery hash before the seed. When set, the respondents'
     * values and households are not needed (nor read): each panel is
     * checked for k distinct ascending members and its declared counts
     * against the quotas (each within min..max, every category summing to
     * k). NULL: pnyx-draw/1, panels checked from the values. */
    const uint32_t *counts;
    /* pnyx-draw/3 (counts NULL): m count commitments (format 6), in the
     * lottery hash; and the drawn panel's counts (nquota) with their salt,
     * revealed after the draw. Each panel is checked for k distinct
     * ascending members, the revealed counts against the commitment of
     * lottery[index] and the quotas. NULL: /1 or /2. */
    const uint8_t (*count_commitments)[DRAW_HASH_LEN];
    const uint32_t *chosen_counts;
    uint8_t chosen_salt[DRAW_SALT_LEN];
};

/* What draw_verify found wrong first (item: the panel, respondent or
 * reveal concerned, or -1). */
struct draw_failure {
    enum draw_status status;
    long long item;
    char detail[200];
};

/*
 * Checks a published draw, in this order: the commitments hash to the
 * root; every reveal opens its commitment and they are in order; the seed
 * is SHA-256(beacon ‖ reveals); the index follows from the seed; the
 * chosen panel is lottery[index]; every panel holds k distinct ascending
 * respondents, meets every quota and no household twice (/2: by its
 * declared counts; /3: the drawn panel's revealed counts open its
 * commitment and meet the quotas, DRAW_ECOUNTS otherwise); every
 * probability is its panel count / m (within DRAW_PROB_EPS). Returns the
 * first failure's status (DRAW_OK when all hold), with why (may be NULL)
 * saying where.
 */
enum draw_status draw_verify(const struct draw_record *d, struct draw_failure *why)
    PNYX_NONNULL(1) PNYX_MUSTCHECK;

/*
 * Checks one panel (k ascending indices < n) against the quotas and
 * households of the pool: DRAW_OK, DRAW_EPANEL, DRAW_EQUOTA,
 * DRAW_EHOUSEHOLD, DRAW_EINVAL (a respondent value without a quota row)
 * or DRAW_ENOMEM. The same rules as draw_verify, for one panel (the
 * server checks the engine's lottery with it before publishing).
 */
enum draw_status draw_panel_check(const struct draw_record *d, const uint32_t *panel,
                                  struct draw_failure *why) PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* draw_panel_check that also writes the panel's count per quota row into
 * counts[0..nquota) (what a pnyx-draw/2 record declares); d must have
 * the values (counts NULL). */
enum draw_status draw_panel_counts(const struct draw_record *d, const uint32_t *panel,
                                   uint32_t *counts, struct draw_failure *why)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

#endif /* PNYX_CORE_SORTITION_DRAW_H */
