/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_audit.c — the per-assembly audit log from the API alone, checked
 * the way an external auditor would (RFC 9162, RFC 8785, C2SP): every
 * change appends an entry; every leaf hash recomputes from `entry`, which
 * is canonical; inclusion and consistency proofs verify with core/audit's
 * verifiers; the checkpoint's signature verifies with /audit/key and its
 * root equals the root recomputed from all entries; 8 threads × 500
 * concurrent changes give seq 1..4000 without holes or forks.
 */
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "assembly_util.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"

static int b64_hash(const char *s, uint8_t out[MERKLE_HASH_LEN])
{
    size_t n = 0;
    if (s == NULL || audit_b64_decode(s, strlen(s), out, MERKLE_HASH_LEN, &n) != AUDIT_OK ||
        n != MERKLE_HASH_LEN) {
        return -1;
    }
    return 0;
}

struct log_copy {
    size_t n;
    char **entries;
    struct merkle_mem mem;
};

/* Downloads the whole log (pages of 200), checking seq continuity, leaf
 * hashes and canonical form of every entry. */
static void fetch_log(struct h_server *s, const struct it_user *u, int64_t aid, struct log_copy *lc)
{
    memset(lc, 0, sizeof(*lc));
    merkle_mem_init(&lc->mem);
    size_t cap = 0;
    char cursor[32] = "0";
    for (;;) {
        char path[200];
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit?limit=200&after=%s",
                 (long long)aid, cursor);
        struct h_resp *r = it_req(s, "GET", path, u, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        json_t *items = json_object_get(r->json, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            int64_t seq = it_int(it, "seq");
            cr_assert_eq(seq, (int64_t)lc->n + 1, "hole or fork: got seq %lld after %zu",
                         (long long)seq, lc->n);
            const char *entry = json_string_value(json_object_get(it, "entry"));
            uint8_t want[MERKLE_HASH_LEN], got[MERKLE_HASH_LEN];
            cr_assert_eq(b64_hash(json_string_value(json_object_get(it, "leaf_hash")), want), 0);
            merkle_leaf_hash(entry, strlen(entry), got);
            cr_assert(memcmp(want, got, MERKLE_HASH_LEN) == 0, "leaf hash of seq %lld",
                      (long long)seq);
            char *canon = NULL;
            size_t clen = 0;
            cr_assert_eq(jcs_canonicalize(entry, strlen(entry), &canon, &clen, NULL), AUDIT_OK);
            cr_assert_str_eq(canon, entry, "entry %lld is not canonical", (long long)seq);
            free(canon);
            json_t *ej = json_loads(entry, 0, NULL);
            cr_assert(ej != NULL);
            cr_assert_eq(it_int(ej, "seq"), seq);
            char aidstr[32];
            snprintf(aidstr, sizeof aidstr, "%lld", (long long)aid);
            cr_assert_str_eq(json_string_value(json_object_get(ej, "assembly")), aidstr);
            json_decref(ej);
            if (lc->n == cap) {
                cap = cap ? cap * 2 : 256;
                lc->entries = realloc(lc->entries, cap * sizeof(char *));
            }
            lc->entries[lc->n++] = strdup(entry);
            cr_assert_eq(merkle_mem_append(&lc->mem, got), AUDIT_OK);
        }
        json_t *next = json_object_get(r->json, "next");
        if (json_is_null(next)) {
            h_resp_free(r);
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        h_resp_free(r);
    }
}

static void log_free(struct log_copy *lc)
{
    for (size_t i = 0; i < lc->n; i++) {
        free(lc->entries[i]);
    }
    free(lc->entries);
    merkle_mem_fini(&lc->mem);
}

static void mem_root(struct log_copy *lc, uint64_t size, uint8_t out[MERKLE_HASH_LEN])
{
    struct merkle_store st = merkle_mem_store(&lc->mem);
    cr_assert_eq(merkle_root(&st, size, out), AUDIT_OK);
}

/* Fetches /audit/key into v. */
static void fetch_key(struct h_server *s, struct note_verifier *v)
{
    struct h_resp *r = it_req(s, "GET", "/api/v1/audit/key", NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    uint8_t pk[NOTE_PUBLIC_KEY_LEN];
    size_t n = 0;
    const char *b64 = json_string_value(json_object_get(r->json, "public_key"));
    cr_assert_eq(audit_b64_decode(b64, strlen(b64), pk, sizeof pk, &n), AUDIT_OK);
    cr_assert_eq(n, sizeof pk);
    const char *name = json_string_value(json_object_get(r->json, "name"));
    cr_assert_eq(note_verifier_init(v, name, pk), AUDIT_OK);
    char kid[9];
    snprintf(kid, sizeof kid, "%02x%02x%02x%02x", v->key_id[0], v->key_id[1], v->key_id[2],
             v->key_id[3]);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "key_id")), kid);
    struct note_verifier v2;
    const char *vkey = json_string_value(json_object_get(r->json, "vkey"));
    cr_expect_eq(note_vkey_parse(&v2, vkey, strlen(vkey)), AUDIT_OK);
    h_resp_free(r);
}

