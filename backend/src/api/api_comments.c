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

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_records.h"
#include "api/audit_writer.h"
#include "api/body_specs.h"
#include "api/decode.h"
#include "api/lang_prefs.h"
#include "api/page_cache.h"
#include "api/translation_queue.h"
#include "codec/json/jsonw.h"
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

/*
 * The assembly of a comment never changes, so a change to a comment needs
 * the round trip that finds its group key (the assembly) only once: a
 * small direct-mapped cache, filled after a successful read. Why 4096
 * slots: the comments being changed at one time are few; a miss costs one
 * indexed read, as without the cache. (A post reads its proposal's state
 * before the transaction anyway, see api_comments_create.)
 */
#define AID_SLOTS 4096
static struct {
    int64_t key, aid;
} g_aid[AID_SLOTS];
static pthread_mutex_t g_aid_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t aid_cached(int64_t key)
{
    size_t i = (size_t)key % AID_SLOTS;
    pthread_mutex_lock(&g_aid_mu);
    int64_t aid = g_aid[i].key == key ? g_aid[i].aid : 0;
    pthread_mutex_unlock(&g_aid_mu);
    return aid;
}

static void aid_remember(int64_t key, int64_t aid)
{
    size_t i = (size_t)key % AID_SLOTS;
    pthread_mutex_lock(&g_aid_mu);
    g_aid[i].key = key;
    g_aid[i].aid = aid;
    pthread_mutex_unlock(&g_aid_mu);
}

/* The assembly of comment cid (cached): DB_OK, or the read's failure. */
static enum db_status comment_assembly(struct api_req *rq, int64_t cid, int64_t *aid)
{
    *aid = aid_cached(cid);
    if (*aid > 0) {
        return DB_OK;
    }
    enum db_status st = db_comment_assembly(rq->db, rq->arena, cid, aid);
    if (st == DB_OK) {
        aid_remember(cid, *aid);
    }
    return st;
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

/*
 * Pages are written as JSON text (codec_comment_write), not built as
 * Jansson trees: the same bytes, without ~20 values and their mallocs per
 * comment. A page is {"items":[…],"next":…}.
 *
 * The text of a page whose comments show the same to every reader who may
 * read them (no hidden comment: only a hidden comment's text depends on
 * who reads) is kept in memory (api/page_cache.c, PAGE_COMMENTS), keyed by
 * the proposal, the page size and the reader's languages, under the
 * thread's revision key (comments_key of db_proposal_view and
 * db_comment_scope, sql/011: it changes in the same transaction as
 * anything a page shows). The proposal page and the comment list read
 * that key in their first statement anyway, so a kept page saves the
 * second statement and the encoding; a stale page cannot be served, since
 * its key no longer matches — also with several pnyxd on one database
 * (the key only grows: comments are never removed, only tombstoned;
 * restoring the database to an earlier state under a running pnyxd could
 * bring an old key back: the cache's TTL bounds that to 5 minutes, and a
 * restart after a restore ends it at once, as for the session cache).
 * Only first pages (no cursor) are kept. Bounds (a page over 256 KiB is
 * not kept; one 64 MiB budget with the whole proposal pages): page_cache.c.
 */
#define PAGE_TAG_LEN 32 /* hex of 128 bits of SHA-256 */

/* Hex of the first 128 bits of the SHA-256 of s[0..n): a part of an ETag. */
static void page_tag(const char *s, size_t n, char tag[PAGE_TAG_LEN + 1])
{
    uint8_t h[PNYX_SHA256_BYTES];
    pnyx_crypto_sha256(s, n, h);
    pnyx_crypto_hex(h, PAGE_TAG_LEN / 2, tag);
}

/* The cache key of the first page of limit comments on pid in the
 * languages langs into out; false when it does not fit (then nothing is
 * kept). */
static bool page_key(int64_t pid, int limit, const char *const *langs, int n_langs,
                     char out[PAGE_CACHE_KEY_MAX])
{
    char lk[PAGE_CACHE_KEY_MAX];
    if (!page_cache_langs(langs, n_langs, lk, sizeof lk)) {
        return false;
    }
    int n = snprintf(out, PAGE_CACHE_KEY_MAX, "%lld/%d/%s", (long long)pid, limit, lk);
    return n > 0 && n < PAGE_CACHE_KEY_MAX;
}

/* The page's text (malloc'd, length in *len), or NULL (no memory).
 * *same_for_all: no comment on it is hidden, so every reader allowed to
 * read the comments gets these bytes. */
static char *page_text(struct api_req *rq, const struct db_standing *sd,
                       const struct db_comment *items, int n, int limit, size_t *len,
                       bool *same_for_all)
{
    struct jsonw w;
    jsonw_init(&w, 1024 + (size_t)n * 640);
    *same_for_all = true;
    jsonw_lit(&w, "{\"items\":[");
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            jsonw_lit(&w, ",");
        }
        if (strcmp(items[i].status, "hidden") == 0) {
            *same_for_all = false;
        }
        api_comment_write(&w, &items[i], shows_text(rq, sd, &items[i]));
    }
    jsonw_lit(&w, "],\"next\":");
    if (n > 0 && n == limit) {
        jsonw_lit(&w, "\"");
        jsonw_int(&w, items[n - 1].id);
        jsonw_lit(&w, "\"");
    } else {
        jsonw_null(&w);
    }
    jsonw_lit(&w, "}");
    return jsonw_finish(&w, len);
}

