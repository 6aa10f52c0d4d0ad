/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/invitation.c — invitations as JSON (see resources.h). */
#include "codec/json/resources.h"

json_t *codec_invitation_created_json(const struct invitation_record *inv)
{
    return json_pack("{s:I, s:s, s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)inv->id,
                     "code", inv->code, "assembly_id", (json_int_t)inv->assembly_id, "role",
                     inv->role, "max_uses", (json_int_t)inv->max_uses, "uses",
                     (json_int_t)inv->uses, "expires_at", inv->expires_at, "created_at",
                     inv->created_at, "accept_path", inv->accept_path);
}
