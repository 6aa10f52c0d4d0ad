/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * translation_enqueue (api/translation_queue.c) in a transaction on its own
 * database: one job per language the assembly's active members read that
 * the translator reaches from the source language, never the source, never
 * twice; and the per-assembly reader summary (sql/008) it reads, kept by
 * triggers as memberships and accounts' languages change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "api/translation_queue.h"
#include "db/db.h"
#include "harness.h"
#include "platform/translator.h"

static struct arena *g_a;

static const char *q1(const char *sql)
{
    struct db_result r;
    enum db_status st = db_query(db_thread_conn(), g_a, sql, 0, NULL, &r);
    cr_assert_eq(st, DB_OK, "%s: %s", sql, db_status_name(st));
    return r.nrows > 0 && r.ncols > 0 && !db_is_null(&r, 0, 0) ? db_value(&r, 0, 0) : "";
}

static void setup(void)
{
    const char *url = h_db_create();
    cr_assert_not_null(url);
    db_global_init(url);
    g_a = arena_new();
    cr_assert_not_null(g_a);
    /* Accounts reading: es+en, fr, pt-BR; one who left reads de; an
     * observer reads ca. */
    q1("INSERT INTO accounts (email, display_name, password_hash, country, languages) VALUES "
       "('a@x', 'A', '$argon2id$x', 'ES', '{es,en-GB}'), ('b@x', 'B', '$argon2id$x', 'FR', "
       "'{fr}'), ('c@x', 'C', '$argon2id$x', 'BR', '{pt-BR}'), ('d@x', 'D', '$argon2id$x', "
       "'DE', '{de}'), ('e@x', 'E', '$argon2id$x', 'AD', '{ca}')");
    q1("INSERT INTO assemblies (title, visibility, join_policy, default_language, created_by) "
       "VALUES ('t', 'public', 'open', 'en', 1)");
    q1("INSERT INTO memberships (assembly_id, account_id, role, status) VALUES (1, 1, "
       "'convener', 'active'), (1, 2, 'member', 'active'), (1, 3, 'member', 'active'), (1, 4, "
       "'member', 'left'), (1, 5, 'observer', 'active')");
}

static void teardown(void)
{
    db_thread_close();
    arena_free(g_a);
}

static const char *const debian_modes[] = {"eco-es-fr", "eco-fr-es", "eng-spa",   "es-fr",
                                           "fr-es",     "spa-eng",   "spa-eng_US"};

static void use_apertium_pairs(void)
{
    static struct translator t;
    memset(&t, 0, sizeof t);
    t.kind = TRANSLATOR_APERTIUM;
    snprintf(t.name, sizeof t.name, "apertium");
    translator_set_modes(&t, debian_modes, sizeof debian_modes / sizeof debian_modes[0]);
    translator_global_set(&t);
}

struct enq {
    int64_t target;
    const char *lang;
    const char *kind;
};

static enum db_status enq_body(struct db_conn *c, void *cls)
{
    struct enq *e = cls;
    return translation_enqueue(c, g_a, 1, e->kind, e->target, 1, e->lang);
}

static void enqueue(const char *kind, int64_t target, const char *lang)
{
    struct enq e = {.target = target, .lang = lang, .kind = kind};
    enum db_status st = db_run_txn(db_thread_conn(), "enqueue", enq_body, NULL, &e);
    cr_assert_eq(st, DB_OK, "%s", db_status_name(st));
}

static const char *langs_of(int64_t target)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(string_agg(target_language, ',' ORDER BY target_language), '') "
             "FROM translation_jobs WHERE target_id = %lld",
             (long long)target);
    return q1(sql);
}

TestSuite(translation_queue, .init = setup, .fini = teardown);

Test(translation_queue, queues_reachable_reader_languages_except_the_source)
{
    use_apertium_pairs();
    enqueue("proposal", 101, "es-MX");
    /* en (direct), fr (direct); not es (the source), pt (no pair), de (left),
     * ca (no pair; observers read too, so it would be queued if reachable). */
    cr_assert_str_eq(langs_of(101), "en,fr");
    cr_assert_str_eq(q1("SELECT string_agg(DISTINCT status || ':' || source_language || ':' || "
                        "kind || ':' || version || ':' || attempts, ',') FROM translation_jobs "
                        "WHERE target_id = 101"),
                     "queued:es-MX:proposal:1:0");
    enqueue("comment", 102, "en");
    cr_assert_str_eq(langs_of(102), "es,fr", "fr is reached through es");
}

Test(translation_queue, running_twice_queues_once)
{
    use_apertium_pairs();
    enqueue("proposal", 103, "fr");
    enqueue("proposal", 103, "fr");
    cr_assert_str_eq(langs_of(103), "en,es");
    cr_assert_str_eq(q1("SELECT count(*) FROM translation_jobs WHERE target_id = 103"), "2");
}

Test(translation_queue, none_queues_nothing_and_a_command_reaches_every_reader)
{
    static struct translator none = {.kind = TRANSLATOR_NONE, .name = "none"};
    translator_global_set(&none);
    enqueue("proposal", 104, "es");
    cr_assert_str_eq(langs_of(104), "");
    static struct translator cmd = {
        .kind = TRANSLATOR_COMMAND, .name = "command", .program = "/bin/cat"};
    translator_global_set(&cmd);
    enqueue("proposal", 105, "es");
    cr_assert_str_eq(langs_of(105), "ca,en,fr,pt");
}

Test(translation_queue, reader_summary_follows_memberships_and_languages)
{
    use_apertium_pairs();
    cr_assert_str_eq(q1("SELECT string_agg(language || '=' || readers, ',' ORDER BY language) "
                        "FROM assembly_languages WHERE assembly_id = 1"),
                     "ca=1,en=1,es=1,fr=1,pt=1");
    /* The French reader leaves: no French jobs any more. */
    q1("UPDATE memberships SET status = 'left' WHERE account_id = 2");
    enqueue("proposal", 106, "es");
    cr_assert_str_eq(langs_of(106), "en");
    /* D comes back; the Brazilian reader learns French. */
    q1("UPDATE memberships SET status = 'active' WHERE account_id = 4");
    q1("UPDATE accounts SET languages = '{pt-BR,fr-CA}' WHERE id = 3");
    cr_assert_str_eq(q1("SELECT string_agg(language || '=' || readers, ',' ORDER BY language) "
                        "FROM assembly_languages WHERE assembly_id = 1 AND readers > 0"),
                     "ca=1,de=1,en=1,es=1,fr=1,pt=1");
    enqueue("proposal", 107, "es");
    cr_assert_str_eq(langs_of(107), "en,fr");
    /* Only active members count (CONTRACTS: "the assembly's active members"):
     * suspending the last French reader drops French. */
    q1("UPDATE memberships SET status = 'suspended' WHERE account_id = 3");
    cr_assert_str_eq(q1("SELECT readers FROM assembly_languages WHERE assembly_id = 1 AND "
                        "language = 'fr'"),
                     "0");
}
