/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Machine translation through the job queue (issue 10): real Apertium
 * translations arriving as unreviewed machine translations with their
 * audit entry; command translators that fail or hang being retried, then
 * marked failed and shown to facilitators while other jobs and requests
 * go on; leases; human translations never replaced; several pnyxd on one
 * database never taking the same job.
 *
 * Each test has its own database and pnyxd (tu_db, tu_server), so no other
 * server's worker takes its jobs. Until the proposals handler queues jobs
 * itself, a fixture writes the proposal and its jobs with the statements
 * the creating transaction runs (translation_util.h); the queueing itself
 * is tested against the database in tests/translation_queue/.
 */
#include <signal.h>
#include <sys/wait.h>

#include "comment_util.h"
#include "translation_util.h"

static bool apertium_installed(void)
{
    return access("/usr/bin/apertium", X_OK) == 0;
}

/* --- GET /api/v1/translation/languages --------------------------------- */

static json_t *find_pair(json_t *pairs, const char *from, const char *to)
{
    size_t i;
    json_t *p;
    json_array_foreach(pairs, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "from")), from) == 0 &&
            strcmp(json_string_value(json_object_get(p, "to")), to) == 0)
            return p;
    }
    return NULL;
}

Test(translation, languages_lists_apertium_pairs_and_pivots)
{
    if (!apertium_installed())
        cr_skip_test("apertium not installed (scripts/test installs it)");
    struct tu_env e;
    tu_db(&e);
    const char *env[] = {"PNYX_TRANSLATOR=apertium", NULL};
    e.srv = tu_server(&e, env);
    struct h_resp *r = h_get(e.srv, "/api/v1/translation/languages");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "translator")), "apertium");
    cr_assert(json_is_false(json_object_get(r->json, "any_pair")));
    json_t *pairs = json_object_get(r->json, "pairs");
    json_t *es_en = find_pair(pairs, "es", "en");
    cr_assert_not_null(es_en, "%s", r->body);
    cr_assert(json_is_null(json_object_get(es_en, "via")));
    cr_assert_not_null(find_pair(pairs, "en", "es"));
    cr_assert_not_null(find_pair(pairs, "fr", "es"));
    json_t *fr_en = find_pair(pairs, "fr", "en");
    cr_assert_not_null(fr_en, "fr→en through es: %s", r->body);
    cr_assert_str_eq(json_string_value(json_object_get(fr_en, "via")), "es");
    h_resp_free(r);
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
}

Test(translation, languages_of_none_and_command_translators)
{
    struct tu_env e;
    tu_db(&e);
    const char *none[] = {"PNYX_TRANSLATOR=none", NULL};
    e.srv = tu_server(&e, none);
    struct h_resp *r = h_get(e.srv, "/api/v1/translation/languages");
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "translator")), "none");
    cr_assert_eq(json_array_size(json_object_get(r->json, "pairs")), 0);
    h_resp_free(r);
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");

    char *cmd = tu_script("cat");
    e.srv = tu_command_server(&e, cmd, NULL);
    r = h_get(e.srv, "/api/v1/translation/languages");
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "translator")), "command");
    cr_assert(json_is_true(json_object_get(r->json, "any_pair")));
    h_resp_free(r);
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}

Test(translation, bad_translator_refuses_to_start)
{
    const char *env[] = {"PNYX_TRANSLATOR=command:/nonexistent/translate", NULL};
    char out[2048];
    int st = h_server_refuses(env, out, sizeof out);
    cr_assert_eq(st, 2, "exit %d: %s", st, out);
    cr_assert(strstr(out, "PNYX_TRANSLATOR"), "%s", out);
}

/* --- real Apertium -------------------------------------------------------- */