/*
 * The text of the page of pid's comments after `after` (0: the first),
 * placed at *buf + off in a new arena buffer of off + *len + extra bytes
 * (the caller writes the off bytes before it and the extra after it),
 * and its page_tag in tag: from the cache when key (the thread's comments_key; NULL: unknown) finds
 * it, else by one query (and kept when it may be). false with *st set on
 * failure (DB_OK: no memory).
 */
static bool page_get(struct api_req *rq, int64_t pid, int64_t after, const struct db_standing *sd,
                     int limit, const char *const *langs, int n_langs, const char *key, size_t off,
                     size_t extra, char **buf, size_t *len, char tag[PAGE_CACHE_ETAG_MAX],
                     enum db_status *st, bool *for_all)
{
    char ck[PAGE_CACHE_KEY_MAX];
    bool cacheable = key != NULL && after == 0 && page_key(pid, limit, langs, n_langs, ck);
    *st = DB_OK;
    *for_all = false;
    if (cacheable && page_cache_get(rq->arena, PAGE_COMMENTS, ck, key, off, extra, buf, len, tag)) {
        *for_all = true; /* only such pages are kept */
        return true;
    }
    struct db_comment *items;
    int n;
    *st = db_comment_list(rq->db, rq->arena, pid, after, limit, langs, n_langs, &items, &n);
    if (*st != DB_OK) {
        return false;
    }
    bool same_for_all;
    char *text = page_text(rq, sd, items, n, limit, len, &same_for_all);
    if (text == NULL) {
        return false;
    }
    page_tag(text, *len, tag);
    *for_all = same_for_all;
    if (cacheable && same_for_all) {
        page_cache_keep(PAGE_COMMENTS, ck, key, text, *len, tag);
    }
    *buf = arena_alloc(rq->arena, off + *len + extra);
    memcpy(*buf + off, text, *len);
    free(text);
    return true;
}

/* Does an If-None-Match list contain etag (or "*")? Weak validators
 * (W/"…") compare by their opaque part, as RFC 9110 requires for INM (as
 * http/static.c does). */
static bool inm_matches(const char *inm, const char *etag)
{
    size_t el = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t') {
            p++;
        }
        if (*p == '*') {
            return true;
        }
        if (p[0] == 'W' && p[1] == '/') {
            p += 2;
        }
        size_t len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }
        if (len == el && memcmp(p, etag, el) == 0) {
            return true;
        }
        p += strcspn(p, ",");
    }
    return false;
}

/*
 * Replies 200 with the JSON text body[0..len) and its strong ETag (etag,
 * arena), or 304 without a body when If-None-Match names it. Honest: the
 * ETag is a hash of the exact bytes this reader would get now (the page's
 * part computed once per kept page), so a revalidation never keeps a
 * stale or another reader's page. "private, no-cache": a browser may keep
 * the reply but asks every time; shared caches keep nothing.
 */
