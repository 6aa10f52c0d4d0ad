/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/resources.h — the JSON shape of each API resource, as
 * api-spec/openapi.yaml names it (one encoder per schema), from the
 * records of core/record.h. Every encoder borrows its input and returns a
 * new JSON object, or NULL on allocation failure (api_reply_json turns
 * NULL into a 500). No I/O, no replies, no database.
 */
#ifndef PNYX_CODEC_JSON_RESOURCES_H
#define PNYX_CODEC_JSON_RESOURCES_H

#include <jansson.h>

#include "core/record.h"

/* Account {id, email, display_name, country, languages, created_at};
 * NULL also when languages_json is not a JSON array. Never the hash. */
json_t *codec_account_json(const struct account_record *acc);

/* Assembly {id, title, description, visibility, join_policy,
 * default_language, created_by, created_at, updated_at, my_role,
 * my_status} (my_* null when the viewer is not a member). */
json_t *codec_assembly_json(const struct assembly_record *x);

/* Composition {active_members, countries, by_country, by_role}. */
json_t *codec_composition_json(const struct composition_record *comp);

/* Membership {assembly_id, account_id, role, status, joined_at} (joined_at
 * null when NULL). */
json_t *codec_membership_json(const struct membership_record *m);

/* Member {account_id, display_name, country, role, status, joined_at,
 * updated_at} (display_name and country null when NULL). */
json_t *codec_member_json(const struct member_record *m);

/* Invitation as created {id, code, assembly_id, role, max_uses, uses,
 * expires_at, created_at, accept_path}; the code is shown this once. */
json_t *codec_invitation_created_json(const struct invitation_record *inv);

/* Invitation as listed to managers {id, role, max_uses, uses, expires_at,
 * created_at, created_by: {account_id, display_name}, status}: no code. */
json_t *codec_invitation_listed_json(const struct invitation_record *inv);

/* Invitation preview for whoever holds the code {assembly: {id, title},
 * invited_by: {display_name}, role, expires_at, uses_left, status}. */
json_t *codec_invitation_preview_json(const struct invitation_record *inv);

/* --- proposals (issue 10) --- */

/* Proposal {id, assembly_id, amends, status, author: {id, display_name,
 * country}, version, title, body (not in summaries), language,
 * original_language, translation, languages (when known), endorsements:
 * {count, countries, eligible, missing: {endorsements, countries}, mine,
 * rule}, versions, comment_count, amendment_count, allowed_transitions,
 * merged, created_at, updated_at, rank (searches)}. */
json_t *codec_proposal_json(const struct proposal_record *p);

/* The same Proposal written as JSON text into w (codec/json/jsonw.h),
 * byte for byte what json_dumps(codec_proposal_json(p), JSON_COMPACT)
 * gives, without building a tree: the proposal page's encoder. false
 * (w unchanged in meaning: discard it) when p is outside what the writer
 * reproduces exactly — a rank (search lists), or a languages_json that is
 * not a plain array of strings without escapes — so the caller falls back
 * to codec_proposal_json. */
struct jsonw;
bool codec_proposal_write(struct jsonw *w, const struct proposal_record *p);

/* Translation {language, of_version, title, body?, source, reviewed,
 * reviewed_by, reviewed_at, outdated, pivot, translator, translated_by,
 * created_at, current}. */
json_t *codec_translation_json(const struct translation_record *t);

/* Endorsement progress (as in the proposal). */
json_t *codec_progress_json(const struct progress_record *e);

/* Version {version, title, body, language, author, created_at,
 * merged_from, text_sha256}. */
json_t *codec_proposal_version_json(const struct proposal_version_record *v);

/* --- machine translation (issue 10, mt) --- */
/* TranslationJob {id, assembly_id, kind, target_id, version,
 * source_language, target_language, status, attempts, run_after,
 * last_error, translator, pivot, outcome, created_at, updated_at}; ids as
 * decimal strings. */
json_t *codec_translation_job_json(const struct translation_job_record *j);
/* TranslationPair {from, to, via} (via null when direct). */
json_t *codec_translation_pair_json(const struct translation_pair_record *p);

/* Comment {id, proposal_id, parent_id, depth, author: {id, display_name,
 * country}, status, body, language, original_language, translation,
 * hidden_reason, hidden_at, edited, version, created_at, updated_at}
 * (body null when not shown; translation null for the original). */
json_t *codec_comment_json(const struct comment_record *c);

/* The same Comment written as JSON text into w (codec/json/jsonw.h),
 * byte for byte what json_dumps(codec_comment_json(c), JSON_COMPACT)
 * gives, without building a tree: the proposal page's encoder. */
struct jsonw;
void codec_comment_write(struct jsonw *w, const struct comment_record *c);

/* CommentVersion {version, body, created_at}. */
json_t *codec_comment_version_json(const struct comment_version_record *v);

/* The label of a translation inside a resource {source, reviewed,
 * reviewed_by, reviewed_at, outdated, of_version, pivot, translator,
 * translated_by}. */
json_t *codec_translation_label_json(const struct comment_translation_record *t);

/* A comment translation as written or reviewed: the label plus {id,
 * language, body, created_at, current}. */
json_t *codec_comment_translation_json(const struct comment_translation_record *t);
/* --- selections by lot (issue 14, sortdraw) --- */
/* Selection {id, assembly_id, title, categories, household, call_open,
 * created_by, created_at, updated_at, pool_size, round: SelectionRound}. */
json_t *codec_selection_json(const struct selection_record *s);

/* SelectionRun {id, selection_id, round, status, method, inputs_sha256,
 * cancel_requested, progress, result (without the lottery's panels),
 * error, created_at, started_at, finished_at}. */
json_t *codec_selection_run_json(const struct selection_run_record *r);

#endif /* PNYX_CODEC_JSON_RESOURCES_H */
