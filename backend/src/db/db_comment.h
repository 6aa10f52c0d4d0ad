/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_comment.h — comments on proposals (db_comment.c): the thread page
 * in thread order (one index scan on comments_thread, see
 * sql/007_comments.sql), insert, edit with history, tombstone, hide, and
 * comment translations (put, review). Conventions as in db_assembly.h:
 * one statement each on the caller's connection, results in the arena,
 * times RFC 3339 UTC text. Decisions (who, which state, the edit window's
 * verdict) are api/'s: these functions only report facts.
 */
#ifndef PNYX_DB_DB_COMMENT_H
#define PNYX_DB_DB_COMMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_assembly.h"

/* Deepest reply (root comments have depth 0): the CHECK on comments.path
 * (≤ 256 bytes = 32 ids) allows depths 0..31. */
#define DB_COMMENT_MAX_DEPTH 31

/* The proposal comments hang on, and the caller's standing in its assembly. */
struct db_comment_scope {
    int64_t proposal_id;
    int64_t assembly_id;
    const char
        *proposal_status; /* draft | deliberation | ballot | adopted | rejected | withdrawn */
    struct db_standing sd;
    /* The thread's revision key as pages show it (sql/011, "count.rev.epoch"). */
    const char *comments_key;
};

struct db_comment_translation {
    int64_t id;
    int64_t comment_id;
    int version; /* of the comment's text it translates */
    const char *language;
    const char *body;
    const char *source;     /* human | machine */
    const char *pivot;      /* NULL when direct */
    const char *translator; /* engine name for machine ones, else NULL */
    int64_t translated_by;  /* 0 = none */
    const char *created_at;
    int64_t reviewed_by; /* 0 = not reviewed */
    const char *reviewed_at;
    bool current;
};

struct db_comment {
    int64_t id;
    int64_t assembly_id;
    int64_t proposal_id;
    int64_t parent_id; /* 0 = a root comment */
    int depth;
    int64_t author_id;
    const char *author_name;
    const char *author_country;
    const char *language;
    const char *body;   /* NULL once deleted */
    const char *status; /* visible | hidden | deleted */
    const char *hidden_reason;
    const char *hidden_at;
    int version;
    const char *created_at;
    const char *updated_at;
    /* db_comment_lock only: created less than the edit window ago. */
    bool in_edit_window;
    /* db_comment_list only: the best translation for the reader, NULL when
     * the original is the best text. */
    struct db_comment_translation *tr;
};

/* Proposal pid's assembly and status, and account viewer's (0 = anonymous)
 * standing there. With lock, the proposal row is locked FOR NO KEY UPDATE:
 * its status cannot change before the caller's transaction ends, and the
 * insert that bumps its comment_count needs no lock upgrade (two
 * commenters holding a shared lock would deadlock on that upgrade).
 * DB_NOT_FOUND when there is no such proposal. */
enum db_status db_comment_scope(struct db_conn *c, struct arena *a, int64_t pid, int64_t viewer,
                                bool lock, struct db_comment_scope *out)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* The assembly of comment cid (never changes: safe outside a transaction,
 * e.g. to pick the group-commit key). DB_NOT_FOUND if none. */
enum db_status db_comment_assembly(struct db_conn *c, struct arena *a, int64_t cid, int64_t *aid)
    PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Depth of comment cid when it belongs to proposal pid; DB_NOT_FOUND
 * otherwise. */