void api_text_page_reply(struct api_req *rq, struct api_reply *out, char *body, size_t len,
                         const char *etag)
{
    json_decref(out->json);
    out->json = NULL;
    (void)api_reply_header(out, "ETag", etag);
    (void)api_reply_header(out, "Cache-Control", "private, no-cache");
    const char *inm = api_header(rq, "If-None-Match");
    if (inm != NULL && inm_matches(inm, etag)) {
        out->status = 304;
        out->body = NULL;
        out->body_len = 0;
        return;
    }
    out->status = 200;
    out->body = body;
    out->body_len = len;
    out->content_type = "application/json";
}

/* Appends the first n comments to the proposal object head[0..hlen)
 * (malloc'd, freed here) and replies with the text (see
 * api_comments_embed). */
static int embed_page(struct api_req *rq, struct api_reply *out, int64_t pid,
                      const struct db_standing *sd, const char *comments_key, uint64_t n,
                      const char *const *langs, int n_langs, char *head, size_t hlen,
                      struct api_page_info *info)
{
    if (hlen < 2 || head[hlen - 1] != '}') {
        free(head);
        api_problem_db(out, DB_HARD_ERROR);
        return -1;
    }
    /* The proposal's object as json_dumps writes it, its closing brace
     * replaced by ,"comments":<page>} — the member json_object_set_new
     * would have appended last, in the same bytes. */
    static const char member[] = ",\"comments\":";
    const char *m = hlen == 2 ? member + 1 : member; /* "{}": no member before ours */
    size_t mlen = strlen(m), off = hlen - 1 + mlen, plen = 0;
    char *body = NULL, tag[PAGE_CACHE_ETAG_MAX], head_tag[PAGE_TAG_LEN + 1];
    enum db_status st;
    bool for_all = false;
    if (!page_get(rq, pid, 0, sd, (int)n, langs, n_langs, comments_key, off, 2, &body, &plen, tag,
                  &st, &for_all)) {
        free(head);
        api_problem_db(out, st != DB_OK ? st : DB_HARD_ERROR);
        return -1;
    }
    memcpy(body, head, hlen - 1);
    memcpy(body + hlen - 1, m, mlen);
    body[off + plen] = '}';
    body[off + plen + 1] = '\0';
    /* The ETag: the proposal's part (hashed per request: it holds the
     * reader's standing) and the page's (kept with the page). */
    page_tag(head, hlen, head_tag);
    free(head);
    const char *etag = arena_printf(rq->arena, "\"%s%s\"", head_tag, tag);
    if (info != NULL) {
        info->same_for_all = for_all;
        info->etag = etag;
        info->body = body;
        info->len = off + plen + 1;
    }
    api_text_page_reply(rq, out, body, off + plen + 1, etag);
    return 0;
}

/* ?comments=N (0: absent; -1 after a 400 in out) and the reader's
 * languages, as both embeds read them. */
static int embed_params(struct api_req *rq, struct api_reply *out, uint64_t *n,
                        const char *langs[API_LANG_PREFS_MAX], int *n_langs)
{
    int has = api_query_u64(rq, "comments", n);
    if (has == 0) {
        return 0;
    }
    if (has < 0 || *n < 1 || *n > API_PAGE_MAX) {
        api_problem(out, API_E_BAD_REQUEST, "comments must be an integer from 1 to 200");
        return -1;
    }
    *n_langs = api_lang_prefs(rq, out, langs);
    return *n_langs < 0 ? -1 : 1;
}

int api_comments_embed(struct api_req *rq, struct api_reply *out, int64_t pid,
                       const struct db_standing *sd, const char *comments_key)
{
    uint64_t n = 0;
    if (api_query(rq, "comments") == NULL || out->status != 200 || out->json == NULL) {
        return 0;
    }
    const char *langs[API_LANG_PREFS_MAX];
    int n_langs = 0, has = embed_params(rq, out, &n, langs, &n_langs);
    if (has <= 0) {
        return has;
    }
    if (decide(rq, sd, AUTHZ_READ_COMMENTS, 0, NULL) != AUTHZ_ALLOW) {
        return 0; /* the proposal is readable but not its comments: none embedded */
    }
    char *head = json_dumps(out->json, JSON_COMPACT);
    return embed_page(rq, out, pid, sd, comments_key, n, langs, n_langs, head,
                      head != NULL ? strlen(head) : 0, NULL);
}

