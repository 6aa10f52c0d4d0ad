/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_results.c — the count of a closed question and what it publishes
 * (issue 11): question_tally() (api/question_int.h), GET …/result and GET
 * …/export. The counting rules, result bytes and export formats are pure
 * (codec/result); this file reads the board (db/db_result.h), runs them
 * and records the tally.
 *
 * The tally, in ONE transaction: claim the question (conditional UPDATE
 * closed → tallied, so it runs exactly once whoever calls), derive the seed
 * from the assembly log's root at closed_log_size, feed the board (grouped
 * in SQL, countries folded as published) to core/tally's builder, decide
 * the status (quorum, double majority), store the result bytes and their
 * SHA-256, append tally.published and, with adopts_proposals and status
 * tallied, adopt the winners' linked proposals and reject the others (one
 * entry each).
 *
 * Exports stream: the handler writes the head and opens the row source —
 * a WITH HOLD cursor over the GROUP BY for the grouped formats (pnyx, blt),
 * keyset pages by board_index for the per-ballot ones (csv, cdf) — and the
 * http layer pulls 64 KiB blocks (api_stream); each refill reads one page
 * of EXPORT_PAGE rows on the thread's connection into a scratch arena, so
 * pnyxd holds one page and one block of a million-ballot export at a time.
 */
#include "api/api_results.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api/api_common.h"
#include "api/audit_writer.h"
#include "api/immutable.h"
#include "api/question_int.h"
#include "api/witness_queue.h"
#include "codec/result/qresult.h"
#include "core/audit/merkle.h"
#include "core/base/base.h"
#include "db/db_audit.h"
#include "db/db_result.h"
#include "db/db_witness.h"
#include "platform/log.h"

/* ---- the question as codec/result's spec --------------------------------------------- */

static int spec_of(const struct db_rq_question *q, int64_t seed, struct qr_spec *s)
{
    int m = qr_method_parse(q->method);
    if (m < 0 || q->n_options < 1) {
        return -1;
    }
    *s = (struct qr_spec){
        .qid = q->id,
        .title = q->title,
        .method = (enum tally_method)m,
        .seats = q->seats,
        .n_options = q->n_options,
        .option_ids = (const char(*)[3])q->ids,
        .labels = (const char *const *)q->labels,
        .excluded = q->excluded,
        .country_cap = q->country_cap,
        .dm_share = q->dm_share,
        .max_rankings = q->max_rankings,
        .seed = seed,
    };
    return 0;
}

/* Root of assembly aid's log at `size` (popcount(size) stored nodes). */
static enum db_status log_root_at(struct db_conn *c, struct arena *a, int64_t aid, int64_t size,
                                  uint8_t root[32])
{
    if (size <= 0) {
        merkle_empty_root(root);
        return DB_OK;
    }
    struct merkle_plan *plan = arena_calloc(a, 1, sizeof *plan);
    if (merkle_root_plan((uint64_t)size, plan) != AUDIT_OK) {
        return DB_HARD_ERROR;
    }
    uint8_t *hashes = arena_alloc(a, (size_t)plan->n * 32 + 1);
    enum db_status st = db_audit_nodes(c, a, aid, plan->n, plan->level, plan->index, hashes);
    if (st != DB_OK) {
        return st == DB_NOT_FOUND ? DB_HARD_ERROR : st;
    }
    for (unsigned i = 0; i < plan->n; i++) {
        memcpy(plan->hash[i], hashes + (size_t)i * 32, 32);
        plan->have[i] = 1;
    }
    struct merkle_store store = merkle_plan_store(plan);
    return merkle_root(&store, (uint64_t)size, root) == AUDIT_OK ? DB_OK : DB_HARD_ERROR;
}

/* ---- question_tally ------------------------------------------------------------------------ */

struct tally_txn {
    int64_t qid;
    struct arena *a;
    /* outputs (reset before every run) */
    bool tallied;
    bool awaiting; /* left closed: fewer than k witness cosignatures */
    int k, have;
    char status[24];
};

/* Seconds before a question waiting for cosignatures is tried again: the
 * witness worker submits a new checkpoint within about a second. */
#define TALLY_WITNESS_RETRY_S 1

static void tally_reset(void *cls)
{
    struct tally_txn *t = cls;
    t->tallied = false;
    t->awaiting = false;
    t->k = t->have = 0;
    t->status[0] = '\0';
}

