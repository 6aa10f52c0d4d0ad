/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_comment_jobs.c — a comment post queues its machine-translation jobs
 * inside its guarded insert (one round trip on the group leader's
 * connection, db_comment_insert_guarded), not through translation_enqueue.
 * The jobs must be exactly those translation_enqueue queues for a text in
 * the same language of the same assembly — here the proposal the comment
 * is on, created through the API in that language — for every kind of
 * translator: Apertium (only reachable languages, pivots included), a
 * command (every language read but the source's), none (no job).
 */
#include "comment_util.h"
#include "translation_util.h"

/* The target languages queued for (kind, id), sorted, comma-joined. */
static const char *targets(struct tu_env *e, const char *kind, int64_t id)
{
    const char *p[2] = {kind, tu_id(id)};
    return tu_value(e->db,
                    "SELECT coalesce(string_agg(target_language || '<' || source_language || "
                    "'/v' || version, ',' ORDER BY target_language), '') FROM translation_jobs "
                    "WHERE kind = $1 AND target_id = $2 AND status = 'queued'",
                    2, p);
}

static void same_jobs_for(struct tu_env *e, const char *language)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", (long long)e->aid);
    json_t *b = json_pack("{s:s, s:s, s:s}", "title", "Trenes", "body", "Trenes nocturnos.",
                          "language", language);
    struct h_resp *r = it_req(e->srv, "POST", path, &e->convener, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t pid = it_int(r->json, "id");
    h_resp_free(r);
    r = it_comment_post(e->srv, &e->convener, pid, "Hola", language, 0);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t cid = it_int(r->json, "id");
    h_resp_free(r);
    char want[8192];
    snprintf(want, sizeof want, "%s", targets(e, "proposal", pid));
    cr_expect_str_eq(targets(e, "comment", cid), want, "language %s", language);
}

static void run(const char *translator, bool expect_some)
{
    struct tu_env e;
    tu_db(&e);
    e.srv = tu_server(&e, (const char *const[]){translator, "PNYX_WORKERS=0", NULL});
    tu_assembly(&e);
    tu_languages(&e, e.convener.id, "{en,fr,es,de,ar,uk}");
    static const char *const langs[] = {"es", "en", "fr", "es-MX", "de", "ar", "uk"};
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        same_jobs_for(&e, langs[i]);
    }
    long long n =
        tu_count(e.db, "SELECT count(*) FROM translation_jobs WHERE kind = 'comment'", 0, NULL);
    if (expect_some) {
        cr_expect_gt(n, 0, "%s queued no comment job at all", translator);
    } else {
        cr_expect_eq(n, 0, "%s queued comment jobs", translator);
    }
    h_server_stop(e.srv);
    PQfinish(e.db);
}

Test(comment_jobs, apertium_queues_what_translation_enqueue_queues)
{
    run("PNYX_TRANSLATOR=apertium", true);
}

Test(comment_jobs, a_command_translator_queues_every_language_read)
{
    run("PNYX_TRANSLATOR=command:/bin/cat", true);
}

Test(comment_jobs, no_translator_queues_nothing)
{
    run("PNYX_TRANSLATOR=none", false);
}
