/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/audit/witness.c — C2SP tlog-cosignature (cosignature/v1) and the
 * tlog-witness add-checkpoint decision (witness.h).
 */
#include "core/audit/witness.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

static const char em_dash_sp[] = "\xE2\x80\x94 ";
#define EM_DASH_SP_LEN 4
static const char cosig_header[] = "cosignature/v1\ntime ";
/* "cosignature/v1\ntime " + 20 digits + "\n" */
#define COSIG_PREFIX_MAX (sizeof cosig_header - 1 + 21)

int witness_key_id(const char *name, size_t name_len, const uint8_t public_key[NOTE_PUBLIC_KEY_LEN],
                   uint8_t out[NOTE_KEY_ID_LEN])
{
    if (!note_name_valid(name, name_len)) {
        return AUDIT_EINVAL;
    }
    crypto_hash_sha256_state st;
    uint8_t h[crypto_hash_sha256_BYTES];
    const uint8_t sep[2] = {'\n', WITNESS_ALG_COSIG_V1};
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, name_len);
    crypto_hash_sha256_update(&st, sep, sizeof sep);
    crypto_hash_sha256_update(&st, public_key, NOTE_PUBLIC_KEY_LEN);
    crypto_hash_sha256_final(&st, h);
    memcpy(out, h, NOTE_KEY_ID_LEN);
    return AUDIT_OK;
}

static int fill(struct note_verifier *v, const char *name, size_t name_len,
                const uint8_t public_key[NOTE_PUBLIC_KEY_LEN])
{
    memset(v, 0, sizeof *v);
    if (name_len > NOTE_NAME_MAX || witness_key_id(name, name_len, public_key, v->key_id) != 0) {
        return AUDIT_EINVAL;
    }
    memcpy(v->name, name, name_len);
    v->name[name_len] = '\0';
    v->name_len = name_len;
    memcpy(v->public_key, public_key, NOTE_PUBLIC_KEY_LEN);
    return AUDIT_OK;
}

int witness_verifier_init(struct note_verifier *v, const char *name,
                          const uint8_t public_key[NOTE_PUBLIC_KEY_LEN])
{
    return fill(v, name, strlen(name), public_key);
}