Test(translation, real_apertium_translates_a_spanish_proposal_into_english)
{
    if (!apertium_installed())
        cr_skip_test("apertium not installed (scripts/test installs it)");
    struct tu_env e;
    tu_db(&e);
    const char *env[] = {"PNYX_TRANSLATOR=apertium", NULL};
    e.srv = tu_server(&e, env);
    tu_assembly(&e);
    int64_t pid = tu_proposal(&e, "es", "Transporte público gratuito",
                              "El transporte público debe ser gratuito.\n\n"
                              "Ver [el plan](https://ejemplo.org/plan-de-transporte).");
    int64_t job = tu_job(&e, "proposal", pid, 1, "es", "en");
    tu_wait_job(&e, job, "done");

    const char *p[1] = {tu_id(pid)};
    PGresult *r = tu_sql(e.db,
                         "SELECT title, body, source, translator, pivot IS NULL, "
                         "reviewed_by IS NULL, current, translated_by IS NULL "
                         "FROM proposal_translations WHERE proposal_id = $1 AND language = 'en'",
                         1, p);
    cr_assert_eq(PQntuples(r), 1);
    const char *title = PQgetvalue(r, 0, 0), *body = PQgetvalue(r, 0, 1);
    cr_assert(strstr(title, "public") || strstr(title, "Public"), "title: %s", title);
    cr_assert(strstr(body, "public transport"), "body: %s", body);
    cr_assert(strstr(body, "\n\n"), "paragraph break lost: %s", body);
    cr_assert(strstr(body, "(https://ejemplo.org/plan-de-transporte)"), "link target changed: %s",
              body);
    cr_assert_str_eq(PQgetvalue(r, 0, 2), "machine");
    cr_assert_str_eq(PQgetvalue(r, 0, 3), "apertium");
    cr_assert_str_eq(PQgetvalue(r, 0, 4), "t", "a direct pair has no pivot");
    cr_assert_str_eq(PQgetvalue(r, 0, 5), "t", "machine translations start unreviewed");
    cr_assert_str_eq(PQgetvalue(r, 0, 6), "t");
    cr_assert_str_eq(PQgetvalue(r, 0, 7), "t");
    PQclear(r);

    /* The audit entry: proposal.translated, no actor, the text's hash, never
     * the text. */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit?limit=200", (long long)e.aid);
    struct h_resp *a = h_get(e.srv, path);
    cr_assert_eq(a->status, 200);
    json_t *items = json_object_get(a->json, "items"), *it, *found = NULL;
    size_t i;
    json_array_foreach(items, i, it)
    {
        /* entry: the canonical JSON text */
        json_t *entry = json_loads(json_string_value(json_object_get(it, "entry")), 0, NULL);
        cr_assert_not_null(entry);
        const char *kind = json_string_value(json_object_get(entry, "kind"));
        if (kind && strcmp(kind, "proposal.translated") == 0 && !found)
            found = entry;
        else
            json_decref(entry);
    }
    cr_assert_not_null(found, "no proposal.translated entry: %s", a->body);
    cr_assert(json_is_null(json_object_get(found, "actor")));
    json_t *data = json_object_get(found, "data");
    cr_assert_str_eq(json_string_value(json_object_get(data, "proposal")), tu_id(pid));
    cr_assert_str_eq(json_string_value(json_object_get(data, "language")), "en");
    cr_assert_str_eq(json_string_value(json_object_get(data, "source")), "machine");
    cr_assert(json_is_null(json_object_get(data, "pivot")));
    /* The canonical text's hash (title, LF, body), as for every proposal
     * text: anyone can check the stored translation against the log. */
    const char *q[1] = {tu_id(pid)};
    cr_assert_str_eq(json_string_value(json_object_get(data, "text_sha256")),
                     tu_value(e.db,
                              "SELECT encode(sha256(convert_to(title || E'\\n' || body, "
                              "'UTF8')), 'hex') FROM proposal_translations WHERE proposal_id = "
                              "$1 AND language = 'en'",
                              1, q));
    cr_assert_str_eq(json_string_value(json_object_get(data, "translation")),
                     tu_value(e.db,
                              "SELECT id FROM proposal_translations WHERE proposal_id = $1 AND "
                              "language = 'en'",
                              1, q));
    cr_assert_null(strstr(a->body, "transport"), "the text reached the log");
    json_decref(found);
    h_resp_free(a);
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
}

