/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_witness_quorum.c — issue 12: an assembly requires k of n witness
 * cosignatures before a tally is published. A live pnyxd with two real
 * pnyx-witness processes on loopback:
 *  - k is set by a convener (PATCH, recorded in assembly.updated), never
 *    above the configured witnesses (422), served with the assembly and by
 *    GET …/audit/witnesses, whose checkpoints verify with the log's and the
 *    witnesses' keys;
 *  - k = 2 with both witnesses up: the question is tallied, and only after
 *    both cosigned a checkpoint covering question.closed;
 *  - k = 2 with one witness down: the question stays closed and its result
 *    answers 409 awaiting-witnesses; once the witness is started the
 *    question is tallied exactly once, and the record passes pnyx-verify
 *    (seed from the log at closing, result recount, both cosignatures);
 *  - a convener lowering k releases a question whose witness is gone.
 */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "assembly_util.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"
#include "core/audit/witness.h"
#include "question_util.h"
#include "witness_util.h"

/* ---- processes (witness_util.h) ------------------------------------------------- */

static char g_dir[256];

static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    socklen_t len = sizeof sa;
    cr_assert(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ---- the world: pnyxd, two witnesses (the second maybe down) ---------------------- */

struct world {
    struct h_server *s;
    char db[512];
    char keyfile[300];
    char log_vkey[NOTE_VKEY_MAX];
    char log_arg[NOTE_VKEY_MAX + 64];
    struct witness_proc w[2];
    struct it_user convener;
    struct it_user m[6];
    int64_t aid;
};

static void world_start(struct world *W, bool second_up)
{
    memset(W, 0, sizeof *W);
    snprintf(g_dir, sizeof g_dir, "/tmp/pnyx-wquorum-XXXXXX");
    cr_assert(mkdtemp(g_dir) != NULL);
    snprintf(W->keyfile, sizeof W->keyfile, "%s/log.key", g_dir);
    const char *db = h_db_create();
    cr_assert(db != NULL);
    snprintf(W->db, sizeof W->db, "%s", db);
    char env_db[600], env_key[400], env_w[1200];
    snprintf(env_db, sizeof env_db, "PNYX_DATABASE_URL=%s", db);
    snprintf(env_key, sizeof env_key, "PNYX_SIGNING_KEY_FILE=%s", W->keyfile);
    const char *kargs[] = {"keygen", NULL};
    const char *kenv[] = {env_db, env_key, "PNYX_LOG_ORIGIN=pnyx.test", NULL};
    char out[2048];
    cr_assert_eq(h_pnyxd_run(kargs, kenv, out, sizeof out), 0, "%s", out);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *p = strchr(line, '+');
        if (p != NULL && strchr(p + 1, '+') != NULL && strchr(line, ' ') == NULL) {
            snprintf(W->log_vkey, sizeof W->log_vkey, "%s", line);
        }
    }
    cr_assert(W->log_vkey[0] != '\0', "no vkey from pnyxd keygen");
    snprintf(W->log_arg, sizeof W->log_arg, "pnyx.test/assembly/=%s", W->log_vkey);
    witness_keygen(&W->w[0], g_dir, "w1.witness.test");
    witness_keygen(&W->w[1], g_dir, "w2.witness.test");
    witness_start(&W->w[0], W->log_arg, 0);
    if (second_up) {
        witness_start(&W->w[1], W->log_arg, 0);
    } else {
        W->w[1].port = free_port();
    }
    snprintf(env_w, sizeof env_w, "PNYX_WITNESSES=%s@http://127.0.0.1:%u,%s@http://127.0.0.1:%u",
             W->w[0].vkey, W->w[0].port, W->w[1].vkey, W->w[1].port);
    const char *env[] = {env_db, env_key, "PNYX_LOG_ORIGIN=pnyx.test", env_w, NULL};
    W->s = h_server_start(env);
    cr_assert(W->s != NULL);
    W->convener = it_user_new(W->s, "DE");
    W->aid = it_assembly_new(W->s, &W->convener, "public", "invite");
    static const char *const countries[] = {"DE", "FR", "KE", "DE", "FR", "KE"};
    for (int i = 0; i < 6; i++) {
        W->m[i] = it_member_new(W->s, &W->convener, W->aid, "member", "active", countries[i]);
    }
}

static void world_stop(struct world *W)
{
    h_server_stop(W->s);
    witness_stop(&W->w[0]);
    witness_stop(&W->w[1]);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    cr_expect_eq(system(cmd), 0);
}

