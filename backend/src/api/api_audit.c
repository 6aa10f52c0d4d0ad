/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_audit.c — the audit log's public read endpoints: entries,
 * signed checkpoint, inclusion and consistency proofs, the verification
 * key. Appending is api/audit_writer.c's; the key, api/audit_key.c's.
 *
 * Proof indexes follow RFC 9162 (0-based leaf index).
 * A proof costs two queries whatever the log size: the view (authorisation
 * + head) and one fetch of the O(log n) complete-subtree nodes it needs,
 * whose positions core/audit plans (merkle_*_plan) before generating.
 */
#include "api/api_audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_common.h"
#include "api/audit_key.h"
#include "api/witness_queue.h"
#include "codec/result/qresult.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"
#include "core/ballot/ballot.h"
#include "db/db_assembly.h"
#include "db/db_audit.h"
#include "db/db_question.h"
#include "db/db_result.h"
#include "db/db_witness.h"

/* --- reading: shared --------------------------------------------------------- */

static int view_allowed(struct api_req *rq, struct api_reply *out, const struct db_audit_view *v);
static int bad_query(struct api_reply *out, const char *field, const char *code, json_t *params,
                     const char *msg);

/* Loads the view and applies READ_AUDIT; on refusal writes the problem and
 * returns -1. */
static int load_view(struct api_req *rq, struct api_reply *out, int64_t *aid,
                     struct db_audit_view *v)
{
    if (api_param_id(rq, "aid", aid) != 0) {
        api_problem(out, API_E_NOT_FOUND, NULL);
        return -1;
    }
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    enum db_status st = db_audit_view(rq->db, rq->arena, *aid, viewer, v);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    return view_allowed(rq, out, v);
}

/* Applies READ_AUDIT to a loaded view; on refusal writes the problem and
 * returns -1. */
static int view_allowed(struct api_req *rq, struct api_reply *out, const struct db_audit_view *v)
{
    struct db_standing sd = {.is_public = v->is_public, .role = v->role, .status = v->status};
    enum authz_decision d = api_authz_decide(rq, &sd, AUTHZ_READ_AUDIT);
    if (d != AUTHZ_ALLOW) {
        api_authz_problem(out, d);
        return -1;
    }
    return 0;
}

static json_t *b64_json(const uint8_t *h, size_t n)
{
    char buf[AUDIT_B64_LEN(64) + 1];
    audit_b64_encode(h, n, buf);
    return json_string(buf);
}

int api_audit_list(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    struct db_audit_view v;
    if (load_view(rq, out, &aid, &v) != 0) {
        return 0;
    }
    int64_t after;
    int limit;
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_audit_entry *items;
    int n;
    enum db_status st = db_audit_entries(rq->db, rq->arena, aid, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)items[i].seq,
                                             "entry", items[i].entry, "leaf_hash",
                                             b64_json(items[i].leaf_hash, MERKLE_HASH_LEN)));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].seq : 0,
                          json_pack("{s:I}", "size", (json_int_t)v.size));
}

const char *api_audit_head_note(struct db_conn *c, struct arena *a, const struct pnyx_config *cfg,
                                int64_t aid, const struct db_audit_view *v, const char **why)
{
    if (why != NULL) {
        *why = NULL;
    }
    if (v->note != NULL) {
        return v->note;
    }
    /* Issue 13: a new signature only with the key the database records. */
    enum db_status kst;
    const char *kwhy = NULL;
    const struct audit_signing *key = audit_key_for_signing(c, a, cfg, &kst, &kwhy);
    if (key == NULL) {
        if (why != NULL) {
            *why = kwhy;
        }
        return NULL;
    }
    /* First request for this size: sign once and cache. */
    char origin[NOTE_ORIGIN_MAX + 32];
    char *buf = arena_alloc(a, NOTE_SIGNED_CHECKPOINT_MAX);
    size_t len = 0;
    snprintf(origin, sizeof(origin), "%s/assembly/%lld", key->origin, (long long)aid);
    if (note_checkpoint_sign(&key->signer, origin, (uint64_t)v->size, v->root, buf,
                             NOTE_SIGNED_CHECKPOINT_MAX, &len) != AUDIT_OK) {
        return NULL;
    }
    const char *note = NULL;
    enum db_status st = db_audit_checkpoint_store(c, a, aid, v->size, buf, &note);
    return st == DB_OK ? note : buf; /* still a valid signature; caching is an optimisation */
}

