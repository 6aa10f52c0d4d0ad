/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/audit_writer.c — appending to the per-assembly audit logs: handlers
 * record entries inside their transaction (api_audit_append) and the
 * commit hook writes them just before COMMIT (numbered, hashed into the
 * Merkle tree, stored with one statement per log).
 *
 * Invariants: an entry's text is exactly the RFC 8785 bytes that were
 * hashed (leaf = SHA-256(0x00 || entry)); seq = leaf index + 1, gapless,
 * because appends lock the head row of their assembly and commit with the
 * change they record.
 */
#include "api/audit_writer.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/base/base.h"
#include "db/db_audit.h"
#include "platform/log.h"

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
#define PENDING_MAX 128
/* A full batch whose every body appends its most entries must fit: the
 * batch size or the per-body limit (db.h) cannot grow past this list. */
static_assert(PENDING_MAX >= DB_GROUP_MAX_BATCH * DB_TXN_MAX_DEFERRED,
              "the pending audit entries of a full group-commit batch must fit PENDING_MAX");
static_assert(PENDING_MAX >= DB_TXN_MAX_DEFERRED_ALONE,
              "the pending audit entries of a body run alone must fit PENDING_MAX");

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

void api_audit_writer_init(void)
{
    db_set_commit_hook(&g_commit_hook);
}