static long long sql_int(struct world *W, const char *sql)
{
    PGconn *c = PQconnectdb(W->db);
    cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql,
              PQerrorMessage(c));
    long long v = PQgetisnull(r, 0, 0) ? -1 : atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return v;
}

static struct h_resp *set_quorum(struct world *W, const struct it_user *u, int k)
{
    json_t *b = json_pack("{s:i}", "witness_quorum", k);
    struct h_resp *r =
        it_req(W->s, "PATCH", pp("/api/v1/assemblies/%lld", (long long)W->aid), u, b);
    json_decref(b);
    return r;
}

/* A question with 6 ballots, closed by the convener; returns its id and
 * the state the close answered with. */
static int64_t vote_and_close(struct world *W, char *state, size_t cap)
{
    static const char *const rankings[] = {"[\"A\",\"B\"]", "[\"B\",\"C\"]", "[\"C\",\"A\",\"B\"]",
                                           "[\"A\"]",       "[\"B\",\"A\"]", "[\"A\",\"C\"]"};
    int64_t qid = qu_create(W->s, &W->convener, W->aid, qu_body());
    qu_open(W->s, &W->convener, qid);
    for (int i = 0; i < 6; i++) {
        json_t *b = json_pack("{s:o}", "ranking", json_loads(rankings[i], 0, NULL));
        struct h_resp *r = qu_post(W->s, &W->m[i], qid, "ballots", b);
        json_decref(b);
        cr_assert_eq(r->status, 201, "cast %d: %ld %s", i, r->status, r->body);
        h_resp_free(r);
    }
    struct h_resp *cr = qu_close_resp(W->s, &W->convener, qid, "the witness quorum test");
    cr_assert_eq(cr->status, 200, "close: %ld %s", cr->status, cr->body);
    snprintf(state, cap, "%s", json_string_value(json_object_get(cr->json, "state")));
    h_resp_free(cr);
    return qid;
}

static char *question_state(struct world *W, int64_t qid)
{
    json_t *q = qu_get(W->s, &W->convener, qid);
    char *s = strdup(json_string_value(json_object_get(q, "state")));
    json_decref(q);
    return s;
}

/* Waits (≤ limit_s) until qid is tallied. */
static void wait_tallied(struct world *W, int64_t qid, int limit_s)
{
    for (int i = 0; i < limit_s * 5; i++) {
        char *s = question_state(W, qid);
        bool done = strcmp(s, "tallied") == 0;
        free(s);
        if (done) {
            return;
        }
        usleep(200000);
    }
    cr_assert_fail("question %lld not tallied within %d s; pnyxd log:\n%s", (long long)qid, limit_s,
                   h_server_log_tail(W->s));
}

static long long tally_entries(struct world *W, int64_t qid)
{
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_entries WHERE assembly_id = %lld AND "
             "entry LIKE '%%\"kind\":\"tally.published\"%%' AND "
             "entry LIKE '%%\"question\":\"%lld\"%%'",
             (long long)W->aid, (long long)qid);
    return sql_int(W, sql);
}

/* Distinct witnesses that cosigned a checkpoint covering question.closed
 * before the question was tallied. */
static long long cosigned_before_tally(struct world *W, int64_t qid)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT w.witness) FROM witness_cosignatures w JOIN questions q ON "
             "q.assembly_id = w.assembly_id WHERE q.id = %lld AND w.size >= q.closed_log_size AND "
             "w.created_at <= q.tallied_at",
             (long long)qid);
    return sql_int(W, sql);
}

/* ---- tests ------------------------------------------------------------------------ */

