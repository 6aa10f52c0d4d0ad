/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/result/qresult.h — what a question's count publishes (issue 11),
 * as pure functions: no I/O, no database, no clock, no Jansson.
 *
 *   the election   a closed question's board (rows of stored rankings and
 *                  folded countries) → core/tally's streaming builder, with
 *                  the rules its rules id fixes (core/tally/README.md,
 *                  "Rules ids and Pnyx's defaults");
 *   the status     quorum (turnout of the roll, countries among voters) and
 *                  the double majority → tallied | no_quorum |
 *                  no_double_majority;
 *   the result     the bytes GET …/result serves: the server's members,
 *                  then pnyx-tally's §10 output for the same election BYTE
 *                  FOR BYTE (see qr_result_write);
 *   the exports    pnyx-election/1 (grouped ballots, rules, the result),
 *                  NIST SP 1500-103 CVR JSON as RCTab reads it plus the
 *                  RCTab contest configuration, BLT, CSV — each written in
 *                  pieces (head, one ballot or group at a time, tail) so a
 *                  caller can stream a million ballots with bounded memory.
 *
 * Every writer appends to a struct election_buf (codec/election), whose
 * allocation failure is sticky (b->oom) and checked by the caller.
 */
#ifndef PNYX_CODEC_RESULT_QRESULT_H
#define PNYX_CODEC_RESULT_QRESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/election/election.h"
#include "core/tally/tally.h"

#define QR_MAX_OPTIONS 100

/* A question as its count needs it (all borrowed). */
struct qr_spec {
    int64_t qid;
    const char *title; /* the election's "name"; may be NULL ("") */
    enum tally_method method;
    int seats;
    int n_options;
    const char (*option_ids)[3]; /* n_options ids, position order */
    const char *const *labels;   /* n_options labels, or NULL (exports leave them out) */
    const bool *excluded;        /* n_options */
    const char *country_cap;     /* canonical decimal text, "" or NULL = none */
    const char *dm_share;        /* min_country_share, "" or NULL = no double majority */
    int max_rankings;            /* -1 = null (the ballot has up to n_options ranks) */
    int64_t seed;                /* tally_seed_from_root(log root at closing) */
};

/* "pnyx-irv/1", "pnyx-stv/1", "pnyx-schulze/1". */
const char *qr_rules_id(enum tally_method m);
/* "irv" | "stv" | "schulze" → the method; -1 when unknown. */
int qr_method_parse(const char *s);
/* Ranks a ballot of this question may hold (max_rankings, else the option count). */
int qr_width(const struct qr_spec *s);

/*
 * Sets up e (tally_election_init'ed by the caller) for question s: method,
 * seats, options, and the rules of its rules id (tiebreak, random_seed,
 * excluded, country_cap, double_majority, rules_id). TALLY_OK or the
 * builder's failure (err says why).
 */
int qr_election_setup(const struct qr_spec *s, struct tally_election *e, struct tally_error *err);

/*
 * Adds `count` ballots of one board row: ranking = the stored bytes (option
 * positions, padded with 0xFF), len of them; country = two letters (folded).
 * TALLY_EINVAL for a position beyond the options or a bad country.
 */
int qr_election_add(struct tally_election *e, const uint8_t *ranking, size_t len,
                    const char country[2], uint64_t count, struct tally_error *err);

/* ---- status ------------------------------------------------------------------------ */

/* QR_NOT_COUNTED: the engine refused this board under the question's rules
 * (e.g. a country cap with no ballot to weigh, or a cap factor that
 * truncates to 0): the refusal is published as the result, so the question
 * still ends — never stays closed, retried forever. */
enum qr_status { QR_TALLIED = 0, QR_NO_QUORUM, QR_NO_DOUBLE_MAJORITY, QR_NOT_COUNTED };
const char *qr_status_name(enum qr_status st);

/*
 * The quorum: ballots / roll_size ≥ min_turnout (exact) and countries ≥
 * min_countries, and at least one ballot (a count of nothing decides
 * nothing). turnout_out (≥ 48 bytes) gets ballots / roll_size truncated to
 * 4 decimals, canonical ("0.8333", "1", "0"). min_turnout: canonical
 * decimal text ("0" = none); a malformed one counts as not met.
 */
bool qr_quorum(int64_t ballots, int64_t roll_size, int64_t countries, const char *min_turnout,
               int min_countries, char *turnout_out);

/* The status: no_quorum first, then no_double_majority when the count has
 * a double majority that is not met, else tallied. */
enum qr_status qr_status_of(bool quorum_met, const struct tally_result *r);

/* ---- the result bytes -------------------------------------------------------------- */

/* The server's members of the result (borrowed). */
struct qr_meta {
    int64_t qid;
    enum qr_status status;
    const char *method; /* "irv" … */
    int seats;
    int64_t ballots, roll_size, countries;
    const char *turnout; /* from qr_quorum */
    const char *min_turnout;
    int min_countries;
    bool quorum_met;
    const char *board_root_hex; /* 64 hex digits, or NULL */
    int64_t seed;
    const char *refusal; /* QR_NOT_COUNTED: the engine's reason (one line) */
};