/* Counts q's board into *e / *r (the caller fini's both). When the engine
 * refuses the board under the question's rules (not a bug, not memory: the
 * input), returns DB_OK with refusal->code set and its reason. */
static enum db_status count_board(struct db_conn *c, struct arena *a, const struct qr_spec *s,
                                  struct tally_election *e, struct tally_result *r,
                                  int64_t *ballots, struct tally_error *refusal)
{
    struct db_rq_group *g = NULL;
    int n = 0;
    enum db_status st = db_rq_groups(c, a, s->qid, &g, &n);
    if (st != DB_OK) {
        return st;
    }
    struct tally_error err = {0};
    if (qr_election_setup(s, e, &err) != TALLY_OK) {
        log_error("tally of question %" PRId64 ": %s", s->qid, err.reason);
        return DB_HARD_ERROR;
    }
    *ballots = 0;
    for (int i = 0; i < n; i++) {
        *ballots += (int64_t)g[i].count;
        if (qr_election_add(e, g[i].ranking, g[i].len, g[i].country, g[i].count, &err) !=
            TALLY_OK) {
            log_error("tally of question %" PRId64 ": board row: %s", s->qid, err.reason);
            return DB_HARD_ERROR;
        }
    }
    int rc = tally_run(e, r, &err);
    if (rc == TALLY_EINVAL || rc == TALLY_ERANGE || rc == TALLY_ETIE) {
        log_warn("question %" PRId64 ": the count is refused: %s", s->qid, err.reason);
        *refusal = err;
        tally_result_fini(r); /* no winners, no rounds: nothing was decided */
        memset(r, 0, sizeof *r);
        return DB_OK;
    }
    if (rc != TALLY_OK) {
        log_error("tally of question %" PRId64 ": %s", s->qid, err.reason);
        return DB_HARD_ERROR;
    }
    return DB_OK;
}

/* tally.published, then (adopts_proposals, status tallied) the decisions. */
static enum db_status publish(struct db_conn *c, struct arena *a, const struct db_rq_question *q,
                              const struct tally_election *e, const struct tally_result *r,
                              enum qr_status status, const uint8_t hash[32], int64_t seed)
{
    char hex[65];
    base_hex_encode(hash, 32, hex);
    hex[64] = '\0';
    json_t *winners = json_array();
    for (size_t i = 0; i < r->n_winners; i++) {
        uint32_t o = r->winners[i];
        json_array_append_new(winners, json_stringn(e->opt_chars + e->opt_off[o], e->opt_len[o]));
    }
    /* ids in audit data are decimal strings, as in every other entry */
    char qid[24];
    snprintf(qid, sizeof qid, "%" PRId64, q->id);
    json_t *data = json_pack("{s:s, s:s, s:o, s:s, s:s, s:I}", "question", qid, "result_hash", hex,
                             "winners", winners, "status", qr_status_name(status), "rules_id",
                             qr_rules_id(e->method), "seed", (json_int_t)seed);
    if (data == NULL) {
        return DB_HARD_ERROR;
    }
    enum db_status st = api_audit_append(c, a, q->assembly_id, 0, "tally.published", data);
    json_decref(data);
    if (st != DB_OK || !q->adopts_proposals || status != QR_TALLIED) {
        return st;
    }
    /* winners' linked proposals adopted, the other linked ones rejected */
    int64_t adopt[DB_RQ_MAX_OPTIONS], reject[DB_RQ_MAX_OPTIONS];
    int na = 0, nr = 0;
    for (int i = 0; i < q->n_options; i++) {
        if (q->proposal_ids[i] == 0) {
            continue;
        }
        bool won = false;
        for (size_t w = 0; w < r->n_winners; w++) {
            won |= r->winners[w] == (uint32_t)i;
        }
        if (won) {
            adopt[na++] = q->proposal_ids[i];
        } else {
            reject[nr++] = q->proposal_ids[i];
        }
    }
    if (na + nr == 0) {
        return DB_OK;
    }
    struct db_rq_decided *d = NULL;
    int nd = 0;
    st = db_rq_decide(c, a, adopt, na, reject, nr, &d, &nd);
    for (int i = 0; st == DB_OK && i < nd; i++) {
        char pid[24];
        snprintf(pid, sizeof pid, "%" PRId64, d[i].id);
        json_t *pd = json_pack("{s:s, s:s}", "proposal", pid, "question", qid);
        st = pd ? api_audit_append(c, a, q->assembly_id, 0,
                                   d[i].adopted ? "proposal.adopted" : "proposal.rejected", pd)
                : DB_HARD_ERROR;
        json_decref(pd);
    }
    return st;
}

