/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/ballot_util.h — fixtures for the ballot tests, written
 * straight into the database so a test of 1,000 voters does not spend its
 * time on 1,000 registrations and argon2 logins:
 *   bu_voters     N accounts (countries in turn from a list), one assembly
 *                 (public or members only; invite), memberships (the first
 *                 a convener) and a bearer session each;
 *   bu_open       a question in state open exactly as opening leaves it
 *                 (sql/010's slot design): options, the roll (active
 *                 non-observers with their country), roll_size empty slots
 *                 with random keys inserted in random order, fixed-width
 *                 filler;
 *   bu_seal       the close: filled slots rewritten in receipt order with
 *                 board_index and countries under 10 ballots folded to
 *                 "ZZ", empty slots and idempotency rows deleted,
 *                 ballot_count and board_root (RFC 9162 over the board
 *                 entries of core/ballot) stored.
 * The question lifecycle's own API (open, close) is tested by its owner;
 * these fixtures only stand in for it. Header-only (static functions).
 */
#ifndef PNYX_TESTS_BALLOT_UTIL_H
#define PNYX_TESTS_BALLOT_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "core/audit/merkle.h"
#include "core/ballot/ballot.h"
#include "harness.h"

#define BU_FN static __attribute__((unused))

BU_FN PGconn *bu_db(void)
{
    PGconn *c = PQconnectdb(h_db_url());
    cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    return c;
}

/* Runs sql (no parameters); returns the result (caller clears). */
BU_FN PGresult *bu_sql(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    cr_assert(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql,
              PQresultErrorMessage(r));
    return r;
}

BU_FN void bu_exec(PGconn *c, const char *sql)
{
    PQclear(bu_sql(c, sql));
}

