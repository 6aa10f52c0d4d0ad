/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Unit tests for platform/translator. The "translators" are small scripts
 * written into a fresh temporary directory per test; whatever they do with
 * their input, pnyxd must hand it over as argv entries and stdin bytes,
 * never through a shell.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "platform/translator.h"

static char g_dir[64];

/* Removes the test's directory (flat: scripts and pid files). */
static void remove_dir(void)
{
    DIR *d = opendir(g_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[384];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(g_dir);
}

static void make_dir(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/pnyx-translator.XXXXXX");
    cr_assert_not_null(mkdtemp(g_dir));
    atexit(remove_dir);
}

/* Writes an executable script dir/name; returns its path (static buffer). */
static const char *script(const char *name, const char *body)
{
    static char path[4][128];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 128, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    cr_assert_eq(chmod(p, 0755), 0);
    return p;
}

static bool exists(const char *name)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    return access(p, F_OK) == 0;
}

static struct translator *command_translator(const char *path, unsigned timeout_ms, size_t max_out)
{
    static struct translator t;
    char spec[256], err[256];
    snprintf(spec, sizeof spec, "command:%s", path);
    cr_assert_eq(translator_init(&t, spec, "", timeout_ms, max_out, err, sizeof err), 0, "%s", err);
    cr_assert_eq(t.kind, TRANSLATOR_COMMAND);
    return &t;
}

/* True when pid no longer runs (gone, or a zombie nobody reaped yet). */
static bool dead(pid_t pid)
{
    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    char p[64], buf[256];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return true;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')');
    return close && close[1] == ' ' && close[2] == 'Z';
}

static pid_t read_pid(const char *name)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f, "%s was not written", name);
    long v = 0;
    cr_assert_eq(fscanf(f, "%ld", &v), 1);
    fclose(f);
    return (pid_t)v;
}

Test(translator, command_succeeds_with_languages_as_arguments)
{
    make_dir();
    const char *p = script("ok", "printf '%s>%s:' \"$1\" \"$2\"; cat");
    struct translator *t = command_translator(p, 30000, 1 << 20);
    struct translator_result r;
    const char *text = "Hola.\n\nSegundo párrafo.";
    cr_assert_eq(translator_translate(t, "es-MX", "en", text, strlen(text), &r), 0, "%s", r.error);
    cr_assert_str_eq(r.text, "es>en:Hola.\n\nSegundo párrafo.");
    cr_assert_str_eq(r.via, "");
    translator_result_free(&r);
    cr_assert(translator_reaches(t, "es", "fr"));
    cr_assert_not(translator_reaches(t, "es", "es-ES"), "same language is no translation");
}

Test(translator, command_failure_keeps_exit_status_and_stderr)
{
    make_dir();
    const char *p = script("fail", "cat >/dev/null; echo 'model not loaded' >&2; exit 3");
    struct translator *t = command_translator(p, 30000, 1 << 20);
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", "hola", 4, &r), -1);
    cr_assert_null(r.text);
    cr_assert(strstr(r.error, "exit status 3"), "%s", r.error);
    cr_assert(strstr(r.error, "model not loaded"), "%s", r.error);
}

Test(translator, hanging_command_and_its_children_are_killed_at_the_timeout)
{
    make_dir();
    /* The script starts a grandchild and waits: a timeout that killed only
     * the script would leave the grandchild running. 3 s: long enough for
     * the script to start its child on a loaded machine (at nice 10). */
    char body[512];
    snprintf(body, sizeof body, "echo $$ > %s/script.pid; sleep 300 & echo $! > %s/child.pid; wait",
             g_dir, g_dir);
    const char *p = script("hang", body);
    struct translator *t = command_translator(p, 3000, 1 << 20);
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", "hola", 4, &r), -1);
    cr_assert(strstr(r.error, "timeout"), "%s", r.error);
    pid_t sp = read_pid("script.pid"), cp = read_pid("child.pid");
    cr_assert(dead(sp), "the translator process still runs");
    /* SIGKILL reached the grandchild with the group; on a loaded machine
     * it may take a moment to act on it (bounded wait). */
    for (int i = 0; i < 500 && !dead(cp); i++)
        usleep(10000);
    cr_assert(dead(cp), "the translator's child still runs");
}