/* Sets *met: the assembly requires no cosignatures, or at least k of its
 * configured witnesses validly cosigned a checkpoint covering the
 * question's question.closed entry (README "Auditing a vote"). A question
 * not closed is "met": the claim then finds nothing to do. */
static enum db_status witnesses_met(struct db_conn *c, struct arena *a, int64_t qid, bool *met,
                                    int *k, int *have)
{
    int64_t aid = 0, size = -1;
    *met = true;
    *have = 0;
    enum db_status st = db_witness_tally_gate(c, a, qid, &aid, &size, k);
    if (st == DB_NOT_FOUND || (st == DB_OK && *k <= 0)) {
        return DB_OK;
    }
    if (st == DB_OK && size < 0) {
        st = db_rq_closed_seq(c, a, aid, qid, &size);
        st = st == DB_NOT_FOUND ? DB_HARD_ERROR : st;
    }
    if (st == DB_OK) {
        st = witness_cosigned_count(c, a, aid, size, have);
    }
    *met = st == DB_OK && *have >= *k;
    return st;
}

static enum db_status tally_body(struct db_conn *c, void *cls)
{
    struct tally_txn *t = cls;
    struct arena *a = t->a;
    bool cosigned = true;
    enum db_status st = witnesses_met(c, a, t->qid, &cosigned, &t->k, &t->have);
    if (st != DB_OK) {
        return st;
    }
    if (!cosigned) { /* stays closed; the scheduler tries again (never a tight loop) */
        t->awaiting = true;
        return db_witness_tally_later(c, a, t->qid, TALLY_WITNESS_RETRY_S);
    }
    bool claimed = false;
    st = db_rq_claim(c, a, t->qid, &claimed);
    if (st != DB_OK || !claimed) {
        return st; /* not closed (yet, or any more): nothing to do */
    }
    struct db_rq_question *q = arena_calloc(a, 1, sizeof *q);
    st = db_rq_load(c, a, t->qid, false, q);
    if (st != DB_OK) {
        return st;
    }
    /* the seed: the log's root right after question.closed */
    int64_t size = q->closed_log_size;
    if (size < 0) {
        st = db_rq_closed_seq(c, a, q->assembly_id, q->id, &size);
        if (st != DB_OK) {
            log_error("tally of question %" PRId64 ": no closed_log_size and no question.closed "
                      "entry",
                      q->id);
            return st == DB_NOT_FOUND ? DB_HARD_ERROR : st;
        }
    }
    uint8_t root[32];
    st = log_root_at(c, a, q->assembly_id, size, root);
    if (st != DB_OK) {
        return st;
    }
    int64_t seed = tally_seed_from_root(root);
    struct qr_spec s;
    if (spec_of(q, seed, &s) != 0) {
        return DB_HARD_ERROR;
    }
    int64_t voters = 0, countries = 0;
    st = db_rq_roll_stats(c, a, q->id, &voters, &countries);
    if (st != DB_OK) {
        return st;
    }

    struct tally_election e;
    struct tally_result r = {0};
    struct election_buf b = {0};
    tally_election_init(&e);
    int64_t ballots = 0;
    struct tally_error refusal = {0};
    st = count_board(c, a, &s, &e, &r, &ballots, &refusal);
    if (st == DB_OK) {
        char turnout[48];
        bool met =
            qr_quorum(ballots, q->roll_size, countries, q->min_turnout, q->min_countries, turnout);
        enum qr_status status = refusal.code != 0 ? QR_NOT_COUNTED : qr_status_of(met, &r);
        char root_hex[65];
        if (q->has_board_root) {
            base_hex_encode(q->board_root, 32, root_hex);
            root_hex[64] = '\0';
        }
        struct qr_meta m = {
            .qid = q->id,
            .status = status,
            .method = q->method,
            .seats = q->seats,
            .ballots = ballots,
            .roll_size = q->roll_size,
            .countries = countries,
            .turnout = turnout,
            .min_turnout = q->min_turnout[0] ? q->min_turnout : "0",
            .min_countries = q->min_countries,
            .quorum_met = met,
            .board_root_hex = q->has_board_root ? root_hex : NULL,
            .seed = seed,
            .refusal = refusal.code != 0 ? refusal.reason : NULL,
        };
        uint8_t hash[32];
        if (qr_result_write(&m, &e, &r, &b) != 0) {
            st = DB_HARD_ERROR;
        } else {
            crypto_hash_sha256(hash, (const unsigned char *)b.data, b.len);
            st = db_rq_store(c, a, q->id, seed, qr_status_name(status), b.data, b.len, hash);
        }
        if (st == DB_OK) {
            st = publish(c, a, q, &e, &r, status, hash, seed);
        }
        if (st == DB_OK) {
            t->tallied = true;
            snprintf(t->status, sizeof t->status, "%s", qr_status_name(status));
        }
    }
    election_buf_fini(&b);
    tally_result_fini(&r);
    tally_election_fini(&e);
    return st;
}

