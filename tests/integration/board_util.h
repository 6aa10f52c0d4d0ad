/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/board_util.h — a DIRECT SQL LOADER for closed
 * questions with big boards (issue 11: result tests and bench/questions).
 *
 * It BYPASSES the cast path on purpose (no ballots POSTed, no slots, no
 * seal, no question.opened / question.closed entries): it writes, in one
 * transaction, a question in state `closed` with its options, a roll, and
 * a board exactly as the seal leaves it — rows in receipt order with
 * board_index 0..n-1, countries with fewer than 10 ballots folded to "ZZ",
 * rankings as stored (option positions padded with 0xFF). board_root is
 * random bytes (the loader builds no Merkle tree) and closed_log_size is
 * the assembly log's size at loading, so the tally's seed is the log root
 * at that size as for a real close. A million ballots load in tens of
 * seconds (multi-row INSERTs of 20,000 rows).
 *
 * Header-only (static functions), libpq; seeded, so a test is repeatable.
 */
#ifndef PNYX_TESTS_BOARD_UTIL_H
#define PNYX_TESTS_BOARD_UTIL_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define BL_FN       static __attribute__((unused))
#define BL_MAX_OPTS 100
#define BL_FOLD_K   10

struct bl_spec {
    const char *title;
    const char *method; /* "irv" | "stv" | "schulze" */
    int seats;
    int k;                   /* options */
    int max_rankings;        /* -1 = null */
    const char *min_turnout; /* NULL = "0" */
    int min_countries;
    const char *country_cap; /* NULL = none */
    const char *dm_share;    /* NULL = none */
    bool adopts;
    const int64_t *proposal_ids; /* k entries (0 = none) or NULL */
    const bool *excluded;        /* k entries or NULL */
    int roll_extra;              /* roll members who did not vote */
    bool roll_accounts;          /* insert voter accounts and roll rows (else roll_size only) */
};

/* A board: n ballots of k option positions (0xFF padded) and raw countries. */
struct bl_board {
    int n, k;
    uint8_t *ranking; /* n * k */
    char (*country)[3];
};

