/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_proposal.h — proposals, their versions, translations and
 * endorsements, and the assembly's advancement rule (db_proposal.c,
 * sql/006_proposals.sql). Conventions as in db_assembly.h: one statement
 * per function, composed by api/ inside db_run_txn* bodies (which own the
 * authorisation decision); results copied into the arena; times RFC 3339
 * UTC text; ids int64 > 0 (0 = none).
 *
 * The reader's language preferences (`prefs`) are a PostgreSQL text array
 * literal of lower-case BCP 47 tags in order ("{es-mx,es}"), built by api/
 * from validated tags only; the reader's account languages are appended by
 * the statement itself. prefs NULL = no preferences at all: the original
 * (what a writer is shown after a change). A translation is chosen when its language comes
 * before the original's in that list (the original wins ties and when
 * nothing matches); among translations into one language the one of the
 * newest version not after the text read wins (older = outdated).
 */
#ifndef PNYX_DB_DB_PROPOSAL_H
#define PNYX_DB_DB_PROPOSAL_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct db_proposal_translation {
    int64_t id; /* 0: no translation */
    int64_t version;
    const char *language;
    const char *title;
    const char *body;   /* NULL in list summaries */
    const char *source; /* "human" | "machine" */
    const char *pivot;  /* NULL = none */
    const char *translator;
    int64_t translated_by; /* 0 = none */
    const char *created_at;
    int64_t reviewed_by; /* 0 = not reviewed */
    const char *reviewed_at;
    bool current;
};

struct db_proposal {
    int64_t id;
    int64_t assembly_id;
    int64_t author_id;
    int64_t amends; /* 0 = not an amendment */
    const char *status;
    const char *original_language;
    int64_t current_version;
    int64_t endorsement_count, endorsement_countries, comment_count, amendment_count;
    int64_t merged_into_version; /* amendments merged into their parent; else 0 */
    int64_t merged_by;
    const char *merged_at;
    const char *created_at, *updated_at;
    const char *author_name, *author_country;
    /* The version read (the current one unless asked otherwise). */
    int64_t version;
    const char *title;
    const char *body; /* NULL in list summaries */
    const char *language;
    const char *version_created_at;
    /* The assembly's advancement rule (rule false = none). */
    bool rule;
    int64_t min_endorsements, min_countries;
    bool mine;                         /* the viewer endorses it */
    struct db_proposal_translation tr; /* the best translation for the reader (id 0: none) */
    const char *sort_key;              /* lists sorted by a key: its exact text (the cursor) */
    const char *rank_text;             /* lists with a search: the rank's exact text (= sort_key) */
};

/* Everything GET /proposals/{pid} shows, in ONE statement: the proposal,
 * the text of `version` (0 = current), the best translation for prefs and
 * the viewer's account languages, endorsement progress and the rule, the
 * languages with a current translation of the current version (JSON array
 * text, original included), and the viewer's standing in the assembly
 * (for the authorisation decision). DB_NOT_FOUND: no such proposal or
 * version. viewer 0 = anonymous. */
struct db_proposal_view {
    struct db_proposal p;
    bool is_public, open_to_join;
    const char *my_role, *my_status; /* NULL when no membership row */
    const char *languages_json;
    /* The revision of the comment thread as pages show it ("count.rev.epoch",
     * sql/011): equal keys, equal comment pages (api_comments.c's cache). */
    const char *comments_key;
    /* What the whole page shows, for viewer and the version read, as one
     * text (db_proposal.c, P_PAGE_KEY): equal keys, equal pages. */
    const char *page_key;
};
enum db_status db_proposal_view(struct db_conn *c, struct arena *a, int64_t pid, int64_t viewer,
                                int64_t version, const char *prefs, struct db_proposal_view *out)
    PNYX_NONNULL(1, 2, 7) PNYX_MUSTCHECK;

/* The page key of proposal pid as db_proposal_view would return it for
 * viewer (0: anonymous) and version (0: the current one), in *key (arena):
 * one small statement. DB_NOT_FOUND when there is no such proposal or
 * version. */
enum db_status db_proposal_page_key(struct db_conn *c, struct arena *a, int64_t pid, int64_t viewer,
                                    int64_t version, const char **key)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* The assembly of proposal pid (it never changes) and, when version is not
 * NULL, its current version. DB_NOT_FOUND if none. */
enum db_status db_proposal_assembly(struct db_conn *c, struct arena *a, int64_t pid, int64_t *aid,
                                    int64_t *version) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Locks proposal pid (FOR UPDATE) and loads it with its current text and
 * the rule (no translation, mine = false). Every change to a proposal
 * starts here, so changes to one proposal serialise. DB_NOT_FOUND. */
enum db_status db_proposal_lock(struct db_conn *c, struct arena *a, int64_t pid,
                                struct db_proposal *out) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* A text to store: title, body, language, its SHA-256 (32 bytes). */
struct db_text {
    const char *title, *body, *language;
    const uint8_t *sha256;
};

/* Inserts a proposal in draft with version 1 = t, written by author;
 * amends 0 = none (the caller locked and checked the parent, whose
 * amendment_count is raised in the same statement). Sets *pid. */
enum db_status db_proposal_insert(struct db_conn *c, struct arena *a, int64_t aid, int64_t author,
                                  int64_t amends, const struct db_text *t, int64_t *pid)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* Appends version current + 1 with text t by author (merged_from 0 = an
 * edit, else the amendment merged) and makes it current. Sets *version. */
