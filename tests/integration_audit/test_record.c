/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_record.c — issue 12 end to end: a live pnyxd with two pnyx-witness
 * processes on loopback; the record it serves passes pnyx-verify untouched,
 * and every single tampering (entry text, checkpoint root, signature,
 * dropped entry, replaced key, history rewritten after a saved checkpoint,
 * missing or forged cosignature) fails naming the right check. The witness
 * on its own: a split view is refused, also after a restart from its state
 * file; a bad proof, an unknown origin and a foreign signature are refused.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "assembly_util.h"
#include "core/audit/jcs.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"
#include "core/audit/witness.h"
#include "platform/http_client.h"
#include "platform/signing_key.h"
#include "question_util.h"
#include "witness_util.h"

/* ---- processes ------------------------------------------------------------------ */

static char g_dir[256];

static void tmpdir(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/pnyx-record-XXXXXX");
    cr_assert(mkdtemp(g_dir) != NULL);
}

/* ---- the world: pnyxd with its own key and two witnesses -------------------------- */

struct world {
    struct h_server *s;
    char db[512];
    char keyfile[300];
    char log_vkey[NOTE_VKEY_MAX];
    struct witness_proc w[2];
    struct it_user convener;
    int64_t aid;
    char saved[300]; /* an early checkpoint, saved as an auditor would */
};

static const char *g_origin_host = "pnyx.test";

static void world_start(struct world *W)
{
    memset(W, 0, sizeof *W);
    tmpdir();
    snprintf(W->keyfile, sizeof W->keyfile, "%s/log.key", g_dir);
    const char *db = h_db_create();
    cr_assert(db != NULL);
    snprintf(W->db, sizeof W->db, "%s", db);
    char env_db[600], env_key[400], env_origin[100], env_w[1200];
    snprintf(env_db, sizeof env_db, "PNYX_DATABASE_URL=%s", db);
    snprintf(env_key, sizeof env_key, "PNYX_SIGNING_KEY_FILE=%s", W->keyfile);
    snprintf(env_origin, sizeof env_origin, "PNYX_LOG_ORIGIN=%s", g_origin_host);
    const char *kargs[] = {"keygen", NULL};
    const char *kenv[] = {env_db, env_key, env_origin, NULL};
    char out[2048];
    cr_assert_eq(h_pnyxd_run(kargs, kenv, out, sizeof out), 0, "%s", out);
    /* the vkey is the line with two '+' */
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *p = strchr(line, '+');
        if (p != NULL && strchr(p + 1, '+') != NULL && strchr(line, ' ') == NULL) {
            snprintf(W->log_vkey, sizeof W->log_vkey, "%s", line);
        }
    }
    cr_assert(W->log_vkey[0] != '\0', "no vkey from pnyxd keygen");
    char log_arg[NOTE_VKEY_MAX + 64];
    snprintf(log_arg, sizeof log_arg, "%s/assembly/=%s", g_origin_host, W->log_vkey);
    witness_keygen(&W->w[0], g_dir, "w1.witness.test");
    witness_keygen(&W->w[1], g_dir, "w2.witness.test");
    witness_start(&W->w[0], log_arg, 0);
    witness_start(&W->w[1], log_arg, 0);
    snprintf(env_w, sizeof env_w, "PNYX_WITNESSES=%s@http://127.0.0.1:%u,%s@http://127.0.0.1:%u",
             W->w[0].vkey, W->w[0].port, W->w[1].vkey, W->w[1].port);
    const char *env[] = {env_db, env_key, env_origin, env_w, NULL};
    W->s = h_server_start(env);
    cr_assert(W->s != NULL);
    W->convener = it_user_new(W->s, "DE");
    W->aid = it_assembly_new(W->s, &W->convener, "public", "invite");
}

static char *get_checkpoint(struct world *W)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/checkpoint", (long long)W->aid);
    struct h_resp *r = it_req(W->s, "GET", path, &W->convener, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char *note = strdup(r->body);
    h_resp_free(r);
    return note;
}

/* Waits (≤ 30 s) until the served checkpoint of the current size carries a
 * valid cosignature by both witnesses; returns it. */
static char *wait_cosigned(struct world *W)
{
    for (int i = 0; i < 300; i++) {
        char *note = get_checkpoint(W);
        if (witness_cosig_open(&W->w[0].v, note, strlen(note), NULL) == AUDIT_OK &&
            witness_cosig_open(&W->w[1].v, note, strlen(note), NULL) == AUDIT_OK) {
            return note;
        }
        free(note);
        usleep(100000);
    }
    cr_assert_fail("the witnesses did not cosign within 30 s; pnyxd log:\n%s",
                   h_server_log_tail(W->s));
    return NULL;
}

static uint64_t note_size(const char *note)
{
    const char *nl = strchr(note, '\n');
    return strtoull(nl + 1, NULL, 10);
}

static void activity(struct world *W, int members)
{
    for (int i = 0; i < members; i++) {
        (void)it_member_new(W->s, &W->convener, W->aid, "member", NULL, i % 2 ? "FR" : "KE");
    }
}

static char *fetch_record(struct world *W, const char *name)
{
    char path[160], file[400];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/record", (long long)W->aid);
    struct h_resp *r = it_req(W->s, "GET", path, &W->convener, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(r->json != NULL);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "format")), "pnyx-record/1");
    snprintf(file, sizeof file, "%s/%s", g_dir, name);
    FILE *f = fopen(file, "w");
    fwrite(r->body, 1, r->body_len, f);
    fclose(f);
    h_resp_free(r);
    return strdup(file);
}

/* ---- pnyx-verify ----------------------------------------------------------------- */

struct verdict {
    int exit;
    const char *status[7];
    const char *reason[7];
    json_t *json;
};

static struct verdict verify(const char *record, const char *extra)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "%s %s --json %s", PNYX_TEST_VERIFY, record, extra ? extra : "");
    struct verdict v;
    memset(&v, 0, sizeof v);
    char *out = wu_run(cmd, &v.exit);
    v.json = json_loads(out, 0, NULL);
    cr_assert(v.json != NULL, "pnyx-verify printed no JSON (exit %d): %s", v.exit, out);
    json_t *checks = json_object_get(v.json, "checks");
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *c = json_array_get(checks, i);
        int id = (int)json_integer_value(json_object_get(c, "id"));
        cr_assert(id >= 1 && id <= 6);
        v.status[id] = json_string_value(json_object_get(c, "status"));
        v.reason[id] = json_string_value(json_object_get(c, "reason"));
    }
    free(out);
    return v;
}

