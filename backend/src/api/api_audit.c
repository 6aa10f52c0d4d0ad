/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_audit.c — the per-assembly audit log: appending (inside the
 * caller's transaction), the checkpoint signing key, and the public read
 * endpoints: entries, signed checkpoint, inclusion and consistency proofs,
 * the verification key.
 *
 * Invariants: an entry's text is exactly the RFC 8785 bytes that were
 * hashed (leaf = SHA-256(0x00 || entry)); seq = leaf index + 1, gapless,
 * because appends lock the head row of their assembly and commit with the
 * change they record. Proof indexes follow RFC 9162 (0-based leaf index).
 * A proof costs two queries whatever the log size: the view (authorisation
 * + head) and one fetch of the O(log n) complete-subtree nodes it needs,
 * whose positions core/audit plans (merkle_*_plan) before generating.
 */
#include "api/api_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "api/api_common.h"
#include "core/base/base.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"
#include "db/db_audit.h"
#include "platform/log.h"

/* --- appending ------------------------------------------------------------- */

/* RFC 3339 UTC with microseconds, e.g. "2026-11-28T04:00:00.123456Z". */
static void format_now(char out[40])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    base_rfc3339_format((int64_t)ts.tv_sec, (int)(ts.tv_nsec / 1000), out);
}

enum db_status api_audit_create_log(struct db_conn *c, struct arena *a, int64_t aid)
{
    uint8_t empty[MERKLE_HASH_LEN];
    merkle_empty_root(empty);
    return db_audit_head_create(c, a, aid, empty);
}

/* Unpacks the stored frontier (one hash per set bit of size, lowest level
 * first) into core/audit's fixed layout. */
static int frontier_unpack(const struct db_audit_head *h, struct merkle_frontier *f)
{
    merkle_frontier_init(f);
    f->size = (uint64_t)h->size;
    size_t off = 0;
    for (unsigned l = 0; l < MERKLE_MAX_LEVELS; l++) {
        if ((f->size >> l) & 1u) {
            if (off + MERKLE_HASH_LEN > h->frontier_len) {
                return -1;
            }
            memcpy(f->hash[l], h->frontier + off, MERKLE_HASH_LEN);
            off += MERKLE_HASH_LEN;
        }
    }
    return off == h->frontier_len ? 0 : -1;
}

static size_t frontier_pack(const struct merkle_frontier *f, uint8_t *out)
{
    size_t off = 0;
    for (unsigned l = 0; l < MERKLE_MAX_LEVELS; l++) {
        if ((f->size >> l) & 1u) {
            memcpy(out + off, f->hash[l], MERKLE_HASH_LEN);
            off += MERKLE_HASH_LEN;
        }
    }
    return off;
}

/* Builds the canonical entry into the arena; NULL on failure. Keys are
 * written in RFC 8785 order (actor < assembly < at < data < kind < seq);
 * the builder refuses anything else. Ids are strings (JCS_MAX_SAFE_INT). */
static char *build_entry(struct arena *a, int64_t seq, const char *at, const char *kind,
                         int64_t actor, int64_t aid, const char *data, size_t data_len)
{
    char num[24];
    struct jcs_buf b;
    jcs_buf_init(&b);
    jcs_obj_begin(&b);
    jcs_key(&b, "actor");
    if (actor > 0) {
        snprintf(num, sizeof(num), "%lld", (long long)actor);
        jcs_str(&b, num);
    } else {
        jcs_null(&b);
    }
    jcs_key(&b, "assembly");
    snprintf(num, sizeof(num), "%lld", (long long)aid);
    jcs_str(&b, num);
    jcs_key(&b, "at");
    jcs_str(&b, at);
    jcs_key(&b, "data");
    jcs_json(&b, data, data_len);
    jcs_key(&b, "kind");
    jcs_str(&b, kind);
    jcs_key(&b, "seq");
    jcs_int(&b, seq);
    jcs_obj_end(&b);
    char *res = NULL;
    if (jcs_buf_finish(&b) == AUDIT_OK) {
        res = arena_strndup(a, b.data, b.len);
    }
    jcs_buf_fini(&b);
    return res;
}

