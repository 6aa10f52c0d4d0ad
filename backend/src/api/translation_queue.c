/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/translation_queue.c — queueing machine-translation jobs and the
 * worker that does them (translation_queue.h).
 *
 * Questions (sql/014): a job translates the question's title, description
 * and option labels in one run and stores them into question_texts as a
 * machine text (translator, pivot) with `question.translated` (actor
 * null) — only while the question is a draft whose texts are still the
 * ones translated, and never over a human translation ("skipped: question
 * opened", "skipped: texts changed", "skipped: human translation").
 *
 * A job's life (sql/008_translation_jobs.sql):
 *
 *   queued ──take (SKIP LOCKED, attempts+1, lease)──▶ running
 *   running ──translated, stored (or skipped)──▶ done
 *   running ──translator failed, attempts < N──▶ queued (run_after = now + backoff·2^(attempts-1))
 *   running ──translator failed, attempts = N, or permanent──▶ failed
 *   running, lease expired (worker or pnyxd died) ──next take──▶ running (another token)
 *
 * The translator runs outside any transaction (it may take seconds): the
 * take is one autocommit statement, the result is stored by a second
 * transaction that first checks that the take still owns the job (its
 * lease token), so a worker that outlived its lease cannot store a result
 * twice. The lease is longer than the longest translation (4 translator
 * runs at most — title and body, each through a pivot — at their timeout
 * each, plus a minute); a question job for a command translator (one run
 * per text: title, description, each label) extends its lease to cover
 * its runs before translating.
 *
 * Decisions:
 * - A job whose version is no longer the target's current version is done
 *   without translating ("skipped: superseded"): the newer version has its
 *   own job, and a translation of an old version would be shown as
 *   outdated anyway; Apertium's time goes to the text people read.
 * - A current human translation of the same (target, version, language) is
 *   never replaced: checked before translating and again in the storing
 *   transaction ("skipped: human translation").
 * - A deleted comment is skipped; a hidden one is translated (its text is
 *   kept and facilitators read it).
 * - Title and body go through Apertium in one run (its start-up is most of
 *   a job's cost), separated by a block boundary no word crosses
 *   (platform/translator.c); a command translator gets one run each.
 *   Paragraph breaks survive; a trailing newline the translator adds is
 *   removed when the source had none.
 * - Output that is not UTF-8, or too long for the translation tables, is a
 *   permanent failure (retrying gives the same text).
 */
#include "api/translation_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/audit_writer.h"
#include "api/worker.h"
#include "core/base/base.h"
#include "db/db_translation.h"
#include "platform/config.h"
#include "platform/crypto.h"
#include "platform/log.h"
#include "platform/metrics.h"
#include "platform/translator.h"

#define WORKER_NAME "translation"
/* Why 1 s: jobs this pnyxd queues wake its workers at once (worker_wake);
 * the poll only finds jobs another pnyxd queued, or retries coming due. */
#define TRANSLATION_IDLE_MS 1000

static unsigned g_attempts = 5;
static unsigned g_backoff_s = 10;
static unsigned g_timeout_s = 60;

/* --- queueing ------------------------------------------------------------------ */

/* The JSON array of languages reachable from src, or NULL for "any"
 * (command translators); "" when none is. */
static const char *targets_json(struct arena *a, const struct translator *t, const char *src)
{
    if (translator_any_pair(t))
        return NULL;
    size_t cap = 2 + t->npairs * (TRANSLATOR_LANG_MAX + 3);
    char *s = arena_alloc(a, cap);
    size_t n = 0;
    s[n++] = '[';
    for (size_t i = 0; i < t->npairs; i++) {
        const struct translator_pair *p = &t->pairs[i];
        if (strcmp(p->from, src) != 0)
            continue;
        n += (size_t)snprintf(s + n, cap - n, "%s\"%s\"", n > 1 ? "," : "", p->to);
    }
    if (n == 1)
        return "";
    s[n++] = ']';
    s[n] = '\0';
    return s;
}

enum db_status translation_enqueue(struct db_conn *c, struct arena *a, int64_t aid,
                                   const char *kind, int64_t target_id, int version,
                                   const char *source_language)
{
    const struct translator *t = translator_global();
    if (t->kind == TRANSLATOR_NONE)
        return DB_OK;
    if (strcmp(kind, "proposal") != 0 && strcmp(kind, "comment") != 0 &&
        strcmp(kind, "question") != 0)
        return DB_HARD_ERROR;
    char src[TRANSLATOR_LANG_MAX];
    translator_primary(source_language, src);
    const char *targets = targets_json(a, t, src);
    if (targets && !*targets)
        return DB_OK; /* no pair from this language */
    int64_t queued = 0;
    enum db_status st = db_translation_enqueue(c, a, aid, kind, target_id, version, source_language,
                                               src, targets, &queued);
    if (st == DB_OK && queued > 0)
        worker_wake(WORKER_NAME); /* before COMMIT: the worker polls fast for a while */
    return st;
}

bool translation_targets(struct arena *a, const char *source_language, const char **src,
                         const char **targets)
{
    const struct translator *t = translator_global();
    if (t->kind == TRANSLATOR_NONE)
        return false;
    char buf[TRANSLATOR_LANG_MAX];
    translator_primary(source_language, buf);
    *targets = targets_json(a, t, buf);
    if (*targets && !**targets)
        return false; /* no pair from this language */
    *src = arena_strdup(a, buf);
    return true;
}

void translation_queued(int64_t n)
{
    if (n > 0)
        worker_wake(WORKER_NAME); /* before COMMIT: the worker polls fast for a while */
}

/* --- set-up -------------------------------------------------------------------- */

int translation_init(const struct pnyx_config *cfg, char *err, size_t errlen)
{
    static struct translator t; /* large: not on the stack */
    unsigned timeout = cfg->translator_timeout ? cfg->translator_timeout : 60;
    if (translator_init(&t, cfg->translator ? cfg->translator : "",
                        cfg->apertium_bin ? cfg->apertium_bin : "", timeout * 1000u, 0, err,
                        errlen) != 0)
        return -1;
    translator_global_set(&t);
    g_attempts = cfg->translation_attempts ? cfg->translation_attempts : 5;
    g_backoff_s = cfg->translation_backoff;
    g_timeout_s = timeout;
    if (t.kind == TRANSLATOR_APERTIUM) {
        size_t direct = 0;
        for (size_t i = 0; i < t.npairs; i++)
            direct += t.pairs[i].via[0] == '\0';
        log_info("translator: apertium (%s), %zu direct pairs, %zu through a pivot", t.program,
                 direct, t.npairs - direct);
    } else {
        log_info("translator: %s%s%s", t.name, t.kind == TRANSLATOR_COMMAND ? " " : "",
                 t.kind == TRANSLATOR_COMMAND ? t.program : "");
    }
    return 0;
}

unsigned translation_workers_start(const struct pnyx_config *cfg)
{
    if (translator_global()->kind == TRANSLATOR_NONE)
        return 0;
    unsigned n = 0;
    for (unsigned i = 0; i < cfg->workers; i++) {
        struct worker_spec spec = {.name = WORKER_NAME,
                                   .run_once = translation_run_once,
                                   .ctx = NULL,
                                   .idle_ms = TRANSLATION_IDLE_MS};
        if (worker_start(&spec) != 0)
            break;
        n++;
    }
    return n;
}

/* --- the worker -------------------------------------------------------------- */

/* SHA-256 (hex) of the canonical text the audit entry carries instead of
 * the text, as for every proposal text (README "Proposals"): the UTF-8
 * bytes of the title, one line feed, the body; a comment's body alone. */
static int text_sha256(struct arena *a, const char *title, const char *body, char hex[65])
{
    const char *canon = title ? arena_printf(a, "%s\n%s", title, body) : body;
    uint8_t h[PNYX_SHA256_BYTES];
    pnyx_crypto_sha256(canon, strlen(canon), h);
    pnyx_crypto_hex(h, sizeof h, hex);
    return 0;
}

/* The storing transaction's closure. */
struct store_txn {
    const struct db_translation_job *job;    /* in */
    const struct db_translation_source *src; /* in: what was translated */
    const char *title, *body;                /* in (title NULL for comments) */
    const char *labels;                      /* in: questions, JSON object text */
    const char *translator, *pivot;          /* in */
    const char *sha;                         /* in: hex of the canonical text */
    struct arena *a;                         /* in */
    const char *outcome;                     /* out */
};

static void store_reset(void *cls)
{
    ((struct store_txn *)cls)->outcome = NULL;
}

/* A question's machine translation: stored only while the question is a
 * draft whose texts are still the ones translated (the question row is
 * share-locked first, so opening waits for this transaction or this one
 * sees it opened), with `question.translated` (actor null). */
static enum db_status store_question(struct db_conn *c, struct store_txn *t)
{
    struct arena *a = t->a;
    const struct db_translation_job *job = t->job;
    enum db_status st = db_translation_lock_question(c, a, job->target_id);
    if (st == DB_NOT_FOUND) {
        t->outcome = "skipped: question opened"; /* its texts froze while the translator ran */
        return db_translation_done(c, a, job->id, t->outcome, t->translator, t->pivot);
    }
    bool human = false;
    if (st == DB_OK)
        st = db_translation_has_human(c, a, job, &human);
    if (st != DB_OK)
        return st;
    if (human) {
        t->outcome = "skipped: human translation";
        return db_translation_done(c, a, job->id, t->outcome, t->translator, t->pivot);
    }
    st = db_translation_store_question(c, a, job, t->src, t->title, t->body, t->labels,
                                       t->translator, t->pivot);
    if (st == DB_NOT_FOUND) {
        t->outcome = "skipped: texts changed"; /* a PATCH queued a job for the new texts */
        return db_translation_done(c, a, job->id, t->outcome, t->translator, t->pivot);
    }
    if (st != DB_OK)
        return st;
    json_t *lab = json_loads(t->labels, 0, NULL);
    json_t *data =
        json_pack("{s:s, s:s, s:s, s:i, s:i, s:s, s:o, s:s}", "question",
                  arena_printf(a, "%lld", (long long)job->target_id), "language",
                  job->target_language, "source", "machine", "version", job->version, "labels",
                  (int)json_object_size(lab), "translator", t->translator, "pivot",
                  t->pivot ? json_string(t->pivot) : json_null(), "text_sha256", t->sha);
    json_decref(lab);
    if (!data)
        return DB_HARD_ERROR;
    st = api_audit_append(c, a, job->assembly_id, 0, "question.translated", data);
    json_decref(data);
    if (st != DB_OK)
        return st;
    t->outcome = "stored";
    return db_translation_done(c, a, job->id, t->outcome, t->translator, t->pivot);
}

static enum db_status store_body(struct db_conn *c, void *cls)
{
    struct store_txn *t = cls;
    struct arena *a = t->a;
    const struct db_translation_job *job = t->job;
    enum db_status st = db_translation_lock_job(c, a, job->id, job->lease_token);
    if (st == DB_NOT_FOUND) {
        t->outcome = "lost";
        return DB_REFUSED; /* our lease expired and another take owns it */
    }
    if (st != DB_OK)
        return st;
    if (strcmp(job->kind, "question") == 0)
        return store_question(c, t);
    bool human = false;
    if ((st = db_translation_has_human(c, a, job, &human)) != DB_OK)
        return st;
    if (human) {
        t->outcome = "skipped: human translation";
        return db_translation_done(c, a, job->id, t->outcome, t->translator, t->pivot);
    }
    int64_t row = 0;
    st = db_translation_store(c, a, job, t->title, t->body, t->translator, t->pivot, &row);
    if (st == DB_NOT_FOUND && strcmp(job->kind, "comment") == 0) {
        t->outcome = "skipped: deleted"; /* while the translator ran */
        return db_translation_done(c, a, job->id, t->outcome, t->translator, t->pivot);
    }
    if (st != DB_OK)
        return st;
    if (strcmp(job->kind, "proposal") == 0) {
        json_t *data = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o, s:s, s:s}", "proposal",
                                 arena_printf(a, "%lld", (long long)job->target_id), "version",
                                 job->version, "language", job->target_language, "source",
                                 "machine", "translator", t->translator, "pivot",
                                 t->pivot ? json_string(t->pivot) : json_null(), "text_sha256",
                                 t->sha, "translation", arena_printf(a, "%lld", (long long)row));
        if (!data)
            return DB_HARD_ERROR;
        st = api_audit_append(c, a, job->assembly_id, 0, "proposal.translated", data);
        json_decref(data);
        if (st != DB_OK)
            return st;
    }
    t->outcome = "stored";
    return db_translation_done(c, a, job->id, t->outcome, t->translator, t->pivot);
}