/* Fetches and verifies the checkpoint; returns its size and root. */
static uint64_t fetch_checkpoint(struct h_server *s, const struct it_user *u, int64_t aid,
                                 const struct note_verifier *v, uint8_t root[MERKLE_HASH_LEN],
                                 char **note_out)
{
    char path[160], origin[300];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/checkpoint", (long long)aid);
    snprintf(origin, sizeof origin, "%s/assembly/%lld", v->name, (long long)aid);
    struct h_resp *r = it_req(s, "GET", path, u, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    const char *ct = h_header(r, "Content-Type");
    cr_expect(ct && strncmp(ct, "text/plain", 10) == 0, "content type %s", ct ? ct : "");
    struct note_checkpoint cp;
    int rc = note_checkpoint_open(v, r->body, r->body_len, origin, &cp);
    cr_assert_eq(rc, AUDIT_OK, "checkpoint does not verify (%s): %s", audit_status_str(rc),
                 r->body);
    memcpy(root, cp.root, MERKLE_HASH_LEN);
    uint64_t size = cp.size;
    if (note_out) {
        *note_out = strdup(r->body);
    }
    h_resp_free(r);
    return size;
}

static void check_inclusion(struct h_server *s, int64_t aid, struct log_copy *lc, uint64_t index,
                            uint64_t size)
{
    char path[200];
    snprintf(path, sizeof path,
             "/api/v1/assemblies/%lld/audit/proof/inclusion?index=%llu&size=%llu", (long long)aid,
             (unsigned long long)index, (unsigned long long)size);
    struct h_resp *r = it_req(s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %s", path, r->body);
    cr_assert_eq((uint64_t)it_int(r->json, "index"), index);
    cr_assert_eq((uint64_t)it_int(r->json, "size"), size);
    uint8_t leaf[MERKLE_HASH_LEN], root[MERKLE_HASH_LEN];
    cr_assert_eq(b64_hash(json_string_value(json_object_get(r->json, "leaf_hash")), leaf), 0);
    uint8_t own[MERKLE_HASH_LEN];
    merkle_leaf_hash(lc->entries[index], strlen(lc->entries[index]), own);
    cr_assert(memcmp(own, leaf, MERKLE_HASH_LEN) == 0);
    json_t *proof = json_object_get(r->json, "proof");
    size_t n = json_array_size(proof);
    uint8_t(*p)[MERKLE_HASH_LEN] = calloc(n + 1, MERKLE_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(b64_hash(json_string_value(json_array_get(proof, i)), p[i]), 0);
    }
    mem_root(lc, size, root);
    cr_assert_eq(
        merkle_verify_inclusion(leaf, index, size, (const uint8_t(*)[MERKLE_HASH_LEN])p, n, root),
        AUDIT_OK, "inclusion %llu in %llu", (unsigned long long)index, (unsigned long long)size);
    if (n > 0) { /* a flipped byte must fail */
        p[0][0] ^= 1;
        cr_assert_neq(merkle_verify_inclusion(leaf, index, size,
                                              (const uint8_t(*)[MERKLE_HASH_LEN])p, n, root),
                      AUDIT_OK);
    }
    free(p);
    h_resp_free(r);
}

static void check_consistency(struct h_server *s, int64_t aid, struct log_copy *lc, uint64_t from,
                              uint64_t to)
{
    char path[200];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/proof/consistency?from=%llu&to=%llu",
             (long long)aid, (unsigned long long)from, (unsigned long long)to);
    struct h_resp *r = it_req(s, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %s", path, r->body);
    json_t *proof = json_object_get(r->json, "proof");
    size_t n = json_array_size(proof);
    uint8_t(*p)[MERKLE_HASH_LEN] = calloc(n + 1, MERKLE_HASH_LEN);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(b64_hash(json_string_value(json_array_get(proof, i)), p[i]), 0);
    }
    uint8_t r1[MERKLE_HASH_LEN], r2[MERKLE_HASH_LEN];
    mem_root(lc, from, r1);
    mem_root(lc, to, r2);
    cr_assert_eq(
        merkle_verify_consistency(from, to, r1, r2, (const uint8_t(*)[MERKLE_HASH_LEN])p, n),
        AUDIT_OK, "consistency %llu -> %llu", (unsigned long long)from, (unsigned long long)to);
    free(p);
    h_resp_free(r);
}

static const char *kind_of(const char *entry, char *buf, size_t len)
{
    json_t *j = json_loads(entry, 0, NULL);
    snprintf(buf, len, "%s", json_string_value(json_object_get(j, "kind")));
    json_decref(j);
    return buf;
}

Test(audit, every_change_is_recorded_and_verifiable)
{
    cr_assert(sodium_init() >= 0);
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    struct it_user joiner = it_user_new(s, "DE");
    struct it_user invited = it_user_new(s, "IT");
    int64_t aid = it_assembly_new(s, &conv, "public", "open");
    char path[200];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)aid);
    json_t *b = json_pack("{s:s}", "title", "Renamed \"assembly\" \xc3\xa9\xe2\x82\xac");
    cr_assert_eq(it_status(s, "PATCH", path, &conv, b), 200);
    json_decref(b);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/join", (long long)aid);
    cr_assert_eq(it_status(s, "POST", path, &joiner, NULL), 201);
    char *code = it_invite(s, &conv, aid, "observer", 3);
    cr_assert_eq(it_accept(s, &invited, code), 201);
    cr_assert_eq(it_patch_member(s, &conv, aid, joiner.id, "facilitator", NULL), 200);
    cr_assert_eq(it_patch_member(s, &invited, aid, invited.id, NULL, "left"), 200);
    /* Refused changes leave no trace. */
    cr_assert_eq(it_patch_member(s, &joiner, aid, conv.id, NULL, "suspended"), 403);
    cr_assert_eq(it_patch_member(s, &conv, aid, conv.id, NULL, "left"), 409);

    struct log_copy lc;
    fetch_log(s, NULL, aid, &lc);
    const char *kinds[] = {"assembly.created", "member.joined",      "assembly.updated",
                           "member.joined",    "invitation.created", "member.joined",
                           "member.updated",   "member.left"};
    cr_assert_eq(lc.n, sizeof kinds / sizeof kinds[0], "entries: %zu", lc.n);
    for (size_t i = 0; i < lc.n; i++) {
        char k[64];
        cr_expect_str_eq(kind_of(lc.entries[i], k, sizeof k), kinds[i], "entry %zu: %s", i + 1,
                         lc.entries[i]);
        cr_expect(strstr(lc.entries[i], code) == NULL, "invitation code leaked into the log");
    }
    /* Actor of the invitation acceptance is the invitee; data says how. */
    json_t *e6 = json_loads(lc.entries[5], 0, NULL);
    char idstr[32];
    snprintf(idstr, sizeof idstr, "%lld", (long long)invited.id);
    cr_expect_str_eq(json_string_value(json_object_get(e6, "actor")), idstr);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(e6, "data"), "via")),
                     "invitation");
    json_decref(e6);
    free(code);

    struct note_verifier v;
    fetch_key(s, &v);
    uint8_t root[MERKLE_HASH_LEN], mine[MERKLE_HASH_LEN];
    char *note1 = NULL;
    uint64_t size = fetch_checkpoint(s, NULL, aid, &v, root, &note1);
    cr_assert_eq(size, lc.n);
    mem_root(&lc, size, mine);
    cr_assert(memcmp(root, mine, MERKLE_HASH_LEN) == 0, "checkpoint root != recomputed root");
    /* Cached: the same size gives the same note. */
    char *note2 = NULL;
    fetch_checkpoint(s, NULL, aid, &v, root, &note2);
    cr_expect_str_eq(note1, note2);
    free(note2);

    for (uint64_t sz = 1; sz <= lc.n; sz++) {
        for (uint64_t i = 0; i < sz; i++) {
            check_inclusion(s, aid, &lc, i, sz);
        }
        for (uint64_t f = 1; f <= sz; f++) {
            check_consistency(s, aid, &lc, f, sz);
        }
    }

    /* The log grows; the old checkpoint is a prefix of the new one. */
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)aid);
    b = json_pack("{s:s}", "description", "grown");
    cr_assert_eq(it_status(s, "PATCH", path, &conv, b), 200);
    json_decref(b);
    log_free(&lc);
    fetch_log(s, NULL, aid, &lc);
    uint8_t root2[MERKLE_HASH_LEN];
    uint64_t size2 = fetch_checkpoint(s, NULL, aid, &v, root2, NULL);
    cr_assert_eq(size2, size + 1);
    check_consistency(s, aid, &lc, size, size2);
    free(note1);
    log_free(&lc);
}

