/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/proposal.c — proposals, their translations, versions and
 * endorsement progress as JSON (see resources.h). Texts are copied as
 * they are: escaping for a page is the renderer's job (never innerHTML).
 */
#include <stdlib.h>
#include <string.h>

#include "codec/json/jsonw.h"
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

/* --- the same as text, without a tree (the proposal page) --------------------------------- */

static void write_translation(struct jsonw *w, const struct translation_record *t)
{
    jsonw_lit(w, "{\"language\":");
    jsonw_str(w, t->language);
    jsonw_lit(w, ",\"of_version\":");
    jsonw_int(w, t->of_version);
    jsonw_lit(w, ",\"title\":");
    jsonw_str(w, t->title);
    jsonw_lit(w, ",\"source\":");
    jsonw_str(w, t->source);
    jsonw_lit(w, ",\"reviewed\":");
    jsonw_bool(w, t->reviewed_by > 0);
    jsonw_lit(w, ",\"reviewed_by\":");
    jsonw_id_or_null(w, t->reviewed_by);
    jsonw_lit(w, ",\"reviewed_at\":");
    jsonw_str(w, t->reviewed_at);
    jsonw_lit(w, ",\"outdated\":");
    jsonw_bool(w, t->outdated);
    jsonw_lit(w, ",\"pivot\":");
    jsonw_str(w, t->pivot);
    jsonw_lit(w, ",\"translator\":");
    jsonw_str(w, t->translator);
    jsonw_lit(w, ",\"translated_by\":");
    jsonw_id_or_null(w, t->translated_by);
    jsonw_lit(w, ",\"created_at\":");
    jsonw_str(w, t->created_at);
    jsonw_lit(w, ",\"current\":");
    jsonw_bool(w, t->current);
    if (t->body != NULL) {
        jsonw_lit(w, ",\"body\":");
        jsonw_str(w, t->body);
    }
    jsonw_lit(w, "}");
}

static void write_progress(struct jsonw *w, const struct progress_record *e)
{
    jsonw_lit(w, "{\"count\":");
    jsonw_int(w, e->count);
    jsonw_lit(w, ",\"countries\":");
    jsonw_int(w, e->countries);
    jsonw_lit(w, ",\"eligible\":");
    jsonw_bool(w, e->eligible);
    jsonw_lit(w, ",\"missing\":{\"endorsements\":");
    jsonw_int(w, e->missing_endorsements);
    jsonw_lit(w, ",\"countries\":");
    jsonw_int(w, e->missing_countries);
    jsonw_lit(w, "},\"mine\":");
    jsonw_bool(w, e->mine);
    jsonw_lit(w, ",\"rule\":");
    if (e->rule) {
        jsonw_lit(w, "{\"min_endorsements\":");
        jsonw_int(w, e->min_endorsements);
        jsonw_lit(w, ",\"min_countries\":");
        jsonw_int(w, e->min_countries);
        jsonw_lit(w, "}");
    } else {
        jsonw_null(w);
    }
    jsonw_lit(w, "}");
}

/* languages_json (PostgreSQL's json_agg text, e.g. ["en", "fr"]) as
 * json_loads + json_dumps would rewrite it: whitespace between tokens
 * dropped, strings kept. false when it is not an array of strings free of
 * escapes and control characters (the tree path then decides). */
static bool write_languages(struct jsonw *w, const char *s)
{
    const char *ws = " \t\r\n";
    s += strspn(s, ws);
    if (*s++ != '[') {
        return false;
    }
    jsonw_lit(w, "[");
    s += strspn(s, ws);
    bool first = true;
    while (*s != ']') {
        if (!first) {
            if (*s++ != ',') {
                return false;
            }
            jsonw_lit(w, ",");
            s += strspn(s, ws);
        }
        if (*s != '"') {
            return false;
        }
        const char *end = s + 1;
        while (*end != '"') {
            if (*end == '\0' || *end == '\\' || (unsigned char)*end < 0x20) {
                return false;
            }
            end++;
        }
        jsonw_raw(w, s, (size_t)(end + 1 - s));
        s = end + 1 + strspn(end + 1, ws);
        first = false;
    }
    s++;
    s += strspn(s, ws);
    jsonw_lit(w, "]");
    return *s == '\0';
}

bool codec_proposal_write(struct jsonw *w, const struct proposal_record *p)
{
    if (p->rank_text != NULL) {
        return false;
    }
    jsonw_lit(w, "{\"id\":");
    jsonw_int(w, p->id);
    jsonw_lit(w, ",\"assembly_id\":");
    jsonw_int(w, p->assembly_id);
    jsonw_lit(w, ",\"amends\":");
    jsonw_id_or_null(w, p->amends);
    jsonw_lit(w, ",\"status\":");
    jsonw_str(w, p->status);
    jsonw_lit(w, ",\"author\":{\"id\":");
    jsonw_int(w, p->author_id);
    jsonw_lit(w, ",\"display_name\":");
    jsonw_str(w, p->author_name);
    jsonw_lit(w, ",\"country\":");
    jsonw_str(w, p->author_country);
    jsonw_lit(w, "},\"version\":");
    jsonw_int(w, p->version);
    jsonw_lit(w, ",\"title\":");
    jsonw_str(w, p->title);
    jsonw_lit(w, ",\"language\":");
    jsonw_str(w, p->language);
    jsonw_lit(w, ",\"original_language\":");
    jsonw_str(w, p->original_language);
    jsonw_lit(w, ",\"translation\":");
    if (p->translation != NULL) {
        write_translation(w, p->translation);
    } else {
        jsonw_null(w);
    }
    jsonw_lit(w, ",\"endorsements\":");
    write_progress(w, &p->endorsements);
    jsonw_lit(w, ",\"versions\":");
    jsonw_int(w, p->versions);
    jsonw_lit(w, ",\"comment_count\":");
    jsonw_int(w, p->comment_count);
    jsonw_lit(w, ",\"amendment_count\":");
    jsonw_int(w, p->amendment_count);
    jsonw_lit(w, ",\"allowed_transitions\":[");
    for (int i = 0; i < p->n_allowed; i++) {
        if (i > 0) {
            jsonw_lit(w, ",");
        }
        jsonw_str(w, p->allowed_transitions[i]);
    }
    jsonw_lit(w, "],\"merged\":");
    if (p->merged_into_version > 0) {
        jsonw_lit(w, "{\"into_version\":");
        jsonw_int(w, p->merged_into_version);
        jsonw_lit(w, ",\"by\":");
        jsonw_id_or_null(w, p->merged_by);
        jsonw_lit(w, ",\"at\":");
        jsonw_str(w, p->merged_at);
        jsonw_lit(w, "}");
    } else {
        jsonw_null(w);
    }
    jsonw_lit(w, ",\"created_at\":");
    jsonw_str(w, p->created_at);
    jsonw_lit(w, ",\"updated_at\":");
    jsonw_str(w, p->updated_at);
    if (p->body != NULL) {
        jsonw_lit(w, ",\"body\":");
        jsonw_str(w, p->body);
    }
    if (p->languages_json != NULL) {
        jsonw_lit(w, ",\"languages\":");
        if (!write_languages(w, p->languages_json)) {
            return false;
        }
    }
    jsonw_lit(w, "}");
    return true;
}
