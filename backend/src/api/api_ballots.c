/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_ballots.c — casting a ballot, the board and receipt proofs.
 *
 * The cast is the hot path. Before any transaction: the ranking is checked
 * against the question's options (frozen at opening, so cached in memory
 * per question), the nonce and receipt are computed and, with an
 * Idempotency-Key, the reply is sealed. The transaction body is ONE
 * statement (db_ballot_cast: roll mark + a random free slot + idempotency
 * row + roll-call vote) run in the group commit of the question
 * (DB_GROUP_QUESTION): a request whose batch is not running parks, so a
 * pool thread never waits for another caller's commit. A batch of casts
 * runs as ONE statement for all of them (cast_batch_cb,
 * db_ballot_cast_many); the per-item body remains for a cast alone and
 * for the fallback. Every refusal but one is decided before the statement
 * writes anything (no rollback); the exception, a caller on the roll whose
 * membership stopped allowing votes since the opening, is undone by its
 * savepoint (the batch falls back to the per-item path for it).
 *
 * Idempotency (sql/010's ballot_idempotency): for key K (16..200 bytes),
 *   lookup   = SHA-256("pnyx-idem-id\0" ‖ qid ‖ account ‖ K), qid and
 *              account as 8-byte big-endian integers;
 *   seal key = SHA-256("pnyx-idem-key\0" ‖ K);
 *   sealed   = 24-byte nonce ‖ crypto_secretbox_easy(the 201 body).
 * A retry with K finds the row, opens it and answers the same 201; a
 * retry whose ranking differs is 422 idempotency-key-reused (the key is
 * spent on the first ballot). Only K opens the reply, and K never reaches
 * the database, so a dump does not link the account to the ballot.
 */
#include "api/api_ballots.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api/api_common.h"
#include "api/auth.h"
#include "api/board_cache.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/immutable.h"
#include "core/audit/merkle.h"
#include "core/ballot/ballot.h"
#include "core/domain.h"
#include "db/db_ballot.h"
#include "platform/crypto.h"
#include "platform/log.h"

#define IDEM_KEY_MIN 16
#define IDEM_KEY_MAX 200

/* --- the frozen part of open questions, cached ------------------------------------ */

/* Why 256 slots, direct-mapped by id: the questions open at once on one
 * deployment; a collision costs one extra statement per cast. */
#define META_SLOTS 256

struct meta {
    int64_t qid; /* 0 = empty */
    int n_options;
    int max_rankings; /* -1 = no limit */
    bool excluded[DB_BALLOT_MAX_OPTIONS];
};

static pthread_mutex_t g_meta_mu = PTHREAD_MUTEX_INITIALIZER;
static struct meta g_meta[META_SLOTS];

static bool meta_get(int64_t qid, struct meta *m)
{
    pthread_mutex_lock(&g_meta_mu);
    const struct meta *s = &g_meta[(uint64_t)qid % META_SLOTS];
    bool hit = s->qid == qid;
    if (hit)
        *m = *s;
    pthread_mutex_unlock(&g_meta_mu);
    return hit;
}

/* Only a question that left draft: its options and limits never change. */
static void meta_put(const struct db_ballot_question *q, struct meta *m)
{
    m->qid = q->id;
    m->n_options = q->n_options;
    m->max_rankings = q->max_rankings;
    memcpy(m->excluded, q->excluded, sizeof m->excluded);
    if (question_state_parse(q->state) == QUESTION_DRAFT)
        return;
    pthread_mutex_lock(&g_meta_mu);
    g_meta[(uint64_t)q->id % META_SLOTS] = *m;
    pthread_mutex_unlock(&g_meta_mu);
}

/* --- helpers ------------------------------------------------------------------------- */

static enum authz_decision decide(const struct api_req *rq, const struct db_standing *sd,
                                  enum authz_action action, const char *state)
{
    struct authz_subject who = api_subject(rq, sd->role, sd->status);
    struct authz_resource res = {.is_public = sd->is_public,
                                 .open_to_join = sd->open_to_join,
                                 .state = (unsigned)question_state_parse(state)};
    return authz_decide(authz_rule_of(action), &who, &res);
}

/* The JSON array of option ids of a stored ranking. */
static json_t *ranking_json(const uint8_t *ranking, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n && ranking[i] != BALLOT_PAD; i++) {
        char id[3];
        ballot_option_id(ranking[i], id);
        json_array_append_new(arr, json_string(id));
    }
    return arr;
}

