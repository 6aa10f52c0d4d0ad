/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * qexport.c — the exports of a tallied question, written in pieces
 * (qresult.h): pnyx-election/1, CSV, BLT, NIST SP 1500-103 CVR JSON and the
 * RCTab contest configuration.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "qresult.h"

static void put_i64(struct election_buf *b, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    qr_put(b, tmp, (size_t)n);
}

static void put_u64(struct election_buf *b, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    qr_put(b, tmp, (size_t)n);
}

static void put_str(struct election_buf *b, const char *s)
{
    election_buf_json_string(b, s, strlen(s));
}

static bool has(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static const char *method_name(enum tally_method m)
{
    return m == TALLY_STV ? "stv" : m == TALLY_SCHULZE ? "schulze" : "irv";
}

static size_t ranks_of(const uint8_t *ranking, size_t len)
{
    size_t n = 0;
    while (n < len && ranking[n] != 0xFF) {
        n++;
    }
    return n;
}

/* ---- pnyx-election/1 ------------------------------------------------------------------- */

/* The rules object: exactly what qr_election_setup sets (defaults omitted). */
static void pnyx_rules(const struct qr_spec *s, struct election_buf *b)
{
    qr_puts(b, "{\"rules_id\": ");
    put_str(b, qr_rules_id(s->method));
    qr_puts(b, ", \"tiebreak\": ");
    put_str(b, s->method == TALLY_SCHULZE ? "random" : "previous_rounds_then_random");
    qr_puts(b, ", \"random_seed\": ");
    put_i64(b, s->seed);
    qr_puts(b, ", \"excluded\": [");
    bool first = true;
    for (int i = 0; i < s->n_options; i++) {
        if (s->excluded[i]) {
            qr_puts(b, first ? "" : ", ");
            put_str(b, s->option_ids[i]);
            first = false;
        }
    }
    qr_puts(b, "]");
    if (has(s->country_cap)) {
        qr_puts(b, ", \"country_cap\": ");
        put_str(b, s->country_cap);
    }
    if (has(s->dm_share)) {
        qr_puts(b, ", \"double_majority\": {\"min_country_share\": ");
        put_str(b, s->dm_share);
        qr_puts(b, "}");
    }
    qr_puts(b, "}");
}

void qr_pnyx_head(const struct qr_spec *s, struct election_buf *b)
{
    qr_puts(b, "{\"format\": \"pnyx-election/1\",\n \"name\": ");
    put_str(b, s->title != NULL ? s->title : "");
    qr_puts(b, ",\n \"question\": ");
    put_i64(b, s->qid);
    qr_puts(b, ", \"method\": ");
    put_str(b, method_name(s->method));
    qr_puts(b, ", \"seats\": ");
    put_i64(b, s->seats);
    qr_puts(b, ",\n \"options\": [");
    for (int i = 0; i < s->n_options; i++) {
        qr_puts(b, i ? ", " : "");
        put_str(b, s->option_ids[i]);
    }
    qr_puts(b, "]");
    if (s->labels != NULL) {
        qr_puts(b, ",\n \"labels\": {");
        for (int i = 0; i < s->n_options; i++) {
            qr_puts(b, i ? ", " : "");
            put_str(b, s->option_ids[i]);
            qr_puts(b, ": ");
            put_str(b, s->labels[i] != NULL ? s->labels[i] : "");
        }
        qr_puts(b, "}");
    }
    qr_puts(b, ",\n \"rules\": ");
    pnyx_rules(s, b);
    qr_puts(b, ",\n \"ballots\": [");
}

void qr_pnyx_ballot(const struct qr_spec *s, bool first, const uint8_t *ranking, size_t len,
                    const char country[2], uint64_t count, struct election_buf *b)
{
    size_t n = ranks_of(ranking, len);
    qr_puts(b, first ? "\n  {\"ranking\": [" : ",\n  {\"ranking\": [");
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            qr_puts(b, ", ");
        }
        qr_puts(b, "\"");
        if (ranking[i] < s->n_options) {
            qr_puts(b, s->option_ids[ranking[i]]);
        }
        qr_puts(b, "\"");
    }
    qr_puts(b, "], \"count\": ");
    put_u64(b, count);
    qr_puts(b, ", \"country\": \"");
    qr_put(b, country, 2);
    qr_puts(b, "\"}");
}

