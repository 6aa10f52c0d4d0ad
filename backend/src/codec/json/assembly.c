/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/assembly.c — assemblies, their composition, memberships and
 * members as JSON (see resources.h).
 */
#include "codec/json/resources.h"

static json_t *string_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

json_t *codec_assembly_json(const struct assembly_record *x)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:o}", "id",
                     (json_int_t)x->id, "title", x->title, "description", x->description,
                     "visibility", x->visibility, "join_policy", x->join_policy, "default_language",
                     x->default_language, "created_by", (json_int_t)x->created_by, "created_at",
                     x->created_at, "updated_at", x->updated_at, "my_role",
                     string_or_null(x->my_role), "my_status", string_or_null(x->my_status));
}

static json_t *counts_json(const struct count_record *c, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++) {
        json_object_set_new(o, c[i].key, json_integer((json_int_t)c[i].count));
    }
    return o;
}

json_t *codec_composition_json(const struct composition_record *comp)
{
    return json_pack("{s:I, s:i, s:o, s:o}", "active_members", (json_int_t)comp->active_members,
                     "countries", comp->n_country, "by_country",
                     counts_json(comp->by_country, comp->n_country), "by_role",
                     counts_json(comp->by_role, comp->n_role));
}

json_t *codec_membership_json(const struct membership_record *m)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s?}", "assembly_id", (json_int_t)m->assembly_id,
                     "account_id", (json_int_t)m->account_id, "role", m->role, "status", m->status,
                     "joined_at", m->joined_at);
}

json_t *codec_member_json(const struct member_record *m)
{
    return json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:s, s:s}", "account_id",
                     (json_int_t)m->account_id, "display_name", m->display_name, "country",
                     m->country, "role", m->role, "status", m->status, "joined_at", m->joined_at,
                     "updated_at", m->updated_at);
}