static void *cancel_soon(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    translator_cancel_all(true);
    return NULL;
}

Test(translator, a_cancel_kills_a_running_command_at_once_and_fails_later_ones)
{
    make_dir();
    const char *p = script("slow", "sleep 300");
    /* a 60 s timeout: only the cancel can end it within the bound below */
    struct translator *t = command_translator(p, 60000, 1 << 20);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, cancel_soon, NULL), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", "hola", 4, &r), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(th, NULL);
    cr_assert(strstr(r.error, "cancelled"), "%s", r.error);
    cr_assert(translator_cancelled());
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_lt(s, 30.0, "the run ended %.1f s after it began, not at the cancel", s);
    /* while cancelled, a new run fails too; after the reset it runs */
    struct translator *ok = command_translator(script("ok", "cat"), 10000, 1 << 20);
    cr_assert_eq(translator_translate(ok, "es", "en", "hola", 4, &r), -1);
    cr_assert(strstr(r.error, "cancelled"), "%s", r.error);
    translator_cancel_all(false);
    cr_assert_eq(translator_translate(ok, "es", "en", "hola", 4, &r), 0, "%s", r.error);
    cr_assert_str_eq(r.text, "hola");
    translator_result_free(&r);
}

Test(translator, command_writing_too_much_is_killed_at_the_limit)
{
    make_dir();
    const char *p = script("flood", "exec yes 'very long translation'");
    struct translator *t = command_translator(p, 10000, 64 * 1024);
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", "hola", 4, &r), -1);
    cr_assert(strstr(r.error, "output limit"), "%s", r.error);
    cr_assert_null(r.text);
}

Test(translator, command_that_does_not_read_its_input_fails_cleanly)
{
    make_dir();
    const char *p = script("deaf", "exit 0");
    struct translator *t = command_translator(p, 30000, 1 << 20);
    /* 1 MiB of input into a pipe nobody reads: no SIGPIPE kills pnyxd, no
     * hang; the (empty) output of a successful exit is returned. */
    size_t n = 1 << 20;
    char *big = malloc(n);
    memset(big, 'a', n);
    struct translator_result r;
    int rc = translator_translate(t, "es", "en", big, n, &r);
    free(big);
    cr_assert_eq(rc, 0, "%s", r.error);
    cr_assert_eq(r.len, 0);
    translator_result_free(&r);
}

