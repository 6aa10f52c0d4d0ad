/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * main.c — pnyxd entry point: `pnyxd serve [--migrate]`, `pnyxd migrate`,
 * `pnyxd keygen [--force]`, `pnyxd routes`, `pnyxd help`. Configuration
 * errors exit 2 with a one-line reason (also a signing key that is not
 * the deployment's); runtime failures (database unreachable, unapplied
 * migrations, port in use) exit 1.
 *
 * Migrations directory: PNYX_SQL_DIR, else ./sql, else
 * <directory of the binary>/../../sql (build/bin/pnyxd in a checkout).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "api/api.h"
#include "api/api_questions.h"
#include "api/api_selections.h"
#include "api/audit_key.h"
#include "api/audit_writer.h"
#include "api/translation_queue.h"
#include "api/witness_queue.h"
#include "api/worker.h"
#include "db/db.h"
#include "http/http.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/translator.h"

/* Why 10 s: longer than any request should take (argon2 ≈ 50 ms, queries
 * are short), shorter than the 30 s a container runtime waits before
 * SIGKILL. */
#define SHUTDOWN_GRACE_MS 10000

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pnyxd [serve [--migrate] | migrate | keygen [--force] | routes | help] "
            "[--key=value ...]\n"
            "commands:\n"
            "  serve     serve HTTP (the default); --migrate applies pending migrations first.\n"
            "            Creates the signing key on a new deployment's first start; refuses to\n"
            "            start (exit 2) when its key is not the one the database records, or\n"
            "            when it has no key file but the database records a key.\n"
            "  migrate   apply pending SQL migrations and exit\n"
            "  keygen    create the checkpoint signing key file (PNYX_SIGNING_KEY_FILE, else\n"
            "            PNYX_DATA_DIR/audit-signing.key); refuses to replace one unless --force.\n"
            "            Every node of a deployment serves with a copy of the same file.\n"
            "  routes    list the HTTP routes\n"
            "  help      this text\n"
            "configuration (environment variable, or --option=value):\n");
    config_print_help(out);
}

static int cmd_keygen(const struct pnyx_config *cfg, bool force)
{
    char vkey[NOTE_VKEY_MAX], err[512];
    int rc = audit_key_generate(cfg, force, vkey, sizeof vkey, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "pnyxd keygen: %s\n", err);
        return 2;
    }
    char path[4096];
    audit_key_path(cfg, path, sizeof path);
    printf("%s\n", vkey);
    fprintf(stderr, "pnyxd keygen: wrote %s (mode 0600); its public key is on stdout\n", path);
    return 0;
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Resolves cfg->sql_dir in place (see banner). Returns 0 or -1. */
static int resolve_sql_dir(struct pnyx_config *cfg)
{
    if (cfg->sql_dir && *cfg->sql_dir)
        return is_dir(cfg->sql_dir) ? 0 : -1;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char cand[PATH_MAX + 16];
    if (is_dir("sql")) {
        snprintf(cand, sizeof cand, "sql");
    } else if (n > 0) {
        exe[n] = '\0';
        snprintf(cand, sizeof cand, "%s/../../sql", dirname(exe));
        if (!is_dir(cand))
            return -1;
    } else {
        return -1;
    }
    free(cfg->sql_dir);
    cfg->sql_dir = realpath(cand, NULL);
    return cfg->sql_dir ? 0 : -1;
}

static int cmd_routes(void)
{
    for (size_t i = 0; i < api_routes_count; i++)
        printf("%s %s\n", api_method_name(api_routes[i].method), api_routes[i].pattern);
    return 0;
}

static int cmd_migrate(const struct pnyx_config *cfg)
{
    int applied = 0;
    enum db_status st = db_migrate_apply(db_thread_conn(), cfg->sql_dir, &applied);
    db_thread_close();
    if (st != DB_OK) {
        fprintf(stderr, "pnyxd: migration failed (%s)\n", db_status_name(st));
        return 1;
    }
    log_info("migrations: %d applied, database up to date (%s)", applied, cfg->sql_dir);
    return 0;
}