Test(translation, real_apertium_pivots_french_into_english_through_spanish)
{
    if (!apertium_installed())
        cr_skip_test("apertium not installed (scripts/test installs it)");
    struct tu_env e;
    tu_db(&e);
    const char *env[] = {"PNYX_TRANSLATOR=apertium", NULL};
    e.srv = tu_server(&e, env);
    tu_assembly(&e);
    int64_t pid = tu_proposal(&e, "fr", "Le monde", "Le monde est grand.");
    int64_t job = tu_job(&e, "proposal", pid, 1, "fr", "en");
    tu_wait_job(&e, job, "done");
    const char *p[1] = {tu_id(pid)};
    PGresult *r = tu_sql(e.db,
                         "SELECT body, pivot FROM proposal_translations "
                         "WHERE proposal_id = $1 AND language = 'en' AND current",
                         1, p);
    cr_assert_eq(PQntuples(r), 1);
    cr_assert(strstr(PQgetvalue(r, 0, 0), "world"), "%s", PQgetvalue(r, 0, 0));
    cr_assert_str_eq(PQgetvalue(r, 0, 1), "es", "the pivot is labelled");
    PQclear(r);
    const char *q[1] = {tu_id(job)};
    cr_assert_str_eq(tu_value(e.db, "SELECT pivot FROM translation_jobs WHERE id = $1", 1, q),
                     "es");
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
}

/* --- failing and hanging command translators ----------------------------- */

/* GET …/translation-jobs?status=failed as u: the response (caller frees). */
static struct h_resp *failed_jobs(struct tu_env *e, const struct it_user *u, const char *status)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/translation-jobs%s%s", (long long)e->aid,
             status ? "?status=" : "", status ? status : "");
    return it_req(e->srv, "GET", path, u, NULL);
}

