/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_comments.c — comments on proposals (issue 10): the thread page in
 * thread order with the reader's best text (GET …/proposals/{pid}/comments),
 * write (POST), edit by the author within API_COMMENT_EDIT_WINDOW_S with the
 * old text kept (PATCH /comments/{cid}), tombstone by the author (DELETE),
 * hide with a public reason by a facilitator or convener (POST …/hide),
 * human or pasted machine translations and their review by another member.
 *
 * Every change runs in its assembly's group commit with its audit entry
 * (comment.created, .edited, .deleted, .hidden, .translated,
 * .translation_reviewed) carrying the SHA-256 of the text, never the text.
 * Texts are stored verbatim: nothing here escapes or rewrites what a member
 * wrote (the frontend renders it as text nodes).
 */
#include "api/api_comments.h"

#include <stddef.h>
#include <string.h>

#include "api/api_records.h"
#include "api/audit_writer.h"
#include "api/decode.h"
#include "api/lang_prefs.h"
#include "api/translation_queue.h"
#include "core/base/base.h"
#include "core/validate/validate.h"
#include "db/db_comment.h"
#include "platform/crypto.h"

/* Limits (code points). Why: issue 10 caps a comment at 5,000; a hide
 * reason is one or two sentences shown under the comment; a translation
 * may run longer than its original (German, Arabic with diacritics). */
#define COMMENT_MAX     5000
#define REASON_MAX      500
#define TRANSLATION_MAX 10000

/* The proposal statuses in which comments are open: discussion goes on
 * until the vote's result, not after it or after a withdrawal. */