enum db_status db_comment_parent_depth(struct db_conn *c, struct arena *a, int64_t pid, int64_t cid,
                                       int *depth) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* Inserts a comment (parent 0 = root; the parent must be pid's, checked by
 * db_comment_parent_depth), adds 1 to the proposal's comment_count, and
 * fills *out (with the author's name). Call after db_comment_scope with
 * lock in the same transaction. */
enum db_status db_comment_insert(struct db_conn *c, struct arena *a, int64_t aid, int64_t pid,
                                 int64_t parent, int64_t author, const char *language,
                                 const char *body, struct db_comment *out)
    PNYX_NONNULL(1, 2, 7, 8, 9) PNYX_MUSTCHECK;

/* The machine-translation jobs a guarded insert queues in the same
 * statement (translation_targets): none unless enqueue. */
struct db_comment_jobs {
    bool enqueue;
    const char *src;     /* the source language's primary subtag */
    const char *targets; /* JSON array of reachable languages; NULL: any */
};

/* The fast path of a post: db_comment_insert, done only when proposal
 * seen->proposal_id of assembly seen->assembly_id still has the status,
 * visibility and the author's membership (role, status) of *seen (read
 * before the transaction, and decided on), locking the proposal row as
 * db_comment_scope does, and when the parent (0 = none) is the proposal's
 * and at most DB_COMMENT_MAX_DEPTH - 1 deep. *inserted tells whether it
 * happened (then *out is filled); false with DB_OK: something differs,
 * nothing was written — take the slow path. It also queues the comment's
 * machine-translation jobs as translation_enqueue would (*jobs; *queued =
 * how many), so a post is one round trip on the group leader's connection. */
enum db_status db_comment_insert_guarded(struct db_conn *c, struct arena *a,
                                         const struct db_comment_scope *seen, int64_t parent,
                                         int64_t author, const char *language, const char *body,
                                         const struct db_comment_jobs *jobs, struct db_comment *out,
                                         bool *inserted, int64_t *queued)
    PNYX_NONNULL(1, 2, 3, 6, 7, 8, 9, 10, 11) PNYX_MUSTCHECK;

/* One post of a batch (db_comment_insert_many): what
 * db_comment_insert_guarded takes for one comment. */
struct db_comment_new {
    const struct db_comment_scope *seen; /* its proposal's assembly is the batch's */
    int64_t parent;                      /* 0 = a root comment */
    int64_t author;
    const char *language;
    const char *body;
    struct db_comment_jobs jobs;
};

/* db_comment_insert_guarded for in[0..n) (n <= DB_GROUP_MAX_BATCH, one
 * assembly aid) as ONE statement, all or nothing: only when every post's
 * guard holds (the proposals locked in id order) are all n inserted, with
 * ids ascending in the order of in[], each proposal's comment_count raised
 * once by its posts, and their translation jobs queued. *inserted tells
 * whether that happened (then out[i] and queued[i] are filled for each
 * i); false with DB_OK: some guard failed and nothing was written. */
enum db_status db_comment_insert_many(struct db_conn *c, struct arena *a, int64_t aid,
                                      const struct db_comment_new *const *in, size_t n,
                                      struct db_comment *const *out, int64_t *queued,
                                      bool *inserted) PNYX_NONNULL(1, 2, 4, 6, 7, 8) PNYX_MUSTCHECK;

/* Locks comment cid (FOR UPDATE) and loads it; in_edit_window is decided
 * against the transaction's clock (now() > created_at + window_s).
 * DB_NOT_FOUND if none. */
enum db_status db_comment_lock(struct db_conn *c, struct arena *a, int64_t cid, int window_s,
                               struct db_comment *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* The same without a lock (reads). */
enum db_status db_comment_get(struct db_conn *c, struct arena *a, int64_t cid, int window_s,
                              struct db_comment *out) PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* One text a comment had: version, body, when it was written. */
struct db_comment_version {
    int version;
    const char *body;
    const char *created_at;
};

/* Comment cid's texts with version > after, oldest first, at most limit:
 * the superseded ones (comment_versions), then the current one (none once
 * deleted: a tombstone has no history). */
enum db_status db_comment_versions(struct db_conn *c, struct arena *a, int64_t cid, int after,
                                   int limit, struct db_comment_version **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* Keeps the current text as comment_versions(cid, version), then sets the
 * new body and version + 1; reloads *out. */
enum db_status db_comment_edit(struct db_conn *c, struct arena *a, int64_t cid, const char *body,
                               struct db_comment *out) PNYX_NONNULL(1, 2, 4, 5) PNYX_MUSTCHECK;

/* Tombstone: status deleted, body NULL, history and translations erased. */
enum db_status db_comment_delete(struct db_conn *c, struct arena *a, int64_t cid,
                                 struct db_comment *out) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Hides comment cid with a public reason (text kept); reloads *out. */
enum db_status db_comment_hide(struct db_conn *c, struct arena *a, int64_t cid, int64_t by,
                               const char *reason, struct db_comment *out)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

/*
 * A page of proposal pid's comments in thread order, after comment `after`
 * (0 = from the start; a comment of another proposal yields no rows), at
 * most limit. langs (borrowed, n_langs ≥ 0) are the reader's primary
 * language subtags in preference order (lower case, [a-z] only): each
 * item's tr is the current translation in the most preferred language
 * that ranks before the comment's own (the newest version ≤ the comment's),
 * or NULL. One statement.
 */
enum db_status db_comment_list(struct db_conn *c, struct arena *a, int64_t pid, int64_t after,
                               int limit, const char *const *langs, int n_langs,
                               struct db_comment **items, int *n)
    PNYX_NONNULL(1, 2, 8, 9) PNYX_MUSTCHECK;

/* Locks the current translation of comment cid, version, language (FOR
 * UPDATE). DB_NOT_FOUND if none. */
enum db_status db_comment_translation_lock(struct db_conn *c, struct arena *a, int64_t cid,
                                           int version, const char *language,
                                           struct db_comment_translation *out)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

/* Makes *in (comment_id, version, language, body, source, pivot,
 * translator, translated_by) the current translation: clears the current
 * flag of the previous one (kept as history) and inserts; fills id,
 * created_at, current. */
enum db_status db_comment_translation_put(struct db_conn *c, struct arena *a,
                                          struct db_comment_translation *in)
    PNYX_NONNULL(1, 2, 3) PNYX_MUSTCHECK;

/* Records reviewer on translation id (now); reloads *out. */
enum db_status db_comment_translation_review(struct db_conn *c, struct arena *a, int64_t id,
                                             int64_t reviewer, struct db_comment_translation *out)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_COMMENT_H */