/*
 * Appends are deferred to the end of the transaction (db_commit_hook): the
 * body records what happened, and just before COMMIT, in the same
 * transaction, flush_pending locks each touched log head once, numbers the
 * entries, hashes them into the tree and writes them all in one statement.
 * A group-committed batch (db_run_txn_grouped) of k changes to one assembly
 * thus costs one lock and one write instead of k of each, and the head lock
 * is held for the shortest time: the flush and the COMMIT.
 *
 * The list is per thread because a transaction's bodies all run on one
 * thread (a batch's, on its leader's). Entries point into their body's
 * request arena, which outlives the transaction.
 */
#define PENDING_MAX 128 /* a batch is ≤ 32 bodies of ≤ 2 entries */

struct pending_entry {
    int64_t aid;
    int64_t actor;
    const char *kind;
    const char *data; /* canonical JSON object text */
    size_t data_len;
    struct arena *arena;
};

static _Thread_local struct pending_entry tl_pending[PENDING_MAX];
static _Thread_local size_t tl_npending;

static enum db_status flush_pending(struct db_conn *c);

static size_t mark_pending(void)
{
    return tl_npending;
}

static void rewind_pending(size_t mark)
{
    if (mark < tl_npending) {
        tl_npending = mark;
    }
}

static const struct db_commit_hook g_commit_hook = {
    .flush = flush_pending,
    .mark = mark_pending,
    .rewind = rewind_pending,
};

enum db_status api_audit_append(struct db_conn *c, struct arena *a, int64_t aid, int64_t actor,
                                const char *kind, json_t *data)
{
    if (!db_in_txn(c)) {
        log_error("audit: %s appended outside a transaction", kind);
        return DB_HARD_ERROR;
    }
    if (tl_npending == PENDING_MAX) {
        log_error("audit: more than %d entries in one transaction", PENDING_MAX);
        return DB_HARD_ERROR;
    }
    /* Canonicalised now, so a body whose data cannot be logged fails by
     * itself rather than failing the flush of a whole batch. */
    char *dtext = json_is_object(data) ? json_dumps(data, JSON_COMPACT) : NULL;
    char *canon = NULL;
    size_t clen = 0;
    int rc = dtext ? jcs_canonicalize(dtext, strlen(dtext), &canon, &clen, NULL) : AUDIT_EINVAL;
    free(dtext);
    if (rc != AUDIT_OK) {
        log_error("audit: cannot canonicalise the data of %s", kind);
        return DB_HARD_ERROR;
    }
    const char *copy = arena_strndup(a, canon, clen);
    free(canon);
    db_set_commit_hook(&g_commit_hook); /* idempotent; main also sets it */
    tl_pending[tl_npending++] = (struct pending_entry){
        .aid = aid,
        .actor = actor,
        .kind = arena_strndup(a, kind, strlen(kind)),
        .data = copy,
        .data_len = clen,
        .arena = a,
    };
    return DB_OK;
}

