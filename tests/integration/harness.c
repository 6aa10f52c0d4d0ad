/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/harness.c — see harness.h. Runs in Criterion's runner
 * (PRE_ALL/POST_ALL hooks) and in the forked test processes. Everything
 * between fork() and execve() is async-signal-safe (the runner may have
 * threads): environments and argv are built before forking.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <curl/curl.h>
#include <libpq-fe.h>

#include "harness_int.h"

extern char **environ;

#ifndef PNYX_TEST_PNYXD
#error "PNYX_TEST_PNYXD (path of pnyxd) must be defined by CMake"
#endif
#ifndef PNYX_TEST_SRCDIR
#error "PNYX_TEST_SRCDIR must be defined by CMake"
#endif

static char g_dbname[96];
static char g_dburl[512];
static char g_setup_error[512];
/* The signing key every server of this binary uses (one database, one
 * deployment key: a server with another key is refused). */
static char g_keyfile[160];
static struct h_server *g_shared;

static void msleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Criterion runs tests in separate processes that do not share the
 * runner's globals, so the runner publishes its setup in the environment
 * (inherited by the test processes) and they pick it up here. */
static void adopt_runner_setup(void)
{
    static struct h_server shared_copy;
    const char *url = getenv("PNYX_T_DB_URL");
    const char *port = getenv("PNYX_T_SHARED_PORT");
    const char *err = getenv("PNYX_T_SETUP_ERROR");
    if (!g_dburl[0] && url)
        snprintf(g_dburl, sizeof g_dburl, "%s", url);
    const char *key = getenv("PNYX_T_KEY_FILE");
    if (!g_keyfile[0] && key)
        snprintf(g_keyfile, sizeof g_keyfile, "%s", key);
    if (!g_setup_error[0] && err)
        snprintf(g_setup_error, sizeof g_setup_error, "%s", err);
    if (!g_shared && port && atoi(port) > 0) {
        shared_copy.pid =
            (pid_t)atol(getenv("PNYX_T_SHARED_PID") ? getenv("PNYX_T_SHARED_PID") : "0");
        shared_copy.port = (uint16_t)atoi(port);
        snprintf(shared_copy.base, sizeof shared_copy.base, "http://127.0.0.1:%u",
                 shared_copy.port);
        const char *log = getenv("PNYX_T_SHARED_LOG");
        snprintf(shared_copy.log_path, sizeof shared_copy.log_path, "%s", log ? log : "");
        g_shared = &shared_copy;
    }
}

const char *h_db_url(void)
{
    adopt_runner_setup();
    return g_dburl;
}

struct h_server *h_shared(void)
{
    adopt_runner_setup();
    if (!g_shared)
        cr_assert_fail("no shared pnyxd: %s",
                       g_setup_error[0] ? g_setup_error : "setup did not run");
    return g_shared;
}

const char *h_unique(const char *prefix)
{
    static atomic_uint counter;
    static _Thread_local char buf[160];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(buf, sizeof buf, "%s-%ld-%u-%lx", prefix, (long)getpid(),
             atomic_fetch_add(&counter, 1), (unsigned long)(ts.tv_nsec ^ (ts.tv_sec << 20)));
    return buf;
}

static void binary_name(char *out, size_t len);

/* Set in the runner process by PRE_ALL; test processes start afresh
 * (Criterion execs them), so there it stays false. */
static bool g_runner;

/* Where a pnyxd log goes: <PNYX_RUN_LOG_DIR>/<binary>-<pid>-<n>-<name> when
 * scripts/test set a run log directory (kept for the secret check at the
 * end of the run), else <dir>/<name>. */
static void log_path_in(char *out, size_t cap, const char *dir, const char *name)
{
    static atomic_uint n;
    const char *run = getenv("PNYX_RUN_LOG_DIR");
    if (run && *run) {
        char bin[40];
        binary_name(bin, sizeof bin);
        snprintf(out, cap, "%s/%s-%ld-%u-%s", run, bin, (long)getpid(), atomic_fetch_add(&n, 1),
                 name);
    } else {
        snprintf(out, cap, "%s/%s", dir, name);
    }
}

static bool log_kept(const char *path)
{
    const char *run = getenv("PNYX_RUN_LOG_DIR");
    return run && *run && strncmp(path, run, strlen(run)) == 0;
}

