/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * C2SP signed-note and tlog-checkpoint, Ed25519 only (libsodium).
 *   checkpoint body : "<origin>\n<size>\n<base64 root>\n" [extension lines]
 *   signed note     : text "\n" then one or more lines
 *                     "\u2014 <name> <base64(key_id[4] || ed25519 sig[64])>\n"
 *   key id          : SHA-256(name || "\n" || 0x01 || public_key[32])[0:4]
 *   vkey            : "<name>+<8 hex key id>+<base64(0x01 || public_key)>"
 * The signature covers the text including its final newline, nothing else.
 * Parsing is strict: standard base64 with padding and zero pad bits only,
 * sizes in canonical decimal, UTF-8 without control characters other than
 * newline, final newline required; checkpoint notes have no empty line but
 * the separator (generic note texts may contain some, as C2SP allows).
 * No allocation; all outputs go to caller buffers.
 */
#ifndef PNYX_CORE_AUDIT_NOTE_H
#define PNYX_CORE_AUDIT_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"

#define NOTE_KEY_ID_LEN     4
#define NOTE_PUBLIC_KEY_LEN 32 /* crypto_sign_PUBLICKEYBYTES */
#define NOTE_SECRET_KEY_LEN 64 /* crypto_sign_SECRETKEYBYTES (seed || pk) */
#define NOTE_SEED_LEN       32
#define NOTE_SIG_LEN        64
/* Key names and checkpoint origins are short host/path strings; the caps keep
 * every buffer below fixed-size and bound work on hostile notes. */
#define NOTE_NAME_MAX   255
#define NOTE_ORIGIN_MAX 255
/* Go's note.Open refuses more than 100 signatures; we do the same. */
#define NOTE_MAX_SIGS 100
/* A note larger than this is rejected unread (checkpoints are ~200 bytes). */
#define NOTE_MAX_LEN 65536
/* Buffer sizes (with NUL) for the formatting functions. */
#define NOTE_VKEY_MAX              (NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)
#define NOTE_SIG_LINE_MAX          (3 + 1 + NOTE_NAME_MAX + 1 + 92 + 1)
#define NOTE_CHECKPOINT_BODY_MAX   (NOTE_ORIGIN_MAX + 1 + 20 + 1 + 44 + 1 + 1)
#define NOTE_SIGNED_CHECKPOINT_MAX (NOTE_CHECKPOINT_BODY_MAX + 1 + NOTE_SIG_LINE_MAX)

/* A public key as a verifier knows it. Plain data, caller-owned. */
struct note_verifier {
    char name[NOTE_NAME_MAX + 1]; /* NUL-terminated */
    size_t name_len;
    uint8_t key_id[NOTE_KEY_ID_LEN];
    uint8_t public_key[NOTE_PUBLIC_KEY_LEN];
};

/* A signing key. Holds the secret: wipe with note_signer_fini. */
struct note_signer {
    struct note_verifier v;
    uint8_t secret_key[NOTE_SECRET_KEY_LEN];
};

/* Parsed checkpoint body; origin and extensions point INTO the parsed text
 * (borrowed; valid while it lives). */
struct note_checkpoint {
    const char *origin;
    size_t origin_len;
    uint64_t size;
    uint8_t root[32];
    const char *extensions; /* extension lines incl. their newlines, may be empty */
    size_t extensions_len;
};

/* ---- keys ----------------------------------------------------------------- */

/* True iff name is a valid key name: 1..NOTE_NAME_MAX bytes of UTF-8, no
 * Unicode white space, no '+', no ASCII control characters. */
bool note_name_valid(const char *name, size_t len);

/* key id = SHA-256(name || 0x0A || 0x01 || public_key)[0:4]. AUDIT_EINVAL on a bad name. */
AUDIT_MUSTCHECK int note_key_id(const char *name, size_t name_len,
                                const uint8_t public_key[NOTE_PUBLIC_KEY_LEN],
                                uint8_t out[NOTE_KEY_ID_LEN]);

/* Fill v from a name (NUL-terminated, borrowed) and a raw public key. */
AUDIT_MUSTCHECK int note_verifier_init(struct note_verifier *v, const char *name,
                                       const uint8_t public_key[NOTE_PUBLIC_KEY_LEN]);

/* Parse a vkey string (len bytes, no trailing newline; key id hex in either
 * case). A key id that does not match name+key → AUDIT_EVERIFY; algorithm
 * bytes other than 0x01, bad hex or base64, a bad name → AUDIT_ESYNTAX. */
AUDIT_MUSTCHECK int note_vkey_parse(struct note_verifier *v, const char *vkey, size_t len);