static bool comments_open(const char *proposal_status)
{
    static const char *const open[] = {"draft", "deliberation", "ballot"};
    for (size_t i = 0; i < PNYX_ARRAY_LEN(open); i++) {
        if (proposal_status != NULL && strcmp(proposal_status, open[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int64_t viewer_of(const struct api_req *rq)
{
    return rq->auth.authenticated ? rq->auth.account_id : 0;
}

/* The table's decision for a comment action; author and state are the
 * comment's (author 0 and state visible for actions on the proposal). */
static enum authz_decision decide(const struct api_req *rq, const struct db_standing *sd,
                                  enum authz_action action, int64_t author, const char *status)
{
    struct authz_subject who = api_subject(rq, sd->role, sd->status);
    struct authz_resource res = {.is_public = sd->is_public,
                                 .open_to_join = sd->open_to_join,
                                 .author_id = author,
                                 .state = status != NULL ? comment_status_parse(status)
                                                         : COMMENT_VISIBLE};
    return authz_decide(authz_rule_of(action), &who, &res);
}

/* Whether this reader sees a comment's text: visible ones to all who may
 * read; hidden ones to their author and the assembly's managers only (the
 * text is kept for them, the reason is public); deleted ones to nobody. */
static bool shows_text(const struct api_req *rq, const struct db_standing *sd,
                       const struct db_comment *c)
{
    if (c->body == NULL) {
        return false;
    }
    if (strcmp(c->status, "hidden") != 0) {
        return true;
    }
    struct authz_subject who = api_subject(rq, sd->role, sd->status);
    bool manager =
        who.status == MEMBER_ACTIVE && (who.role == ROLE_CONVENER || who.role == ROLE_FACILITATOR);
    return manager || (who.logged_in && who.account_id == c->author_id);
}

/* Lower-case hex SHA-256 of a text's UTF-8 bytes, as stored: what audit
 * entries carry instead of the text (anyone holding the text can check it
 * against the log). */
static const char *text_sha256(struct arena *a, const char *text)
{
    uint8_t h[PNYX_SHA256_BYTES];
    char *hex = arena_alloc(a, 2 * PNYX_SHA256_BYTES + 1);
    pnyx_crypto_sha256(text, strlen(text), h);
    pnyx_crypto_hex(h, sizeof h, hex);
    return hex;
}

static const char *id_text(struct arena *a, int64_t id)
{
    return arena_printf(a, "%lld", (long long)id);
}

/* Appends kind with data (stolen) to the comment's assembly log. */
static enum db_status audit(struct db_conn *c, struct api_req *rq, const struct db_comment *cm,
                            const char *kind, json_t *data)
{
    json_object_set_new(data, "comment", json_string(id_text(rq->arena, cm->id)));
    json_object_set_new(data, "proposal", json_string(id_text(rq->arena, cm->proposal_id)));
    enum db_status st =
        api_audit_append(c, rq->arena, cm->assembly_id, rq->auth.account_id, kind, data);
    json_decref(data);
    return st;
}

/* --- decoding ------------------------------------------------------------------------ */

static void visible_check(const char *s, size_t len, struct decode_verdict *v)
{
    size_t i = 0;
    while (i < len) {
        int32_t cp = base_utf8_next(s, len, &i);
        if (cp >= 0 && !validate_is_invisible((unsigned long)cp)) {
            return;
        }
    }
    v->code = "no_visible_character";
    v->params = NULL;
    v->message = "shows no visible character";
}

static bool language_tag_ok(const char *s, size_t len)
{
    return validate_language_tag(s, len);
}

struct comment_body {
    const char *body;
    const char *language;
    struct decode_int parent_id;
};

#define BODY_FIELD(st, max)                                                                        \
    {                                                                                              \
        .name = "body", .type = DECODE_STRING, .required = true, .text = DECODE_TEXT_MULTILINE,    \
        .min_chars = 1, .max_chars = (max), .check = visible_check, .offset = offsetof(st, body)   \
    }
#define LANGUAGE_FIELD(st)                                                                         \
    {                                                                                              \
        .name = "language", .type = DECODE_STRING, .required = true, .format = "language_tag",     \
        .format_ok = language_tag_ok, .offset = offsetof(st, language)                             \
    }

static const struct decode_field create_fields[] = {
    BODY_FIELD(struct comment_body, COMMENT_MAX),
    LANGUAGE_FIELD(struct comment_body),
    {.name = "parent_id",
     .type = DECODE_INTEGER,
     .int_range = true,
     .min = 1,
     .max = INT64_MAX,
     .offset = offsetof(struct comment_body, parent_id)},
};
static const struct decode_spec create_spec = DECODE_SPEC(create_fields);

static const struct decode_field patch_fields[] = {BODY_FIELD(struct comment_body, COMMENT_MAX)};
static const struct decode_spec patch_spec = DECODE_SPEC(patch_fields);

struct hide_body {
    const char *reason;
};
static const struct decode_field hide_fields[] = {
    {.name = "reason",
     .type = DECODE_STRING,
     .required = true,
     .text = DECODE_TEXT_TITLE,
     .min_chars = 1,
     .max_chars = REASON_MAX,
     .offset = offsetof(struct hide_body, reason)},
};
static const struct decode_spec hide_spec = DECODE_SPEC(hide_fields);

struct translation_body {
    const char *body;
    const char *language;
    const char *source;
};
static const char *const sources[] = {"human", "machine", NULL};
static const struct decode_field translation_fields[] = {
    BODY_FIELD(struct translation_body, TRANSLATION_MAX),
    LANGUAGE_FIELD(struct translation_body),
    {.name = "source",
     .type = DECODE_STRING,
     .required = true,
     .one_of = sources,
     .offset = offsetof(struct translation_body, source)},
};
static const struct decode_spec translation_spec = DECODE_SPEC(translation_fields);

/* --- read ---------------------------------------------------------------------------- */

static json_t *page_json(struct api_req *rq, const struct db_standing *sd,
                         const struct db_comment *items, int n, int limit)
{
    json_t *arr = json_array();
    for (int i = 0; arr != NULL && i < n; i++) {
        if (json_array_append_new(
                arr, api_comment_json(&items[i], shows_text(rq, sd, &items[i]))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return json_pack("{s:o, s:o}", "items", arr, "next",
                     api_page_next(n, limit, n > 0 ? items[n - 1].id : 0));
}

json_t *api_comments_page(struct api_req *rq, int64_t pid, const struct db_standing *sd, int limit,
                          const char *const *langs, int n_langs, enum db_status *st)
{
    struct db_comment *items;
    int n;
    *st = db_comment_list(rq->db, rq->arena, pid, 0, limit, langs, n_langs, &items, &n);
    return *st == DB_OK ? page_json(rq, sd, items, n, limit) : NULL;
}

int api_comments_embed(struct api_req *rq, struct api_reply *out, int64_t pid,
                       const struct db_standing *sd)
{
    uint64_t n = 0;
    int has = api_query_u64(rq, "comments", &n);
    if (has == 0 || out->status != 200 || out->json == NULL) {
        return 0;
    }
    if (has < 0 || n < 1 || n > API_PAGE_MAX) {
        api_problem(out, API_E_BAD_REQUEST, "comments must be an integer from 1 to 200");
        return -1;
    }
    const char *langs[API_LANG_PREFS_MAX];
    int n_langs = api_lang_prefs(rq, out, langs);
    if (n_langs < 0) {
        return -1;
    }
    if (decide(rq, sd, AUTHZ_READ_COMMENTS, 0, NULL) != AUTHZ_ALLOW) {
        return 0; /* the proposal is readable but not its comments: none embedded */
    }
    enum db_status st;
    json_t *page = api_comments_page(rq, pid, sd, (int)n, langs, n_langs, &st);
    if (page == NULL) {
        api_problem_db(out, st != DB_OK ? st : DB_HARD_ERROR);
        return -1;
    }
    json_object_set_new(out->json, "comments", page);
    return 0;
}

/* GET /api/v1/proposals/{pid}/comments?lang=&after=&limit= — two queries:
 * the proposal with the caller's standing, then the page. */
int api_comments_list(struct api_req *rq, struct api_reply *out)
{
    int64_t pid, after;
    int limit;
    const char *langs[API_LANG_PREFS_MAX];
    if (api_param_id(rq, "pid", &pid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    int n_langs = api_lang_prefs(rq, out, langs);
    if (n_langs < 0) {
        return 0;
    }
    struct db_comment_scope sc;
    enum db_status st = db_comment_scope(rq->db, rq->arena, pid, viewer_of(rq), false, &sc);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    enum authz_decision d = decide(rq, &sc.sd, AUTHZ_READ_COMMENTS, 0, NULL);
    if (d != AUTHZ_ALLOW) {
        return api_authz_problem(out, d);
    }
    struct db_comment *items;
    int n;
    st = db_comment_list(rq->db, rq->arena, pid, after, limit, langs, n_langs, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *page = page_json(rq, &sc.sd, items, n, limit);
    api_reply_json(out, 200, page);
    (void)api_reply_header(out, "Vary", "Accept-Language");
    return 0;
}

/* --- write ----------------------------------------------------------------------------- */

struct create_txn {
    struct api_req *rq;
    int64_t pid, aid;
    struct comment_body b;
    struct api_refusal refusal;
    struct db_comment out;
};

static void create_reset(void *cls)
{
    struct create_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->out, 0, sizeof(t->out));
}

static enum db_status create_cb(struct db_conn *c, void *cls)
{
    struct create_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct db_comment_scope sc;
    enum db_status st = db_comment_scope(c, a, t->pid, t->rq->auth.account_id, true, &sc);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal, API_E_NOT_FOUND, NULL);
    }
    if (st != DB_OK) {
        return st;
    }
    enum authz_decision d = decide(t->rq, &sc.sd, AUTHZ_CREATE_COMMENT, 0, NULL);
    if (d != AUTHZ_ALLOW) {
        return api_refuse(&t->refusal, api_authz_error(d), NULL);
    }
    if (!comments_open(sc.proposal_status)) {
        return api_refuse(&t->refusal, API_E_COMMENTS_CLOSED, NULL);
    }
    int64_t parent = t->b.parent_id.set ? t->b.parent_id.v : 0;
    if (parent != 0) {
        int depth = 0;
        st = db_comment_parent_depth(c, a, t->pid, parent, &depth);
        if (st == DB_NOT_FOUND || (st == DB_OK && depth >= DB_COMMENT_MAX_DEPTH)) {
            return api_refuse(&t->refusal, API_E_COMMENT_PARENT, NULL);
        }
        if (st != DB_OK) {
            return st;
        }
    }
    st = db_comment_insert(c, a, sc.assembly_id, t->pid, parent, t->rq->auth.account_id,
                           t->b.language, t->b.body, &t->out);
    if (st != DB_OK) {
        return st;
    }
    json_t *data = json_pack("{s:o, s:s, s:s}", "parent",
                             parent != 0 ? json_string(id_text(a, parent)) : json_null(),
                             "language", t->b.language, "text_sha256", text_sha256(a, t->b.body));
    st = audit(c, t->rq, &t->out, "comment.created", data);
    if (st != DB_OK) {
        return st;
    }
    /* Machine translations into the languages the assembly reads: queued
     * here (one INSERT … SELECT), done by the worker outside any request. */
    return translation_enqueue(c, a, sc.assembly_id, "comment", t->out.id, t->out.version,
                               t->out.language);
}

static int create_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    (void)rq;
    struct create_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    return api_reply_json(out, 201, api_comment_json(&t->out, true));
}

/* POST /api/v1/proposals/{pid}/comments {body, language, parent_id?} → 201.
 * The proposal's assembly (which never changes) is read first to pick the
 * group-commit key; the body re-reads everything under lock. */
int api_comments_create(struct api_req *rq, struct api_reply *out)
{
    struct create_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "pid", &t->pid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &create_spec, &t->b) != 0) {
        return 0;
    }
    struct db_comment_scope sc;
    enum db_status st = db_comment_scope(rq->db, rq->arena, t->pid, viewer_of(rq), false, &sc);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    t->aid = sc.assembly_id;
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "comment_create", create_cb,
                           create_reset, create_reply, t);
}

/* --- changes to one comment -------------------------------------------------------------- */

enum change_kind { CHANGE_EDIT, CHANGE_DELETE, CHANGE_HIDE };

struct change_txn {
    struct api_req *rq;
    int64_t cid, aid;
    enum change_kind kind;
    const char *text; /* edit: the new body; hide: the reason */
    struct api_refusal refusal;
    struct db_standing sd;
    struct db_comment out;
};

static void change_reset(void *cls)
{
    struct change_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->sd, 0, sizeof(t->sd));
    memset(&t->out, 0, sizeof(t->out));
}

/* Locks the comment and decides action on it for the caller: DB_OK with
 * the comment in *cm and the standing in *sd, or the refusal. */
static enum db_status lock_and_decide(struct db_conn *c, struct api_req *rq, int64_t cid,
                                      enum authz_action action, struct db_comment *cm,
                                      struct db_standing *sd, struct api_refusal *r)
{
    enum db_status st = db_comment_lock(c, rq->arena, cid, API_COMMENT_EDIT_WINDOW_S, cm);
    if (st == DB_NOT_FOUND) {
        return api_refuse(r, API_E_NOT_FOUND, NULL);
    }
    if (st == DB_OK) {
        st = db_assembly_standing(c, rq->arena, cm->assembly_id, viewer_of(rq), sd);
    }
    if (st != DB_OK) {
        return st;
    }
    enum authz_decision d = decide(rq, sd, action, cm->author_id, cm->status);
    if (d == AUTHZ_STATE_409) {
        return api_refuse(r, API_E_CONFLICT,
                          strcmp(cm->status, "deleted") == 0 ? "the comment was deleted"
                                                             : "the comment is hidden");
    }
    return d == AUTHZ_ALLOW ? DB_OK : api_refuse(r, api_authz_error(d), NULL);
}

static const enum authz_action change_action[] = {
    [CHANGE_EDIT] = AUTHZ_EDIT_COMMENT,
    [CHANGE_DELETE] = AUTHZ_DELETE_COMMENT,
    [CHANGE_HIDE] = AUTHZ_HIDE_COMMENT,
};

static enum db_status change_cb(struct db_conn *c, void *cls)
{
    struct change_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct db_comment cur;
    enum db_status st =
        lock_and_decide(c, t->rq, t->cid, change_action[t->kind], &cur, &t->sd, &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    switch (t->kind) {
    case CHANGE_EDIT:
        if (!cur.in_edit_window) {
            return api_refuse(&t->refusal, API_E_COMMENT_EDIT_WINDOW, NULL);
        }
        if (strcmp(cur.body, t->text) == 0) {
            t->out = cur; /* the same text: no new version, nothing to record */
            return DB_OK;
        }
        st = db_comment_edit(c, a, t->cid, t->text, &t->out);
        if (st == DB_OK) {
            st = audit(c, t->rq, &t->out, "comment.edited",
                       json_pack("{s:i, s:s}", "version", t->out.version, "text_sha256",
                                 text_sha256(a, t->text)));
        }
        /* The new version gets its own machine translations. */
        return st != DB_OK ? st
                           : translation_enqueue(c, a, t->out.assembly_id, "comment", t->out.id,
                                                 t->out.version, t->out.language);
    case CHANGE_DELETE:
        st = db_comment_delete(c, a, t->cid, &t->out);
        return st != DB_OK ? st : audit(c, t->rq, &t->out, "comment.deleted", json_object());
    case CHANGE_HIDE:
        st = db_comment_hide(c, a, t->cid, t->rq->auth.account_id, t->text, &t->out);
        if (st != DB_OK) {
            return st;
        }
        return audit(
            c, t->rq, &t->out, "comment.hidden",
            json_pack("{s:s, s:s}", "reason", t->text, "text_sha256", text_sha256(a, cur.body)));
    }
    return DB_HARD_ERROR;
}

static int change_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    struct change_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    return api_reply_json(out, 200, api_comment_json(&t->out, shows_text(rq, &t->sd, &t->out)));
}

/* The comment's assembly (the group key), then the change in its group. */
static int change_run(struct api_req *rq, struct api_reply *out, struct change_txn *t,
                      const char *name)
{
    enum db_status st = db_comment_assembly(rq->db, rq->arena, t->cid, &t->aid);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), name, change_cb, change_reset,
                           change_reply, t);
}

static struct change_txn *change_new(struct api_req *rq, enum change_kind kind)
{
    struct change_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    t->kind = kind;
    if (api_param_id(rq, "cid", &t->cid) != 0) {
        return NULL;
    }
    return t;
}

/* PATCH /api/v1/comments/{cid} {body} — the author, within the window. */
int api_comments_patch(struct api_req *rq, struct api_reply *out)
{
    struct change_txn *t = change_new(rq, CHANGE_EDIT);
    struct comment_body b = {0};
    if (t == NULL) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &patch_spec, &b) != 0) {
        return 0;
    }
    t->text = b.body;
    return change_run(rq, out, t, "comment_edit");
}

