/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Batched casts (db_group_item_batch + db_ballot_cast_many): a batch of
 * casts on one question runs as ONE statement, and falls back to one
 * statement per cast under savepoints when one cast needs its own
 * rollback. A dedicated pnyxd, so its /metrics counts only these casts.
 *
 * How a batch is made to form: a test connection holds the question row
 * FOR UPDATE; the first cast's statement waits for it (its FOR SHARE)
 * while leading its group, so every later cast parks behind it. When the
 * lock goes, the first runs alone and the parked ones run as one batch.
 * Every outcome asserted here holds however the casts were batched; the
 * metrics and the shared xmin show that the batch path really ran.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "ballot_util.h"
#include "harness.h"

static struct h_server *S;

static void setup(void)
{
    S = h_server_start(NULL);
    cr_assert(S != NULL);
}

static void teardown(void)
{
    if (S)
        h_server_stop(S);
    S = NULL;
}

TestSuite(ballot_batch, .init = setup, .fini = teardown, .timeout = 120);

/* The value of counter `name` in /metrics. */
static long long metric(const char *name)
{
    struct h_resp *r = h_get(S, "/metrics");
    cr_assert(r && r->status == 200);
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(r->body, key);
    cr_assert(p != NULL, "no %s in /metrics", name);
    long long v = atoll(p + strlen(key));
    h_resp_free(r);
    return v;
}

/* Casts rs[0..n): rs[0] first, blocked on the question row until rs[1..n)
 * are in flight (see the banner), then all finish. */
static void burst(long long qid, struct bu_racer *rs, int n)
{
    PGconn *lock = bu_db();
    char sql[200];
    bu_exec(lock, "BEGIN");
    snprintf(sql, sizeof sql, "SELECT 1 FROM questions WHERE id = %lld FOR UPDATE", qid);
    bu_exec(lock, sql);
    pthread_t th[40];
    cr_assert(n <= 40);
    cr_assert_eq(pthread_create(&th[0], NULL, bu_race, &rs[0]), 0);
    PGconn *c = bu_db();
    int waited = 0;
    while (bu_int(c, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                     "AND datname = current_database()") < 1) {
        cr_assert(waited++ < 2000, "the first cast never waited for the question row");
        usleep(5000);
    }
    for (int i = 1; i < n; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, bu_race, &rs[i]), 0);
    /* a margin for the server to read and park them. Not /metrics: a
     * connection that the blocked http thread accepted would wait for the
     * lock too. A cast read after the release joins a later batch: the
     * outcomes hold either way. */
    usleep(800000);
    bu_exec(lock, "COMMIT");
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    PQfinish(lock);
    PQfinish(c);
}

/* bu_int of a query with the question id put in (a literal format). */
#define count_of(c, what, qid)                                                                     \
    ({                                                                                             \
        char sql_[600];                                                                            \
        snprintf(sql_, sizeof sql_, what, (long long)(qid));                                       \
        bu_int((c), sql_);                                                                         \
    })

#define FILLED "SELECT count(*) FROM ballots WHERE question_id = %lld AND filled"
#define VOTED  "SELECT count(*) FROM question_roll WHERE question_id = %lld AND voted"
#define IDEM   "SELECT count(*) FROM ballot_idempotency WHERE question_id = %lld"
/* The most filled ballots sharing one xmin (one transaction or savepoint) */
#define XMIN_GROUP                                                                                 \
    "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM ballots WHERE question_id = "      \
    "%lld AND filled GROUP BY xmin::text) g"
/* xmins of filled ballots that no roll mark shares, and the reverse */
#define XMIN_APART                                                                                 \
    "SELECT count(*) FROM ((SELECT xmin::text FROM ballots WHERE question_id = %1$lld AND "        \
    "filled EXCEPT SELECT xmin::text FROM question_roll WHERE question_id = %1$lld AND voted) "    \
    "UNION ALL (SELECT xmin::text FROM question_roll WHERE question_id = %1$lld AND voted "        \
    "EXCEPT SELECT xmin::text FROM ballots WHERE question_id = %1$lld AND filled)) d"