int api_audit_checkpoint(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    struct db_audit_view v;
    if (audit_key_get(rq->cfg) == NULL) {
        return api_problem(out, API_E_UNAVAILABLE, "checkpoint signing key unavailable");
    }
    if (load_view(rq, out, &aid, &v) != 0) {
        return 0;
    }
    const char *why = NULL;
    const char *note = api_audit_head_note(rq->db, rq->arena, rq->cfg, aid, &v, &why);
    if (note == NULL) {
        return why ? api_problem(out, API_E_UNAVAILABLE, why)
                   : api_problem(out, API_E_INTERNAL, NULL);
    }
    /* Witness cosignatures of this size (issue 12), appended as further
     * signature lines: a C2SP note verifier ignores lines by keys it does
     * not know, so the note stays valid for every reader. */
    const char *lines = "";
    if (db_witness_lines(rq->db, rq->arena, aid, v.size, &lines) == DB_OK && lines[0] != '\0') {
        note = arena_printf(rq->arena, "%s%s", note, lines);
    }
    (void)api_reply_header(out, "Cache-Control", "no-cache");
    return api_reply_text(out, 200, "text/plain; charset=utf-8", note, strlen(note));
}

int api_audit_key(struct api_req *rq, struct api_reply *out)
{
    const struct audit_signing *key = audit_key_get(rq->cfg);
    if (key == NULL) {
        return api_problem(out, API_E_UNAVAILABLE, "checkpoint signing key unavailable");
    }
    /* The witnesses this deployment submits checkpoints to (issue 12):
     * their cosignature lines follow the log's on GET …/audit/checkpoint. */
    const char *names[16], *vkeys[16];
    size_t nw = witness_list(names, vkeys, 16);
    json_t *witnesses = json_array();
    for (size_t i = 0; i < nw; i++) {
        json_array_append_new(witnesses,
                              json_pack("{s:s, s:s}", "name", names[i], "vkey", vkeys[i]));
    }
    return api_reply_json(
        out, 200,
        json_pack("{s:s, s:o, s:s, s:s, s:s, s:o}", "name", key->signer.v.name, "public_key",
                  b64_json(key->signer.v.public_key, NOTE_PUBLIC_KEY_LEN), "key_id", key->key_id,
                  "vkey", key->vkey, "origin_prefix",
                  arena_printf(rq->arena, "%s/assembly/", key->origin), "witnesses", witnesses));
}

/* GET …/audit/witnesses (issue 12): per configured witness, the newest
 * checkpoint of this log it cosigned (the log's signed note of that size
 * with that witness's cosignature line: a reader verifies both with the
 * keys of GET /audit/key), and the assembly's k of n. */
int api_audit_witnesses(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    struct db_audit_view v;
    if (load_view(rq, out, &aid, &v) != 0) {
        return 0;
    }
    int k = 0;
    struct db_witness_latest *w = NULL;
    int n = 0;
    enum db_status st = db_witness_quorum(rq->db, rq->arena, aid, &k);
    if (st == DB_OK) {
        st = db_witness_latest(rq->db, rq->arena, aid, witness_names_array(), &w, &n);
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    const char *names[16], *vkeys[16];
    size_t nw = witness_list(names, vkeys, 16);
    json_t *arr = json_array();
    for (size_t i = 0; i < nw; i++) {
        const struct note_verifier *key = witness_key(names[i]);
        char kid[2 * NOTE_KEY_ID_LEN + 1];
        for (size_t b = 0; key != NULL && b < NOTE_KEY_ID_LEN; b++) {
            snprintf(kid + 2 * b, 3, "%02x", key->key_id[b]);
        }
        json_int_t size = 0;
        json_t *note = json_null();
        for (int j = 0; j < n; j++) {
            if (strcmp(w[j].witness, names[i]) == 0 && w[j].note != NULL) {
                size = (json_int_t)w[j].size;
                json_decref(note);
                note = json_string(arena_printf(rq->arena, "%s%s", w[j].note, w[j].line));
            }
        }
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:o}", "name", names[i], "vkey",
                                             vkeys[i], "key_id", key != NULL ? kid : "", "size",
                                             size, "checkpoint", note));
    }
    (void)api_reply_header(out, "Cache-Control", "no-cache");
    return api_reply_json(out, 200,
                          json_pack("{s:i, s:i, s:I, s:o}", "witness_quorum", k, "configured",
                                    (int)nw, "size", (json_int_t)v.size, "witnesses", arr));
}

/* --- proofs: plan the node reads, fetch them in one query, generate ------ */

/* Fetches every planned position (plus an optional extra one, written to
 * extra_hash) in one query and marks them present. */
