/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/config.h — pnyxd configuration: one declarative table (config.c)
 * of keys with type, default, bounds and description, read from the
 * environment (PNYX_*) and overridden by command-line options
 * (--listen=…, --database-url=…: the key without PNYX_, lower case, '_' or
 * '-'). Parsed once at startup into an immutable struct pnyx_config that is
 * passed down by pointer (borrowed) and never mutated afterwards.
 * Any invalid value refuses to start: config_load returns -1 with a
 * one-line reason, and main exits 2.
 */
#ifndef PNYX_PLATFORM_CONFIG_H
#define PNYX_PLATFORM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/base/base.h"
#include "platform/compiler.h"
#include "platform/log.h"

struct pnyx_config {
    /* PNYX_LISTEN "host:port" (IPv4, [IPv6] or a name); port 0 = any free. */
    char *listen;                /* as given */
    char *listen_host;           /* host part, brackets stripped */
    uint16_t listen_port;        /* port part */
    char *database_url;          /* PNYX_DATABASE_URL; "" = libpq defaults (PG* env) */
    char *database_read_url;     /* PNYX_DATABASE_READ_URL; "" = reads on the primary */
    char *data_dir;              /* PNYX_DATA_DIR, default ".pnyx" */
    char *static_dir;            /* PNYX_STATIC_DIR, default "static" */
    char *sql_dir;               /* PNYX_SQL_DIR; "" = auto-detect (see config.c) */
    unsigned threads;            /* PNYX_THREADS, default: online cores */
    unsigned group_runners;      /* PNYX_GROUP_RUNNERS, default: min(threads, 16) */
    bool cookie_secure;          /* PNYX_COOKIE_SECURE 0/1 */
    bool txn_run_twice;          /* PNYX_TXN_RUN_TWICE 0/1 (tests): db_set_run_twice */
    enum log_level log_level;    /* PNYX_LOG_LEVEL debug|info|warn|error */
    uint32_t argon2_m_kib;       /* PNYX_ARGON2_M_KIB, default 19456 */
    uint32_t argon2_t;           /* PNYX_ARGON2_T, default 2 */
    uint32_t argon2_p;           /* PNYX_ARGON2_P, default 1 */
    int64_t session_max_age;     /* PNYX_SESSION_MAX_AGE seconds, default 30 days */
    int64_t session_idle;        /* PNYX_SESSION_IDLE seconds, default 7 days */
    unsigned login_max_failures; /* PNYX_LOGIN_MAX_FAILURES, default 10 */
    int64_t login_window;        /* PNYX_LOGIN_WINDOW seconds, default 900 */
    int64_t login_lock;          /* PNYX_LOGIN_LOCK seconds, default 60 */
    int64_t login_lock_max;      /* PNYX_LOGIN_LOCK_MAX seconds, default 3600 */
    unsigned login_addr_max;     /* PNYX_LOGIN_ADDR_ACCOUNTS, default 20 */
    int64_t device_max_age;      /* PNYX_DEVICE_MAX_AGE seconds, default 365 days */
    char *witnesses;             /* PNYX_WITNESSES "VKEY@URL,…" (issue 12); "" = none */
    char *log_origin;            /* PNYX_LOG_ORIGIN, default: host part of listen */
    char *signing_key_file;      /* PNYX_SIGNING_KEY_FILE, default $DATA_DIR/audit-signing.key */
    unsigned max_connections;    /* PNYX_MAX_CONNECTIONS, total open connections */
    unsigned max_per_ip;         /* PNYX_MAX_PER_IP, per client address */
    size_t conn_memory;          /* PNYX_CONN_MEMORY bytes per connection (MHD pool) */
    unsigned conn_timeout;       /* PNYX_CONN_TIMEOUT idle seconds */
    unsigned request_timeout;    /* PNYX_REQUEST_TIMEOUT seconds to send a whole request; 0 = off */
    unsigned db_timeout;         /* PNYX_DB_TIMEOUT seconds (db_set_wait_bound) */
    char *metrics_token;         /* PNYX_METRICS_TOKEN; "" = /metrics for loopback clients only */
    /* Background work and machine translation (issue 10, api/worker.h). */
    unsigned workers;            /* PNYX_WORKERS translation worker threads; 0 = none */
    char *translator;            /* PNYX_TRANSLATOR "" (auto) | apertium | none | command:<path> */
    char *apertium_bin;          /* PNYX_APERTIUM_BIN, default "apertium" (found on PATH) */
    unsigned translator_timeout; /* PNYX_TRANSLATOR_TIMEOUT seconds per translator run */
    unsigned translation_attempts; /* PNYX_TRANSLATION_ATTEMPTS before a job is failed */
    unsigned translation_backoff;  /* PNYX_TRANSLATION_BACKOFF seconds, doubled per attempt */
    unsigned sortition_budget;     /* PNYX_SORTITION_BUDGET seconds per optimiser run; 0 = none */

    /* PNYX_TRUSTED_PROXIES (issue 15): as given, and parsed into the
     * networks whose X-Forwarded-For is believed (core/base/netaddr.c). */
    char *trusted_proxies;
    struct base_netlist trusted_net;
};

/* Loads defaults, then environment, then argv overrides of the form
 * --key=value (argv entries that are not config keys are left for the
 * caller and reported through `rest`: rest[i] = true means "not a config
 * option"; rest may be NULL, then unknown --options are an error).
 * On success returns 0 and fills *cfg (free with config_fini). On error
 * returns -1 and writes a one-line reason (no newline) into err. */
int config_load(struct pnyx_config *cfg, int argc, char *const *argv, bool *rest, char *err,
                size_t errlen) PNYX_NONNULL(1, 5) PNYX_MUSTCHECK;

/* Frees the strings owned by cfg. */
void config_fini(struct pnyx_config *cfg);

/* Prints every key, its default and description (for --help / README). */
void config_print_help(FILE *out) PNYX_NONNULL(1);

#endif /* PNYX_PLATFORM_CONFIG_H */