Test(translation, failing_command_is_retried_then_failed_and_shown_to_facilitators)
{
    struct tu_env e;
    tu_db(&e);
    /* Fails for French with a reason on stderr, translates into English. */
    char *cmd = tu_script("if [ \"$2\" = fr ]; then echo \"no model for $1-$2\" >&2; exit 2; fi\n"
                          "printf 'EN:'; cat");
    e.srv = tu_command_server(
        &e, cmd,
        (const char *const[]){"PNYX_TRANSLATION_ATTEMPTS=3", "PNYX_TRANSLATION_BACKOFF=0", NULL});
    tu_assembly(&e);
    struct it_user fac = it_member_new(e.srv, &e.convener, e.aid, "facilitator", "active", "FR");
    struct it_user mem = it_member_new(e.srv, &e.convener, e.aid, "member", "active", "FR");
    int64_t pid = tu_proposal(&e, "es", "Título", "Cuerpo");
    int64_t fr = tu_job(&e, "proposal", pid, 1, "es", "fr");
    int64_t en = tu_job(&e, "proposal", pid, 1, "es", "en");
    tu_wait_job(&e, fr, "failed");
    tu_wait_job(&e, en, "done"); /* the failing job did not stop the others */
    const char *p[1] = {tu_id(fr)};
    cr_assert_eq(tu_count(e.db, "SELECT attempts FROM translation_jobs WHERE id = $1", 1, p), 3);
    const char *q[1] = {tu_id(pid)};
    cr_assert_str_eq(tu_value(e.db,
                              "SELECT body FROM proposal_translations WHERE proposal_id = $1 "
                              "AND language = 'en'",
                              1, q),
                     "EN:Cuerpo");
    cr_assert_eq(tu_count(e.db,
                          "SELECT count(*) FROM proposal_translations WHERE proposal_id = $1 "
                          "AND language = 'fr'",
                          1, q),
                 0);

    /* Facilitators (and conveners) see the failed job and why. */
    struct h_resp *r = failed_jobs(&e, &fac, "failed");
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *items = json_object_get(r->json, "items");
    cr_assert_eq(json_array_size(items), 1, "%s", r->body);
    json_t *j = json_array_get(items, 0);
    cr_assert_eq(json_integer_value(json_object_get(j, "id")), fr);
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "failed");
    cr_assert_str_eq(json_string_value(json_object_get(j, "kind")), "proposal");
    cr_assert_eq(json_integer_value(json_object_get(j, "target_id")), pid);
    cr_assert_str_eq(json_string_value(json_object_get(j, "target_language")), "fr");
    cr_assert_eq(json_integer_value(json_object_get(j, "attempts")), 3);
    const char *err = json_string_value(json_object_get(j, "last_error"));
    cr_assert(err && strstr(err, "exit status 2") && strstr(err, "no model for es-fr"), "%s",
              err ? err : "(null)");
    h_resp_free(r);
    r = failed_jobs(&e, &e.convener, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 2, "%s", r->body);
    h_resp_free(r);
    r = failed_jobs(&e, &e.convener, "done");
    cr_assert_eq(json_array_size(json_object_get(r->json, "items")), 1, "%s", r->body);
    h_resp_free(r);

    /* Nobody else. */
    r = failed_jobs(&e, &mem, "failed");
    cr_assert_eq(r->status, 403, "%s", r->body);
    h_resp_free(r);
    r = failed_jobs(&e, NULL, "failed");
    cr_assert_eq(r->status, 401, "%s", r->body);
    h_resp_free(r);
    r = failed_jobs(&e, &fac, "lost");
    cr_assert_eq(r->status, 400, "%s", r->body);
    h_resp_free(r);
    /* Operators see the outcomes in /metrics (loopback): 2 retries and a
     * failure of the French job, the English one stored. */
    r = h_get(e.srv, "/metrics");
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "pnyx_translation_jobs_total{outcome=\"failed\"} 1\n"), "%s",
              r->body);
    cr_assert(strstr(r->body, "pnyx_translation_jobs_total{outcome=\"retried\"} 2\n"), "%s",
              r->body);
    cr_assert(strstr(r->body, "pnyx_translation_jobs_total{outcome=\"stored\"} 1\n"), "%s",
              r->body);
    h_resp_free(r);
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}

Test(translation, hanging_command_is_killed_retried_and_failed_while_requests_proceed)
{
    struct tu_env e;
    tu_db(&e);
    /* Hangs for French (300 s, far beyond the 3 s timeout; 3 s leave a
     * loaded machine time for the English runs). */
    char *cmd = tu_script("if [ \"$2\" = fr ]; then sleep 300; fi\nprintf 'EN:'; cat");
    e.srv = tu_command_server(
        &e, cmd,
        (const char *const[]){"PNYX_TRANSLATOR_TIMEOUT=3", "PNYX_TRANSLATION_ATTEMPTS=2",
                              "PNYX_TRANSLATION_BACKOFF=0", "PNYX_WORKERS=2", NULL});
    tu_assembly(&e);
    int64_t pid = tu_proposal(&e, "es", "Título", "Cuerpo");
    int64_t fr = tu_job(&e, "proposal", pid, 1, "es", "fr");
    /* While the French job hangs (its first or second attempt), requests
     * are answered and English jobs of other proposals are translated. */
    tu_wait_value(e.db, "SELECT status FROM translation_jobs WHERE id = $1", 1,
                  (const char *const[]){tu_id(fr)}, "running", "the French job starts");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)e.aid);
    for (int i = 0; i < 5; i++) {
        int64_t other = tu_proposal(&e, "es", "Otro", "Texto");
        int64_t en = tu_job(&e, "proposal", other, 1, "es", "en");
        cr_assert_eq(it_status(e.srv, "GET", path, &e.convener, NULL), 200);
        tu_wait_job(&e, en, "done");
    }
    tu_wait_job(&e, fr, "failed");
    const char *p[1] = {tu_id(fr)};
    cr_assert_eq(tu_count(e.db, "SELECT attempts FROM translation_jobs WHERE id = $1", 1, p), 2);
    const char *err = tu_value(e.db, "SELECT last_error FROM translation_jobs WHERE id = $1", 1, p);
    cr_assert(strstr(err, "timeout"), "%s", err);
    cr_assert_eq(it_status(e.srv, "GET", path, &e.convener, NULL), 200);
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}

