/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration_audit/test_unlinkability.c — secret-ballot
 * unlinkability against an adversary who holds the database (issue 13).
 *
 * N voters cast ballots on a secret question one after another, in a known
 * order, through a pnyxd logging every request (PNYX_LOG_LEVEL=debug); the
 * question is created, opened and closed through the API, so the real
 * opening and seal run. After the close the adversary gets the server's
 * log, a `pg_dump` of the whole database, SQL over every table (system
 * columns included) and the public record; the test knows which voter
 * cast which receipt and checks that none of those links a ballot to a
 * voter:
 *
 *   dump      receipts and nonces appear in no table but ballots (nonces
 *             nowhere); the ballots rows of the question are exactly the
 *             public board — receipt, ranking, country, board index — in
 *             board order, so neither their content nor the dump's
 *             (physical) order holds anything the board does not publish;
 *   system    every ballot row has the seal's xmin, which no roll row
 *             carries; ctid order and the primary-key (index) order are
 *             board order;
 *   sequences no sequence moved while the ballots were cast; no audit
 *             entry was written per ballot;
 *   times     no table that holds a receipt has a time column; the rows
 *             stamped inside the casting window are listed (they name
 *             voters, never ballots);
 *   log       no line holds a receipt, a nonce or a voter's id or e-mail;
 *   idempotency rows are deleted at close.
 *
 * What an adversary with the data directory or the WAL of the voting
 * window (not a dump) still sees is measured and printed, not asserted:
 * dead pre-seal ballot versions (pageinspect) whose xmin equals a roll
 * row's, and WAL records pairing a roll mark with a slot fill. README
 * "Ballots and their secrecy" states that this is out of scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "ballot_util.h"
#include "harness.h"

#define N 48

static struct h_server *srv;

static void setup(void)
{
    const char *env[] = {"PNYX_LOG_LEVEL=debug", NULL};
    srv = h_server_start(env);
    cr_assert_not_null(srv, "pnyxd did not start");
}

static void teardown(void)
{
    if (srv)
        cr_expect_eq(h_server_stop(srv), 0, "unclean stop");
    srv = NULL;
}

static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 4096)
            buf = realloc(buf, cap *= 2);
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char *s = slurp(f, NULL);
    fclose(f);
    return s;
}

/* Runs cmd, returns its stdout (malloc'd), asserts exit 0. */
static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    char *out = slurp(p, NULL);
    int st = pclose(p);
    cr_assert_eq(st, 0, "%s exited %d", cmd, st);
    return out;
}

static const char *pg_bin(void)
{
    const char *b = getenv("PNYX_PGBIN");
    return b && *b ? b : "/usr/lib/postgresql/15/bin";
}

static struct h_resp *as(const char *auth, const char *method, const char *path, const char *body,
                         const char *extra)
{
    const char *hs[] = {auth, extra, NULL};
    return h_request(srv, method, path, body, hs);
}

