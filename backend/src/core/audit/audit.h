/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/audit: status codes shared by the canonical-JSON (jcs.h), Merkle tree
 * (merkle.h) and signed-note (note.h) modules of the tamper-evident audit log.
 * Pure C11: no I/O, no JSON library, no SQL; libsodium for SHA-256/Ed25519.
 * Every function here is thread-safe (no global mutable state) once
 * sodium_init() has succeeded; callers (pnyxd main, pnyx-verify) call it.
 */
#ifndef PNYX_CORE_AUDIT_AUDIT_H
#define PNYX_CORE_AUDIT_AUDIT_H

#include "platform/compiler.h"

/* Results that must be checked (PNYX_MUSTCHECK; kept as a module alias so
 * pnyx-verify and the fuzzers can use these headers unchanged). */
#define AUDIT_MUSTCHECK PNYX_MUSTCHECK

/* Every int-returning function of core/audit returns AUDIT_OK (0) or one of
 * these. Verification failures are always AUDIT_EVERIFY or a parse error,
 * never AUDIT_OK: callers test `!= AUDIT_OK`. */
enum audit_status {
    AUDIT_OK = 0,
    AUDIT_EINVAL,  /* bad argument: index >= size, from > to, size 0, ... */
    AUDIT_ENOMEM,  /* allocation failed */
    AUDIT_ENOSPC,  /* caller's output buffer too small */
    AUDIT_ESTORE,  /* a merkle_store callback returned non-zero */
    AUDIT_ESYNTAX, /* malformed JSON, note, checkpoint, vkey or base64 */
    AUDIT_EDEPTH,  /* JSON nesting deeper than JCS_MAX_DEPTH */
    AUDIT_EDUPKEY, /* JSON object with a duplicate member name */
    AUDIT_EUTF8,   /* invalid UTF-8 or a lone surrogate */
    AUDIT_ENUMBER, /* number not representable (overflow to Inf, NaN, > 2^53 int) */
    AUDIT_EORDER,  /* jcs builder: keys not in canonical (UTF-16) order */
    AUDIT_ENOKEY,  /* signed note carries no signature by the given key */
    AUDIT_EVERIFY, /* proof or signature does not verify */
};

/* Static English name of a status ("ok", "invalid argument", ...), never NULL. */
const char *audit_status_str(int status);

#endif