Test(witness_quorum, two_live_witnesses_tally_after_both_cosigned)
{
    cr_assert(sodium_init() >= 0);
    struct world W;
    world_start(&W, true);

    /* k: 0 by default; above the two configured witnesses is refused; a
     * member may not set it; a convener sets 2, recorded in the log */
    struct h_resp *r =
        it_req(W.s, "GET", pp("/api/v1/assemblies/%lld", (long long)W.aid), &W.convener, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(json_integer_value(json_object_get(r->json, "witness_quorum")), 0, "%s", r->body);
    h_resp_free(r);
    r = set_quorum(&W, &W.convener, 3);
    cr_assert_eq(r->status, 422, "%ld %s", r->status, r->body);
    cr_assert(strstr(r->body, "\"witness_quorum\"") != NULL && strstr(r->body, "out_of_range"),
              "%s", r->body);
    h_resp_free(r);
    r = set_quorum(&W, &W.m[0], 1);
    cr_assert_eq(r->status, 403, "%ld %s", r->status, r->body);
    h_resp_free(r);
    r = set_quorum(&W, &W.convener, 2);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    cr_assert_eq(json_integer_value(json_object_get(r->json, "witness_quorum")), 2, "%s", r->body);
    h_resp_free(r);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit_entries WHERE assembly_id = %lld AND "
             "entry LIKE '%%\"kind\":\"assembly.updated\"%%' AND "
             "entry LIKE '%%\"data\":{\"witness_quorum\":2}%%'",
             (long long)W.aid);
    cr_assert_eq(sql_int(&W, sql), 1, "assembly.updated records witness_quorum 2");

    char state[32];
    int64_t qid = vote_and_close(&W, state, sizeof state);
    wait_tallied(&W, qid, 60);
    /* a number for the report, not an assertion: close → tallied */
    fprintf(stderr, "witness_quorum: closed → tallied in %lld ms with k = 2 of 2 live witnesses\n",
            sql_int(&W, pp("SELECT (extract(epoch FROM tallied_at - closed_at) * 1000)::bigint "
                           "FROM questions WHERE id = %lld",
                           (long long)qid)));
    cr_assert_eq(cosigned_before_tally(&W, qid), 2,
                 "both witnesses cosigned question.closed before the tally");
    cr_assert_eq(tally_entries(&W, qid), 1);
    r = it_req(W.s, "GET", pp("/api/v1/questions/%lld/result", (long long)qid), &W.convener, NULL);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    h_resp_free(r);

    /* GET …/audit/witnesses (anonymous, public assembly): k of n, and per
     * witness its newest cosigned checkpoint, which verifies under the
     * log's key and carries that witness's valid cosignature */
    long long closed =
        sql_int(&W, pp("SELECT closed_log_size FROM questions WHERE id = %lld", (long long)qid));
    r = it_req(W.s, "GET", pp("/api/v1/assemblies/%lld/audit/witnesses", (long long)W.aid), NULL,
               NULL);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    cr_assert_eq(json_integer_value(json_object_get(r->json, "witness_quorum")), 2);
    cr_assert_eq(json_integer_value(json_object_get(r->json, "configured")), 2);
    json_t *ws = json_object_get(r->json, "witnesses");
    cr_assert_eq(json_array_size(ws), 2, "%s", r->body);
    struct note_verifier lv;
    cr_assert_eq(note_vkey_parse(&lv, W.log_vkey, strlen(W.log_vkey)), AUDIT_OK);
    for (size_t i = 0; i < 2; i++) {
        json_t *w = json_array_get(ws, i);
        const char *name = json_string_value(json_object_get(w, "name"));
        const struct witness_proc *p = strcmp(name, "w1.witness.test") == 0 ? &W.w[0] : &W.w[1];
        cr_assert_str_eq(json_string_value(json_object_get(w, "vkey")), p->vkey);
        char kid[9];
        for (int b = 0; b < 4; b++) {
            snprintf(kid + 2 * b, 3, "%02x", p->v.key_id[b]);
        }
        cr_assert_str_eq(json_string_value(json_object_get(w, "key_id")), kid);
        cr_assert_geq(json_integer_value(json_object_get(w, "size")), closed, "%s", r->body);
        const char *note = json_string_value(json_object_get(w, "checkpoint"));
        cr_assert(note != NULL, "%s", r->body);
        struct note_checkpoint cp;
        cr_assert_eq(note_checkpoint_open(&lv, note, strlen(note), NULL, &cp), AUDIT_OK, "%s",
                     note);
        cr_assert_eq((long long)cp.size, json_integer_value(json_object_get(w, "size")));
        cr_assert_eq(witness_cosig_open(&p->v, note, strlen(note), NULL), AUDIT_OK, "%s", note);
        const struct witness_proc *other = p == &W.w[0] ? &W.w[1] : &W.w[0];
        cr_assert_neq(witness_cosig_open(&other->v, note, strlen(note), NULL), AUDIT_OK,
                      "only this witness's line is served with its checkpoint");
    }
    h_resp_free(r);
    world_stop(&W);
}