static void expect_fail(const struct verdict *v, int check, const char *what)
{
    cr_expect_eq(v->exit, 1, "%s: exit %d", what, v->exit);
    cr_expect_str_eq(v->status[check], "FAIL", "%s: check %d is %s (%s)", what, check,
                     v->status[check], v->reason[check]);
}

/* A copy of the record (loaded with Jansson: the tests are not the
 * streaming reader) changed by fn and written to name. */
static char *tampered(const char *record, const char *name, void (*fn)(json_t *, void *), void *arg)
{
    json_error_t e;
    json_t *rec = json_load_file(record, 0, &e);
    cr_assert(rec != NULL, "%s", e.text);
    fn(rec, arg);
    char file[400];
    snprintf(file, sizeof file, "%s/%s", g_dir, name);
    cr_assert_eq(json_dump_file(rec, file, JSON_COMPACT), 0);
    json_decref(rec);
    return strdup(file);
}

static json_t *newest_cp(json_t *rec)
{
    json_t *cps = json_object_get(rec, "checkpoints");
    return json_array_get(cps, json_array_size(cps) - 1);
}

static void set_note(json_t *cp, const char *note)
{
    json_object_set_new(cp, "note", json_string(note));
}

/* Replaces the first occurrence of from by to in s (same length). */
static char *replace1(const char *s, const char *from, const char *to)
{
    char *out = strdup(s);
    char *p = strstr(out, from);
    cr_assert(p != NULL, "'%s' not in '%s'", from, s);
    cr_assert_eq(strlen(from), strlen(to));
    memcpy(p, to, strlen(to));
    return out;
}

static void t_entry_text(json_t *rec, void *arg)
{
    (void)arg;
    json_t *e = json_array_get(json_object_get(rec, "entries"), 1);
    char *t =
        replace1(json_string_value(json_object_get(e, "entry")), "\"at\":\"20", "\"at\":\"19");
    json_object_set_new(e, "entry", json_string(t));
    free(t);
}

static void t_cp_root(json_t *rec, void *arg)
{
    (void)arg;
    json_t *cp = newest_cp(rec);
    const char *note = json_string_value(json_object_get(cp, "note"));
    /* line 3 = the root */
    char *copy = strdup(note);
    char *l3 = strchr(strchr(copy, '\n') + 1, '\n') + 1;
    memcpy(l3, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 44);
    set_note(cp, copy);
    free(copy);
}

static void t_signature(json_t *rec, void *arg)
{
    (void)arg;
    json_t *cp = newest_cp(rec);
    char *copy = strdup(json_string_value(json_object_get(cp, "note")));
    char *sig = strstr(copy, "\n\n\xE2\x80\x94 ");
    cr_assert(sig != NULL);
    char *b64 = strchr(sig + 6, ' ') + 1;
    b64[20] = b64[20] == 'A' ? 'B' : 'A';
    set_note(cp, copy);
    free(copy);
}

static void t_drop_entry(json_t *rec, void *arg)
{
    (void)arg;
    json_array_remove(json_object_get(rec, "entries"), 2);
}

static struct note_signer g_log_signer;

static void load_log_signer(const char *keyfile)
{
    struct signing_key k;
    const char *why = NULL;
    cr_assert_eq(signing_key_read(keyfile, "x", &k, &why), SIGNING_KEY_OK, "%s", why);
    cr_assert_eq(note_signer_from_seed(&g_log_signer, k.name, k.seed), AUDIT_OK);
    signing_key_wipe(&k);
}

/* Re-signs every checkpoint body of rec with s, recomputing each root from
 * the record's entries (an attacker holding a signing key). */
static void resign_all(json_t *rec, const struct note_signer *s, bool recompute)
{
    struct merkle_mem m;
    merkle_mem_init(&m);
    json_t *entries = json_object_get(rec, "entries");
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        const char *t = json_string_value(json_object_get(e, "entry"));
        uint8_t leaf[32];
        merkle_leaf_hash(t, strlen(t), leaf);
        char b64[64];
        audit_b64_encode(leaf, 32, b64);
        json_object_set_new(e, "leaf_hash", json_string(b64));
        cr_assert_eq(merkle_mem_append(&m, leaf), AUDIT_OK);
    }
    const char *origin = json_string_value(json_object_get(rec, "origin"));
    json_t *cps = json_object_get(rec, "checkpoints");
    struct merkle_store st = merkle_mem_store(&m);
    for (size_t i = 0; i < json_array_size(cps); i++) {
        json_t *cp = json_array_get(cps, i);
        uint64_t size = (uint64_t)json_integer_value(json_object_get(cp, "size"));
        uint8_t root[32];
        if (recompute) {
            cr_assert_eq(merkle_root(&st, size, root), AUDIT_OK);
        } else {
            struct note_checkpoint parsed;
            const char *note = json_string_value(json_object_get(cp, "note"));
            const char *sep = strstr(note, "\n\n");
            cr_assert_eq(note_checkpoint_parse(note, (size_t)(sep - note) + 1, &parsed), AUDIT_OK);
            memcpy(root, parsed.root, 32);
        }
        char note[NOTE_SIGNED_CHECKPOINT_MAX];
        size_t nl;
        cr_assert_eq(note_checkpoint_sign(s, origin, size, root, note, sizeof note, &nl), AUDIT_OK);
        set_note(cp, note);
    }
    merkle_mem_fini(&m);
}

static void t_replace_key(json_t *rec, void *arg)
{
    (void)arg;
    uint8_t seed[32];
    randombytes_buf(seed, sizeof seed);
    struct note_signer other;
    json_t *key = json_object_get(rec, "key");
    cr_assert_eq(
        note_signer_from_seed(&other, json_string_value(json_object_get(key, "name")), seed),
        AUDIT_OK);
    char pk[64], vkey[NOTE_VKEY_MAX], id[9];
    size_t vl;
    audit_b64_encode(other.v.public_key, 32, pk);
    cr_assert_eq(note_vkey_format(&other.v, vkey, sizeof vkey, &vl), AUDIT_OK);
    snprintf(id, sizeof id, "%02x%02x%02x%02x", other.v.key_id[0], other.v.key_id[1],
             other.v.key_id[2], other.v.key_id[3]);
    json_object_set_new(key, "public_key", json_string(pk));
    json_object_set_new(key, "vkey", json_string(vkey));
    json_object_set_new(key, "key_id", json_string(id));
    resign_all(rec, &other, false);
}

