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

json_t *codec_assembly_json(const struct db_assembly *x, const char *my_role,
                            const char *my_status)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:o}", "id",
                     (json_int_t)x->id, "title", x->title, "description", x->description,
                     "visibility", x->visibility, "join_policy", x->join_policy,
                     "default_language", x->default_language, "created_by",
                     (json_int_t)x->created_by, "created_at", x->created_at, "updated_at",
                     x->updated_at, "my_role", string_or_null(my_role), "my_status",
                     string_or_null(my_status));
}

json_t *codec_composition_json(const struct db_composition *comp)
{
    json_t *by_country = json_object();
    json_t *by_role = json_object();
    for (int i = 0; i < comp->n_country; i++) {
        json_object_set_new(by_country, comp->by_country[i].key,
                            json_integer((json_int_t)comp->by_country[i].count));
    }
    for (int i = 0; i < comp->n_role; i++) {
        json_object_set_new(by_role, comp->by_role[i].key,
                            json_integer((json_int_t)comp->by_role[i].count));
    }
    return json_pack("{s:I, s:i, s:o, s:o}", "active_members", (json_int_t)comp->active_members,
                     "countries", comp->n_country, "by_country", by_country, "by_role", by_role);
}

json_t *codec_membership_json(int64_t aid, int64_t account_id, const char *role,
                              const char *status, const char *joined_at)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s?}", "assembly_id", (json_int_t)aid, "account_id",
                     (json_int_t)account_id, "role", role, "status", status, "joined_at",
                     joined_at);
}

json_t *codec_member_json(const struct db_member *m)
{
    return json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:s, s:s}", "account_id",
                     (json_int_t)m->account_id, "display_name", m->display_name, "country",
                     m->country, "role", m->role, "status", m->status, "joined_at", m->joined_at,
                     "updated_at", m->updated_at);
}
