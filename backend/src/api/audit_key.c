/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/audit_key.c — the deployment's checkpoint signing key (audit_key.h):
 * the key's file goes through platform/signing_key, its id and signatures
 * through core/audit/note, the deployment record through db/db_deployment.
 */
#include "api/audit_key.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "db/db_deployment.h"
#include "platform/log.h"
#include "platform/signing_key.h"

static struct audit_signing g_key;
static int g_key_status = -1;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static _Atomic(const struct pnyx_config *) g_key_cfg;

/* What the key file looked like when last examined (loaded at start, or
 * checked by audit_key_for_signing): a change in any of these makes the
 * next signing read it again. Guarded by g_file_lock. */
struct file_seen {
    bool present;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    mode_t mode;
};
static pthread_mutex_t g_file_lock = PTHREAD_MUTEX_INITIALIZER;
static struct file_seen g_file_seen;

static struct file_seen file_look(const char *path)
{
    struct stat sb;
    struct file_seen f = {0};
    if (stat(path, &sb) == 0) {
        f.present = true;
        f.dev = sb.st_dev;
        f.ino = sb.st_ino;
        f.size = sb.st_size;
        f.mtime = sb.st_mtim;
        f.mode = sb.st_mode;
    }
    return f;
}

static bool file_same(const struct file_seen *a, const struct file_seen *b)
{
    return a->present == b->present && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->mode == b->mode;
}

static const char *origin_host(const struct pnyx_config *cfg)
{
    if (cfg->log_origin != NULL && cfg->log_origin[0] != '\0') {
        return cfg->log_origin;
    }
    if (cfg->listen_host != NULL && cfg->listen_host[0] != '\0') {
        return cfg->listen_host;
    }
    return "localhost";
}

void audit_key_path(const struct pnyx_config *cfg, char *out, size_t cap)
{
    if (cfg->signing_key_file != NULL && cfg->signing_key_file[0] != '\0') {
        snprintf(out, cap, "%s", cfg->signing_key_file);
    } else {
        const char *dir = cfg->data_dir != NULL && cfg->data_dir[0] != '\0' ? cfg->data_dir : ".";
        snprintf(out, cap, "%s/audit-signing.key", dir);
    }
}

/* The signer of a stored key, and its vkey. 0 or -1. */
static int signer_of(const struct signing_key *k, struct audit_signing *out)
{
    if (note_signer_from_seed(&out->signer, k->name, k->seed) != AUDIT_OK) {
        return -1;
    }
    size_t vlen = 0;
    if (note_vkey_format(&out->signer.v, out->vkey, sizeof(out->vkey), &vlen) != AUDIT_OK) {
        return -1;
    }
    const uint8_t *id = out->signer.v.key_id;
    snprintf(out->key_id, sizeof(out->key_id), "%02x%02x%02x%02x", id[0], id[1], id[2], id[3]);
    return 0;
}

/* Generates a key named name and creates path with it. 0, 1 (exists),
 * -1 (why set). */
static int create_key(const char *path, const char *name, bool force, struct audit_signing *out,
                      const char **why)
{
    struct signing_key k;
    signing_key_generate(&k, name);
    int rc = -1;
    *why = "cannot derive the key";
    if (signer_of(&k, out) == 0) {
        enum signing_key_result r = signing_key_write(path, &k, out->signer.v.key_id, force, why);
        rc = r == SIGNING_KEY_OK ? 0 : (r == SIGNING_KEY_EXISTS ? 1 : -1);
    }
    signing_key_wipe(&k);
    return rc;
}

