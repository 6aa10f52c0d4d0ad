/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_records.h — a resource's JSON from the row db/ filled: maps the
 * row to its core/record.h record (one place per resource) and encodes it
 * with codec/json. Returns a new JSON object, or NULL on allocation failure
 * (api_reply_json then answers 500). Borrows its inputs.
 */
#ifndef PNYX_API_API_RECORDS_H
#define PNYX_API_API_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/record.h"
#include "db/db_account.h"
#include "db/db_assembly.h"
#include "db/db_comment.h"
#include "db/db_invitation.h"
#include "db/db_member.h"
#include "db/db_proposal.h"
#include "platform/arena.h"

/* The account's public JSON (never the password hash); NULL also when its
 * languages_json is not a JSON array. */
json_t *api_account_json(const struct db_account *acc) PNYX_NONNULL(1);

/* The assembly with the viewer's my_role/my_status (NULL = not a member). */
json_t *api_assembly_json(const struct db_assembly *x, const char *my_role, const char *my_status)
    PNYX_NONNULL(1);

/* The composition (counts copied into a; a borrowed). */
json_t *api_composition_json(struct arena *a, const struct db_composition *comp) PNYX_NONNULL(1, 2);

/* A membership {assembly_id, account_id, role, status, joined_at?}. */
json_t *api_membership_json(int64_t aid, int64_t account_id, const char *role, const char *status,
                            const char *joined_at) PNYX_NONNULL(3, 4);

/* A member row of the member list. */
json_t *api_member_json(const struct db_member *m) PNYX_NONNULL(1);

/* A just-created invitation with its code (shown once) and accept path. */
json_t *api_invitation_created_json(const struct db_invitation *inv, int64_t aid, const char *code,
                                    const char *accept_path) PNYX_NONNULL(1, 3, 4);

/* An invitation as listed to managers (no code); status as computed by
 * the caller ("valid", "expired", "used_up", "revoked"). */
json_t *api_invitation_listed_json(const struct db_invitation *inv, const char *status)
    PNYX_NONNULL(1, 2);

/* An invitation's preview for whoever holds its code. */
json_t *api_invitation_preview_json(const struct db_invitation *inv, const char *status,
                                    int64_t uses_left) PNYX_NONNULL(1, 2);

/* --- proposals (issue 10) --- */

/* A translation; current_version = the version of the text it stands for
 * (older: outdated); with_body adds the body. */
json_t *api_translation_json(const struct db_proposal_translation *t, int64_t current_version,
                             bool with_body) PNYX_NONNULL(1);

/* A proposal (p->body NULL: a summary) with its progress, the viewer's
 * allowed transitions and the languages (JSON text, NULL = no member). */
json_t *api_proposal_json(const struct db_proposal *p, const struct progress_record *progress,
                          const char *const *allowed, int n_allowed, const char *languages_json)
    PNYX_NONNULL(1, 2);

/* The same proposal as JSON text (malloc'd, NUL-terminated; free() it;
 * length in *len), the bytes json_dumps(api_proposal_json(…),
 * JSON_COMPACT) gives, without a Jansson tree (the proposal page). NULL
 * when the text writer does not cover this proposal or memory ran out:
 * use api_proposal_json. */
char *api_proposal_text(const struct db_proposal *p, const struct progress_record *progress,
                        const char *const *allowed, int n_allowed, const char *languages_json,
                        size_t *len) PNYX_NONNULL(1, 2, 6);

/* Endorsement progress {count, countries, eligible, missing, mine, rule}. */
json_t *api_progress_json(const struct progress_record *pr) PNYX_NONNULL(1);

/* One version of a proposal's text. */
json_t *api_proposal_version_json(const struct db_version *v) PNYX_NONNULL(1);

/* --- machine translation (issue 10, mt) --- */
struct db_translation_job;
/* A comment as its reader sees it: with show_text, its best text (c->tr
 * when set, labelled, else the original); without, body null (hidden from
 * this reader, or deleted). */
json_t *api_comment_json(const struct db_comment *c, bool show_text) PNYX_NONNULL(1);
/* The same comment written as JSON text into w (codec_comment_write: the
 * same bytes json_dumps gives for api_comment_json, without a tree). */
struct jsonw;
void api_comment_write(struct jsonw *w, const struct db_comment *c, bool show_text)
    PNYX_NONNULL(1, 2);

/* One text of a comment's history. */
json_t *api_comment_version_json(const struct db_comment_version *v) PNYX_NONNULL(1);

/* A comment translation as written or reviewed; current_version is the
 * comment's (outdated when the translation's is older). */
json_t *api_comment_translation_json(const struct db_comment_translation *t, int current_version)
    PNYX_NONNULL(1);
/* --- machine translation (issue 10, mt) --- */
struct db_translation_job;
/* A translation job as listed to facilitators. */
json_t *api_translation_job_json(const struct db_translation_job *j) PNYX_NONNULL(1);

#endif /* PNYX_API_API_RECORDS_H */
