/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * C2SP signed-note (Ed25519, type 0x01) and tlog-checkpoint bodies, plus the
 * strict base64 both use. Parsing follows Go's golang.org/x/mod/sumdb/note
 * (split at the last blank line, first line of a known key decides, at most
 * 100 signatures) and is stricter where the spec leaves room: canonical
 * base64 only, no blank lines inside the text or the signature block.
 * No allocation; secrets are wiped with sodium_memzero.
 */
#include "core/audit/note.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/base/base.h"

#define ALG_ED25519 0x01

/* "—" U+2014 EM DASH in UTF-8, followed by a space: starts every signature line. */
static const char sig_prefix[] = "\xE2\x80\x94 ";
#define SIG_PREFIX_LEN 4

/* ---- base64 --------------------------------------------------------------- */

size_t audit_b64_encode(const uint8_t *in, size_t n, char *out)
{
    return base64_encode(in, n, out, BASE64_STD);
}

int audit_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (len > (size_t)NOTE_MAX_LEN * 2) {
        *out_len = 0;
        return AUDIT_ESYNTAX;
    }
    int rc = base64_decode(in, len, out, cap, out_len, BASE64_STD);
    return rc == 0 ? AUDIT_OK : rc == -2 ? AUDIT_ENOSPC : AUDIT_ESYNTAX;
}

/* ---- text rules ------------------------------------------------------------ */

/* Strict UTF-8 decode of one code point (no overlongs, no surrogates). */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
    int32_t v = base_utf8_next((const char *)s, len, i);
    if (v < 0) {
        return -1;
    }
    *cp = (uint32_t)v;
    return 0;
}

/* Go's unicode.IsSpace. */
static bool is_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Valid UTF-8 with no ASCII control characters (below U+0020; the spec's
 * definition, so DEL is allowed) except, if allowed, newline. */
static bool text_ok(const char *s, size_t len, bool allow_newline)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        if (utf8_next(u, len, &i, &cp) != 0) {
            return false;
        }
        if (cp < 0x20 && !(allow_newline && cp == '\n')) {
            return false;
        }
    }
    return true;
}

bool note_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > NOTE_NAME_MAX) {
        return false;
    }
    const unsigned char *u = (const unsigned char *)name;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        if (utf8_next(u, len, &i, &cp) != 0) {
            return false;
        }
        if (cp < 0x20 || cp == '+' || is_space(cp)) {
            return false;
        }
    }
    return true;
}

/* ---- keys ------------------------------------------------------------------ */

int note_key_id(const char *name, size_t name_len, const uint8_t public_key[NOTE_PUBLIC_KEY_LEN],
                uint8_t out[NOTE_KEY_ID_LEN])
{
    if (!note_name_valid(name, name_len)) {
        return AUDIT_EINVAL;
    }
    static const unsigned char sep[2] = {'\n', ALG_ED25519};
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, name_len);
    crypto_hash_sha256_update(&st, sep, sizeof sep);
    crypto_hash_sha256_update(&st, public_key, NOTE_PUBLIC_KEY_LEN);
    crypto_hash_sha256_final(&st, h);
    memcpy(out, h, NOTE_KEY_ID_LEN);
    return AUDIT_OK;
}

static int verifier_fill(struct note_verifier *v, const char *name, size_t name_len,
                         const uint8_t public_key[NOTE_PUBLIC_KEY_LEN])
{
    memset(v, 0, sizeof *v);
    int rc = note_key_id(name, name_len, public_key, v->key_id);
    if (rc != AUDIT_OK) {
        return rc;
    }
    memcpy(v->name, name, name_len);
    v->name[name_len] = '\0';
    v->name_len = name_len;
    memcpy(v->public_key, public_key, NOTE_PUBLIC_KEY_LEN);
    return AUDIT_OK;
}

int note_verifier_init(struct note_verifier *v, const char *name,
                       const uint8_t public_key[NOTE_PUBLIC_KEY_LEN])
{
    return verifier_fill(v, name, strlen(name), public_key);
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
        return c - 'A' + 10; /* we write lower case (Go's %08x); Go also reads upper */
    }
    return -1;
}