/* Appends entries e[idx[0..k)] (one assembly, in transaction order). */
static enum db_status flush_log(struct db_conn *c, const size_t *idx, size_t k)
{
    const struct pending_entry *first = &tl_pending[idx[0]];
    struct arena *a = first->arena;
    int64_t aid = first->aid;
    struct db_audit_head head;
    enum db_status st = db_audit_head_lock(c, a, aid, &head);
    if (st != DB_OK) {
        return st;
    }
    struct merkle_frontier *f = arena_alloc(a, sizeof(*f));
    if (head.size < 0 || frontier_unpack(&head, f) != 0) {
        log_error("audit: corrupt head assembly=%lld size=%lld", (long long)aid,
                  (long long)head.size);
        return DB_HARD_ERROR;
    }
    char *at = arena_alloc(a, 40);
    format_now(at); /* under the lock: `at` never decreases along seq */
    const char **kinds = arena_alloc(a, k * sizeof(char *));
    const char **entries = arena_alloc(a, k * sizeof(char *));
    uint8_t *leaves = arena_alloc(a, k * MERKLE_HASH_LEN);
    size_t node_cap = k * (MERKLE_MAX_LEVELS + 1);
    unsigned *levels = arena_alloc(a, node_cap * sizeof(unsigned));
    uint64_t *indexes = arena_alloc(a, node_cap * sizeof(uint64_t));
    uint8_t *hashes = arena_alloc(a, node_cap * MERKLE_HASH_LEN);
    unsigned n_nodes = 0;
    for (size_t j = 0; j < k; j++) {
        const struct pending_entry *e = &tl_pending[idx[j]];
        char *entry = build_entry(a, head.size + 1 + (int64_t)j, at, e->kind, e->actor, aid,
                                  e->data, e->data_len);
        if (entry == NULL) {
            log_error("audit: cannot canonicalise entry kind=%s", e->kind);
            return DB_HARD_ERROR;
        }
        kinds[j] = e->kind;
        entries[j] = entry;
        uint8_t *leaf = leaves + j * MERKLE_HASH_LEN;
        merkle_leaf_hash(entry, strlen(entry), leaf);
        struct merkle_node nodes[MERKLE_MAX_LEVELS + 1];
        unsigned n = 0;
        if (merkle_frontier_append(f, leaf, nodes, &n) != AUDIT_OK) {
            return DB_HARD_ERROR;
        }
        for (unsigned i = 0; i < n; i++, n_nodes++) {
            levels[n_nodes] = nodes[i].level;
            indexes[n_nodes] = nodes[i].index;
            memcpy(hashes + (size_t)n_nodes * MERKLE_HASH_LEN, nodes[i].hash, MERKLE_HASH_LEN);
        }
    }
    uint8_t root[MERKLE_HASH_LEN];
    merkle_frontier_root(f, root);
    uint8_t *packed = arena_alloc(a, MERKLE_MAX_LEVELS * MERKLE_HASH_LEN);
    size_t packed_len = frontier_pack(f, packed);
    struct db_audit_write w = {
        .assembly_id = aid,
        .first_seq = head.size + 1,
        .n_entries = k,
        .at = at,
        .kinds = kinds,
        .entries = entries,
        .leaf_hashes = leaves,
        .n_nodes = n_nodes,
        .levels = levels,
        .indexes = indexes,
        .hashes = hashes,
        .root = root,
        .frontier = packed,
        .frontier_len = packed_len,
    };
    return db_audit_store(c, a, &w);
}

/* Logs in ascending assembly id (one lock order for every transaction, so
 * two that touch the same logs cannot deadlock), entries of one log in the
 * order the transaction made them. */
static enum db_status flush_pending(struct db_conn *c)
{
    size_t n = tl_npending;
    size_t idx[PENDING_MAX];
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && tl_pending[idx[j - 1]].aid > tl_pending[i].aid) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        while (i + k < n && tl_pending[idx[i + k]].aid == tl_pending[idx[i]].aid) {
            k++;
        }
        enum db_status st = flush_log(c, idx + i, k);
        if (st != DB_OK) {
            return st;
        }
        i += k;
    }
    tl_npending = 0;
    return DB_OK;
}

/* --- signing key ------------------------------------------------------------ */

static struct note_signer g_signer;
static char g_vkey[NOTE_VKEY_MAX];
/* Host part of checkpoint origins; leaves room for "/assembly/<id>". */
static char g_origin[NOTE_ORIGIN_MAX - 40];
static int g_key_status = -1;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static _Atomic(const struct pnyx_config *) g_key_cfg;

/* Go/C2SP note private-key format, so operators can use standard tools:
 * "PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || seed)>". */
static int key_write(const char *path, const char *name, const uint8_t seed[NOTE_SEED_LEN],
                     const struct note_verifier *v)
{
    uint8_t raw[1 + NOTE_SEED_LEN];
    char b64[AUDIT_B64_LEN(sizeof(raw)) + 1];
    char line[NOTE_NAME_MAX + 128];
    raw[0] = 0x01;
    memcpy(raw + 1, seed, NOTE_SEED_LEN);
    audit_b64_encode(raw, sizeof(raw), b64);
    sodium_memzero(raw, sizeof(raw));
    int len = snprintf(line, sizeof(line), "PRIVATE+KEY+%s+%02x%02x%02x%02x+%s\n", name,
                       v->key_id[0], v->key_id[1], v->key_id[2], v->key_id[3], b64);
    sodium_memzero(b64, sizeof(b64));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(line, sizeof(line));
        return errno == EEXIST ? 1 : -1;
    }
    ssize_t wr = write(fd, line, (size_t)len);
    sodium_memzero(line, sizeof(line));
    int rc = (wr == len && fsync(fd) == 0) ? 0 : -1;
    if (close(fd) != 0) {
        rc = -1;
    }
    return rc;
}