void qr_pnyx_tail(const char *result, size_t len, struct election_buf *b)
{
    qr_puts(b, "],\n \"result\": ");
    if (len > 0 && result[len - 1] == '\n') {
        len--;
    }
    if (len > 0) {
        qr_put(b, result, len);
    } else {
        qr_puts(b, "null");
    }
    qr_puts(b, "}\n");
}

/* ---- CSV -------------------------------------------------------------------------------- */

void qr_csv_head(const struct qr_spec *s, struct election_buf *b)
{
    qr_puts(b, "receipt,country");
    int w = qr_width(s);
    for (int i = 1; i <= w; i++) {
        char tmp[24];
        int n = snprintf(tmp, sizeof tmp, ",rank%d", i);
        qr_put(b, tmp, (size_t)n);
    }
    qr_puts(b, "\r\n");
}

void qr_csv_row(const struct qr_spec *s, const char receipt_hex[64], const char country[2],
                const uint8_t *ranking, size_t len, struct election_buf *b)
{
    qr_put(b, receipt_hex, 64);
    qr_puts(b, ",");
    qr_put(b, country, 2);
    size_t n = ranks_of(ranking, len);
    int w = qr_width(s);
    for (int i = 0; i < w; i++) {
        qr_puts(b, ",");
        if ((size_t)i < n && ranking[i] < s->n_options) {
            qr_puts(b, s->option_ids[ranking[i]]);
        }
    }
    qr_puts(b, "\r\n");
}

/* ---- BLT -------------------------------------------------------------------------------- */

void qr_blt_head(const struct qr_spec *s, struct election_buf *b)
{
    put_i64(b, s->n_options);
    qr_puts(b, " ");
    put_i64(b, s->seats);
    qr_puts(b, "\n");
    bool any = false;
    for (int i = 0; i < s->n_options; i++) {
        if (s->excluded[i]) {
            qr_puts(b, any ? " " : "");
            put_i64(b, -(int64_t)(i + 1));
            any = true;
        }
    }
    if (any) {
        qr_puts(b, "\n");
    }
}

void qr_blt_ballot(const uint8_t *ranking, size_t len, uint64_t count, struct election_buf *b)
{
    size_t n = ranks_of(ranking, len);
    put_u64(b, count);
    for (size_t i = 0; i < n; i++) {
        qr_puts(b, " ");
        put_i64(b, (int64_t)ranking[i] + 1);
    }
    qr_puts(b, " 0\n");
}

/* A BLT name: in double quotes, which it cannot contain (no escape exists):
 * '"' becomes '\'', and line breaks become spaces. */
static void blt_name(struct election_buf *b, const char *s)
{
    qr_puts(b, "\"");
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p == '"' ? '\'' : (*p == '\n' || *p == '\r') ? ' ' : *p;
        qr_put(b, &c, 1);
    }
    qr_puts(b, "\"\n");
}

void qr_blt_tail(const struct qr_spec *s, struct election_buf *b)
{
    qr_puts(b, "0\n");
    for (int i = 0; i < s->n_options; i++) {
        blt_name(b, s->labels != NULL && has(s->labels[i]) ? s->labels[i] : s->option_ids[i]);
    }
    blt_name(b, s->title != NULL ? s->title : "");
}

/* ---- NIST SP 1500-103 CVR (JSON) --------------------------------------------------------- */