static enum db_status plan_fetch(struct api_req *rq, int64_t aid, struct merkle_plan *p,
                                 const unsigned *extra_level, const uint64_t *extra_index,
                                 uint8_t extra_hash[MERKLE_HASH_LEN])
{
    size_t n = p->n + (extra_level != NULL ? 1u : 0u);
    unsigned *levels = arena_alloc(rq->arena, (n + 1) * sizeof(*levels));
    uint64_t *indexes = arena_alloc(rq->arena, (n + 1) * sizeof(*indexes));
    memcpy(levels, p->level, p->n * sizeof(*levels));
    memcpy(indexes, p->index, p->n * sizeof(*indexes));
    if (extra_level != NULL) {
        levels[p->n] = *extra_level;
        indexes[p->n] = *extra_index;
    }
    uint8_t *flat = arena_alloc(rq->arena, n * MERKLE_HASH_LEN + 1);
    enum db_status st = db_audit_nodes(rq->db, rq->arena, aid, n, levels, indexes, flat);
    if (st != DB_OK) {
        return st == DB_NOT_FOUND ? DB_HARD_ERROR : st; /* a missing node is corruption */
    }
    for (unsigned i = 0; i < p->n; i++) {
        memcpy(p->hash[i], flat + (size_t)i * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
        p->have[i] = 1;
    }
    if (extra_level != NULL) {
        memcpy(extra_hash, flat + (size_t)p->n * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
    }
    return DB_OK;
}

/* One round trip for a proof whose tree size the client gave: the view
 * (authorisation, head) and every planned node (plus an optional extra
 * one). Returns 0 with the plan filled, or -1 after writing the problem
 * (including 422 when `size` is beyond the log). */
static int view_plan_fetch(struct api_req *rq, struct api_reply *out, int64_t aid, uint64_t size,
                           const char *size_field, struct merkle_plan *p,
                           const unsigned *extra_level, const uint64_t *extra_index,
                           uint8_t extra_hash[MERKLE_HASH_LEN])
{
    size_t n = p->n + (extra_level != NULL ? 1u : 0u);
    unsigned *levels = arena_alloc(rq->arena, (n + 1) * sizeof(*levels));
    uint64_t *indexes = arena_alloc(rq->arena, (n + 1) * sizeof(*indexes));
    memcpy(levels, p->level, p->n * sizeof(*levels));
    memcpy(indexes, p->index, p->n * sizeof(*indexes));
    if (extra_level != NULL) {
        levels[p->n] = *extra_level;
        indexes[p->n] = *extra_index;
    }
    uint8_t *flat = arena_alloc(rq->arena, n * MERKLE_HASH_LEN + 1);
    struct db_audit_view v;
    bool complete = false;
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    enum db_status st = db_audit_view_nodes(rq->db, rq->arena, aid, viewer, n, levels, indexes, &v,
                                            flat, &complete);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    if (view_allowed(rq, out, &v) != 0) {
        return -1;
    }
    if (size > (uint64_t)v.size) {
        bad_query(out, size_field, "out_of_range", json_pack("{s:I}", "max", (json_int_t)v.size),
                  "must not exceed the current log size");
        return -1;
    }
    if (!complete) { /* every node of a size <= the log's exists: corruption */
        log_error("audit: missing nodes assembly=%lld size=%llu", (long long)aid,
                  (unsigned long long)size);
        api_problem(out, API_E_INTERNAL, NULL);
        return -1;
    }
    for (unsigned i = 0; i < p->n; i++) {
        memcpy(p->hash[i], flat + (size_t)i * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
        p->have[i] = 1;
    }
    if (extra_level != NULL) {
        memcpy(extra_hash, flat + (size_t)p->n * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
    }
    return 0;
}

static json_t *proof_json(uint8_t (*proof)[MERKLE_HASH_LEN], size_t len)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < len; i++) {
        json_array_append_new(arr, b64_json(proof[i], MERKLE_HASH_LEN));
    }
    return arr;
}

/* A query parameter's problem (DESIGN: 400 malformed, 422 breaks a rule):
 * not a decimal integer → 400 bad-request (code "type"); a missing one or
 * integers the log cannot satisfy (index ≥ size, size beyond the log,
 * from > to) → 422 validation. params: stolen, NULL = {}. */
static int bad_query(struct api_reply *out, const char *field, const char *code, json_t *params,
                     const char *msg)
{
    json_t *fields = json_array();
    api_field_error_params(fields, field, code, params, msg);
    return api_problem_fields(out, strcmp(code, "type") == 0 ? API_E_BAD_REQUEST : API_E_VALIDATION,
                              fields);
}

int api_audit_inclusion(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    uint64_t index = 0, size = 0;
    int hi = api_query_u64(rq, "index", &index);
    int hs = api_query_u64(rq, "size", &size);
    if (hi < 0 || hs < 0) {
        return bad_query(out, hi < 0 ? "index" : "size", "type",
                         json_pack("{s:s}", "expected", "integer"), "a decimal integer");
    }
    struct db_audit_view v;
    if (hs == 0) { /* size defaults to the current one: read the head first */
        if (load_view(rq, out, &aid, &v) != 0) {
            return 0;
        }
        size = (uint64_t)v.size;
    }
    if (hi == 0) {
        return bad_query(out, "index", "required", NULL,
                         "index (0-based leaf index = seq - 1) is required");
    }
    if (size == 0) {
        return bad_query(out, "size", "out_of_range", json_pack("{s:i}", "min", 1),
                         "size must be between 1 and the current log size");
    }
    if (index >= size) {
        return bad_query(out, "index", "out_of_range",
                         json_pack("{s:i, s:I}", "min", 0, "max", (json_int_t)(size - 1)),
                         "index must be smaller than size");
    }
    struct merkle_plan *plan = arena_calloc(rq->arena, 1, sizeof(*plan));
    uint8_t(*proof)[MERKLE_HASH_LEN] = arena_alloc(rq->arena, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    size_t plen = 0;
    unsigned leaf_level = 0;
    uint8_t leaf[MERKLE_HASH_LEN];
    if (merkle_inclusion_plan(index, size, plan) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    if (hs == 0) {
        enum db_status st = plan_fetch(rq, aid, plan, &leaf_level, &index, leaf);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
    } else if (view_plan_fetch(rq, out, aid, size, "size", plan, &leaf_level, &index, leaf) != 0) {
        return 0;
    }
    struct merkle_store store = merkle_plan_store(plan);
    if (merkle_inclusion_proof(&store, index, size, proof, MERKLE_MAX_PROOF, &plen) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    return api_reply_json(out, 200,
                          json_pack("{s:I, s:I, s:o, s:o}", "index", (json_int_t)index, "size",
                                    (json_int_t)size, "leaf_hash", b64_json(leaf, MERKLE_HASH_LEN),
                                    "proof", proof_json(proof, plen)));
}

int api_audit_consistency(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    uint64_t from = 0, to = 0;
    int hf = api_query_u64(rq, "from", &from);
    int ht = api_query_u64(rq, "to", &to);
    if (hf < 0 || ht < 0) {
        return bad_query(out, hf < 0 ? "from" : "to", "type",
                         json_pack("{s:s}", "expected", "integer"), "a decimal integer");
    }
    struct db_audit_view v;
    if (ht == 0) { /* to defaults to the current size: read the head first */
        if (load_view(rq, out, &aid, &v) != 0) {
            return 0;
        }
        to = (uint64_t)v.size;
    }
    if (hf == 0) {
        return bad_query(out, "from", "required", NULL, "from (an earlier tree size) is required");
    }
    if (from > to) {
        return bad_query(out, "from", "out_of_range",
                         json_pack("{s:i, s:I}", "min", 0, "max", (json_int_t)to),
                         "from must not exceed to");
    }
    struct merkle_plan *plan = arena_calloc(rq->arena, 1, sizeof(*plan));
    uint8_t(*proof)[MERKLE_HASH_LEN] = arena_alloc(rq->arena, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    size_t plen = 0;
    if (merkle_consistency_plan(from, to, plan) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    if (ht == 0) {
        enum db_status st = plan_fetch(rq, aid, plan, NULL, NULL, NULL);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
    } else if (view_plan_fetch(rq, out, aid, to, "to", plan, NULL, NULL, NULL) != 0) {
        return 0;
    }
    struct merkle_store store = merkle_plan_store(plan);
    if (merkle_consistency_proof(&store, from, to, proof, MERKLE_MAX_PROOF, &plen) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    return api_reply_json(out, 200,
                          json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to",
                                    (json_int_t)to, "proof", proof_json(proof, plen)));
}

/* --- the auditor's record (issue 12, api-spec/record.md) --------------------- */

/* Entries (and board entries) per page read from the database while
 * writing the record. */
#define RECORD_PAGE 1000

/*
 * The record as a sequence of chunks pulled by the http layer (api_stream):
 * the opening ({"assembly":…,"checkpoints":[), one chunk per page of
 * RECORD_PAGE checkpoints, then "],"entries":[", one chunk per page of
 * RECORD_PAGE entries, the middle tail (format, key, origin, "questions":[),
 * then per question: `{"board":[`, one chunk per page of RECORD_PAGE board
 * entries, the question's other members; finally "]}". Each element is
 * written with core/audit's canonical builder and the members come in
 * canonical order, so the whole document is RFC 8785 canonical JSON. Memory
 * is one page at a time: a record of a million ballots never sits in
 * pnyxd's memory. Reads run on the thread's connection outside any
 * transaction; the snapshot is the head read by the handler (entries
 * 1..size; questions whose question.closed entry is within them; a result
 * only when its tally.published is).
 */
enum record_phase {
    RP_OPEN,
    RP_CHECKPOINTS,
    RP_MIDDLE,
    RP_ENTRIES,
    RP_TAIL,
    RP_Q_HEAD,
    RP_Q_BOARD,
    RP_Q_TAIL,
    RP_END,
    RP_DONE
};

struct record_writer {
    int64_t aid;
    int64_t size;     /* snapshot: entries 1..size, checkpoints up to size */
    int64_t after;    /* last entry written; in a board: last board_index */
    int64_t cp_after; /* last checkpoint size written (-1: none yet) */
    enum record_phase phase;
    char *head_note;            /* malloc'd: the signed note of `size` */
    char *tail;                 /* malloc'd */
    bool first;                 /* no element written yet in the current array */
    struct db_rec_question *qs; /* malloc'd: the record's questions */
    int n_qs, qi;               /* count, current */
    /* the stream's current chunk */
    char *chunk;
    size_t chunk_len, off;
};

/* Appends n bytes to a growing malloc'd text (NUL-terminated). 0 or -1. */
static int append_text(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*cap ? *cap : 4096);
        while (nc < *len + n + 1) {
            nc *= 2;
        }
        char *p = realloc(*out, nc);
        if (p == NULL) {
            return -1;
        }
        *out = p;
        *cap = nc;
    }
    memcpy(*out + *len, s, n);
    *len += n;
    (*out)[*len] = '\0';
    return 0;
}

/* Appends one finished canonical element (b), preceded by a comma unless
 * it is the first of its array. */
static int append_element(struct record_writer *w, struct jcs_buf *b, char **out, size_t *len,
                          size_t *cap)
{
    int rc = jcs_buf_finish(b) == AUDIT_OK ? 0 : -1;
    if (rc == 0 && !w->first) {
        rc = append_text(out, len, cap, ",", 1);
    }
    if (rc == 0) {
        rc = append_text(out, len, cap, b->data, b->len);
    }
    w->first = false;
    return rc;
}

static int checkpoint_element(struct record_writer *w, const char *note, int64_t size, char **out,
                              size_t *len, size_t *cap)
{
    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);
    jcs_key(&b, "note");
    jcs_str(&b, note);
    jcs_key(&b, "size");
    jcs_int(&b, size);
    jcs_obj_end(&b);
    int rc = append_element(w, &b, out, len, cap);
    jcs_buf_fini(&b);
    w->cp_after = size;
    return rc;
}

/* Prepares the writer (copies head_note and the question list, builds the
 * tail). 0 or -1. */
static int record_begin(struct record_writer *w, int64_t aid, int64_t size,
                        const struct audit_signing *key, const char *head_note,
                        const struct db_rec_question *qs, int n_qs)
{
    memset(w, 0, sizeof *w);
    w->aid = aid;
    w->size = size;
    w->cp_after = -1;
    w->first = true;
    w->head_note = strdup(head_note);
    w->n_qs = n_qs;
    w->qs = malloc((size_t)(n_qs > 0 ? n_qs : 1) * sizeof *qs);
    if (w->qs != NULL && n_qs > 0) {
        memcpy(w->qs, qs, (size_t)n_qs * sizeof *qs);
    }
    /* tail: format, key {key_id, name, public_key, vkey}, origin, questions */
    char pk[AUDIT_B64_LEN(NOTE_PUBLIC_KEY_LEN) + 1];
    audit_b64_encode(key->signer.v.public_key, NOTE_PUBLIC_KEY_LEN, pk);
    char origin[NOTE_ORIGIN_MAX + 32];
    snprintf(origin, sizeof origin, "%s/assembly/%lld", key->origin, (long long)aid);
    struct jcs_buf t;
    jcs_buf_init(&t);
    jcs_obj_begin(&t);
    jcs_key(&t, "format");
    jcs_str(&t, "pnyx-record/1");
    jcs_key(&t, "key");
    jcs_obj_begin(&t);
    jcs_key(&t, "key_id");
    jcs_str(&t, key->key_id);
    jcs_key(&t, "name");
    jcs_str(&t, key->signer.v.name);
    jcs_key(&t, "public_key");
    jcs_str(&t, pk);
    jcs_key(&t, "vkey");
    jcs_str(&t, key->vkey);
    jcs_obj_end(&t);
    jcs_key(&t, "origin");
    jcs_str(&t, origin);
    jcs_obj_end(&t);
    int rc = w->head_note != NULL && w->qs != NULL && jcs_buf_finish(&t) == AUDIT_OK ? 0 : -1;
    if (rc == 0) {
        /* "]," closes the entries, then the object's remaining members
         * without its braces, then the questions array is opened. */
        size_t tl = 0, tc = 0;
        rc = append_text(&w->tail, &tl, &tc, "],", 2);
        if (rc == 0) {
            rc = append_text(&w->tail, &tl, &tc, t.data + 1, t.len - 2);
        }
        if (rc == 0) {
            rc = append_text(&w->tail, &tl, &tc, ",\"questions\":[", 14);
        }
    }
    jcs_buf_fini(&t);
    return rc;
}

static void record_end(struct record_writer *w)
{
    free(w->head_note);
    free(w->tail);
    free(w->qs);
    free(w->chunk);
    w->head_note = w->tail = w->chunk = NULL;
    w->qs = NULL;
}

/* One page of checkpoints (the head's own note after the last page when it
 * is not cached). 0 or -1. */
static int checkpoint_page(struct record_writer *w, struct db_conn *c, char **out, size_t *len,
                           size_t *cap)
{
    struct arena *page = arena_new();
    struct db_witness_checkpoint *cps = NULL;
    int n = 0;
    enum db_status st = page == NULL ? DB_HARD_ERROR
                                     : db_witness_checkpoints(c, page, w->aid, w->cp_after, w->size,
                                                              RECORD_PAGE, &cps, &n);
    int rc = st == DB_OK ? 0 : -1;
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = checkpoint_element(w, cps[i].note, cps[i].size, out, len, cap);
    }
    if (rc == 0 && n < RECORD_PAGE) {
        if (w->cp_after != w->size) { /* the head's note could not be cached */
            rc = checkpoint_element(w, w->head_note, w->size, out, len, cap);
        }
        w->phase = RP_MIDDLE;
    }
    arena_free(page);
    if (rc != 0) {
        log_error("audit: record of assembly %lld: checkpoints after %lld failed (%s)",
                  (long long)w->aid, (long long)w->cp_after, db_status_name(st));
    }
    return rc;
}

/* One page of entries. 0 or -1. */
static int entry_page(struct record_writer *w, struct db_conn *c, char **out, size_t *len,
                      size_t *cap)
{
    struct arena *page = arena_new();
    struct db_audit_entry *items = NULL;
    int n = 0;
    enum db_status st = page == NULL
                            ? DB_HARD_ERROR
                            : db_audit_entries(c, page, w->aid, w->after, RECORD_PAGE, &items, &n);
    int rc = st == DB_OK && n > 0 ? 0 : -1; /* entries missing below the head: corruption */
    for (int i = 0; rc == 0 && i < n && items[i].seq <= w->size; i++) {
        char lh[AUDIT_B64_LEN(MERKLE_HASH_LEN) + 1];
        audit_b64_encode(items[i].leaf_hash, MERKLE_HASH_LEN, lh);
        struct jcs_buf b;
        jcs_buf_init(&b);
        jcs_obj_begin(&b);
        jcs_key(&b, "entry");
        jcs_str(&b, items[i].entry);
        jcs_key(&b, "leaf_hash");
        jcs_str(&b, lh);
        jcs_key(&b, "seq");
        jcs_int(&b, items[i].seq);
        jcs_obj_end(&b);
        rc = append_element(w, &b, out, len, cap);
        jcs_buf_fini(&b);
        w->after = items[i].seq;
    }
    arena_free(page);
    if (rc != 0) {
        log_error("audit: record of assembly %lld: entries after seq %lld failed (%s)",
                  (long long)w->aid, (long long)w->after, db_status_name(st));
    } else if (w->after >= w->size) {
        w->phase = RP_TAIL;
    }
    return rc;
}

/* One page of the current question's board (board order = receipt order),
 * each element the exact board entry whose leaf the board root covers. */
static int board_page(struct record_writer *w, struct db_conn *c, char **out, size_t *len,
                      size_t *cap)
{
    const struct db_rec_question *q = &w->qs[w->qi];
    struct arena *page = arena_new();
    struct db_rq_row *rows = NULL;
    int n = 0;
    enum db_status st = page == NULL
                            ? DB_HARD_ERROR
                            : db_rq_board_page(c, page, q->id, w->after, RECORD_PAGE, &rows, &n);
    int rc = st == DB_OK ? 0 : -1;
    struct jcs_buf b;
    jcs_buf_init(&b);
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = ballot_board_entry(&b, rows[i].ranking, rows[i].len, rows[i].country, rows[i].receipt);
        if (rc == 0 && !w->first) {
            rc = append_text(out, len, cap, ",", 1);
        }
        if (rc == 0) {
            rc = append_text(out, len, cap, b.data, b.len);
        }
        w->first = false;
        w->after = rows[i].index;
    }
    jcs_buf_fini(&b);
    arena_free(page);
    if (rc != 0) {
        log_error("audit: record of assembly %lld: board of question %" PRId64 " after %" PRId64
                  " failed (%s)",
                  (long long)w->aid, q->id, w->after, db_status_name(st));
    } else if (n < RECORD_PAGE) {
        w->phase = RP_Q_TAIL;
    }
    return rc;
}

/* A canonical decimal text or null ("" = null). */
static void str_or_null(struct jcs_buf *b, const char *s)
{
    if (s == NULL || s[0] == '\0') {
        jcs_null(b);
    } else {
        jcs_str(b, s);
    }
}

/* The current question's members after its board: id, options, result,
 * roll, rules, state, texts (canonical order), and the object's end. */
static int question_tail(struct record_writer *w, struct db_conn *c, char **out, size_t *len,
                         size_t *cap)
{
    const struct db_rec_question *rq = &w->qs[w->qi];
    struct arena *a = arena_new();
    if (a == NULL) {
        return -1;
    }
    struct db_rq_question *q = arena_calloc(a, 1, sizeof *q);
    const char *texts = NULL, *roll_root = NULL, *result = NULL;
    size_t result_len = 0;
    int64_t voters = 0, countries = 0;
    enum db_status st = db_rq_load(c, a, rq->id, false, q);
    if (st == DB_OK) {
        st = db_question_texts(c, a, rq->id, &texts);
    }
    if (st == DB_OK) {
        st = db_rec_question_extra(c, a, rq->id, rq->tally_seq > 0, &roll_root, &result,
                                   &result_len);
    }
    if (st == DB_OK) {
        st = db_rq_roll_stats(c, a, rq->id, &voters, &countries);
    }
    int rc = st == DB_OK && texts != NULL ? 0 : -1;
    int m = rc == 0 ? qr_method_parse(q->method) : -1;
    if (rc == 0 && m < 0) {
        rc = -1;
    }
    struct jcs_buf b;
    jcs_buf_init(&b);
    if (rc == 0) {
        jcs_obj_begin(&b);
        jcs_key(&b, "id");
        jcs_int(&b, q->id);
        jcs_key(&b, "options");
        jcs_arr_begin(&b);
        for (int i = 0; i < q->n_options; i++) {
            jcs_obj_begin(&b);
            jcs_key(&b, "excluded");
            jcs_bool(&b, q->excluded[i]);
            jcs_key(&b, "id");
            jcs_str(&b, q->ids[i]);
            jcs_key(&b, "label");
            jcs_str(&b, q->labels[i] != NULL ? q->labels[i] : "");
            jcs_key(&b, "proposal_id");
            if (q->proposal_ids[i] != 0) {
                jcs_int(&b, q->proposal_ids[i]);
            } else {
                jcs_null(&b);
            }
            jcs_obj_end(&b);
        }
        jcs_arr_end(&b);
        jcs_key(&b, "result");
        if (result != NULL) {
            jcs_strn(&b, result, result_len);
        } else {
            jcs_null(&b);
        }
        jcs_key(&b, "roll");
        jcs_obj_begin(&b);
        jcs_key(&b, "countries");
        jcs_int(&b, countries);
        jcs_key(&b, "root");
        str_or_null(&b, roll_root);
        jcs_key(&b, "size");
        jcs_int(&b, q->roll_size);
        jcs_key(&b, "voters");
        jcs_int(&b, voters);
        jcs_obj_end(&b);
        jcs_key(&b, "rules");
        jcs_obj_begin(&b);
        jcs_key(&b, "country_cap");
        str_or_null(&b, q->country_cap);
        jcs_key(&b, "double_majority");
        if (q->dm_share != NULL && q->dm_share[0] != '\0') {
            jcs_obj_begin(&b);
            jcs_key(&b, "min_country_share");
            jcs_str(&b, q->dm_share);
            jcs_obj_end(&b);
        } else {
            jcs_null(&b);
        }
        jcs_key(&b, "max_rankings");
        if (q->max_rankings >= 0) {
            jcs_int(&b, q->max_rankings);
        } else {
            jcs_null(&b);
        }
        jcs_key(&b, "method");
        jcs_str(&b, q->method);
        jcs_key(&b, "quorum");
        jcs_obj_begin(&b);
        jcs_key(&b, "min_countries");
        jcs_int(&b, q->min_countries);
        jcs_key(&b, "min_turnout");
        jcs_str(&b, q->min_turnout[0] ? q->min_turnout : "0");
        jcs_obj_end(&b);
        jcs_key(&b, "rules_id");
        jcs_str(&b, qr_rules_id((enum tally_method)m));
        jcs_key(&b, "seats");
        jcs_int(&b, q->seats);
        jcs_obj_end(&b);
        jcs_key(&b, "state");
        jcs_str(&b, rq->tally_seq > 0 ? "tallied" : "closed");
        jcs_key(&b, "texts");
        jcs_json(&b, texts, strlen(texts));
        jcs_obj_end(&b);
        rc = jcs_buf_finish(&b) == AUDIT_OK ? 0 : -1;
    }
    if (rc == 0) { /* "]," closes the board; then the members after "{" */
        rc = append_text(out, len, cap, "],", 2);
    }
    if (rc == 0) {
        rc = append_text(out, len, cap, b.data + 1, b.len - 1);
    }
    jcs_buf_fini(&b);
    arena_free(a);
    if (rc != 0) {
        log_error("audit: record of assembly %lld: question %" PRId64 " failed (%s)",
                  (long long)w->aid, rq->id, db_status_name(st));
    }
    w->qi++;
    w->phase = w->qi < w->n_qs ? RP_Q_HEAD : RP_END;
    return rc;
}

/*
 * The next chunk into *chunk (malloc'd, *len bytes; caller frees). Returns
 * 1 (a chunk), 0 (done), or -1 (database or encoding failure: logged).
 */
static int record_next(struct record_writer *w, struct db_conn *c, char **chunk, size_t *len)
{
    size_t cap = 0;
    int rc = 0;
    *chunk = NULL;
    *len = 0;
    switch (w->phase) {
    case RP_OPEN: {
        char open[64];
        snprintf(open, sizeof open, "{\"assembly\":\"%lld\",\"checkpoints\":[", (long long)w->aid);
        rc = append_text(chunk, len, &cap, open, strlen(open));
        w->phase = RP_CHECKPOINTS;
        w->first = true;
        break;
    }
    case RP_CHECKPOINTS:
        rc = checkpoint_page(w, c, chunk, len, &cap);
        break;
    case RP_MIDDLE:
        rc = append_text(chunk, len, &cap, "],\"entries\":[", 13);
        w->phase = w->size > 0 ? RP_ENTRIES : RP_TAIL;
        w->first = true;
        break;
    case RP_ENTRIES:
        rc = entry_page(w, c, chunk, len, &cap);
        break;
    case RP_TAIL:
        rc = append_text(chunk, len, &cap, w->tail, strlen(w->tail));
        w->phase = w->n_qs > 0 ? RP_Q_HEAD : RP_END;
        break;
    case RP_Q_HEAD:
        rc = append_text(chunk, len, &cap, w->qi > 0 ? ",{\"board\":[" : "{\"board\":[",
                         w->qi > 0 ? 11 : 10);
        w->first = true;
        w->after = -1; /* board_index counts from 0 */
        w->phase = RP_Q_BOARD;
        break;
    case RP_Q_BOARD:
        rc = board_page(w, c, chunk, len, &cap);
        break;
    case RP_Q_TAIL:
        rc = question_tail(w, c, chunk, len, &cap);
        break;
    case RP_END:
        rc = append_text(chunk, len, &cap, "]}", 2);
        w->phase = RP_DONE;
        break;
    case RP_DONE:
        return 0;
    }
    if (rc != 0) {
        free(*chunk);
        *chunk = NULL;
        return -1;
    }
    return 1;
}

static void record_stream_free(void *cls)
{
    struct record_writer *w = cls;
    record_end(w);
    free(w);
}

/* The http layer's pull: the next bytes of the record, 0 at its end, -1 on
 * a failure (the client sees a cut chunked body, which no reader accepts). */
static long record_stream_read(void *cls, char *out, size_t max)
{
    struct record_writer *w = cls;
    while (w->chunk == NULL || w->off == w->chunk_len) {
        free(w->chunk);
        w->chunk = NULL;
        w->off = w->chunk_len = 0;
        struct db_conn *c = db_thread_conn();
        if (c == NULL || db_in_txn(c)) {
            log_error("audit: record of assembly %lld: no free connection on this thread",
                      (long long)w->aid);
            return -1;
        }
        int rc = record_next(w, c, &w->chunk, &w->chunk_len);
        if (rc <= 0) {
            return rc;
        }
    }
    size_t n = w->chunk_len - w->off;
    if (n > max) {
        n = max;
    }
    memcpy(out, w->chunk + w->off, n);
    w->off += n;
    return (long)n;
}

int api_audit_record(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    struct db_audit_view v;
    const struct audit_signing *key = audit_key_get(rq->cfg);
    if (key == NULL) {
        return api_problem(out, API_E_UNAVAILABLE, "checkpoint signing key unavailable");
    }
    if (load_view(rq, out, &aid, &v) != 0) {
        return 0;
    }
    /* The record is a snapshot at the head read above: entries 1..size and
     * the checkpoints up to size, whatever is appended meanwhile (the log
     * only grows, so later pages read the same entries); the questions
     * closed within it. */
    const char *why = NULL;
    const char *head_note = api_audit_head_note(rq->db, rq->arena, rq->cfg, aid, &v, &why);
    if (head_note == NULL) {
        return why ? api_problem(out, API_E_UNAVAILABLE, why)
                   : api_problem(out, API_E_INTERNAL, NULL);
    }
    struct db_rec_question *qs = NULL;
    int n_qs = 0;
    enum db_status st = db_rec_questions(rq->db, rq->arena, aid, v.size, &qs, &n_qs);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    struct record_writer *w = calloc(1, sizeof *w);
    if (w == NULL || record_begin(w, aid, v.size, key, head_note, qs, n_qs) != 0) {
        if (w != NULL) {
            record_stream_free(w);
        }
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    api_reply_stream(
        out, 200, "application/json",
        (struct api_stream){.read = record_stream_read, .free = record_stream_free, .cls = w});
    (void)api_reply_header(out, "Cache-Control", "no-cache");
    (void)api_reply_header(out, "Content-Disposition",
                           arena_printf(rq->arena,
                                        "attachment; filename=\"assembly-%lld-record.json\"",
                                        (long long)aid));
    return 0;
}