/* DELETE /api/v1/comments/{cid} — the author; leaves a tombstone. */
int api_comments_delete(struct api_req *rq, struct api_reply *out)
{
    struct change_txn *t = change_new(rq, CHANGE_DELETE);
    if (t == NULL) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    return change_run(rq, out, t, "comment_delete");
}

/* POST /api/v1/comments/{cid}/hide {reason} — facilitators and conveners. */
int api_comments_hide(struct api_req *rq, struct api_reply *out)
{
    struct change_txn *t = change_new(rq, CHANGE_HIDE);
    struct hide_body b = {0};
    if (t == NULL) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (decode_or_fail(rq, out, &hide_spec, &b) != 0) {
        return 0;
    }
    t->text = b.reason;
    return change_run(rq, out, t, "comment_hide");
}

/* --- translations ------------------------------------------------------------------------ */

struct tr_txn {
    struct api_req *rq;
    int64_t cid, aid;
    struct translation_body b;   /* translate */
    const char *review_language; /* review: the {lang} of the path */
    struct api_refusal refusal;
    struct db_comment cm;
    struct db_comment_translation out;
};

static void tr_reset(void *cls)
{
    struct tr_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->cm, 0, sizeof(t->cm));
    memset(&t->out, 0, sizeof(t->out));
}