static void key_init_once(void)
{
    const struct pnyx_config *cfg = atomic_load(&g_key_cfg);
    char path[4096];
    audit_key_path(cfg, path, sizeof(path));
    const char *host = origin_host(cfg);
    snprintf(g_key.origin, sizeof(g_key.origin), "%s", host);
    const char *why = NULL;
    struct signing_key k;
    enum signing_key_result r = signing_key_read(path, host, &k, &why);
    if (r == SIGNING_KEY_MISSING) {
        /* First start without `pnyxd keygen`: create it in the data
         * directory. O_EXCL makes concurrent first starts agree. */
        if (cfg->data_dir != NULL && cfg->data_dir[0] != '\0' &&
            signing_key_mkdir(cfg->data_dir) != 0) {
            log_error("signing key: cannot create data dir %s", cfg->data_dir);
            return;
        }
        int rc = create_key(path, host, false, &g_key, &why);
        if (rc == 0) {
            g_file_seen = file_look(path);
            log_info("signing key: generated %s (key id %s)", path, g_key.key_id);
            g_key_status = 0;
            return;
        }
        if (rc < 0) {
            log_error("signing key: cannot create %s: %s", path, why);
            return;
        }
        r = signing_key_read(path, host, &k, &why); /* another process won the race */
    }
    if (r != SIGNING_KEY_OK) {
        log_error("signing key: cannot use %s: %s", path, why ? why : "unreadable");
        return;
    }
    int rc = signer_of(&k, &g_key);
    signing_key_wipe(&k);
    if (rc != 0) {
        log_error("signing key: cannot use %s: not a valid key", path);
        return;
    }
    g_file_seen = file_look(path);
    g_key_status = 0;
}

int audit_key_init(const struct pnyx_config *cfg)
{
    const struct pnyx_config *expected = NULL;
    atomic_compare_exchange_strong(&g_key_cfg, &expected, cfg);
    pthread_once(&g_key_once, key_init_once);
    return g_key_status;
}

const struct audit_signing *audit_key_get(const struct pnyx_config *cfg)
{
    return audit_key_init(cfg) == 0 ? &g_key : NULL;
}

int audit_key_generate(const struct pnyx_config *cfg, bool force, char *vkey, size_t cap, char *err,
                       size_t errlen)
{
    char path[4096];
    audit_key_path(cfg, path, sizeof(path));
    if (cfg->data_dir != NULL && cfg->data_dir[0] != '\0' &&
        signing_key_mkdir(cfg->data_dir) != 0) {
        snprintf(err, errlen, "cannot create data dir %s", cfg->data_dir);
        return -1;
    }
    struct audit_signing *k = sodium_malloc(sizeof *k);
    if (k == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *why = NULL;
    int rc = create_key(path, origin_host(cfg), force, k, &why);
    if (rc == 0) {
        snprintf(vkey, cap, "%s", k->vkey);
    } else if (rc == 1) {
        snprintf(err, errlen, "%s exists; keep it, or replace it with --force", path);
    } else {
        snprintf(err, errlen, "cannot create %s: %s", path, why ? why : "error");
    }
    sodium_free(k);
    return rc;
}

/* A node without a key file joining a deployment that has a key: creating
 * a new one would only be refused; say what to do instead. */
static enum db_status refuse_missing(struct db_conn *c, struct arena *a, const char *path,
                                     char *err, size_t errlen)
{
    struct signing_key k;
    const char *why = NULL;
    enum signing_key_result r = signing_key_read(path, "-", &k, &why);
    signing_key_wipe(&k);
    if (r != SIGNING_KEY_MISSING) {
        return DB_OK; /* a file is there: load it (and report it if unusable) */
    }
    const char *recorded = NULL;
    enum db_status st = db_signing_key_recorded(c, a, &recorded);
    if (st == DB_NOT_FOUND) {
        return DB_OK; /* a new deployment: the first start creates the key */
    }
    if (st != DB_OK) {
        snprintf(err, errlen, "cannot read the deployment's signing key from the database (%s)",
                 db_status_name(st));
        return st;
    }
    snprintf(err, errlen,
             "no signing key at %s, and the database records this deployment's key %s; copy "
             "the key file of a running node there (pnyxd keygen is for a new deployment)",
             path, recorded);
    return DB_REFUSED;
}

enum db_status audit_key_start(struct db_conn *c, const struct pnyx_config *cfg, char *err,
                               size_t errlen)
{
    struct arena *a = arena_new();
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return DB_HARD_ERROR;
    }
    char path[4096];
    audit_key_path(cfg, path, sizeof(path));
    enum db_status st = refuse_missing(c, a, path, err, errlen);
    if (st != DB_OK) {
        arena_free(a);
        return st;
    }
    const struct audit_signing *k = audit_key_get(cfg);
    if (k == NULL) {
        snprintf(err, errlen,
                 "audit signing key unusable (PNYX_SIGNING_KEY_FILE or "
                 "PNYX_DATA_DIR; see the log line above)");
        arena_free(a);
        return DB_REFUSED;
    }
    const char *recorded = NULL;
    st = db_signing_key_claim(c, a, k->key_id, k->vkey, &recorded);
    if (st != DB_OK) {
        snprintf(err, errlen, "cannot check the signing key against the database (%s)",
                 db_status_name(st));
    } else if (strcmp(recorded, k->vkey) != 0) {
        snprintf(err, errlen,
                 "signing key %s (%s) is not this deployment's key %s recorded in the database; "
                 "copy the key file of a running node to PNYX_SIGNING_KEY_FILE",
                 k->vkey, path, recorded);
        st = DB_REFUSED;
    } else {
        log_info("signing key: %s is the deployment's key", k->key_id);
    }
    arena_free(a);
    return st;
}