int witness_signer_from_seed(struct note_signer *s, const char *name,
                             const uint8_t seed[NOTE_SEED_LEN])
{
    uint8_t pk[NOTE_PUBLIC_KEY_LEN];
    memset(s, 0, sizeof *s);
    if (crypto_sign_seed_keypair(pk, s->secret_key, seed) != 0) {
        return AUDIT_EINVAL;
    }
    int rc = witness_verifier_init(&s->v, name, pk);
    if (rc != AUDIT_OK) {
        sodium_memzero(s->secret_key, sizeof s->secret_key);
    }
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int witness_vkey_parse(struct note_verifier *v, const char *vkey, size_t len)
{
    const char *p1 = memchr(vkey, '+', len);
    if (p1 == NULL) {
        return AUDIT_ESYNTAX;
    }
    size_t name_len = (size_t)(p1 - vkey);
    const char *rest = p1 + 1;
    size_t rest_len = len - name_len - 1;
    if (rest_len < 9 || rest[8] != '+') {
        return AUDIT_ESYNTAX;
    }
    uint8_t id[NOTE_KEY_ID_LEN];
    for (int i = 0; i < NOTE_KEY_ID_LEN; i++) {
        int hi = hexval(rest[2 * i]), lo = hexval(rest[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return AUDIT_ESYNTAX;
        }
        id[i] = (uint8_t)(hi << 4 | lo);
    }
    uint8_t key[1 + NOTE_PUBLIC_KEY_LEN + 1];
    size_t got = 0;
    if (audit_b64_decode(rest + 9, rest_len - 9, key, sizeof key, &got) != AUDIT_OK ||
        got != 1 + NOTE_PUBLIC_KEY_LEN || key[0] != WITNESS_ALG_COSIG_V1) {
        return AUDIT_ESYNTAX;
    }
    if (fill(v, vkey, name_len, key + 1) != AUDIT_OK) {
        return AUDIT_ESYNTAX;
    }
    return memcmp(id, v->key_id, NOTE_KEY_ID_LEN) == 0 ? AUDIT_OK : AUDIT_EVERIFY;
}

int witness_vkey_format(const struct note_verifier *v, char *out, size_t cap, size_t *len)
{
    uint8_t key[1 + NOTE_PUBLIC_KEY_LEN];
    char b64[AUDIT_B64_LEN(sizeof key) + 1];
    key[0] = WITNESS_ALG_COSIG_V1;
    memcpy(key + 1, v->public_key, NOTE_PUBLIC_KEY_LEN);
    audit_b64_encode(key, sizeof key, b64);
    int n = snprintf(out, cap, "%s+%02x%02x%02x%02x+%s", v->name, v->key_id[0], v->key_id[1],
                     v->key_id[2], v->key_id[3], b64);
    if (n < 0 || (size_t)n >= cap) {
        return AUDIT_ENOSPC;
    }
    *len = (size_t)n;
    return AUDIT_OK;
}

/* The signed message's prefix "cosignature/v1\ntime <T>\n" into buf. */
static size_t cosig_prefix(uint64_t timestamp, char buf[COSIG_PREFIX_MAX + 1])
{
    int n = snprintf(buf, COSIG_PREFIX_MAX + 1, "%s%llu\n", cosig_header,
                     (unsigned long long)timestamp);
    return (size_t)n;
}

/* Ed25519 over prefix || body, streamed through libsodium's multi-part
 * interface would change the algorithm (Ed25519ph), so build the message. */
static int with_message(uint64_t timestamp, const char *body, size_t body_len, unsigned char **msg,
                        size_t *msg_len, unsigned char *stack, size_t stack_cap)
{
    char prefix[COSIG_PREFIX_MAX + 1];
    size_t pl = cosig_prefix(timestamp, prefix);
    if (pl + body_len > stack_cap) {
        return AUDIT_ENOSPC;
    }
    memcpy(stack, prefix, pl);
    memcpy(stack + pl, body, body_len);
    *msg = stack;
    *msg_len = pl + body_len;
    return AUDIT_OK;
}

/* A checkpoint body is ≤ NOTE_MAX_LEN; the message fits this buffer. */
#define MSG_CAP (NOTE_MAX_LEN + COSIG_PREFIX_MAX + 1)

int witness_cosign(const struct note_signer *s, const char *body, size_t body_len,
                   uint64_t timestamp, char *out, size_t cap, size_t *out_len)
{
    if (timestamp > (uint64_t)INT64_MAX || body_len == 0 || body_len > NOTE_MAX_LEN ||
        body[body_len - 1] != '\n') {
        return AUDIT_EINVAL;
    }
    static _Thread_local unsigned char stack[MSG_CAP];
    unsigned char *msg;
    size_t msg_len;
    int rc = with_message(timestamp, body, body_len, &msg, &msg_len, stack, sizeof stack);
    if (rc != AUDIT_OK) {
        return rc;
    }
    uint8_t blob[WITNESS_COSIG_BLOB_LEN];
    memcpy(blob, s->v.key_id, NOTE_KEY_ID_LEN);
    for (int i = 0; i < 8; i++) {
        blob[NOTE_KEY_ID_LEN + i] = (uint8_t)(timestamp >> (56 - 8 * i));
    }
    crypto_sign_detached(blob + NOTE_KEY_ID_LEN + 8, NULL, msg, msg_len, s->secret_key);
    char b64[AUDIT_B64_LEN(WITNESS_COSIG_BLOB_LEN) + 1];
    audit_b64_encode(blob, sizeof blob, b64);
    int n = snprintf(out, cap, "%s%s %s\n", em_dash_sp, s->v.name, b64);
    if (n < 0 || (size_t)n >= cap) {
        return AUDIT_ENOSPC;
    }
    *out_len = (size_t)n;
    return AUDIT_OK;
}

int witness_cosig_open(const struct note_verifier *v, const char *note, size_t len,
                       uint64_t *timestamp)
{
    if (len == 0 || len > NOTE_MAX_LEN || note[len - 1] != '\n') {
        return AUDIT_ESYNTAX;
    }
    /* The body ends at the last blank line. */
    size_t tlen = 0;
    for (size_t i = len - 1; i > 0; i--) {
        if (note[i] == '\n' && note[i - 1] == '\n') {
            tlen = i;
            break;
        }
    }
    if (tlen == 0) {
        return AUDIT_ESYNTAX;
    }
    const char *p = note + tlen + 1;
    const char *end = note + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t ll = (size_t)(eol - p);
        if (ll < EM_DASH_SP_LEN || memcmp(p, em_dash_sp, EM_DASH_SP_LEN) != 0) {
            return AUDIT_ESYNTAX;
        }
        const char *name = p + EM_DASH_SP_LEN;
        const char *sp = memchr(name, ' ', (size_t)(eol - name));
        if (sp == NULL) {
            return AUDIT_ESYNTAX;
        }
        size_t nl = (size_t)(sp - name);
        const char *b64 = sp + 1;
        size_t bl = (size_t)(eol - b64);
        uint8_t head[6];
        size_t got = 0;
        if (nl == v->name_len && memcmp(name, v->name, nl) == 0 && bl >= 8 &&
            audit_b64_decode(b64, 8, head, sizeof head, &got) == AUDIT_OK &&
            memcmp(head, v->key_id, NOTE_KEY_ID_LEN) == 0) {
            uint8_t blob[WITNESS_COSIG_BLOB_LEN];
            if (audit_b64_decode(b64, bl, blob, sizeof blob, &got) != AUDIT_OK ||
                got != WITNESS_COSIG_BLOB_LEN) {
                return AUDIT_EVERIFY;
            }
            uint64_t ts = 0;
            for (int i = 0; i < 8; i++) {
                ts = ts << 8 | blob[NOTE_KEY_ID_LEN + i];
            }
            if (ts > (uint64_t)INT64_MAX) {
                return AUDIT_EVERIFY;
            }
            static _Thread_local unsigned char stack[MSG_CAP];
            unsigned char *msg;
            size_t msg_len;
            if (with_message(ts, note, tlen, &msg, &msg_len, stack, sizeof stack) != AUDIT_OK) {
                return AUDIT_ESYNTAX;
            }
            if (crypto_sign_verify_detached(blob + NOTE_KEY_ID_LEN + 8, msg, msg_len,
                                            v->public_key) != 0) {
                return AUDIT_EVERIFY;
            }
            if (timestamp != NULL) {
                *timestamp = ts;
            }
            return AUDIT_OK;
        }
        p = eol + 1;
    }
    return AUDIT_ENOKEY;
}

/* ---- add-checkpoint -------------------------------------------------------- */

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19 || (n > 1 && s[0] == '0')) {
        return AUDIT_ESYNTAX;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return AUDIT_ESYNTAX;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX) {
        return AUDIT_ESYNTAX;
    }
    *out = v;
    return AUDIT_OK;
}