/* --- the queue's rules ------------------------------------------------------ */

Test(translation, human_translation_is_never_replaced)
{
    struct tu_env e;
    tu_db(&e);
    char *cmd = tu_script("printf 'MT:'; cat");
    e.srv = tu_command_server(&e, cmd, NULL);
    tu_assembly(&e);
    int64_t pid = tu_proposal(&e, "es", "Título", "Cuerpo");
    const char *p[2] = {tu_id(pid), tu_id(e.convener.id)};
    PQclear(tu_sql(e.db,
                   "INSERT INTO proposal_translations (proposal_id, version, language, title, "
                   "body, source, translated_by) VALUES ($1, 1, 'en', 'Title', 'Body by a "
                   "person', 'human', $2)",
                   2, p));
    int64_t job = tu_job(&e, "proposal", pid, 1, "es", "en");
    tu_wait_job(&e, job, "done");
    const char *q[1] = {tu_id(job)};
    cr_assert_str_eq(tu_value(e.db, "SELECT outcome FROM translation_jobs WHERE id = $1", 1, q),
                     "skipped: human translation");
    const char *r[1] = {tu_id(pid)};
    cr_assert_str_eq(tu_value(e.db,
                              "SELECT string_agg(source || ':' || body || ':' || current, ',') "
                              "FROM proposal_translations WHERE proposal_id = $1",
                              1, r),
                     "human:Body by a person:true");
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}

Test(translation, superseded_version_is_skipped_and_a_newer_machine_translation_replaces)
{
    struct tu_env e;
    tu_db(&e);
    char *cmd = tu_script("printf 'MT:'; cat");
    e.srv = tu_command_server(&e, cmd, NULL);
    tu_assembly(&e);
    int64_t pid = tu_proposal(&e, "es", "Título", "Uno");
    const char *p[2] = {tu_id(pid), tu_id(e.convener.id)};
    PQclear(tu_sql(e.db,
                   "WITH v AS (INSERT INTO proposal_versions (proposal_id, version, assembly_id, "
                   "title, body, language, author_id, text_sha256) SELECT $1, 2, assembly_id, "
                   "'Título', 'Dos', 'es', $2, sha256('x') FROM proposals WHERE id = $1 "
                   "RETURNING 1) UPDATE proposals SET current_version = 2 WHERE id = $1",
                   2, p));
    int64_t old = tu_job(&e, "proposal", pid, 1, "es", "en");
    int64_t cur = tu_job(&e, "proposal", pid, 2, "es", "en");
    tu_wait_job(&e, old, "done");
    tu_wait_job(&e, cur, "done");
    const char *q[1] = {tu_id(old)};
    cr_assert_str_eq(tu_value(e.db, "SELECT outcome FROM translation_jobs WHERE id = $1", 1, q),
                     "skipped: superseded by version 2");
    const char *r[1] = {tu_id(pid)};
    cr_assert_str_eq(tu_value(e.db,
                              "SELECT string_agg(version || ':' || body, ',') "
                              "FROM proposal_translations WHERE proposal_id = $1",
                              1, r),
                     "2:MT:Dos");
    /* The same job run again (a retranslation) replaces the machine row and
     * keeps the old one as history. */
    const char *s[1] = {tu_id(cur)};
    PQclear(tu_sql(e.db,
                   "UPDATE translation_jobs SET status = 'queued', run_after = now() "
                   "WHERE id = $1",
                   1, s));
    tu_wait_job(&e, cur, "done");
    cr_assert_eq(tu_count(e.db,
                          "SELECT count(*) FROM proposal_translations WHERE proposal_id = $1 "
                          "AND version = 2",
                          1, r),
                 2);
    cr_assert_eq(tu_count(e.db,
                          "SELECT count(*) FROM proposal_translations WHERE proposal_id = $1 "
                          "AND version = 2 AND current",
                          1, r),
                 1);
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}

