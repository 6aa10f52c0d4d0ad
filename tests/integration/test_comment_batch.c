/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Batched comment posts (create_batch_cb + db_comment_insert_many): the
 * posts of one group-committed batch into one assembly are inserted by
 * ONE statement, with their comment.created entries appended in the same
 * transaction in arrival order; when the state a post decided on changed
 * (its guard fails) nothing of the statement is written and the batch
 * runs post by post, that post through the locked slow path. A dedicated
 * pnyxd, so its /metrics count only these posts.
 *
 * How a batch is made to form (as test_ballot_batch.c does): a test
 * connection holds the first proposal's row FOR UPDATE; the first post's
 * guarded insert waits for it while leading its group, so every later
 * post parks behind it. When the lock goes, the first runs alone and the
 * parked ones as one batch. Every outcome asserted holds however the posts
 * were batched; the metrics and the shared xmin show that the batch path
 * really ran.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "comment_util.h"

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

TestSuite(comment_batch, .init = setup, .fini = teardown, .timeout = 180);

static PGconn *db(void)
{
    PGconn *c = PQconnectdb(h_db_url());
    cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    return c;
}

static void exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    cr_assert(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static long long num(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0),
              "%s: %s", sql, PQerrorMessage(c));
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

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

/* One post, run on its own thread (no assertions there): in u, pid,
 * parent, text; out the status, the problem slug and the comment's id and
 * body as the reply gives them. */
struct poster {
    const struct it_user *u;
    int64_t pid, parent;
    char text[96];
    long status;
    char slug[48];
    int64_t id;
    char body[96];
};

static void *post(void *p)
{
    struct poster *r = p;
    char path[96], auth[128];
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)r->pid);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->u->token);
    json_t *b = json_pack("{s:s, s:s}", "body", r->text, "language", "en");
    if (r->parent > 0)
        json_object_set_new(b, "parent_id", json_integer((json_int_t)r->parent));
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    const char *hs[] = {auth, NULL};
    struct h_resp *resp = h_request(S, "POST", path, text, hs);
    free(text);
    r->status = resp ? resp->status : 0;
    r->id = resp && resp->json ? (int64_t)json_integer_value(json_object_get(resp->json, "id")) : 0;
    const char *body =
        resp && resp->json ? json_string_value(json_object_get(resp->json, "body")) : NULL;
    snprintf(r->body, sizeof r->body, "%s", body ? body : "");
    snprintf(r->slug, sizeof r->slug, "%s", resp ? it_problem(resp) : "");
    h_resp_free(resp);
    return NULL;
}

/* Sets "after" to run once every poster but the first is in flight. */
typedef void (*between_fn)(PGconn *c, void *cls);

/* Posts ps[0..n): ps[0] first, blocked on proposal lock_pid's row until
 * ps[1..n) are in flight and parked (see the banner); then between(cls)
 * (if any) changes state in SQL, the lock goes, and all finish. */
static void burst(int64_t lock_pid, struct poster *ps, int n, between_fn between, void *cls)
{
    PGconn *lock = db();
    char sql[160];
    exec(lock, "BEGIN");
    snprintf(sql, sizeof sql, "SELECT 1 FROM proposals WHERE id = %lld FOR UPDATE",
             (long long)lock_pid);
    exec(lock, sql);
    pthread_t th[40];
    cr_assert(n <= 40);
    cr_assert_eq(pthread_create(&th[0], NULL, post, &ps[0]), 0);
    PGconn *c = db();
    int waited = 0;
    while (num(c, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                  "AND datname = current_database()") < 1) {
        cr_assert(waited++ < 2000, "the first post never waited for the proposal row");
        usleep(5000);
    }
    for (int i = 1; i < n; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, post, &ps[i]), 0);
    /* a margin for the server to read their scopes and park them; a post
     * read after the release joins a later batch: the outcomes hold
     * either way */
    usleep(800000);
    if (between)
        between(c, cls);
    exec(lock, "COMMIT");
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    PQfinish(lock);
    PQfinish(c);
}