void qr_cdf_head(const struct qr_spec *s, const char (*countries)[3], size_t n,
                 struct election_buf *b)
{
    qr_puts(b, "{\"@type\": \"CVR.CastVoteRecordReport\", \"Version\": \"1.0.0\",\n"
               " \"ReportType\": [\"other\"], \"OtherReportType\": \"pnyx-board\",\n"
               " \"ReportGeneratingDeviceIds\": [\"pnyx\"],\n"
               " \"ReportingDevice\": [{\"@id\": \"pnyx\", \"@type\": \"CVR.ReportingDevice\", "
               "\"Application\": \"pnyx\"}],\n"
               " \"Party\": [],\n \"GpUnit\": [");
    for (size_t i = 0; i < n; i++) {
        qr_puts(b, i ? ",\n  " : "\n  ");
        qr_puts(b, "{\"@id\": \"gpu-");
        qr_put(b, countries[i], 2);
        qr_puts(b, "\", \"@type\": \"CVR.GpUnit\", \"Type\": \"other\", \"OtherType\": "
                   "\"country\", \"Name\": \"");
        qr_put(b, countries[i], 2);
        qr_puts(b, "\"}");
    }
    qr_puts(b, "],\n \"Election\": [{\"@id\": \"election-1\", \"@type\": \"CVR.Election\", "
               "\"Name\": ");
    put_str(b, s->title != NULL ? s->title : "");
    qr_puts(b, ", \"ElectionScopeId\": \"gpu-scope\",\n  \"Candidate\": [");
    for (int i = 0; i < s->n_options; i++) {
        qr_puts(b, i ? ",\n   " : "\n   ");
        qr_puts(b, "{\"@id\": \"cand-");
        qr_puts(b, s->option_ids[i]);
        qr_puts(b, "\", \"@type\": \"CVR.Candidate\", \"Name\": \"");
        qr_puts(b, s->option_ids[i]);
        qr_puts(b, "\"}");
    }
    qr_puts(b, "],\n  \"Contest\": [{\"@id\": \"contest-1\", \"@type\": \"CVR.CandidateContest\", "
               "\"Name\": \"question-");
    put_i64(b, s->qid);
    qr_puts(b, "\", \"VoteVariation\": \"");
    qr_puts(b, s->method == TALLY_STV ? "stv" : "rcv");
    qr_puts(b, "\", \"NumberElected\": ");
    put_i64(b, s->seats);
    qr_puts(b, ", \"VotesAllowed\": 1,\n   \"ContestSelection\": [");
    for (int i = 0; i < s->n_options; i++) {
        qr_puts(b, i ? ",\n    " : "\n    ");
        qr_puts(b, "{\"@id\": \"cs-");
        qr_puts(b, s->option_ids[i]);
        qr_puts(b, "\", \"@type\": \"CVR.CandidateSelection\", \"CandidateIds\": [\"cand-");
        qr_puts(b, s->option_ids[i]);
        qr_puts(b, "\"]}");
    }
    qr_puts(b, "]}]}],\n \"CVR\": [");
}

void qr_cdf_cvr(const struct qr_spec *s, bool first, int64_t index, const char receipt_hex[64],
                const char country[2], const uint8_t *ranking, size_t len, struct election_buf *b)
{
    size_t n = ranks_of(ranking, len);
    qr_puts(b, first ? "\n  " : ",\n  ");
    qr_puts(b, "{\"@type\": \"CVR.CVR\", \"BallotPrePrintedId\": \"");
    qr_put(b, receipt_hex, 64);
    qr_puts(b, "\", \"BallotStyleUnitId\": \"gpu-");
    qr_put(b, country, 2);
    qr_puts(b, "\", \"ElectionId\": \"election-1\", \"CurrentSnapshotId\": \"ss-");
    put_i64(b, index);
    qr_puts(b, "\", \"CVRSnapshot\": [{\"@id\": \"ss-");
    put_i64(b, index);
    qr_puts(b, "\", \"@type\": \"CVR.CVRSnapshot\", \"Type\": \"original\", \"CVRContest\": "
               "[{\"@type\": \"CVR.CVRContest\", \"ContestId\": \"contest-1\", "
               "\"CVRContestSelection\": [");
    for (size_t i = 0; i < n; i++) {
        if (ranking[i] >= s->n_options) {
            continue;
        }
        qr_puts(b, i ? ", " : "");
        qr_puts(b, "{\"@type\": \"CVR.CVRContestSelection\", \"ContestSelectionId\": \"cs-");
        qr_puts(b, s->option_ids[ranking[i]]);
        qr_puts(b, "\", \"SelectionPosition\": [{\"@type\": \"CVR.SelectionPosition\", "
                   "\"HasIndication\": \"yes\", \"IsAllocable\": \"yes\", \"NumberVotes\": 1, "
                   "\"Rank\": ");
        put_i64(b, (int64_t)i + 1);
        qr_puts(b, "}]}");
    }
    qr_puts(b, "]}]}]}");
}