static bool same_language(const char *x, const char *y)
{
    char bx[9], by[9];
    return strcmp(api_lang_primary(x, bx), api_lang_primary(y, by)) == 0;
}

static enum db_status translate_cb(struct db_conn *c, void *cls)
{
    struct tr_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct db_standing sd;
    enum db_status st =
        lock_and_decide(c, t->rq, t->cid, AUTHZ_TRANSLATE_COMMENT, &t->cm, &sd, &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    if (same_language(t->cm.language, t->b.language)) {
        return api_refuse(&t->refusal, API_E_COMMENT_SAME_LANGUAGE, NULL);
    }
    struct db_comment_translation prev;
    st = db_comment_translation_lock(c, a, t->cid, t->cm.version, t->b.language, &prev);
    if (st == DB_OK && strcmp(prev.source, "human") == 0 && strcmp(t->b.source, "machine") == 0) {
        return api_refuse(&t->refusal, API_E_COMMENT_HUMAN_KEPT, NULL);
    }
    if (st != DB_OK && st != DB_NOT_FOUND) {
        return st;
    }
    t->out = (struct db_comment_translation){.comment_id = t->cid,
                                             .version = t->cm.version,
                                             .language = t->b.language,
                                             .body = t->b.body,
                                             .source = t->b.source,
                                             .translated_by = t->rq->auth.account_id};
    st = db_comment_translation_put(c, a, &t->out);
    if (st != DB_OK) {
        return st;
    }
    return audit(c, t->rq, &t->cm, "comment.translated",
                 json_pack("{s:s, s:i, s:s, s:s}", "language", t->b.language, "of_version",
                           t->cm.version, "source", t->b.source, "text_sha256",
                           text_sha256(a, t->b.body)));
}

static enum db_status review_cb(struct db_conn *c, void *cls)
{
    struct tr_txn *t = cls;
    struct arena *a = t->rq->arena;
    struct db_standing sd;
    enum db_status st = lock_and_decide(c, t->rq, t->cid, AUTHZ_REVIEW_COMMENT_TRANSLATION, &t->cm,
                                        &sd, &t->refusal);
    if (st != DB_OK) {
        return st;
    }
    struct db_comment_translation cur;
    st = db_comment_translation_lock(c, a, t->cid, t->cm.version, t->review_language, &cur);
    if (st == DB_NOT_FOUND) {
        return api_refuse(&t->refusal, API_E_NOT_FOUND,
                          "no current translation of this comment's text into that language");
    }
    if (st != DB_OK) {
        return st;
    }
    if (cur.translated_by == t->rq->auth.account_id) {
        return api_refuse(&t->refusal, API_E_COMMENT_REVIEW_OWN, NULL);
    }
    if (cur.reviewed_by != 0) {
        t->out = cur; /* reviewed already: the first review stands */
        return DB_OK;
    }
    st = db_comment_translation_review(c, a, cur.id, t->rq->auth.account_id, &t->out);
    if (st != DB_OK) {
        return st;
    }
    return audit(c, t->rq, &t->cm, "comment.translation_reviewed",
                 json_pack("{s:s, s:i, s:s}", "language", t->out.language, "of_version",
                           t->out.version, "translation", id_text(a, t->out.id)));
}

static int tr_reply_status(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out,
                           unsigned ok)
{
    (void)rq;
    struct tr_txn *t = cls;
    if (st != DB_OK) {
        return api_txn_problem(out, st, &t->refusal);
    }
    return api_reply_json(out, ok, api_comment_translation_json(&t->out, t->cm.version));
}

static int translate_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    return tr_reply_status(rq, st, cls, out, 201);
}

