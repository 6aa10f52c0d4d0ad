/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/comment.c — comments and their translations as JSON (see resources.h). */
#include "codec/json/jsonw.h"
#include "codec/json/resources.h"

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id > 0 ? json_integer((json_int_t)id) : json_null();
}

/* Comment pages are the hottest encoder (50 per proposal page): built
 * member by member with Jansson's _nocheck calls, which skip the UTF-8
 * scan of every key and string. That is safe here: the keys are literals,
 * and every string comes from PostgreSQL, whose UTF8 databases hold only
 * valid UTF-8 (and the API decoder validated it on the way in). */
static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new_nocheck(o, key, v); /* steals v, also on failure */
}

static json_t *text(const char *s)
{
    return s != NULL ? json_string_nocheck(s) : json_null();
}

json_t *codec_translation_label_json(const struct comment_translation_record *t)
{
    json_t *j = json_object();
    if (j == NULL) {
        return NULL;
    }
    int bad = put(j, "source", text(t->source));
    bad |= put(j, "reviewed", json_boolean(t->reviewed_by > 0));
    bad |= put(j, "reviewed_by", id_or_null(t->reviewed_by));
    bad |= put(j, "reviewed_at", text(t->reviewed_at));
    bad |= put(j, "outdated", json_boolean(t->of_version < t->current_version));
    bad |= put(j, "of_version", json_integer(t->of_version));
    bad |= put(j, "pivot", text(t->pivot));
    bad |= put(j, "translator", text(t->translator));
    bad |= put(j, "translated_by", id_or_null(t->translated_by));
    if (bad != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
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
    json_t *j = json_object();
    json_t *author = json_object();
    if (j == NULL || author == NULL) {
        json_decref(j);
        json_decref(author);
        return NULL;
    }
    int bad = put(author, "id", json_integer((json_int_t)c->author_id));
    bad |= put(author, "display_name", text(c->author_name));
    bad |= put(author, "country", text(c->author_country));
    bad |= put(j, "id", json_integer((json_int_t)c->id));
    bad |= put(j, "proposal_id", json_integer((json_int_t)c->proposal_id));
    bad |= put(j, "parent_id", id_or_null(c->parent_id));
    bad |= put(j, "depth", json_integer(c->depth));
    bad |= put(j, "author", author);
    bad |= put(j, "status", text(c->status));
    bad |= put(j, "body", text(c->body));
    bad |= put(j, "language", text(c->language));
    bad |= put(j, "original_language", text(c->original_language));
    bad |= put(j, "translation",
               c->translation != NULL ? codec_translation_label_json(c->translation) : json_null());
    bad |= put(j, "hidden_reason", text(c->hidden_reason));
    bad |= put(j, "hidden_at", text(c->hidden_at));
    bad |= put(j, "edited", json_boolean(c->version > 1));
    bad |= put(j, "version", json_integer(c->version));
    bad |= put(j, "created_at", text(c->created_at));
    bad |= put(j, "updated_at", text(c->updated_at));
    if (bad != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The label, written: the same members in the same order as above. */
static void write_label(struct jsonw *w, const struct comment_translation_record *t)
{
    jsonw_lit(w, "{\"source\":");
    jsonw_str(w, t->source);
    jsonw_lit(w, ",\"reviewed\":");
    jsonw_bool(w, t->reviewed_by > 0);
    jsonw_lit(w, ",\"reviewed_by\":");
    jsonw_id_or_null(w, t->reviewed_by);
    jsonw_lit(w, ",\"reviewed_at\":");
    jsonw_str(w, t->reviewed_at);
    jsonw_lit(w, ",\"outdated\":");
    jsonw_bool(w, t->of_version < t->current_version);
    jsonw_lit(w, ",\"of_version\":");
    jsonw_int(w, t->of_version);
    jsonw_lit(w, ",\"pivot\":");
    jsonw_str(w, t->pivot);
    jsonw_lit(w, ",\"translator\":");
    jsonw_str(w, t->translator);
    jsonw_lit(w, ",\"translated_by\":");
    jsonw_id_or_null(w, t->translated_by);
    jsonw_lit(w, "}");
}

void codec_comment_write(struct jsonw *w, const struct comment_record *c)
{
    jsonw_lit(w, "{\"id\":");
    jsonw_int(w, c->id);
    jsonw_lit(w, ",\"proposal_id\":");
    jsonw_int(w, c->proposal_id);
    jsonw_lit(w, ",\"parent_id\":");
    jsonw_id_or_null(w, c->parent_id);
    jsonw_lit(w, ",\"depth\":");
    jsonw_int(w, c->depth);
    jsonw_lit(w, ",\"author\":{\"id\":");
    jsonw_int(w, c->author_id);
    jsonw_lit(w, ",\"display_name\":");
    jsonw_str(w, c->author_name);
    jsonw_lit(w, ",\"country\":");
    jsonw_str(w, c->author_country);
    jsonw_lit(w, "},\"status\":");
    jsonw_str(w, c->status);
    jsonw_lit(w, ",\"body\":");
    jsonw_str(w, c->body);
    jsonw_lit(w, ",\"language\":");
    jsonw_str(w, c->language);
    jsonw_lit(w, ",\"original_language\":");
    jsonw_str(w, c->original_language);
    jsonw_lit(w, ",\"translation\":");
    if (c->translation != NULL) {
        write_label(w, c->translation);
    } else {
        jsonw_null(w);
    }
    jsonw_lit(w, ",\"hidden_reason\":");
    jsonw_str(w, c->hidden_reason);
    jsonw_lit(w, ",\"hidden_at\":");
    jsonw_str(w, c->hidden_at);
    jsonw_lit(w, ",\"edited\":");
    jsonw_bool(w, c->version > 1);
    jsonw_lit(w, ",\"version\":");
    jsonw_int(w, c->version);
    jsonw_lit(w, ",\"created_at\":");
    jsonw_str(w, c->created_at);
    jsonw_lit(w, ",\"updated_at\":");
    jsonw_str(w, c->updated_at);
    jsonw_lit(w, "}");
}

json_t *codec_comment_version_json(const struct comment_version_record *v)
{
    return json_pack("{s:i, s:s, s:s}", "version", v->version, "body", v->body, "created_at",
                     v->created_at);
}