Test(translator, hostile_text_and_arguments_are_never_interpreted_by_a_shell)
{
    make_dir();
    char hostile[512];
    snprintf(hostile, sizeof hostile,
             "$(touch %s/pwned1) `touch %s/pwned2`; touch %s/pwned3 | touch %s/pwned4 "
             "&& touch %s/pwned5 <b onclick=x>'\"\\",
             g_dir, g_dir, g_dir, g_dir, g_dir);
    /* As stdin of a command translator: comes back byte for byte. */
    const char *p = script("echo", "cat");
    struct translator *t = command_translator(p, 30000, 1 << 20);
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", hostile, strlen(hostile), &r), 0);
    cr_assert_str_eq(r.text, hostile);
    translator_result_free(&r);
    /* As argv: /bin/echo prints it back unchanged, nothing runs. */
    char *argv[] = {"/bin/echo", hostile, NULL};
    char *out = NULL, err[256];
    size_t outlen = 0;
    cr_assert_eq(translator_spawn(argv, "", 0, 30000, 4096, &out, &outlen, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(outlen, strlen(hostile) + 1);
    cr_assert_eq(memcmp(out, hostile, strlen(hostile)), 0);
    free(out);
    for (int i = 1; i <= 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "pwned%d", i);
        cr_assert_not(exists(name), "%s was created: text reached a shell", name);
    }
}

Test(translator, translator_processes_run_at_nice_10)
{
    make_dir();
    /* Field 19 of /proc/PID/stat is the nice value (background work yields
     * the CPU to requests). */
    const char *p = script("nice", "cat >/dev/null; awk '{print $19}' /proc/$$/stat");
    struct translator *t = command_translator(p, 30000, 4096);
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", "hola", 4, &r), 0, "%s", r.error);
    /* nice(1) adds to the caller's value (capped at 19): the suite may itself
     * run niced. */
    errno = 0;
    int own = getpriority(PRIO_PROCESS, 0);
    cr_assert_eq(errno, 0);
    char want[16];
    snprintf(want, sizeof want, "%d\n", own + 10 > 19 ? 19 : own + 10);
    cr_assert_str_eq(r.text, want);
    translator_result_free(&r);
}

Test(translator, translator_runs_in_its_own_session_at_autogroup_nice_10)
{
    if (access("/proc/self/autogroup", F_OK) != 0)
        cr_skip_test("no scheduler autogroups on this kernel");
    make_dir();
    const char *p = script("group", "cat >/dev/null; cat /proc/$$/autogroup; "
                                    "[ \"$(ps -o sid= -p $$ | tr -d ' ')\" = $$ ] && echo leader");
    struct translator *t = command_translator(p, 30000, 4096);
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", "hola", 4, &r), 0, "%s", r.error);
    cr_assert(strstr(r.text, "nice 10"), "%s", r.text);
    cr_assert(strstr(r.text, "leader"), "not a session leader: %s", r.text);
    translator_result_free(&r);
}

Test(translator, command_must_be_an_absolute_executable)
{
    struct translator t;
    char err[256];
    cr_assert_eq(translator_init(&t, "command:relative/tool", "", 1000, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "PNYX_TRANSLATOR"), "%s", err);
    cr_assert_eq(translator_init(&t, "command:/nonexistent/tool", "", 1000, 0, err, sizeof err),
                 -1);
    cr_assert_eq(translator_init(&t, "deepl", "", 1000, 0, err, sizeof err), -1);
    cr_assert_eq(translator_init(&t, "none", "", 1000, 0, err, sizeof err), 0);
    cr_assert_eq(t.kind, TRANSLATOR_NONE);
    cr_assert_not(translator_reaches(&t, "es", "en"));
}

Test(translator, apertium_codes_map_to_primary_subtags)
{
    char out[TRANSLATOR_LANG_MAX];
    cr_assert(translator_code_to_lang("eng", out, sizeof out));
    cr_assert_str_eq(out, "en");
    cr_assert(translator_code_to_lang("spa", out, sizeof out));
    cr_assert_str_eq(out, "es");
    cr_assert(translator_code_to_lang("fr", out, sizeof out));
    cr_assert_str_eq(out, "fr");
    cr_assert(translator_code_to_lang("ast", out, sizeof out));
    cr_assert_str_eq(out, "ast");
    cr_assert_not(translator_code_to_lang("eng_US", out, sizeof out));
    cr_assert_not(translator_code_to_lang("EN", out, sizeof out));
    translator_primary("pt-BR", out);
    cr_assert_str_eq(out, "pt");
    translator_primary("EN", out);
    cr_assert_str_eq(out, "en");
}

/* What Debian 12's apertium -l prints with apertium-eng-spa and
 * apertium-fr-es installed. */
static const char *const debian_modes[] = {"eco-es-fr", "eco-fr-es", "eng-spa",   "es-fr",
                                           "fr-es",     "spa-eng",   "spa-eng_US"};

Test(translator, direct_pairs_and_labelled_pivots_from_modes)
{
    static struct translator t;
    memset(&t, 0, sizeof t);
    t.kind = TRANSLATOR_APERTIUM;
    translator_set_modes(&t, debian_modes, sizeof debian_modes / sizeof debian_modes[0]);
    cr_assert_eq(t.npairs, 6, "4 direct + 2 pivots, got %zu", t.npairs);
    const struct translator_pair *p = translator_find(&t, "es", "en");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->mode1, "spa-eng");
    cr_assert_str_eq(p->via, "");
    cr_assert_str_eq(p->mode2, "");
    p = translator_find(&t, "fr", "en");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->via, "es");
    cr_assert_str_eq(p->mode1, "fr-es");
    cr_assert_str_eq(p->mode2, "spa-eng");
    p = translator_find(&t, "en", "fr");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->via, "es");
    cr_assert_str_eq(p->mode1, "eng-spa");
    cr_assert_str_eq(p->mode2, "es-fr");
    cr_assert_null(translator_find(&t, "en", "ar"));
    cr_assert_null(translator_find(&t, "en", "en"));
    cr_assert_not(translator_reaches(&t, "es", "es"));
    cr_assert(translator_reaches(&t, "fr-CA", "en-GB"));
    /* Directs first, then pivots; each group sorted. */
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(t.pairs[i].via, "");
    for (size_t i = 4; i < 6; i++)
        cr_assert_str_neq(t.pairs[i].via, "");
}