/* A comment deleted while its translator runs gets no translation: the
 * store finds it deleted and the job ends "skipped: deleted". The
 * translator says when it has started and waits for the test's go. */
Test(translation, a_comment_deleted_while_it_is_translated_gets_none_stored)
{
    struct tu_env e;
    tu_db(&e);
    char dir[] = "/tmp/pnyx-mt-race-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char started[64], go[64], body[400];
    snprintf(started, sizeof started, "%s/started", dir);
    snprintf(go, sizeof go, "%s/go", dir);
    snprintf(body, sizeof body,
             "touch %s; i=0; while [ ! -e %s ] && [ $i -lt 600 ]; do sleep 0.1; "
             "i=$((i+1)); done; printf 'MT:'; cat",
             started, go);
    char *cmd = tu_script(body);
    e.srv = tu_command_server(&e, cmd, (const char *const[]){"PNYX_WORKERS=1", NULL});
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{en}");
    int64_t pid = tu_proposal(&e, "es", "Título", "Cuerpo");
    struct h_resp *r = it_comment_post(e.srv, &e.convener, pid, "Hola", "es", 0);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t cid = it_int(r->json, "id");
    h_resp_free(r);
    const char *c[1] = {tu_id(cid)};
    int64_t job = tu_count(e.db,
                           "SELECT id FROM translation_jobs WHERE kind = 'comment' AND "
                           "target_id = $1 AND target_language = 'en'",
                           1, c);
    cr_assert_gt(job, 0, "the comment queued no English job");

    /* The translator is running (the job's source text already read). */
    for (int i = 0; i < TU_WAIT_S * 10 && access(started, F_OK) != 0; i++)
        usleep(100 * 1000);
    cr_assert_eq(access(started, F_OK), 0, "the translator never started");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/comments/%lld", (long long)cid);
    cr_assert_eq(it_status(e.srv, "DELETE", path, &e.convener, NULL), 200);
    FILE *f = fopen(go, "w");
    cr_assert_not_null(f);
    fclose(f);

    tu_wait_job(&e, job, "done");
    const char *q[1] = {tu_id(job)};
    cr_assert_eq(tu_count(e.db, "SELECT attempts FROM translation_jobs WHERE id = $1", 1, q), 1,
                 "the store skipped it on the first attempt");
    cr_assert_str_eq(tu_value(e.db, "SELECT outcome FROM translation_jobs WHERE id = $1", 1, q),
                     "skipped: deleted");
    cr_assert_eq(
        tu_count(e.db, "SELECT count(*) FROM comment_translations WHERE comment_id = $1", 1, c), 0,
        "a translation of the deleted comment was stored");
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
    unlink(started);
    unlink(go);
    rmdir(dir);
}

Test(translation, a_job_whose_lease_expired_is_taken_again)
{
    struct tu_env e;
    tu_db(&e);
    char *cmd = tu_script("printf 'MT:'; cat");
    e.srv = tu_command_server(&e, cmd, NULL);
    tu_assembly(&e);
    int64_t pid = tu_proposal(&e, "es", "Título", "Cuerpo");
    /* A worker took it and died: running, one attempt, lease over. */
    const char *p[2] = {tu_id(e.aid), tu_id(pid)};
    int64_t job = atoll(tu_value(
        e.db,
        "INSERT INTO translation_jobs (assembly_id, kind, target_id, version, source_language, "
        "target_language, status, attempts, lease_until, lease_token) VALUES ($1, 'proposal', "
        "$2, 1, 'es', 'en', 'running', 1, now() - interval '1 second', 'dead-worker') "
        "RETURNING id",
        2, p));
    tu_wait_job(&e, job, "done");
    const char *q[1] = {tu_id(job)};
    cr_assert_eq(tu_count(e.db, "SELECT attempts FROM translation_jobs WHERE id = $1", 1, q), 2);
    /* A running job whose lease has not expired is left alone. */
    int64_t held = atoll(tu_value(
        e.db,
        "INSERT INTO translation_jobs (assembly_id, kind, target_id, version, source_language, "
        "target_language, status, attempts, lease_until, lease_token) VALUES ($1, 'proposal', "
        "$2, 1, 'es', 'fr', 'running', 1, now() + interval '1 hour', 'live-worker') "
        "RETURNING id",
        2, p));
    int64_t after = tu_job(&e, "proposal", pid, 1, "es", "de");
    tu_wait_job(&e, after, "done"); /* the worker ran past it */
    cr_assert_str_eq(tu_job_status(&e, held), "running");
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}