int note_vkey_parse(struct note_verifier *v, const char *vkey, size_t len)
{
    memset(v, 0, sizeof *v);
    const char *p1 = memchr(vkey, '+', len);
    if (p1 == NULL) {
        return AUDIT_ESYNTAX;
    }
    size_t name_len = (size_t)(p1 - vkey);
    size_t rest = len - name_len - 1;
    if (rest < 9 || p1[9] != '+') {
        return AUDIT_ESYNTAX;
    }
    uint8_t id[NOTE_KEY_ID_LEN];
    for (unsigned i = 0; i < NOTE_KEY_ID_LEN; i++) {
        int hi = hexval(p1[1 + 2 * i]);
        int lo = hexval(p1[2 + 2 * i]);
        if (hi < 0 || lo < 0) {
            return AUDIT_ESYNTAX;
        }
        id[i] = (uint8_t)(hi << 4 | lo);
    }
    const char *b64 = p1 + 10;
    size_t b64_len = rest - 9;
    uint8_t key[1 + NOTE_PUBLIC_KEY_LEN];
    size_t key_len;
    int rc = audit_b64_decode(b64, b64_len, key, sizeof key, &key_len);
    if (rc != AUDIT_OK) {
        return AUDIT_ESYNTAX;
    }
    if (key_len != sizeof key || key[0] != ALG_ED25519) {
        return AUDIT_ESYNTAX;
    }
    rc = verifier_fill(v, vkey, name_len, key + 1);
    if (rc != AUDIT_OK) {
        return AUDIT_ESYNTAX;
    }
    if (memcmp(id, v->key_id, NOTE_KEY_ID_LEN) != 0) {
        memset(v, 0, sizeof *v);
        return AUDIT_EVERIFY; /* key id does not belong to this name + key */
    }
    return AUDIT_OK;
}

int note_vkey_format(const struct note_verifier *v, char *out, size_t cap, size_t *len)
{
    uint8_t key[1 + NOTE_PUBLIC_KEY_LEN];
    char b64[AUDIT_B64_LEN(sizeof key) + 1];
    key[0] = ALG_ED25519;
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

int note_signer_init(struct note_signer *s, const char *name,
                     const uint8_t secret_key[NOTE_SECRET_KEY_LEN])
{
    memset(s, 0, sizeof *s);
    /* libsodium's secret key is seed || public key */
    int rc = note_verifier_init(&s->v, name, secret_key + NOTE_SEED_LEN);
    if (rc != AUDIT_OK) {
        return rc;
    }
    memcpy(s->secret_key, secret_key, NOTE_SECRET_KEY_LEN);
    return AUDIT_OK;
}

int note_signer_from_seed(struct note_signer *s, const char *name,
                          const uint8_t seed[NOTE_SEED_LEN])
{
    uint8_t pk[NOTE_PUBLIC_KEY_LEN];
    uint8_t sk[NOTE_SECRET_KEY_LEN];
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0) {
        return AUDIT_EINVAL;
    }
    int rc = note_signer_init(s, name, sk);
    sodium_memzero(sk, sizeof sk);
    return rc;
}

void note_signer_fini(struct note_signer *s)
{
    sodium_memzero(s, sizeof *s);
}

/* ---- notes ----------------------------------------------------------------- */

static bool has_blank_line(const char *s, size_t len)
{
    if (len > 0 && s[0] == '\n') {
        return true;
    }
    for (size_t i = 1; i < len; i++) {
        if (s[i] == '\n' && s[i - 1] == '\n') {
            return true;
        }
    }
    return false;
}

/* A signable text: non-empty, final newline, no blank line, clean UTF-8. */
/* A signable note text: non-empty, final newline, clean UTF-8. C2SP lets the
 * text contain empty lines (the last empty line of a note separates it from
 * the signatures); checkpoint bodies may not, see note_checkpoint_*. */
static bool note_text_ok(const char *text, size_t len)
{
    return len > 0 && len <= NOTE_MAX_LEN && text[len - 1] == '\n' && text_ok(text, len, true);
}

int note_sign(const struct note_signer *s, const char *text, size_t len, char *out, size_t cap,
              size_t *out_len)
{
    *out_len = 0;
    if (!note_text_ok(text, len)) {
        return AUDIT_EINVAL;
    }
    uint8_t blob[NOTE_KEY_ID_LEN + NOTE_SIG_LEN];
    memcpy(blob, s->v.key_id, NOTE_KEY_ID_LEN);
    if (crypto_sign_detached(blob + NOTE_KEY_ID_LEN, NULL, (const unsigned char *)text, len,
                             s->secret_key) != 0) {
        return AUDIT_EINVAL;
    }
    char b64[AUDIT_B64_LEN(sizeof blob) + 1];
    size_t b64_len = audit_b64_encode(blob, sizeof blob, b64);
    size_t need = len + 1 + SIG_PREFIX_LEN + s->v.name_len + 1 + b64_len + 1;
    if (need + 1 > cap) {
        return AUDIT_ENOSPC;
    }
    size_t o = 0;
    memmove(out, text, len); /* out may be the buffer text already sits in */
    o += len;
    out[o++] = '\n';
    memcpy(out + o, sig_prefix, SIG_PREFIX_LEN);
    o += SIG_PREFIX_LEN;
    memcpy(out + o, s->v.name, s->v.name_len);
    o += s->v.name_len;
    out[o++] = ' ';
    memcpy(out + o, b64, b64_len);
    o += b64_len;
    out[o++] = '\n';
    out[o] = '\0';
    *out_len = o;
    return AUDIT_OK;
}