enum db_status question_tally(struct db_conn *c, int64_t qid)
{
    struct arena *a = arena_new();
    if (a == NULL) {
        return DB_HARD_ERROR;
    }
    struct tally_txn t = {.qid = qid, .a = a};
    enum db_status st = db_run_txn(c, "question_tally", tally_body, tally_reset, &t);
    if (st == DB_OK && t.tallied) {
        log_info("question %" PRId64 " tallied: %s", qid, t.status);
    } else if (st == DB_OK && t.awaiting) {
        log_debug("question %" PRId64 ": %d of %d witness cosignatures; the tally waits", qid,
                  t.have, t.k);
    } else if (st != DB_OK) {
        log_error("question %" PRId64 ": tally failed (%s)", qid, db_status_name(st));
    }
    arena_free(a);
    return st;
}

/* ---- GET …/result ----------------------------------------------------------------------- */

/* A closed question's result is not there yet: 409 awaiting-witnesses
 * while its assembly's k of n cosignatures are missing, else
 * question-not-tallied. */
static int not_tallied(struct api_req *rq, struct api_reply *out, int64_t qid,
                       const struct db_rq_view *v)
{
    if (strcmp(v->state, "closed") == 0) {
        bool met = true;
        int k = 0, have = 0;
        enum db_status st = witnesses_met(rq->db, rq->arena, qid, &met, &k, &have);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
        if (!met) {
            return api_problem(out, API_E_AWAITING_WITNESSES,
                               arena_printf(rq->arena,
                                            "%d of the %d witness cosignatures this assembly "
                                            "requires so far (%zu witnesses configured)",
                                            have, k, witness_count()));
        }
    }
    return api_problem(out, API_E_QUESTION_NOT_TALLIED, NULL);
}

/* The view, gated by AUTHZ_READ_RESULT: 0, or -1 after writing the problem. */
static int gate(struct api_req *rq, struct api_reply *out, int64_t *qid, struct db_rq_view *v)
{
    if (api_param_id(rq, "qid", qid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL), -1;
    }
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    enum db_status st = db_rq_view(rq->db, rq->arena, *qid, viewer, v);
    if (st != DB_OK) {
        return api_problem_db(out, st), -1;
    }
    struct authz_subject who = api_subject(rq, v->role, v->status);
    struct authz_resource res = {.is_public = v->is_public,
                                 .state = (unsigned)question_state_parse(v->state)};
    enum authz_decision d = authz_decide(authz_rule_of(AUTHZ_READ_RESULT), &who, &res);
    if (d == AUTHZ_STATE_409) {
        return not_tallied(rq, out, *qid, v), -1;
    }
    if (d != AUTHZ_ALLOW) {
        return api_authz_problem(out, d), -1;
    }
    if (v->result == NULL) { /* tallied yet no result: the tally's transaction stores both */
        return api_problem(out, API_E_INTERNAL, NULL), -1;
    }
    return 0;
}

/*
 * The result cache. A tallied result never changes, but who may read it
 * can (an assembly made members-only, a member who leaves), so only PUBLIC
 * results are served from memory, and only for RESULT_CACHE_TTL_US after
 * the database last said the assembly was public: a change of visibility
 * takes effect within that second. Everything else reads the database on
 * every request (db_rq_view: one round trip). Direct-mapped by qid,
 * RESULT_CACHE_SLOTS entries; the bytes are refcounted so a reply can send
 * them after the entry was replaced.
 */
#define RESULT_CACHE_SLOTS  256
#define RESULT_CACHE_TTL_US 1000000

struct result_blob {
    atomic_int refs;
    size_t len;
    char etag[67];
    char data[];
};