/* The signing key file a pnyxd of this environment uses (a test's own, or
 * the binary's), recorded once it exists (harness_secrets.c). */
static void secret_signing_key(const char *const *extra)
{
    const char *path = g_keyfile;
    for (const char *const *e = extra; e && *e; e++)
        if (strncmp(*e, "PNYX_SIGNING_KEY_FILE=", 22) == 0)
            path = *e + 22;
    if (path && *path && getenv("PNYX_SECRETS_FILE"))
        h_secret_key_file(path);
}

/* --- environment building -------------------------------------------------- */

static bool key_in(const char *entry, const char *const *list)
{
    size_t klen = strcspn(entry, "=");
    for (; list && *list; list++) {
        if (strncmp(*list, entry, klen) == 0 && (*list)[klen] == '=')
            return true;
    }
    return false;
}

/* extra first (glibc getenv takes the first match), then defaults not in
 * extra, then the inherited environment minus any PNYX_* (tests control
 * pnyxd's configuration completely). Returns a malloc'd NULL-terminated
 * array of malloc'd strings. */
static char **build_env(const char *const *extra, const char *const *defaults)
{
    size_t n = 0, cap = 64;
    char **env = malloc(cap * sizeof(char *));
    for (const char *const *e = extra; e && *e; e++)
        env[n++] = strdup(*e);
    for (const char *const *e = defaults; *e; e++) {
        if (!key_in(*e, extra)) {
            if (n + 2 >= cap)
                env = realloc(env, (cap *= 2) * sizeof(char *));
            env[n++] = strdup(*e);
        }
    }
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "PNYX_", 5) == 0 && strncmp(*e, "PNYX_TEST_", 10) != 0)
            continue;
        if (n + 2 >= cap)
            env = realloc(env, (cap *= 2) * sizeof(char *));
        env[n++] = strdup(*e);
    }
    env[n] = NULL;
    return env;
}

static void free_env(char **env)
{
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

/* Forks and execs argv with env, stdout+stderr to log_path (append).
 * Returns pid or -1. The child dies with its parent. */
static pid_t spawn(char *const *argv, char *const *env, const char *log_path)
{
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        execve(argv[0], argv, env);
        _exit(127);
    }
    close(fd);
    return pid;
}

static void server_defaults(char defaults[][600], const char *data_dir, const char **out)
{
    int i = 0;
    snprintf(defaults[i++], 600, "PNYX_DATABASE_URL=%s", g_dburl);
    snprintf(defaults[i++], 600, "PNYX_LISTEN=127.0.0.1:0");
    snprintf(defaults[i++], 600, "PNYX_THREADS=2");
    snprintf(defaults[i++], 600, "PNYX_LOG_LEVEL=info");
    snprintf(defaults[i++], 600, "PNYX_ARGON2_M_KIB=1024");
    snprintf(defaults[i++], 600, "PNYX_ARGON2_T=1");
    snprintf(defaults[i++], 600, "PNYX_STATIC_DIR=%s/static", PNYX_TEST_SRCDIR);
    snprintf(defaults[i++], 600, "PNYX_SQL_DIR=%s/sql", PNYX_TEST_SRCDIR);
    snprintf(defaults[i++], 600, "PNYX_DATA_DIR=%s", data_dir);
    /* Every transaction body runs twice (db.h): a body that is not
     * re-runnable answers wrongly or duplicates audit entries here. */
    snprintf(defaults[i++], 600, "PNYX_TXN_RUN_TWICE=1");
    if (g_keyfile[0])
        snprintf(defaults[i++], 600, "PNYX_SIGNING_KEY_FILE=%s", g_keyfile);
    for (int k = 0; k < i; k++)
        out[k] = defaults[k];
    out[i] = NULL;
}

static int run_migrate(const char *url, char *err, size_t errlen)
{
    char dir[] = "/tmp/pnyx-migrate-XXXXXX";
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "mkdtemp failed");
        return -1;
    }
    char defaults[12][600];
    const char *defs[13];
    server_defaults(defaults, dir, defs);
    char url_env[600];
    snprintf(url_env, sizeof url_env, "PNYX_DATABASE_URL=%s", url);
    const char *extra[] = {url_env, NULL};
    char **env = build_env(extra, defs);
    char log[300];
    log_path_in(log, sizeof log, dir, "migrate.log");
    char *argv[] = {(char *)PNYX_TEST_PNYXD, (char *)"migrate", NULL};
    pid_t pid = spawn(argv, env, log);
    free_env(env);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(err, errlen, "pnyxd migrate failed (see %s)", log);
        return -1;
    }
    if (log_kept(log))
        rmdir(dir); /* its log lives in the run log dir */
    return 0;
}

