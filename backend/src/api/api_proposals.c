/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_proposals.c — proposals (issue 10): create, read in the
 * reader's language (one statement: text, best translation, progress,
 * standing), list/search (keyset-paged per sort), PATCH (a text change is
 * a new version; the status lifecycle), versions, amendments and their
 * merge, human translations and their review, endorsements, and the
 * advancement rule's decoding for PATCH /assemblies/{aid}.
 *
 * Every change locks the proposal row first (db_proposal_lock), decides
 * with the authz table (author and status as the resource), writes, and
 * appends its audit entry in the same transaction, group-committed per
 * assembly. Audit entries carry the SHA-256 of the canonical text (title,
 * LF, body: the exact UTF-8 the API returns), never the text.
 */
#include "api/api_proposals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_comments.h"
#include "api/api_common.h"
#include "api/api_records.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/lang_prefs.h"
#include "api/page_cache.h"
#include "api/translation_queue.h"
#include "core/base/base.h"
#include "core/validate/validate.h"
#include "db/db_assembly.h"
#include "db/db_proposal.h"
#include "platform/crypto.h"

/* Limits (code points). Why: a title must fit a list row and a heading;
 * 20,000 is a long motion with its reasons (about eight pages), while the
 * 256 KiB body cap of the routes fits it in any script, JSON-escaped. A
 * translation may run longer than its original (twice, in the SQL). */
#define TITLE_MAX 200
#define BODY_MAX  20000
/* Search queries: a sentence, not a document. */
#define QUERY_MAX 200

/* --- small helpers --------------------------------------------------------------- */

static const char *id_text(struct arena *a, int64_t id)
{
    return arena_printf(a, "%lld", (long long)id);
}

/* SHA-256 of the canonical text (title, LF, body) as lower-case hex. */
static void text_sha256(const char *title, const char *body, uint8_t sha[PNYX_SHA256_BYTES],
                        char hex[2 * PNYX_SHA256_BYTES + 1], struct arena *a)
{
    size_t tl = strlen(title), bl = strlen(body);
    char *buf = arena_alloc(a, tl + bl + 2);
    memcpy(buf, title, tl);
    buf[tl] = '\n';
    memcpy(buf + tl + 1, body, bl + 1);
    pnyx_crypto_sha256(buf, tl + 1 + bl, sha);
    base_hex_encode(sha, PNYX_SHA256_BYTES, hex);
}

/*
 * The reader's languages as a text array literal: api_lang_tags (?lang=,
 * else Accept-Language by q), each tag followed by its primary subtag,
 * each once ("{es-mx,es}"); the statement appends the account's languages.
 * Returns NULL after writing the 400 of an invalid ?lang=.
 */
static const char *reader_prefs(struct api_req *rq, struct api_reply *out)
{
    const char *tags[API_LANG_PREFS_MAX];
    int nt = api_lang_tags(rq, out, tags);
    if (nt < 0) {
        return NULL;
    }
    const char *v[2 * API_LANG_PREFS_MAX];
    int n = 0;
    for (int i = 0; i < nt; i++) {
        char buf[9];
        const char *cand[2] = {tags[i], arena_strdup(rq->arena, api_lang_primary(tags[i], buf))};
        for (int k = 0; k < 2; k++) {
            bool seen = false;
            for (int j = 0; j < n && !seen; j++) {
                seen = strcmp(v[j], cand[k]) == 0;
            }
            if (!seen) {
                v[n++] = cand[k];
            }
        }
    }
    char *lit = arena_strdup(rq->arena, "{");
    for (int i = 0; i < n; i++) {
        lit = arena_printf(rq->arena, "%s%s\"%s\"", lit, i > 0 ? "," : "", v[i]);
    }
    return arena_printf(rq->arena, "%s}", lit);
}

/* --- decisions -------------------------------------------------------------------- */

static struct progress_record progress_of(const struct db_proposal *p)
{
    struct progress_record r = {
        .count = p->endorsement_count,
        .countries = p->endorsement_countries,
        .rule = p->rule,
        .min_endorsements = p->min_endorsements,
        .min_countries = p->min_countries,
        .mine = p->mine,
        .eligible = true,
    };
    if (p->rule) {
        r.missing_endorsements = p->min_endorsements > r.count ? p->min_endorsements - r.count : 0;
        r.missing_countries = p->min_countries > r.countries ? p->min_countries - r.countries : 0;
        r.eligible = r.missing_endorsements == 0 && r.missing_countries == 0;
    }
    return r;
}

static enum authz_decision decide(const struct api_req *rq, const char *role, const char *status,
                                  bool is_public, enum authz_action action, int64_t author,
                                  const char *state)
{
    struct authz_subject who = api_subject(rq, role, status);
    struct authz_resource res = {.is_public = is_public,
                                 .author_id = author,
                                 .state = (unsigned)proposal_status_parse(state)};
    return authz_decide(authz_rule_of(action), &who, &res);
}

/* The statuses PATCH may set, and who decides each. */
static const struct {
    enum proposal_status to;
    enum authz_action action;
} moves[] = {
    {PROPOSAL_DELIBERATION, AUTHZ_PROPOSAL_DELIBERATE},
    {PROPOSAL_BALLOT, AUTHZ_PROPOSAL_BALLOT},
    {PROPOSAL_WITHDRAWN, AUTHZ_PROPOSAL_WITHDRAW},
};

/* The statuses the lifecycle allows from `from` (whoever asks), into v. */
static int lifecycle_from(enum proposal_status from, const char **v)
{
    int n = 0;
    for (size_t i = 0; i < PNYX_ARRAY_LEN(moves); i++) {
        if (proposal_status_can_move(from, moves[i].to)) {
            v[n++] = proposal_status_name(moves[i].to);
        }
    }
    return n;
}

/* The statuses this viewer may set now (allowed_transitions). */
static int allowed_for(const struct api_req *rq, const struct db_proposal_view *v,
                       const struct progress_record *pr, const char **out)
{
    int n = 0;
    enum proposal_status from = proposal_status_parse(v->p.status);
    for (size_t i = 0; i < PNYX_ARRAY_LEN(moves); i++) {
        if (!proposal_status_can_move(from, moves[i].to) ||
            (moves[i].to == PROPOSAL_BALLOT && !pr->eligible)) {
            continue;
        }
        if (decide(rq, v->my_role, v->my_status, v->is_public, moves[i].action, v->p.author_id,
                   v->p.status) == AUTHZ_ALLOW) {
            out[n++] = proposal_status_name(moves[i].to);
        }
    }
    return n;
}

