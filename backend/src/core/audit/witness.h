/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * C2SP tlog-cosignature (cosignature/v1, Ed25519) and the decision logic of a
 * C2SP tlog-witness (add-checkpoint), pure: no I/O, no allocation.
 *
 *   cosigner key id : SHA-256(name || "\n" || 0x04 || public_key[32])[0:4]
 *   cosigner vkey   : "<name>+<8 hex key id>+<base64(0x04 || public_key)>"
 *   signed message  : "cosignature/v1\ntime <T>\n" || checkpoint body
 *                     (the note text incl. its final newline, no signature lines)
 *   signature line  : "\u2014 <name> base64(key_id[4] || T as u64 big-endian[8]
 *                     || ed25519 signature[64])\n"
 *
 * add-checkpoint request body (tlog-witness):
 *   "old <size>\n" { "<base64 hash>\n" } (≤ 63) "\n" <signed checkpoint note>
 *
 * The witness state is, per origin, the size and root of the latest
 * checkpoint it cosigned. witness_decide() says what to answer; the caller
 * persists the new state BEFORE answering 200 (and serialises decide +
 * persist, see cli/pnyx_witness.c). The state file is text, one line per
 * origin: "<origin> <size> <base64 root>\n" (origins never hold spaces or
 * newlines: the checkpoint parser rejects controls, the file writer refuses
 * spaces).
 */
#ifndef PNYX_CORE_AUDIT_WITNESS_H
#define PNYX_CORE_AUDIT_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"
#include "core/audit/merkle.h"
#include "core/audit/note.h"

/* Key id algorithm byte of Ed25519 cosignature/v1 keys. */
#define WITNESS_ALG_COSIG_V1 0x04
/* key id + timestamp + Ed25519 signature. */
#define WITNESS_COSIG_BLOB_LEN (NOTE_KEY_ID_LEN + 8 + NOTE_SIG_LEN)
/* "— " + name + " " + base64(76) + "\n" + NUL */
#define WITNESS_COSIG_LINE_MAX (4 + NOTE_NAME_MAX + 1 + AUDIT_B64_LEN(WITNESS_COSIG_BLOB_LEN) + 2)
/* tlog-witness: at most 63 consistency proof lines. */
#define WITNESS_MAX_PROOF 63

/* A cosigner's public key (the same struct as a log key; the key id is the
 * cosignature/v1 one). */
AUDIT_MUSTCHECK int witness_key_id(const char *name, size_t name_len,
                                   const uint8_t public_key[NOTE_PUBLIC_KEY_LEN],
                                   uint8_t out[NOTE_KEY_ID_LEN]);
AUDIT_MUSTCHECK int witness_verifier_init(struct note_verifier *v, const char *name,
                                          const uint8_t public_key[NOTE_PUBLIC_KEY_LEN]);
/* Signer from a 32-byte seed; v.key_id is the cosignature key id. */
AUDIT_MUSTCHECK int witness_signer_from_seed(struct note_signer *s, const char *name,
                                             const uint8_t seed[NOTE_SEED_LEN]);
/* vkey with algorithm byte 0x04 (parse: other bytes → AUDIT_ESYNTAX, key id
 * not matching → AUDIT_EVERIFY). */
AUDIT_MUSTCHECK int witness_vkey_parse(struct note_verifier *v, const char *vkey, size_t len);
AUDIT_MUSTCHECK int witness_vkey_format(const struct note_verifier *v, char *out, size_t cap,
                                        size_t *len);

/*
 * Cosign a checkpoint body (the signed text of a checkpoint note: "origin\n
 * size\nroot\n" [+ extension lines], final newline included) at POSIX time
 * `timestamp` (≤ 2^63-1). Writes one signature line with its newline to out
 * (cap bytes, NUL-terminated; WITNESS_COSIG_LINE_MAX suffices).
 */
AUDIT_MUSTCHECK int witness_cosign(const struct note_signer *s, const char *body, size_t body_len,
                                   uint64_t timestamp, char *out, size_t cap, size_t *out_len);

/*
 * Look in a signed checkpoint note (body, blank line, signature lines) for
 * the first line by v (name + cosignature key id) and verify it.
 * AUDIT_OK (and *timestamp if non-NULL), AUDIT_ENOKEY (no line by v),
 * AUDIT_EVERIFY (the line does not verify, or has the wrong length),
 * AUDIT_ESYNTAX (the note is malformed).
 */
AUDIT_MUSTCHECK int witness_cosig_open(const struct note_verifier *v, const char *note, size_t len,
                                       uint64_t *timestamp);

/* ---- tlog-witness add-checkpoint ---------------------------------------- */

struct witness_request {
    uint64_t old_size;
    size_t proof_len;
    uint8_t proof[WITNESS_MAX_PROOF][MERKLE_HASH_LEN];
    const char *note; /* borrowed from the body: the signed checkpoint */
    size_t note_len;
};

/* Parse a request body. AUDIT_ESYNTAX on any deviation (→ 400). */
AUDIT_MUSTCHECK int witness_request_parse(const char *body, size_t len, struct witness_request *r);

/* Format a request body into out (cap bytes, NUL-terminated). */
AUDIT_MUSTCHECK int witness_request_format(uint64_t old_size, const uint8_t (*proof)[32],
                                           size_t proof_len, const char *note, size_t note_len,
                                           char *out, size_t cap, size_t *out_len);

/* What the witness knows of one log (origin): known=false means never cosigned. */
struct witness_log_state {
    bool known;
    uint64_t size;
    uint8_t root[MERKLE_HASH_LEN];
};

enum witness_verdict {
    WITNESS_COSIGN = 0,    /* 200: cosign, after persisting the new state */
    WITNESS_BAD_REQUEST,   /* 400: old size above the checkpoint size */
    WITNESS_SIZE_CONFLICT, /* 409 text/x.tlog.size: old ≠ the size last cosigned */
    WITNESS_SPLIT_VIEW,    /* 409: same size as last cosigned, another root */
    WITNESS_BAD_PROOF,     /* 422: the consistency proof does not verify */
};

/*
 * The tlog-witness checks after the log signature verified: given the state
 * of the checkpoint's origin, the request's old size and proof, and the
 * checkpoint's size and root. On WITNESS_COSIG the caller stores
 * {known, cp_size, cp_root} as the new state (a re-submission of the same
 * checkpoint is cosigned again without change).
 */
enum witness_verdict witness_decide(const struct witness_log_state *st, uint64_t old_size,
                                    const uint8_t (*proof)[MERKLE_HASH_LEN], size_t proof_len,
                                    uint64_t cp_size, const uint8_t cp_root[MERKLE_HASH_LEN]);

/* ---- state file lines ---------------------------------------------------- */

/* Format "<origin> <size> <base64 root>\n" (origin: no space, no control
 * characters, ≤ NOTE_ORIGIN_MAX). */
AUDIT_MUSTCHECK int witness_state_line(const char *origin, size_t origin_len,
                                       const struct witness_log_state *st, char *out, size_t cap,
                                       size_t *out_len);
/* Parse one line (without its newline); origin points into line. */
AUDIT_MUSTCHECK int witness_state_parse_line(const char *line, size_t len, const char **origin,
                                             size_t *origin_len, struct witness_log_state *st);

#endif