Test(translation, two_servers_never_take_the_same_job)
{
    struct tu_env e;
    tu_db(&e);
    /* Each run appends one line "<target> <text>" to a log: a job taken
     * twice would translate its body twice. */
    char dir[] = "/tmp/pnyx-mt-log-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    chmod(dir, 0777);
    char body[600];
    snprintf(body, sizeof body,
             "t=$(cat); printf '%%s %%s\\n' \"$2\" \"$t\" >> %s/runs; "
             "printf 'MT:%%s' \"$t\"",
             dir);
    char *cmd = tu_script(body);
    e.srv = tu_command_server(&e, cmd, (const char *const[]){"PNYX_WORKERS=3", NULL});
    struct h_server *second =
        tu_command_server(&e, cmd, (const char *const[]){"PNYX_WORKERS=3", NULL});
    tu_assembly(&e);
    enum { N = 40 };
    int64_t jobs[N];
    for (int i = 0; i < N; i++) {
        char b[32];
        snprintf(b, sizeof b, "cuerpo-%d", i);
        int64_t pid = tu_proposal(&e, "es", "T", b);
        jobs[i] = tu_job(&e, "proposal", pid, 1, "es", i % 2 ? "en" : "fr");
    }
    for (int i = 0; i < N; i++)
        tu_wait_job(&e, jobs[i], "done");
    const char *p[1] = {tu_id(e.aid)};
    cr_assert_eq(tu_count(e.db,
                          "SELECT count(*) FROM translation_jobs WHERE assembly_id = $1 "
                          "AND attempts <> 1",
                          1, p),
                 0, "a job was taken more than once");
    char runs[400];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    FILE *f = fopen(runs, "r");
    cr_assert_not_null(f);
    int seen[N] = {0};
    char line[256];
    while (fgets(line, sizeof line, f)) {
        const char *c = strstr(line, "cuerpo-");
        if (c)
            seen[atoi(c + 7)]++;
    }
    fclose(f);
    for (int i = 0; i < N; i++)
        cr_assert_eq(seen[i], 1, "body %d translated %d times", i, seen[i]);
    cr_assert_eq(tu_count(e.db,
                          "SELECT count(*) FROM proposal_translations t JOIN proposals p "
                          "ON p.id = t.proposal_id WHERE p.assembly_id = $1",
                          1, p),
                 N);
    unlink(runs);
    rmdir(dir);
    cr_assert_eq(h_server_stop(second), 0, "pnyxd did not stop cleanly");
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}

/* --- through the proposals API (the whole path) ----------------------------- */