/*
 * The log of assembly aid against its comments: gapless (seq 1..size, as
 * many entries as the head says), exactly one comment.created per comment
 * carrying its id, proposal, parent, author and the SHA-256 of its text,
 * none for anything else, comment ids ascending along the log (the log's
 * order is the order the comments were made in), each proposal's
 * comment_count its number of comments, and every comment with the same
 * translation jobs (all posts are in one language).
 */
static void check_log(PGconn *c, int64_t aid, long long comments)
{
    char sql[2000];
#define Q(...) (snprintf(sql, sizeof sql, __VA_ARGS__), num(c, sql))
    long long a = (long long)aid;
    cr_expect_eq(Q("SELECT count(*) FROM comments WHERE assembly_id = %lld", a), comments);
    long long size = Q("SELECT size FROM audit_heads WHERE assembly_id = %lld", a);
    cr_expect_eq(Q("SELECT count(*) FROM audit_entries WHERE assembly_id = %lld", a), size);
    cr_expect_eq(Q("SELECT coalesce(max(seq), 0) FROM audit_entries WHERE assembly_id = %lld", a),
                 size, "gapless");
    cr_expect_eq(Q("SELECT count(*) FROM audit_entries WHERE assembly_id = %lld "
                   "AND kind = 'comment.created'",
                   a),
                 comments);
    /* entries matching their comment in every field, one per comment */
    snprintf(sql, sizeof sql,
             "CREATE TEMP VIEW m AS SELECT c.id, e.seq FROM comments c JOIN "
             "(SELECT seq, entry::json AS j FROM audit_entries WHERE assembly_id = %lld "
             "AND kind = 'comment.created') e "
             "ON (e.j -> 'data' ->> 'comment')::bigint = c.id "
             "AND (e.j -> 'data' ->> 'proposal')::bigint = c.proposal_id "
             "AND (e.j -> 'data' ->> 'parent') IS NOT DISTINCT FROM c.parent_id::text "
             "AND (e.j ->> 'actor')::bigint = c.author_id "
             "AND (e.j ->> 'seq')::bigint = e.seq "
             "AND e.j -> 'data' ->> 'text_sha256' = encode(sha256(convert_to(c.body, 'UTF8')), "
             "'hex') WHERE c.assembly_id = %lld",
             a, a);
    exec(c, sql);
    cr_expect_eq(num(c, "SELECT count(*) FROM m"), comments, "every entry matches its comment");
    cr_expect_eq(num(c, "SELECT count(DISTINCT id) FROM m"), comments);
    cr_expect_eq(num(c, "SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY seq) AS p "
                        "FROM m) z WHERE p > id"),
                 0, "comment ids ascend along the log");
    exec(c, "DROP VIEW m");
    cr_expect_eq(Q("SELECT count(*) FROM proposals p WHERE assembly_id = %lld AND comment_count "
                   "<> (SELECT count(*) FROM comments c WHERE c.proposal_id = p.id)",
                   a),
                 0, "comment_count");
    cr_expect_leq(Q("SELECT count(DISTINCT coalesce(jobs, '')) FROM (SELECT c.id, "
                    "string_agg(j.target_language, ',' ORDER BY j.target_language) AS jobs "
                    "FROM comments c LEFT JOIN translation_jobs j ON j.kind = 'comment' "
                    "AND j.target_id = c.id AND j.version = c.version WHERE c.assembly_id = "
                    "%lld GROUP BY c.id) x",
                    a),
                  1, "the same translation jobs for every comment");
#undef Q
}

struct world {
    struct it_user conv, mem[12];
    int64_t aid, p1, p2;
};

/* An assembly with a convener and 12 members (readers of other languages
 * too: fr, es), and two proposals in deliberation. */
