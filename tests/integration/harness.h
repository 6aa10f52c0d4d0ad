/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/integration/harness.h — real pnyxd over real HTTP against a real
 * PostgreSQL (the throwaway cluster scripts/test starts and exports as
 * PNYX_TEST_PGHOST / PNYX_TEST_PGPORT).
 *
 * Per test binary (in Criterion's runner process, before any test):
 *   a fresh database pnyx_t_<binary>_<pid> is created, `pnyxd migrate`
 *   applied to it, and one shared pnyxd started on a free loopback port
 *   (h_shared()). After all tests the server is stopped and the database
 *   dropped. Tests run in forked children and may run two at a time, so
 *   they must not assume an empty database: use unique e-mails (h_unique).
 *
 * Tests that need their own configuration (short session lifetime, a
 * server to SIGTERM) call h_server_start(env) and h_server_stop(). Servers
 * die with the test process (PR_SET_PDEATHSIG), even after a failed assert.
 *
 * Default server environment (override through `env`): PNYX_THREADS=2,
 * PNYX_LOG_LEVEL=info, PNYX_ARGON2_M_KIB=1024 and PNYX_ARGON2_T=1 (fast
 * hashes for tests), static/ and sql/ of the source tree, a temporary
 * PNYX_DATA_DIR, PNYX_TXN_RUN_TWICE=1 (every transaction body runs twice)
 * and one PNYX_SIGNING_KEY_FILE for all servers of the binary (its
 * database records one deployment key). Each server's log is kept in its
 * data dir, or, when PNYX_RUN_LOG_DIR is set (scripts/test), in that
 * directory as <binary>-<pid>-<n>.log, kept after the server stops, so the
 * run's secret check greps every server log; on failure
 * h_server_log_tail() shows the end of it. h_server_stop fails the
 * calling test when the server does not exit 0 or its log holds a
 * sanitizer report (LeakSanitizer's at exit included), whatever the caller
 * does with the exit status.
 */
#ifndef PNYX_TESTS_HARNESS_H
#define PNYX_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct h_server {
    pid_t pid;
    uint16_t port;
    char base[64];      /* "http://127.0.0.1:PORT" */
    char data_dir[256]; /* temporary PNYX_DATA_DIR (holds server.log) */
    char log_path[300];
};

struct h_resp {
    long status;
    char *body; /* NUL-terminated */
    size_t body_len;
    json_t *json;    /* parsed body when it is JSON, else NULL (owned) */
    char *headers;   /* raw response header block of the final response */
    char *hcopy[16]; /* private: values returned by h_header */
    int nhcopy;
};

/* libpq URL of this binary's database. */
const char *h_db_url(void);
/* The server shared by every test of this binary (never NULL once the
 * runner started; tests fail if it could not start). */
struct h_server *h_shared(void);

/* Starts a dedicated pnyxd with extra environment ("KEY=VALUE" entries,
 * NULL-terminated; may be NULL). Waits for /healthz. NULL on failure. */
struct h_server *h_server_start(const char *const *env);
/* Runs pnyxd serve with extra environment, expecting it to refuse to
 * start: returns its exit status (-1 if it was still running after 15 s,
 * then killed), with the start of its log in out. */
int h_server_refuses(const char *const *env, char *out, size_t outlen);
/* Runs pnyxd with args (NULL-terminated, after the program name) and extra
 * environment to completion: returns its exit status, with its stdout and
 * stderr in out. */
int h_pnyxd_run(const char *const *args, const char *const *env, char *out, size_t outlen);
/* Creates another migrated database on the test cluster (dropped after
 * the binary's tests) and returns its URL (static buffer, valid until the
 * next call): a deployment of its own, e.g. with no signing key recorded. */
const char *h_db_create(void);
/* Sends SIGTERM and waits (≤ 15 s, then SIGKILL). Returns the exit status
 * as from waitpid's WEXITSTATUS, -1 if it was killed, -2 if it exited 0 but
 * its log holds a sanitizer report; in a test, any non-zero result also
 * fails the test (cr_expect_fail). Frees s. */
int h_server_stop(struct h_server *s);
/* Last ~4 KiB of the server log (static buffer), for failure messages. */
const char *h_server_log_tail(const struct h_server *s);

/* HTTP. headers: NULL-terminated "Name: value" list, may be NULL. body
 * may be NULL; when non-NULL, Content-Type defaults to application/json
 * unless given in headers. Returns NULL only if the transfer failed. */
struct h_resp *h_request(const struct h_server *s, const char *method, const char *path,
                         const char *body, const char *const *headers);
struct h_resp *h_get(const struct h_server *s, const char *path);
/* POSTs json (borrowed) serialised compactly. */
struct h_resp *h_post_json(const struct h_server *s, const char *path, const json_t *json,
                           const char *const *headers);
/* Header value of the final response (case-insensitive name), malloc'd
 * copy owned by the response; NULL if absent. */
const char *h_header(struct h_resp *r, const char *name);
void h_resp_free(struct h_resp *r);

/* Records one response for the contract check (tests/spec): h_request
 * calls it for every response; a test that talks HTTP through its own
 * libcurl handle calls it too. headers: the response's raw header block
 * ("Name: value\r\n" lines; NULL = none captured). No-op unless
 * PNYX_CONTRACT_DIR is set. */
void h_record(const char *method, const char *path, long status, const char *headers,
              const char *body, size_t body_len);
/* Same for a finished transfer on a test's own libcurl handle (CURL *):
 * status and headers read from the handle. */
void h_record_curl(void *curl, const char *method, const char *path, const char *body,
                   size_t body_len);

/* Secrets of the run (tests/secrets/README.md). With PNYX_SECRETS_FILE
 * set (scripts/test sets it), h_secret appends s as one line to that file
 * (one write(), O_APPEND: parallel tests never interleave); at the end of
 * the run every kept server log is grepped for every recorded secret.
 * h_request records by itself what crosses it: passwords in request
 * bodies, bearer tokens, X-CSRF-Token, Idempotency-Key and session/device
 * cookies sent, tokens, CSRF tokens, nonces, invitation and selection
 * codes received, invitation codes in request paths. Call h_secret for
 * secrets that do not (a key given in the environment, a key file:
 * h_secret_key_file). Strings shorter than 8 bytes are not recorded (they
 * would match by chance). No-op without PNYX_SECRETS_FILE. */
void h_secret(const char *s);
/* Records the key material of a key file: the base64 after the last '+'
 * of a "PRIVATE+KEY+…" line, or after "seed " (pnyx-witness key files). */
void h_secret_key_file(const char *path);

/* "<prefix>-<pid>-<counter>-<random>": unique across parallel tests. */
const char *h_unique(const char *prefix);

/* Stops / starts the test PostgreSQL cluster (for restart tests). 0 ok. */
int h_pg_stop(void);
int h_pg_start(void);

/* Raw TCP: sends `raw` to the server and returns what came back before
 * the server closed or timeout_ms passed (malloc'd, NUL-terminated). */
char *h_raw(const struct h_server *s, const char *raw, size_t len, int timeout_ms);

#endif /* PNYX_TESTS_HARNESS_H */
