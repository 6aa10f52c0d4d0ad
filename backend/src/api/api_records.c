/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_records.c — row (db/) → record (core/record.h) → JSON
 * (codec/json), one function per resource (see the header).
 */
#include "api/api_records.h"

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