static void put_be64(uint8_t *p, int64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)((uint64_t)v & 0xff);
        v = (int64_t)((uint64_t)v >> 8);
    }
}

/* --- cast ------------------------------------------------------------------------------- */

struct cast_fields {
    json_t *ranking;
};

static const struct decode_field cast_fields[] = {
    {.name = "ranking",
     .type = DECODE_STRING_LIST,
     .required = true,
     .min_items = 1,
     .max_items = DB_BALLOT_MAX_OPTIONS,
     .offset = offsetof(struct cast_fields, ranking)},
};
static const struct decode_spec cast_spec = DECODE_SPEC(cast_fields);

struct cast_txn {
    struct api_req *rq;
    int64_t qid;
    struct cast_fields f;
    uint8_t ranking[DB_BALLOT_MAX_OPTIONS];
    uint8_t receipt[32];
    char receipt_hex[BALLOT_RECEIPT_HEX + 1];
    char nonce_hex[BALLOT_NONCE_HEX + 1];
    uint8_t lookup[32];
    uint8_t seal_key[32];
    bool idem;
    struct db_cast_in in;
    struct db_cast_out res;
    struct api_refusal refusal;
};

static void cast_reset(void *cls)
{
    struct cast_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->res, 0, sizeof t->res);
}

/* The cast's outcome from the statement's answer t->res. */
static enum db_status cast_decide(struct cast_txn *t)
{
    if (!t->res.session_ok) /* as api_auth_resolve would have answered */
        return api_refuse(&t->refusal, API_E_UNAUTHENTICATED, api_auth_gone_detail);
    enum authz_decision d = decide(t->rq, &t->res.sd, AUTHZ_CAST_BALLOT, t->res.state);
    if (d == AUTHZ_STATE_409)
        return api_refuse(&t->refusal, API_E_QUESTION_STATE, NULL);
    if (d != AUTHZ_ALLOW)
        return api_refuse(&t->refusal, api_authz_error(d), NULL);
    if (!t->res.open_now)
        return api_refuse(&t->refusal, API_E_QUESTION_DEADLINE, NULL);
    if (!t->res.on_roll)
        return api_refuse(&t->refusal, API_E_NOT_ON_ROLL, NULL);
    if (t->res.slot_missing) {
        log_error("cast: question %lld has no free ballot slot left", (long long)t->qid);
        return DB_HARD_ERROR;
    }
    if (!t->res.cast)
        return api_refuse(&t->refusal, API_E_ALREADY_VOTED, NULL);
    return DB_OK;
}

static enum db_status cast_cb(struct db_conn *c, void *cls)
{
    struct cast_txn *t = cls;
    enum db_status st = db_ballot_cast(c, t->rq->arena, &t->in, &t->res);
    if (st == DB_NOT_FOUND)
        return api_refuse(&t->refusal, API_E_NOT_FOUND, NULL);
    if (st != DB_OK)
        return st;
    /* The statement's tag is "SELECT 1" whatever its CTEs changed: a
     * refusal after a cast (a voter suspended since the opening) must
     * roll this body back, in a batch too. */
    if (t->res.cast)
        db_note_write(c);
    return cast_decide(t);
}

/*
 * The batch body (db_batch_fn): the casts of one batch as ONE statement
 * (db_ballot_cast_many), each decided as cast_cb decides. Gives up — the
 * batch then runs cast_cb per item under savepoints — when the statement
 * fails, when an item was marked without a free slot, or when an item
 * whose cast was written is refused (a roll member whose membership no
 * longer allows voting): only a savepoint can undo one item's writes.
 * The statement's parameters and answer live in the first item's arena
 * (alive while its batch runs); the strings each item keeps are copied
 * into its own.
 */