/* A translator whose apertium is a script running body (pairs from
 * debian_modes). */
static struct translator *apertium_script(const char *body)
{
    static struct translator t;
    const char *p = script("apertium", body);
    memset(&t, 0, sizeof t);
    t.kind = TRANSLATOR_APERTIUM;
    snprintf(t.name, sizeof t.name, "apertium");
    snprintf(t.program, sizeof t.program, "%s", p);
    t.timeout_ms = 30000;
    t.max_output = 1 << 20;
    translator_set_modes(&t, debian_modes, sizeof debian_modes / sizeof debian_modes[0]);
    return &t;
}

/* A stand-in for apertium: "apertium -u -f html-noent MODE" prefixes the
 * mode and replaces the Spanish word hola with hello in what it reads. */
static struct translator *fake_apertium(void)
{
    return apertium_script("[ \"$1\" = -u ] && [ \"$2\" = -f ] && [ \"$3\" = html-noent ] || "
                           "exit 9; printf '[%s]' \"$4\"; sed 's/hola/hello/g'");
}

Test(translator, pivot_runs_both_modes_and_names_the_pivot)
{
    make_dir();
    struct translator *t = fake_apertium();
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "fr", "en", "hola", 4, &r), 0, "%s", r.error);
    cr_assert_str_eq(r.text, "[spa-eng][fr-es]hello");
    cr_assert_str_eq(r.via, "es");
    translator_result_free(&r);
    cr_assert_eq(translator_translate(t, "es", "en", "hola", 4, &r), 0, "%s", r.error);
    cr_assert_str_eq(r.text, "[spa-eng]hello");
    cr_assert_str_eq(r.via, "");
    translator_result_free(&r);
    cr_assert_eq(translator_translate(t, "es", "ar", "hola", 4, &r), -1);
    cr_assert(strstr(r.error, "no apertium translation"), "%s", r.error);
}

Test(translator, link_targets_urls_and_code_are_not_translated)
{
    make_dir();
    struct translator *t = fake_apertium();
    const char *text = "hola [hola](https://hola.example/hola) & <b> see https://x.org/hola, "
                       "`hola` and hola\n\nhola";
    struct translator_result r;
    cr_assert_eq(translator_translate(t, "es", "en", text, strlen(text), &r), 0, "%s", r.error);
    cr_assert_str_eq(r.text, "[spa-eng]hello [hello](https://hola.example/hola) & <b> see "
                             "https://x.org/hola, `hola` and hello\n\nhello");
    translator_result_free(&r);
}