BU_FN long long bu_int(PGconn *c, const char *sql)
{
    PGresult *r = bu_sql(c, sql);
    cr_assert(PQntuples(r) == 1 && !PQgetisnull(r, 0, 0), "%s: no value", sql);
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

struct bu_voters {
    long long aid;
    int n;
    long long *ids;
    char (*tokens)[48];
    char (*auth)[80]; /* "Authorization: Bearer …" */
};

/*
 * n voters in a new assembly; countries: comma-separated two-letter codes
 * given in turn ("DE,FR,IT"); is_public: the assembly's visibility.
 */
BU_FN struct bu_voters bu_voters(PGconn *c, int n, const char *countries, bool is_public)
{
    struct bu_voters v = {.n = n};
    v.ids = calloc((size_t)n, sizeof *v.ids);
    v.tokens = calloc((size_t)n, sizeof *v.tokens);
    v.auth = calloc((size_t)n, sizeof *v.auth);
    const char *tag = h_unique("voter");
    char sql[2048];
    bu_exec(c, "BEGIN");
    snprintf(sql, sizeof sql,
             "INSERT INTO accounts (email, display_name, password_hash, country, languages) "
             "SELECT '%s-' || g || '@example.org', 'Voter ' || g, "
             "'$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA', "
             "(string_to_array('%s', ','))[1 + (g - 1) %% cardinality(string_to_array('%s', ','))],"
             " '{en}' FROM generate_series(1, %d) g",
             tag, countries, countries, n);
    bu_exec(c, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO assemblies (title, visibility, join_policy, default_language, "
             "created_by) SELECT 'Ballots %s', '%s', 'invite', 'en', min(id) FROM accounts "
             "WHERE email LIKE '%s-%%' RETURNING id",
             tag, is_public ? "public" : "members", tag);
    v.aid = bu_int(c, sql);
    /* the assembly's empty audit log, as creating it through the API makes */
    snprintf(sql, sizeof sql,
             "INSERT INTO audit_heads (assembly_id, size, root, frontier) "
             "VALUES (%lld, 0, sha256(''::bytea), ''::bytea)",
             v.aid);
    bu_exec(c, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO memberships (assembly_id, account_id, role, status) "
             "SELECT %lld, id, CASE WHEN id = min(id) OVER () THEN 'convener' ELSE 'member' END, "
             "'active' FROM accounts WHERE email LIKE '%s-%%'",
             v.aid, tag);
    bu_exec(c, sql);
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE bu_tok ON COMMIT DROP AS SELECT id AS account_id, "
             "decode(md5(random()::text) || md5(random()::text), 'hex') AS raw "
             "FROM accounts WHERE email LIKE '%s-%%'",
             tag);
    bu_exec(c, sql);
    bu_exec(c, "INSERT INTO sessions (account_id, token_hash, csrf_hash, created_at, "
               "last_seen_at, expires_at) SELECT account_id, sha256(raw), sha256(raw || "
               "'\\x00'::bytea), now(), now(), now() + interval '1 day' FROM bu_tok");
    PGresult *r = bu_sql(c, "SELECT account_id, translate(rtrim(encode(raw, 'base64'), '='), "
                            "'+/', '-_') FROM bu_tok ORDER BY account_id");
    cr_assert_eq(PQntuples(r), n);
    for (int i = 0; i < n; i++) {
        v.ids[i] = atoll(PQgetvalue(r, i, 0));
        snprintf(v.tokens[i], sizeof v.tokens[i], "%s", PQgetvalue(r, i, 1));
        snprintf(v.auth[i], sizeof v.auth[i], "Authorization: Bearer %s", v.tokens[i]);
    }
    PQclear(r);
    bu_exec(c, "COMMIT");
    return v;
}

BU_FN void bu_voters_free(struct bu_voters *v)
{
    free(v->ids);
    free(v->tokens);
    free(v->auth);
}

struct bu_question {
    int n_options;
    const char *secrecy;   /* "secret" (default) | "roll_call" */
    int max_rankings;      /* 0 = none */
    int excluded;          /* position excluded, or -1 (0 means none too) */
    const char *closes_in; /* interval, default '1 hour' */
    const char *state;     /* default "open" */
};

/* A question of assembly aid, opened as the lifecycle opens one. */
BU_FN long long bu_open(PGconn *c, long long aid, long long author, struct bu_question q)
{
    char sql[2048];
    int n = q.n_options ? q.n_options : 4;
    bu_exec(c, "BEGIN");
    char mr[16] = "NULL";
    if (q.max_rankings > 0)
        snprintf(mr, sizeof mr, "%d", q.max_rankings);
    snprintf(sql, sizeof sql,
             "INSERT INTO questions (assembly_id, author_id, language, title, method, seats, "
             "secrecy, max_rankings, closes_at, state, opened_at) VALUES (%lld, %lld, 'en', "
             "'Which?', 'irv', 1, '%s', %s, now() + interval '%s', '%s', now()) RETURNING id",
             aid, author, q.secrecy ? q.secrecy : "secret", mr,
             q.closes_in ? q.closes_in : "1 hour", q.state ? q.state : "open");
    long long qid = bu_int(c, sql);
    for (int i = 0; i < n; i++) {
        char id[3];
        ballot_option_id((unsigned)i, id);
        snprintf(sql, sizeof sql,
                 "INSERT INTO question_options (question_id, position, option_id, label, "
                 "excluded) VALUES (%lld, %d, '%s', 'Option %s', %s)",
                 qid, i, id, id, q.excluded > 0 && i == q.excluded ? "true" : "false");
        bu_exec(c, sql);
    }
    snprintf(sql, sizeof sql,
             "INSERT INTO question_roll (question_id, account_id, country) "
             "SELECT %lld, m.account_id, a.country FROM memberships m JOIN accounts a "
             "ON a.id = m.account_id WHERE m.assembly_id = %lld AND m.status = 'active' "
             "AND m.role <> 'observer'",
             qid, aid);
    bu_exec(c, sql);
    snprintf(sql, sizeof sql,
             "UPDATE questions SET roll_size = (SELECT count(*) FROM question_roll "
             "WHERE question_id = %lld) WHERE id = %lld",
             qid, qid);
    bu_exec(c, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO ballots (question_id, slot, receipt, ranking, country) "
             "SELECT %lld, k, decode(md5(random()::text) || md5(random()::text), 'hex'), "
             "decode(repeat('ff', %d), 'hex'), 'ZZ' FROM (SELECT DISTINCT "
             "(floor((random() * 2 - 1) * 9.2e18))::bigint AS k FROM question_roll "
             "WHERE question_id = %lld) s ORDER BY random()",
             qid, n, qid);
    bu_exec(c, sql);
    bu_exec(c, "COMMIT");
    return qid;
}

/* The seal (see the banner); returns the board size. root_hex gets the
 * board root (65 bytes) when not NULL. */
BU_FN int bu_seal(PGconn *c, long long qid, char *root_hex)
{
    char sql[2048];
    bu_exec(c, "BEGIN");
    snprintf(sql, sizeof sql,
             "WITH f AS (DELETE FROM ballots WHERE question_id = %lld RETURNING *) "
             "INSERT INTO ballots (question_id, slot, filled, receipt, ranking, country, "
             "board_index) SELECT question_id, row_number() OVER (ORDER BY receipt) - 1, true, "
             "receipt, ranking, "
             "CASE WHEN count(*) OVER (PARTITION BY country) < 10 THEN 'ZZ' ELSE country END, "
             "row_number() OVER (ORDER BY receipt) - 1 FROM f WHERE filled ORDER BY receipt",
             qid);
    bu_exec(c, sql);
    snprintf(sql, sizeof sql,
             "SELECT encode(receipt, 'hex'), encode(ranking, 'hex'), country FROM ballots "
             "WHERE question_id = %lld ORDER BY board_index",
             qid);
    PGresult *r = bu_sql(c, sql);
    struct merkle_mem m;
    merkle_mem_init(&m);
    struct jcs_buf b;
    jcs_buf_init(&b);
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        const char *rh = PQgetvalue(r, i, 1);
        uint8_t ranking[100];
        size_t len = strlen(rh) / 2;
        for (size_t k = 0; k < len; k++) {
            unsigned v;
            sscanf(rh + 2 * k, "%2x", &v);
            ranking[k] = (uint8_t)v;
        }
        cr_assert_eq(ballot_board_entry(&b, ranking, len, PQgetvalue(r, i, 2), PQgetvalue(r, i, 0)),
                     0);
        cr_assert_eq(merkle_mem_append_entry(&m, b.data, b.len), AUDIT_OK);
    }
    PQclear(r);
    uint8_t root[32];
    merkle_frontier_root(&m.frontier, root);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", root[i]);
    if (root_hex)
        memcpy(root_hex, hex, 65);
    merkle_mem_fini(&m);
    jcs_buf_fini(&b);
    snprintf(sql, sizeof sql,
             "UPDATE questions SET state = 'closed', closed_at = now(), ballot_count = %d, "
             "board_root = '\\x%s', closed_log_size = 7 WHERE id = %lld",
             n, hex, qid);
    bu_exec(c, sql);
    snprintf(sql, sizeof sql, "DELETE FROM ballot_idempotency WHERE question_id = %lld", qid);
    bu_exec(c, sql);
    bu_exec(c, "COMMIT");
    return n;
}

