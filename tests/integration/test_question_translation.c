/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Machine translation of question texts (issue 11: "labels and description
 * may carry translations (human or machine, as proposals)"). Creating a
 * draft question, or changing its texts, queues translation jobs in the
 * same transaction into the languages the assembly's members read; the
 * worker stores title, description and option labels as a machine text of
 * the question (question_texts, source machine) with `question.translated`
 * (actor null) — never over a human translation, and only while the
 * question is a draft whose texts are the ones translated: a job that
 * finishes after opening is dropped.
 *
 * Each test has its own database and pnyxd (translation_util.h), so no
 * other server's worker takes its jobs. A command translator ("[fr] " +
 * the text) makes the results exact; one test uses the real Apertium.
 */
#include "question_util.h"
#include "translation_util.h"

/* "[<target>] <text>", optionally waiting while a hold file exists. */
static char *tag_script(const char *hold)
{
    char body[512];
    snprintf(body, sizeof body, "%s%s%sprintf '[%%s] ' \"$2\"\ncat", hold ? "while [ -e " : "",
             hold ? hold : "", hold ? " ]; do sleep 0.05; done\n" : "");
    return tu_script(body);
}

/* Every question job of qid as "lang/vN:status:outcome", by language and
 * version. */
static const char *jobs_of(struct tu_env *e, int64_t qid)
{
    const char *p[1] = {tu_id(qid)};
    return tu_value(
        e->db,
        "SELECT coalesce(string_agg(target_language || '/v' || version || ':' || status "
        "|| ':' || coalesce(outcome, ''), ',' ORDER BY target_language, version), '') "
        "FROM translation_jobs WHERE kind = 'question' AND target_id = $1",
        1, p);
}

static void wait_jobs(struct tu_env *e, int64_t qid, const char *want)
{
    const char *p[1] = {tu_id(qid)};
    tu_wait_value(e->db,
                  "SELECT coalesce(string_agg(target_language || '/v' || version || ':' || status "
                  "|| ':' || coalesce(outcome, ''), ',' ORDER BY target_language, version), '') "
                  "FROM translation_jobs WHERE kind = 'question' AND target_id = $1",
                  1, p, want, "question jobs");
}