int witness_request_parse(const char *body, size_t len, struct witness_request *r)
{
    memset(r, 0, sizeof *r);
    const char *p = body, *end = body + len;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL || (size_t)(eol - p) < 5 || memcmp(p, "old ", 4) != 0 ||
        parse_u64(p + 4, (size_t)(eol - p - 4), &r->old_size) != AUDIT_OK) {
        return AUDIT_ESYNTAX;
    }
    p = eol + 1;
    for (;;) {
        eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        if (eol == NULL) {
            return AUDIT_ESYNTAX;
        }
        if (eol == p) { /* the empty line */
            p = eol + 1;
            break;
        }
        size_t got = 0;
        if (r->proof_len == WITNESS_MAX_PROOF ||
            audit_b64_decode(p, (size_t)(eol - p), r->proof[r->proof_len], MERKLE_HASH_LEN, &got) !=
                AUDIT_OK ||
            got != MERKLE_HASH_LEN) {
            return AUDIT_ESYNTAX;
        }
        r->proof_len++;
        p = eol + 1;
    }
    if (p >= end) {
        return AUDIT_ESYNTAX;
    }
    r->note = p;
    r->note_len = (size_t)(end - p);
    return AUDIT_OK;
}

int witness_request_format(uint64_t old_size, const uint8_t (*proof)[32], size_t proof_len,
                           const char *note, size_t note_len, char *out, size_t cap,
                           size_t *out_len)
{
    if (proof_len > WITNESS_MAX_PROOF) {
        return AUDIT_EINVAL;
    }
    int n = snprintf(out, cap, "old %llu\n", (unsigned long long)old_size);
    if (n < 0 || (size_t)n >= cap) {
        return AUDIT_ENOSPC;
    }
    size_t o = (size_t)n;
    for (size_t i = 0; i < proof_len; i++) {
        if (o + AUDIT_B64_LEN(32) + 2 > cap) {
            return AUDIT_ENOSPC;
        }
        o += audit_b64_encode(proof[i], 32, out + o);
        out[o++] = '\n';
    }
    if (o + 1 + note_len + 1 > cap) {
        return AUDIT_ENOSPC;
    }
    out[o++] = '\n';
    memcpy(out + o, note, note_len);
    o += note_len;
    out[o] = '\0';
    *out_len = o;
    return AUDIT_OK;
}

