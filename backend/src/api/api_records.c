/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_records.c — row (db/) → record (core/record.h) → JSON
 * (codec/json), one function per resource (see the header).
 */
#include "api/api_records.h"

#include <string.h>

#include "codec/json/jsonw.h"
#include "codec/json/resources.h"
#include "db/db_translation.h"

json_t *api_account_json(const struct db_account *acc)
{
    struct account_record r = {
        .id = acc->id,
        .email = acc->email,
        .display_name = acc->display_name,
        .country = acc->country,
        .languages_json = acc->languages_json,
        .created_at = acc->created_at,
    };
    return codec_account_json(&r);
}

json_t *api_assembly_json(const struct db_assembly *x, const char *my_role, const char *my_status)
{
    struct assembly_record r = {
        .id = x->id,
        .title = x->title,
        .description = x->description,
        .visibility = x->visibility,
        .join_policy = x->join_policy,
        .default_language = x->default_language,
        .created_by = x->created_by,
        .created_at = x->created_at,
        .updated_at = x->updated_at,
        .my_role = my_role,
        .my_status = my_status,
    };
    return codec_assembly_json(&r);
}

static const struct count_record *counts(struct arena *a, const struct db_count *c, int n)
{
    struct count_record *out = arena_calloc(a, n > 0 ? (size_t)n : 1, sizeof *out);
    for (int i = 0; out != NULL && i < n; i++) {
        out[i].key = c[i].key;
        out[i].count = c[i].count;
    }
    return out;
}

json_t *api_composition_json(struct arena *a, const struct db_composition *comp)
{
    struct composition_record r = {
        .by_country = counts(a, comp->by_country, comp->n_country),
        .n_country = comp->n_country,
        .by_role = counts(a, comp->by_role, comp->n_role),
        .n_role = comp->n_role,
        .active_members = comp->active_members,
    };
    if (r.by_country == NULL || r.by_role == NULL) {
        return NULL;
    }
    return codec_composition_json(&r);
}

json_t *api_membership_json(int64_t aid, int64_t account_id, const char *role, const char *status,
                            const char *joined_at)
{
    struct membership_record r = {
        .assembly_id = aid,
        .account_id = account_id,
        .role = role,
        .status = status,
        .joined_at = joined_at,
    };
    return codec_membership_json(&r);
}

json_t *api_member_json(const struct db_member *m)
{
    struct member_record r = {
        .account_id = m->account_id,
        .display_name = m->display_name,
        .country = m->country,
        .role = m->role,
        .status = m->status,
        .joined_at = m->joined_at,
        .updated_at = m->updated_at,
    };
    return codec_member_json(&r);
}

json_t *api_invitation_created_json(const struct db_invitation *inv, int64_t aid, const char *code,
                                    const char *accept_path)
{
    struct invitation_record r = {
        .id = inv->id,
        .assembly_id = aid,
        .code = code,
        .role = inv->role,
        .max_uses = inv->max_uses,
        .uses = inv->uses,
        .expires_at = inv->expires_at,
        .created_at = inv->created_at,
        .accept_path = accept_path,
    };
    return codec_invitation_created_json(&r);
}

/* Fields shared by the list and the preview (never the code). */
static struct invitation_record invitation_record(const struct db_invitation *inv,
                                                  const char *status)
{
    struct invitation_record r = {
        .id = inv->id,
        .assembly_id = inv->assembly_id,
        .role = inv->role,
        .max_uses = inv->max_uses,
        .uses = inv->uses,
        .expires_at = inv->expires_at,
        .created_at = inv->created_at,
        .created_by = inv->created_by,
        .creator_name = inv->creator_name ? inv->creator_name : "",
        .assembly_title = inv->assembly_title ? inv->assembly_title : "",
        .status = status,
    };
    return r;
}

json_t *api_invitation_listed_json(const struct db_invitation *inv, const char *status)
{
    struct invitation_record r = invitation_record(inv, status);
    return codec_invitation_listed_json(&r);
}

json_t *api_invitation_preview_json(const struct db_invitation *inv, const char *status,
                                    int64_t uses_left)
{
    struct invitation_record r = invitation_record(inv, status);
    r.uses_left = uses_left;
    return codec_invitation_preview_json(&r);
}

/* --- proposals --------------------------------------------------------------------- */

static struct translation_record translation_record_of(const struct db_proposal_translation *t,
                                                       int64_t current_version, bool with_body)
{
    struct translation_record r = {
        .of_version = t->version,
        .language = t->language,
        .title = t->title,
        .body = with_body ? t->body : NULL,
        .source = t->source,
        .pivot = t->pivot,
        .translator = t->translator,
        .translated_by = t->translated_by,
        .created_at = t->created_at,
        .reviewed_by = t->reviewed_by,
        .reviewed_at = t->reviewed_at,
        .current = t->current,
        .outdated = t->version < current_version,
    };
    return r;
}

json_t *api_translation_json(const struct db_proposal_translation *t, int64_t current_version,
                             bool with_body)
{
    struct translation_record r = translation_record_of(t, current_version, with_body);
    return codec_translation_json(&r);
}