/* The entry text changed and its leaf hash recomputed to match: only the
 * signed roots catch it. */
static void t_entry_and_leaf(json_t *rec, void *arg)
{
    (void)arg;
    t_entry_text(rec, NULL);
    json_t *e = json_array_get(json_object_get(rec, "entries"), 1);
    const char *t = json_string_value(json_object_get(e, "entry"));
    uint8_t leaf[32];
    merkle_leaf_hash(t, strlen(t), leaf);
    char b64[64];
    audit_b64_encode(leaf, 32, b64);
    json_object_set_new(e, "leaf_hash", json_string(b64));
}

/* The newest checkpoint re-signed by the log's own key over a wrong root. */
static void t_cp_root_resigned(json_t *rec, void *arg)
{
    (void)arg;
    json_t *cp = newest_cp(rec);
    uint8_t root[32];
    memset(root, 0x42, sizeof root);
    char note[NOTE_SIGNED_CHECKPOINT_MAX];
    size_t nl;
    cr_assert_eq(note_checkpoint_sign(&g_log_signer,
                                      json_string_value(json_object_get(rec, "origin")),
                                      (uint64_t)json_integer_value(json_object_get(cp, "size")),
                                      root, note, sizeof note, &nl),
                 AUDIT_OK);
    set_note(cp, note);
}

/* Entry 3's text replaced by `text` (seq 3 kept), leaf hashes, roots and
 * every checkpoint recomputed and re-signed with the log's own key: only
 * check 3 can object. */
static void rewrite_entry3(json_t *rec, const char *from, const char *to)
{
    json_t *e = json_array_get(json_object_get(rec, "entries"), 2);
    const char *old = json_string_value(json_object_get(e, "entry"));
    char buf[4096];
    const char *p = strstr(old, from);
    cr_assert(p != NULL, "'%s' not in %s", from, old);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - old), old, to, p + strlen(from));
    json_object_set_new(e, "entry", json_string(buf));
    resign_all(rec, &g_log_signer, true);
}

static void t_unknown_kind(json_t *rec, void *arg)
{
    (void)arg;
    rewrite_entry3(rec, "\"kind\":\"", "\"kind\":\"x");
}

static void t_not_canonical(json_t *rec, void *arg)
{
    (void)arg;
    rewrite_entry3(rec, "\"kind\":", "\"kind\": ");
}

static void t_other_assembly(json_t *rec, void *arg)
{
    (void)arg;
    rewrite_entry3(rec, "\"assembly\":\"", "\"assembly\":\"9");
}

static void t_seq_in_text(json_t *rec, void *arg)
{
    (void)arg;
    rewrite_entry3(rec, "\"seq\":3}", "\"seq\":4}");
}

/* Two entries swapped (order of the log changed), re-signed. */
static void t_swapped(json_t *rec, void *arg)
{
    (void)arg;
    json_t *entries = json_object_get(rec, "entries");
    json_t *a = json_incref(json_array_get(entries, 2));
    json_t *b = json_incref(json_array_get(entries, 3));
    json_array_set_new(entries, 2, b);
    json_array_set_new(entries, 3, a);
    resign_all(rec, &g_log_signer, true);
}

static void t_rewrite_history(json_t *rec, void *arg)
{
    (void)arg;
    t_entry_text(rec, NULL);
    resign_all(rec, &g_log_signer, true); /* the log's own key: self-consistent */
}

static void t_drop_cosig(json_t *rec, void *arg)
{
    const char *name = arg;
    json_t *cp = newest_cp(rec);
    char *copy = strdup(json_string_value(json_object_get(cp, "note")));
    char needle[300];
    snprintf(needle, sizeof needle, "\xE2\x80\x94 %s ", name);
    char *line = strstr(copy, needle);
    cr_assert(line != NULL);
    char *eol = strchr(line, '\n');
    memmove(line, eol + 1, strlen(eol + 1) + 1);
    set_note(cp, copy);
    free(copy);
}

static void t_forge_cosig(json_t *rec, void *arg)
{
    const char *name = arg;
    json_t *cp = newest_cp(rec);
    char *copy = strdup(json_string_value(json_object_get(cp, "note")));
    char needle[300];
    snprintf(needle, sizeof needle, "\xE2\x80\x94 %s ", name);
    char *line = strstr(copy, needle);
    cr_assert(line != NULL);
    char *b64 = line + strlen(needle);
    b64[40] = b64[40] == 'A' ? 'B' : 'A'; /* inside the signature, past key id and time */
    set_note(cp, copy);
    free(copy);
}