static void world_new(struct world *w)
{
    memset(w, 0, sizeof *w);
    w->conv = it_user_new(S, "FR");
    w->aid = it_assembly_new(S, &w->conv, "members", "invite");
    static const char *const countries[] = {"DE", "ES", "FR", "NG", "IT", "PL"};
    for (int i = 0; i < 12; i++)
        w->mem[i] = it_member_new(S, &w->conv, w->aid, "member", "active", countries[i % 6]);
    w->p1 = it_proposal_new(w->aid, w->conv.id, "deliberation");
    w->p2 = it_proposal_new(w->aid, w->conv.id, "deliberation");
}

/* The most comments of aid sharing one xmin (one transaction, no
 * savepoint between them). */
static long long xmin_group(PGconn *c, int64_t aid)
{
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM comments WHERE "
             "assembly_id = %lld GROUP BY xmin::text) g",
             (long long)aid);
    return num(c, sql);
}

Test(comment_batch, one_statement_for_the_batch_each_reply_its_own)
{
    struct world w;
    world_new(&w);
    PGconn *c = db();
    int64_t root = it_comment_new(S, &w.mem[0], w.p1, "the first root, alone", 0);
    long long c0 = metric("pnyx_db_group_combined_total");
    long long f0 = metric("pnyx_db_group_fallbacks_total");
    struct poster ps[14];
    int n = 0;
    for (int i = 0; i < 12; i++, n++) {
        ps[n] = (struct poster){.u = &w.mem[i], .pid = i % 3 == 2 ? w.p2 : w.p1};
        snprintf(ps[n].text, sizeof ps[n].text, "batched post %d \"quoted\", {braced} \\ %d", i,
                 i * 7);
    }
    /* a reply to the root posted before the batch, and a text that spells
     * an array literal's NULL */
    ps[n] = (struct poster){.u = &w.mem[3], .pid = w.p1, .parent = root};
    snprintf(ps[n].text, sizeof ps[n].text, "a reply in the batch");
    n++;
    ps[n] = (struct poster){.u = &w.mem[4], .pid = w.p1};
    snprintf(ps[n].text, sizeof ps[n].text, "NULL");
    n++;
    burst(w.p1, ps, n, NULL, NULL);
    for (int i = 0; i < n; i++) {
        cr_expect_eq(ps[i].status, 201, "post %d: %ld %s", i, ps[i].status, ps[i].slug);
        cr_expect_str_eq(ps[i].body, ps[i].text, "post %d got its own reply", i);
        for (int j = 0; j < i; j++)
            cr_expect_neq(ps[i].id, ps[j].id);
    }
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT parent_id FROM comments WHERE id = %lld",
             (long long)ps[12].id);
    cr_expect_eq(num(c, sql), root);
    check_log(c, w.aid, n + 1);
    /* the batch path ran, and never gave up */
    cr_expect_geq(metric("pnyx_db_group_combined_total") - c0, 1);
    cr_expect_eq(metric("pnyx_db_group_fallbacks_total") - f0, 0);
    cr_expect_geq(xmin_group(c, w.aid), 2);
    PQfinish(c);
}

struct change {
    int64_t aid, suspended, promoted;
};

/* While the posts are parked: one poster suspended, another made a
 * facilitator (the state both decided on is gone). */
static void change_two(PGconn *c, void *cls)
{
    struct change *ch = cls;
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE memberships SET status = 'suspended' WHERE assembly_id = %lld AND "
             "account_id = %lld",
             (long long)ch->aid, (long long)ch->suspended);
    exec(c, sql);
    snprintf(sql, sizeof sql,
             "UPDATE memberships SET role = 'facilitator' WHERE assembly_id = %lld AND "
             "account_id = %lld",
             (long long)ch->aid, (long long)ch->promoted);
    exec(c, sql);
}