enum db_status db_proposal_new_version(struct db_conn *c, struct arena *a, int64_t pid,
                                       int64_t author, const struct db_text *t, int64_t merged_from,
                                       int64_t *version) PNYX_NONNULL(1, 2, 5, 7) PNYX_MUSTCHECK;

/* Sets the status (the caller checked the move). */
enum db_status db_proposal_set_status(struct db_conn *c, struct arena *a, int64_t pid,
                                      const char *status) PNYX_NONNULL(1, 2, 4) PNYX_MUSTCHECK;

/* Records that amendment `amendment` was merged into parent version
 * `version` by `by`. */
enum db_status db_proposal_mark_merged(struct db_conn *c, struct arena *a, int64_t amendment,
                                       int64_t version, int64_t by)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* --- lists ------------------------------------------------------------------------ */

enum db_proposal_sort {
    DB_PROPOSAL_NEWEST = 0, /* id descending */
    DB_PROPOSAL_ENDORSED,   /* endorsement_count, id descending */
    DB_PROPOSAL_DISCUSSED,  /* comment_count, id descending */
    DB_PROPOSAL_RANKED,     /* search rank, id descending (q set) */
};

/* A list request: the assembly's proposals that amend nothing (parent 0),
 * or the amendments of parent; optionally one status; a search q (then
 * sorted by rank). The keyset cursor is (key, id): the previous page's
 * last sort key (count, or rank as its exact text) and id; after_id 0 =
 * first page. */
struct db_proposal_query {
    int64_t aid;
    int64_t parent;
    const char *status; /* NULL = any */
    enum db_proposal_sort sort;
    const char *q; /* ranked search when non-NULL */
    const char *after_key;
    int64_t after_id;
    int limit;
    int64_t viewer;
    const char *prefs;
};
/* Summaries (no bodies; title in the reader's language as for a read).
 * *items is an arena array of *n. */
enum db_status db_proposal_list(struct db_conn *c, struct arena *a,
                                const struct db_proposal_query *q, struct db_proposal **items,
                                int *n) PNYX_NONNULL(1, 2, 3, 4, 5) PNYX_MUSTCHECK;

struct db_version {
    int64_t version;
    const char *title, *body, *language;
    int64_t author_id;
    const char *author_name, *author_country;
    int64_t merged_from; /* 0 = none */
    const char *text_sha256_hex;
    const char *created_at;
};
/* Versions of pid with version > after, ascending, at most limit. */
enum db_status db_proposal_versions(struct db_conn *c, struct arena *a, int64_t pid, int64_t after,
                                    int limit, struct db_version **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* --- translations ------------------------------------------------------------------- */

/* Every translation of pid, current or not, by id (history), id > after,
 * at most limit. */
enum db_status db_proposal_translation_list(struct db_conn *c, struct arena *a, int64_t pid,
                                            int64_t after, int limit,
                                            struct db_proposal_translation **items, int *n)
    PNYX_NONNULL(1, 2, 6, 7) PNYX_MUSTCHECK;

/* Stores a member's translation (source "human", or "machine" for one
 * pasted from an engine) of version `version` into t->language by `by`
 * as the current one: the previous current row of that (version,
 * language), if any, is kept with current = false. Fills *out. */
enum db_status db_proposal_translation_insert(struct db_conn *c, struct arena *a, int64_t pid,
                                              int64_t version, const struct db_text *t,
                                              const char *source, int64_t by,
                                              struct db_proposal_translation *out)
    PNYX_NONNULL(1, 2, 5, 6, 8) PNYX_MUSTCHECK;

/* Locks the current translation of pid's version `version` into language
 * (case-insensitive). DB_NOT_FOUND if none. */
enum db_status db_proposal_translation_lock(struct db_conn *c, struct arena *a, int64_t pid,
                                            int64_t version, const char *language,
                                            struct db_proposal_translation *out)
    PNYX_NONNULL(1, 2, 5, 6) PNYX_MUSTCHECK;

/* Marks translation id reviewed by `by` now; reloads *out. */
enum db_status db_proposal_translation_review(struct db_conn *c, struct arena *a, int64_t id,
                                              int64_t by, struct db_proposal_translation *out)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* --- endorsements ------------------------------------------------------------------- */

/* Adds account's endorsement of version (with the account's country) and
 * keeps the proposal's counters (the caller locked the proposal). Sets
 * *country. DB_CONFLICT when the account already endorses it. */
enum db_status db_endorsement_add(struct db_conn *c, struct arena *a, int64_t pid, int64_t account,
                                  int64_t version, const char **country)
    PNYX_NONNULL(1, 2, 6) PNYX_MUSTCHECK;

/* Removes it and keeps the counters. DB_NOT_FOUND when there is none. */
enum db_status db_endorsement_remove(struct db_conn *c, struct arena *a, int64_t pid,
                                     int64_t account, const char **country)
    PNYX_NONNULL(1, 2, 5) PNYX_MUSTCHECK;

/* --- the assembly's advancement rule -------------------------------------------------- */

/* Sets (on = true) or clears the rule of assembly aid. */
enum db_status db_advancement_set(struct db_conn *c, struct arena *a, int64_t aid, bool on,
                                  int64_t min_endorsements, int64_t min_countries)
    PNYX_NONNULL(1, 2) PNYX_MUSTCHECK;

/* Reads it (*on false when there is none). DB_NOT_FOUND: no assembly. */
enum db_status db_advancement_get(struct db_conn *c, struct arena *a, int64_t aid, bool *on,
                                  int64_t *min_endorsements, int64_t *min_countries)
    PNYX_NONNULL(1, 2, 4, 5, 6) PNYX_MUSTCHECK;

#endif /* PNYX_DB_DB_PROPOSAL_H */