/* The record both encoders of a proposal read. */
static struct proposal_record proposal_record_of(const struct db_proposal *p,
                                                 const struct progress_record *progress,
                                                 const char *const *allowed, int n_allowed,
                                                 const char *languages_json,
                                                 struct translation_record *tr)
{
    bool translated = p->tr.id > 0;
    /* A translation is outdated when it is of an older version than the
     * text it stands in for (the version read). */
    *tr = translation_record_of(&p->tr, p->version, p->body != NULL);
    return (struct proposal_record){
        .id = p->id,
        .assembly_id = p->assembly_id,
        .amends = p->amends,
        .status = p->status,
        .author_id = p->author_id,
        .author_name = p->author_name,
        .author_country = p->author_country,
        .version = p->version,
        .title = translated ? p->tr.title : p->title,
        .body = p->body == NULL ? NULL
                : translated    ? p->tr.body
                                : p->body,
        .language = translated ? p->tr.language : p->language,
        .original_language = p->original_language,
        .translation = translated ? tr : NULL,
        .languages_json = languages_json,
        .endorsements = *progress,
        .versions = p->current_version,
        .comment_count = p->comment_count,
        .amendment_count = p->amendment_count,
        .allowed_transitions = allowed,
        .n_allowed = n_allowed,
        .merged_into_version = p->merged_into_version,
        .merged_by = p->merged_by,
        .merged_at = p->merged_at,
        .created_at = p->created_at,
        .updated_at = p->updated_at,
        .rank_text = p->rank_text,
    };
}

json_t *api_proposal_json(const struct db_proposal *p, const struct progress_record *progress,
                          const char *const *allowed, int n_allowed, const char *languages_json)
{
    struct translation_record tr;
    struct proposal_record r =
        proposal_record_of(p, progress, allowed, n_allowed, languages_json, &tr);
    return codec_proposal_json(&r);
}

char *api_proposal_text(const struct db_proposal *p, const struct progress_record *progress,
                        const char *const *allowed, int n_allowed, const char *languages_json,
                        size_t *len)
{
    struct translation_record tr;
    struct proposal_record r =
        proposal_record_of(p, progress, allowed, n_allowed, languages_json, &tr);
    struct jsonw w;
    size_t hint = 1024 + (r.body != NULL ? strlen(r.body) + strlen(r.body) / 8 : 0);
    jsonw_init(&w, hint);
    if (!codec_proposal_write(&w, &r)) {
        jsonw_discard(&w);
        return NULL;
    }
    return jsonw_finish(&w, len);
}

json_t *api_proposal_version_json(const struct db_version *v)
{
    struct proposal_version_record r = {
        .version = v->version,
        .title = v->title,
        .body = v->body,
        .language = v->language,
        .author_id = v->author_id,
        .author_name = v->author_name,
        .author_country = v->author_country,
        .merged_from = v->merged_from,
        .text_sha256 = v->text_sha256_hex,
        .created_at = v->created_at,
    };
    return codec_proposal_version_json(&r);
}

json_t *api_progress_json(const struct progress_record *pr)
{
    return codec_progress_json(pr);
}

/* --- comments (issue 10) --- */

static struct comment_translation_record
comment_translation_of(const struct db_comment_translation *t, int current_version)
{
    struct comment_translation_record r = {
        .id = t->id,
        .language = t->language,
        .body = t->body,
        .source = t->source,
        .reviewed_by = t->reviewed_by,
        .reviewed_at = t->reviewed_at,
        .of_version = t->version,
        .current_version = current_version,
        .pivot = t->pivot,
        .translator = t->translator,
        .translated_by = t->translated_by,
        .created_at = t->created_at,
        .current = t->current ? 1 : 0,
    };
    return r;
}

/* The record of comment c as this reader sees it (tr: room for its
 * translation label). */
static struct comment_record comment_record_of(const struct db_comment *c, bool show_text,
                                               struct comment_translation_record *tr)
{
    struct comment_record r = {
        .id = c->id,
        .proposal_id = c->proposal_id,
        .parent_id = c->parent_id,
        .depth = c->depth,
        .author_id = c->author_id,
        .author_name = c->author_name,
        .author_country = c->author_country,
        .status = c->status,
        .body = show_text ? c->body : NULL,
        .language = c->language,
        .original_language = c->language,
        .hidden_reason = c->hidden_reason,
        .hidden_at = c->hidden_at,
        .version = c->version,
        .created_at = c->created_at,
        .updated_at = c->updated_at,
    };
    if (show_text && c->body != NULL && c->tr != NULL) {
        *tr = comment_translation_of(c->tr, c->version);
        r.body = c->tr->body;
        r.language = c->tr->language;
        r.translation = tr;
    }
    return r;
}

json_t *api_comment_json(const struct db_comment *c, bool show_text)
{
    struct comment_translation_record tr;
    struct comment_record r = comment_record_of(c, show_text, &tr);
    return codec_comment_json(&r);
}

void api_comment_write(struct jsonw *w, const struct db_comment *c, bool show_text)
{
    struct comment_translation_record tr;
    struct comment_record r = comment_record_of(c, show_text, &tr);
    codec_comment_write(w, &r);
}

json_t *api_comment_version_json(const struct db_comment_version *v)
{
    struct comment_version_record r = {
        .version = v->version, .body = v->body, .created_at = v->created_at};
    return codec_comment_version_json(&r);
}

json_t *api_comment_translation_json(const struct db_comment_translation *t, int current_version)
{
    struct comment_translation_record r = comment_translation_of(t, current_version);
    return codec_comment_translation_json(&r);
}

/* --- machine translation (issue 10, mt) --- */
json_t *api_translation_job_json(const struct db_translation_job *j)
{
    struct translation_job_record r = {
        .id = j->id,
        .assembly_id = j->assembly_id,
        .kind = j->kind,
        .target_id = j->target_id,
        .version = j->version,
        .source_language = j->source_language,
        .target_language = j->target_language,
        .status = j->status,
        .attempts = j->attempts,
        .run_after = j->run_after,
        .last_error = j->last_error,
        .translator = j->translator,
        .pivot = j->pivot,
        .outcome = j->outcome,
        .created_at = j->created_at,
        .updated_at = j->updated_at,
    };
    return codec_translation_job_json(&r);
}
