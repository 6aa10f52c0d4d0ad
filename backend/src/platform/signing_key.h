/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * platform/signing_key.h — the checkpoint signing key's FILE: reading,
 * creating (mode 0600, never overwriting by accident) and the data
 * directory it lives in. Knows bytes and files only: what the key signs
 * and how its id is derived is core/audit's (note.h); which key a
 * deployment uses is recorded in the database (api/audit_key.c).
 *
 * File format (the Go/C2SP note private-key format, so operators can use
 * standard tools): one line "PRIVATE+KEY+<name>+<8 hex key id>+<base64
 * (0x01 || 32-byte seed)>". A bare base64 32-byte seed is also read (the
 * caller's default name then applies). Secrets are wiped from every
 * buffer this module uses.
 */
#ifndef PNYX_PLATFORM_SIGNING_KEY_H
#define PNYX_PLATFORM_SIGNING_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/compiler.h"

#define SIGNING_KEY_SEED_LEN 32
#define SIGNING_KEY_ID_LEN   4
/* Longest key name (a host name; the note format's limit). */
#define SIGNING_KEY_NAME_MAX 255

enum signing_key_result {
    SIGNING_KEY_OK = 0,
    SIGNING_KEY_MISSING,  /* no file at path */
    SIGNING_KEY_EXISTS,   /* create: a file is already there (and force was not given) */
    SIGNING_KEY_UNUSABLE, /* unreadable, malformed, or not writable: see *why */
};

/* A key as stored: name and seed (secret: wipe with signing_key_wipe). */
struct signing_key {
    char name[SIGNING_KEY_NAME_MAX + 1];
    uint8_t seed[SIGNING_KEY_SEED_LEN];
};

/* Reads path into *k (name = the file's, or default_name for a bare
 * seed). *why (may be NULL) = a static reason when UNUSABLE. Warns in the
 * log when the file is readable by group or others. */
enum signing_key_result signing_key_read(const char *path, const char *default_name,
                                         struct signing_key *k, const char **why)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/*
 * Writes k to path with mode 0600, key_id being the note key id the
 * caller derived from it. Without force, refuses an existing file
 * (SIGNING_KEY_EXISTS; O_EXCL, so two processes creating at once agree on
 * one key: the loser reads the winner's). With force, replaces it
 * atomically (a temporary file renamed over it). The file is fsynced.
 */
enum signing_key_result signing_key_write(const char *path, const struct signing_key *k,
                                          const uint8_t key_id[SIGNING_KEY_ID_LEN], bool force,
                                          const char **why) PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Creates directory dir with mode 0700 unless it exists. 0 or -1. */
int signing_key_mkdir(const char *dir) PNYX_NONNULL(1) PNYX_MUSTCHECK;

/* Fills k->seed with fresh random bytes (libsodium) and sets the name. */
void signing_key_generate(struct signing_key *k, const char *name) PNYX_NONNULL(1, 2);

/* Wipes the seed. */
void signing_key_wipe(struct signing_key *k) PNYX_NONNULL(1);

#endif /* PNYX_PLATFORM_SIGNING_KEY_H */
