/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/witness_queue.c — the witness submission worker (witness_queue.h).
 */
#include "api/witness_queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_audit.h"
#include "api/worker.h"
#include "core/audit/merkle.h"
#include "core/audit/witness.h"
#include "db/db_audit.h"
#include "db/db_witness.h"
#include "platform/arena.h"
#include "platform/http_client.h"
#include "platform/log.h"

#define WITNESS_MAX         16
#define WITNESS_LEASE_S     60
#define WITNESS_IDLE_MS     500
#define WITNESS_TIMEOUT     10000
#define WITNESS_MAX_REPLY   65536
#define WITNESS_BACKOFF_MAX 600

struct witness_target {
    struct note_verifier key;
    char vkey[NOTE_VKEY_MAX];
    char url[512];
};

static struct witness_target g_targets[WITNESS_MAX];
static int g_n;
static char g_names[WITNESS_MAX * (NOTE_NAME_MAX + 4) + 4]; /* text[] literal */
static const struct pnyx_config *g_cfg;

static int parse(const char *spec, char *err, size_t errlen)
{
    char *copy = strdup(spec);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    char *save = NULL;
    size_t off = 0;
    g_names[off++] = '{';
    for (char *tok = strtok_r(copy, ", \t\n", &save); tok != NULL && rc == 0;
         tok = strtok_r(NULL, ", \t\n", &save)) {
        char *at = strstr(tok, "@http");
        if (g_n == WITNESS_MAX || at == NULL || (size_t)strlen(at + 1) >= sizeof g_targets[0].url) {
            snprintf(err, errlen, "PNYX_WITNESSES: '%s' is not VKEY@http://HOST:PORT[/PREFIX]%s",
                     tok, g_n == WITNESS_MAX ? " (at most 16 witnesses)" : "");
            rc = -1;
            break;
        }
        struct witness_target *t = &g_targets[g_n];
        if (witness_vkey_parse(&t->key, tok, (size_t)(at - tok)) != AUDIT_OK) {
            snprintf(err, errlen, "PNYX_WITNESSES: '%.*s' is not a cosignature/v1 vkey",
                     (int)(at - tok), tok);
            rc = -1;
            break;
        }
        snprintf(t->url, sizeof t->url, "%s", at + 1);
        snprintf(t->vkey, sizeof t->vkey, "%.*s", (int)(at - tok), tok);
        size_t ul = strlen(t->url);
        while (ul > 0 && t->url[ul - 1] == '/') {
            t->url[--ul] = '\0';
        }
        for (int i = 0; i < g_n; i++) {
            if (strcmp(g_targets[i].key.name, t->key.name) == 0) {
                snprintf(err, errlen, "PNYX_WITNESSES: two witnesses named %s", t->key.name);
                rc = -1;
            }
        }
        /* Key names have no '"', '\\', ',' or white space problems inside
         * a quoted array element except '"' and '\\', which note names may
         * hold: escape them. */
        off += (size_t)snprintf(g_names + off, sizeof g_names - off, "%s\"", g_n ? "," : "");
        for (const char *p = t->key.name; *p; p++) {
            if (*p == '"' || *p == '\\') {
                g_names[off++] = '\\';
            }
            g_names[off++] = *p;
        }
        g_names[off++] = '"';
        g_n++;
    }
    g_names[off++] = '}';
    g_names[off] = '\0';
    free(copy);
    return rc;
}

static const struct witness_target *target(const char *name)
{
    for (int i = 0; i < g_n; i++) {
        if (strcmp(g_targets[i].key.name, name) == 0) {
            return &g_targets[i];
        }
    }
    return NULL;
}

static int backoff(int attempts)
{
    int s = 1 << (attempts < 10 ? attempts : 10);
    return s > WITNESS_BACKOFF_MAX ? WITNESS_BACKOFF_MAX : s;
}