/* Looks at the key file again when it changed since last seen (the lock
 * held): says in the log, once per change, what it now holds when that is
 * not the loaded key. Never changes the key in use. */
static void check_file(const struct pnyx_config *cfg, const struct audit_signing *k)
{
    char path[4096];
    audit_key_path(cfg, path, sizeof(path));
    struct file_seen now = file_look(path);
    if (file_same(&now, &g_file_seen)) {
        return;
    }
    g_file_seen = now;
    struct signing_key fk;
    const char *why = NULL;
    enum signing_key_result r = signing_key_read(path, k->signer.v.name, &fk, &why);
    if (r == SIGNING_KEY_MISSING) {
        why = "the file is gone";
    }
    struct audit_signing *other = NULL;
    if (r == SIGNING_KEY_OK) {
        other = sodium_malloc(sizeof *other);
        if (other == NULL || signer_of(&fk, other) != 0) {
            why = "it holds no valid key";
        } else if (strcmp(other->vkey, k->vkey) == 0) {
            log_info("signing key: %s holds the deployment's key %s (again)", path, k->key_id);
            why = NULL;
        } else {
            log_warn("signing key: %s was replaced while running: it now holds key %s, which "
                     "is not this deployment's key %s recorded in the database; still signing "
                     "with %s (loaded at start); a restart will refuse to start until the "
                     "file holds that key again",
                     path, other->key_id, k->key_id, k->key_id);
            why = NULL;
        }
    }
    signing_key_wipe(&fk);
    if (other != NULL) {
        sodium_free(other);
    }
    if (why != NULL) {
        log_warn("signing key: %s is no longer usable (%s); still signing with the "
                 "deployment's key %s loaded at start; a restart will refuse to start until "
                 "the file holds that key again",
                 path, why, k->key_id);
    }
}

const struct audit_signing *audit_key_for_signing(struct db_conn *c, struct arena *a,
                                                  const struct pnyx_config *cfg, enum db_status *st,
                                                  const char **why)
{
    const struct audit_signing *k = audit_key_get(cfg);
    *st = DB_OK;
    if (k == NULL) {
        *why = "no signing key loaded";
        return NULL;
    }
    pthread_mutex_lock(&g_file_lock);
    check_file(cfg, k);
    pthread_mutex_unlock(&g_file_lock);
    /* The database decides which key is the deployment's: never sign
     * with one it does not record (its record was changed or removed
     * since this pnyxd started, or the database is another deployment's). */
    const char *recorded = NULL;
    *st = db_signing_key_recorded(c, a, &recorded);
    if (*st == DB_NOT_FOUND) {
        *st = DB_REFUSED;
        *why = "the database records no signing key for this deployment";
        log_error("signing key: refusing to sign with %s: %s", k->key_id, *why);
        return NULL;
    }
    if (*st != DB_OK) {
        *why = "cannot read the deployment's signing key from the database";
        return NULL;
    }
    if (strcmp(recorded, k->vkey) != 0) {
        *st = DB_REFUSED;
        *why = "this server's signing key is not the deployment's key recorded in the database";
        log_error("signing key: refusing to sign with %s: the database records the "
                  "deployment's key as %s",
                  k->vkey, recorded);
        return NULL;
    }
    return k;
}
