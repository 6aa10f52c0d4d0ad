/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/proposal.c — proposals, their translations, versions and
 * endorsement progress as JSON (see resources.h). Texts are copied as
 * they are: escaping for a page is the renderer's job (never innerHTML).
 */
#include <stdlib.h>

#include "codec/json/resources.h"

static json_t *id_or_null(int64_t id)
{
    return id > 0 ? json_integer((json_int_t)id) : json_null();
}

static json_t *string_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

json_t *codec_translation_json(const struct translation_record *t)
{
    json_t *j = json_pack(
        "{s:s, s:I, s:s, s:s, s:b, s:o, s:o, s:b, s:o, s:o, s:o, s:s, s:b}", "language",
        t->language, "of_version", (json_int_t)t->of_version, "title", t->title, "source",
        t->source, "reviewed", t->reviewed_by > 0, "reviewed_by", id_or_null(t->reviewed_by),
        "reviewed_at", string_or_null(t->reviewed_at), "outdated", t->outdated, "pivot",
        string_or_null(t->pivot), "translator", string_or_null(t->translator), "translated_by",
        id_or_null(t->translated_by), "created_at", t->created_at, "current", t->current);
    if (j != NULL && t->body != NULL) {
        json_object_set_new(j, "body", json_string(t->body));
    }
    return j;
}

json_t *codec_progress_json(const struct progress_record *e)
{
    json_t *rule =
        e->rule ? json_pack("{s:I, s:I}", "min_endorsements", (json_int_t)e->min_endorsements,
                            "min_countries", (json_int_t)e->min_countries)
                : json_null();
    return json_pack("{s:I, s:I, s:b, s:{s:I, s:I}, s:b, s:o}", "count", (json_int_t)e->count,
                     "countries", (json_int_t)e->countries, "eligible", e->eligible, "missing",
                     "endorsements", (json_int_t)e->missing_endorsements, "countries",
                     (json_int_t)e->missing_countries, "mine", e->mine, "rule", rule);
}

static json_t *allowed_json(const char *const *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; a != NULL && i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

json_t *codec_proposal_json(const struct proposal_record *p)
{
    json_t *merged =
        p->merged_into_version > 0
            ? json_pack("{s:I, s:o, s:s}", "into_version", (json_int_t)p->merged_into_version, "by",
                        id_or_null(p->merged_by), "at", p->merged_at)
            : json_null();
    json_t *j = json_pack(
        "{s:I, s:I, s:o, s:s, s:{s:I, s:s, s:s}, s:I, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I, "
        "s:o, s:o, s:s, s:s}",
        "id", (json_int_t)p->id, "assembly_id", (json_int_t)p->assembly_id, "amends",
        id_or_null(p->amends), "status", p->status, "author", "id", (json_int_t)p->author_id,
        "display_name", p->author_name, "country", p->author_country, "version",
        (json_int_t)p->version, "title", p->title, "language", p->language, "original_language",
        p->original_language, "translation",
        p->translation != NULL ? codec_translation_json(p->translation) : json_null(),
        "endorsements", codec_progress_json(&p->endorsements), "versions", (json_int_t)p->versions,
        "comment_count", (json_int_t)p->comment_count, "amendment_count",
        (json_int_t)p->amendment_count, "allowed_transitions",
        allowed_json(p->allowed_transitions, p->n_allowed), "merged", merged, "created_at",
        p->created_at, "updated_at", p->updated_at);
    if (j == NULL) {
        return NULL;
    }
    if (p->body != NULL) {
        json_object_set_new(j, "body", json_string(p->body));
    }
    if (p->languages_json != NULL) {
        json_t *langs = json_loads(p->languages_json, 0, NULL);
        json_object_set_new(j, "languages", json_is_array(langs) ? langs : json_array());
        if (langs != NULL && !json_is_array(langs)) {
            json_decref(langs);
        }
    }
    if (p->rank_text != NULL) {
        json_object_set_new(j, "rank", json_real(strtod(p->rank_text, NULL)));
    }
    return j;
}

json_t *codec_proposal_version_json(const struct proposal_version_record *v)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:s, s:s}, s:s, s:o, s:s}", "version",
                     (json_int_t)v->version, "title", v->title, "body", v->body, "language",
                     v->language, "author", "id", (json_int_t)v->author_id, "display_name",
                     v->author_name, "country", v->author_country, "created_at", v->created_at,
                     "merged_from", id_or_null(v->merged_from), "text_sha256", v->text_sha256);
}