static enum db_status cast_batch_cb(struct db_conn *c, void *const *cls, enum db_status *st,
                                    size_t n)
{
    const struct db_cast_in *in[DB_GROUP_MAX_BATCH] = {NULL};
    struct db_cast_out *res[DB_GROUP_MAX_BATCH] = {NULL};
    if (n > DB_GROUP_MAX_BATCH)
        return DB_HARD_ERROR;
    struct cast_txn *t0 = cls[0];
    for (size_t i = 0; i < n; i++) {
        struct cast_txn *t = cls[i];
        if (t->qid != t0->qid)
            return DB_HARD_ERROR; /* one group = one question: never */
        in[i] = &t->in;
        res[i] = &t->res;
    }
    enum db_status s = db_ballot_cast_many(c, t0->rq->arena, in, res, n);
    if (s == DB_NOT_FOUND) {
        for (size_t i = 0; i < n; i++)
            st[i] = api_refuse(&((struct cast_txn *)cls[i])->refusal, API_E_NOT_FOUND, NULL);
        return DB_OK;
    }
    if (s != DB_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        struct cast_txn *t = cls[i];
        if (t->res.slot_missing)
            return DB_HARD_ERROR; /* cast_cb, per item, logs and fails that one */
        struct arena *own = t->rq->arena;
        t->res.sd.role = t->res.sd.role ? arena_strdup(own, t->res.sd.role) : NULL;
        t->res.sd.status = t->res.sd.status ? arena_strdup(own, t->res.sd.status) : NULL;
        st[i] = cast_decide(t);
        if (st[i] != DB_OK && t->res.cast)
            return DB_REFUSED; /* written, then refused: needs its own rollback */
    }
    return DB_OK;
}

/* 409 question-state naming the state a cast needs, as api_questions.c's
 * state conflicts do (params.allowed). */
static int state_problem(struct api_reply *out)
{
    api_problem(out, API_E_QUESTION_STATE, "ballots are cast while the question is open");
    if (out->json)
        json_object_set_new(out->json, "params", json_pack("{s:[s]}", "allowed", "open"));
    return 0;
}

static json_t *cast_body(const struct cast_txn *t, size_t n)
{
    return json_pack("{s:I, s:o, s:s, s:s}", "question", (json_int_t)t->qid, "ranking",
                     ranking_json(t->ranking, n), "nonce", t->nonce_hex, "receipt", t->receipt_hex);
}

/* A stored reply for this key: 0 after answering it (the same 201, or 422
 * when this request's ranking differs), 1 when there is none. */
static int idem_replay(struct cast_txn *t, struct api_reply *out)
{
    struct api_req *rq = t->rq;
    const uint8_t *sealed;
    size_t n;
    enum db_status st = db_ballot_idem_get(rq->db, rq->arena, t->qid, t->lookup, &sealed, &n);
    if (st == DB_NOT_FOUND)
        return 1;
    if (st != DB_OK)
        return api_problem_db(out, st);
    if (n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return api_problem(out, API_E_INTERNAL, NULL);
    size_t mlen = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *m = arena_alloc(rq->arena, mlen + 1);
    if (crypto_secretbox_open_easy((unsigned char *)m, sealed + crypto_secretbox_NONCEBYTES,
                                   n - crypto_secretbox_NONCEBYTES, sealed, t->seal_key) != 0) {
        /* the lookup matched but the key does not open it: another key
         * with the same lookup is impossible short of a SHA-256 collision */
        log_error("cast: an idempotency reply of question %lld does not open", (long long)t->qid);
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    m[mlen] = '\0';
    json_t *body = json_loads(m, 0, NULL);
    if (!body)
        return api_problem(out, API_E_INTERNAL, NULL);
    if (!json_equal(json_object_get(body, "ranking"), t->f.ranking)) {
        json_decref(body);
        return api_problem(out, API_E_IDEMPOTENCY_KEY_REUSED, NULL);
    }
    return api_reply_json(out, 201, body);
}

static int cast_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct cast_txn *t = cls;
    const struct api_auth_session *ext = rq->auth.ext;
    if (st == DB_REFUSED && t->refusal.error == API_E_UNAUTHENTICATED && ext)
        api_auth_forget(ext->token_hash);
    /* no row to answer for (the question is gone): the session first */
    if (st == DB_REFUSED && t->refusal.error == API_E_NOT_FOUND && api_auth_verify(rq, out) != 0)
        return 0;
    if (st == DB_OK)
        return api_reply_json(out, 201, cast_body(t, json_array_size(t->f.ranking)));
    if (st == DB_REFUSED && t->refusal.error == API_E_ALREADY_VOTED && t->idem) {
        /* a retry that raced its own first attempt: that one committed */
        int r = idem_replay(t, out);
        if (r != 1)
            return r;
    }
    if (st == DB_REFUSED && t->refusal.error == API_E_QUESTION_STATE)
        return state_problem(out);
    return api_txn_problem(out, st, &t->refusal);
}

/* Checks the ranking against the options; stores the positions in
 * t->ranking (padded to n_options). Returns 0, or -1 with errors added. */
static int check_ranking(struct cast_txn *t, const struct meta *m, struct decode_errors *e)
{
    size_t n = json_array_size(t->f.ranking);
    int allowed_n = 0;
    for (int i = 0; i < m->n_options; i++)
        allowed_n += m->excluded[i] ? 0 : 1;
    int max = m->max_rankings > 0 && m->max_rankings < allowed_n ? m->max_rankings : allowed_n;
    bool seen[DB_BALLOT_MAX_OPTIONS] = {false};
    int bad = 0;
    memset(t->ranking, BALLOT_PAD, sizeof t->ranking);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(t->f.ranking, i);
        const char *id = json_string_value(v);
        char *field = arena_printf(t->rq->arena, "ranking/%zu", i);
        int pos = ballot_option_pos(id, json_string_length(v), (unsigned)m->n_options);
        if (pos < 0) {
            json_t *ids = json_array();
            for (int k = 0; k < m->n_options; k++) {
                char oid[3];
                ballot_option_id((unsigned)k, oid);
                if (!m->excluded[k])
                    json_array_append_new(ids, json_string(oid));
            }
            decode_error(e, field, "one_of", json_pack("{s:o}", "allowed", ids),
                         "not an option of this question");
        } else if (m->excluded[pos]) {
            decode_error(e, field, "not_allowed", NULL, "this option is excluded from the vote");
        } else if (seen[pos]) {
            decode_error(e, field, "duplicate", NULL, "an option is ranked once");
        } else {
            seen[pos] = true;
            t->ranking[i] = (uint8_t)pos;
            continue;
        }
        bad++;
    }
    if ((int)n > max) {
        decode_error(e, "ranking", "too_many", json_pack("{s:i}", "max", max),
                     "more ranks than this question allows");
        bad++;
    }
    return bad ? -1 : 0;
}