static uint64_t bl_rng;
BL_FN uint64_t bl_next(void)
{
    uint64_t z = (bl_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Seeded voter blocs (so counts are decided) with truncation and noise;
 * countries with skewed sizes, some below the fold limit. pool > 0: draw
 * `pool` voter types (ranking + country) that way, then give each voter a
 * type (skewed: type j with weight ~1/(1 + j/64)), as gen_election.py's
 * "large" model does for a million voters (far fewer distinct ballots). */
BL_FN struct bl_board bl_board_random_pool(int n, int k, int max_rank, uint64_t seed, int pool);
BL_FN struct bl_board bl_board_random(int n, int k, int max_rank, uint64_t seed)
{
    return bl_board_random_pool(n, k, max_rank, seed, 0);
}

BL_FN struct bl_board bl_board_random_pool(int n, int k, int max_rank, uint64_t seed, int pool)
{
    if (pool > 0 && pool < n) {
        struct bl_board t = bl_board_random_pool(pool, k, max_rank, seed, 0);
        struct bl_board b = {.n = n, .k = k};
        b.ranking = malloc((size_t)n * (size_t)k);
        b.country = malloc((size_t)n * sizeof *b.country);
        for (int v = 0; v < n; v++) {
            /* skewed pick: u^2 concentrates voters on the first types */
            double u = (double)(bl_next() >> 11) / 9007199254740992.0;
            int j = (int)(u * u * pool);
            memcpy(b.ranking + (size_t)v * (size_t)k, t.ranking + (size_t)j * (size_t)k, (size_t)k);
            memcpy(b.country[v], t.country[j], 3);
        }
        free(t.ranking);
        free(t.country);
        return b;
    }
    struct bl_board b = {.n = n, .k = k};
    b.ranking = malloc((size_t)n * (size_t)k);
    b.country = malloc((size_t)n * sizeof *b.country);
    bl_rng = seed;
    uint8_t blocs[5][BL_MAX_OPTS];
    for (int q = 0; q < 5; q++) {
        for (int i = 0; i < k; i++)
            blocs[q][i] = (uint8_t)i;
        for (int i = k - 1; i > 0; i--) {
            int j = (int)(bl_next() % (uint64_t)(i + 1));
            uint8_t t = blocs[q][i];
            blocs[q][i] = blocs[q][j];
            blocs[q][j] = t;
        }
    }
    static const char *const cs[] = {"DE", "FR", "IT", "ES", "PL", "NL", "SE", "MT", "LU", "CY"};
    static const int cw[] = {30, 22, 16, 12, 8, 6, 3, 1, 1, 1}; /* per 100 */
    int w = max_rank > 0 && max_rank < k ? max_rank : k;
    for (int v = 0; v < n; v++) {
        uint8_t *r = b.ranking + (size_t)v * (size_t)k;
        int c = (int)(bl_next() % 100), ci = 0;
        while (c >= cw[ci]) {
            c -= cw[ci++];
        }
        snprintf(b.country[v], 3, "%s", cs[ci]);
        memcpy(r, blocs[(ci + (int)(bl_next() % 3)) % 5], (size_t)k);
        for (int s = 0; s < 2; s++) {
            int i = (int)(bl_next() % (uint64_t)k), j = (int)(bl_next() % (uint64_t)k);
            uint8_t t = r[i];
            r[i] = r[j];
            r[j] = t;
        }
        int len = 1 + (int)(bl_next() % (uint64_t)w);
        memset(r + len, 0xFF, (size_t)(k - len));
    }
    return b;
}

BL_FN void bl_board_free(struct bl_board *b)
{
    free(b->ranking);
    free(b->country);
}

BL_FN PGresult *bl_exec(PGconn *pg, const char *sql, int n, const char *const *p)
{
    PGresult *r = PQexecParams(pg, sql, n, NULL, p, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "board_util: %s\n  in: %.200s\n", PQerrorMessage(pg), sql);
        PQclear(r);
        return NULL;
    }
    return r;
}

struct bl_growing {
    char *s;
    size_t len, cap;
};
BL_FN void bl_put(struct bl_growing *g, const char *s, size_t n)
{
    if (g->len + n + 1 > g->cap) {
        g->cap = (g->len + n + 1) * 2;
        g->s = realloc(g->s, g->cap);
    }
    memcpy(g->s + g->len, s, n);
    g->len += n;
    g->s[g->len] = '\0';
}

static int bl_cmp_receipt(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/*
 * Loads a closed question of assembly aid (authored by author) with board
 * b. Returns the question id, or -1 (message on stderr).
 */
BL_FN int64_t bl_load_closed(PGconn *pg, int64_t aid, int64_t author, const struct bl_spec *s,
                             const struct bl_board *b)
{
    char buf[64], aidp[24], authp[24], seats[16], minc[16], maxr[16], rollsz[24], nb[24];
    snprintf(aidp, sizeof aidp, "%" PRId64, aid);
    snprintf(authp, sizeof authp, "%" PRId64, author);
    snprintf(seats, sizeof seats, "%d", s->seats);
    snprintf(minc, sizeof minc, "%d", s->min_countries);
    snprintf(maxr, sizeof maxr, "%d", s->max_rankings);
    snprintf(rollsz, sizeof rollsz, "%d", b->n + s->roll_extra);
    snprintf(nb, sizeof nb, "%d", b->n);
    PGresult *r = bl_exec(pg, "BEGIN", 0, NULL);
    if (r == NULL)
        return -1;
    PQclear(r);
    const char *qp[13] = {aidp,
                          authp,
                          s->title ? s->title : "Loaded question",
                          s->method,
                          seats,
                          s->min_turnout ? s->min_turnout : "0",
                          minc,
                          s->country_cap,
                          s->max_rankings > 0 ? maxr : NULL,
                          s->adopts ? "t" : "f",
                          s->dm_share,
                          rollsz,
                          nb};
    r = bl_exec(
        pg,
        "INSERT INTO questions (assembly_id, author_id, language, title, method, seats, "
        "secrecy, quorum_min_turnout, quorum_min_countries, country_cap, max_rankings, "
        "adopts_proposals, dm_min_country_share, closes_at, state, opened_at, roll_size, "
        "closed_at, close_reason, ballot_count, board_root, closed_log_size) "
        "VALUES ($1, $2, 'en', $3, $4, $5, 'secret', $6, $7, $8, $9, $10, $11, now(), "
        "'closed', now(), $12, now(), 'loaded directly (board_util.h)', $13, "
        "sha256(random()::text::bytea), (SELECT size FROM audit_heads WHERE assembly_id = $1)) "
        "RETURNING id",
        13, qp);
    if (r == NULL) {
        PQclear(bl_exec(pg, "ROLLBACK", 0, NULL));
        return -1;
    }
    int64_t qid = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    char qidp[24];
    snprintf(qidp, sizeof qidp, "%" PRId64, qid);

    /* options */
    for (int i = 0; i < s->k; i++) {
        char pos[16], id[4] = {0}, label[32], prop[24];
        snprintf(pos, sizeof pos, "%d", i);
        if (i < 26) {
            id[0] = (char)('A' + i);
        } else {
            id[0] = (char)('A' + i / 26 - 1);
            id[1] = (char)('A' + i % 26);
        }
        snprintf(label, sizeof label, "Option %s", id);
        bool hasp = s->proposal_ids != NULL && s->proposal_ids[i] > 0;
        if (hasp)
            snprintf(prop, sizeof prop, "%" PRId64, s->proposal_ids[i]);
        const char *op[6] = {
            qidp, pos, id, label, hasp ? prop : NULL, s->excluded && s->excluded[i] ? "t" : "f"};
        r = bl_exec(pg,
                    "INSERT INTO question_options (question_id, position, option_id, label, "
                    "proposal_id, excluded) VALUES ($1, $2, $3, $4, $5, $6)",
                    6, op);
        if (r == NULL)
            goto fail;
        PQclear(r);
    }

    /* the roll: voters with their raw countries, then the absent ones */
    if (s->roll_accounts) {
        struct bl_growing cs = {0};
        bl_put(&cs, "{", 1);
        for (int v = 0; v < b->n + s->roll_extra; v++) {
            bl_put(&cs, v ? "," : "", v ? 1 : 0);
            bl_put(&cs, v < b->n ? b->country[v] : "DE", 2);
        }
        bl_put(&cs, "}", 1);
        const char *rp[3] = {qidp, cs.s, nb};
        r = bl_exec(
            pg,
            "WITH acc AS (INSERT INTO accounts (email, display_name, password_hash, "
            "country, languages) SELECT 'bl-' || $1 || '-' || i || '@example.org', "
            "'Voter ' || i, '$argon2id$loaded', c, '{en}' FROM unnest($2::text[]) WITH "
            "ORDINALITY t(c, i) RETURNING id, country, email) "
            "INSERT INTO question_roll (question_id, account_id, country, voted) "
            "SELECT $1::bigint, id, country, split_part(split_part(email, '-', 3), '@', 1)::int "
            "<= $3::int FROM acc",
            3, rp);
        free(cs.s);
        if (r == NULL)
            goto fail;
        PQclear(r);
    }

    /* the board: folded countries, receipts sorted, board_index = place */
    {
        int nc = 0;
        char names[64][3];
        int counts[64];
        for (int v = 0; v < b->n; v++) {
            int c = 0;
            while (c < nc && strcmp(names[c], b->country[v]) != 0)
                c++;
            if (c == nc && nc < 64) {
                snprintf(names[nc], 3, "%s", b->country[v]);
                counts[nc++] = 0;
            }
            counts[c]++;
        }
        uint8_t(*rc)[32] = malloc((size_t)(b->n > 0 ? b->n : 1) * 32);
        for (int v = 0; v < b->n; v++) {
            for (int j = 0; j < 4; j++) {
                uint64_t x = bl_next();
                memcpy(rc[v] + 8 * j, &x, 8);
            }
        }
        qsort(rc, (size_t)b->n, 32, bl_cmp_receipt);
        const int chunk = 20000;
        for (int v0 = 0; v0 < b->n; v0 += chunk) {
            struct bl_growing R = {0}, K = {0}, C = {0}, I = {0};
            bl_put(&R, "{", 1);
            bl_put(&K, "{", 1);
            bl_put(&C, "{", 1);
            bl_put(&I, "{", 1);
            for (int v = v0; v < b->n && v < v0 + chunk; v++) {
                const char *sep = v > v0 ? "," : "";
                char hex[2 * BL_MAX_OPTS + 70];
                for (int j = 0; j < 32; j++)
                    snprintf(hex + 2 * j, 3, "%02x", rc[v][j]);
                bl_put(&R, sep, strlen(sep));
                bl_put(&R, hex, 64);
                const uint8_t *rk = b->ranking + (size_t)v * (size_t)b->k;
                for (int j = 0; j < b->k; j++)
                    snprintf(hex + 2 * j, 3, "%02x", rk[j]);
                bl_put(&K, sep, strlen(sep));
                bl_put(&K, hex, 2 * (size_t)b->k);
                int c = 0;
                while (c < nc && strcmp(names[c], b->country[v]) != 0)
                    c++;
                bl_put(&C, sep, strlen(sep));
                bl_put(&C, c < nc && counts[c] >= BL_FOLD_K ? b->country[v] : "ZZ", 2);
                snprintf(buf, sizeof buf, "%s%d", sep, v);
                bl_put(&I, buf, strlen(buf));
            }
            bl_put(&R, "}", 1);
            bl_put(&K, "}", 1);
            bl_put(&C, "}", 1);
            bl_put(&I, "}", 1);
            const char *bp[5] = {qidp, R.s, K.s, C.s, I.s};
            r = bl_exec(pg,
                        "INSERT INTO ballots (question_id, slot, filled, receipt, ranking, "
                        "country, board_index) SELECT $1, i, true, decode(r, 'hex'), "
                        "decode(k, 'hex'), c, i FROM unnest($2::text[], $3::text[], $4::text[], "
                        "$5::int[]) t(r, k, c, i)",
                        5, bp);
            free(R.s);
            free(K.s);
            free(C.s);
            free(I.s);
            if (r == NULL) {
                free(rc);
                goto fail;
            }
            PQclear(r);
        }
        free(rc);
    }
    r = bl_exec(pg, "COMMIT", 0, NULL);
    if (r == NULL)
        return -1;
    PQclear(r);
    return qid;
fail:
    PQclear(bl_exec(pg, "ROLLBACK", 0, NULL));
    return -1;
}

#endif /* PNYX_TESTS_BOARD_UTIL_H */