/* POST a ballot {ranking: ids (comma-separated)} as voter auth (a full
 * "Authorization: …" header), with an optional extra header. */
BU_FN struct h_resp *bu_cast(struct h_server *s, long long qid, const char *auth, const char *ids,
                             const char *extra)
{
    char path[96], body[1024];
    snprintf(path, sizeof path, "/api/v1/questions/%lld/ballots", qid);
    size_t o = (size_t)snprintf(body, sizeof body, "{\"ranking\":[");
    const char *p = ids;
    bool first = true;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        o += (size_t)snprintf(body + o, sizeof body - o, "%s\"%.*s\"", first ? "" : ",", (int)len,
                              p);
        first = false;
        p += len + (e ? 1 : 0);
    }
    snprintf(body + o, sizeof body - o, "]}");
    const char *hs[3] = {auth, extra, NULL};
    return h_request(s, "POST", path, body, hs);
}

/* The problem slug of a reply ("" when it is not a problem). */
BU_FN const char *bu_slug(const struct h_resp *r)
{
    const char *t = r && r->json ? json_string_value(json_object_get(r->json, "type")) : NULL;
    const char *sl = t ? strrchr(t, '/') : NULL;
    return sl ? sl + 1 : "";
}

/* One cast of a race (tests of concurrent casts), run by bu_race on its
 * own thread: in s, qid, auth, ids, extra; out the status, the problem
 * slug and the receipt. */
struct bu_racer {
    struct h_server *s;
    long long qid;
    const char *auth;
    const char *extra;
    const char *ids;
    long status;
    char slug[48];
    char receipt[65];
};

BU_FN void *bu_race(void *p)
{
    struct bu_racer *r = p;
    struct h_resp *resp = bu_cast(r->s, r->qid, r->auth, r->ids, r->extra);
    r->status = resp ? resp->status : 0;
    const char *rc =
        resp && resp->json ? json_string_value(json_object_get(resp->json, "receipt")) : NULL;
    snprintf(r->receipt, sizeof r->receipt, "%s", rc ? rc : "");
    snprintf(r->slug, sizeof r->slug, "%s", bu_slug(resp));
    h_resp_free(resp);
    return NULL;
}

#endif /* PNYX_TESTS_BALLOT_UTIL_H */