Test(comment_batch, a_failed_guard_in_the_middle_runs_the_batch_post_by_post)
{
    struct world w;
    world_new(&w);
    PGconn *c = db();
    long long f0 = metric("pnyx_db_group_fallbacks_total");
    struct poster ps[12];
    int n = 12;
    for (int i = 0; i < n; i++) {
        ps[i] = (struct poster){.u = &w.mem[i], .pid = i % 2 ? w.p2 : w.p1};
        snprintf(ps[i].text, sizeof ps[i].text, "post %d of a batch with a changed state", i);
    }
    struct change ch = {.aid = w.aid, .suspended = w.mem[5].id, .promoted = w.mem[7].id};
    burst(w.p1, ps, n, change_two, &ch);
    int created = 0;
    for (int i = 0; i < n; i++) {
        if (i == 5) {
            cr_expect_eq(ps[i].status, 403, "the suspended poster: %ld %s", ps[i].status,
                         ps[i].slug);
            continue;
        }
        cr_expect_eq(ps[i].status, 201, "post %d: %ld %s", i, ps[i].status, ps[i].slug);
        cr_expect_str_eq(ps[i].body, ps[i].text, "post %d got its own reply", i);
        created += ps[i].status == 201;
    }
    cr_expect_eq(created, n - 1);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM comments WHERE author_id = %lld",
             (long long)w.mem[5].id);
    cr_expect_eq(num(c, sql), 0, "nothing of the refused post");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM comments WHERE author_id = %lld",
             (long long)w.mem[7].id);
    cr_expect_eq(num(c, sql), 1, "the promoted poster's post, through the slow path");
    cr_expect_geq(metric("pnyx_db_group_fallbacks_total") - f0, 1);
    check_log(c, w.aid, n - 1);
    /* the next post of the promoted poster decides on a fresh read and is
     * batched again; the suspended one stays refused */
    struct h_resp *r = it_comment_post(S, &w.mem[7], w.p1, "after the change", "en", 0);
    cr_expect_eq(r->status, 201);
    h_resp_free(r);
    r = it_comment_post(S, &w.mem[5], w.p1, "still suspended", "en", 0);
    cr_expect_eq(r->status, 403);
    h_resp_free(r);
    check_log(c, w.aid, n);
    PQfinish(c);
}

/* Writers posting at once, each several posts, some replies: every post
 * committed once with its own entry, the log gapless and in order. */
struct writer {
    const struct it_user *u;
    int64_t pids[2];
    int64_t root;
    int k, created;
};

static void *write_many(void *p)
{
    struct writer *wr = p;
    for (int i = 0; i < 15; i++) {
        /* every fifth post a reply to the root (on the first proposal) */
        bool reply = i % 5 == 4;
        struct poster one = {.u = wr->u,
                             .pid = reply ? wr->pids[0] : wr->pids[i % 2],
                             .parent = reply ? wr->root : 0};
        snprintf(one.text, sizeof one.text, "writer %d post %d", wr->k, i);
        post(&one);
        if (one.status == 201 && strcmp(one.body, one.text) == 0)
            wr->created++;
    }
    return NULL;
}

Test(comment_batch, concurrent_writers_leave_a_gapless_log_matching_the_comments)
{
    struct world w;
    world_new(&w);
    PGconn *c = db();
    int64_t root = it_comment_new(S, &w.mem[0], w.p1, "a root to reply to", 0);
    struct writer ws[10];
    pthread_t th[10];
    for (int i = 0; i < 10; i++) {
        ws[i] = (struct writer){.u = &w.mem[i], .pids = {w.p1, w.p2}, .root = root, .k = i};
        cr_assert_eq(pthread_create(&th[i], NULL, write_many, &ws[i]), 0);
    }
    for (int i = 0; i < 10; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 10; i++)
        cr_expect_eq(ws[i].created, 15, "writer %d", i);
    check_log(c, w.aid, 10 * 15 + 1);
    PQfinish(c);
}
