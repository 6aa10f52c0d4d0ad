/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * codec/json/question.c — questions as JSON (see question.h). Decimals are
 * canonical decimal strings, hashes lowercase hex, times RFC 3339 UTC.
 */
#include "codec/json/question.h"

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *int_or_null(int64_t v, bool present)
{
    return present ? json_integer((json_int_t)v) : json_null();
}

json_t *codec_question_json(const struct question_record *q, bool full)
{
    json_t *options = json_loads(q->options_json != NULL ? q->options_json : "[]", 0, NULL);
    if (!json_is_array(options)) {
        json_decref(options);
        return NULL;
    }
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer((json_int_t)q->id));
    json_object_set_new(j, "assembly_id", json_integer((json_int_t)q->assembly_id));
    json_object_set_new(j, "author_id", json_integer((json_int_t)q->author_id));
    json_object_set_new(j, "state", json_string(q->state));
    json_object_set_new(j, "version", json_integer((json_int_t)q->version));
    json_object_set_new(j, "title", json_string(q->title));
    json_object_set_new(j, "language", json_string(q->language));
    if (full) {
        json_t *tr =
            json_loads(q->translations_json != NULL ? q->translations_json : "{}", 0, NULL);
        if (!json_is_object(tr)) {
            json_decref(tr);
            json_decref(options);
            json_decref(j);
            return NULL;
        }
        json_object_set_new(j, "description", json_string(q->description));
        json_object_set_new(j, "translations", tr);
    }
    enum question_method m = question_method_parse(q->method);
    json_object_set_new(j, "method", json_string(q->method));
    json_object_set_new(j, "seats", json_integer((json_int_t)q->seats));
    json_object_set_new(j, "secrecy", json_string(q->secrecy));
    json_object_set_new(j, "options", options);
    json_object_set_new(j, "max_rankings", int_or_null(q->max_rankings, q->max_rankings > 0));
    json_object_set_new(j, "quorum",
                        json_pack("{s:s, s:I}", "min_turnout", q->min_turnout, "min_countries",
                                  (json_int_t)q->min_countries));
    json_object_set_new(j, "country_cap", str_or_null(q->country_cap));
    json_object_set_new(j, "double_majority",
                        q->dm_min_country_share != NULL
                            ? json_pack("{s:s}", "min_country_share", q->dm_min_country_share)
                            : json_null());
    json_object_set_new(j, "adopts_proposals", json_boolean(q->adopts_proposals));
    json_object_set_new(j, "rules_id", json_string(question_rules_id(m)));
    json_object_set_new(j, "opens_at", str_or_null(q->opens_at));
    json_object_set_new(j, "closes_at", str_or_null(q->closes_at));
    json_object_set_new(j, "created_at", str_or_null(q->created_at));
    json_object_set_new(j, "updated_at", str_or_null(q->updated_at));
    json_object_set_new(j, "opened_at", str_or_null(q->opened_at));
    json_object_set_new(j, "roll_size", int_or_null(q->roll_size, q->roll_size >= 0));
    json_object_set_new(j, "roll_root", str_or_null(q->roll_root));
    json_object_set_new(j, "texts_hash", str_or_null(q->texts_hash));
    json_object_set_new(j, "closed_at", str_or_null(q->closed_at));
    json_object_set_new(j, "close_reason", str_or_null(q->close_reason));
    json_object_set_new(j, "ballots", int_or_null(q->ballots, q->ballots >= 0));
    json_object_set_new(j, "board_root", str_or_null(q->board_root));
    if (q->show_me) {
        json_object_set_new(j, "me",
                            json_pack("{s:b, s:b}", "on_roll", q->on_roll, "voted", q->voted));
    }
    return j;
}