int api_comments_embed_text(struct api_req *rq, struct api_reply *out, int64_t pid,
                            const struct db_standing *sd, const char *comments_key, char *head,
                            size_t hlen, struct api_page_info *info)
{
    uint64_t n = 0;
    const char *langs[API_LANG_PREFS_MAX];
    int n_langs = 0, has = embed_params(rq, out, &n, langs, &n_langs);
    if (has < 0) {
        free(head);
        return -1;
    }
    if (has == 0 || decide(rq, sd, AUTHZ_READ_COMMENTS, 0, NULL) != AUTHZ_ALLOW) {
        /* the proposal alone, as api_reply_json would have sent it */
        char *copy = arena_alloc(rq->arena, hlen + 1);
        memcpy(copy, head, hlen + 1);
        free(head);
        out->status = 200;
        out->body = copy;
        out->body_len = hlen;
        out->content_type = "application/json";
        return 0;
    }
    return embed_page(rq, out, pid, sd, comments_key, n, langs, n_langs, head, hlen, info);
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
    size_t len = 0;
    char *page = NULL, tag[PAGE_CACHE_ETAG_MAX];
    bool for_all;
    if (!page_get(rq, pid, after, &sc.sd, limit, langs, n_langs, sc.comments_key, 0, 1, &page, &len,
                  tag, &st, &for_all)) {
        return api_problem_db(out, st != DB_OK ? st : DB_HARD_ERROR);
    }
    page[len] = '\0';
    api_text_page_reply(rq, out, page, len, arena_printf(rq->arena, "\"%s\"", tag));
    (void)api_reply_header(out, "Vary", "Accept-Language");
    return 0;
}

/* GET /api/v1/comments/{cid}/versions?after=&limit= — the texts a comment
 * had, oldest first, the current one last (after = a version number). To
 * whoever may read the comment's text: all readers while it is visible,
 * its author and the managers while it is hidden; a deleted comment has
 * no history left (an empty list). */
int api_comments_versions(struct api_req *rq, struct api_reply *out)
{
    int64_t cid, aid, after;
    int limit;
    if (api_param_id(rq, "cid", &cid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    if (after > INT32_MAX) {
        return api_problem(out, API_E_BAD_REQUEST, "after must be a cursor returned as next");
    }
    enum db_status st = comment_assembly(rq, cid, &aid);
    struct db_comment cm;
    struct db_standing sd;
    if (st == DB_OK) {
        st = db_comment_get(rq->db, rq->arena, cid, API_COMMENT_EDIT_WINDOW_S, &cm);
    }
    if (st == DB_OK) {
        st = db_assembly_standing(rq->db, rq->arena, aid, viewer_of(rq), &sd);
    }
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    enum authz_decision d = decide(rq, &sd, AUTHZ_READ_COMMENTS, 0, NULL);
    if (d != AUTHZ_ALLOW) {
        return api_authz_problem(out, d);
    }
    struct db_comment_version *items = NULL;
    int n = 0;
    if (shows_text(rq, &sd, &cm)) {
        st = db_comment_versions(rq->db, rq->arena, cid, (int)after, limit, &items, &n);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, api_comment_version_json(&items[i]));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].version : 0, NULL);
}

/* --- write ----------------------------------------------------------------------------- */

/*
 * The writers' scope cache. A comment write reads the proposal's scope
 * and the writer's standing before its transaction: the group key (the
 * assembly, which a proposal never changes) and the state the fast path
 * decides on. The guarded insert re-checks every part of that state that
 * it decides on (proposal status, assembly, visibility, the writer's role
 * and membership status) under the proposal's lock and falls back to the
 * locked path when anything changed, so a scope read a while ago is as
 * good as one read just now: the scopes that allowed a fast write are kept
 * here per (proposal, writer), and dropped when their guard failed. Only
 * allowing scopes are kept, so a refusal or a newly granted right is always
 * decided on a fresh read. Direct-mapped, fixed size, one mutex (held for
 * a copy). Saves one statement per comment write.
 */
