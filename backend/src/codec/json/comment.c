/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/comment.c — comments and their translations as JSON (see resources.h). */
#include "codec/json/resources.h"

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id > 0 ? json_integer((json_int_t)id) : json_null();
}

json_t *codec_translation_label_json(const struct comment_translation_record *t)
{
    return json_pack("{s:s, s:b, s:o, s:o, s:b, s:i, s:o, s:o, s:o}", "source", t->source,
                     "reviewed", t->reviewed_by > 0, "reviewed_by", id_or_null(t->reviewed_by),
                     "reviewed_at", str_or_null(t->reviewed_at), "outdated",
                     t->of_version < t->current_version, "of_version", t->of_version, "pivot",
                     str_or_null(t->pivot), "translator", str_or_null(t->translator),
                     "translated_by", id_or_null(t->translated_by));
}

json_t *codec_comment_translation_json(const struct comment_translation_record *t)
{
    json_t *j = codec_translation_label_json(t);
    if (j == NULL) {
        return NULL;
    }
    json_t *more = json_pack("{s:I, s:s, s:o, s:s, s:b}", "id", (json_int_t)t->id, "language",
                             t->language, "body", str_or_null(t->body), "created_at", t->created_at,
                             "current", t->current != 0);
    if (more == NULL || json_object_update(j, more) != 0) {
        json_decref(more);
        json_decref(j);
        return NULL;
    }
    json_decref(more);
    return j;
}

json_t *codec_comment_json(const struct comment_record *c)
{
    json_t *tr =
        c->translation != NULL ? codec_translation_label_json(c->translation) : json_null();
    return json_pack("{s:I, s:I, s:o, s:i, s:{s:I, s:s, s:s}, s:s, s:o, s:s, s:s, s:o, s:o, "
                     "s:o, s:b, s:i, s:s, s:s}",
                     "id", (json_int_t)c->id, "proposal_id", (json_int_t)c->proposal_id,
                     "parent_id", id_or_null(c->parent_id), "depth", c->depth, "author", "id",
                     (json_int_t)c->author_id, "display_name", c->author_name, "country",
                     c->author_country, "status", c->status, "body", str_or_null(c->body),
                     "language", c->language, "original_language", c->original_language,
                     "translation", tr, "hidden_reason", str_or_null(c->hidden_reason), "hidden_at",
                     str_or_null(c->hidden_at), "edited", c->version > 1, "version", c->version,
                     "created_at", c->created_at, "updated_at", c->updated_at);
}
