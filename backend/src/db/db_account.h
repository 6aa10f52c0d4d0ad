/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_account.h — the accounts table. One statement per function, run on
 * the caller's connection (compose them inside db_run_txn when a change
 * spans rows). Results are copied into the arena `a`; strings are
 * arena-owned. Callers pass validated, normalised values (core/validate).
 */
#ifndef PNYX_DB_DB_ACCOUNT_H
#define PNYX_DB_DB_ACCOUNT_H

#include <stdint.h>

#include "db/db.h"

/* The name of the unique index on lower(email), as db_constraint() reports
 * it when an insert loses the race for an address. */
#define DB_ACCOUNT_EMAIL_KEY "accounts_email_key"

struct db_account {
    int64_t id;
    const char *email; /* normalised, lower case */
    const char *display_name;
    const char *country;        /* ISO 3166-1 alpha-2, upper case */
    const char *languages_json; /* JSON array of BCP 47 tags, e.g. ["en","fr-CA"] */
    const char *created_at;     /* RFC 3339 UTC, "2026-11-28T04:00:00Z" */
    const char *password_hash;  /* PHC string; only set by db_account_by_email */
};

/* Inserts in->email, display_name, password_hash, country, languages_json
 * (borrowed) and sets in->id and in->created_at (arena). DB_CONFLICT when
 * the address is taken (db_constraint() == DB_ACCOUNT_EMAIL_KEY). */
enum db_status db_account_insert(struct db_conn *c, struct arena *a, struct db_account *in)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Loads the account with this (normalised) address, password hash
 * included. DB_NOT_FOUND if none. */
enum db_status db_account_by_email(struct db_conn *c, struct arena *a, const char *email,
                                   struct db_account *out) PNYX_NONNULL(1, 2, 3, 4) PNYX_MUSTCHECK;

/* Loads account id (without the password hash). DB_NOT_FOUND if none. */
enum db_status db_account_get(struct db_conn *c, struct arena *a, int64_t id,
                              struct db_account *out) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Replaces the password hash of account id, only if it is still `old_hash`
 * (so two concurrent upgrades cannot clobber a password change). DB_OK
 * also when nothing matched (someone else changed it first). */
enum db_status db_account_rehash(struct db_conn *c, struct arena *a, int64_t id,
                                 const char *old_hash, const char *new_hash)
    PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_ACCOUNT_H */