/* The first line of the reply that verifies as t's cosignature of note. */
static const char *verified_line(struct arena *a, const struct witness_target *t, const char *note,
                                 const char *reply)
{
    size_t nl = strlen(note);
    for (const char *p = reply; *p != '\0';) {
        const char *eol = strchr(p, '\n');
        if (eol == NULL) {
            break;
        }
        size_t ll = (size_t)(eol - p) + 1;
        char *both = arena_alloc(a, nl + ll + 1);
        memcpy(both, note, nl);
        memcpy(both + nl, p, ll);
        both[nl + ll] = '\0';
        if (witness_cosig_open(&t->key, both, nl + ll, NULL) == AUDIT_OK) {
            return arena_strndup(a, p, ll);
        }
        p = eol + 1;
    }
    return NULL;
}

/* Submits the head of job's log to its witness; records the outcome. */
static enum db_status submit(struct db_conn *c, struct arena *a, const struct db_witness_job *job)
{
    const struct witness_target *t = target(job->witness);
    if (t == NULL) {
        return DB_OK; /* claimed only for configured names */
    }
    struct db_audit_view v;
    enum db_status st = db_audit_view(c, a, job->assembly_id, 0, &v);
    if (st != DB_OK) {
        return st;
    }
    const char *note = api_audit_head_note(c, a, g_cfg, job->assembly_id, &v, NULL);
    if (note == NULL) {
        return db_witness_failed(c, a, job->assembly_id, job->witness, backoff(job->attempts),
                                 "cannot sign the checkpoint");
    }
    uint8_t(*proof)[MERKLE_HASH_LEN] = arena_alloc(a, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    size_t plen = 0;
    if (job->size > 0 && job->size < v.size) {
        struct merkle_plan *plan = arena_calloc(a, 1, sizeof *plan);
        if (merkle_consistency_plan((uint64_t)job->size, (uint64_t)v.size, plan) != AUDIT_OK) {
            return DB_HARD_ERROR;
        }
        uint8_t *flat = arena_alloc(a, plan->n * MERKLE_HASH_LEN + 1);
        st = db_audit_nodes(c, a, job->assembly_id, plan->n, plan->level, plan->index, flat);
        if (st != DB_OK) {
            return st == DB_NOT_FOUND ? DB_HARD_ERROR : st;
        }
        for (unsigned i = 0; i < plan->n; i++) {
            memcpy(plan->hash[i], flat + (size_t)i * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
            plan->have[i] = 1;
        }
        struct merkle_store store = merkle_plan_store(plan);
        if (merkle_consistency_proof(&store, (uint64_t)job->size, (uint64_t)v.size, proof,
                                     MERKLE_MAX_PROOF, &plen) != AUDIT_OK) {
            return DB_HARD_ERROR;
        }
    }
    size_t cap = strlen(note) + 64 + plen * 48, blen = 0;
    char *body = arena_alloc(a, cap);
    if (witness_request_format((uint64_t)job->size, (const uint8_t(*)[32])proof, plen, note,
                               strlen(note), body, cap, &blen) != AUDIT_OK) {
        return DB_HARD_ERROR;
    }
    char url[600], err[256];
    snprintf(url, sizeof url, "%s/add-checkpoint", t->url);
    struct http_client_resp r;
    if (http_client_post(url, "text/plain; charset=utf-8", body, blen, WITNESS_TIMEOUT,
                         WITNESS_MAX_REPLY, &r, err, sizeof err) != 0) {
        log_warn("witness %s: assembly %lld size %lld: %s (retry in %d s)", t->key.name,
                 (long long)job->assembly_id, (long long)v.size, err, backoff(job->attempts));
        return db_witness_failed(c, a, job->assembly_id, job->witness, backoff(job->attempts), err);
    }
    const char *why = NULL;
    if (r.status == 200) {
        const char *line = verified_line(a, t, note, r.body);
        if (line != NULL) {
            http_client_free(&r);
            log_info("witness %s cosigned assembly %lld size %lld", t->key.name,
                     (long long)job->assembly_id, (long long)v.size);
            return db_witness_cosigned(c, a, job->assembly_id, job->witness, v.size, line);
        }
        why = "200 without a valid cosignature by the configured key";
    } else if (r.status == 409 && strncmp(r.content_type, "text/x.tlog.size", 16) == 0) {
        char *end = NULL;
        long long n = strtoll(r.body, &end, 10);
        if (end != r.body && n >= 0 && n < v.size && n != job->size) {
            http_client_free(&r);
            log_info("witness %s last cosigned assembly %lld at size %lld: resubmitting from there",
                     t->key.name, (long long)job->assembly_id, n);
            return db_witness_resync(c, a, job->assembly_id, job->witness, n);
        }
        why = arena_printf(a,
                           "witness reports size %lld, not below the log's %lld: it saw "
                           "another history",
                           n, (long long)v.size);
    } else {
        why = arena_printf(a, "HTTP %d: %.200s", r.status, r.body);
    }
    http_client_free(&r);
    log_error("witness %s refused assembly %lld size %lld: %s (retry in %d s)", t->key.name,
              (long long)job->assembly_id, (long long)v.size, why, backoff(job->attempts));
    return db_witness_failed(c, a, job->assembly_id, job->witness, backoff(job->attempts), why);
}

static int run_once(void *ctx)
{
    (void)ctx;
    struct db_conn *c = db_thread_conn();
    struct arena *a = arena_new();
    if (a == NULL) {
        return -1;
    }
    struct db_witness_job job;
    enum db_status st = db_witness_claim(c, a, g_names, WITNESS_LEASE_S, &job);
    int rc = st == DB_OK ? 1 : st == DB_NOT_FOUND ? 0 : -1;
    if (st == DB_OK && submit(c, a, &job) != DB_OK) {
        rc = -1;
    }
    arena_free(a);
    return rc;
}

int witness_config(const struct pnyx_config *cfg, char *err, size_t errlen)
{
    g_cfg = cfg;
    g_n = 0;
    if (cfg->witnesses == NULL || cfg->witnesses[0] == '\0') {
        return 0;
    }
    return parse(cfg->witnesses, err, errlen);
}

size_t witness_list(const char **names, const char **vkeys, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < g_n && n < cap; i++, n++) {
        names[n] = g_targets[i].key.name;
        vkeys[n] = g_targets[i].vkey;
    }
    return n;
}

size_t witness_count(void)
{
    return (size_t)g_n;
}

const char *witness_names_array(void)
{
    return g_n > 0 ? g_names : "{}";
}

const struct note_verifier *witness_key(const char *name)
{
    const struct witness_target *t = target(name);
    return t != NULL ? &t->key : NULL;
}

enum db_status witness_cosigned_count(struct db_conn *c, struct arena *a, int64_t aid,
                                      int64_t min_size, int *have)
{
    *have = 0;
    if (g_n == 0) {
        return DB_OK;
    }
    struct db_witness_latest *w = NULL;
    int n = 0;
    enum db_status st = db_witness_latest(c, a, aid, g_names, &w, &n);
    if (st != DB_OK) {
        return st;
    }
    for (int i = 0; i < n; i++) {
        const struct witness_target *t = target(w[i].witness);
        if (t == NULL || w[i].size < min_size || w[i].note == NULL) {
            continue;
        }
        char *both = arena_printf(a, "%s%s", w[i].note, w[i].line);
        if (witness_cosig_open(&t->key, both, strlen(both), NULL) == AUDIT_OK) {
            (*have)++;
        } else {
            log_error("witness %s: the stored cosignature of assembly %lld size %lld does not "
                      "verify",
                      w[i].witness, (long long)aid, (long long)w[i].size);
        }
    }
    return DB_OK;
}

unsigned witness_workers_start(const struct pnyx_config *cfg)
{
    if (cfg->workers == 0 || g_n == 0) {
        return 0;
    }
    struct worker_spec spec = {
        .name = "witness", .run_once = run_once, .ctx = NULL, .idle_ms = WITNESS_IDLE_MS};
    return worker_start(&spec) == 0 ? 1 : 0;
}