/* The Idempotency-Key header: 0 (absent or valid; t->idem set), or -1
 * after a 400. */
static int read_idem_key(struct cast_txn *t, struct api_reply *out)
{
    const char *k = api_header(t->rq, "Idempotency-Key");
    if (!k)
        return 0;
    size_t n = strlen(k);
    if (n < IDEM_KEY_MIN || n > IDEM_KEY_MAX) {
        api_problem(out, API_E_BAD_REQUEST, "Idempotency-Key must be 16 to 200 bytes");
        return -1;
    }
    static const char id_tag[] = "pnyx-idem-id";
    static const char key_tag[] = "pnyx-idem-key";
    uint8_t ids[16];
    put_be64(ids, t->qid);
    put_be64(ids + 8, t->rq->auth.account_id);
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const unsigned char *)id_tag, sizeof id_tag); /* with NUL */
    crypto_hash_sha256_update(&s, ids, sizeof ids);
    crypto_hash_sha256_update(&s, (const unsigned char *)k, n);
    crypto_hash_sha256_final(&s, t->lookup);
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const unsigned char *)key_tag, sizeof key_tag);
    crypto_hash_sha256_update(&s, (const unsigned char *)k, n);
    crypto_hash_sha256_final(&s, t->seal_key);
    t->idem = true;
    return 0;
}

/* The 201 body sealed under the key, into t->in. -1 on allocation failure. */
static int seal_reply(struct cast_txn *t, size_t n)
{
    json_t *body = cast_body(t, n);
    char *m = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(body);
    if (!m)
        return -1;
    size_t mlen = strlen(m);
    size_t len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + mlen;
    uint8_t *sealed = arena_alloc(t->rq->arena, len);
    randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, (const unsigned char *)m, mlen,
                          sealed, t->seal_key);
    free(m);
    t->in.lookup = t->lookup;
    t->in.sealed = sealed;
    t->in.n_sealed = len;
    return 0;
}