Test(translator, title_and_body_share_one_run_and_come_back_apart)
{
    make_dir();
    struct translator *t = fake_apertium();
    const char *texts[2] = {"hola", "hola mundo\n- hola\n- casa\n\nfin"};
    struct translator_result r[2];
    cr_assert_eq(translator_translate_parts(t, "es", "en", texts, 2, r), 0, "%s", r[0].error);
    /* One run: the mode prefix appears once, before the first part. */
    cr_assert_str_eq(r[0].text, "[spa-eng]hello");
    cr_assert_str_eq(r[1].text, "hello mundo\n- hello\n- casa\n\nfin");
    translator_result_free(&r[0]);
    translator_result_free(&r[1]);
    /* Through a pivot: both parts labelled. */
    cr_assert_eq(translator_translate_parts(t, "fr", "en", texts, 2, r), 0, "%s", r[0].error);
    cr_assert_str_eq(r[0].via, "es");
    cr_assert_str_eq(r[1].via, "es");
    translator_result_free(&r[0]);
    translator_result_free(&r[1]);
}

Test(translator, output_without_the_part_boundary_is_refused)
{
    make_dir();
    /* Drops every tag, the boundary included. */
    const struct translator *t = apertium_script("sed 's/<[^>]*>//g'");
    const char *texts[2] = {"uno", "dos"};
    struct translator_result r[2];
    cr_assert_eq(translator_translate_parts(t, "es", "en", texts, 2, r), -1);
    cr_assert(strstr(r[0].error, "boundary"), "%s", r[0].error);
    cr_assert_null(r[0].text);
    cr_assert_null(r[1].text);
}

/* The real thing, when Debian's packages are installed (scripts/test
 * installs apertium, apertium-eng-spa and apertium-fr-es). */
Test(translator, real_apertium_direct_and_pivot)
{
    static struct translator t;
    char err[256];
    if (translator_init(&t, "apertium", "", 60000, 0, err, sizeof err) != 0)
        cr_skip_test("apertium not installed: %s", err);
    cr_assert(translator_reaches(&t, "es", "en"));
    cr_assert(translator_reaches(&t, "fr", "en"), "fr→en through es");
    struct translator_result r;
    const char *es = "El mundo es grande.\n\nVer [el plan](https://ejemplo.org/plan).";
    cr_assert_eq(translator_translate(&t, "es", "en", es, strlen(es), &r), 0, "%s", r.error);
    cr_assert(strstr(r.text, "world"), "%s", r.text);
    cr_assert(strstr(r.text, "\n\n"), "paragraph break lost: %s", r.text);
    cr_assert(strstr(r.text, "(https://ejemplo.org/plan)"), "link target changed: %s", r.text);
    cr_assert_str_eq(r.via, "");
    translator_result_free(&r);
    /* Title and body in one run: no word crosses from one to the other
     * (without the boundary Apertium reads "Transporte público\nGratuito"
     * as one phrase: "Free public\ntransport"), nor across list items. */
    const char *texts[2] = {"Transporte público", "Gratuito es bueno.\n- casa\n- blanca es bonita"};
    struct translator_result parts[2];
    cr_assert_eq(translator_translate_parts(&t, "es", "en", texts, 2, parts), 0, "%s",
                 parts[0].error);
    cr_assert_str_eq(parts[0].text, "Public transport");
    const char *want = "Free is good.\n- House\n- White is beautiful";
    cr_assert_str_eq(parts[1].text, want);
    translator_result_free(&parts[0]);
    translator_result_free(&parts[1]);
    const char *fr = "Le monde est grand.";
    cr_assert_eq(translator_translate(&t, "fr", "en", fr, strlen(fr), &r), 0, "%s", r.error);
    cr_assert(strstr(r.text, "world"), "%s", r.text);
    cr_assert_str_eq(r.via, "es");
    translator_result_free(&r);
}
