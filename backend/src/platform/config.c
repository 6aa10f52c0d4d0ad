/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/config.c — the declarative configuration table and its parser
 * (Redis static_configs, PG guc_tables.c, PgBouncer CF_ABS). Order of
 * precedence: default < environment PNYX_<KEY> < --<key>=value.
 *
 * PNYX_SQL_DIR default (""): pnyxd looks for migrations in, in order,
 * $PNYX_SQL_DIR, ./sql, and <dir of the binary>/../../sql (build/bin/pnyxd
 * in a checkout) — resolved by main.c, which knows argv[0].
 */
#include "platform/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/arena.h"

enum cfg_type {
    CFG_STRING,
    CFG_UINT,   /* unsigned, stored in the field's own width (see size) */
    CFG_INT64,  /* int64_t */
    CFG_BOOL,   /* 0/1, true/false, yes/no, on/off */
    CFG_LEVEL,  /* log level name */
    CFG_LISTEN, /* host:port */
};

struct cfg_key {
    const char *name; /* environment variable; option = lower-case name minus PNYX_ */
    enum cfg_type type;
    const char *def; /* default as text; NULL = computed (see apply_computed) */
    int64_t min, max;
    size_t offset;
    size_t size; /* for CFG_UINT: sizeof the field */
    const char *help;
};

#define OFF(f) offsetof(struct pnyx_config, f)
#define SZ(f)  sizeof(((struct pnyx_config *)0)->f)
#define DAY    (24 * 3600)
#define STR(nm, f, d, h)                                                                           \
    {                                                                                              \
        nm, CFG_STRING, d, 0, 0, OFF(f), 0, h                                                      \
    }
#define UINT(nm, f, d, lo, hi, h)                                                                  \
    {                                                                                              \
        nm, CFG_UINT, d, lo, hi, OFF(f), SZ(f), h                                                  \
    }
#define I64(nm, f, d, lo, hi, h)                                                                   \
    {                                                                                              \
        nm, CFG_INT64, d, lo, hi, OFF(f), 0, h                                                     \
    }