#define SCOPE_SLOTS 4096
#define SCOPE_STR   24

struct scope_slot {
    int64_t pid, account; /* 0: empty */
    int64_t aid;
    bool is_public, open_to_join, has_role, has_mstatus;
    char status[SCOPE_STR], role[SCOPE_STR], mstatus[SCOPE_STR];
};
static struct scope_slot g_scopes[SCOPE_SLOTS];
static pthread_mutex_t g_scope_mu = PTHREAD_MUTEX_INITIALIZER;

static struct scope_slot *scope_slot_of(int64_t pid, int64_t account)
{
    uint64_t h =
        ((uint64_t)pid * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)account * 0xc2b2ae3d27d4eb4full);
    return &g_scopes[(h >> 32) % SCOPE_SLOTS];
}

static bool scope_fits(const char *s)
{
    return s == NULL || strlen(s) < SCOPE_STR;
}

/* A kept scope of (pid, account) into *out (strings in a); false: none. */
static bool scope_cached(struct arena *a, int64_t pid, int64_t account,
                         struct db_comment_scope *out)
{
    bool hit = false;
    pthread_mutex_lock(&g_scope_mu);
    struct scope_slot *s = scope_slot_of(pid, account);
    if (s->pid == pid && s->account == account) {
        *out = (struct db_comment_scope){
            .proposal_id = pid,
            .assembly_id = s->aid,
            .proposal_status = arena_strdup(a, s->status),
            .sd = {.is_public = s->is_public,
                   .open_to_join = s->open_to_join,
                   .role = s->has_role ? arena_strdup(a, s->role) : NULL,
                   .status = s->has_mstatus ? arena_strdup(a, s->mstatus) : NULL},
        };
        hit = true;
    }
    pthread_mutex_unlock(&g_scope_mu);
    return hit;
}

static void scope_keep(int64_t account, const struct db_comment_scope *sc)
{
    if (account <= 0 || sc->proposal_status == NULL || !scope_fits(sc->proposal_status) ||
        !scope_fits(sc->sd.role) || !scope_fits(sc->sd.status)) {
        return;
    }
    pthread_mutex_lock(&g_scope_mu);
    struct scope_slot *s = scope_slot_of(sc->proposal_id, account);
    *s = (struct scope_slot){.pid = sc->proposal_id,
                             .account = account,
                             .aid = sc->assembly_id,
                             .is_public = sc->sd.is_public,
                             .open_to_join = sc->sd.open_to_join,
                             .has_role = sc->sd.role != NULL,
                             .has_mstatus = sc->sd.status != NULL};
    snprintf(s->status, sizeof s->status, "%s", sc->proposal_status);
    snprintf(s->role, sizeof s->role, "%s", sc->sd.role != NULL ? sc->sd.role : "");
    snprintf(s->mstatus, sizeof s->mstatus, "%s", sc->sd.status != NULL ? sc->sd.status : "");
    pthread_mutex_unlock(&g_scope_mu);
}

static void scope_drop(int64_t pid, int64_t account)
{
    pthread_mutex_lock(&g_scope_mu);
    struct scope_slot *s = scope_slot_of(pid, account);
    if (s->pid == pid && s->account == account) {
        s->pid = 0;
        s->account = 0;
    }
    pthread_mutex_unlock(&g_scope_mu);
}

struct create_txn {
    struct api_req *rq;
    int64_t pid, aid;
    struct comment_body b;
    struct db_comment_scope seen; /* read before the transaction */
    bool fast;                    /* seen allows the post: try the guarded insert */
    struct api_refusal refusal;
    struct db_comment out;
};

static void create_reset(void *cls)
{
    struct create_txn *t = cls;
    api_refusal_clear(&t->refusal);
    memset(&t->out, 0, sizeof(t->out));
}

/* The audit entry and (unless the insert queued them: jobs_done) the
 * machine-translation jobs of a new comment. */