enum witness_verdict witness_decide(const struct witness_log_state *st, uint64_t old_size,
                                    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t proof_len,
                                    uint64_t cp_size, const uint8_t cp_root[MERKLE_HASH_LEN])
{
    if (old_size > cp_size) {
        return WITNESS_BAD_REQUEST;
    }
    uint64_t latest = st->known ? st->size : 0;
    if (old_size != latest) {
        return WITNESS_SIZE_CONFLICT;
    }
    if (!st->known || old_size == 0) {
        /* Nothing cosigned yet (or only the empty tree): the proof must be empty. */
        if (proof_len != 0) {
            return WITNESS_BAD_PROOF;
        }
        if (st->known && cp_size == 0) {
            return memcmp(st->root, cp_root, MERKLE_HASH_LEN) == 0 ? WITNESS_COSIGN
                                                                   : WITNESS_SPLIT_VIEW;
        }
        return WITNESS_COSIGN;
    }
    if (cp_size == old_size) {
        if (memcmp(st->root, cp_root, MERKLE_HASH_LEN) != 0) {
            return WITNESS_SPLIT_VIEW;
        }
        return proof_len == 0 ? WITNESS_COSIGN : WITNESS_BAD_PROOF;
    }
    if (merkle_verify_consistency(old_size, cp_size, st->root, cp_root, proof, proof_len) !=
        AUDIT_OK) {
        return WITNESS_BAD_PROOF;
    }
    return WITNESS_COSIGN;
}

/* ---- state file -------------------------------------------------------------- */

/* An origin a state line may hold: 1..NOTE_ORIGIN_MAX bytes, no space,
 * no control character. The writer and the reader apply the same rule
 * (fuzz_audit found the reader taking control characters the writer
 * refuses, from a state file edited by hand or damaged). */
static bool state_origin_ok(const char *origin, size_t origin_len)
{
    if (origin_len == 0 || origin_len > NOTE_ORIGIN_MAX) {
        return false;
    }
    for (size_t i = 0; i < origin_len; i++) {
        unsigned char c = (unsigned char)origin[i];
        if (c <= ' ' || c == 0x7f) {
            return false;
        }
    }
    return true;
}

int witness_state_line(const char *origin, size_t origin_len, const struct witness_log_state *st,
                       char *out, size_t cap, size_t *out_len)
{
    if (!state_origin_ok(origin, origin_len)) {
        return AUDIT_EINVAL;
    }
    char b64[AUDIT_B64_LEN(MERKLE_HASH_LEN) + 1];
    audit_b64_encode(st->root, MERKLE_HASH_LEN, b64);
    int n = snprintf(out, cap, "%.*s %llu %s\n", (int)origin_len, origin,
                     (unsigned long long)st->size, b64);
    if (n < 0 || (size_t)n >= cap) {
        return AUDIT_ENOSPC;
    }
    *out_len = (size_t)n;
    return AUDIT_OK;
}

int witness_state_parse_line(const char *line, size_t len, const char **origin, size_t *origin_len,
                             struct witness_log_state *st)
{
    const char *sp1 = memchr(line, ' ', len);
    if (sp1 == NULL || !state_origin_ok(line, (size_t)(sp1 - line))) {
        return AUDIT_ESYNTAX;
    }
    const char *rest = sp1 + 1;
    size_t rl = len - (size_t)(rest - line);
    const char *sp2 = memchr(rest, ' ', rl);
    if (sp2 == NULL) {
        return AUDIT_ESYNTAX;
    }
    memset(st, 0, sizeof *st);
    size_t got = 0;
    const char *b64 = sp2 + 1;
    if (parse_u64(rest, (size_t)(sp2 - rest), &st->size) != AUDIT_OK ||
        audit_b64_decode(b64, (size_t)(line + len - b64), st->root, MERKLE_HASH_LEN, &got) !=
            AUDIT_OK ||
        got != MERKLE_HASH_LEN) {
        return AUDIT_ESYNTAX;
    }
    st->known = true;
    *origin = line;
    *origin_len = (size_t)(sp1 - line);
    return AUDIT_OK;
}