/* POST /api/v1/questions/{qid}/ballots {ranking} */
int api_ballots_cast(struct api_req *rq, struct api_reply *out)
{
    struct cast_txn *t = arena_calloc(rq->arena, 1, sizeof *t);
    t->rq = rq;
    /* A session left unverified (api/auth.h) is checked by the cast's
     * statement; every answer before it checks the session first
     * (api_auth_verify: nothing to do for a verified one), so a gone
     * session is 401 whatever else is wrong, as without the deferral. */
    if (api_param_id(rq, "qid", &t->qid) != 0)
        return api_auth_verify(rq, out) != 0 ? 0 : api_problem(out, API_E_NOT_FOUND, NULL);
    struct api_reply early = *out;
    if (decode_or_fail(rq, &early, &cast_spec, &t->f) != 0) {
        if (api_auth_verify(rq, out) != 0) {
            json_decref(early.json);
            return 0;
        }
        *out = early;
        return 0;
    }
    struct meta m;
    struct db_ballot_question q;
    bool loaded = false;
    if (!meta_get(t->qid, &m)) {
        if (api_auth_verify(rq, out) != 0)
            return 0;
        enum db_status st = db_ballot_question(rq->db, rq->arena, t->qid, rq->auth.account_id, &q);
        if (st != DB_OK)
            return api_problem_db(out, st);
        loaded = true;
        meta_put(&q, &m);
    }
    struct decode_errors e;
    memset(&e, 0, sizeof e);
    if (check_ranking(t, &m, &e) != 0) {
        if (api_auth_verify(rq, out) != 0) {
            json_decref(e.type_errors);
            json_decref(e.rule_errors);
            return 0;
        }
        if (decode_finish(&e, out) == 0) /* always -1 here: the 422 */
            return api_problem(out, API_E_INTERNAL, NULL);
        /* who may not vote learns nothing of the options: the gate first */
        enum db_status st =
            loaded ? DB_OK : db_ballot_question(rq->db, rq->arena, t->qid, rq->auth.account_id, &q);
        if (st != DB_OK)
            return api_problem_db(out, st);
        enum authz_decision d = decide(rq, &q.sd, AUTHZ_CAST_BALLOT, q.state);
        if (d == AUTHZ_STATE_409)
            return state_problem(out);
        if (d != AUTHZ_ALLOW)
            return api_authz_problem(out, d);
        return 0;
    }
    if (read_idem_key(t, out) != 0) /* never with a deferred session (no key) */
        return 0;
    if (t->idem && idem_replay(t, out) != 1)
        return 0;

    size_t n = json_array_size(t->f.ranking);
    /* one getrandom for the nonce and the two slot keys (libsodium's
     * sysrandom: a system call per randombytes_buf) */
    uint8_t rnd[32];
    randombytes_buf(rnd, sizeof rnd);
    const uint8_t *nonce = rnd;
    pnyx_crypto_hex(nonce, 16, t->nonce_hex);
    struct jcs_buf b;
    jcs_buf_init(&b);
    int rc = ballot_receipt(&b, t->qid, t->ranking, n, t->nonce_hex, t->receipt_hex);
    jcs_buf_fini(&b);
    if (rc != 0 || pnyx_crypto_unhex(t->receipt_hex, BALLOT_RECEIPT_HEX, t->receipt, 32) != 0)
        return api_auth_verify(rq, out) != 0 ? 0 : api_problem(out, API_E_INTERNAL, NULL);
    if (t->idem && seal_reply(t, n) != 0)
        return api_problem(out, API_E_INTERNAL, NULL);
    t->in.qid = t->qid;
    t->in.account_id = rq->auth.account_id;
    const struct api_auth_session *ext = rq->auth.ext;
    t->in.session_id = ext && ext->unverified ? rq->auth.session_id : 0;
    t->in.receipt = t->receipt;
    t->in.ranking = t->ranking;
    t->in.n_ranking = (size_t)m.n_options;
    memcpy(&t->in.slot_from, rnd + 16, sizeof t->in.slot_from);
    memcpy(&t->in.new_slot, rnd + 24, sizeof t->in.new_slot);
    /* One group per question: measured against four groups by voter
     * (bench/questions/README.md), which let idle groups lead on http
     * threads and cut the batches from ~30 to ~7 ballots. */
    struct db_group_key key = {.kind = DB_GROUP_QUESTION, .id = t->qid};
    return api_txn_grouped_batch(rq, out, key, "ballot_cast", cast_cb, cast_batch_cb, cast_reset,
                                 cast_reply, t);
}

/* --- the board ------------------------------------------------------------------------- */

/*
 * Closed questions as the board needs them: all frozen at the seal except
 * the assembly's visibility. A public assembly's board is served with
 * `Cache-Control: public, immutable`, so any HTTP cache keeps serving it
 * for a year whatever the assembly becomes; pnyxd itself trusts a public
 * visibility it read for VISIBILITY_TTL_US and then reads it again. A
 * members-only board is gated by a statement on every request.
 */