static const struct cfg_key keys[] = {
    {"PNYX_LISTEN", CFG_LISTEN, "127.0.0.1:8080", 0, 0, OFF(listen), 0,
     "address:port to serve on ([v6]:port accepted; port 0 = any free port)"},
    STR("PNYX_DATABASE_URL", database_url, "",
        "libpq connection URI/string; empty = libpq defaults (PGHOST, …); several hosts with "
        "target_session_attrs=read-write find the primary after a failover"),
    STR("PNYX_DATABASE_READ_URL", database_read_url, "",
        "optional libpq string of a hot standby (e.g. target_session_attrs=prefer-standby) for "
        "reads that tolerate a bounded lag: anonymous lists, audit proofs, boards and results of "
        "tallied questions; any other answer than success there is retried on the primary; "
        "empty = every read on the primary"),
    STR("PNYX_DATA_DIR", data_dir, ".pnyx",
        "private state directory (scripts/run keeps its PostgreSQL cluster here)"),
    STR("PNYX_STATIC_DIR", static_dir, "static", "directory of the web frontend"),
    STR("PNYX_SQL_DIR", sql_dir, "",
        "directory of NNN_name.sql migrations; empty = ./sql or <binary>/../../sql"),
    UINT("PNYX_THREADS", threads, NULL, 1, 256,
         "worker threads (each with one database connection); default: online cores"),
    UINT("PNYX_GROUP_RUNNERS", group_runners, NULL, 0, 16,
         "threads that run an assembly's queued changes as one commit (each with one database "
         "connection); 0 = the queued requests take turns; default: PNYX_THREADS, at most 16"),
    {"PNYX_TXN_RUN_TWICE", CFG_BOOL, "0", 0, 1, OFF(txn_run_twice), 0,
     "1 = run every transaction body twice (rolled back to a savepoint in between): a test "
     "setting that proves bodies re-runnable; never in production"},
    {"PNYX_COOKIE_SECURE", CFG_BOOL, "0", 0, 1, OFF(cookie_secure), 0,
     "1 = session cookie is __Host-pnyx_session with Secure (HTTPS deployments)"},
    {"PNYX_LOG_LEVEL", CFG_LEVEL, "info", 0, 0, OFF(log_level), 0, "debug, info, warn or error"},
    UINT("PNYX_ARGON2_M_KIB", argon2_m_kib, "19456", 8, 4194304, "argon2id memory cost in KiB"),
    UINT("PNYX_ARGON2_T", argon2_t, "2", 1, 100, "argon2id iterations"),
    UINT("PNYX_ARGON2_P", argon2_p, "1", 1, 64, "argon2id parallelism"),
    I64("PNYX_SESSION_MAX_AGE", session_max_age, "2592000", 1, 366LL * DAY,
        "session absolute lifetime in seconds (default 30 days)"),
    I64("PNYX_SESSION_IDLE", session_idle, "604800", 1, 366LL * DAY,
        "session idle timeout in seconds (default 7 days)"),
    UINT("PNYX_LOGIN_MAX_FAILURES", login_max_failures, "10", 1, 1000000,
         "failed logins of one account (or of one known device) before it is locked"),
    I64("PNYX_LOGIN_WINDOW", login_window, "900", 1, 7LL * DAY,
        "seconds after which an idle, unlocked failure count is forgotten; also the window "
        "of the per-address count"),
    I64("PNYX_LOGIN_LOCK", login_lock, "60", 1, 7LL * DAY,
        "seconds of the first account lock; each further failure doubles it"),
    I64("PNYX_LOGIN_LOCK_MAX", login_lock_max, "3600", 1, 30LL * DAY,
        "longest account lock in seconds"),
    UINT("PNYX_LOGIN_ADDR_ACCOUNTS", login_addr_max, "20", 0, 1000000,
         "distinct accounts one client address may fail to log in to within the window before "
         "it is refused (0 = no per-address limit)"),
    I64("PNYX_DEVICE_MAX_AGE", device_max_age, "31536000", 60, 5LL * 366 * DAY,
        "lifetime in seconds of the pnyx_device cookie that lets a browser which logged in "
        "before through an account lock"),
    STR("PNYX_LOG_ORIGIN", log_origin, NULL,
        "origin line of signed audit checkpoints; default: host part of PNYX_LISTEN"),
    STR("PNYX_SIGNING_KEY_FILE", signing_key_file, NULL,
        "Ed25519 checkpoint signing key; default: $PNYX_DATA_DIR/audit-signing.key"),
    /* Why 4,096: a thousand idle keep-alive connections and a few hundred
     * slow ones must not lock other clients out (tests/reliability/
     * load_slow_clients); the open-file limit is raised to match. */
    UINT("PNYX_MAX_CONNECTIONS", max_connections, "4096", 1, 1000000,
         "open HTTP connections in total; beyond it new ones are refused"),
    UINT("PNYX_MAX_PER_IP", max_per_ip, "256", 1, 1000000,
         "open HTTP connections per client address (behind a proxy: raise it)"),
    /* issue 15: behind HAProxy every connection comes from the proxy; see
     * base_forwarded_client (core/base/netaddr.c) for what is believed. */
    STR("PNYX_TRUSTED_PROXIES", trusted_proxies, "",
        "addresses or networks (a.b.c.d/n, ipv6/n; comma-separated) of reverse proxies whose "
        "X-Forwarded-For gives the client address (login throttle, /metrics, logs); empty = "
        "the header is ignored"),
    UINT("PNYX_CONN_MEMORY", conn_memory, "32768", 8192, 16777216,
         "bytes of memory per connection for headers (bodies are capped per route)"),
    UINT("PNYX_CONN_TIMEOUT", conn_timeout, "30", 1, 3600,
         "seconds before an idle connection is closed"),
    /* Why 30 s: as long as the idle timeout; a real client sends a request
     * (headers and a body of ≤ 1 MiB) in well under a second. */
    UINT("PNYX_REQUEST_TIMEOUT", request_timeout, "30", 0, 3600,
         "seconds a connection has to send a whole request (head and body) after it opens or "
         "after its previous request; past it the connection is closed (a client sending a "
         "byte a second keeps PNYX_CONN_TIMEOUT from ever expiring); 0 = no limit"),
    /* issue 13: db_set_wait_bound (db/db.h) */
    UINT("PNYX_DB_TIMEOUT", db_timeout, "4", 0, 3600,
         "seconds a statement waits for the database before pnyxd checks it still answers new "
         "connections (2 s); if not, the statement is cut and answered 503; 0 = wait forever"),
    STR("PNYX_METRICS_TOKEN", metrics_token, "",
        "/metrics also answers clients sending \"Authorization: Bearer <this>\"; empty = only "
        "loopback clients (others get 403)"),
    /* Background work and machine translation (issue 10). */
    UINT("PNYX_WORKERS", workers, "1", 0, 16,
         "translation worker threads (each with one database connection); 0 = this pnyxd runs "
         "no background jobs (another one on the same database may)"),
    STR("PNYX_TRANSLATOR", translator, "",
        "machine translator: apertium, none or command:<absolute path>; empty = apertium when "
        "installed, else none"),
    STR("PNYX_APERTIUM_BIN", apertium_bin, "apertium", "the apertium program (searched on PATH)"),
    UINT("PNYX_TRANSLATOR_TIMEOUT", translator_timeout, "60", 1, 3600,
         "seconds one translator run may take before it is killed (the job is retried)"),
    UINT("PNYX_TRANSLATION_ATTEMPTS", translation_attempts, "5", 1, 100,
         "attempts of a translation job (with exponential backoff) before it is marked failed"),
    STR("PNYX_WITNESSES", witnesses, "",
        "C2SP tlog-witnesses to submit each new checkpoint to: comma-separated VKEY@URL "
        "(cosigner vkey, http:// add-checkpoint prefix); empty = none"),
    UINT("PNYX_TRANSLATION_BACKOFF", translation_backoff, "10", 0, 86400,
         "seconds before a failed translation job's first retry; doubled after each attempt"),
    /* issue 14: the selection optimiser's time budget, as the CLI's
     * --budget (core/sortition/README.md, Time budget). */
    UINT("PNYX_SORTITION_BUDGET", sortition_budget, "240", 0, 86400,
         "seconds an optimiser run may spend on column generation before it stops with a valid "
         "distribution and its proven gap; 0 = no limit"),
};