/* --- servers -------------------------------------------------------------- */

static int read_port(const char *log_path, uint16_t *port)
{
    FILE *f = fopen(log_path, "r");
    if (!f)
        return -1;
    char line[2048];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "serving on http://127.0.0.1:");
        if (p) {
            *port = (uint16_t)atoi(p + strlen("serving on http://127.0.0.1:"));
            found = 0;
        }
    }
    fclose(f);
    return found;
}

const char *h_server_log_tail(const struct h_server *s)
{
    static char buf[4097];
    buf[0] = '\0';
    FILE *f = fopen(s->log_path, "r");
    if (!f)
        return buf;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size > 4096 ? size - 4096 : 0, SEEK_SET);
    size_t n = fread(buf, 1, 4096, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

struct h_server *h_server_start(const char *const *extra)
{
    adopt_runner_setup();
    struct h_server *s = calloc(1, sizeof(*s));
    snprintf(s->data_dir, sizeof s->data_dir, "/tmp/pnyx-test-XXXXXX");
    if (!mkdtemp(s->data_dir)) {
        free(s);
        return NULL;
    }
    log_path_in(s->log_path, sizeof s->log_path, s->data_dir, "server.log");
    h_secrets_env(extra); /* e.g. PNYX_METRICS_TOKEN */
    char defaults[12][600];
    const char *defs[13];
    server_defaults(defaults, s->data_dir, defs);
    char **env = build_env(extra, defs);
    char *argv[] = {(char *)PNYX_TEST_PNYXD, (char *)"serve", NULL};
    s->pid = spawn(argv, env, s->log_path);
    free_env(env);
    if (s->pid < 0) {
        free(s);
        return NULL;
    }
    int64_t deadline = now_ms() + 15000;
    while (now_ms() < deadline) {
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "pnyxd exited during start:\n%s\n", h_server_log_tail(s));
            free(s);
            return NULL;
        }
        if (read_port(s->log_path, &s->port) == 0)
            break;
        msleep(20);
    }
    if (!s->port) {
        fprintf(stderr, "pnyxd did not start:\n%s\n", h_server_log_tail(s));
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        free(s);
        return NULL;
    }
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
    while (now_ms() < deadline) {
        struct h_resp *r = h_get(s, "/healthz");
        long status = r ? r->status : 0;
        h_resp_free(r);
        if (status == 200) {
            secret_signing_key(extra);
            return s;
        }
        msleep(20);
    }
    fprintf(stderr, "pnyxd /healthz never answered 200:\n%s\n", h_server_log_tail(s));
    h_server_stop(s);
    return NULL;
}

int h_server_refuses(const char *const *extra, char *out, size_t outlen)
{
    adopt_runner_setup();
    char dir[] = "/tmp/pnyx-test-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char log[300];
    log_path_in(log, sizeof log, dir, "server.log");
    char defaults[12][600];
    const char *defs[13];
    server_defaults(defaults, dir, defs);
    char **env = build_env(extra, defs);
    char *argv[] = {(char *)PNYX_TEST_PNYXD, (char *)"serve", NULL};
    pid_t pid = spawn(argv, env, log);
    free_env(env);
    if (pid < 0)
        return -1;
    int st = 0, rc = -1;
    int64_t deadline = now_ms() + 15000;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            break;
        }
        if (w < 0 || now_ms() > deadline) { /* it served: not a refusal */
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            rc = -1;
            break;
        }
        msleep(10);
    }
    if (out && outlen) {
        out[0] = '\0';
        FILE *f = fopen(log, "r");
        if (f) {
            size_t n = fread(out, 1, outlen - 1, f);
            out[n] = '\0';
            fclose(f);
        }
    }
    if (!log_kept(log))
        unlink(log);
    rmdir(dir);
    return rc;
}

/* The first line of a sanitizer report in the log (static buffer), or
 * NULL. LeakSanitizer reports at exit, so this is read after the stop. */