/*
 * Appends the result: `{` + the server members (question, status, method,
 * seats, ballots, roll_size, turnout, countries, quorum {min_turnout,
 * min_countries, met}, board_root, seed), each followed by ", " + then
 * pnyx-tally's output for (e, r) without its leading `{` — i.e.
 *
 *   "{" + result[index of the first "\"rules_id\""..] == pnyx-tally's stdout
 *
 * byte for byte (trailing newline included): that is what the export test
 * compares. For QR_NOT_COUNTED the tail is pnyx-tally's refusal instead,
 * {"error": refusal} (e and r unused), so "{" + result[index of the first
 * "\"error\""..] is what pnyx-tally prints on the export. Returns 0, or -1
 * when out of memory.
 */
int qr_result_write(const struct qr_meta *m, const struct tally_election *e,
                    const struct tally_result *r, struct election_buf *b);

/* Winners of the count as JSON ids, e.g. ["A","C"] (for tally.published). */
void qr_winners_json(const struct tally_election *e, const struct tally_result *r,
                     struct election_buf *b);

/* ---- exports ------------------------------------------------------------------------ */

/*
 * pnyx-election/1: head = {"format","name","question","method","seats",
 * "options","labels"?,"rules":{…},"ballots":[ ; then one qr_pnyx_ballot per
 * group (first = true for the first); then qr_pnyx_tail with the stored
 * result bytes ("result": …}). The rules are exactly qr_election_setup's,
 * so pnyx-tally counts the file as the server counted the board.
 */
void qr_pnyx_head(const struct qr_spec *s, struct election_buf *b);
void qr_pnyx_ballot(const struct qr_spec *s, bool first, const uint8_t *ranking, size_t len,
                    const char country[2], uint64_t count, struct election_buf *b);
void qr_pnyx_tail(const char *result, size_t len, struct election_buf *b);

/* CSV (RFC 4180, CRLF): receipt,country,rank1..rankN (N = qr_width), one
 * row per ballot in board order, empty cells past the ballot's last rank. */
void qr_csv_head(const struct qr_spec *s, struct election_buf *b);
void qr_csv_row(const struct qr_spec *s, const char receipt_hex[64], const char country[2],
                const uint8_t *ranking, size_t len, struct election_buf *b);

/*
 * BLT (OpenSTV / eSTV): "<options> <seats>", the withdrawn line (negative
 * 1-based positions of excluded options) if any, one line "<count> <p1> …
 * 0" per ranking group, "0", then each option's name in quotes (its label,
 * '"' replaced by '\'', else its id) and the title in quotes. BLT has no
 * countries: a question with a country cap or double majority recounts
 * without them.
 */
void qr_blt_head(const struct qr_spec *s, struct election_buf *b);
void qr_blt_ballot(const uint8_t *ranking, size_t len, uint64_t count, struct election_buf *b);
void qr_blt_tail(const struct qr_spec *s, struct election_buf *b);

/*
 * NIST SP 1500-103 cast vote records, JSON, as RCTab's CDF reader takes
 * them: head = the report with its Election (one Candidate "Name" = option
 * id, one Contest named "question-<qid>" with a ContestSelection per
 * option), a GpUnit per board country (a CVR's BallotStyleUnitId, RCTab's
 * precinct) and "CVR": [ ; one qr_cdf_cvr per ballot (BallotPrePrintedId =
 * the receipt; a CVRContestSelection per ranked option with its Rank); tail
 * closes. countries: n two-letter codes (the board's, folded).
 */
void qr_cdf_head(const struct qr_spec *s, const char (*countries)[3], size_t n,
                 struct election_buf *b);
void qr_cdf_cvr(const struct qr_spec *s, bool first, int64_t index, const char receipt_hex[64],
                const char country[2], const uint8_t *ranking, size_t len, struct election_buf *b);
void qr_cdf_tail(struct election_buf *b);

/*
 * The RCTab contest configuration that recounts that CVR file (file name
 * cvr_file, e.g. "question-12-cvr.json", next to the config): candidates
 * (name = option id, excluded flags), the rules of the rules id in RCTab's
 * terms (tiebreak previousRoundCountsThenRandom / random with randomSeed,
 * winnerElectionMode, numberOfWinners, decimalPlacesForVoteArithmetic 4,
 * overvote exhaustImmediately, …). RCTab has no country cap, double
 * majority or Schulze: a Schulze question's config says so in
 * rulesDescription and uses IRV settings (RCTab cannot recount it).
 */
void qr_rctab_config(const struct qr_spec *s, const char *cvr_file, struct election_buf *b);

/* Appends raw bytes / a C string (exposed so callers share one buffer). */
void qr_put(struct election_buf *b, const char *s, size_t n);
void qr_puts(struct election_buf *b, const char *s);

#endif /* PNYX_CODEC_RESULT_QRESULT_H */