static int parse_int64(const char *s, int64_t *out)
{
    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < PNYX_ARRAY_LEN(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int parse_listen(struct pnyx_config *cfg, const char *s)
{
    const char *colon;
    char *host;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        host = strndup(s + 1, (size_t)(close - s - 1));
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || colon == s)
            return -1;
        host = strndup(s, (size_t)(colon - s));
    }
    if (!host)
        return -1;
    int64_t port;
    if (!*host || parse_int64(colon + 1, &port) != 0 || port < 0 || port > 65535) {
        free(host);
        return -1;
    }
    free(cfg->listen_host);
    cfg->listen_host = host;
    cfg->listen_port = (uint16_t)port;
    return 0;
}

/* Applies one textual value to its field. Returns 0 or -1 (err written). */
static int apply(struct pnyx_config *cfg, const struct cfg_key *k, const char *v, char *err,
                 size_t errlen)
{
    char *base = (char *)cfg;
    switch (k->type) {
    case CFG_STRING: {
        char **f = (char **)(base + k->offset);
        free(*f);
        *f = pnyx_xstrdup(v);
        return 0;
    }
    case CFG_LISTEN: {
        if (parse_listen(cfg, v) != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not host:port (port 0..65535)", k->name, v);
            return -1;
        }
        free(cfg->listen);
        cfg->listen = pnyx_xstrdup(v);
        return 0;
    }
    case CFG_BOOL: {
        if (parse_bool(v, (bool *)(base + k->offset)) != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not a boolean (0 or 1)", k->name, v);
            return -1;
        }
        return 0;
    }
    case CFG_LEVEL: {
        if (log_level_parse(v, (enum log_level *)(base + k->offset)) != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not one of debug, info, warn, error", k->name, v);
            return -1;
        }
        return 0;
    }
    case CFG_UINT:
    case CFG_INT64: {
        int64_t x;
        if (parse_int64(v, &x) != 0 || x < k->min || x > k->max) {
            char range[96];
            snprintf(range, sizeof range, "an integer in %" PRId64 "..%" PRId64, k->min, k->max);
            snprintf(err, errlen, "%s: \"%.200s\" is not %s", k->name, v, range);
            return -1;
        }
        if (k->type == CFG_INT64) {
            *(int64_t *)(base + k->offset) = x;
        } else if (k->size == sizeof(uint16_t)) {
            *(uint16_t *)(base + k->offset) = (uint16_t)x;
        } else if (k->size == sizeof(uint32_t)) {
            *(uint32_t *)(base + k->offset) = (uint32_t)x;
        } else {
            *(uint64_t *)(base + k->offset) = (uint64_t)x;
        }
        return 0;
    }
    }
    return -1;
}

/* "PNYX_DATABASE_URL" matches "database-url" and "database_url". */
static bool option_matches(const char *env_name, const char *opt, size_t optlen)
{
    const char *n = env_name + 5; /* skip "PNYX_" */
    if (strlen(n) != optlen)
        return false;
    for (size_t i = 0; i < optlen; i++) {
        char c = opt[i] == '-' ? '_' : (char)toupper((unsigned char)opt[i]);
        if (c != n[i])
            return false;
    }
    return true;
}