static json_t *view_json(const struct api_req *rq, const struct db_proposal_view *v)
{
    struct progress_record pr = progress_of(&v->p);
    const char *allowed[PNYX_ARRAY_LEN(moves)];
    int n = allowed_for(rq, v, &pr, allowed);
    return api_proposal_json(&v->p, &pr, allowed, n, v->languages_json);
}

/* Replies status with proposal pid as the reader (prefs NULL: the
 * original) sees it; gated by AUTHZ_READ_PROPOSAL when gate. */
static int reply_view(struct api_req *rq, struct api_reply *out, unsigned status, int64_t pid,
                      int64_t version, const char *prefs, bool gate, const char *keep_as)
{
    struct db_proposal_view v;
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    enum db_status st = db_proposal_view(rq->db, rq->arena, pid, viewer, version, prefs, &v);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    enum authz_decision d = decide(rq, v.my_role, v.my_status, v.is_public, AUTHZ_READ_PROPOSAL,
                                   v.p.author_id, v.p.status);
    if (gate && d != AUTHZ_ALLOW) {
        return api_authz_problem(out, d);
    }
    /* ?comments=N: the proposal page embeds its first comments (one more
     * statement unless the page is kept under v.comments_key, api_comments.c). */
    struct db_standing sd = {v.is_public, v.open_to_join, v.my_role, v.my_status};
    if (gate && status == 200 && api_query(rq, "comments") != NULL) {
        /* The page: the proposal written as text (no Jansson tree), the
         * comments appended to it. */
        struct progress_record pr = progress_of(&v.p);
        const char *allowed[PNYX_ARRAY_LEN(moves)];
        int n = allowed_for(rq, &v, &pr, allowed);
        size_t hlen = 0;
        char *head = api_proposal_text(&v.p, &pr, allowed, n, v.languages_json, &hlen);
        if (head != NULL) {
            struct api_page_info info = {0};
            if (api_comments_embed_text(rq, out, pid, &sd, v.comments_key, head, hlen, &info) !=
                0) {
                return out->status != 0 ? 0 : -1;
            }
            /* The whole page, kept under the key read with it (P_PAGE_KEY,
             * db_proposal.c; page_cache.c). Never stale: the key is read in
             * the proposal's statement (snapshot) and the comment part no
             * earlier (its own statement, or kept under comments_key, which
             * the key covers through the proposal row), so the page is never
             * older than its key. Never another reader's: the viewer is in
             * keep_as, and a page with a hidden comment is not kept. */
            if (keep_as != NULL && info.etag != NULL && info.same_for_all && v.page_key != NULL) {
                page_cache_keep(PAGE_PROPOSAL, keep_as, v.page_key, info.body, info.len, info.etag);
            }
            return 0;
        }
    }
    api_reply_json(out, status, view_json(rq, &v));
    if (gate && api_comments_embed(rq, out, pid, &sd, v.comments_key) != 0) {
        return 0;
    }
    if (status == 201) {
        (void)api_reply_header(out, "Location",
                               arena_printf(rq->arena, "/api/v1/proposals/%lld", (long long)pid));
    }
    return 0;
}

/* --- transaction closures -------------------------------------------------------- */

/* What every proposal change's closure starts with. */
struct ptxn {
    struct api_req *rq;
    int64_t pid, aid;
    struct api_refusal refusal;
    /* params of a refusal: allowed statuses (n_allowed < 0: none), what
     * the rule misses, a field to blame (422) */
    const char *allowed[PROPOSAL_STATUS__COUNT];
    int n_allowed;
    bool has_missing;
    int64_t miss_e, miss_c;
    const char *bad_field, *bad_code;
    struct db_proposal p; /* the locked proposal */
};

static void ptxn_reset(struct ptxn *k)
{
    api_refusal_clear(&k->refusal);
    k->n_allowed = -1;
    k->has_missing = false;
    k->bad_field = NULL;
    k->bad_code = NULL;
    memset(&k->p, 0, sizeof(k->p));
}

/* Refuses with a status conflict naming the statuses in `states` (bits). */
static enum db_status refuse_state(struct ptxn *k, enum api_error e, uint32_t states)
{
    k->n_allowed = 0;
    for (int s = 0; s < PROPOSAL_STATUS__COUNT; s++) {
        if (states & (1u << s)) {
            k->allowed[k->n_allowed++] = proposal_status_name((enum proposal_status)s);
        }
    }
    return api_refuse(&k->refusal, e, NULL);
}

static enum db_status refuse_field(struct ptxn *k, const char *field, const char *code,
                                   const char *detail)
{
    k->bad_field = field;
    k->bad_code = code;
    return api_refuse(&k->refusal, API_E_VALIDATION, detail);
}

/* Locks the proposal k->pid into k->p and decides `action` on it for the
 * caller, with the proposal's author and status as the resource. */
static enum db_status lock_and_gate(struct db_conn *c, struct ptxn *k, enum authz_action action)
{
    enum db_status st = db_proposal_lock(c, k->rq->arena, k->pid, &k->p);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&k->refusal, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    struct db_standing sd;
    int64_t viewer = k->rq->auth.authenticated ? k->rq->auth.account_id : 0;
    st = db_assembly_standing(c, k->rq->arena, k->p.assembly_id, viewer, &sd);
    if (st != DB_OK) {
        return st;
    }
    enum authz_decision d =
        decide(k->rq, sd.role, sd.status, sd.is_public, action, k->p.author_id, k->p.status);
    if (d == AUTHZ_STATE_409) {
        return refuse_state(k, API_E_PROPOSAL_STATE, authz_rule_of(action)->states);
    }
    return d == AUTHZ_ALLOW ? DB_OK : api_refuse(&k->refusal, api_authz_error(d), NULL);
}