static int review_reply(struct api_req *rq, enum db_status st, void *cls, struct api_reply *out)
{
    return tr_reply_status(rq, st, cls, out, 200);
}

static struct tr_txn *tr_new(struct api_req *rq, struct api_reply *out)
{
    struct tr_txn *t = arena_calloc(rq->arena, 1, sizeof(*t));
    t->rq = rq;
    if (api_param_id(rq, "cid", &t->cid) != 0) {
        api_problem(out, API_E_NOT_FOUND, NULL);
        return NULL;
    }
    enum db_status st = db_comment_assembly(rq->db, rq->arena, t->cid, &t->aid);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return NULL;
    }
    return t;
}

/* POST /api/v1/comments/{cid}/translations {language, body, source} → 201:
 * the current translation of the comment's current version into language
 * (a previous one stays as history; a human one is never replaced by a
 * machine one). */
int api_comments_translate(struct api_req *rq, struct api_reply *out)
{
    struct translation_body b = {0};
    if (decode_or_fail(rq, out, &translation_spec, &b) != 0) {
        return 0;
    }
    struct tr_txn *t = tr_new(rq, out);
    if (t == NULL) {
        return 0;
    }
    t->b = b;
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "comment_translate", translate_cb,
                           tr_reset, translate_reply, t);
}

/* POST /api/v1/comments/{cid}/translations/{lang}/review → 200: a member
 * other than the translator marks the current translation reviewed. */
int api_comments_review(struct api_req *rq, struct api_reply *out)
{
    const char *lang = api_param(rq, "lang");
    if (lang == NULL || !validate_language_tag(lang, strlen(lang))) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    struct tr_txn *t = tr_new(rq, out);
    if (t == NULL) {
        return 0;
    }
    t->review_language = lang;
    return api_txn_grouped(rq, out, db_group_assembly(t->aid), "comment_review", review_cb,
                           tr_reset, review_reply, t);
}