/* Records a failed attempt; logs it. Returns 1 (the worker did work). */
static int attempt_failed(struct db_conn *c, struct arena *a, const struct db_translation_job *job,
                          const char *why, bool permanent)
{
    char cut[2001];
    size_t n = strlen(why);
    if (n > sizeof cut - 1)
        n = base_utf8_cut(why, sizeof cut - 1);
    memcpy(cut, why, n);
    cut[n] = '\0';
    if (!base_utf8_valid(cut, n)) {
        /* stderr of a foreign program: keep what is printable ASCII */
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)cut[i] >= 0x80)
                cut[i] = '?';
        }
    }
    /* backoff·2^(attempts-1), capped at a day */
    uint64_t backoff = g_backoff_s;
    for (int i = 1; i < job->attempts && backoff < 86400; i++)
        backoff *= 2;
    if (backoff > 86400)
        backoff = 86400;
    bool failed = false;
    enum db_status st = db_translation_fail(c, a, job->id, job->lease_token, cut, (int)g_attempts,
                                            (int)backoff, permanent, &failed);
    if (st == DB_OK) {
        metrics_translation_job(failed ? METRICS_TRANSLATION_FAILED : METRICS_TRANSLATION_RETRIED);
        log_warn("translation job %lld (%s %lld v%d → %s) attempt %d %s: %s", (long long)job->id,
                 job->kind, (long long)job->target_id, job->version, job->target_language,
                 job->attempts, failed ? "failed for good" : "failed, will retry", cut);
    }
    return st == DB_OK || st == DB_NOT_FOUND ? 1 : -1;
}