/* The caller's standing decides `action` with this author and state. */
static enum db_status gate_on(struct db_conn *c, struct ptxn *k, enum authz_action action,
                              int64_t author, const char *state, enum api_error on_403)
{
    struct db_standing sd;
    int64_t viewer = k->rq->auth.authenticated ? k->rq->auth.account_id : 0;
    enum db_status st = db_assembly_standing(c, k->rq->arena, k->p.assembly_id, viewer, &sd);
    if (st != DB_OK) {
        return st;
    }
    enum authz_decision d = decide(k->rq, sd.role, sd.status, sd.is_public, action, author, state);
    if (d == AUTHZ_STATE_409) {
        return refuse_state(k, API_E_PROPOSAL_STATE, authz_rule_of(action)->states);
    }
    if (d == AUTHZ_DENY_403) {
        return api_refuse(&k->refusal, on_403, NULL);
    }
    return d == AUTHZ_ALLOW ? DB_OK : api_refuse(&k->refusal, api_authz_error(d), NULL);
}

/* The problem of a change that did not commit, with its params. */
static int ptxn_problem(struct api_reply *out, enum db_status st, const struct ptxn *k)
{
    if (st == DB_REFUSED && k->bad_field != NULL) {
        json_t *f = json_array();
        api_field_error(f, k->bad_field, k->bad_code,
                        k->refusal.detail != NULL ? k->refusal.detail : "not allowed");
        return api_problem_fields(out, API_E_VALIDATION, f);
    }
    api_txn_problem(out, st, &k->refusal);
    if (st != DB_REFUSED || out->json == NULL) {
        return 0;
    }
    json_t *params = NULL;
    if (k->n_allowed >= 0) {
        json_t *arr = json_array();
        for (int i = 0; i < k->n_allowed; i++) {
            json_array_append_new(arr, json_string(k->allowed[i]));
        }
        params = json_pack("{s:o}", "allowed", arr);
    }
    if (k->has_missing) {
        params = params != NULL ? params : json_object();
        json_object_set_new(params, "missing",
                            json_pack("{s:I, s:I}", "endorsements", (json_int_t)k->miss_e,
                                      "countries", (json_int_t)k->miss_c));
    }
    if (params != NULL) {
        json_object_set_new(out->json, "params", params);
    }
    return 0;
}

/* Machine translations of a text just written: mt's queue, in the writing
 * transaction (see translation_enqueue). */
static enum db_status enqueue_translations(struct db_conn *c, struct ptxn *k, int64_t pid,
                                           int64_t version, const char *language)
{
    return translation_enqueue(c, k->rq->arena, k->aid, "proposal", pid, (int)version, language);
}

/* The assembly (group key) of the proposal in path parameter pid. Returns
 * 0, or -1 after writing the problem. */
static int path_proposal(struct api_req *rq, struct api_reply *out, int64_t *pid, int64_t *aid)
{
    if (api_param_id(rq, "pid", pid) != 0) {
        api_problem(out, API_E_NOT_FOUND, NULL);
        return -1;
    }
    enum db_status st = db_proposal_assembly(rq->db, rq->arena, *pid, aid, NULL);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    return 0;
}

/* --- create ---------------------------------------------------------------------------- */

struct text_fields {
    const char *title, *body, *language, *status, *source;
    struct decode_int amends;
};

#define F_TITLE(req)                                                                               \
    {                                                                                              \
        .name = "title", .type = DECODE_STRING, .required = (req), .text = DECODE_TEXT_TITLE,      \
        .min_chars = 1, .max_chars = TITLE_MAX, .offset = offsetof(struct text_fields, title)      \
    }
#define F_BODY(req)                                                                                \
    {                                                                                              \
        .name = "body", .type = DECODE_STRING, .required = (req), .text = DECODE_TEXT_MULTILINE,   \
        .min_chars = 1, .max_chars = BODY_MAX, .offset = offsetof(struct text_fields, body)        \
    }
#define F_LANGUAGE                                                                                 \
    {                                                                                              \
        .name = "language", .type = DECODE_STRING, .required = true, .format = "language_tag",     \
        .format_ok = validate_language_tag, .offset = offsetof(struct text_fields, language)       \
    }

static const struct decode_field create_fields[] = {
    F_TITLE(true),
    F_BODY(true),
    F_LANGUAGE,
    {.name = "amends",
     .type = DECODE_INTEGER,
     .int_range = true,
     .min = 1,
     .max = INT64_MAX,
     .offset = offsetof(struct text_fields, amends)},
};
static const struct decode_spec create_spec = DECODE_SPEC(create_fields);

struct create_txn {
    struct ptxn k;
    struct text_fields f;
    uint8_t sha[PNYX_SHA256_BYTES];
    char hex[2 * PNYX_SHA256_BYTES + 1];
};

static void create_reset(void *cls)
{
    struct create_txn *t = cls;
    ptxn_reset(&t->k);
    t->k.pid = 0;
}

static enum db_status create_cb(struct db_conn *c, void *cls)
{
    struct create_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    struct db_standing sd;
    enum db_status st =
        api_assembly_gate_txn(c, t->k.rq, t->k.aid, AUTHZ_CREATE_PROPOSAL, &sd, &t->k.refusal);
    if (st != DB_OK) {
        return st;
    }
    int64_t parent = t->f.amends.set ? t->f.amends.v : 0;
    if (parent > 0) {
        struct db_proposal par;
        st = db_proposal_lock(c, a, parent, &par);
        if (st == DB_NOT_FOUND || (st == DB_OK && par.assembly_id != t->k.aid)) {
            return refuse_field(&t->k, "amends", "not_allowed", "no such proposal here");
        }
        if (st != DB_OK) {
            return st;
        }
        enum proposal_status ps = proposal_status_parse(par.status);
        if (ps != PROPOSAL_DRAFT && ps != PROPOSAL_DELIBERATION) {
            return refuse_state(&t->k, API_E_PROPOSAL_STATE,
                                1u << PROPOSAL_DRAFT | 1u << PROPOSAL_DELIBERATION);
        }
    }
    struct db_text text = {t->f.title, t->f.body, t->f.language, t->sha};
    st = db_proposal_insert(c, a, t->k.aid, me, parent, &text, &t->k.pid);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:i, s:s, s:o, s:s, s:s}", "proposal", id_text(a, t->k.pid),
                             "version", 1, "language", t->f.language, "amends",
                             parent > 0 ? json_string(id_text(a, parent)) : json_null(), "status",
                             "draft", "text_sha256", t->hex);
    st = api_audit_append(c, a, t->k.aid, me, "proposal.created", data);
    json_decref(data);
    if (st == DB_OK) {
        st = enqueue_translations(c, &t->k, t->k.pid, 1, t->f.language);
    }
    return st;
}