static void apply_computed(struct pnyx_config *cfg, const bool *set)
{
    for (size_t i = 0; i < PNYX_ARRAY_LEN(keys); i++) {
        if (set[i] || keys[i].def)
            continue;
        if (keys[i].offset == OFF(threads)) {
            long n = sysconf(_SC_NPROCESSORS_ONLN);
            cfg->threads = n < 1 ? 1u : (n > 256 ? 256u : (unsigned)n);
        } else if (keys[i].offset == OFF(group_runners)) {
            /* threads is earlier in keys[], so already final here */
            cfg->group_runners = cfg->threads < 16 ? cfg->threads : 16;
        } else if (keys[i].offset == OFF(log_origin)) {
            cfg->log_origin = pnyx_xstrdup(cfg->listen_host);
        } else if (keys[i].offset == OFF(signing_key_file)) {
            size_t n = strlen(cfg->data_dir) + sizeof "/audit-signing.key";
            cfg->signing_key_file = pnyx_xmalloc(n);
            snprintf(cfg->signing_key_file, n, "%s/audit-signing.key", cfg->data_dir);
        }
    }
}

int config_load(struct pnyx_config *cfg, int argc, char *const *argv, bool *rest, char *err,
                size_t errlen)
{
    bool set[PNYX_ARRAY_LEN(keys)] = {false};
    memset(cfg, 0, sizeof(*cfg));
    if (errlen)
        err[0] = '\0';
    for (size_t i = 0; i < PNYX_ARRAY_LEN(keys); i++) {
        if (keys[i].def && apply(cfg, &keys[i], keys[i].def, err, errlen) != 0)
            goto fail; /* a bad default is a bug; still fail cleanly */
    }
    for (size_t i = 0; i < PNYX_ARRAY_LEN(keys); i++) {
        const char *v = getenv(keys[i].name);
        if (!v)
            continue;
        if (apply(cfg, &keys[i], v, err, errlen) != 0)
            goto fail;
        set[i] = true;
    }
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (rest)
            rest[a] = true;
        if (strncmp(arg, "--", 2) != 0)
            continue;
        const char *eq = strchr(arg, '=');
        if (!eq)
            continue; /* flags like --migrate belong to the caller */
        const char *opt = arg + 2;
        size_t optlen = (size_t)(eq - opt);
        bool found = false;
        for (size_t i = 0; i < PNYX_ARRAY_LEN(keys); i++) {
            if (!option_matches(keys[i].name, opt, optlen))
                continue;
            if (apply(cfg, &keys[i], eq + 1, err, errlen) != 0)
                goto fail;
            set[i] = true;
            found = true;
            if (rest)
                rest[a] = false;
            break;
        }
        if (!found && !rest) {
            snprintf(err, errlen, "unknown option %.*s", (int)(eq - arg), arg);
            goto fail;
        }
    }
    apply_computed(cfg, set);
    if (base_netlist_parse(cfg->trusted_proxies, &cfg->trusted_net) != 0) {
        snprintf(err, errlen,
                 "PNYX_TRUSTED_PROXIES: \"%.200s\" is not a list of at most %d addresses or "
                 "address/prefix networks",
                 cfg->trusted_proxies, BASE_NETLIST_MAX);
        goto fail;
    }
    return 0;
fail:
    config_fini(cfg);
    return -1;
}

void config_fini(struct pnyx_config *cfg)
{
    for (size_t i = 0; i < PNYX_ARRAY_LEN(keys); i++) {
        if (keys[i].type == CFG_STRING || keys[i].type == CFG_LISTEN) {
            char **f = (char **)((char *)cfg + keys[i].offset);
            free(*f);
            *f = NULL;
        }
    }
    free(cfg->listen_host);
    cfg->listen_host = NULL;
}

void config_print_help(FILE *out)
{
    for (size_t i = 0; i < PNYX_ARRAY_LEN(keys); i++) {
        const struct cfg_key *k = &keys[i];
        char opt[64];
        size_t j = 0;
        for (const char *p = k->name + 5; *p && j + 1 < sizeof opt; p++)
            opt[j++] = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
        opt[j] = '\0';
        fprintf(out, "  %-24s --%-20s default: %s\n      %s\n", k->name, opt,
                k->def ? (*k->def ? k->def : "(empty)") : "(computed)", k->help);
    }
}