Test(record, tamper_suite_over_a_live_record_with_two_witnesses)
{
    cr_assert(sodium_init() >= 0);
    struct world W;
    world_start(&W);
    activity(&W, 2);
    /* Both witnesses cosign a first size, then a grown one (which needs a
     * consistency proof from the size each cosigned before). */
    char *first = wait_cosigned(&W);
    uint64_t s1 = note_size(first);
    snprintf(W.saved, sizeof W.saved, "%s/saved-checkpoint.txt", g_dir);
    FILE *f = fopen(W.saved, "w");
    fputs(first, f);
    fclose(f);
    activity(&W, 3);
    char *second = wait_cosigned(&W);
    uint64_t s2 = note_size(second);
    cr_assert_gt(s2, s1, "the log grew from %llu", (unsigned long long)s1);
    /* the log signature still verifies on the served note with cosignatures */
    struct note_verifier lv;
    cr_assert_eq(note_vkey_parse(&lv, W.log_vkey, strlen(W.log_vkey)), AUDIT_OK);
    struct note_checkpoint cp;
    cr_assert_eq(note_checkpoint_open(&lv, second, strlen(second), NULL, &cp), AUDIT_OK);
    free(first);
    free(second);

    /* pnyxd forgets what the witnesses cosigned (a restored database):
     * it submits "old 0", each witness answers 409 text/x.tlog.size with
     * its size, and pnyxd resubmits from there with a proof. */
    PGconn *pg = PQconnectdb(W.db);
    cr_assert_eq(PQstatus(pg), CONNECTION_OK, "%s", PQerrorMessage(pg));
    PGresult *res = PQexec(pg, "DELETE FROM witness_submissions");
    cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
    PQclear(res);
    activity(&W, 1);
    char *third = wait_cosigned(&W);
    cr_assert_gt(note_size(third), s2);
    free(third);
    res = PQexec(pg, "SELECT count(*) FROM witness_submissions WHERE size > 0 AND attempts = 0");
    cr_assert_str_eq(PQgetvalue(res, 0, 0), "2");
    PQclear(res);
    PQfinish(pg);
    /* the 409 path was taken (pnyxd logs each resubmission) */
    cr_assert(strstr(h_server_log_tail(W.s), "resubmitting from there") != NULL, "%s",
              h_server_log_tail(W.s));

    char *rec = fetch_record(&W, "record.json");
    char pk[64];
    audit_b64_encode(lv.public_key, 32, pk);
    char args[2000];
    snprintf(args, sizeof args, "--key %s --checkpoint %s --witness %s --witness %s", pk, W.saved,
             W.w[0].vkey, W.w[1].vkey);

    /* untouched: passes (4 and 5 over no question: nothing to contradict) */
    struct verdict v = verify(rec, args);
    cr_assert_eq(v.exit, 0, "untouched record: exit %d: %s", v.exit,
                 json_dumps(v.json, JSON_COMPACT));
    for (int i = 1; i <= 6; i++) {
        cr_assert_str_eq(v.status[i], "PASS", "check %d: %s", i, v.reason[i]);
    }
    /* the human-readable output names each check too */
    int st;
    char cmd[2500];
    snprintf(cmd, sizeof cmd, "%s %s %s", PNYX_TEST_VERIFY, rec, args);
    char *text = wu_run(cmd, &st);
    cr_assert_eq(st, 0);
    cr_assert(strstr(text, "PASS        1 signatures") != NULL, "%s", text);
    cr_assert(strstr(text, "PASS        4 boards") != NULL, "%s", text);
    cr_assert(strstr(text, "result: PASS") != NULL, "%s", text);
    free(text);
    json_decref(v.json);

    load_log_signer(W.keyfile);
    struct {
        const char *name;
        void (*fn)(json_t *, void *);
        void *arg;
        int check;
        int check2; /* also fails, or 0; -1: re-signed with the log's key, checked with
                       --key only (a saved checkpoint or a witness would catch it
                       too): checks 1-3 but `check` pass */
    } cases[] = {
        {"entry-text", t_entry_text, NULL, 2, 0},
        {"entry-text-and-leaf-hash", t_entry_and_leaf, NULL, 2, 0},
        {"checkpoint-root", t_cp_root, NULL, 1, 0},
        {"checkpoint-root-resigned", t_cp_root_resigned, NULL, 2, 0},
        {"signature", t_signature, NULL, 1, 0},
        {"dropped-entry", t_drop_entry, NULL, 3, 2},
        {"replaced-key", t_replace_key, NULL, 1, 0},
        {"rewritten-history", t_rewrite_history, NULL, 2, 0},
        {"unknown-kind", t_unknown_kind, NULL, 3, -1},
        {"not-canonical", t_not_canonical, NULL, 3, -1},
        {"other-assembly", t_other_assembly, NULL, 3, -1},
        {"seq-in-text", t_seq_in_text, NULL, 3, -1},
        {"swapped-entries", t_swapped, NULL, 3, -1},
        {"missing-cosignature", t_drop_cosig, W.w[1].v.name, 6, 0},
        {"forged-cosignature", t_forge_cosig, W.w[0].v.name, 6, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.json", cases[i].name);
        char *t = tampered(rec, name, cases[i].fn, cases[i].arg);
        char keyonly[200];
        snprintf(keyonly, sizeof keyonly, "--key %s", pk);
        struct verdict tv = verify(t, cases[i].check2 < 0 ? keyonly : args);
        expect_fail(&tv, cases[i].check, cases[i].name);
        if (cases[i].check2 > 0) {
            expect_fail(&tv, cases[i].check2, cases[i].name);
        }
        for (int c = 1; cases[i].check2 < 0 && c <= 3; c++) {
            if (c != cases[i].check) {
                cr_expect_str_eq(tv.status[c], "PASS", "%s: check %d: %s", cases[i].name, c,
                                 tv.reason[c]);
            }
        }
        json_decref(tv.json);
        free(t);
    }

    /* Without the saved checkpoint the rewritten history is self-consistent
     * (signed by the log's own key): the saved checkpoint is what catches it. */
    char *rw = tampered(rec, "rewritten-2.json", t_rewrite_history, NULL);
    char noargs[600];
    snprintf(noargs, sizeof noargs, "--key %s", pk);
    struct verdict rv = verify(rw, noargs);
    cr_expect_eq(rv.exit, 0, "rewritten without --checkpoint: %s", rv.reason[2]);
    cr_expect_str_eq(rv.status[6], "SKIPPED");
    json_decref(rv.json);
    rv = verify(rw, args);
    cr_expect(strstr(rv.reason[2], "REWRITTEN") != NULL, "%s", rv.reason[2]);
    /* the witnesses catch it too: their cosignatures are over the old roots */
    cr_expect_str_eq(rv.status[6], "FAIL", "%s", rv.reason[6]);
    json_decref(rv.json);
    free(rw);

    /* unreadable input: exit 2 */
    char bad[400];
    snprintf(bad, sizeof bad, "%s/not-json.json", g_dir);
    f = fopen(bad, "w");
    fputs("{\"format\":", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", PNYX_TEST_VERIFY, bad);
    free(wu_run(cmd, &st));
    cr_expect_eq(st, 2);
    snprintf(cmd, sizeof cmd, "%s %s/missing.json 2>/dev/null", PNYX_TEST_VERIFY, g_dir);
    free(wu_run(cmd, &st));
    cr_expect_eq(st, 2);
    free(rec);
    h_server_stop(W.s);
    witness_stop(&W.w[0]);
    witness_stop(&W.w[1]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---- a record of several pages ----------------------------------------------------- */

static void *patcher(void *arg)
{
    struct world *W = arg;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)W->aid);
    for (int i = 0; i < 550; i++) {
        char d[64];
        snprintf(d, sizeof d, "description \"%d\" \xc3\xa9", i);
        json_t *b = json_pack("{s:s}", "description", d);
        long st = it_status(W->s, "PATCH", path, &W->convener, b);
        json_decref(b);
        /* and a checkpoint of (about) this size, cached by the server */
        char cpath[160];
        snprintf(cpath, sizeof cpath, "%s/audit/checkpoint", path);
        if (st != 200 || it_status(W->s, "GET", cpath, &W->convener, NULL) != 200) {
            return (void *)1;
        }
    }
    return NULL;
}

/* The record is written a page of 1,000 entries (and checkpoints) at a
 * time: 2,200 entries cross two page boundaries, the checkpoints cached by
 * a read after each change (fewer: concurrent reads share sizes) one; the document stays canonical
 * JSON and passes. */
Test(record, pages_of_entries_stay_one_canonical_document)
{
    struct world W;
    memset(&W, 0, sizeof W);
    tmpdir();
    W.s = h_shared();
    W.convener = it_user_new(W.s, "DE");
    W.aid = it_assembly_new(W.s, &W.convener, "public", "invite");
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, patcher, &W), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        cr_assert(rc == NULL, "a PATCH failed");
    }
    char *rec = fetch_record(&W, "record.json");
    size_t len;
    FILE *f = fopen(rec, "r");
    char *body = malloc(4 << 20);
    len = fread(body, 1, 4 << 20, f);
    fclose(f);
    char *canon = NULL;
    size_t clen = 0;
    cr_assert_eq(jcs_canonicalize(body, len, &canon, &clen, NULL), AUDIT_OK);
    cr_assert(clen == len && memcmp(canon, body, len) == 0, "the record is not canonical JSON");
    free(canon);
    free(body);
    struct verdict v = verify(rec, NULL);
    cr_assert_eq(v.exit, 0, "%s / %s / %s", v.reason[1], v.reason[2], v.reason[3]);
    json_t *r = json_object_get(v.json, "record");
    cr_assert_geq(json_integer_value(json_object_get(r, "entries")), 2201);
    cr_assert_geq(json_integer_value(json_object_get(r, "checkpoints")), 1001, "%lld checkpoints",
                  (long long)json_integer_value(json_object_get(r, "checkpoints")));
    cr_assert_str_eq(v.status[6], "SKIPPED");
    json_decref(v.json);
    free(rec);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---- the witness alone -------------------------------------------------------------- */

static struct merkle_mem tree_a, tree_b;

static void trees(void)
{
    merkle_mem_init(&tree_a);
    merkle_mem_init(&tree_b);
    for (int i = 0; i < 8; i++) {
        char e[32];
        int n = snprintf(e, sizeof e, "{\"seq\":%d}", i + 1);
        cr_assert_eq(merkle_mem_append_entry(&tree_a, e, (size_t)n), AUDIT_OK);
        n = snprintf(e, sizeof e, "{\"seq\":%d,\"b\":1}", i + 1);
        cr_assert_eq(merkle_mem_append_entry(&tree_b, e, (size_t)n), AUDIT_OK);
    }
}

struct answer {
    int status;
    char ctype[128];
    char body[1024];
};

static struct answer submit(const struct witness_proc *w, const struct note_signer *log,
                            const char *origin, struct merkle_mem *t, uint64_t old, uint64_t size,
                            struct merkle_mem *proof_tree)
{
    struct merkle_store st = merkle_mem_store(t);
    uint8_t root[32];
    cr_assert_eq(merkle_root(&st, size, root), AUDIT_OK);
    char note[NOTE_SIGNED_CHECKPOINT_MAX];
    size_t nl;
    cr_assert_eq(note_checkpoint_sign(log, origin, size, root, note, sizeof note, &nl), AUDIT_OK);
    uint8_t proof[MERKLE_MAX_PROOF][32];
    size_t pl = 0;
    if (old > 0 && old < size) {
        struct merkle_store ps = merkle_mem_store(proof_tree ? proof_tree : t);
        cr_assert_eq(merkle_consistency_proof(&ps, old, size, proof, MERKLE_MAX_PROOF, &pl),
                     AUDIT_OK);
    }
    char body[4096];
    size_t bl;
    cr_assert_eq(witness_request_format(old, (const uint8_t(*)[32])proof, pl, note, nl, body,
                                        sizeof body, &bl),
                 AUDIT_OK);
    char url[100], err[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/add-checkpoint", w->port);
    struct http_client_resp r;
    cr_assert_eq(http_client_post(url, "text/plain", body, bl, 5000, 65536, &r, err, sizeof err), 0,
                 "%s", err);
    struct answer a = {.status = r.status};
    snprintf(a.ctype, sizeof a.ctype, "%s", r.content_type);
    snprintf(a.body, sizeof a.body, "%s", r.body);
    if (r.status == 200) {
        /* the cosignature verifies on that checkpoint */
        char both[NOTE_SIGNED_CHECKPOINT_MAX + 1024];
        snprintf(both, sizeof both, "%s%s", note, r.body);
        cr_assert_eq(witness_cosig_open(&w->v, both, strlen(both), NULL), AUDIT_OK, "%s", both);
    }
    http_client_free(&r);
    return a;
}

Test(witness, split_view_refused_also_after_restart)
{
    cr_assert(sodium_init() >= 0);
    tmpdir();
    trees();
    uint8_t seed[32] = {1, 2, 3};
    struct note_signer log, other;
    cr_assert_eq(note_signer_from_seed(&log, "split.test/log", seed), AUDIT_OK);
    seed[0] = 9;
    cr_assert_eq(note_signer_from_seed(&other, "split.test/log", seed), AUDIT_OK);
    char lv[NOTE_VKEY_MAX], log_arg[NOTE_VKEY_MAX + 64];
    size_t len;
    cr_assert_eq(note_vkey_format(&log.v, lv, sizeof lv, &len), AUDIT_OK);
    snprintf(log_arg, sizeof log_arg, "split.test/=%s", lv);
    struct witness_proc w;
    memset(&w, 0, sizeof w);
    witness_keygen(&w, g_dir, "solo.witness.test");
    witness_start(&w, log_arg, 0);
    const char *o = "split.test/assembly/1";

    struct answer a = submit(&w, &log, o, &tree_a, 0, 3, NULL);
    cr_assert_eq(a.status, 200, "%s", a.body);
    /* split view: size 3 again with another root */
    a = submit(&w, &log, o, &tree_b, 3, 3, NULL);
    cr_assert_eq(a.status, 409, "%s", a.body);
    cr_assert(strstr(a.body, "split view") != NULL, "%s", a.body);
    /* a stale old size: 409 text/x.tlog.size with the size it cosigned */
    a = submit(&w, &log, o, &tree_a, 0, 5, NULL);
    cr_assert_eq(a.status, 409);
    cr_assert_str_eq(a.ctype, "text/x.tlog.size");
    cr_assert_str_eq(a.body, "3\n");
    /* the other history grown to 5, with its own (valid for B) proof: 422 */
    a = submit(&w, &log, o, &tree_b, 3, 5, NULL);
    cr_assert_eq(a.status, 422, "%s", a.body);
    /* old above the size: 400; foreign key: 403; unknown origin: 404 */
    a = submit(&w, &log, o, &tree_a, 6, 5, NULL);
    cr_assert_eq(a.status, 400);
    a = submit(&w, &other, o, &tree_a, 3, 5, NULL);
    cr_assert_eq(a.status, 403);
    a = submit(&w, &log, "elsewhere.test/assembly/1", &tree_a, 0, 5, NULL);
    cr_assert_eq(a.status, 404);

    /* restart from the state file: it still refuses the other root */
    witness_stop(&w);
    witness_start(&w, log_arg, 0);
    a = submit(&w, &log, o, &tree_b, 3, 3, NULL);
    cr_assert_eq(a.status, 409, "after restart: %s", a.body);
    a = submit(&w, &log, o, &tree_b, 3, 6, NULL);
    cr_assert_eq(a.status, 422, "after restart: %s", a.body);
    /* and extends its own history */
    a = submit(&w, &log, o, &tree_a, 3, 7, NULL);
    cr_assert_eq(a.status, 200, "%s", a.body);
    a = submit(&w, &log, o, &tree_a, 7, 7, NULL);
    cr_assert_eq(a.status, 200, "%s", a.body);
    witness_stop(&w);
    witness_start(&w, log_arg, 0);
    a = submit(&w, &log, o, &tree_a, 0, 8, NULL);
    cr_assert_str_eq(a.body, "7\n");
    witness_stop(&w);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    cr_expect_eq(system(cmd), 0);
    merkle_mem_fini(&tree_a);
    merkle_mem_fini(&tree_b);
}

/* A PNYX_WITNESSES pnyxd cannot use is refused at start, with the reason. */
Test(witness, bad_witness_configuration_refuses_to_start)
{
    const char *bad[] = {"PNYX_WITNESSES=not-a-vkey@http://127.0.0.1:1",
                         "PNYX_WITNESSES=w+00000000+AQ==", NULL};
    for (int i = 0; bad[i] != NULL; i++) {
        const char *env[] = {bad[i], NULL};
        char out[4096];
        int st = h_server_refuses(env, out, sizeof out);
        cr_expect_eq(st, 2, "%s: exit %d: %s", bad[i], st, out);
        cr_expect(strstr(out, "PNYX_WITNESSES") != NULL, "%s", out);
    }
}

/* ---- a record with a tallied question (checks 4 and 5) ------------------------------ */

/* The record's first question. */
static json_t *q0(json_t *rec)
{
    return json_array_get(json_object_get(rec, "questions"), 0);
}

static json_t *board0(json_t *rec)
{
    return json_object_get(q0(rec), "board");
}

/* A ranking on the board changed to another valid one. */
static void t_board_ranking(json_t *rec, void *arg)
{
    (void)arg;
    json_t *e = json_array_get(board0(rec), 0);
    json_t *r = json_object_get(e, "ranking");
    const char *first = json_string_value(json_array_get(r, 0));
    json_object_set_new(e, "ranking", json_pack("[s]", strcmp(first, "C") == 0 ? "A" : "C"));
}

static void t_board_swapped(json_t *rec, void *arg)
{
    (void)arg;
    json_t *b = board0(rec);
    json_t *x = json_incref(json_array_get(b, 0));
    json_t *y = json_incref(json_array_get(b, 1));
    json_array_set_new(b, 0, y);
    json_array_set_new(b, 1, x);
}

static void t_board_dropped(json_t *rec, void *arg)
{
    (void)arg;
    json_array_remove(board0(rec), 2);
}

/* A ranking naming an option the question does not have. */
static void t_board_unknown_option(json_t *rec, void *arg)
{
    (void)arg;
    json_t *e = json_array_get(board0(rec), 1);
    json_object_set_new(e, "ranking", json_pack("[s]", "Q"));
}

/* The first digit after "rounds" in the result bytes changed. */
static char *edited_result(json_t *rec)
{
    char *r = strdup(json_string_value(json_object_get(q0(rec), "result")));
    char *p = strstr(r, "\"rounds\"");
    cr_assert(p != NULL, "no rounds in %s", r);
    while (*p != '\0' && (*p < '0' || *p > '9')) {
        p++;
    }
    cr_assert(*p != '\0');
    *p = *p == '9' ? '8' : (char)(*p + 1);
    return r;
}

static void t_result_round(json_t *rec, void *arg)
{
    (void)arg;
    char *r = edited_result(rec);
    json_object_set_new(q0(rec), "result", json_string(r));
    free(r);
}

/* The entry of this kind rewritten (from → to), the log re-signed with its
 * own key: checks 1-3 hold, only the question checks can object. */
static void rewrite_kind(json_t *rec, const char *kind, const char *from, const char *to)
{
    json_t *entries = json_object_get(rec, "entries");
    char want[80];
    snprintf(want, sizeof want, "\"kind\":\"%s\"", kind);
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        const char *old = json_string_value(json_object_get(e, "entry"));
        if (strstr(old, want) == NULL) {
            continue;
        }
        char buf[8192];
        const char *p = strstr(old, from);
        cr_assert(p != NULL, "'%s' not in %s", from, old);
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - old), old, to, p + strlen(from));
        json_object_set_new(e, "entry", json_string(buf));
        resign_all(rec, &g_log_signer, true);
        return;
    }
    cr_assert_fail("no %s entry", kind);
}