Test(audit, proof_parameter_errors)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "open"); /* size 2 */
    const char *bad[] = {"proof/inclusion?index=2&size=2", "proof/inclusion?index=0&size=3",
                         "proof/inclusion?size=2",         "proof/inclusion?index=-1",
                         "proof/inclusion?index=0&size=0", "proof/consistency?from=3&to=2",
                         "proof/consistency?from=1&to=5",  "proof/consistency",
                         "proof/inclusion?index=01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[200];
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/%s", (long long)aid, bad[i]);
        cr_expect_eq(it_status(s, "GET", path, NULL, NULL), 422, "%s", bad[i]);
    }
    char path[200];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/proof/consistency?from=2&to=2",
             (long long)aid);
    struct h_resp *r = it_req(s, "GET", path, NULL, NULL);
    cr_expect_eq(r->status, 200);
    cr_expect_eq(json_array_size(json_object_get(r->json, "proof")), 0u);
    h_resp_free(r);
    cr_expect_eq(it_status(s, "GET", "/api/v1/assemblies/999999999/audit/checkpoint", NULL, NULL),
                 404);
}

/* --- atomicity ---------------------------------------------------------------- */

static void sql_ok(PGconn *db, const char *sql)
{
    PGresult *r = PQexec(db, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(db));
    PQclear(r);
}