static json_t *get_q(struct tu_env *e, int64_t qid)
{
    struct h_resp *r =
        it_req(e->srv, "GET", pp("/api/v1/questions/%lld", (long long)qid), &e->convener, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *j = json_incref(r->json);
    h_resp_free(r);
    return j;
}

static void patch_q(struct tu_env *e, int64_t qid, json_t *body)
{
    struct h_resp *r =
        it_req(e->srv, "PATCH", pp("/api/v1/questions/%lld", (long long)qid), &e->convener, body);
    json_decref(body);
    cr_assert_eq(r->status, 200, "%s", r->body);
    h_resp_free(r);
}

/* question.translated entries of the assembly with a null actor. */
static size_t machine_entries(struct tu_env *e)
{
    json_t *all = pu_audit(e->srv, e->aid, "question.translated");
    size_t n = 0, i;
    json_t *x;
    json_array_foreach(all, i, x)
    {
        if (json_is_null(json_object_get(x, "actor"))) {
            cr_expect_str_eq(jstr(x, "data.source"), "machine");
            n++;
        }
    }
    json_decref(all);
    return n;
}

static long long texts_rows(struct tu_env *e, int64_t qid)
{
    const char *p[1] = {tu_id(qid)};
    return tu_count(e->db, "SELECT count(*) FROM question_texts WHERE question_id = $1", 1, p);
}

static void finish(struct tu_env *e, char *script)
{
    cr_assert_eq(h_server_stop(e->srv), 0, "pnyxd did not stop cleanly");
    PQfinish(e->db);
    if (script)
        tu_script_free(script);
}

Test(question_translation, create_queues_jobs_and_the_worker_stores_machine_texts)
{
    struct tu_env e;
    tu_db(&e);
    char *cmd = tag_script(NULL);
    e.srv = tu_command_server(&e, cmd, NULL);
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{en,fr,es}");
    int64_t qid = qu_create(e.srv, &e.convener, e.aid, qu_body());
    wait_jobs(&e, qid, "es/v1:done:stored,fr/v1:done:stored");

    json_t *q = get_q(&e, qid);
    json_t *fr = jget(q, "translations.fr");
    cr_assert_not_null(fr, "%s", json_dumps(q, 0));
    cr_expect_str_eq(jstr(fr, "source"), "machine");
    cr_expect_str_eq(jstr(fr, "translator"), "command");
    cr_expect(json_is_null(json_object_get(fr, "pivot")));
    cr_expect_str_eq(jstr(fr, "title"), "[fr] Which budget?");
    cr_expect_str_eq(jstr(fr, "description"), "[fr] Pick one.");
    cr_expect_str_eq(jstr(fr, "labels.A"), "[fr] Parks");
    cr_expect_str_eq(jstr(fr, "labels.B"), "[fr] Schools");
    cr_expect_str_eq(jstr(fr, "labels.C"), "[fr] Roads");
    cr_expect_str_eq(jstr(q, "translations.es.labels.C"), "[es] Roads");
    cr_expect_null(jget(q, "translations.en"), "no job into the question's own language");
    json_decref(q);
    cr_expect_eq(machine_entries(&e), 2);

    /* a PATCH that leaves the texts alone queues nothing and keeps them */
    patch_q(&e, qid, json_pack("{s:s}", "closes_at", qu_time(7200)));
    cr_expect_str_eq(jobs_of(&e, qid), "es/v1:done:stored,fr/v1:done:stored");
    cr_expect_eq(texts_rows(&e, qid), 2);

    /* new texts: the old translations go, jobs for version 3 bring new ones */
    patch_q(&e, qid, json_pack("{s:s}", "title", "Which budget now?"));
    wait_jobs(&e, qid, "es/v1:done:stored,es/v3:done:stored,fr/v1:done:stored,fr/v3:done:stored");
    q = get_q(&e, qid);
    cr_expect_str_eq(jstr(q, "translations.fr.title"), "[fr] Which budget now?");
    cr_expect_str_eq(jstr(q, "translations.fr.labels.A"), "[fr] Parks");
    json_decref(q);
    cr_expect_eq(machine_entries(&e), 4);
    finish(&e, cmd);
}

Test(question_translation, a_human_translation_is_never_replaced)
{
    struct tu_env e;
    tu_db(&e);
    char *cmd = tag_script(NULL);
    /* no worker while the human translation is written */
    e.srv = tu_command_server(&e, cmd, (const char *const[]){"PNYX_WORKERS=0", NULL});
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{en,fr,es}");
    int64_t qid = qu_create(e.srv, &e.convener, e.aid, qu_body());
    cr_expect_str_eq(jobs_of(&e, qid), "es/v1:queued:,fr/v1:queued:");
    json_t *b = json_pack("{s:s, s:s, s:{s:s}}", "language", "fr", "title", "Quel budget ?",
                          "labels", "A", "Parcs");
    struct h_resp *r = qu_post(e.srv, &e.convener, qid, "translations", b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    h_resp_free(r);
    cr_assert_eq(h_server_stop(e.srv), 0);

    e.srv = tu_command_server(&e, cmd, NULL);
    wait_jobs(&e, qid, "es/v1:done:stored,fr/v1:done:skipped: human translation");
    json_t *q = get_q(&e, qid);
    cr_expect_str_eq(jstr(q, "translations.fr.source"), "human");
    cr_expect_str_eq(jstr(q, "translations.fr.title"), "Quel budget ?");
    cr_expect_str_eq(jstr(q, "translations.fr.labels.A"), "Parcs");
    cr_expect(json_is_null(jget(q, "translations.fr.translator")));
    cr_expect_str_eq(jstr(q, "translations.es.source"), "machine");
    json_decref(q);

    /* a human translation replaces a machine one, and says so */
    b = json_pack("{s:s, s:s}", "language", "es", "title", "¿Qué presupuesto?");
    r = qu_post(e.srv, &e.convener, qid, "translations", b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_expect_str_eq(jstr(r->json, "translations.es.source"), "human");
    cr_expect(json_is_null(jget(r->json, "translations.es.translator")));
    h_resp_free(r);
    finish(&e, cmd);
}

Test(question_translation, a_job_taken_after_opening_is_dropped)
{
    struct tu_env e;
    tu_db(&e);
    char *cmd = tag_script(NULL);
    e.srv = tu_command_server(&e, cmd, (const char *const[]){"PNYX_WORKERS=0", NULL});
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{en,fr}");
    int64_t qid = qu_create(e.srv, &e.convener, e.aid, qu_body());
    qu_open(e.srv, &e.convener, qid);
    json_t *q = get_q(&e, qid);
    char hash[80];
    snprintf(hash, sizeof hash, "%s", jstr(q, "texts_hash"));
    json_decref(q);
    cr_assert_eq(h_server_stop(e.srv), 0);

    e.srv = tu_command_server(&e, cmd, NULL);
    wait_jobs(&e, qid, "fr/v1:done:skipped: question opened");
    cr_expect_eq(texts_rows(&e, qid), 0);
    q = get_q(&e, qid);
    cr_expect_str_eq(jstr(q, "texts_hash"), hash);
    json_decref(q);
    cr_expect_eq(machine_entries(&e), 0);
    finish(&e, cmd);
}

Test(question_translation, a_job_finishing_after_opening_is_dropped)
{
    struct tu_env e;
    tu_db(&e);
    char hold[64];
    snprintf(hold, sizeof hold, "/tmp/pnyx-qmt-hold-%d", (int)getpid());
    FILE *f = fopen(hold, "w");
    cr_assert_not_null(f);
    fclose(f);
    char *cmd = tag_script(hold);
    e.srv = tu_command_server(&e, cmd, NULL);
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{en,fr}");
    int64_t qid = qu_create(e.srv, &e.convener, e.aid, qu_body());
    /* the worker took the job and its translator waits for the hold file */
    wait_jobs(&e, qid, "fr/v1:running:");
    /* five command runs (title, description, three labels) at 60 s each:
     * the lease was extended beyond the take's 4 runs + 60 s = 300 s */
    const char *p[1] = {tu_id(qid)};
    tu_wait_value(e.db,
                  "SELECT lease_until > now() + interval '330 seconds' FROM translation_jobs "
                  "WHERE kind = 'question' AND target_id = $1",
                  1, p, "t", "extended lease");
    qu_open(e.srv, &e.convener, qid);
    json_t *q = get_q(&e, qid);
    char hash[80];
    snprintf(hash, sizeof hash, "%s", jstr(q, "texts_hash"));
    json_decref(q);
    unlink(hold);
    wait_jobs(&e, qid, "fr/v1:done:skipped: question opened");
    cr_expect_eq(texts_rows(&e, qid), 0, "nothing stored after the texts froze");
    q = get_q(&e, qid);
    cr_expect_str_eq(jstr(q, "texts_hash"), hash);
    cr_expect_null(jget(q, "translations.fr"));
    json_decref(q);
    cr_expect_eq(machine_entries(&e), 0);
    finish(&e, cmd);
}

Test(question_translation, texts_changed_while_translating_are_not_stored)
{
    struct tu_env e;
    tu_db(&e);
    char hold[64];
    snprintf(hold, sizeof hold, "/tmp/pnyx-qmt-hold2-%d", (int)getpid());
    FILE *f = fopen(hold, "w");
    cr_assert_not_null(f);
    fclose(f);
    char *cmd = tag_script(hold);
    e.srv = tu_command_server(&e, cmd, NULL);
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{en,fr}");
    int64_t qid = qu_create(e.srv, &e.convener, e.aid, qu_body());
    wait_jobs(&e, qid, "fr/v1:running:");
    /* a label changes while the translator runs: version 2 gets its job */
    json_t *opts =
        json_pack("[{s:s},{s:s},{s:s}]", "label", "Parks", "label", "Libraries", "label", "Roads");
    patch_q(&e, qid, json_pack("{s:o}", "options", opts));
    unlink(hold);
    wait_jobs(&e, qid, "fr/v1:done:skipped: texts changed,fr/v2:done:stored");
    json_t *q = get_q(&e, qid);
    cr_expect_str_eq(jstr(q, "translations.fr.labels.B"), "[fr] Libraries");
    json_decref(q);
    cr_expect_eq(machine_entries(&e), 1);
    finish(&e, cmd);
}

Test(question_translation, real_apertium_translates_a_spanish_question_into_english)
{
    if (access("/usr/bin/apertium", X_OK) != 0)
        cr_skip_test("apertium not installed (scripts/test installs it)");
    struct tu_env e;
    tu_db(&e);
    e.srv = tu_server(&e, (const char *const[]){"PNYX_TRANSLATOR=apertium", NULL});
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{es,en}");
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s},{s:s},{s:s}], s:s, s:s}", "title",
                          "Transporte público gratuito", "description",
                          "El transporte público debe ser gratuito.", "language", "es", "method",
                          "irv", "options", "label", "Parques", "label", "Escuelas", "label",
                          "Carreteras", "closes_at", qu_time(3600), "secrecy", "secret");
    int64_t qid = qu_create(e.srv, &e.convener, e.aid, b);
    wait_jobs(&e, qid, "en/v1:done:stored");
    json_t *q = get_q(&e, qid);
    json_t *en = jget(q, "translations.en");
    cr_assert_not_null(en);
    cr_expect_str_eq(jstr(en, "source"), "machine");
    cr_expect_str_eq(jstr(en, "translator"), "apertium");
    cr_expect(strstr(jstr(en, "title"), "ublic"), "title: %s", jstr(en, "title"));
    cr_expect(strstr(jstr(en, "description"), "public transport"), "description: %s",
              jstr(en, "description"));
    cr_expect(strstr(jstr(en, "labels.A"), "Park"), "A: %s", jstr(en, "labels.A"));
    cr_expect(strstr(jstr(en, "labels.B"), "School"), "B: %s", jstr(en, "labels.B"));
    cr_expect_eq(json_object_size(jget(en, "labels")), 3);
    json_decref(q);
    finish(&e, NULL);
}