/* Removes a trailing newline the translator added when src had none. */
static void trim_added_newline(const char *src, char *out, size_t *len)
{
    size_t sl = strlen(src);
    bool src_nl = sl > 0 && src[sl - 1] == '\n';
    while (!src_nl && *len > 0 && (out[*len - 1] == '\n' || out[*len - 1] == '\r'))
        out[--*len] = '\0';
}

/* Checks one translated text and copies it into *out (arena). 0, or -1
 * with err; *permanent when retrying cannot help. */
static int check_text(struct arena *a, const char *src, struct translator_result *r, size_t max_cp,
                      const char **out, char *err, size_t errlen, bool *permanent)
{
    trim_added_newline(src, r->text, &r->len);
    if (!base_utf8_valid(r->text, r->len) || memchr(r->text, '\0', r->len)) {
        snprintf(err, errlen, "the translator's output is not UTF-8 text");
        *permanent = true;
        return -1;
    }
    if (base_utf8_count(r->text, r->len) > max_cp) {
        snprintf(err, errlen, "the translation is longer than %zu characters", max_cp);
        *permanent = true;
        return -1;
    }
    if (r->len == 0) {
        snprintf(err, errlen, "the translator returned nothing");
        return -1;
    }
    *out = arena_strndup(a, r->text, r->len);
    return 0;
}