/* A change whose audit entry cannot be written is rolled back whole: the
 * change does not stay without its record. The failure is forced from
 * outside, by a trigger that refuses this one assembly's entries. */
Test(audit, a_change_whose_entry_fails_is_rolled_back)
{
    struct h_server *s = h_shared();
    struct it_user conv = it_user_new(s, "FR");
    struct it_user joiner = it_user_new(s, "DE");
    int64_t aid = it_assembly_new(s, &conv, "public", "open");
    struct log_copy before;
    fetch_log(s, NULL, aid, &before);

    PGconn *db = PQconnectdb(h_db_url());
    cr_assert_eq(PQstatus(db), CONNECTION_OK, "%s", PQerrorMessage(db));
    char sql[512];
    sql_ok(db, "CREATE OR REPLACE FUNCTION pnyx_test_refuse_entry() RETURNS trigger "
               "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER refuse_%lld BEFORE INSERT ON audit_entries FOR EACH ROW "
             "WHEN (NEW.assembly_id = %lld) EXECUTE FUNCTION pnyx_test_refuse_entry()",
             (long long)aid, (long long)aid);
    sql_ok(db, sql);

    char path[160];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)aid);
    json_t *b = json_pack("{s:s}", "title", "must not stick");
    struct h_resp *r = it_req(s, "PATCH", path, &conv, b);
    json_decref(b);
    cr_expect_geq(r->status, 500, "PATCH gave %ld: %s", r->status, r->body);
    cr_expect(strstr(r->body, "refused by the test") == NULL, "database text leaked: %s", r->body);
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/join", (long long)aid);
    cr_expect_geq(it_status(s, "POST", path, &joiner, NULL), 500);

    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)aid);
    r = it_req(s, "GET", path, &conv, NULL);
    cr_assert_eq(r->status, 200);
    cr_expect_str_neq(json_string_value(json_object_get(r->json, "title")), "must not stick");
    h_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members", (long long)aid);
    r = it_req(s, "GET", path, &conv, NULL);
    cr_assert_eq(r->status, 200);
    cr_expect_eq(json_array_size(json_object_get(r->json, "items")), 1u, "%s", r->body);
    h_resp_free(r);

    struct log_copy during;
    fetch_log(s, NULL, aid, &during);
    cr_expect_eq(during.n, before.n);

    snprintf(sql, sizeof sql, "DROP TRIGGER refuse_%lld ON audit_entries", (long long)aid);
    sql_ok(db, sql);
    PQfinish(db);
    /* The log carries on from where it was: no hole where the failures were. */
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/join", (long long)aid);
    cr_assert_eq(it_status(s, "POST", path, &joiner, NULL), 201);
    struct log_copy after;
    fetch_log(s, NULL, aid, &after); /* asserts seq continuity */
    cr_expect_eq(after.n, before.n + 1);
    log_free(&before);
    log_free(&during);
    log_free(&after);
}