/* One parsed signature line. */
struct sig_line {
    const char *name;
    size_t name_len;
    uint8_t blob[NOTE_KEY_ID_LEN + NOTE_SIG_LEN]; /* key id, then the Ed25519 signature */
    bool ed25519_len;                             /* blob is exactly key id + 64-byte signature */
};

/* Parse "\u2014 <name> <base64>" (line without its newline). */
static int parse_sig_line(const char *line, size_t ll, struct sig_line *out)
{
    if (ll < SIG_PREFIX_LEN || memcmp(line, sig_prefix, SIG_PREFIX_LEN) != 0) {
        return AUDIT_ESYNTAX; /* blank line, hyphen for em dash, ... */
    }
    const char *eol = line + ll;
    const char *name = line + SIG_PREFIX_LEN;
    const char *sp = memchr(name, ' ', (size_t)(eol - name));
    if (sp == NULL) {
        return AUDIT_ESYNTAX;
    }
    out->name = name;
    out->name_len = (size_t)(sp - name);
    if (!note_name_valid(name, out->name_len)) {
        return AUDIT_ESYNTAX;
    }
    const char *b64 = sp + 1;
    size_t b64_len = (size_t)(eol - b64);
    long blob_len = b64_len > (size_t)NOTE_MAX_LEN * 2
                        ? -1
                        : (long)base64_decoded_len(b64, b64_len, BASE64_STD);
    if (blob_len < NOTE_KEY_ID_LEN + 1) {
        return AUDIT_ESYNTAX; /* bad base64 or too short to hold a key id */
    }
    /* Decode the key id (the first 8 characters = 6 bytes) and, when the
     * length fits Ed25519, the signature; other algorithms' signatures may be
     * longer and are never ours. */
    size_t got;
    out->ed25519_len = blob_len == NOTE_KEY_ID_LEN + NOTE_SIG_LEN;
    if (out->ed25519_len) {
        return audit_b64_decode(b64, b64_len, out->blob, sizeof out->blob, &got) == AUDIT_OK
                   ? AUDIT_OK
                   : AUDIT_ESYNTAX;
    }
    uint8_t head[6];
    if (audit_b64_decode(b64, 8, head, sizeof head, &got) != AUDIT_OK) {
        return AUDIT_ESYNTAX;
    }
    memcpy(out->blob, head, NOTE_KEY_ID_LEN);
    return AUDIT_OK;
}

/* Length of the signed text: up to and including the newline before the
 * last blank line (Go: bytes.LastIndex "\n\n"); 0 if there is none. */
static size_t text_length(const char *note, size_t len)
{
    for (size_t i = len - 1; i > 0; i--) {
        if (note[i] == '\n' && note[i - 1] == '\n') {
            return i;
        }
    }
    return 0;
}

int note_open(const struct note_verifier *v, const char *note, size_t len, size_t *text_len)
{
    if (len == 0 || len > NOTE_MAX_LEN || note[len - 1] != '\n' || !text_ok(note, len, true)) {
        return AUDIT_ESYNTAX;
    }
    size_t tlen = text_length(note, len);
    if (tlen == 0 || !note_text_ok(note, tlen)) {
        return AUDIT_ESYNTAX; /* no signature block, or empty text */
    }
    const char *p = note + tlen + 1;
    const char *end = note + len;
    unsigned nsig = 0;
    int verdict = AUDIT_ENOKEY;
    while (p < end) {
        /* note ends in '\n', so there is always an end of line */
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        struct sig_line sl;
        if (++nsig > NOTE_MAX_SIGS || parse_sig_line(p, (size_t)(eol - p), &sl) != AUDIT_OK) {
            return AUDIT_ESYNTAX;
        }
        if (verdict == AUDIT_ENOKEY && sl.name_len == v->name_len &&
            memcmp(sl.name, v->name, sl.name_len) == 0 &&
            memcmp(sl.blob, v->key_id, NOTE_KEY_ID_LEN) == 0) {
            /* The first line of the known key decides (Go note.Open). */
            bool good = sl.ed25519_len && crypto_sign_verify_detached(sl.blob + NOTE_KEY_ID_LEN,
                                                                      (const unsigned char *)note,
                                                                      tlen, v->public_key) == 0;
            verdict = good ? AUDIT_OK : AUDIT_EVERIFY;
        }
        p = eol + 1;
    }
    if (nsig == 0) {
        return AUDIT_ESYNTAX; /* "body\n\n— sig\n\n": the last blank line ends the note */
    }
    if (verdict == AUDIT_OK && text_len != NULL) {
        *text_len = tlen;
    }
    return verdict;
}