static const char *sanitizer_report(const char *log_path)
{
    static char found[512];
    FILE *f = fopen(log_path, "r");
    if (!f)
        return NULL;
    char line[2048];
    const char *hit = NULL;
    while (!hit && fgets(line, sizeof line, f)) {
        if (strstr(line, "ERROR: LeakSanitizer") || strstr(line, "ERROR: AddressSanitizer") ||
            strstr(line, "WARNING: ThreadSanitizer") || strstr(line, "runtime error: ")) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(found, sizeof found, "%.500s", line);
            hit = found;
        }
    }
    fclose(f);
    return hit;
}

int h_server_stop(struct h_server *s)
{
    if (!s)
        return -1;
    int st = 0, rc = -1;
    kill(s->pid, SIGTERM);
    int64_t deadline = now_ms() + 15000;
    for (;;) {
        pid_t w = waitpid(s->pid, &st, WNOHANG);
        if (w == s->pid) {
            rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
            break;
        }
        if (w < 0 || now_ms() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            break;
        }
        msleep(10);
    }
    /* A sanitizer report or an unclean exit (a crash or a non-zero status at
     * SIGTERM, or no exit within 15 s) fails the test even when the caller
     * ignores the exit status (about half do). In the runner (the shared
     * server at POST_ALL) the non-zero status fails the suite instead. */
    const char *report = sanitizer_report(s->log_path);
    if (report && rc == 0)
        rc = -2;
    if (rc != 0) {
        fprintf(stderr, "pnyxd (pid %ld) stopped with status %d%s%s; the end of %s:\n%s\n",
                (long)s->pid, rc, report ? ", reporting: " : "", report ? report : "", s->log_path,
                h_server_log_tail(s));
        if (!g_runner)
            cr_expect_fail("pnyxd stopped with status %d%s%s (see %s)", rc,
                           report ? ", reporting: " : "", report ? report : "", s->log_path);
    }
    if (log_kept(s->log_path))
        rmdir(s->data_dir); /* empty unless the test put files there */
    free(s);
    return rc;
}