struct result_slot {
    int64_t qid;
    int64_t checked_us; /* monotonic µs of the last database check */
    struct result_blob *blob;
};

static pthread_mutex_t g_cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct result_slot g_cache[RESULT_CACHE_SLOTS];

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void blob_unref(void *p)
{
    struct result_blob *b = p;
    if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1) {
        free(b);
    }
}

/* A fresh public entry for qid (a reference the caller's arena drops), or NULL. */
static struct result_blob *cache_get(struct arena *a, int64_t qid)
{
    struct result_blob *b = NULL;
    struct result_slot *sl = &g_cache[(uint64_t)qid % RESULT_CACHE_SLOTS];
    int64_t now = mono_us();
    pthread_mutex_lock(&g_cache_mu);
    if (sl->blob != NULL && sl->qid == qid && now - sl->checked_us < RESULT_CACHE_TTL_US) {
        b = sl->blob;
        atomic_fetch_add(&b->refs, 1);
    }
    pthread_mutex_unlock(&g_cache_mu);
    if (b != NULL) {
        arena_defer(a, blob_unref, b);
    }
    return b;
}

/* Records a public result just read from the database. */
static void cache_put(int64_t qid, const struct db_rq_view *v, const char *etag)
{
    struct result_slot *sl = &g_cache[(uint64_t)qid % RESULT_CACHE_SLOTS];
    int64_t now = mono_us();
    pthread_mutex_lock(&g_cache_mu);
    if (sl->blob != NULL && sl->qid == qid) {
        sl->checked_us = now; /* same bytes (immutable): only the check is new */
        pthread_mutex_unlock(&g_cache_mu);
        return;
    }
    pthread_mutex_unlock(&g_cache_mu);
    struct result_blob *b = malloc(sizeof *b + v->result_len + 1);
    if (b == NULL) {
        return;
    }
    atomic_init(&b->refs, 1);
    b->len = v->result_len;
    memcpy(b->etag, etag, sizeof b->etag);
    memcpy(b->data, v->result, v->result_len + 1);
    pthread_mutex_lock(&g_cache_mu);
    struct result_blob *old = sl->blob;
    sl->qid = qid;
    sl->checked_us = now;
    sl->blob = b;
    pthread_mutex_unlock(&g_cache_mu);
    blob_unref(old);
}

/* The stored bytes, or a 304 (api/immutable.h: ETag, Cache-Control). */
static void result_reply(struct api_req *rq, struct api_reply *out, const char *body, size_t len,
                         const char *etag, bool is_public)
{
    if (!api_immutable_304(rq, out, etag, is_public)) {
        api_reply_text(out, 200, "application/json", body, len);
        (void)api_immutable_headers(out, etag, is_public);
    }
}

int api_results_get(struct api_req *rq, struct api_reply *out)
{
    int64_t qid;
    if (api_param_id(rq, "qid", &qid) == 0) {
        struct result_blob *b = cache_get(rq->arena, qid);
        if (b != NULL) {
            result_reply(rq, out, b->data, b->len, b->etag, true);
            return 0;
        }
    }
    struct db_rq_view v;
    if (gate(rq, out, &qid, &v) != 0) {
        return 0;
    }
    const char *etag = api_etag(rq->arena, v.hash);
    if (v.is_public) {
        cache_put(qid, &v, etag);
    }
    result_reply(rq, out, v.result, v.result_len, etag, v.is_public);
    return 0;
}

/* ---- GET …/export --------------------------------------------------------------------------- */

/* Rows per refill: ~100–300 KB of output, one scratch arena. */
#define EXPORT_PAGE 2000

enum xfmt { X_PNYX, X_CSV, X_BLT, X_CDF };

/* A stream's own copy of everything it writes (the request arena may be
 * gone while the client still reads). */
struct xstream {
    enum xfmt fmt;
    struct qr_spec spec;
    char ids[DB_RQ_MAX_OPTIONS][3];
    char *labels[DB_RQ_MAX_OPTIONS];
    bool excluded[DB_RQ_MAX_OPTIONS];
    char *title, *cap, *dm;
    char *result;
    size_t result_len;
    char cursor[48]; /* grouped formats: the cursor's name, "" when closed */
    struct db_conn *conn;
    int64_t after; /* keyset formats: last board_index sent */
    bool first, tail_done;
    struct election_buf buf;
    size_t off;
};