/* tally.published names another result hash. */
static void t_result_hash(json_t *rec, void *arg)
{
    (void)arg;
    json_t *entries = json_object_get(rec, "entries");
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        const char *old = json_string_value(json_object_get(e, "entry"));
        const char *p = strstr(old, "\"result_hash\":\"");
        if (p != NULL && strstr(old, "\"kind\":\"tally.published\"") != NULL) {
            char *t = strdup(old);
            memcpy(t + (p - old) + 15, "00000000", 8); /* same length, another hash */
            json_object_set_new(e, "entry", json_string(t));
            free(t);
        }
    }
    resign_all(rec, &g_log_signer, true);
}

/* tally.published names another seed. */
static void t_seed(json_t *rec, void *arg)
{
    (void)arg;
    json_t *entries = json_object_get(rec, "entries");
    bool negative = false;
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(entries, i), "entry"));
        negative = negative || (strstr(t, "\"kind\":\"tally.published\"") != NULL &&
                                strstr(t, "\"seed\":-") != NULL);
    }
    /* a digit put in front of the digits: a valid, different seed */
    rewrite_kind(rec, "tally.published",
                 negative ? "\"seed\":-" : "\"seed\":", negative ? "\"seed\":-1" : "\"seed\":1");
}

/* A result round edited AND tally.published re-signed over its hash: the
 * hash agrees, only the recount catches it. */