/* Format v as a vkey into out (cap bytes, NUL-terminated); *len = strlen. */
AUDIT_MUSTCHECK int note_vkey_format(const struct note_verifier *v, char *out, size_t cap,
                                     size_t *len);

/* Signer from a libsodium secret key (seed || public key, 64 bytes). */
AUDIT_MUSTCHECK int note_signer_init(struct note_signer *s, const char *name,
                                     const uint8_t secret_key[NOTE_SECRET_KEY_LEN]);
/* Signer from a 32-byte seed (crypto_sign_seed_keypair): deterministic keys. */
AUDIT_MUSTCHECK int note_signer_from_seed(struct note_signer *s, const char *name,
                                          const uint8_t seed[NOTE_SEED_LEN]);
/* Wipes the secret key (sodium_memzero). */
void note_signer_fini(struct note_signer *s);

/* ---- notes ---------------------------------------------------------------- */

/*
 * Sign `text` (len bytes: non-empty, ends in "\n", valid UTF-8 without control
 * characters but newline; empty lines allowed) and write the signed note
 * text || "\n" || signature line to out (cap bytes, NUL-terminated),
 * *out_len = its length. Ed25519 is deterministic: same key + text → same note.
 */
AUDIT_MUSTCHECK int note_sign(const struct note_signer *s, const char *text, size_t len, char *out,
                              size_t cap, size_t *out_len);

/*
 * Verify a signed note (len bytes, borrowed) against one known key.
 * The text ends at the note's LAST empty line (C2SP). Syntax errors anywhere
 * (bad UTF-8, control chars, missing final newline, an empty text, no or an
 * empty signature line, a signature line not starting with U+2014 + space,
 * non-canonical base64, more than NOTE_MAX_SIGS lines) → AUDIT_ESYNTAX.
 * Lines by other keys are ignored.
 * No line with v's name and key id → AUDIT_ENOKEY; the first such line's
 * signature failing → AUDIT_EVERIFY. On AUDIT_OK *text_len (if non-NULL) is
 * the length of the signed text, which is note[0 .. *text_len).
 */
AUDIT_MUSTCHECK int note_open(const struct note_verifier *v, const char *note, size_t len,
                              size_t *text_len);

/* ---- checkpoints ------------------------------------------------------------ */

/* Write "<origin>\n<size>\n<base64 root>\n" to out (cap, NUL-terminated).
 * origin: NUL-terminated, non-empty, ≤ NOTE_ORIGIN_MAX, no control chars. */
AUDIT_MUSTCHECK int note_checkpoint_body(const char *origin, uint64_t size, const uint8_t root[32],
                                         char *out, size_t cap, size_t *out_len);

/* Parse a checkpoint body (the signed text). Rejects leading zeros in size
 * (except "0"), sizes > 2^63-1, a root that is not exactly 32 bytes of
 * canonical base64, empty lines, a missing final newline. */
AUDIT_MUSTCHECK int note_checkpoint_parse(const char *text, size_t len, struct note_checkpoint *cp);

/* Body + note_sign in one step; out needs NOTE_SIGNED_CHECKPOINT_MAX bytes. */
AUDIT_MUSTCHECK int note_checkpoint_sign(const struct note_signer *s, const char *origin,
                                         uint64_t size, const uint8_t root[32], char *out,
                                         size_t cap, size_t *out_len);

/* Checkpoint syntax first (exactly one empty line, the separator →
 * else AUDIT_ESYNTAX), then note_open + note_checkpoint_parse; if
 * expected_origin is non-NULL the origin must equal it (AUDIT_EVERIFY
 * otherwise). cp borrows from note. */
AUDIT_MUSTCHECK int note_checkpoint_open(const struct note_verifier *v, const char *note,
                                         size_t len, const char *expected_origin,
                                         struct note_checkpoint *cp);

/* ---- strict base64 (RFC 4648 §4, padded), shared with proofs in JSON ----- */

/* Encoded length for n bytes, excluding NUL: 4·ceil(n/3). */
#define AUDIT_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Encode n bytes; out needs AUDIT_B64_LEN(n) + 1 bytes. Returns the length. */
size_t audit_b64_encode(const uint8_t *in, size_t n, char *out);

/* Decode canonical padded base64 only: length a multiple of 4, '=' only as
 * final padding, zero pad bits, no whitespace. AUDIT_ESYNTAX otherwise;
 * AUDIT_ENOSPC if the result exceeds cap. */
AUDIT_MUSTCHECK int audit_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                                     size_t *out_len);

#endif