/* Reads a key file: the format above (name taken from the file) or a bare
 * base64 32-byte seed (name = default_name). */
static int key_read(const char *path, const char *default_name, struct note_signer *s)
{
    char buf[1024];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0) {
        log_warn("audit: signing key file %s is readable by others (mode %o)", path,
                 (unsigned)(sb.st_mode & 0777));
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) {
        buf[--n] = '\0';
    }
    char name[NOTE_NAME_MAX + 1];
    const char *b64 = buf;
    snprintf(name, sizeof(name), "%s", default_name);
    if (strncmp(buf, "PRIVATE+KEY+", 12) == 0) {
        const char *nm = buf + 12;
        const char *p1 = strchr(nm, '+');
        const char *p2 = p1 != NULL ? strchr(p1 + 1, '+') : NULL;
        if (p2 == NULL || (size_t)(p1 - nm) > NOTE_NAME_MAX) {
            sodium_memzero(buf, sizeof(buf));
            return -1;
        }
        memcpy(name, nm, (size_t)(p1 - nm));
        name[p1 - nm] = '\0';
        b64 = p2 + 1;
    }
    uint8_t raw[64];
    size_t raw_len = 0;
    int rc = -1;
    if (audit_b64_decode(b64, strlen(b64), raw, sizeof(raw), &raw_len) == AUDIT_OK) {
        if (raw_len == 1 + NOTE_SEED_LEN && raw[0] == 0x01) {
            rc = note_signer_from_seed(s, name, raw + 1) == AUDIT_OK ? 0 : -1;
        } else if (raw_len == NOTE_SEED_LEN) {
            rc = note_signer_from_seed(s, name, raw) == AUDIT_OK ? 0 : -1;
        }
    }
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(buf, sizeof(buf));
    return rc;
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

static void key_init_once(void)
{
    const struct pnyx_config *cfg = atomic_load(&g_key_cfg);
    char path[4096];
    const char *host = origin_host(cfg);
    snprintf(g_origin, sizeof(g_origin), "%s", host);
    if (cfg->signing_key_file != NULL && cfg->signing_key_file[0] != '\0') {
        snprintf(path, sizeof(path), "%s", cfg->signing_key_file);
    } else {
        const char *dir = cfg->data_dir != NULL && cfg->data_dir[0] != '\0' ? cfg->data_dir : ".";
        snprintf(path, sizeof(path), "%s/audit-signing.key", dir);
    }
    if (sodium_init() < 0) {
        log_error("audit: libsodium unusable");
        return;
    }
    if (key_read(path, host, &g_signer) != 0) {
        if (access(path, F_OK) == 0) {
            log_error("audit: cannot read signing key %s", path);
            return;
        }
        /* First start: generate into the data directory (created 0700 if
         * missing). O_EXCL makes concurrent first starts agree on one key. */
        if (cfg->data_dir != NULL && cfg->data_dir[0] != '\0' && mkdir(cfg->data_dir, 0700) != 0 &&
            errno != EEXIST) {
            log_error("audit: cannot create data dir %s", cfg->data_dir);
            return;
        }
        uint8_t seed[NOTE_SEED_LEN];
        randombytes_buf(seed, sizeof(seed));
        int rc = -1;
        if (note_signer_from_seed(&g_signer, host, seed) == AUDIT_OK) {
            rc = key_write(path, host, seed, &g_signer.v);
        }
        sodium_memzero(seed, sizeof(seed));
        if (rc == 1) {
            rc = key_read(path, host, &g_signer); /* another process won the race */
        }
        if (rc != 0) {
            log_error("audit: cannot create signing key %s", path);
            return;
        }
        log_info("audit: generated checkpoint signing key %s", path);
    }
    size_t vlen = 0;
    if (note_vkey_format(&g_signer.v, g_vkey, sizeof(g_vkey), &vlen) != AUDIT_OK) {
        return;
    }
    g_key_status = 0;
}

int api_audit_init(const struct pnyx_config *cfg)
{
    db_set_commit_hook(&g_commit_hook);
    const struct pnyx_config *expected = NULL;
    atomic_compare_exchange_strong(&g_key_cfg, &expected, cfg);
    pthread_once(&g_key_once, key_init_once);
    return g_key_status;
}

/* --- reading: shared --------------------------------------------------------- */