static enum db_status created(struct db_conn *c, struct create_txn *t, int64_t parent,
                              bool jobs_done)
{
    struct arena *a = t->rq->arena;
    json_t *data = json_pack("{s:o, s:s, s:s}", "parent",
                             parent != 0 ? json_string(id_text(a, parent)) : json_null(),
                             "language", t->b.language, "text_sha256", text_sha256(a, t->b.body));
    enum db_status st = audit(c, t->rq, &t->out, "comment.created", data);
    if (st != DB_OK) {
        return st;
    }
    if (jobs_done) {
        return DB_OK;
    }
    /* Machine translations into the languages the assembly reads: queued
     * here (one INSERT … SELECT), done by the worker outside any request. */
    return translation_enqueue(c, a, t->out.assembly_id, "comment", t->out.id, t->out.version,
                               t->out.language);
}

/*
 * Two paths to the same outcome. Fast: the state read before the
 * transaction allowed the post, and one guarded statement inserts only if
 * that state still holds under the proposal's lock (the common case: one
 * round trip on the group leader's connection instead of two). Slow: lock
 * the proposal with the caller's standing, decide, check the parent,
 * insert — also whenever the guard found anything changed.
 */
static enum db_status create_cb(struct db_conn *c, void *cls)
{
    struct create_txn *t = cls;
    struct arena *a = t->rq->arena;
    int64_t parent = t->b.parent_id.set ? t->b.parent_id.v : 0;
    enum db_status st;
    if (t->fast) {
        /* One round trip: the guarded insert queues the translation jobs. */
        struct db_comment_jobs jobs = {0};
        jobs.enqueue = translation_targets(a, t->b.language, &jobs.src, &jobs.targets);
        bool inserted = false;
        int64_t queued = 0;
        st =
            db_comment_insert_guarded(c, a, &t->seen, parent, t->rq->auth.account_id, t->b.language,
                                      t->b.body, &jobs, &t->out, &inserted, &queued);
        if (st != DB_OK || inserted) {
            translation_queued(queued);
            return st != DB_OK ? st : created(c, t, parent, true);
        }
        /* The state the scope was read in has changed: read it afresh next
         * time (the locked path below decides this write). */
        scope_drop(t->pid, t->rq->auth.account_id);
    }
    struct db_comment_scope sc;
    st = db_comment_scope(c, a, t->pid, t->rq->auth.account_id, true, &sc);
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
    return st != DB_OK ? st : created(c, t, parent, false);
}

/*
 * The batch body (db_batch_fn) of the posts of one batch that all decided
 * on the fast path: ONE guarded statement for all of them
 * (db_comment_insert_many), then each post's comment.created entry, in
 * arrival order (the order of the comment ids), so the log reads as if
 * the posts had run one by one. All or nothing: when any post's guard
 * fails the statement writes nothing and this gives up, and the batch
 * runs create_cb per post under savepoints — the post whose state changed
 * takes the slow path there (and forgets its kept scope), the others
 * their fast path. The statement's parameters and answer live in the
 * first post's arena (alive while its batch runs); each comment's strings
 * are copied into its own post's arena.
 */
