/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/invitation.c — invitations as JSON (see resources.h). */
#include "codec/json/resources.h"

json_t *codec_invitation_created_json(const struct db_invitation *inv, int64_t aid,
                                      const char *code, const char *accept_path)
{
    return json_pack("{s:I, s:s, s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)inv->id,
                     "code", code, "assembly_id", (json_int_t)aid, "role", inv->role, "max_uses",
                     (json_int_t)inv->max_uses, "uses", (json_int_t)inv->uses, "expires_at",
                     inv->expires_at, "created_at", inv->created_at, "accept_path", accept_path);
}