void qr_cdf_tail(struct election_buf *b)
{
    qr_puts(b, "]}\n");
}

/* ---- RCTab contest configuration ---------------------------------------------------------- */

void qr_rctab_config(const struct qr_spec *s, const char *cvr_file, struct election_buf *b)
{
    char contest[40];
    (void)snprintf(contest, sizeof contest, "question-%" PRId64, s->qid);
    qr_puts(b, "{\n  \"tabulatorVersion\": \"1.3.2\",\n  \"outputSettings\": {\"contestName\": ");
    put_str(b, s->title != NULL && s->title[0] ? s->title : contest);
    qr_puts(b, ", \"outputDirectory\": \"output\", \"contestDate\": \"\", "
               "\"contestJurisdiction\": \"\", \"contestOffice\": \"\", "
               "\"tabulateByBatch\": false, \"tabulateByPrecinct\": true, "
               "\"generateCdfJson\": false},\n");
    qr_puts(b, "  \"cvrFileSources\": [{\"filePath\": ");
    put_str(b, cvr_file);
    qr_puts(b, ", \"contestId\": \"");
    qr_puts(b, contest);
    qr_puts(b, "\", \"idColumnIndex\": \"\", \"batchColumnIndex\": \"\", "
               "\"precinctColumnIndex\": \"\", \"overvoteDelimiter\": \"\", \"provider\": \"cdf\", "
               "\"overvoteLabel\": \"\", \"skippedRankLabel\": \"\", \"undeclaredWriteInLabel\": "
               "\"\", \"treatBlankAsUndeclaredWriteIn\": false}],\n  \"candidates\": [");
    for (int i = 0; i < s->n_options; i++) {
        qr_puts(b, i ? ",\n    " : "\n    ");
        qr_puts(b, "{\"name\": \"");
        qr_puts(b, s->option_ids[i]);
        qr_puts(b, "\", \"excluded\": ");
        qr_puts(b, s->excluded[i] ? "true" : "false");
        qr_puts(b, "}");
    }
    qr_puts(b, "],\n  \"rules\": {\"tiebreakMode\": ");
    put_str(b, s->method == TALLY_SCHULZE ? "random" : "previousRoundCountsThenRandom");
    qr_puts(b, ", \"overvoteRule\": \"exhaustImmediately\", \"winnerElectionMode\": ");
    put_str(b, s->method == TALLY_STV && s->seats > 1 ? "multiWinnerAllowMultipleWinnersPerRound"
                                                      : "singleWinnerMajority");
    qr_puts(b, ", \"randomSeed\": \"");
    put_i64(b, s->seed);
    qr_puts(b, "\", \"numberOfWinners\": \"");
    put_i64(b, s->method == TALLY_SCHULZE ? 1 : s->seats);
    qr_puts(b, "\", \"multiSeatBottomsUpPercentageThreshold\": \"\", "
               "\"decimalPlacesForVoteArithmetic\": \"4\", \"minimumVoteThreshold\": \"0\", "
               "\"maxSkippedRanksAllowed\": \"unlimited\", \"maxRankingsAllowed\": \"");
    if (s->max_rankings > 0) {
        put_i64(b, s->max_rankings);
    } else {
        qr_puts(b, "max");
    }
    qr_puts(b, "\", \"nonIntegerWinningThreshold\": false, "
               "\"doesFirstRoundDetermineThreshold\": false, \"hareQuota\": false, "
               "\"batchElimination\": false, \"continueUntilTwoCandidatesRemain\": false, "
               "\"stopTabulationEarlyAfterRound\": \"\", \"exhaustOnDuplicateCandidate\": false, "
               "\"treatBlankAsUndeclaredWriteIn\": false, \"rulesDescription\": ");
    char desc[200];
    (void)snprintf(desc, sizeof desc, "%s%s%s%s", qr_rules_id(s->method),
                   s->method == TALLY_SCHULZE ? " (Schulze: RCTab cannot recount it; IRV settings)"
                                              : "",
                   has(s->country_cap) ? " (country cap not applied by RCTab)" : "",
                   has(s->dm_share) ? " (double majority not checked by RCTab)" : "");
    put_str(b, desc);
    qr_puts(b, "}\n}\n");
}