static enum db_status create_batch_cb(struct db_conn *c, void *const *cls, enum db_status *st,
                                      size_t n)
{
    const struct db_comment_new *in[DB_GROUP_MAX_BATCH];
    struct db_comment *res[DB_GROUP_MAX_BATCH];
    int64_t queued[DB_GROUP_MAX_BATCH];
    if (n > DB_GROUP_MAX_BATCH) {
        return DB_HARD_ERROR;
    }
    struct create_txn *t0 = cls[0];
    struct arena *a0 = t0->rq->arena;
    for (size_t i = 0; i < n; i++) {
        struct create_txn *t = cls[i];
        if (!t->fast) {
            return DB_HARD_ERROR; /* only fast posts carry this body: never */
        }
        struct db_comment_new *p = arena_calloc(a0, 1, sizeof *p);
        *p = (struct db_comment_new){.seen = &t->seen,
                                     .parent = t->b.parent_id.set ? t->b.parent_id.v : 0,
                                     .author = t->rq->auth.account_id,
                                     .language = t->b.language,
                                     .body = t->b.body};
        p->jobs.enqueue = translation_targets(a0, t->b.language, &p->jobs.src, &p->jobs.targets);
        in[i] = p;
        res[i] = arena_calloc(a0, 1, sizeof *res[i]);
    }
    bool inserted = false;
    enum db_status s = db_comment_insert_many(c, a0, t0->aid, in, n, res, queued, &inserted);
    if (s != DB_OK) {
        return s;
    }
    if (!inserted) {
        return DB_NOT_FOUND; /* a guard failed: nothing written; one by one */
    }
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct create_txn *t = cls[i];
        struct arena *own = t->rq->arena;
        struct db_comment *r = res[i];
        t->out = *r;
        t->out.author_name = r->author_name ? arena_strdup(own, r->author_name) : NULL;
        t->out.author_country = r->author_country ? arena_strdup(own, r->author_country) : NULL;
        t->out.language = r->language ? arena_strdup(own, r->language) : NULL;
        t->out.body = r->body ? arena_strdup(own, r->body) : NULL;
        t->out.status = r->status ? arena_strdup(own, r->status) : NULL;
        t->out.hidden_reason = r->hidden_reason ? arena_strdup(own, r->hidden_reason) : NULL;
        t->out.hidden_at = r->hidden_at ? arena_strdup(own, r->hidden_at) : NULL;
        t->out.created_at = r->created_at ? arena_strdup(own, r->created_at) : NULL;
        t->out.updated_at = r->updated_at ? arena_strdup(own, r->updated_at) : NULL;
        s = created(c, t, in[i]->parent, true);
        if (s != DB_OK) {
            return s; /* the leader rolls the batch back: one by one */
        }
        st[i] = DB_OK;
        total += queued[i];
    }
    translation_queued(total);
    return DB_OK;
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

/* POST /api/v1/proposals/{pid}/comments {body, language, parent_id?} → 201
 * (see create_cb for the fast and the slow path). */
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
    /* Read before the transaction: the group key, and the state the fast
     * path decides on (re-checked under lock by the guarded insert). */
    int64_t viewer = viewer_of(rq);
    bool kept = viewer > 0 && scope_cached(rq->arena, t->pid, viewer, &t->seen);
    if (!kept) {
        enum db_status st = db_comment_scope(rq->db, rq->arena, t->pid, viewer, false, &t->seen);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
    }
    t->aid = t->seen.assembly_id;
    t->fast = decide(rq, &t->seen.sd, AUTHZ_CREATE_COMMENT, 0, NULL) == AUTHZ_ALLOW &&
              comments_open(t->seen.proposal_status);
    if (!t->fast && kept) {
        /* kept scopes allow; this request's own authority does not (the
         * decision also reads the request): decide on a fresh read */
        scope_drop(t->pid, viewer);
        enum db_status st = db_comment_scope(rq->db, rq->arena, t->pid, viewer, false, &t->seen);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
        t->fast = decide(rq, &t->seen.sd, AUTHZ_CREATE_COMMENT, 0, NULL) == AUTHZ_ALLOW &&
                  comments_open(t->seen.proposal_status);
    } else if (t->fast && !kept) {
        scope_keep(viewer, &t->seen);
    }
    /* Fast posts of one batch share one statement (create_batch_cb); a
     * post that decided on the slow path keeps its per-post body, and a
     * batch holding one runs them all per post. */
    return api_txn_grouped_batch(rq, out, db_group_assembly(t->aid), "comment_create", create_cb,
                                 t->fast ? create_batch_cb : NULL, create_reset, create_reply, t);
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
    enum db_status st = comment_assembly(rq, t->cid, &t->aid);
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
    enum db_status st = comment_assembly(rq, t->cid, &t->aid);
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

/* The body specs of this file's routes (api/body_specs.h: fuzzing, route coverage). */
const struct api_body_spec api_comments_bodies[] = {
    {"POST /api/v1/proposals/{pid}/comments", &create_spec},
    {"PATCH /api/v1/comments/{cid}", &patch_spec},
    {"POST /api/v1/comments/{cid}/hide", &hide_spec},
    {"POST /api/v1/comments/{cid}/translations", &translation_spec},
    {NULL, NULL},
};