/* ---- checkpoints ----------------------------------------------------------- */

int note_checkpoint_body(const char *origin, uint64_t size, const uint8_t root[32], char *out,
                         size_t cap, size_t *out_len)
{
    *out_len = 0;
    size_t olen = strlen(origin);
    if (olen == 0 || olen > NOTE_ORIGIN_MAX || !text_ok(origin, olen, false) ||
        size > (UINT64_C(1) << 63) - 1) {
        return AUDIT_EINVAL;
    }
    char b64[AUDIT_B64_LEN(32) + 1];
    audit_b64_encode(root, 32, b64);
    int n = snprintf(out, cap, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
    if (n < 0 || (size_t)n >= cap) {
        return AUDIT_ENOSPC;
    }
    *out_len = (size_t)n;
    return AUDIT_OK;
}

/* One line [*p, eol) of text[0..len), advancing *p past the newline. */
static bool next_line(const char **p, const char *end, const char **line, size_t *ll)
{
    if (*p >= end) {
        return false;
    }
    const char *eol = memchr(*p, '\n', (size_t)(end - *p));
    if (eol == NULL) {
        return false;
    }
    *line = *p;
    *ll = (size_t)(eol - *p);
    *p = eol + 1;
    return true;
}

int note_checkpoint_parse(const char *text, size_t len, struct note_checkpoint *cp)
{
    memset(cp, 0, sizeof *cp);
    if (len == 0 || len > NOTE_MAX_LEN || text[len - 1] != '\n' || !text_ok(text, len, true) ||
        has_blank_line(text, len)) {
        return AUDIT_ESYNTAX;
    }
    const char *p = text;
    const char *end = text + len;
    const char *line;
    size_t ll;
    /* origin */
    if (!next_line(&p, end, &line, &ll) || ll == 0 || ll > NOTE_ORIGIN_MAX) {
        return AUDIT_ESYNTAX;
    }
    cp->origin = line;
    cp->origin_len = ll;
    /* size: canonical decimal */
    if (!next_line(&p, end, &line, &ll) || ll == 0 || ll > 19 || (ll > 1 && line[0] == '0')) {
        return AUDIT_ESYNTAX;
    }
    uint64_t size = 0;
    for (size_t i = 0; i < ll; i++) {
        if (line[i] < '0' || line[i] > '9') {
            return AUDIT_ESYNTAX;
        }
        size = size * 10 + (uint64_t)(line[i] - '0'); /* ≤ 19 digits: no overflow */
    }
    if (size > (UINT64_C(1) << 63) - 1) {
        return AUDIT_ESYNTAX;
    }
    cp->size = size;
    /* root hash */
    if (!next_line(&p, end, &line, &ll)) {
        return AUDIT_ESYNTAX;
    }
    size_t rlen;
    if (audit_b64_decode(line, ll, cp->root, sizeof cp->root, &rlen) != AUDIT_OK || rlen != 32) {
        return AUDIT_ESYNTAX;
    }
    cp->extensions = p;
    cp->extensions_len = (size_t)(end - p);
    return AUDIT_OK;
}

int note_checkpoint_sign(const struct note_signer *s, const char *origin, uint64_t size,
                         const uint8_t root[32], char *out, size_t cap, size_t *out_len)
{
    size_t blen;
    int rc = note_checkpoint_body(origin, size, root, out, cap, &blen);
    if (rc != AUDIT_OK) {
        return rc;
    }
    return note_sign(s, out, blen, out, cap, out_len);
}

int note_checkpoint_open(const struct note_verifier *v, const char *note, size_t len,
                         const char *expected_origin, struct note_checkpoint *cp)
{
    memset(cp, 0, sizeof *cp);
    /* Syntax before signature: a checkpoint body has no empty line, so a
     * checkpoint note has exactly one, the separator. */
    if (len == 0 || len > NOTE_MAX_LEN) {
        return AUDIT_ESYNTAX;
    }
    size_t tlen = text_length(note, len);
    if (tlen == 0 || has_blank_line(note, tlen)) {
        return AUDIT_ESYNTAX;
    }
    int rc = note_open(v, note, len, &tlen);
    if (rc != AUDIT_OK) {
        return rc;
    }
    rc = note_checkpoint_parse(note, tlen, cp);
    if (rc != AUDIT_OK) {
        return rc;
    }
    if (expected_origin != NULL && (strlen(expected_origin) != cp->origin_len ||
                                    memcmp(expected_origin, cp->origin, cp->origin_len) != 0)) {
        return AUDIT_EVERIFY;
    }
    return AUDIT_OK;
}