#define VISIBILITY_TTL_US 1000000

struct closed {
    int64_t qid; /* 0 = empty */
    int ballot_count;
    uint8_t root[32];
    int64_t closed_log_size;
    bool is_public;
    int64_t checked_us;
};

static struct closed g_closed[META_SLOTS];

static bool closed_get(int64_t qid, struct closed *c)
{
    pthread_mutex_lock(&g_meta_mu);
    const struct closed *s = &g_closed[(uint64_t)qid % META_SLOTS];
    bool hit = s->qid == qid;
    if (hit)
        *c = *s;
    pthread_mutex_unlock(&g_meta_mu);
    return hit;
}

static void closed_put(const struct closed *c)
{
    pthread_mutex_lock(&g_meta_mu);
    g_closed[(uint64_t)c->qid % META_SLOTS] = *c;
    pthread_mutex_unlock(&g_meta_mu);
}

/* Gates READ_BOARD for question qid and fills *cm. 0, or -1 after the
 * problem. */
static int board_gate(struct api_req *rq, struct api_reply *out, int64_t qid, struct closed *cm)
{
    if (closed_get(qid, cm) && cm->is_public && rq->now_us - cm->checked_us < VISIBILITY_TTL_US)
        return 0;
    struct db_ballot_question q;
    enum db_status st = db_ballot_question(rq->db, rq->arena, qid,
                                           rq->auth.authenticated ? rq->auth.account_id : 0, &q);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    enum authz_decision d = decide(rq, &q.sd, AUTHZ_READ_BOARD, q.state);
    if (d == AUTHZ_STATE_409) {
        api_problem(out, API_E_BOARD_NOT_PUBLISHED, NULL);
        return -1;
    }
    if (d != AUTHZ_ALLOW) {
        api_authz_problem(out, d);
        return -1;
    }
    if (!q.has_root || q.ballot_count < 0) {
        log_error("board: closed question %lld has no board root", (long long)qid);
        api_problem(out, API_E_INTERNAL, NULL);
        return -1;
    }
    *cm = (struct closed){.qid = qid,
                          .ballot_count = q.ballot_count,
                          .closed_log_size = q.closed_log_size,
                          .is_public = q.sd.is_public,
                          .checked_us = rq->now_us};
    memcpy(cm->root, q.board_root, 32);
    closed_put(cm);
    return 0;
}

/* A growing text buffer in the request's arena (board replies are written
 * by hand: hex, option ids and country codes need no escaping, and a page
 * of 200 entries costs no JSON tree). */
struct out_buf {
    char *p;
    size_t len, cap;
};