static int view_allowed(struct api_req *rq, struct api_reply *out, const struct db_audit_view *v);
static int bad_query(struct api_reply *out, const char *field, const char *msg);

/* Loads the view and applies READ_AUDIT; on refusal writes the problem and
 * returns -1. */
static int load_view(struct api_req *rq, struct api_reply *out, int64_t *aid,
                     struct db_audit_view *v)
{
    if (api_param_id(rq, "aid", aid) != 0) {
        api_problem(out, API_E_NOT_FOUND, NULL);
        return -1;
    }
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    enum db_status st = db_audit_view(rq->db, rq->arena, *aid, viewer, v);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    return view_allowed(rq, out, v);
}

/* Applies READ_AUDIT to a loaded view; on refusal writes the problem and
 * returns -1. */
static int view_allowed(struct api_req *rq, struct api_reply *out, const struct db_audit_view *v)
{
    struct authz_subject who = api_subject(rq, v->role, v->status);
    struct authz_assembly_info info = {.is_public = v->is_public};
    enum authz_decision d = authz_assembly(&who, &info, AUTHZ_READ_AUDIT);
    if (d != AUTHZ_ALLOW) {
        api_authz_problem(out, d);
        return -1;
    }
    return 0;
}

static json_t *b64_json(const uint8_t *h, size_t n)
{
    char buf[AUDIT_B64_LEN(64) + 1];
    audit_b64_encode(h, n, buf);
    return json_string(buf);
}

int api_audit_list(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    struct db_audit_view v;
    if (load_view(rq, out, &aid, &v) != 0) {
        return 0;
    }
    int64_t after;
    int limit;
    if (api_page_params(rq, out, &after, &limit) != 0) {
        return 0;
    }
    struct db_audit_entry *items;
    int n;
    enum db_status st = db_audit_entries(rq->db, rq->arena, aid, after, limit, &items, &n);
    if (st != DB_OK) {
        return api_problem_db(out, st);
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:I, s:s, s:o}", "seq", (json_int_t)items[i].seq,
                                             "entry", items[i].entry, "leaf_hash",
                                             b64_json(items[i].leaf_hash, MERKLE_HASH_LEN)));
    }
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].seq : 0,
                          json_pack("{s:I}", "size", (json_int_t)v.size));
}

int api_audit_checkpoint(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    struct db_audit_view v;
    if (api_audit_init(rq->cfg) != 0) {
        return api_problem(out, API_E_UNAVAILABLE, "checkpoint signing key unavailable");
    }
    if (load_view(rq, out, &aid, &v) != 0) {
        return 0;
    }
    const char *note = v.note;
    if (note == NULL) {
        /* First request for this size: sign once and cache. */
        char origin[NOTE_ORIGIN_MAX + 32];
        char *buf = arena_alloc(rq->arena, NOTE_SIGNED_CHECKPOINT_MAX);
        size_t len = 0;
        snprintf(origin, sizeof(origin), "%s/assembly/%lld", g_origin, (long long)aid);
        if (note_checkpoint_sign(&g_signer, origin, (uint64_t)v.size, v.root, buf,
                                 NOTE_SIGNED_CHECKPOINT_MAX, &len) != AUDIT_OK) {
            return api_problem(out, API_E_INTERNAL, NULL);
        }
        enum db_status st = db_audit_checkpoint_store(rq->db, rq->arena, aid, v.size, buf, &note);
        if (st != DB_OK) {
            note = buf; /* still a valid signature; caching is an optimisation */
        }
    }
    (void)api_reply_header(out, "Cache-Control", "no-cache");
    return api_reply_text(out, 200, "text/plain; charset=utf-8", note, strlen(note));
}

int api_audit_key(struct api_req *rq, struct api_reply *out)
{
    if (api_audit_init(rq->cfg) != 0) {
        return api_problem(out, API_E_UNAVAILABLE, "checkpoint signing key unavailable");
    }
    char kid[9];
    snprintf(kid, sizeof(kid), "%02x%02x%02x%02x", g_signer.v.key_id[0], g_signer.v.key_id[1],
             g_signer.v.key_id[2], g_signer.v.key_id[3]);
    return api_reply_json(
        out, 200,
        json_pack("{s:s, s:o, s:s, s:s, s:s}", "name", g_signer.v.name, "public_key",
                  b64_json(g_signer.v.public_key, NOTE_PUBLIC_KEY_LEN), "key_id", kid, "vkey",
                  g_vkey, "origin_prefix", arena_printf(rq->arena, "%s/assembly/", g_origin)));
}