static void xstream_free(void *cls)
{
    struct xstream *x = cls;
    if (x->cursor[0] != '\0') {
        /* a client gone mid-export: the cursor is this thread's to close */
        struct db_conn *c = db_thread_conn();
        struct arena *a = arena_new();
        if (c == x->conn && a != NULL && !db_in_txn(c)) {
            (void)db_rq_cursor_close(c, a, x->cursor);
        } else {
            log_warn("export cursor %s left open (closed with its connection)", x->cursor);
        }
        arena_free(a);
    }
    for (int i = 0; i < DB_RQ_MAX_OPTIONS; i++) {
        free(x->labels[i]);
    }
    free(x->title);
    free(x->cap);
    free(x->dm);
    free(x->result);
    election_buf_fini(&x->buf);
    free(x);
}

/* Writes the next page (or the tail) into x->buf. 0, or -1 on failure. */
static int xstream_refill(struct xstream *x)
{
    struct db_conn *c = db_thread_conn();
    if (db_in_txn(c)) {
        log_error("export: the thread's connection is inside a transaction");
        return -1;
    }
    struct arena *a = arena_new();
    if (a == NULL) {
        return -1;
    }
    int n = 0, rc = 0;
    enum db_status st;
    if (x->fmt == X_PNYX || x->fmt == X_BLT) {
        struct db_rq_group *g = NULL;
        st =
            c == x->conn ? db_rq_cursor_fetch(c, a, x->cursor, EXPORT_PAGE, &g, &n) : DB_HARD_ERROR;
        for (int i = 0; st == DB_OK && i < n; i++) {
            if (x->fmt == X_PNYX) {
                qr_pnyx_ballot(&x->spec, x->first, g[i].ranking, g[i].len, g[i].country, g[i].count,
                               &x->buf);
            } else {
                qr_blt_ballot(g[i].ranking, g[i].len, g[i].count, &x->buf);
            }
            x->first = false;
        }
    } else {
        struct db_rq_row *rows = NULL;
        st = db_rq_board_page(c, a, x->spec.qid, x->after, EXPORT_PAGE, &rows, &n);
        for (int i = 0; st == DB_OK && i < n; i++) {
            if (x->fmt == X_CSV) {
                qr_csv_row(&x->spec, rows[i].receipt, rows[i].country, rows[i].ranking, rows[i].len,
                           &x->buf);
            } else {
                qr_cdf_cvr(&x->spec, x->first, rows[i].index, rows[i].receipt, rows[i].country,
                           rows[i].ranking, rows[i].len, &x->buf);
            }
            x->first = false;
            x->after = rows[i].index;
        }
    }
    if (st != DB_OK) {
        log_error("export of question %" PRId64 ": %s", x->spec.qid, db_status_name(st));
        rc = -1;
    } else if (n < EXPORT_PAGE) { /* the last page: the tail */
        if (x->cursor[0] != '\0') {
            (void)db_rq_cursor_close(c, a, x->cursor);
            x->cursor[0] = '\0';
        }
        switch (x->fmt) {
        case X_PNYX:
            qr_pnyx_tail(x->result, x->result_len, &x->buf);
            break;
        case X_BLT:
            qr_blt_tail(&x->spec, &x->buf);
            break;
        case X_CDF:
            qr_cdf_tail(&x->buf);
            break;
        case X_CSV:
            break;
        }
        x->tail_done = true;
    }
    arena_free(a);
    return rc != 0 || x->buf.oom ? -1 : 0;
}

static long xstream_read(void *cls, char *out, size_t max)
{
    struct xstream *x = cls;
    while (x->off == x->buf.len) {
        if (x->tail_done) {
            return 0;
        }
        x->buf.len = 0;
        x->off = 0;
        if (xstream_refill(x) != 0) {
            return -1;
        }
    }
    size_t n = x->buf.len - x->off;
    if (n > max) {
        n = max;
    }
    memcpy(out, x->buf.data + x->off, n);
    x->off += n;
    return (long)n;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? pnyx_xstrdup(s) : NULL;
}

static atomic_uint_fast64_t g_cursor_seq;