static void t_result_round_resigned(json_t *rec, void *arg)
{
    (void)arg;
    char *r = edited_result(rec);
    uint8_t h[32];
    crypto_hash_sha256(h, (const unsigned char *)r, strlen(r));
    char hex[65];
    for (int i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    }
    json_object_set_new(q0(rec), "result", json_string(r));
    free(r);
    json_t *entries = json_object_get(rec, "entries");
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        const char *old = json_string_value(json_object_get(e, "entry"));
        const char *p = strstr(old, "\"result_hash\":\"");
        if (p != NULL && strstr(old, "\"kind\":\"tally.published\"") != NULL) {
            char *t = strdup(old);
            memcpy(t + (p - old) + 15, hex, 64);
            json_object_set_new(e, "entry", json_string(t));
            free(t);
        }
    }
    resign_all(rec, &g_log_signer, true);
}

/* A board in the record for a question the log never closed. */
static void t_board_before_close(json_t *rec, void *arg)
{
    (void)arg;
    json_t *q = json_deep_copy(q0(rec));
    json_object_set_new(q, "id", json_integer(999999));
    json_array_append_new(json_object_get(rec, "questions"), q);
}

/* The question left out of the record altogether. */
static void t_question_dropped(json_t *rec, void *arg)
{
    (void)arg;
    json_array_clear(json_object_get(rec, "questions"));
}