static int cmd_serve(const struct pnyx_config *cfg, bool migrate)
{
    struct db_conn *c = db_thread_conn();
    int pending = 0;
    enum db_status st = db_migrate_pending(c, cfg->sql_dir, &pending);
    if (st != DB_OK) {
        db_thread_close();
        fprintf(stderr, "pnyxd: cannot check migrations: database %s\n",
                st == DB_UNAVAILABLE ? "unreachable" : "error");
        return 1;
    }
    if (pending > 0 && !migrate) {
        db_thread_close();
        fprintf(stderr,
                "pnyxd: %d migration(s) not applied; run `pnyxd migrate` or `pnyxd serve "
                "--migrate`\n",
                pending);
        return 1;
    }
    if (pending > 0 && db_migrate_apply(c, cfg->sql_dir, NULL) != DB_OK) {
        db_thread_close();
        fprintf(stderr, "pnyxd: migration failed\n");
        return 1;
    }
    db_thread_close(); /* the main thread serves nothing */
    db_set_run_twice(cfg->txn_run_twice);
    if (cfg->txn_run_twice)
        log_warn("PNYX_TXN_RUN_TWICE: every transaction body runs twice (a test setting)");

    /* A key that cannot be read or created is a configuration error; find
     * it now rather than at the first checkpoint request. */
    /* Several nodes, one key: the first start records its key, a node
     * with another key (or none) is refused. */
    api_audit_writer_init();
    char kerr[1024];
    c = db_thread_conn();
    st = audit_key_start(c, cfg, kerr, sizeof kerr);
    db_thread_close();
    if (st == DB_REFUSED) {
        fprintf(stderr, "pnyxd: %s\n", kerr);
        return 2;
    }
    if (st != DB_OK) {
        fprintf(stderr, "pnyxd: %s\n", kerr);
        return 1;
    }

    /* Block the stop signals before any thread exists, so only sigwait()
     * below receives them. */
    sigset_t stop;
    /* A shell runs background jobs with SIGINT ignored; an ignored signal
     * is discarded even when blocked, so restore the default first. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    /* The translator is chosen before serving: requests queue jobs for the
     * languages it reaches and list its pairs. */
    char err[512];
    if (translation_init(cfg, err, sizeof err) != 0 || witness_config(cfg, err, sizeof err) != 0) {
        fprintf(stderr, "pnyxd: %s\n", err);
        return 2;
    }
    /* After the migrations (a long one must not be cut): bounds every
     * statement's wait on a silent database (issue 13, db/db.h). */
    db_set_wait_bound(cfg->db_timeout * 1000);
    db_set_warm(true); /* every connection from here on serves requests or jobs */
    unsigned runners = cfg->group_runners > 0 ? db_group_start(cfg->group_runners) : 0;
    struct http_server *srv = http_start(cfg, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "pnyxd: %s\n", err);
        db_group_stop();
        return 1;
    }
    /* Background workers start after the server (never in its way) and
     * with the stop signals blocked like every other thread. */
    unsigned workers = translation_workers_start(cfg);
    /* One optimiser worker (LEXIMIN is CPU-bound; runs queue behind it). */
    workers += selection_workers_start(cfg->workers > 0 ? 1 : 0, cfg->sortition_budget);
    /* The questions scheduler: opens and closes questions at their times. */
    workers += questions_workers_start(cfg->workers > 0 ? 1 : 0);
    workers += witness_workers_start(cfg); /* issue 12: PNYX_WITNESSES */
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    log_info("pnyxd serving on http://%s%s%s:%u/ (%u threads, %u group-commit runners, %u "
             "background workers)",
             v6 ? "[" : "", cfg->listen_host, v6 ? "]" : "", http_bound_port(srv), cfg->threads,
             runners, workers);
    int sig = 0;
    sigwait(&stop, &sig);
    log_info("received %s; finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_stop(srv, SHUTDOWN_GRACE_MS);
    /* A worker's group-committed store needs the runners: stop workers
     * first (each finishes its current job; an unfinished one is retaken
     * when its lease expires). */
    translator_cancel_all(true); /* a running Apertium job must not hold the exit up */
    worker_stop_all();
    db_group_stop();
    log_info("pnyxd stopped");
    return 0;
}

int main(int argc, char **argv)
{
    struct pnyx_config cfg;
    char err[320];
    bool *rest = calloc((size_t)argc + 1, sizeof(bool));
    if (!rest)
        return 1;
    if (config_load(&cfg, argc, argv, rest, err, sizeof err) != 0) {
        fprintf(stderr, "pnyxd: %s\n", err);
        free(rest);
        return 2;
    }
    const char *cmd = NULL;
    bool migrate = false, force = false;
    for (int i = 1; i < argc; i++) {
        if (!rest[i])
            continue;
        if (strcmp(argv[i], "--migrate") == 0) {
            migrate = true;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cmd = "help";
        } else if (argv[i][0] != '-' && !cmd) {
            cmd = argv[i];
        } else {
            fprintf(stderr, "pnyxd: unknown argument %s (see pnyxd help)\n", argv[i]);
            free(rest);
            config_fini(&cfg);
            return 2;
        }
    }
    free(rest);
    if (!cmd)
        cmd = "serve";
    int rc = 2;
    log_set_level(cfg.log_level);
    /* Jansson's hash seed and libsodium are process-global: initialise
     * both before any thread starts (Jansson threadsafety.rst). */
    json_object_seed(0);
    if (sodium_init() < 0) {
        fprintf(stderr, "pnyxd: libsodium failed to initialise\n");
        config_fini(&cfg);
        return 1;
    }
    /* Why 2 malloc arenas: glibc gives each thread its own 64 MiB arena by
     * default; pool threads allocate little, and fewer arenas keep idle RSS
     * low at no measurable throughput cost. */
    mallopt(M_ARENA_MAX, 2);
    signal(SIGPIPE, SIG_IGN);

    if (strcmp(cmd, "routes") == 0) {
        rc = cmd_routes();
    } else if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        rc = 0;
    } else if (strcmp(cmd, "keygen") == 0) {
        rc = cmd_keygen(&cfg, force);
    } else if (strcmp(cmd, "serve") == 0 || strcmp(cmd, "migrate") == 0) {
        if (force) {
            fprintf(stderr, "pnyxd: --force only applies to keygen\n");
        } else if (migrate && strcmp(cmd, "serve") != 0) {
            fprintf(stderr, "pnyxd: --migrate only applies to serve\n");
        } else if (resolve_sql_dir(&cfg) != 0) {
            fprintf(stderr, "pnyxd: PNYX_SQL_DIR: migrations directory not found (%s)\n",
                    cfg.sql_dir && *cfg.sql_dir ? cfg.sql_dir : "tried ./sql and <bin>/../../sql");
        } else {
            db_global_init(cfg.database_url);
            db_global_init_read(cfg.database_read_url);
            rc = strcmp(cmd, "serve") == 0 ? cmd_serve(&cfg, migrate) : cmd_migrate(&cfg);
        }
    } else {
        fprintf(stderr, "pnyxd: unknown command %s (serve, migrate, keygen, routes, help)\n", cmd);
    }
    config_fini(&cfg);
    return rc;
}