static int create_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct create_txn *t = cls;
    if (st != DB_OK) {
        return ptxn_problem(out, st, &t->k);
    }
    return reply_view(rq, out, 201, t->k.pid, 0, NULL, false, NULL);
}

/* POST /api/v1/assemblies/{aid}/proposals {title, body, language, amends?} */
int api_proposals_create(struct api_req *rq, struct api_reply *out)
{
    struct create_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    if (api_param_id(rq, "aid", &t->k.aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &create_spec, &t->f) != 0) {
        return 0;
    }
    text_sha256(t->f.title, t->f.body, t->sha, t->hex, rq->arena);
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "proposal_create", create_cb,
                           create_reset, create_reply, t);
}

/* --- read ------------------------------------------------------------------------------- */

static int64_t viewer_id(const struct api_req *rq)
{
    return rq->auth.authenticated ? rq->auth.account_id : 0;
}

/* The proposal page's key in the page cache (a valid ?comments=N): what
 * the page depends on besides the database — which page (proposal,
 * version asked, N), in which languages (prefs as the statements take
 * them, the comment page's langs), for whom (the viewer; their standing,
 * languages and endorsement are in the page key) — into key; false when
 * the request is not a page that may be kept. */
static bool page_cache_key(struct api_req *rq, struct api_reply *out, int64_t pid, int64_t version,
                           const char *prefs, char key[PAGE_CACHE_KEY_MAX])
{
    uint64_t n = 0;
    if (api_query(rq, "comments") == NULL || api_query_u64(rq, "comments", &n) <= 0 || n < 1 ||
        n > API_PAGE_MAX) {
        return false;
    }
    const char *langs[API_LANG_PREFS_MAX];
    int nl = api_lang_prefs(rq, out, langs);
    if (nl < 0) {
        return false; /* not reached: reader_prefs checked ?lang= */
    }
    char lk[PAGE_CACHE_KEY_MAX];
    if (!page_cache_langs(langs, nl, lk, sizeof lk)) {
        return false;
    }
    int w =
        snprintf(key, PAGE_CACHE_KEY_MAX, "%lld/%lld/%lld/%llu/%s/%s", (long long)pid,
                 (long long)version, (long long)viewer_id(rq), (unsigned long long)n, prefs, lk);
    return w > 0 && w < PAGE_CACHE_KEY_MAX;
}

