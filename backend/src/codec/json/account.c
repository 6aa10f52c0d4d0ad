/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/account.c — the account resource's JSON (see resources.h). */
#include "codec/json/resources.h"

json_t *codec_account_json(const struct account_record *acc)
{
    json_t *langs = json_loads(acc->languages_json ? acc->languages_json : "", 0, NULL);
    if (langs == NULL || !json_is_array(langs)) {
        json_decref(langs);
        return NULL;
    }
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)acc->id, "email",
                     acc->email, "display_name", acc->display_name, "country", acc->country,
                     "languages", langs, "created_at", acc->created_at);
}