static void put(struct out_buf *b, const char *s, size_t n)
{
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put_s(struct out_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_hex(struct out_buf *b, const uint8_t *h)
{
    pnyx_crypto_hex(h, 32, b->p + b->len);
    b->len += 64;
}

/* Upper bound of one entry's JSON for a ranking of width bytes. */
static size_t entry_cap(size_t width)
{
    return 64 + 2 + 48 + 7 * width + 16;
}

static void put_entry(struct out_buf *b, const struct board_tree *t, uint64_t i)
{
    const uint8_t *receipt, *ranking;
    const char *country;
    board_tree_entry(t, i, &receipt, &ranking, &country);
    put_s(b, "{\"receipt\":\"");
    put_hex(b, receipt);
    put_s(b, "\",\"ranking\":[");
    size_t w = board_tree_width(t);
    for (size_t k = 0; k < w && ranking[k] != BALLOT_PAD; k++) {
        char id[3];
        ballot_option_id(ranking[k], id);
        put_s(b, k ? ",\"" : "\"");
        put_s(b, id);
        put_s(b, "\"");
    }
    put_s(b, "],\"country\":\"");
    put(b, country, 2);
    put_s(b, "\"}");
}

/* GET /api/v1/questions/{qid}/ballots?after=&limit= — after = entries
 * before this page (the board index of its first entry). */
int api_ballots_board(struct api_req *rq, struct api_reply *out)
{
    int64_t qid, after;
    int limit;
    struct closed cm;
    if (api_param_id(rq, "qid", &qid) != 0)
        return api_problem(out, API_E_NOT_FOUND, NULL);
    if (api_page_params(rq, out, &after, &limit) != 0 || board_gate(rq, out, qid, &cm) != 0)
        return 0;
    int64_t page[2] = {after, limit};
    const char *etag = api_etag_of(rq->arena, "pnyx-board-page", cm.root, 32, page, sizeof page);
    if (api_immutable_304(rq, out, etag, cm.is_public))
        return 0;
    struct board_tree *t;
    enum db_status st = board_tree_get(rq->db, qid, cm.ballot_count, cm.root, &t);
    if (st != DB_OK)
        return api_problem_db(out, st);
    uint64_t size = board_tree_size(t);
    uint64_t from = (uint64_t)after < size ? (uint64_t)after : size;
    uint64_t to = from + (uint64_t)limit < size ? from + (uint64_t)limit : size;
    struct out_buf b = {.cap = 160 + (size_t)(to - from) * entry_cap(board_tree_width(t))};
    b.p = arena_alloc(rq->arena, b.cap);
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)size);
    put_s(&b, "{\"size\":");
    put_s(&b, num);
    put_s(&b, ",\"root\":\"");
    put_hex(&b, cm.root);
    put_s(&b, "\",\"items\":[");
    for (uint64_t i = from; i < to; i++) {
        if (i > from)
            put_s(&b, ",");
        put_entry(&b, t, i);
    }
    board_tree_release(t);
    if (to < size) {
        snprintf(num, sizeof num, "%llu", (unsigned long long)to);
        put_s(&b, "],\"next\":\"");
        put_s(&b, num);
        put_s(&b, "\"}");
    } else {
        put_s(&b, "],\"next\":null}");
    }
    api_reply_text(out, 200, "application/json", b.p, b.len);
    (void)api_immutable_headers(out, etag, cm.is_public);
    return 0;
}

/* GET /api/v1/questions/{qid}/ballots/{receipt} */
int api_ballots_receipt(struct api_req *rq, struct api_reply *out)
{
    int64_t qid;
    uint8_t receipt[32];
    struct closed cm;
    const char *hex = api_param(rq, "receipt");
    if (api_param_id(rq, "qid", &qid) != 0 || !hex || strlen(hex) != BALLOT_RECEIPT_HEX ||
        strspn(hex, "0123456789abcdef") != BALLOT_RECEIPT_HEX ||
        pnyx_crypto_unhex(hex, BALLOT_RECEIPT_HEX, receipt, 32) != 0)
        return api_problem(out, API_E_NOT_FOUND, NULL);
    if (board_gate(rq, out, qid, &cm) != 0)
        return 0;
    const char *etag =
        api_etag_of(rq->arena, "pnyx-board-proof", cm.root, 32, receipt, sizeof receipt);
    if (api_immutable_304(rq, out, etag, cm.is_public))
        return 0;
    struct board_tree *t;
    enum db_status st = board_tree_get(rq->db, qid, cm.ballot_count, cm.root, &t);
    if (st != DB_OK)
        return api_problem_db(out, st);
    int64_t index = board_tree_find(t, receipt);
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t plen = 0;
    if (index < 0 || board_tree_proof(t, (uint64_t)index, proof, MERKLE_MAX_PROOF, &plen) != 0) {
        board_tree_release(t);
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct out_buf b = {.cap = 300 + entry_cap(board_tree_width(t)) + plen * 67};
    b.p = arena_alloc(rq->arena, b.cap);
    put_s(&b, "{\"entry\":");
    put_entry(&b, t, (uint64_t)index);
    char num[96];
    snprintf(num, sizeof num, ",\"index\":%lld,\"size\":%llu,\"root\":\"", (long long)index,
             (unsigned long long)board_tree_size(t));
    board_tree_release(t);
    put_s(&b, num);
    put_hex(&b, cm.root);
    put_s(&b, "\",\"proof\":[");
    for (size_t i = 0; i < plen; i++) {
        put_s(&b, i ? ",\"" : "\"");
        put_hex(&b, proof[i]);
        put_s(&b, "\"");
    }
    snprintf(num, sizeof num, "],\"closed_entry_seq\":\"%lld\"}", (long long)cm.closed_log_size);
    put_s(&b, num);
    api_reply_text(out, 200, "application/json", b.p, b.len);
    (void)api_immutable_headers(out, etag, cm.is_public);
    return 0;
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_ballots_bodies[] = {
    {"POST /api/v1/questions/{qid}/ballots", &cast_spec},
    {NULL, NULL},
};