Test(translation, spanish_proposal_written_over_http_arrives_in_english)
{
    if (!apertium_installed())
        cr_skip_test("apertium not installed (scripts/test installs it)");
    struct tu_env e;
    tu_db(&e);
    const char *env[] = {"PNYX_TRANSLATOR=apertium", NULL};
    e.srv = tu_server(&e, env);
    tu_assembly(&e);
    /* Readers: the convener reads Spanish, a member English. */
    tu_languages(&e, e.convener.id, "{es}");
    struct it_user reader = it_member_new(e.srv, &e.convener, e.aid, "member", "active", "GB");
    tu_languages(&e, reader.id, "{en-GB}");
    char path[160];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", (long long)e.aid);
    json_t *b = json_pack("{s:s, s:s, s:s}", "title", "Transporte público gratuito", "body",
                          "El transporte público debe ser gratuito.", "language", "es");
    struct h_resp *r = it_req(e.srv, "POST", path, &e.convener, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t pid = (int64_t)json_integer_value(json_object_get(r->json, "id"));
    h_resp_free(r);
    cr_assert_gt(pid, 0);
    /* Poll the proposal's translations until the machine one arrives. */
    snprintf(path, sizeof path, "/api/v1/proposals/%lld/translations", (long long)pid);
    json_t *en = NULL;
    for (int i = 0; i < TU_WAIT_S * 5 && !en; i++) {
        r = it_req(e.srv, "GET", path, &reader, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(r->json, "items"), k, it)
        {
            const char *lang = json_string_value(json_object_get(it, "language"));
            if (lang && strcmp(lang, "en") == 0)
                en = json_incref(it);
        }
        h_resp_free(r);
        if (!en)
            usleep(200 * 1000);
    }
    cr_assert_not_null(en, "no English translation after %d s", TU_WAIT_S);
    cr_assert_str_eq(json_string_value(json_object_get(en, "source")), "machine");
    cr_assert_str_eq(json_string_value(json_object_get(en, "translator")), "apertium");
    cr_assert(json_is_null(json_object_get(en, "pivot")));
    cr_assert(json_is_false(json_object_get(en, "reviewed")));
    const char *body = json_string_value(json_object_get(en, "body"));
    cr_assert(body && strstr(body, "public transport"), "%s", body ? body : "(none)");
    json_decref(en);
    /* The reader's view: English, labelled machine and unreviewed. */
    snprintf(path, sizeof path, "/api/v1/proposals/%lld?lang=en", (long long)pid);
    r = it_req(e.srv, "GET", path, &reader, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "language")), "en");
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "original_language")), "es");
    json_t *tr = json_object_get(r->json, "translation");
    cr_assert_str_eq(json_string_value(json_object_get(tr, "source")), "machine");
    cr_assert(json_is_false(json_object_get(tr, "reviewed")));
    h_resp_free(r);
    /* Only the readers' languages were queued: English, not Spanish. */
    const char *p[1] = {tu_id(pid)};
    cr_assert_str_eq(tu_value(e.db,
                              "SELECT string_agg(target_language, ',') FROM translation_jobs "
                              "WHERE kind = 'proposal' AND target_id = $1",
                              1, p),
                     "en");
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
}

/* The stored-job count in a server's /metrics. */
static long long stored_count(struct h_server *s)
{
    struct h_resp *r = h_get(s, "/metrics");
    cr_assert_eq(r->status, 200);
    const char *k = "pnyx_translation_jobs_total{outcome=\"stored\"} ";
    const char *p = strstr(r->body, k);
    cr_assert_not_null(p, "%s", r->body);
    long long n = atoll(p + strlen(k));
    h_resp_free(r);
    return n;
}

Test(translation, without_workers_a_pnyxd_leaves_jobs_to_another)
{
    struct tu_env e;
    tu_db(&e);
    char *cmd = tu_script("printf 'MT:'; cat");
    e.srv = tu_command_server(&e, cmd, (const char *const[]){"PNYX_WORKERS=0", NULL});
    tu_assembly(&e);
    int64_t pid = tu_proposal(&e, "es", "Título", "Cuerpo");
    int64_t job = tu_job(&e, "proposal", pid, 1, "es", "en");
    /* A second pnyxd with a worker on the same database does the job; the
     * first, alive all along, never ran one. */
    struct h_server *other =
        tu_command_server(&e, cmd, (const char *const[]){"PNYX_WORKERS=1", NULL});
    tu_wait_job(&e, job, "done");
    cr_assert_eq(stored_count(other), 1);
    cr_assert_eq(stored_count(e.srv), 0);
    cr_assert_eq(h_server_stop(other), 0, "pnyxd did not stop cleanly");
    cr_assert_eq(h_server_stop(e.srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e.db);
    tu_script_free(cmd);
}