Test(record, tamper_suite_over_a_record_with_a_tallied_question)
{
    cr_assert(sodium_init() >= 0);
    struct world W;
    world_start(&W);
    static const char *const countries[] = {"DE", "FR", "KE", "DE", "FR", "KE", "ES"};
    static const char *const rankings[] = {"[\"A\",\"B\"]", "[\"B\",\"C\"]", "[\"C\",\"A\",\"B\"]",
                                           "[\"A\"]",       "[\"B\",\"A\"]", "[\"C\",\"B\"]",
                                           "[\"A\",\"C\"]"};
    enum { NV = 7 };
    struct it_user m[NV];
    for (int i = 0; i < NV; i++) {
        m[i] = it_member_new(W.s, &W.convener, W.aid, "member", "active", countries[i]);
    }
    int64_t qid = qu_create(W.s, &W.convener, W.aid, qu_body());
    qu_open(W.s, &W.convener, qid);
    for (int i = 0; i < NV; i++) {
        json_t *b = json_pack("{s:o}", "ranking", json_loads(rankings[i], 0, NULL));
        struct h_resp *r = qu_post(W.s, &m[i], qid, "ballots", b);
        json_decref(b);
        cr_assert_eq(r->status, 201, "cast %d: %ld %s", i, r->status, r->body);
        h_resp_free(r);
    }
    struct h_resp *cr = qu_close_resp(W.s, &W.convener, qid, "the record test");
    cr_assert_eq(cr->status, 200, "close: %ld %s", cr->status, cr->body);
    cr_assert_str_eq(json_string_value(json_object_get(cr->json, "state")), "tallied", "%s",
                     cr->body);
    h_resp_free(cr);
    free(wait_cosigned(&W));
    char *rec = fetch_record(&W, "record-q.json");

    /* the record carries the question: board in receipt order, result bytes
     * equal to GET …/result */
    json_error_t je;
    json_t *doc = json_load_file(rec, 0, &je);
    cr_assert(doc != NULL, "%s", je.text);
    cr_assert_eq(json_array_size(json_object_get(doc, "questions")), 1);
    cr_assert_eq(json_integer_value(json_object_get(q0(doc), "id")), qid);
    cr_assert_eq(json_array_size(board0(doc)), NV);
    struct h_resp *rr =
        it_req(W.s, "GET", pp("/api/v1/questions/%lld/result", (long long)qid), &W.convener, NULL);
    cr_assert_eq(rr->status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(q0(doc), "result")), rr->body);
    h_resp_free(rr);
    json_decref(doc);

    struct note_verifier lv;
    cr_assert_eq(note_vkey_parse(&lv, W.log_vkey, strlen(W.log_vkey)), AUDIT_OK);
    char pk[64];
    audit_b64_encode(lv.public_key, 32, pk);
    char args[2000], keyonly[200];
    snprintf(args, sizeof args, "--key %s --witness %s --witness %s", pk, W.w[0].vkey, W.w[1].vkey);
    snprintf(keyonly, sizeof keyonly, "--key %s", pk);
    struct verdict v = verify(rec, args);
    cr_assert_eq(v.exit, 0, "untouched record: exit %d: %s", v.exit,
                 json_dumps(v.json, JSON_COMPACT));
    for (int i = 1; i <= 6; i++) {
        cr_assert_str_eq(v.status[i], "PASS", "check %d: %s", i, v.reason[i]);
    }
    cr_assert(strstr(v.reason[4], "1 board (7 ballots)") != NULL, "%s", v.reason[4]);
    cr_assert(strstr(v.reason[5], "1 result recount") != NULL, "%s", v.reason[5]);
    json_decref(v.json);

    load_log_signer(W.keyfile);
    struct {
        const char *name;
        void (*fn)(json_t *, void *);
        int check;
        const char *says; /* in that check's reason */
        bool resigned;    /* checks 1-3 must still pass (verified with --key only) */
    } cases[] = {
        {"board-ranking", t_board_ranking, 4, "Merkle root", false},
        {"board-reordered", t_board_swapped, 4, "not sorted by receipt", false},
        {"board-dropped", t_board_dropped, 4, "entries but question.closed says", false},
        {"board-unknown-option", t_board_unknown_option, 4, "does not have", false},
        {"result-round", t_result_round, 5, "SHA-256", false},
        {"result-round-resigned", t_result_round_resigned, 5, "does not recount", true},
        {"result-hash", t_result_hash, 5, "result_hash", true},
        {"seed", t_seed, 5, "seed", true},
        {"board-before-close", t_board_before_close, 3, "no question.closed", false},
        {"question-dropped", t_question_dropped, 4, "carries no board", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char name[64];
        snprintf(name, sizeof name, "q-%s.json", cases[i].name);
        char *t = tampered(rec, name, cases[i].fn, NULL);
        struct verdict tv = verify(t, cases[i].resigned ? keyonly : args);
        expect_fail(&tv, cases[i].check, cases[i].name);
        cr_expect(tv.reason[cases[i].check] != NULL &&
                      strstr(tv.reason[cases[i].check], cases[i].says) != NULL,
                  "%s: check %d says: %s", cases[i].name, cases[i].check,
                  tv.reason[cases[i].check]);
        for (int c = 1; cases[i].resigned && c <= 3; c++) {
            cr_expect_str_eq(tv.status[c], "PASS", "%s: check %d: %s", cases[i].name, c,
                             tv.reason[c]);
        }
        json_decref(tv.json);
        free(t);
    }
    free(rec);
    h_server_stop(W.s);
    witness_stop(&W.w[0]);
    witness_stop(&W.w[1]);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    cr_expect_eq(system(cmd), 0);
}