/* GET /api/v1/proposals/{pid}[?lang=][&version=] (also Accept-Language) */
int api_proposals_get(struct api_req *rq, struct api_reply *out)
{
    int64_t pid;
    if (api_param_id(rq, "pid", &pid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    uint64_t version = 0;
    if (api_query_u64(rq, "version", &version) < 0 || (api_query(rq, "version") && version == 0)) {
        return api_problem(out, API_E_BAD_REQUEST, "version must be a version number");
    }
    const char *prefs = reader_prefs(rq, out);
    if (prefs == NULL) {
        return 0;
    }
    char key[PAGE_CACHE_KEY_MAX];
    bool keep = page_cache_key(rq, out, pid, (int64_t)version, prefs, key);
    if (keep && page_cache_known(PAGE_PROPOSAL, key)) {
        /* A page is kept for this reader: one small statement (the page
         * key: a few index probes) says whether it is still what the
         * database holds, instead of the wide proposal statement, the
         * comment page and the encoding and hashing in pnyxd. */
        const char *rev = NULL;
        char *body = NULL, etag[PAGE_CACHE_ETAG_MAX];
        size_t len = 0;
        if (db_proposal_page_key(rq->db, rq->arena, pid, viewer_id(rq), (int64_t)version, &rev) ==
                DB_OK &&
            page_cache_get(rq->arena, PAGE_PROPOSAL, key, rev, 0, 1, &body, &len, etag)) {
            body[len] = '\0';
            api_text_page_reply(rq, out, body, len, arena_strdup(rq->arena, etag));
            (void)api_reply_header(out, "Vary", "Accept-Language");
            return 0;
        }
    }
    int rc = reply_view(rq, out, 200, pid, (int64_t)version, prefs, true, keep ? key : NULL);
    (void)api_reply_header(out, "Vary", "Accept-Language");
    return rc;
}

/* --- list -------------------------------------------------------------------------------- */

static const char *const statuses[] = {"draft",    "deliberation", "ballot", "adopted",
                                       "rejected", "withdrawn",    NULL};

static bool one_of(const char *s, const char *const *v)
{
    for (; *v != NULL; v++) {
        if (strcmp(s, *v) == 0) {
            return true;
        }
    }
    return false;
}

/* Parses ?after= for the sort: "<id>" (newest, amendments) or
 * "<key>_<id>" (key: a count, or a rank as its exact text). 0, or -1. */
static int parse_cursor(struct api_req *rq, struct db_proposal_query *q)
{
    const char *s = api_query(rq, "after");
    if (s == NULL) {
        return 0;
    }
    const char *us = strrchr(s, '_');
    bool keyed = q->q != NULL || q->sort != DB_PROPOSAL_NEWEST;
    if (keyed && q->parent == 0) {
        if (us == NULL || us == s) {
            return -1;
        }
        char *key = arena_printf(rq->arena, "%.*s", (int)(us - s), s);
        char *end = NULL;
        if (q->q != NULL) {
            float f = strtof(key, &end);
            if (*end != '\0' || !isfinite(f) || strspn(key, "0123456789.eE+-") != strlen(key)) {
                return -1;
            }
        } else {
            long long v = strtoll(key, &end, 10);
            if (*end != '\0' || v < 0 || v > 2147483647 || key[0] < '0' || key[0] > '9') {
                return -1;
            }
        }
        q->after_key = key;
        s = us + 1;
    }
    if (*s < '1' || *s > '9' || strlen(s) > 19 || strspn(s, "0123456789") != strlen(s)) {
        return -1;
    }
    unsigned long long id = strtoull(s, NULL, 10);
    if (id > (unsigned long long)INT64_MAX) {
        return -1;
    }
    q->after_id = (int64_t)id;
    return 0;
}

static json_t *next_cursor(struct arena *a, const struct db_proposal_query *q,
                           const struct db_proposal *last, int n)
{
    if (n <= 0 || n != q->limit) {
        return json_null();
    }
    if (q->parent > 0 || (q->q == NULL && q->sort == DB_PROPOSAL_NEWEST)) {
        return json_string(id_text(a, last->id));
    }
    const char *key = last->sort_key != NULL ? last->sort_key : "0";
    return json_string(arena_printf(a, "%s_%lld", key, (long long)last->id));
}

/* Lists (q filled but parent, aid) and replies {items, next}. */
static int list_reply(struct api_req *rq, struct api_reply *out, struct db_proposal_query *q)
{
    const char *status = api_query(rq, "status");
    const char *sort = api_query(rq, "sort");
    const char *search = api_query(rq, "q");
    if (status != NULL && !one_of(status, statuses)) {
        return api_problem(out, API_E_BAD_REQUEST, "status must be a proposal status");
    }
    static const char *const sorts[] = {"newest", "endorsed", "discussed", NULL};
    if (sort != NULL && !one_of(sort, sorts)) {
        return api_problem(out, API_E_BAD_REQUEST, "sort must be newest, endorsed or discussed");
    }
    if (search != NULL) {
        size_t len = strlen(search);
        size_t i = 0;
        while (i < len && (search[i] == ' ' || search[i] == '\t')) {
            i++;
        }
        if (i == len) {
            search = NULL; /* an empty search lists everything */
        } else if (!validate_utf8(search, len) || validate_text_length(search, len) > QUERY_MAX) {
            return api_problem(out, API_E_BAD_REQUEST, "q must be at most 200 characters");
        }
    }
    q->status = status;
    q->q = q->parent == 0 ? search : NULL;
    q->sort = sort == NULL || strcmp(sort, "newest") == 0 ? DB_PROPOSAL_NEWEST
              : strcmp(sort, "endorsed") == 0             ? DB_PROPOSAL_ENDORSED
                                                          : DB_PROPOSAL_DISCUSSED;
    /* ?after= is this list's own cursor (not a plain number for the keyed
     * sorts), so only ?limit= is api_page_params' rule. */
    uint64_t limit = API_PAGE_DEFAULT;
    if (api_query_u64(rq, "limit", &limit) < 0 || limit < 1 || limit > API_PAGE_MAX) {
        return api_problem(out, API_E_BAD_REQUEST, "limit must be an integer from 1 to 200");
    }
    q->limit = (int)limit;
    if (parse_cursor(rq, q) != 0) {
        return api_problem(out, API_E_BAD_REQUEST, "after must be a cursor returned as next");
    }
    q->viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    q->prefs = reader_prefs(rq, out);
    if (q->prefs == NULL) {
        return 0;
    }
    struct db_proposal *items;
    int n;
    enum db_status st = db_proposal_list(rq->db, rq->arena, q, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        struct progress_record pr = progress_of(&items[i]);
        json_array_append_new(arr, api_proposal_json(&items[i], &pr, NULL, 0, NULL));
    }
    json_t *j = json_pack("{s:o, s:o}", "items", arr, "next",
                          next_cursor(rq->arena, q, n > 0 ? &items[n - 1] : NULL, n));
    api_reply_json(out, 200, j);
    (void)api_reply_header(out, "Vary", "Accept-Language");
    return 0;
}

/* GET /api/v1/assemblies/{aid}/proposals?status=&sort=&q=&lang=&after=&limit= */
int api_proposals_list(struct api_req *rq, struct api_reply *out)
{
    struct db_proposal_query q = {0};
    if (api_param_id(rq, "aid", &q.aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct db_standing sd;
    if (api_assembly_gate(rq, out, q.aid, AUTHZ_READ_PROPOSAL, &sd) != 0) {
        return 0;
    }
    return list_reply(rq, out, &q);
}

/* GET /api/v1/proposals/{pid}/amendments */
int api_proposals_amendments(struct api_req *rq, struct api_reply *out)
{
    struct db_proposal_query q = {0};
    if (path_proposal(rq, out, &q.parent, &q.aid) != 0) {
        return 0;
    }
    struct db_standing sd;
    if (api_assembly_gate(rq, out, q.aid, AUTHZ_READ_PROPOSAL, &sd) != 0) {
        return 0;
    }
    return list_reply(rq, out, &q);
}

/* GET /api/v1/proposals/{pid}/versions */
int api_proposals_versions(struct api_req *rq, struct api_reply *out)
{
    int64_t pid, aid, after;
    int limit;
    struct db_standing sd;
    if (path_proposal(rq, out, &pid, &aid) != 0 ||
        api_assembly_gate(rq, out, aid, AUTHZ_READ_PROPOSAL, &sd) != 0 ||
        api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_version *items;
    int n;
    enum db_status st = db_proposal_versions(rq->db, rq->arena, pid, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, api_proposal_version_json(&items[i]));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].version : 0, NULL);
}

/* GET /api/v1/proposals/{pid}/translations: every translation, history
 * included, by id. */
int api_proposals_translations(struct api_req *rq, struct api_reply *out)
{
    int64_t pid, aid, current, after;
    int limit;
    struct db_standing sd;
    if (api_param_id(rq, "pid", &pid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    enum db_status st = db_proposal_assembly(rq->db, rq->arena, pid, &aid, &current);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    if (api_assembly_gate(rq, out, aid, AUTHZ_READ_PROPOSAL, &sd) != 0 ||
        api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_proposal_translation *items;
    int n;
    st = db_proposal_translation_list(rq->db, rq->arena, pid, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, api_translation_json(&items[i], current, true));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].id : 0, NULL);
}

/* --- PATCH: new version, status -------------------------------------------------------- */

static const struct decode_field patch_fields[] = {
    F_TITLE(false),
    F_BODY(false),
    {.name = "status",
     .type = DECODE_STRING,
     .one_of = statuses,
     .offset = offsetof(struct text_fields, status)},
};
static const struct decode_spec patch_spec = {
    .fields = patch_fields, .n = PNYX_ARRAY_LEN(patch_fields), .need_one = true};

struct patch_txn {
    struct ptxn k;
    struct text_fields f;
};

static void patch_reset(void *cls)
{
    struct patch_txn *t = cls;
    ptxn_reset(&t->k);
}

/* A new version when title or body differ from the current text. */
static enum db_status patch_text(struct db_conn *c, struct patch_txn *t)
{
    struct arena *a = t->k.rq->arena;
    const char *title = t->f.title != NULL ? t->f.title : t->k.p.title;
    const char *body = t->f.body != NULL ? t->f.body : t->k.p.body;
    if (strcmp(title, t->k.p.title) == 0 && strcmp(body, t->k.p.body) == 0) {
        return DB_OK; /* nothing changes: no version, no entry */
    }
    uint8_t sha[PNYX_SHA256_BYTES];
    char hex[2 * PNYX_SHA256_BYTES + 1];
    text_sha256(title, body, sha, hex, a);
    struct db_text text = {title, body, t->k.p.language, sha};
    int64_t version;
    enum db_status st =
        db_proposal_new_version(c, a, t->k.pid, t->k.rq->auth.account_id, &text, 0, &version);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:I, s:s, s:s}", "proposal", id_text(a, t->k.pid), "version",
                             (json_int_t)version, "language", t->k.p.language, "text_sha256", hex);
    st = api_audit_append(c, a, t->k.aid, t->k.rq->auth.account_id, "proposal.versioned", data);
    json_decref(data);
    if (st == DB_OK) {
        st = enqueue_translations(c, &t->k, t->k.pid, version, t->k.p.language);
    }
    return st;
}

/* The status move, decided in this order: the lifecycle (409 naming the
 * statuses it allows from here), who (403), the advancement rule (409). */
static enum db_status patch_status(struct db_conn *c, struct patch_txn *t)
{
    struct arena *a = t->k.rq->arena;
    enum proposal_status from = proposal_status_parse(t->k.p.status);
    enum proposal_status to = proposal_status_parse(t->f.status);
    if (!proposal_status_can_move(from, to)) {
        t->k.n_allowed = lifecycle_from(from, t->k.allowed);
        return api_refuse(&t->k.refusal, API_E_PROPOSAL_TRANSITION, NULL);
    }
    enum authz_action action = AUTHZ_PROPOSAL_WITHDRAW;
    for (size_t i = 0; i < PNYX_ARRAY_LEN(moves); i++) {
        action = moves[i].to == to ? moves[i].action : action;
    }
    enum db_status st = gate_on(c, &t->k, action, t->k.p.author_id, t->k.p.status, API_E_FORBIDDEN);
    if (st != DB_OK) {
        return st;
    }
    if (to == PROPOSAL_BALLOT) {
        struct progress_record pr = progress_of(&t->k.p);
        if (!pr.eligible) {
            t->k.has_missing = true;
            t->k.miss_e = pr.missing_endorsements;
            t->k.miss_c = pr.missing_countries;
            return api_refuse(&t->k.refusal, API_E_NOT_ELIGIBLE, NULL);
        }
    }
    st = db_proposal_set_status(c, a, t->k.pid, t->f.status);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s, s:s, s:I, s:I}", "proposal", id_text(a, t->k.pid), "from",
                             t->k.p.status, "to", t->f.status, "endorsements",
                             (json_int_t)t->k.p.endorsement_count, "countries",
                             (json_int_t)t->k.p.endorsement_countries);
    st =
        api_audit_append(c, a, t->k.aid, t->k.rq->auth.account_id, "proposal.status_changed", data);
    json_decref(data);
    return st;
}