/* --- the signing key ---------------------------------------------------------- */

static char *public_key_of(struct h_server *s)
{
    struct h_resp *r = it_req(s, "GET", "/api/v1/audit/key", NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char *pk = strdup(json_string_value(json_object_get(r->json, "public_key")));
    h_resp_free(r);
    return pk;
}

/* Generated on first start, mode 0600, kept across restarts; a key that
 * cannot be read or created stops the start with exit code 2. */
Test(audit, signing_key_lifecycle)
{
    char dir[] = "/tmp/pnyx-key-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    char path[300], env[340];
    snprintf(path, sizeof path, "%s/checkpoint.key", dir);
    snprintf(env, sizeof env, "PNYX_SIGNING_KEY_FILE=%s", path);
    /* A deployment of its own: the shared database records another key. */
    const char *url = h_db_create();
    cr_assert(url != NULL);
    char url_env[600];
    snprintf(url_env, sizeof url_env, "PNYX_DATABASE_URL=%s", url);
    const char *extra[] = {env, url_env, NULL};

    struct h_server *s = h_server_start(extra);
    cr_assert(s != NULL);
    char *first = public_key_of(s);
    cr_assert_eq(h_server_stop(s), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "no key file at %s", path);
    cr_expect_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));

    s = h_server_start(extra);
    cr_assert(s != NULL);
    char *second = public_key_of(s);
    cr_assert_eq(h_server_stop(s), 0);
    cr_expect_str_eq(first, second, "the key changed across a restart");
    free(first);
    free(second);

    char log[4096];
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs("not a key\n", f);
    fclose(f);
    cr_expect_eq(h_server_refuses(extra, log, sizeof log), 2, "%s", log);
    cr_expect(strstr(log, "signing key") != NULL, "%s", log);
    unlink(path);

    snprintf(env, sizeof env, "PNYX_SIGNING_KEY_FILE=%s/missing/dir/checkpoint.key", dir);
    cr_expect_eq(h_server_refuses(extra, log, sizeof log), 2, "%s", log);
    rmdir(dir);
}

/* --- concurrency: 8 writers × 500 changes in ONE assembly ------------------ */

#define WRITERS 8
#define CHANGES 500

struct writer {
    struct h_server *s;
    struct it_user *u;
    int64_t aid;
    int id;
    int ok;
    int refused; /* the spoiler's 403s */
};

/* An outsider whose every change is refused inside the transaction (after
 * reading its standing), racing the writers: each refusal lands in a group
 * commit batch and must undo nothing but itself. */
#define SPOILS 300

static void *spoiler_main(void *arg)
{
    struct writer *w = arg;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)w->aid);
    for (int i = 0; i < SPOILS; i++) {
        json_t *b = json_pack("{s:s}", "description", "spoiled");
        long st = it_status(w->s, "PATCH", path, w->u, b);
        json_decref(b);
        if (st == 403) {
            w->refused++;
        }
    }
    return NULL;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)w->aid);
    for (int i = 0; i < CHANGES; i++) {
        char desc[64];
        snprintf(desc, sizeof desc, "writer %d change %d", w->id, i);
        json_t *b = json_pack("{s:s}", "description", desc);
        char *text = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        char auth[128];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", w->u->token);
        const char *hs[] = {auth, NULL};
        struct h_resp *r = h_request(w->s, "PATCH", path, text, hs);
        free(text);
        if (r != NULL && r->status == 200) {
            w->ok++;
        }
        h_resp_free(r);
    }
    return NULL;
}

static long long metric_of(const char *body, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(body, key);
    cr_assert(p != NULL, "no %s in /metrics", name);
    return strtoll(p + strlen(key), NULL, 10);
}

/* threads_env: the server's PNYX_THREADS. With 8 threads (one database
 * connection per writer) the appends really race inside PostgreSQL; with 2
 * most requests park (api_txn.c) while another batch runs, many per pool
 * thread. runners_env: PNYX_GROUP_RUNNERS, whether runner threads lead the
 * queued batches or the parked requests take turns (db_group.c). */