/* Every method and rule pnyx-verify must recount exactly as pnyxd counted:
 * STV with two seats, Schulze, IRV with a country cap, a double majority
 * and a quorum that is not met, a question closed with no ballot — all in
 * one record, which passes every check. */
Test(record, every_method_and_rule_recounts)
{
    cr_assert(sodium_init() >= 0);
    struct world W;
    world_start(&W);
    static const char *const countries[] = {"DE", "FR", "KE", "DE", "FR", "KE", "ES", "DE"};
    enum { NV = 8 };
    struct it_user m[NV];
    for (int i = 0; i < NV; i++) {
        m[i] = it_member_new(W.s, &W.convener, W.aid, "member", "active", countries[i]);
    }
    struct {
        const char *method;
        int seats;
        const char *cap, *dm, *turnout;
        int voters;
    } qs[] = {
        {"stv", 2, NULL, NULL, NULL, NV},      {"schulze", 1, NULL, NULL, NULL, NV},
        {"irv", 1, "0.5", NULL, NULL, NV},     {"irv", 1, NULL, "0.5", NULL, NV},
        {"schulze", 1, NULL, "0.5", NULL, NV}, {"irv", 1, NULL, NULL, "0.9", 3},
        {"irv", 1, NULL, NULL, NULL, 0},
    };
    static const char *const rankings[] = {
        "[\"A\",\"B\",\"C\"]", "[\"B\",\"C\"]", "[\"C\",\"A\"]", "[\"A\",\"C\"]",
        "[\"B\",\"A\"]",       "[\"C\",\"B\"]", "[\"A\"]",       "[\"B\",\"C\",\"A\"]"};
    for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
        json_t *body = qu_body();
        json_object_set_new(body, "method", json_string(qs[k].method));
        json_object_set_new(body, "seats", json_integer(qs[k].seats));
        if (qs[k].cap != NULL) {
            json_object_set_new(body, "country_cap", json_string(qs[k].cap));
        }
        if (qs[k].dm != NULL) {
            json_object_set_new(body, "double_majority",
                                json_pack("{s:s}", "min_country_share", qs[k].dm));
        }
        if (qs[k].turnout != NULL) {
            json_object_set_new(body, "quorum", json_pack("{s:s}", "min_turnout", qs[k].turnout));
        }
        int64_t qid = qu_create(W.s, &W.convener, W.aid, body);
        qu_open(W.s, &W.convener, qid);
        for (int i = 0; i < qs[k].voters; i++) {
            json_t *b =
                json_pack("{s:o}", "ranking", json_loads(rankings[(i + (int)k) % NV], 0, NULL));
            struct h_resp *r = qu_post(W.s, &m[i], qid, "ballots", b);
            json_decref(b);
            cr_assert_eq(r->status, 201, "question %zu, cast %d: %ld %s", k, i, r->status, r->body);
            h_resp_free(r);
        }
        struct h_resp *cr = qu_close_resp(W.s, &W.convener, qid, "counted");
        cr_assert_eq(cr->status, 200, "close %zu: %ld %s", k, cr->status, cr->body);
        cr_assert_str_eq(json_string_value(json_object_get(cr->json, "state")), "tallied", "%s",
                         cr->body);
        h_resp_free(cr);
    }
    char *rec = fetch_record(&W, "record-methods.json");
    struct note_verifier lv;
    cr_assert_eq(note_vkey_parse(&lv, W.log_vkey, strlen(W.log_vkey)), AUDIT_OK);
    char pk[64], keyonly[200];
    audit_b64_encode(lv.public_key, 32, pk);
    snprintf(keyonly, sizeof keyonly, "--key %s", pk);
    struct verdict v = verify(rec, keyonly);
    cr_assert_eq(v.exit, 0, "exit %d: %s", v.exit, json_dumps(v.json, JSON_COMPACT));
    for (int i = 1; i <= 5; i++) {
        cr_assert_str_eq(v.status[i], "PASS", "check %d: %s", i, v.reason[i]);
    }
    char want[64];
    snprintf(want, sizeof want, "%zu results recount", sizeof qs / sizeof *qs);
    cr_assert(strstr(v.reason[5], want) != NULL, "%s", v.reason[5]);
    json_decref(v.json);
    free(rec);
    h_server_stop(W.s);
    witness_stop(&W.w[0]);
    witness_stop(&W.w[1]);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    cr_expect_eq(system(cmd), 0);
}