int api_results_export(struct api_req *rq, struct api_reply *out)
{
    const char *f = api_query(rq, "format");
    if (f == NULL) {
        f = "pnyx";
    }
    enum xfmt fmt;
    bool rctab = false;
    if (strcmp(f, "pnyx") == 0) {
        fmt = X_PNYX;
    } else if (strcmp(f, "csv") == 0) {
        fmt = X_CSV;
    } else if (strcmp(f, "blt") == 0) {
        fmt = X_BLT;
    } else if (strcmp(f, "cdf") == 0) {
        fmt = X_CDF;
    } else if (strcmp(f, "rctab") == 0) {
        fmt = X_CDF;
        rctab = true;
    } else {
        return api_problem(out, API_E_BAD_REQUEST, "format must be pnyx, cdf, rctab, blt or csv");
    }
    int64_t qid;
    struct db_rq_view v;
    if (gate(rq, out, &qid, &v) != 0) {
        return 0;
    }
    struct db_rq_question *q = arena_calloc(rq->arena, 1, sizeof *q);
    enum db_status st = db_rq_load(rq->db, rq->arena, qid, false, q);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    struct xstream *x = pnyx_xcalloc(1, sizeof *x);
    if (spec_of(q, q->seed, &x->spec) != 0) {
        free(x);
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    x->fmt = fmt;
    x->first = true;
    x->after = -1; /* board_index starts at 0 */
    memcpy(x->ids, q->ids, sizeof x->ids);
    memcpy(x->excluded, q->excluded, sizeof x->excluded);
    for (int i = 0; i < q->n_options; i++) {
        x->labels[i] = dup_or_null(q->labels[i]);
    }
    x->title = dup_or_null(q->title);
    x->cap = dup_or_null(q->country_cap);
    x->dm = dup_or_null(q->dm_share);
    x->result = pnyx_xmalloc(v.result_len + 1);
    memcpy(x->result, v.result, v.result_len + 1);
    x->result_len = v.result_len;
    x->spec.option_ids = (const char(*)[3])x->ids;
    x->spec.labels = (const char *const *)x->labels;
    x->spec.excluded = x->excluded;
    x->spec.title = x->title;
    x->spec.country_cap = x->cap;
    x->spec.dm_share = x->dm;

    const char *ext = "pnyx.json", *ctype = "application/json";
    if (rctab) {
        char *file = arena_printf(rq->arena, "question-%" PRId64 "-cvr.json", qid);
        qr_rctab_config(&x->spec, file, &x->buf);
        char *body = x->buf.oom ? NULL : arena_memdup(rq->arena, x->buf.data, x->buf.len);
        size_t len = x->buf.len;
        xstream_free(x);
        if (body == NULL) {
            return api_problem(out, API_E_INTERNAL, NULL);
        }
        api_reply_text(out, 200, "application/json", body, len);
        ext = "rctab.json";
    } else {
        switch (fmt) {
        case X_PNYX:
            qr_pnyx_head(&x->spec, &x->buf);
            break;
        case X_BLT:
            qr_blt_head(&x->spec, &x->buf);
            ext = "blt";
            ctype = "text/plain; charset=utf-8";
            break;
        case X_CSV:
            qr_csv_head(&x->spec, &x->buf);
            ext = "csv";
            ctype = "text/csv; charset=utf-8";
            break;
        case X_CDF: {
            char(*cs)[3] = NULL;
            int n = 0;
            st = db_rq_countries(rq->db, rq->arena, qid, &cs, &n);
            if (st != DB_OK) {
                xstream_free(x);
                return api_problem_db(out, st);
            }
            qr_cdf_head(&x->spec, (const char(*)[3])cs, (size_t)n, &x->buf);
            ext = "cdf.json";
            break;
        }
        }
        if (fmt == X_PNYX || fmt == X_BLT) {
            snprintf(x->cursor, sizeof x->cursor, "pnyx_export_%" PRIuFAST64,
                     atomic_fetch_add(&g_cursor_seq, 1));
            x->conn = rq->db;
            st = db_rq_cursor_open(rq->db, rq->arena, x->cursor, qid, fmt == X_PNYX);
            if (st != DB_OK) {
                x->cursor[0] = '\0';
                xstream_free(x);
                return api_problem_db(out, st);
            }
        }
        api_reply_stream(out, 200, ctype,
                         (struct api_stream){.read = xstream_read, .free = xstream_free, .cls = x});
    }
    api_reply_header(
        out, "Content-Disposition",
        arena_printf(rq->arena, "attachment; filename=\"question-%" PRId64 ".%s\"", qid, ext));
    (void)api_reply_header(out, "Cache-Control",
                           v.is_public ? API_IMMUTABLE_PUBLIC : API_IMMUTABLE_PRIVATE);
    return 0;
}