Test(ballot_batch, mixed_batch_double_vote_non_roll_and_replay)
{
    PGconn *c = bu_db();
    struct bu_voters v = bu_voters(c, 12, "DE,FR,IT", false);
    struct bu_voters out = bu_voters(c, 1, "DE", true);
    long long qid = bu_open(c, v.aid, v.ids[0], (struct bu_question){.n_options = 3});
    char sql[300];
    /* joins after the opening: a member, not on the roll */
    snprintf(sql, sizeof sql,
             "INSERT INTO memberships (assembly_id, account_id, role, status) VALUES "
             "(%lld, %lld, 'member', 'active')",
             v.aid, out.ids[0]);
    bu_exec(c, sql);
    long long c0 = metric("pnyx_db_group_combined_total");
    long long f0 = metric("pnyx_db_group_fallbacks_total");
    const char *key = "Idempotency-Key: batch-replay-key-0001";
    struct bu_racer rs[16];
    int n = 0;
    rs[n++] =
        (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[1], .ids = "A"}; /* the blocked one */
    for (int i = 2; i <= 9; i++)
        rs[n++] =
            (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[i], .ids = i % 2 ? "A,B" : "C,A"};
    rs[n++] =
        (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[2], .ids = "B"}; /* double votes */
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[2], .ids = "A,B,C"};
    rs[n++] = (struct bu_racer){
        .s = S, .qid = qid, .auth = out.auth[0], .ids = "A"}; /* not on the roll */
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[10], .ids = "B,C", .extra = key};
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[10], .ids = "B,C", .extra = key};
    burst(qid, rs, n);

    cr_expect_eq(rs[0].status, 201);
    for (int i = 2; i <= 8; i++) /* voters 3..9 (rs[1] is voter 2's first try) */
        cr_expect_eq(rs[i].status, 201, "voter %d: %ld %s", i + 1, rs[i].status, rs[i].slug);
    /* voter 2: exactly one of three, the others already voted */
    int ok2 = 0;
    for (int i = 0; i < n; i++) {
        if (rs[i].auth != v.auth[2])
            continue;
        if (rs[i].status == 201) {
            ok2++;
        } else {
            cr_expect_eq(rs[i].status, 409);
            cr_expect_str_eq(rs[i].slug, "already-voted");
        }
    }
    cr_expect_eq(ok2, 1, "one ballot of voter 2");
    cr_expect_eq(rs[n - 3].status, 403);
    cr_expect_str_eq(rs[n - 3].slug, "not-on-roll");
    /* the same key twice in one batch: the second replays the first */
    cr_expect_eq(rs[n - 2].status, 201);
    cr_expect_eq(rs[n - 1].status, 201);
    cr_expect_str_eq(rs[n - 2].receipt, rs[n - 1].receipt);
    cr_expect_eq(count_of(c, FILLED, qid), 10);
    cr_expect_eq(count_of(c, VOTED, qid), 10);
    cr_expect_eq(count_of(c, IDEM, qid), 1);
    /* the batch path ran, and never gave up */
    cr_expect_geq(metric("pnyx_db_group_combined_total") - c0, 1);
    cr_expect_eq(metric("pnyx_db_group_fallbacks_total") - f0, 0);
    /* the batch's ballots share one xmin, with the batch's roll marks */
    cr_expect_geq(count_of(c, XMIN_GROUP, qid), 2);
    cr_expect_eq(count_of(c, XMIN_APART, qid), 0);
    /* the board holds every receipt once */
    char root[65];
    cr_expect_eq(bu_seal(c, qid, root), 10);
    bu_voters_free(&v);
    bu_voters_free(&out);
    PQfinish(c);
}

Test(ballot_batch, refused_after_writing_falls_back_per_item)
{
    PGconn *c = bu_db();
    struct bu_voters v = bu_voters(c, 10, "PL", true);
    long long qid =
        bu_open(c, v.aid, v.ids[0], (struct bu_question){.n_options = 2, .secrecy = "roll_call"});
    char sql[300];
    /* on the roll, suspended since the opening: the batch statement marks
     * and fills for them, then the cast is refused and must be undone */
    snprintf(sql, sizeof sql,
             "UPDATE memberships SET status = 'suspended' WHERE assembly_id = %lld AND "
             "account_id = %lld",
             v.aid, v.ids[5]);
    bu_exec(c, sql);
    long long f0 = metric("pnyx_db_group_fallbacks_total");
    struct bu_racer rs[12];
    int n = 0;
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[1], .ids = "A"};
    for (int i = 2; i <= 8; i++)
        rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[i], .ids = "B,A"};
    rs[n++] =
        (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[3], .ids = "A"}; /* double vote */
    burst(qid, rs, n);
    cr_expect_eq(rs[0].status, 201);
    int created = 0, refused = 0, twice = 0;
    for (int i = 1; i < n; i++) {
        if (rs[i].auth == v.auth[5]) {
            cr_expect_eq(rs[i].status, 403, "%s", rs[i].slug);
            cr_expect_str_eq(rs[i].slug, "forbidden");
            refused++;
        } else if (rs[i].status == 201) {
            created++;
        } else {
            cr_expect_eq(rs[i].status, 409);
            cr_expect_str_eq(rs[i].slug, "already-voted");
            twice++;
        }
    }
    cr_expect_eq(created, 6);
    cr_expect_eq(refused, 1);
    cr_expect_eq(twice, 1);
    cr_expect_geq(metric("pnyx_db_group_fallbacks_total") - f0, 1);
    cr_expect_eq(count_of(c, FILLED, qid), 7);
    cr_expect_eq(count_of(c, VOTED, qid), 7);
    cr_expect_eq(count_of(c, "SELECT count(*) FROM roll_call_votes WHERE question_id = %lld", qid),
                 7);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM question_roll WHERE question_id = %lld AND account_id = %lld "
             "AND voted",
             qid, v.ids[5]);
    cr_expect_eq(bu_int(c, sql), 0, "the suspended member's mark was rolled back");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM roll_call_votes WHERE question_id = %lld AND account_id = %lld",
             qid, v.ids[5]);
    cr_expect_eq(bu_int(c, sql), 0);
    bu_voters_free(&v);
    PQfinish(c);
}

