/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/translation.c — translation jobs and pairs as JSON (see
 * resources.h). */
#include "codec/json/resources.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Ids are JSON integers, as in every other resource of the API (only audit
 * entries carry them as decimal strings, for canonical JSON). */
static json_t *id_json(int64_t id)
{
    return json_integer((json_int_t)id);
}

json_t *codec_translation_job_json(const struct translation_job_record *j)
{
    return json_pack("{s:o, s:o, s:s, s:o, s:I, s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o, "
                     "s:s, s:s}",
                     "id", id_json(j->id), "assembly_id", id_json(j->assembly_id), "kind", j->kind,
                     "target_id", id_json(j->target_id), "version", (json_int_t)j->version,
                     "source_language", j->source_language, "target_language", j->target_language,
                     "status", j->status, "attempts", (json_int_t)j->attempts, "run_after",
                     j->run_after, "last_error", str_or_null(j->last_error), "translator",
                     str_or_null(j->translator), "pivot", str_or_null(j->pivot), "outcome",
                     str_or_null(j->outcome), "created_at", j->created_at, "updated_at",
                     j->updated_at);
}

json_t *codec_translation_pair_json(const struct translation_pair_record *p)
{
    return json_pack("{s:s, s:s, s:o}", "from", p->from, "to", p->to, "via",
                     p->via && *p->via ? json_string(p->via) : json_null());
}