Test(witness_quorum, one_witness_down_waits_then_tallies_once)
{
    cr_assert(sodium_init() >= 0);
    struct world W;
    world_start(&W, false);
    struct h_resp *r = set_quorum(&W, &W.convener, 2);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    h_resp_free(r);

    char state[32];
    int64_t qid = vote_and_close(&W, state, sizeof state);
    cr_assert_str_eq(state, "closed", "the close cannot publish without the second witness");
    /* longer than the scheduler's first retry (5 s) and several of its
     * retries after: still closed, the result says why */
    sleep(8);
    char *s = question_state(&W, qid);
    cr_assert_str_eq(s, "closed");
    free(s);
    cr_assert_eq(tally_entries(&W, qid), 0);
    r = it_req(W.s, "GET", pp("/api/v1/questions/%lld/result", (long long)qid), NULL, NULL);
    cr_assert_eq(r->status, 409, "%ld %s", r->status, r->body);
    cr_assert(strstr(json_string_value(json_object_get(r->json, "type")), "/awaiting-witnesses") !=
                  NULL,
              "%s", r->body);
    cr_assert(strstr(json_string_value(json_object_get(r->json, "detail")), "1 of the 2") != NULL,
              "%s", r->body);
    h_resp_free(r);
    /* the first witness did cosign it: only the second is missing */
    cr_assert_eq(sql_int(&W, pp("SELECT count(*) FROM witness_cosignatures w JOIN questions q ON "
                                "q.assembly_id = w.assembly_id WHERE q.id = %lld AND "
                                "w.size >= q.closed_log_size",
                                (long long)qid)),
                 1);
    /* k = 3 is still refused, the setting does not move */
    r = set_quorum(&W, &W.convener, 3);
    cr_assert_eq(r->status, 422, "%ld %s", r->status, r->body);
    h_resp_free(r);

    /* the second witness comes up where pnyxd expects it */
    witness_start(&W.w[1], W.log_arg, W.w[1].port);
    wait_tallied(&W, qid, 90);
    cr_assert_eq(cosigned_before_tally(&W, qid), 2);
    /* tallied exactly once, whoever retried: one entry, also a while later */
    sleep(2);
    cr_assert_eq(tally_entries(&W, qid), 1);
    r = it_req(W.s, "GET", pp("/api/v1/questions/%lld/result", (long long)qid), NULL, NULL);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    h_resp_free(r);

    /* the record verifies: the seed is the log's root at question.closed
     * (waiting changed nothing), the result recounts, both witnesses
     * cosigned the newest checkpoint */
    for (int i = 0; i < 300; i++) {
        struct h_resp *c =
            it_req(W.s, "GET", pp("/api/v1/assemblies/%lld/audit/checkpoint", (long long)W.aid),
                   NULL, NULL);
        bool both = witness_cosig_open(&W.w[0].v, c->body, strlen(c->body), NULL) == AUDIT_OK &&
                    witness_cosig_open(&W.w[1].v, c->body, strlen(c->body), NULL) == AUDIT_OK;
        h_resp_free(c);
        if (both) {
            break;
        }
        cr_assert(i < 299, "the head was not cosigned by both within 30 s");
        usleep(100000);
    }
    r = it_req(W.s, "GET", pp("/api/v1/assemblies/%lld/record", (long long)W.aid), NULL, NULL);
    cr_assert_eq(r->status, 200, "%ld", r->status);
    char file[400];
    snprintf(file, sizeof file, "%s/record.json", g_dir);
    FILE *f = fopen(file, "w");
    fwrite(r->body, 1, r->body_len, f);
    fclose(f);
    h_resp_free(r);
    struct note_verifier lv;
    cr_assert_eq(note_vkey_parse(&lv, W.log_vkey, strlen(W.log_vkey)), AUDIT_OK);
    char pk[64], cmd[3000];
    audit_b64_encode(lv.public_key, 32, pk);
    snprintf(cmd, sizeof cmd, "%s %s --key %s --witness %s --witness %s", PNYX_TEST_VERIFY, file,
             pk, W.w[0].vkey, W.w[1].vkey);
    int st;
    char *out = wu_run(cmd, &st);
    cr_assert_eq(st, 0, "pnyx-verify: %s", out);
    free(out);
    world_stop(&W);
}

Test(witness_quorum, lowering_k_releases_a_question_whose_witness_is_gone)
{
    cr_assert(sodium_init() >= 0);
    struct world W;
    world_start(&W, false); /* the second witness never comes */
    struct h_resp *r = set_quorum(&W, &W.convener, 2);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    h_resp_free(r);
    char state[32];
    int64_t qid = vote_and_close(&W, state, sizeof state);
    cr_assert_str_eq(state, "closed");
    sleep(2);
    char *s = question_state(&W, qid);
    cr_assert_str_eq(s, "closed");
    free(s);
    r = set_quorum(&W, &W.convener, 1);
    cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
    h_resp_free(r);
    wait_tallied(&W, qid, 60);
    cr_assert_eq(tally_entries(&W, qid), 1);
    cr_assert_geq(cosigned_before_tally(&W, qid), 1);
    world_stop(&W);
}