static enum db_status patch_cb(struct db_conn *c, void *cls)
{
    struct patch_txn *t = cls;
    bool text = t->f.title != NULL || t->f.body != NULL;
    enum db_status st = lock_and_gate(c, &t->k, text ? AUTHZ_EDIT_PROPOSAL : AUTHZ_READ_PROPOSAL);
    if (st == DB_OK && text) {
        st = patch_text(c, t);
    }
    if (st == DB_OK && t->f.status != NULL) {
        st = patch_status(c, t);
    }
    return st;
}

static int patch_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct patch_txn *t = cls;
    if (st != DB_OK) {
        return ptxn_problem(out, st, &t->k);
    }
    return reply_view(rq, out, 200, t->k.pid, 0, NULL, false, NULL);
}

/* PATCH /api/v1/proposals/{pid} {title?, body?, status?} */
int api_proposals_patch(struct api_req *rq, struct api_reply *out)
{
    struct patch_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    if (decode_or_fail(rq, out, &patch_spec, &t->f) != 0 ||
        path_proposal(rq, out, &t->k.pid, &t->k.aid) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "proposal_patch", patch_cb,
                           patch_reset, patch_reply, t);
}

/* --- merge an amendment ---------------------------------------------------------------- */

struct merge_txn {
    struct ptxn k; /* k.pid: the amendment */
    struct db_proposal parent;
};

static void merge_reset(void *cls)
{
    struct merge_txn *t = cls;
    ptxn_reset(&t->k);
    memset(&t->parent, 0, sizeof(t->parent));
}

/* Amendments that may be merged: put forward and not given up. */
#define MERGEABLE (1u << PROPOSAL_DELIBERATION | 1u << PROPOSAL_BALLOT | 1u << PROPOSAL_ADOPTED)

static enum db_status merge_cb(struct db_conn *c, void *cls)
{
    struct merge_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    /* The amendment, then its parent: every change that locks two
     * proposals locks them in this order (creating an amendment locks
     * only the parent), so merges cannot deadlock each other. */
    enum db_status st = lock_and_gate(c, &t->k, AUTHZ_READ_PROPOSAL);
    if (st != DB_OK) {
        return st;
    }
    if (t->k.p.amends == 0) {
        return api_refuse(&t->k.refusal, API_E_NOT_AN_AMENDMENT, NULL);
    }
    struct db_proposal am = t->k.p;
    st = db_proposal_lock(c, a, am.amends, &t->parent);
    if (st != DB_OK) {
        return st;
    }
    st = gate_on(c, &t->k, AUTHZ_MERGE_AMENDMENT, t->parent.author_id, t->parent.status,
                 API_E_FORBIDDEN);
    if (st != DB_OK) {
        return st;
    }
    if (am.merged_into_version > 0) {
        return api_refuse(&t->k.refusal, API_E_ALREADY_MERGED, NULL);
    }
    if ((MERGEABLE & (1u << proposal_status_parse(am.status))) == 0) {
        return refuse_state(&t->k, API_E_PROPOSAL_STATE, MERGEABLE);
    }
    if (strcasecmp(am.language, t->parent.language) != 0) {
        return api_refuse(&t->k.refusal, API_E_CONFLICT,
                          "the amendment is written in another language than the proposal");
    }
    uint8_t sha[PNYX_SHA256_BYTES];
    char hex[2 * PNYX_SHA256_BYTES + 1];
    text_sha256(am.title, am.body, sha, hex, a);
    struct db_text text = {am.title, am.body, t->parent.language, sha};
    int64_t version;
    st = db_proposal_new_version(c, a, t->parent.id, me, &text, am.id, &version);
    if (st == DB_OK) {
        st = db_proposal_mark_merged(c, a, am.id, version, me);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data =
        json_pack("{s:s, s:s, s:I, s:I, s:s}", "proposal", id_text(a, t->parent.id), "amendment",
                  id_text(a, am.id), "amendment_version", (json_int_t)am.current_version, "version",
                  (json_int_t)version, "text_sha256", hex);
    st = api_audit_append(c, a, t->k.aid, me, "amendment.merged", data);
    json_decref(data);
    if (st == DB_OK) {
        st = enqueue_translations(c, &t->k, t->parent.id, version, t->parent.language);
    }
    return st;
}

static int merge_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct merge_txn *t = cls;
    if (st != DB_OK) {
        return ptxn_problem(out, st, &t->k);
    }
    return reply_view(rq, out, 200, t->parent.id, 0, NULL, false, NULL);
}