/* Translates the job's texts (title and body, or a comment's body; an
 * empty text stays empty without a run) into title/body. 0, or -1 with
 * err and *permanent. *via: the pivot. */
static int translate_job(struct arena *a, const struct translator *tr,
                         const struct db_translation_job *job, const char *title_src,
                         const char *body_src, bool comment, const char **title, const char **body,
                         char via[TRANSLATOR_LANG_MAX], char *err, size_t errlen, bool *permanent)
{
    const char *texts[2];
    size_t max_cp[2];
    const char **outs[2];
    size_t n = 0;
    *title = comment ? NULL : "";
    *body = "";
    if (!comment && *title_src) {
        texts[n] = title_src;
        max_cp[n] = 400;
        outs[n++] = title;
    }
    if (*body_src) {
        texts[n] = body_src;
        max_cp[n] = comment ? 20000 : 40000;
        outs[n++] = body;
    }
    if (n == 0)
        return 0;
    struct translator_result r[2];
    if (translator_translate_parts(tr, job->source_language, job->target_language, texts, n, r) !=
        0) {
        snprintf(err, errlen, "%s", r[0].error);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = check_text(a, texts[i], &r[i], max_cp[i], outs[i], err, errlen, permanent);
    memcpy(via, r[0].via, TRANSLATOR_LANG_MAX);
    for (size_t i = 0; i < n; i++)
        translator_result_free(&r[i]);
    return rc;
}

/* A question's texts — title, description (may be empty: no run for it)
 * and the option labels of src->labels in position order — in one run;
 * *labels is the JSON object {option id: translated label}. 0, or -1 with
 * err and *permanent. */
static int translate_question(struct arena *a, const struct translator *tr,
                              const struct db_translation_job *job,
                              const struct db_translation_source *src, const char **title,
                              const char **description, const char **labels,
                              char via[TRANSLATOR_LANG_MAX], char *err, size_t errlen,
                              bool *permanent)
{
    json_t *lab = json_loads(src->labels ? src->labels : "{}", 0, NULL);
    if (!json_is_object(lab) || json_object_size(lab) + 2 > TRANSLATOR_PARTS_MAX) {
        json_decref(lab);
        snprintf(err, errlen, "the question's option labels cannot be read");
        *permanent = true;
        return -1;
    }
    size_t nl = json_object_size(lab);
    const char **texts = arena_calloc(a, nl + 2, sizeof *texts);
    const char **keys = arena_calloc(a, nl + 1, sizeof *keys);
    struct translator_result *r = calloc(nl + 2, sizeof *r);
    if (!r) {
        json_decref(lab);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *desc_src = src->body ? src->body : "";
    size_t n = 0;
    texts[n++] = src->title ? src->title : "";
    if (*desc_src)
        texts[n++] = desc_src;
    size_t first_label = n;
    const char *key;
    json_t *val;
    size_t k = 0;
    json_object_foreach(lab, key, val)
    {
        keys[k++] = arena_strdup(a, key);
        texts[n++] = arena_strdup(a, json_string_value(val) ? json_string_value(val) : "");
    }
    json_decref(lab);
    int rc = -1;
    if (translator_translate_parts(tr, job->source_language, job->target_language, texts, n, r) !=
        0) {
        snprintf(err, errlen, "%s", r[0].error);
        free(r);
        return -1;
    }
    *description = "";
    const char **outs = arena_calloc(a, n, sizeof *outs);
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* limits of sql/010_questions.sql: title 200, description 20000, label 300 */
        size_t max_cp = i == 0 ? 200 : i < first_label ? 20000 : 300;
        rc = check_text(a, texts[i], &r[i], max_cp, &outs[i], err, errlen, permanent);
    }
    memcpy(via, r[0].via, TRANSLATOR_LANG_MAX);
    for (size_t i = 0; i < n; i++)
        translator_result_free(&r[i]);
    free(r);
    if (rc != 0)
        return rc;
    *title = outs[0];
    if (first_label == 2)
        *description = outs[1];
    json_t *out = json_object();
    for (size_t i = 0; i < nl; i++)
        json_object_set_new(out, keys[i], json_string(outs[first_label + i]));
    char *dump = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(out);
    if (!dump) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *labels = arena_strdup(a, dump);
    free(dump);
    return 0;
}

int translation_run_once(void *ctx)
{
    (void)ctx;
    struct arena *a = arena_new();
    if (!a)
        return -1;
    struct db_conn *c = db_thread_conn();
    const struct translator *tr = translator_global();
    char token[PNYX_TOKEN_CHARS + 1];
    uint8_t unused[PNYX_SHA256_BYTES];
    pnyx_crypto_token_new(token, unused);
    int lease_s = (int)(4 * g_timeout_s + 60);
    struct db_translation_job job;
    int ret = -1;
    enum db_status st = db_translation_take(c, a, lease_s, token, &job);
    if (st == DB_NOT_FOUND) {
        ret = 0;
        goto out;
    }
    if (st != DB_OK)
        goto out;
    ret = 1;

    struct db_translation_source src;
    st = db_translation_source(c, a, &job, &src);
    if (st == DB_NOT_FOUND) {
        ret = attempt_failed(c, a, &job, "the text of this version no longer exists", true);
        goto out;
    }
    if (st != DB_OK) {
        ret = -1; /* the lease brings the job back */
        goto out;
    }
    const char *skip = NULL;
    if (src.deleted)
        skip = "skipped: deleted";
    else if (src.frozen)
        skip = "skipped: question opened"; /* texts froze at opening */
    else if (src.current_version != job.version)
        skip = arena_printf(a, "skipped: superseded by version %d", src.current_version);
    if (!skip) {
        bool human = false;
        if (db_translation_has_human(c, a, &job, &human) != DB_OK) {
            ret = -1;
            goto out;
        }
        if (human)
            skip = "skipped: human translation";
    }
    if (skip) {
        if (db_translation_done(c, a, job.id, skip, NULL, NULL) != DB_OK)
            ret = -1;
        else
            metrics_translation_job(METRICS_TRANSLATION_SKIPPED);
        goto out;
    }

    bool comment = strcmp(job.kind, "comment") == 0;
    bool question = strcmp(job.kind, "question") == 0;
    if (question && tr->kind == TRANSLATOR_COMMAND) {
        /* one command run per text: title, description and up to 100
         * labels need more than the 4 runs the take's lease covers */
        json_t *lab = json_loads(src.labels ? src.labels : "{}", 0, NULL);
        size_t runs = 2 + json_object_size(lab);
        json_decref(lab);
        if (runs > 4) {
            st = db_translation_extend_lease(c, a, job.id, job.lease_token,
                                             (int)(runs * g_timeout_s + 60));
            if (st == DB_NOT_FOUND) {
                ret = 1; /* another take owns it now */
                goto out;
            }
            if (st != DB_OK) {
                ret = -1;
                goto out;
            }
        }
    }
    char err[TRANSLATOR_ERR_MAX + 64];
    char via[TRANSLATOR_LANG_MAX] = "";
    bool permanent = false;
    const char *title = NULL, *body = NULL, *labels = NULL;
    int trc = question
                  ? translate_question(a, tr, &job, &src, &title, &body, &labels, via, err,
                                       sizeof err, &permanent)
                  : translate_job(a, tr, &job, src.title ? src.title : "", src.body ? src.body : "",
                                  comment, &title, &body, via, err, sizeof err, &permanent);
    if (trc != 0 && translator_cancelled()) {
        /* pnyxd is stopping: not a failed attempt; the job keeps its lease
         * and is taken again when it expires */
        log_info("translation job %lld left to its lease: %s", (long long)job.id, err);
        ret = 1;
        goto out;
    }
    if (trc != 0) {
        ret = attempt_failed(c, a, &job, err, permanent);
        goto out;
    }
    char sha[65];
    /* a question's canonical text: title, line feed, description, line
     * feed, the labels' JSON object as stored */
    if (text_sha256(a, title, question ? arena_printf(a, "%s\n%s", body, labels) : body, sha) != 0)
        goto out;
    struct store_txn t = {.job = &job,
                          .src = &src,
                          .title = title,
                          .body = body,
                          .labels = labels,
                          .translator = tr->name,
                          .pivot = via[0] ? arena_strdup(a, via) : NULL,
                          .sha = sha,
                          .a = a};
    st = db_run_txn_grouped(c, db_group_assembly(job.assembly_id), "translation_store", store_body,
                            store_reset, &t);
    if (st == DB_OK) {
        metrics_translation_job(strcmp(t.outcome, "stored") == 0 ? METRICS_TRANSLATION_STORED
                                                                 : METRICS_TRANSLATION_SKIPPED);
    } else if (st == DB_REFUSED) {
        log_warn("translation job %lld: lease lost before storing; another worker owns it",
                 (long long)job.id);
    } else if (st == DB_HARD_ERROR || st == DB_CONFLICT) {
        ret = attempt_failed(c, a, &job, "the translation could not be stored", false);
    } else if (st != DB_OK) {
        ret = -1; /* database gone: the lease brings the job back */
    }
out:
    arena_free(a);
    return ret;
}