/* A second session of account `id` (a token as bu_voters makes them), as an
 * "Authorization: Bearer …" header into auth. */
static void second_session(PGconn *c, long long id, char auth[80])
{
    char sql[600];
    snprintf(sql, sizeof sql,
             "WITH t AS (SELECT decode(md5(random()::text) || md5(random()::text), 'hex') AS raw), "
             "s AS (INSERT INTO sessions (account_id, token_hash, csrf_hash, created_at, "
             "last_seen_at, expires_at) SELECT %lld, sha256(raw), sha256(raw || '\\x00'::bytea), "
             "now(), now(), now() + interval '1 day' FROM t) "
             "SELECT translate(rtrim(encode(raw, 'base64'), '='), '+/', '-_') FROM t",
             id);
    PGresult *r = bu_sql(c, sql);
    cr_assert_eq(PQntuples(r), 1);
    snprintf(auth, 80, "Authorization: Bearer %s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

static long me(const char *auth)
{
    const char *hs[] = {auth, NULL};
    struct h_resp *r = h_request(S, "GET", "/api/v1/me", NULL, hs);
    cr_assert(r != NULL);
    long st = r->status;
    h_resp_free(r);
    return st;
}

/*
 * A session this pnyxd still caches but that is gone from the database (a
 * logout through another pnyxd, an account deleted): a cast whose cache
 * entry is due for revalidation does not re-read the session first — its
 * statement checks the row (api/auth.h "unverified") — and must answer as
 * the re-read would have: 401 before anything else (a bad ranking too),
 * nothing written for it, and the other casts of its batch, another
 * session of the same account among them, unaffected.
 */
Test(ballot_batch, gone_session_in_a_batch_is_401_and_writes_nothing)
{
    PGconn *c = bu_db();
    struct bu_voters v = bu_voters(c, 8, "DE,FR", false);
    long long qid = bu_open(c, v.aid, v.ids[0], (struct bu_question){.n_options = 3});
    char other4[80];
    second_session(c, v.ids[4], other4);
    for (int i = 1; i < 8; i++)
        cr_assert_eq(me(v.auth[i]), 200);
    cr_assert_eq(me(other4), 200);
    usleep(5300000); /* the cache entries are now due for revalidation (5 s) */
    char sql[300];
    snprintf(sql, sizeof sql,
             "DELETE FROM sessions WHERE account_id IN (%lld, %lld, %lld) AND token_hash <> "
             "sha256(decode(translate('%s', '-_', '+/') || '=', 'base64'))",
             v.ids[2], v.ids[3], v.ids[4], other4 + strlen("Authorization: Bearer "));
    bu_exec(c, sql);
    cr_assert_eq(count_of(c, "SELECT count(*) FROM sessions WHERE account_id = %lld", v.ids[4]), 1);
    long long f0 = metric("pnyx_db_group_fallbacks_total");
    struct bu_racer rs[8];
    int n = 0;
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[1], .ids = "A"};   /* blocked */
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[2], .ids = "A,B"}; /* gone */
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[3], .ids = "Q"}; /* gone, bad */
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[4], .ids = "B"}; /* gone */
    rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = other4, .ids = "C"}; /* same account */
    for (int i = 5; i <= 7; i++)
        rs[n++] = (struct bu_racer){.s = S, .qid = qid, .auth = v.auth[i], .ids = "C,A"};
    burst(qid, rs, n);
    for (int i = 1; i <= 3; i++) {
        cr_expect_eq(rs[i].status, 401, "cast %d: %ld %s", i, rs[i].status, rs[i].slug);
        cr_expect_str_eq(rs[i].slug, "unauthenticated");
    }
    cr_expect_eq(rs[0].status, 201);
    for (int i = 4; i < n; i++)
        cr_expect_eq(rs[i].status, 201, "cast %d: %ld %s", i, rs[i].status, rs[i].slug);
    cr_expect_eq(count_of(c, FILLED, qid), 5);
    cr_expect_eq(count_of(c, VOTED, qid), 5);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM question_roll WHERE question_id = %lld AND voted AND "
             "account_id IN (%lld, %lld)",
             qid, v.ids[2], v.ids[3]);
    cr_expect_eq(bu_int(c, sql), 0);
    cr_expect_eq(metric("pnyx_db_group_fallbacks_total") - f0, 0);
    cr_expect_eq(count_of(c, XMIN_APART, qid), 0);
    /* the cache forgot them: the next request is 401 at once */
    cr_expect_eq(me(v.auth[2]), 401);
    cr_expect_eq(me(v.auth[4]), 401);
    cr_expect_eq(me(other4), 200);
    bu_voters_free(&v);
    PQfinish(c);
}