/* POST /api/v1/proposals/{pid}/merge (pid: the amendment) → the parent */
int api_proposals_merge(struct api_req *rq, struct api_reply *out)
{
    struct merge_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    if (path_proposal(rq, out, &t->k.pid, &t->k.aid) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "amendment_merge", merge_cb,
                           merge_reset, merge_reply, t);
}

/* --- translations ------------------------------------------------------------------------ */

static const char *const sources[] = {"human", "machine", NULL};
static const struct decode_field translate_fields[] = {
    F_TITLE(true),
    F_BODY(true),
    F_LANGUAGE,
    {.name = "source",
     .type = DECODE_STRING,
     .one_of = sources,
     .offset = offsetof(struct text_fields, source)},
};
static const struct decode_spec translate_spec = DECODE_SPEC(translate_fields);

struct translate_txn {
    struct ptxn k;
    struct text_fields f;
    struct db_proposal_translation tr;
};

static void translate_reset(void *cls)
{
    struct translate_txn *t = cls;
    ptxn_reset(&t->k);
    memset(&t->tr, 0, sizeof(t->tr));
}

static enum db_status translate_cb(struct db_conn *c, void *cls)
{
    struct translate_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    enum db_status st = lock_and_gate(c, &t->k, AUTHZ_TRANSLATE_PROPOSAL);
    if (st != DB_OK) {
        return st;
    }
    if (strcasecmp(t->f.language, t->k.p.original_language) == 0) {
        return refuse_field(&t->k, "language", "not_allowed",
                            "the proposal is written in this language");
    }
    uint8_t sha[PNYX_SHA256_BYTES];
    char hex[2 * PNYX_SHA256_BYTES + 1];
    text_sha256(t->f.title, t->f.body, sha, hex, a);
    struct db_text text = {t->f.title, t->f.body, t->f.language, sha};
    st = db_proposal_translation_insert(c, a, t->k.pid, t->k.p.current_version, &text,
                                        t->f.source != NULL ? t->f.source : "human", me, &t->tr);
    if (st != DB_OK) {
        return st;
    }
    json_t *data =
        json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "proposal", id_text(a, t->k.pid), "translation",
                  id_text(a, t->tr.id), "version", (json_int_t)t->tr.version, "language",
                  t->tr.language, "source", t->tr.source, "text_sha256", hex);
    st = api_audit_append(c, a, t->k.aid, me, "proposal.translated", data);
    json_decref(data);
    return st;
}

static int translate_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    (void)rq;
    struct translate_txn *t = cls;
    if (st != DB_OK) {
        return ptxn_problem(out, st, &t->k);
    }
    return api_reply_json(out, 201, api_translation_json(&t->tr, t->tr.version, true));
}

/* POST /api/v1/proposals/{pid}/translations {language, title, body, source?}:
 * a member's translation of the current version (source human, or
 * machine for one pasted from an engine), replacing the current one of
 * that language. */
int api_proposals_translate(struct api_req *rq, struct api_reply *out)
{
    struct translate_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    if (decode_or_fail(rq, out, &translate_spec, &t->f) != 0 ||
        path_proposal(rq, out, &t->k.pid, &t->k.aid) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "proposal_translate", translate_cb,
                           translate_reset, translate_reply, t);
}

struct review_txn {
    struct ptxn k;
    const char *language;
    struct db_proposal_translation tr;
};

static void review_reset(void *cls)
{
    struct review_txn *t = cls;
    ptxn_reset(&t->k);
    memset(&t->tr, 0, sizeof(t->tr));
}

static enum db_status review_cb(struct db_conn *c, void *cls)
{
    struct review_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    enum db_status st = lock_and_gate(c, &t->k, AUTHZ_READ_PROPOSAL);
    if (st != DB_OK) {
        return st;
    }
    struct db_proposal_translation cur;
    st = db_proposal_translation_lock(c, a, t->k.pid, t->k.p.current_version, t->language, &cur);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->k.refusal, API_E_NOT_FOUND, "no translation into this language");
    }
    if (st != DB_OK) {
        return st;
    }
    /* The translator is the resource's author: a second member reviews. */
    st = gate_on(c, &t->k, AUTHZ_REVIEW_TRANSLATION, cur.translated_by, t->k.p.status,
                 cur.translated_by == me ? API_E_OWN_TRANSLATION : API_E_FORBIDDEN);
    if (st == DB_OK) {
        st = db_proposal_translation_review(c, a, cur.id, me, &t->tr);
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s, s:I, s:s, s:s}", "proposal", id_text(a, t->k.pid),
                             "translation", id_text(a, cur.id), "version", (json_int_t)cur.version,
                             "language", cur.language, "source", cur.source);
    st = api_audit_append(c, a, t->k.aid, me, "proposal.translation_reviewed", data);
    json_decref(data);
    return st;
}

static int review_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    (void)rq;
    struct review_txn *t = cls;
    if (st != DB_OK) {
        return ptxn_problem(out, st, &t->k);
    }
    return api_reply_json(out, 200, api_translation_json(&t->tr, t->k.p.current_version, true));
}