static void concurrent_appends(const char *threads_env, const char *runners_env)
{
    cr_assert(sodium_init() >= 0);
    const char *env[] = {threads_env, runners_env, NULL};
    struct h_server *s = h_server_start(env);
    cr_assert(s != NULL);
    struct it_user conv = it_user_new(s, "FR");
    int64_t aid = it_assembly_new(s, &conv, "public", "open");
    struct it_user outsider = it_user_new(s, "DE");
    pthread_t th[WRITERS + 1];
    struct writer w[WRITERS + 1];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct writer){.s = s, .u = &conv, .aid = aid, .id = i};
        cr_assert_eq(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    w[WRITERS] = (struct writer){.s = s, .u = &outsider, .aid = aid, .id = WRITERS};
    cr_assert_eq(pthread_create(&th[WRITERS], NULL, spoiler_main, &w[WRITERS]), 0);
    int ok = 0;
    for (int i = 0; i <= WRITERS; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    cr_assert_eq(ok, WRITERS * CHANGES, "only %d of %d changes succeeded\n%s", ok,
                 WRITERS * CHANGES, h_server_log_tail(s));
    cr_assert_eq(w[WRITERS].refused, SPOILS, "the outsider got %d refusals of %d",
                 w[WRITERS].refused, SPOILS);
    /* The writers' changes were group-committed (db_group.c), not one
     * flush each: otherwise this test would not exercise batches at all. */
    struct h_resp *m = h_get(s, "/metrics");
    cr_assert_eq(m->status, 200);
    const char *gc = strstr(m->body, "\npnyx_db_group_commits_total ");
    cr_assert(gc != NULL);
    long long commits = metric_of(m->body, "pnyx_db_group_commits_total");
    long long changes = metric_of(m->body, "pnyx_db_group_changes_total");
    cr_expect_gt(commits, 0);
    if (strcmp(threads_env, "PNYX_THREADS=2") == 0) {
        /* A batch larger than the pool: its followers parked instead of
         * each blocking a thread. */
        cr_expect_gt(changes, 2 * commits, "%lld changes in %lld batches", changes, commits);
    }
    h_resp_free(m);

    struct log_copy lc;
    fetch_log(s, NULL, aid, &lc); /* asserts seq 1..n without holes */
    cr_assert_eq(lc.n, (size_t)(2 + WRITERS * CHANGES));
    /* Every writer's every change is there exactly once. */
    int *seen = calloc(WRITERS * CHANGES, sizeof(int));
    for (size_t i = 2; i < lc.n; i++) {
        int wi = -1, ci = -1;
        const char *p = strstr(lc.entries[i], "writer ");
        cr_assert(p != NULL && sscanf(p, "writer %d change %d", &wi, &ci) == 2, "%s",
                  lc.entries[i]);
        seen[wi * CHANGES + ci]++;
    }
    for (int i = 0; i < WRITERS * CHANGES; i++) {
        cr_assert_eq(seen[i], 1, "change %d recorded %d times", i, seen[i]);
    }
    free(seen);
    struct note_verifier v;
    fetch_key(s, &v);
    uint8_t root[MERKLE_HASH_LEN], mine[MERKLE_HASH_LEN];
    uint64_t size = fetch_checkpoint(s, NULL, aid, &v, root, NULL);
    cr_assert_eq(size, lc.n);
    mem_root(&lc, size, mine);
    cr_assert(memcmp(root, mine, MERKLE_HASH_LEN) == 0, "root recomputed from all entries differs");
    /* Spot-check proofs across the big tree. */
    for (uint64_t i = 0; i < lc.n; i += 97) {
        check_inclusion(s, aid, &lc, i, lc.n);
        check_inclusion(s, aid, &lc, i, i + 1 + (lc.n - i - 1) / 2);
        check_consistency(s, aid, &lc, i + 1, lc.n);
    }
    log_free(&lc);
    cr_expect_eq(h_server_stop(s), 0, "unclean stop");
}

Test(audit, concurrent_appends_have_no_holes_or_forks)
{
    concurrent_appends("PNYX_THREADS=8", NULL);
}

/* The same with the default pool of 2 threads: requests park, runners lead. */
Test(audit, concurrent_appends_parked_have_no_holes_or_forks)
{
    concurrent_appends("PNYX_THREADS=2", NULL);
}

/* Without runners: a parked request is handed the lead and runs the next
 * batch on its own thread. */
Test(audit, concurrent_appends_parked_leaders_have_no_holes_or_forks)
{
    concurrent_appends("PNYX_THREADS=2", "PNYX_GROUP_RUNNERS=0");
}