/* "a\nb\n" of one SQL column, for set comparisons. */
static char *column(PGconn *c, const char *sql)
{
    PGresult *r = bu_sql(c, sql);
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (int i = 0; i < PQntuples(r); i++) {
        const char *v = PQgetvalue(r, i, 0);
        size_t l = strlen(v);
        if (n + l + 2 > cap)
            out = realloc(out, cap = 2 * (n + l + 2));
        memcpy(out + n, v, l);
        n += l;
        out[n++] = '\n';
        out[n] = '\0';
    }
    PQclear(r);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The COPY block of one table in a plain pg_dump (NULL when absent). */
static const char *copy_block(const char *dump, const char *table, const char **end)
{
    char head[128];
    snprintf(head, sizeof head, "\nCOPY public.%s ", table);
    const char *p = strstr(dump, head);
    if (!p)
        return NULL;
    p = strchr(p + 1, '\n') + 1;
    *end = strstr(p, "\n\\.\n");
    return p;
}

/* Which COPY block holds offset off ("" outside any). */
static void table_at(const char *dump, const char *at, char *out, size_t cap)
{
    const char *best = NULL;
    for (const char *p = dump; (p = strstr(p, "\nCOPY public.")) != NULL && p < at; p++)
        best = p;
    out[0] = '\0';
    if (best)
        snprintf(out, cap, "%.*s", (int)strcspn(best + 13, " "), best + 13);
}

Test(unlinkability, closed_secret_question_against_the_database_holder, .init = setup,
     .fini = teardown, .timeout = 600)
{
    PGconn *c = bu_db();
    struct bu_voters v = bu_voters(c, N, "DE,FR,IT", true);
    char path[200], body[600], when[32], sql[1200];
    time_t t = time(NULL) + 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(body, sizeof body,
             "{\"title\":\"Which budget?\",\"language\":\"en\",\"method\":\"irv\","
             "\"options\":[{\"label\":\"Parks\"},{\"label\":\"Schools\"},{\"label\":\"Roads\"},"
             "{\"label\":\"Libraries\"}],\"closes_at\":\"%s\",\"secrecy\":\"secret\"}",
             when);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/questions", v.aid);
    struct h_resp *r = as(v.auth[0], "POST", path, body, NULL);
    cr_assert(r && r->status == 201, "create: %ld %s", r ? r->status : 0, r ? r->body : "");
    long long qid = json_integer_value(json_object_get(r->json, "id"));
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/questions/%lld/open", qid);
    r = as(v.auth[0], "POST", path, NULL, NULL);
    cr_assert(r && r->status == 200, "open: %ld %s", r ? r->status : 0, r ? r->body : "");
    h_resp_free(r);

    /* before the first ballot: sequences, audit size, WAL position, time */
    char *seq_before = column(c, "SELECT sequencename || '=' || coalesce(last_value, 0) FROM "
                                 "pg_sequences ORDER BY 1");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_entries WHERE assembly_id = %lld", v.aid);
    long long audit_before = bu_int(c, sql);
    PGresult *pr = bu_sql(c, "SELECT pg_current_wal_insert_lsn()::text, now()::text");
    char lsn0[40], t0[64];
    snprintf(lsn0, sizeof lsn0, "%s", PQgetvalue(pr, 0, 0));
    snprintf(t0, sizeof t0, "%s", PQgetvalue(pr, 0, 1));
    PQclear(pr);

    /* N ballots, voter i at step i; every third with an Idempotency-Key */
    static const char *rk[] = {"A,B", "C", "B,C,A", "D,A", "A", "C,D,B,A"};
    char(*receipt)[65] = calloc(N, 65);
    char(*nonce)[65] = calloc(N, 65);
    for (int i = 0; i < N; i++) {
        char idem[80] = "";
        if (i % 3 == 0)
            snprintf(idem, sizeof idem, "Idempotency-Key: %s", h_unique("unlink-idem-key"));
        r = bu_cast(srv, qid, v.auth[i], rk[i % 6], idem[0] ? idem : NULL);
        cr_assert(r && r->status == 201, "cast %d: %ld %s", i, r ? r->status : 0, r ? r->body : "");
        snprintf(receipt[i], 65, "%s", json_string_value(json_object_get(r->json, "receipt")));
        snprintf(nonce[i], 65, "%s", json_string_value(json_object_get(r->json, "nonce")));
        cr_assert(strlen(receipt[i]) == 64 && strlen(nonce[i]) >= 16);
        h_resp_free(r);
    }
    char *seq_after = column(c, "SELECT sequencename || '=' || coalesce(last_value, 0) FROM "
                                "pg_sequences ORDER BY 1");
    pr = bu_sql(c, "SELECT pg_current_wal_insert_lsn()::text, now()::text");
    char lsn1[40], t1[64];
    snprintf(lsn1, sizeof lsn1, "%s", PQgetvalue(pr, 0, 0));
    snprintf(t1, sizeof t1, "%s", PQgetvalue(pr, 0, 1));
    PQclear(pr);
    /* no sequence moved and no audit entry was written by casting */
    cr_expect_str_eq(seq_after, seq_before, "a sequence moved while ballots were cast");
    cr_expect_eq(bu_int(c, sql), audit_before, "audit entries written per ballot");

    snprintf(path, sizeof path, "/api/v1/questions/%lld/close", qid);
    r = as(v.auth[0], "POST", path, "{\"reason\":\"Everyone voted.\"}", NULL);
    cr_assert(r && r->status == 200, "close: %ld %s", r ? r->status : 0, r ? r->body : "");
    h_resp_free(r);

    /* ---- the public record: the board, in board order ---- */
    snprintf(path, sizeof path, "/api/v1/questions/%lld/ballots?limit=200", qid);
    r = h_get(srv, path);
    cr_assert(r && r->status == 200 && r->json);
    json_t *items = json_object_get(r->json, "items");
    cr_assert_eq(json_array_size(items), N);
    char(*board)[200] = calloc(N, 200); /* receipt|ranking-ids|country|index per entry */
    char(*sorted)[65] = calloc(N, 65);
    memcpy(sorted, receipt, (size_t)N * 65);
    qsort(sorted, N, 65, cmp_str);
    for (int i = 0; i < N; i++) {
        json_t *it = json_array_get(items, (size_t)i);
        const char *rc = json_string_value(json_object_get(it, "receipt"));
        cr_assert_str_eq(rc, sorted[i], "the board is not in receipt order");
        snprintf(board[i], 200, "%s|%s", rc, json_string_value(json_object_get(it, "country")));
    }
    h_resp_free(r);

    /* ---- SQL: system columns of the sealed rows ---- */
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT xmin::text) FROM ballots WHERE question_id = %lld", qid);
    cr_expect_eq(bu_int(c, sql), 1, "sealed ballots carry more than one xmin");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM question_roll r WHERE r.xmin::text IN (SELECT xmin::text "
             "FROM ballots WHERE question_id = %lld)",
             qid);
    cr_expect_eq(bu_int(c, sql), 0, "a roll row shares its xmin with a ballot");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ballots WHERE question_id = %lld AND (NOT filled OR "
             "board_index IS NULL OR slot <> board_index)",
             qid);
    cr_expect_eq(bu_int(c, sql), 0, "an unsealed or empty slot is left");
    /* ctid order and primary-key order are board order */
    const char *orders[] = {"ctid", "question_id, slot"};
    char *want = malloc((size_t)N * 66 + 1);
    want[0] = '\0';
    for (int i = 0; i < N; i++) {
        strcat(want, sorted[i]);
        strcat(want, "\n");
    }
    for (size_t k = 0; k < sizeof orders / sizeof orders[0]; k++) {
        snprintf(sql, sizeof sql,
                 "SELECT encode(receipt, 'hex') FROM ballots WHERE question_id = %lld ORDER BY %s",
                 qid, orders[k]);
        char *got = column(c, sql);
        cr_expect_str_eq(got, want, "ballots ordered by %s are not in board order", orders[k]);
        free(got);
    }
    /* the rows hold the board and nothing more */
    snprintf(sql, sizeof sql,
             "SELECT encode(receipt, 'hex') || '|' || country FROM ballots WHERE question_id = "
             "%lld ORDER BY board_index",
             qid);
    char *rows = column(c, sql);
    char *want_rows = malloc((size_t)N * 201 + 1);
    want_rows[0] = '\0';
    for (int i = 0; i < N; i++) {
        strcat(want_rows, board[i]);
        strcat(want_rows, "\n");
    }
    cr_expect_str_eq(rows, want_rows, "the ballots rows differ from the public board");
    free(rows);
    free(want_rows);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ballot_idempotency WHERE question_id = %lld",
             qid);
    cr_expect_eq(bu_int(c, sql), 0, "idempotency rows survive the close");

    /* ---- times: which rows were stamped while the ballots were cast ---- */
    cr_expect_eq(bu_int(c, "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                           "'public' AND table_name = 'ballots' AND data_type ~ "
                           "'(time|date|interval)'"),
                 0);
    PGresult *tc = bu_sql(c, "SELECT table_name, column_name FROM information_schema.columns "
                             "WHERE table_schema = 'public' AND data_type ~ '^timestamp' "
                             "ORDER BY 1, 2");
    char stamped[1000] = "";
    for (int i = 0; i < PQntuples(tc); i++) {
        char q[600];
        snprintf(q, sizeof q,
                 "SELECT count(*) FROM public.%s WHERE %s BETWEEN '%s'::timestamptz AND "
                 "'%s'::timestamptz",
                 PQgetvalue(tc, i, 0), PQgetvalue(tc, i, 1), t0, t1);
        long long k = bu_int(c, q);
        if (k > 0 && strlen(stamped) < sizeof stamped - 100) {
            snprintf(stamped + strlen(stamped), sizeof stamped - strlen(stamped), " %s.%s=%lld",
                     PQgetvalue(tc, i, 0), PQgetvalue(tc, i, 1), k);
            cr_expect_str_neq(PQgetvalue(tc, i, 0), "ballots");
        }
    }
    PQclear(tc);
    cr_log_info("rows stamped while ballots were cast:%s", stamped[0] ? stamped : " none");

    /* ---- pg_dump of the whole database ---- */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s/pg_dump' --data-only --no-owner -d '%s'", pg_bin(), h_db_url());
    char *dump = run(cmd);
    const char *bend = NULL;
    const char *ballots = copy_block(dump, "ballots", &bend);
    cr_assert(ballots && bend, "no ballots table in the dump");
    int in_ballots = 0, outside = 0, nonces = 0;
    for (int i = 0; i < N; i++) {
        for (const char *p = dump; (p = strstr(p, receipt[i])) != NULL; p++) {
            if (p > ballots && p < bend) {
                in_ballots++;
            } else {
                char tab[80];
                table_at(dump, p, tab, sizeof tab);
                cr_expect_fail("receipt %d found in table '%s' of the dump", i, tab);
                outside++;
            }
        }
        cr_expect_null(strstr(dump, nonce[i]), "nonce %d is in the dump", i);
        nonces += strstr(dump, nonce[i]) != NULL;
    }
    cr_expect_eq(in_ballots, N, "each receipt once in ballots");
    /* the dump (physical) order of this question's rows is board order */
    int pos = 0;
    for (const char *p = ballots; p < bend && pos <= N; p = strchr(p, '\n') + 1) {
        char qcol[32];
        snprintf(qcol, sizeof qcol, "%lld\t", qid);
        if (strncmp(p, qcol, strlen(qcol)) != 0)
            continue;
        cr_expect(pos < N && strstr(p, sorted[pos]) != NULL &&
                      strstr(p, sorted[pos]) < strchr(p, '\n'),
                  "dump row %d is not board entry %d", pos, pos);
        pos++;
    }
    cr_expect_eq(pos, N);
    cr_log_info("pg_dump: %zu bytes; receipts: %d in ballots, %d elsewhere; nonces found: %d",
                strlen(dump), in_ballots, outside, nonces);
    free(dump);

    /* ---- the server's log ---- */
    char log_path[sizeof srv->log_path];
    snprintf(log_path, sizeof log_path, "%s", srv->log_path);
    char *log = read_file(log_path);
    for (int i = 0; i < N; i++) {
        cr_expect_null(strstr(log, receipt[i]), "receipt %d is in the log", i);
        cr_expect_null(strstr(log, nonce[i]), "nonce %d is in the log", i);
        char id[48];
        snprintf(id, sizeof id, "\"account_id\":%lld", v.ids[i]);
        cr_expect_null(strstr(log, id), "voter %d's id is in the log", i);
        snprintf(id, sizeof id, "\"account\":%lld", v.ids[i]);
        cr_expect_null(strstr(log, id), "voter %d's id is in the log", i);
    }
    cr_expect_null(strstr(log, "@example.org"), "an e-mail is in the log");
    int cast_lines = 0;
    for (const char *p = log; (p = strstr(p, "/ballots\",\"status\":201")) != NULL; p++)
        cast_lines++;
    cr_log_info("server log: %zu bytes, %d lines for 201 casts (no voter, receipt or nonce)",
                strlen(log), cast_lines);
    free(log);

    /* ---- out of scope, measured: dead tuples and WAL of the window ---- */
    PGresult *ext = PQexec(c, "CREATE EXTENSION IF NOT EXISTS pageinspect");
    if (PQresultStatus(ext) == PGRES_COMMAND_OK) {
        /* pre-seal versions of this question's slots still on the pages,
         * whose xmin is a roll row's (the casting transaction) */
        snprintf(sql, sizeof sql,
                 "WITH pages AS (SELECT generate_series(0, pg_relation_size('ballots') / 8192 - 1) "
                 "AS b), dead AS (SELECT t_xmin FROM pages, LATERAL heap_page_items("
                 "get_raw_page('ballots', b::int)) WHERE t_data IS NOT NULL) "
                 "SELECT count(*) FROM dead WHERE t_xmin::text IN (SELECT xmin::text FROM "
                 "question_roll WHERE question_id = %lld AND voted)",
                 qid);
        cr_log_info("out of scope (data files): %lld dead ballot versions share a roll row's "
                    "xmin until vacuum",
                    bu_int(c, sql));
        /* receipts' bytes anywhere in the raw pages (live rows: N) */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM generate_series(0, pg_relation_size('ballots') / 8192 - 1) "
                 "b, (SELECT receipt FROM ballots WHERE question_id = %lld) r, "
                 "LATERAL (SELECT get_raw_page('ballots', b::int) AS p) g, "
                 "LATERAL generate_series(0, 8192 - 32) o WHERE substr(g.p, o + 1, 32) = r.receipt",
                 qid);
        long long raw_before = bu_int(c, sql);
        bu_exec(c, "VACUUM ballots");
        long long raw_after = bu_int(c, sql);
        cr_log_info("out of scope (data files): receipt byte strings in the raw pages: %lld "
                    "before VACUUM, %lld after (live rows: %d)",
                    raw_before, raw_after, N);
    }
    PQclear(ext);
    pr = bu_sql(c, "SELECT current_setting('data_directory')");
    snprintf(cmd, sizeof cmd, "'%s/pg_waldump' -p '%s/pg_wal' -s %s -e %s 2>/dev/null", pg_bin(),
             PQgetvalue(pr, 0, 0), lsn0, lsn1);
    PQclear(pr);
    FILE *w = popen(cmd, "r");
    if (w) {
        char *wal = slurp(w, NULL);
        pclose(w);
        snprintf(sql, sizeof sql,
                 "SELECT pg_relation_filenode('question_roll') || ' ' || "
                 "pg_relation_filenode('ballots')");
        pr = bu_sql(c, sql);
        long long froll = 0, fbal = 0;
        sscanf(PQgetvalue(pr, 0, 0), "%lld %lld", &froll, &fbal);
        PQclear(pr);
        /* transactions whose records touch both a roll row and a slot */
        enum { MAXTX = 4096 };
        static char txid[MAXTX][16];
        static unsigned char flags[MAXTX];
        int txs = 0, both = 0;
        char rroll[40], rbal[40];
        snprintf(rroll, sizeof rroll, "/%lld blk", froll);
        snprintf(rbal, sizeof rbal, "/%lld blk", fbal);
        for (char *line = strtok(wal, "\n"); line; line = strtok(NULL, "\n")) {
            const char *tx = strstr(line, "tx:");
            if (!tx)
                continue;
            char id[16];
            tx += 3 + strspn(tx + 3, " ");
            snprintf(id, sizeof id, "%.*s", (int)strcspn(tx, ","), tx);
            if (strcmp(id, "0") == 0)
                continue;
            int k = 0;
            while (k < txs && strcmp(txid[k], id) != 0)
                k++;
            if (k == txs && txs < MAXTX)
                snprintf(txid[txs++], sizeof txid[0], "%s", id), flags[k] = 0;
            if (k < MAXTX)
                flags[k] |= (strstr(line, rroll) ? 1 : 0) | (strstr(line, rbal) ? 2 : 0);
        }
        int wrote = 0;
        for (int k = 0; k < txs; k++) {
            both += flags[k] == 3;
            wrote += flags[k] != 0;
        }
        cr_log_info("out of scope (WAL of the voting window): %d of the %d transactions "
                    "(subtransactions included) that wrote a roll row or a ballot slot wrote both",
                    both, wrote);
        free(wal);
    }

    free(seq_before);
    free(seq_after);
    free(want);
    free(board);
    free(sorted);
    free(receipt);
    free(nonce);
    bu_voters_free(&v);
    PQfinish(c);
}