/* POST /api/v1/proposals/{pid}/translations/{lang}/review: the current
 * translation into lang (of the newest version that has one). */
int api_proposals_review(struct api_req *rq, struct api_reply *out)
{
    struct review_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    t->language = api_param(rq, "lang");
    if (t->language == NULL || !validate_language_tag(t->language, strlen(t->language))) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (path_proposal(rq, out, &t->k.pid, &t->k.aid) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid), "translation_review", review_cb,
                           review_reset, review_reply, t);
}

/* --- endorsements ----------------------------------------------------------------------- */

struct endorse_txn {
    struct ptxn k;
    bool add;
};

static void endorse_reset(void *cls)
{
    struct endorse_txn *t = cls;
    ptxn_reset(&t->k);
}

static enum db_status endorse_cb(struct db_conn *c, void *cls)
{
    struct endorse_txn *t = cls;
    struct arena *a = t->k.rq->arena;
    int64_t me = t->k.rq->auth.account_id;
    enum db_status st = lock_and_gate(c, &t->k, AUTHZ_ENDORSE);
    if (st != DB_OK) {
        return st;
    }
    const char *country = NULL;
    if (t->add) {
        st = db_endorsement_add(c, a, t->k.pid, me, t->k.p.current_version, &country);
        if (st == DB_CONFLICT) {
            return api_refuse(&t->k.refusal, API_E_ALREADY_ENDORSED, NULL);
        }
    } else {
        st = db_endorsement_remove(c, a, t->k.pid, me, &country);
        if (st == DB_NOT_FOUND) {
            return api_refuse(&t->k.refusal, API_E_NOT_ENDORSED, NULL);
        }
    }
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:s, s:s, s:s, s:I}", "proposal", id_text(a, t->k.pid), "account",
                             id_text(a, me), "country", country != NULL ? country : "ZZ", "version",
                             (json_int_t)t->k.p.current_version);
    st = api_audit_append(c, a, t->k.aid, me, t->add ? "endorsement.added" : "endorsement.removed",
                          data);
    json_decref(data);
    return st;
}

static int endorse_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct endorse_txn *t = cls;
    if (st != DB_OK) {
        return ptxn_problem(out, st, &t->k);
    }
    struct db_proposal_view v;
    st = db_proposal_view(rq->db, rq->arena, t->k.pid, rq->auth.account_id, 0, NULL, &v);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    struct progress_record pr = progress_of(&v.p);
    return api_reply_json(out, t->add ? 201 : 200,
                          json_pack("{s:o}", "endorsements", api_progress_json(&pr)));
}

static int endorse_route(struct api_req *rq, struct api_reply *out, bool add)
{
    struct endorse_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->k.rq = rq;
    t->add = add;
    if (path_proposal(rq, out, &t->k.pid, &t->k.aid) != 0) {
        return 0;
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->k.aid),
                           add ? "endorsement_add" : "endorsement_remove", endorse_cb,
                           endorse_reset, endorse_reply, t);
}

/* POST /api/v1/proposals/{pid}/endorsements → 201 {endorsements} */
int api_proposals_endorse(struct api_req *rq, struct api_reply *out)
{
    return endorse_route(rq, out, true);
}

/* DELETE /api/v1/proposals/{pid}/endorsements → 200 {endorsements} */
int api_proposals_unendorse(struct api_req *rq, struct api_reply *out)
{
    return endorse_route(rq, out, false);
}

/* --- the advancement rule (PATCH /assemblies/{aid}) ---------------------------------------- */

/* Why these bounds: an assembly may be as large as a movement (ten
 * million); there are fewer than 300 country codes. */
#define ADV_MAX_ENDORSEMENTS 10000000
#define ADV_MAX_COUNTRIES    300

static void adv_member(const json_t *v, const char *name, int64_t min, int64_t max, int64_t *dst,
                       json_t *errs)
{
    const char *field = strcmp(name, "min_endorsements") == 0 ? "advancement/min_endorsements"
                                                              : "advancement/min_countries";
    json_t *m = json_object_get(v, name);
    if (m == NULL) {
        api_field_error(errs, field, "required", "required");
    } else if (!json_is_integer(m)) {
        api_field_error_params(
            errs, field, "out_of_range",
            json_pack("{s:I, s:I}", "min", (json_int_t)min, "max", (json_int_t)max),
            "an integer in range");
    } else if (json_integer_value(m) < min || json_integer_value(m) > max) {
        api_field_error_params(
            errs, field, "out_of_range",
            json_pack("{s:I, s:I}", "min", (json_int_t)min, "max", (json_int_t)max),
            "out of range");
    } else {
        *dst = (int64_t)json_integer_value(m);
    }
}

int api_advancement_decode(const json_t *v, struct api_advancement *adv, json_t *errs)
{
    size_t before = json_array_size(errs);
    adv->set = v != NULL;
    adv->on = v != NULL && json_is_object(v);
    if (!adv->on) {
        return 0;
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val)
    {
        if (strcmp(key, "min_endorsements") != 0 && strcmp(key, "min_countries") != 0) {
            char field[128];
            snprintf(field, sizeof field, "advancement/%.100s", key);
            api_field_error(errs, field, "unknown", "unknown member");
        }
    }
    adv_member(v, "min_endorsements", 1, ADV_MAX_ENDORSEMENTS, &adv->min_endorsements, errs);
    adv_member(v, "min_countries", 0, ADV_MAX_COUNTRIES, &adv->min_countries, errs);
    return json_array_size(errs) > before ? -1 : 0;
}

json_t *api_advancement_json(struct db_conn *c, struct arena *a, int64_t aid)
{
    bool on = false;
    int64_t e = 0, k = 0;
    if (db_advancement_get(c, a, aid, &on, &e, &k) != DB_OK || !on) {
        return json_null();
    }
    return json_pack("{s:I, s:I}", "min_endorsements", (json_int_t)e, "min_countries",
                     (json_int_t)k);
}

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_proposals_bodies[] = {
    {"POST /api/v1/assemblies/{aid}/proposals", &create_spec},
    {"PATCH /api/v1/proposals/{pid}", &patch_spec},
    {"POST /api/v1/proposals/{pid}/translations", &translate_spec},
    {NULL, NULL},
};