/* --- database setup (runner process) ------------------------------------- */

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static PGconn *admin_connect(char *err, size_t errlen)
{
    const char *host = getenv("PNYX_TEST_PGHOST");
    const char *port = getenv("PNYX_TEST_PGPORT");
    const char *user = getenv("PNYX_TEST_PGUSER");
    if (!host || !port) {
        snprintf(err, errlen,
                 "PNYX_TEST_PGHOST/PNYX_TEST_PGPORT not set: run the tests with ./scripts/test");
        return NULL;
    }
    const char *kw[] = {"host", "port", "user", "dbname", NULL};
    const char *val[] = {host, port, user ? user : "postgres", "postgres", NULL};
    PGconn *c = PQconnectdbParams(kw, val, 0);
    PQsetNoticeProcessor(c, quiet_notice, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the test cluster: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

static int admin_exec(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, errlen, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

static void binary_name(char *out, size_t len)
{
    char exe[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    const char *b = strrchr(exe, '/');
    b = b ? b + 1 : exe;
    size_t j = 0;
    for (; *b && j + 1 < len; b++)
        out[j++] = (char)((*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') ? *b : '_');
    out[j] = '\0';
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    g_runner = true;
    curl_global_init(CURL_GLOBAL_ALL);
    char err[400] = "";
    char bin[40];
    binary_name(bin, sizeof bin);
    snprintf(g_dbname, sizeof g_dbname, "pnyx_t_%s_%ld", bin, (long)getpid());
    PGconn *c = admin_connect(err, sizeof err);
    if (!c) {
        snprintf(g_setup_error, sizeof g_setup_error, "%s", err);
        setenv("PNYX_T_SETUP_ERROR", g_setup_error, 1);
        return;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", g_dbname);
    (void)admin_exec(c, sql, err, sizeof err);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", g_dbname);
    int rc = admin_exec(c, sql, err, sizeof err);
    PQfinish(c);
    if (rc != 0) {
        snprintf(g_setup_error, sizeof g_setup_error, "%s", err);
        setenv("PNYX_T_SETUP_ERROR", g_setup_error, 1);
        return;
    }
    snprintf(g_dburl, sizeof g_dburl, "postgresql:///%s?host=%s&port=%s&user=%s", g_dbname,
             getenv("PNYX_TEST_PGHOST"), getenv("PNYX_TEST_PGPORT"),
             getenv("PNYX_TEST_PGUSER") ? getenv("PNYX_TEST_PGUSER") : "postgres");
    snprintf(g_keyfile, sizeof g_keyfile, "/tmp/%s.signing.key", g_dbname);
    setenv("PNYX_T_KEY_FILE", g_keyfile, 1);
    if (run_migrate(g_dburl, err, sizeof err) != 0) {
        snprintf(g_setup_error, sizeof g_setup_error, "%s", err);
        setenv("PNYX_T_SETUP_ERROR", g_setup_error, 1);
        return;
    }
    setenv("PNYX_T_DB_URL", g_dburl, 1);
    g_shared = h_server_start(NULL);
    if (!g_shared) {
        snprintf(g_setup_error, sizeof g_setup_error, "shared pnyxd did not start");
        setenv("PNYX_T_SETUP_ERROR", g_setup_error, 1);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%u", g_shared->port);
    setenv("PNYX_T_SHARED_PORT", buf, 1);
    snprintf(buf, sizeof buf, "%ld", (long)g_shared->pid);
    setenv("PNYX_T_SHARED_PID", buf, 1);
    setenv("PNYX_T_SHARED_LOG", g_shared->log_path, 1);
}

static void post_all_cleanup(void);

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    /* The shared pnyxd must stop cleanly too: a sanitizer report, a leak or
     * a crash at shutdown fails the suite (after the clean-up below). */
    int shared_rc = 0;
    char shared_log[sizeof g_shared->log_path] = "";
    if (g_shared) {
        snprintf(shared_log, sizeof shared_log, "%s", g_shared->log_path);
        shared_rc = h_server_stop(g_shared);
    }
    g_shared = NULL;
    if (shared_rc != 0) {
        fprintf(stderr, "the shared pnyxd exited with status %d (-1: killed); the end of %s:\n",
                shared_rc, shared_log);
        FILE *f = fopen(shared_log, "r");
        if (f) {
            char tail[4096];
            if (fseek(f, -(long)sizeof tail, SEEK_END) != 0)
                rewind(f);
            size_t n = fread(tail, 1, sizeof tail, f);
            fwrite(tail, 1, n, stderr);
            fclose(f);
        }
        fflush(stderr);
    }
    post_all_cleanup();
    if (shared_rc != 0)
        _exit(1);
}

static void post_all_cleanup(void)
{
    if (!g_dbname[0] || !g_dburl[0])
        return;
    char err[400];
    PGconn *c = admin_connect(err, sizeof err);
    if (!c)
        return;
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", g_dbname);
    (void)admin_exec(c, sql, err, sizeof err);
    /* The extra databases of h_db_create. */
    snprintf(sql, sizeof sql, "SELECT datname FROM pg_database WHERE datname LIKE '%s\\_x%%'",
             g_dbname);
    PGresult *r = PQexec(c, sql);
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", PQgetvalue(r, i, 0));
        (void)admin_exec(c, sql, err, sizeof err);
    }
    PQclear(r);
    PQfinish(c);
    if (g_keyfile[0])
        unlink(g_keyfile);
}

const char *h_db_create(void)
{
    adopt_runner_setup();
    static int n;
    static char url[512];
    char err[400], name[128], sql[256];
    const char *base = strstr(g_dburl, "///");
    if (!base)
        return NULL;
    base += 3;
    size_t len = strcspn(base, "?");
    snprintf(name, sizeof name, "%.*s_x%d_%d", (int)len, base, (int)getpid(), ++n);
    PGconn *c = admin_connect(err, sizeof err);
    if (!c)
        return NULL;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    int rc = admin_exec(c, sql, err, sizeof err);
    PQfinish(c);
    if (rc != 0)
        return NULL;
    snprintf(url, sizeof url, "postgresql:///%s%s", name, base + len);
    return run_migrate(url, err, sizeof err) == 0 ? url : NULL;
}

int h_pnyxd_run(const char *const *args, const char *const *extra, char *out, size_t outlen)
{
    adopt_runner_setup();
    char dir[] = "/tmp/pnyx-test-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char log[300];
    log_path_in(log, sizeof log, dir, "pnyxd.log");
    char defaults[12][600];
    const char *defs[13];
    server_defaults(defaults, dir, defs);
    char **env = build_env(extra, defs);
    char *argv[16] = {(char *)PNYX_TEST_PNYXD};
    int n = 1;
    for (const char *const *a = args; a && *a && n < 15; a++)
        argv[n++] = (char *)*a;
    argv[n] = NULL;
    pid_t pid = spawn(argv, env, log);
    free_env(env);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    secret_signing_key(extra); /* `pnyxd keygen` made one */
    if (out && outlen) {
        out[0] = '\0';
        FILE *f = fopen(log, "r");
        if (f) {
            size_t k = fread(out, 1, outlen - 1, f);
            out[k] = '\0';
            fclose(f);
        }
    }
    if (!log_kept(log))
        unlink(log);
    rmdir(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- cluster control --------------------------------------------------------- */

static int run_shell(const char *var)
{
    const char *cmd = getenv(var);
    if (!cmd || !*cmd) {
        fprintf(stderr, "%s not set (scripts/test exports it)\n", var);
        return -1;
    }
    int st = system(cmd);
    return (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

int h_pg_stop(void)
{
    return run_shell("PNYX_TEST_PG_STOP");
}

int h_pg_start(void)
{
    return run_shell("PNYX_TEST_PG_START");
}

/* --- HTTP ---------------------------------------------------------------------- */

struct sink {
    char *p;
    size_t len;
};

static size_t sink_write(char *data, size_t size, size_t nmemb, void *cls)
{
    struct sink *s = cls;
    size_t n = size * nmemb;
    s->p = realloc(s->p, s->len + n + 1);
    memcpy(s->p + s->len, data, n);
    s->len += n;
    s->p[s->len] = '\0';
    return n;
}

static size_t header_write(char *data, size_t size, size_t nmemb, void *cls)
{
    struct sink *s = cls;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        s->len = 0; /* a new (final or 100-continue) response starts */
    return sink_write(data, size, nmemb, cls);
}

/* Contract recording (see harness.h): with PNYX_CONTRACT_DIR set
 * (scripts/test sets it), every response is appended as one JSON line
 * {src, method, path, status, content_type, headers, body} to
 * <dir>/it-<binary>-<pid>.jsonl, one file per process (Criterion forks each
 * test) and one write() per record, so lines never interleave.
 * tests/spec/check_responses.mjs validates them against
 * api-spec/openapi.yaml. A body that is not UTF-8 is recorded as null with
 * body_bytes; a path that is not, with its bytes ≥ 0x80 percent-encoded. */
static json_t *json_bytes_string(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    char *enc = malloc(len * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || c == 0)
            o += (size_t)sprintf(enc + o, "%%%02X", c);
        else
            enc[o++] = (char)c;
    }
    j = json_stringn(enc, o);
    free(enc);
    return j;
}

/* {"lower-case name": "value"} from a raw header block (status line and
 * blank lines skipped). */
static json_t *headers_object(const char *block)
{
    json_t *o = json_object();
    const char *p = block;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (colon && strncmp(p, "HTTP/", 5) != 0) {
            char name[128];
            size_t nl =
                (size_t)(colon - p) < sizeof name - 1 ? (size_t)(colon - p) : sizeof name - 1;
            for (size_t i = 0; i < nl; i++)
                name[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
            name[nl] = '\0';
            const char *v = colon + 1;
            while (v < p + len && (*v == ' ' || *v == '\t'))
                v++;
            json_t *val = json_bytes_string(v, (size_t)(p + len - v));
            if (val)
                json_object_set_new(o, name, val);
        }
        if (!eol)
            break;
        p = eol + 2;
    }
    return o;
}

void h_record(const char *method, const char *path, long status, const char *headers,
              const char *body, size_t body_len)
{
    const char *dir = getenv("PNYX_CONTRACT_DIR");
    if (!dir || !*dir)
        return;
    char bin[40];
    binary_name(bin, sizeof bin);
    char file[600];
    snprintf(file, sizeof file, "%s/it-%s-%ld.jsonl", dir, bin, (long)getpid());
    json_t *hdrs = headers_object(headers);
    json_t *ct = json_object_get(hdrs, "content-type");
    json_t *text = json_stringn(body ? body : "", body ? body_len : 0);
    json_t *rec = json_pack("{s:s, s:s, s:o, s:I, s:O, s:o, s:o}", "src", bin, "method", method,
                            "path", json_bytes_string(path, strlen(path)), "status",
                            (json_int_t)status, "content_type", ct ? ct : json_null(), "headers",
                            hdrs, "body", text ? text : json_null());
    if (rec && !text)
        json_object_set_new(rec, "body_bytes", json_integer((json_int_t)body_len));
    char *line = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    if (!line) {
        fprintf(stderr, "harness: cannot record %s %s for the contract check\n", method, path);
        return;
    }
    size_t n = strlen(line);
    line[n] = '\n'; /* the NUL becomes the line's end */
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, n + 1) != (ssize_t)(n + 1))
        fprintf(stderr, "harness: cannot write %s: %s\n", file, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(line);
}

void h_record_curl(void *curl, const char *method, const char *path, const char *body,
                   size_t body_len)
{
    if (!getenv("PNYX_CONTRACT_DIR"))
        return;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    struct sink h = {0};
    struct curl_header *prev = NULL, *hd;
    while ((hd = curl_easy_nextheader(curl, CURLH_HEADER, -1, prev)) != NULL) {
        char line[1024];
        int n = snprintf(line, sizeof line, "%s: %s\r\n", hd->name, hd->value);
        sink_write(line, 1, n > 0 && (size_t)n < sizeof line ? (size_t)n : 0, &h);
        prev = hd;
    }
    h_record(method, path, status, h.p, body, body_len);
    if (getenv("PNYX_SECRETS_FILE") && body) { /* what the reply hands out */
        json_t *j = json_loadb(body, body_len, 0, NULL);
        h_secrets_exchange(path, NULL, NULL, status, j, h.p);
        json_decref(j);
    }
    free(h.p);
}

struct h_resp *h_request(const struct h_server *s, const char *method, const char *path,
                         const char *body, const char *const *headers)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    char url[2600];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    struct sink b = {0}, h = {0};
    struct curl_slist *hl = NULL;
    bool has_ctype = false;
    for (const char *const *p = headers; p && *p; p++) {
        hl = curl_slist_append(hl, *p);
        if (strncasecmp(*p, "Content-Type:", 13) == 0)
            has_ctype = true;
    }
    if (body && !has_ctype)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    struct h_resp *r = NULL;
    if (rc == CURLE_OK) {
        r = calloc(1, sizeof(*r));
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        r->body = b.p ? b.p : strdup("");
        r->body_len = b.len;
        r->headers = h.p ? h.p : strdup("");
        b.p = h.p = NULL;
        const char *ct = h_header(r, "Content-Type");
        if (ct && strstr(ct, "json") && r->body_len)
            r->json = json_loadb(r->body, r->body_len, 0, NULL);
        h_record(method, path, r->status, r->headers, r->body, r->body_len);
    } else {
        fprintf(stderr, "curl %s %s: %s\n", method, path, curl_easy_strerror(rc));
    }
    h_secrets_exchange(path, body, headers, r ? r->status : 0, r ? r->json : NULL,
                       r ? r->headers : NULL);
    free(b.p);
    free(h.p);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return r;
}

struct h_resp *h_get(const struct h_server *s, const char *path)
{
    return h_request(s, "GET", path, NULL, NULL);
}

struct h_resp *h_post_json(const struct h_server *s, const char *path, const json_t *json,
                           const char *const *headers)
{
    char *text = json_dumps(json, JSON_COMPACT);
    struct h_resp *r = h_request(s, "POST", path, text, headers);
    free(text);
    return r;
}

const char *h_header(struct h_resp *r, const char *name)
{
    size_t nl = strlen(name);
    const char *p = r->headers;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vl = (size_t)(p + len - v);
            if (r->nhcopy == (int)(sizeof r->hcopy / sizeof r->hcopy[0]))
                return NULL;
            char *copy = strndup(v, vl);
            r->hcopy[r->nhcopy++] = copy;
            return copy;
        }
        if (!eol)
            break;
        p = eol + 2;
    }
    return NULL;
}

void h_resp_free(struct h_resp *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nhcopy; i++)
        free(r->hcopy[i]);
    json_decref(r->json);
    free(r->body);
    free(r->headers);
    free(r);
}

char *h_raw(const struct h_server *s, const char *raw, size_t len, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char *out = calloc(1, 1);
    size_t olen = 0;
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return out;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, raw + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - now_ms());
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            break;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        out = realloc(out, olen + (size_t)n + 1);
        memcpy(out + olen, buf, (size_t)n);
        olen += (size_t)n;
        out[olen] = '\0';
    }
    close(fd);
    return out;
}