/* --- proofs: plan the node reads, fetch them in one query, generate ------ */

/* Fetches every planned position (plus an optional extra one, written to
 * extra_hash) in one query and marks them present. */
static enum db_status plan_fetch(struct api_req *rq, int64_t aid, struct merkle_plan *p,
                                 const unsigned *extra_level, const uint64_t *extra_index,
                                 uint8_t extra_hash[MERKLE_HASH_LEN])
{
    size_t n = p->n + (extra_level != NULL ? 1u : 0u);
    unsigned *levels = arena_alloc(rq->arena, (n + 1) * sizeof(*levels));
    uint64_t *indexes = arena_alloc(rq->arena, (n + 1) * sizeof(*indexes));
    memcpy(levels, p->level, p->n * sizeof(*levels));
    memcpy(indexes, p->index, p->n * sizeof(*indexes));
    if (extra_level != NULL) {
        levels[p->n] = *extra_level;
        indexes[p->n] = *extra_index;
    }
    uint8_t *flat = arena_alloc(rq->arena, n * MERKLE_HASH_LEN + 1);
    enum db_status st = db_audit_nodes(rq->db, rq->arena, aid, n, levels, indexes, flat);
    if (st != DB_OK) {
        return st == DB_NOT_FOUND ? DB_HARD_ERROR : st; /* a missing node is corruption */
    }
    for (unsigned i = 0; i < p->n; i++) {
        memcpy(p->hash[i], flat + (size_t)i * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
        p->have[i] = 1;
    }
    if (extra_level != NULL) {
        memcpy(extra_hash, flat + (size_t)p->n * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
    }
    return DB_OK;
}

/* One round trip for a proof whose tree size the client gave: the view
 * (authorisation, head) and every planned node (plus an optional extra
 * one). Returns 0 with the plan filled, or -1 after writing the problem
 * (including 422 when `size` is beyond the log). */
static int view_plan_fetch(struct api_req *rq, struct api_reply *out, int64_t aid, uint64_t size,
                           const char *size_field, struct merkle_plan *p,
                           const unsigned *extra_level, const uint64_t *extra_index,
                           uint8_t extra_hash[MERKLE_HASH_LEN])
{
    size_t n = p->n + (extra_level != NULL ? 1u : 0u);
    unsigned *levels = arena_alloc(rq->arena, (n + 1) * sizeof(*levels));
    uint64_t *indexes = arena_alloc(rq->arena, (n + 1) * sizeof(*indexes));
    memcpy(levels, p->level, p->n * sizeof(*levels));
    memcpy(indexes, p->index, p->n * sizeof(*indexes));
    if (extra_level != NULL) {
        levels[p->n] = *extra_level;
        indexes[p->n] = *extra_index;
    }
    uint8_t *flat = arena_alloc(rq->arena, n * MERKLE_HASH_LEN + 1);
    struct db_audit_view v;
    bool complete = false;
    int64_t viewer = rq->auth.authenticated ? rq->auth.account_id : 0;
    enum db_status st = db_audit_view_nodes(rq->db, rq->arena, aid, viewer, n, levels, indexes, &v,
                                            flat, &complete);
    if (st != DB_OK) {
        api_problem_db(out, st);
        return -1;
    }
    if (view_allowed(rq, out, &v) != 0) {
        return -1;
    }
    if (size > (uint64_t)v.size) {
        bad_query(out, size_field, "must not exceed the current log size");
        return -1;
    }
    if (!complete) { /* every node of a size <= the log's exists: corruption */
        log_error("audit: missing nodes assembly=%lld size=%llu", (long long)aid,
                  (unsigned long long)size);
        api_problem(out, API_E_INTERNAL, NULL);
        return -1;
    }
    for (unsigned i = 0; i < p->n; i++) {
        memcpy(p->hash[i], flat + (size_t)i * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
        p->have[i] = 1;
    }
    if (extra_level != NULL) {
        memcpy(extra_hash, flat + (size_t)p->n * MERKLE_HASH_LEN, MERKLE_HASH_LEN);
    }
    return 0;
}

static json_t *proof_json(uint8_t (*proof)[MERKLE_HASH_LEN], size_t len)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < len; i++) {
        json_array_append_new(arr, b64_json(proof[i], MERKLE_HASH_LEN));
    }
    return arr;
}

static int bad_query(struct api_reply *out, const char *field, const char *msg)
{
    json_t *fields = json_array();
    api_field_error(fields, field, "invalid", msg);
    return api_problem_fields(out, API_E_VALIDATION, fields);
}

int api_audit_inclusion(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    uint64_t index = 0, size = 0;
    int hi = api_query_u64(rq, "index", &index);
    int hs = api_query_u64(rq, "size", &size);
    if (hi < 0 || hs < 0) {
        return bad_query(out, hi < 0 ? "index" : "size", "a decimal integer");
    }
    struct db_audit_view v;
    if (hs == 0) { /* size defaults to the current one: read the head first */
        if (load_view(rq, out, &aid, &v) != 0) {
            return 0;
        }
        size = (uint64_t)v.size;
    }
    if (hi == 0) {
        return bad_query(out, "index", "index (0-based leaf index = seq - 1) is required");
    }
    if (size == 0) {
        return bad_query(out, "size", "size must be between 1 and the current log size");
    }
    if (index >= size) {
        return bad_query(out, "index", "index must be smaller than size");
    }
    struct merkle_plan *plan = arena_calloc(rq->arena, 1, sizeof(*plan));
    uint8_t(*proof)[MERKLE_HASH_LEN] = arena_alloc(rq->arena, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    size_t plen = 0;
    unsigned leaf_level = 0;
    uint8_t leaf[MERKLE_HASH_LEN];
    if (merkle_inclusion_plan(index, size, plan) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    if (hs == 0) {
        enum db_status st = plan_fetch(rq, aid, plan, &leaf_level, &index, leaf);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
    } else if (view_plan_fetch(rq, out, aid, size, "size", plan, &leaf_level, &index, leaf) != 0) {
        return 0;
    }
    struct merkle_store store = merkle_plan_store(plan);
    if (merkle_inclusion_proof(&store, index, size, proof, MERKLE_MAX_PROOF, &plen) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    return api_reply_json(out, 200,
                          json_pack("{s:I, s:I, s:o, s:o}", "index", (json_int_t)index, "size",
                                    (json_int_t)size, "leaf_hash", b64_json(leaf, MERKLE_HASH_LEN),
                                    "proof", proof_json(proof, plen)));
}

int api_audit_consistency(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0) {
        return api_problem(out, API_E_NOT_FOUND, NULL);
    }
    uint64_t from = 0, to = 0;
    int hf = api_query_u64(rq, "from", &from);
    int ht = api_query_u64(rq, "to", &to);
    if (hf < 0 || ht < 0) {
        return bad_query(out, hf < 0 ? "from" : "to", "a decimal integer");
    }
    struct db_audit_view v;
    if (ht == 0) { /* to defaults to the current size: read the head first */
        if (load_view(rq, out, &aid, &v) != 0) {
            return 0;
        }
        to = (uint64_t)v.size;
    }
    if (hf == 0) {
        return bad_query(out, "from", "from (an earlier tree size) is required");
    }
    if (from > to) {
        return bad_query(out, "from", "from must not exceed to");
    }
    struct merkle_plan *plan = arena_calloc(rq->arena, 1, sizeof(*plan));
    uint8_t(*proof)[MERKLE_HASH_LEN] = arena_alloc(rq->arena, MERKLE_MAX_PROOF * MERKLE_HASH_LEN);
    size_t plen = 0;
    if (merkle_consistency_plan(from, to, plan) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    if (ht == 0) {
        enum db_status st = plan_fetch(rq, aid, plan, NULL, NULL, NULL);
        if (st != DB_OK) {
            return api_problem_db(out, st);
        }
    } else if (view_plan_fetch(rq, out, aid, to, "to", plan, NULL, NULL, NULL) != 0) {
        return 0;
    }
    struct merkle_store store = merkle_plan_store(plan);
    if (merkle_consistency_proof(&store, from, to, proof, MERKLE_MAX_PROOF, &plen) != AUDIT_OK) {
        return api_problem(out, API_E_INTERNAL, NULL);
    }
    return api_reply_json(out, 200,
                          json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to",
                                    (json_int_t)to, "proof", proof_json(proof, plen)));
}
