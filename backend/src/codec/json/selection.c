/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* codec/json/selection.c — selections and optimiser runs as JSON (see
 * resources.h). */
#include <string.h>

#include "codec/json/resources.h"

/* JSON text → value (new), JSON null for NULL or malformed text. */
static json_t *embed(const char *text)
{
    json_t *j = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    return j != NULL ? j : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *round_json(const struct selection_round_record *r)
{
    json_t *allowed = json_array();
    for (size_t i = 0; r->allowed != NULL && r->allowed[i] != NULL; i++) {
        json_array_append_new(allowed, json_string(r->allowed[i]));
    }
    json_t *j = json_pack(
        "{s:i, s:s, s:o, s:s, s:i, s:o, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:I, s:I, s:o}, "
        "s:o, s:o, s:o, s:o, s:o, s:o}",
        "round", r->round, "status", r->status, "k", r->k > 0 ? json_integer(r->k) : json_null(),
        "method", r->method, "m", r->m, "quotas", embed(r->quotas_json), "eligible",
        (json_int_t)r->eligible, "rules_version", r->rules_version, "commitment_root",
        str_or_null(r->commitment_root), "commit_until", str_or_null(r->commit_until),
        "reveal_until", str_or_null(r->reveal_until), "committed_at", str_or_null(r->committed_at),
        "lottery_sha256", str_or_null(r->lottery_sha256), "published_at",
        str_or_null(r->published_at), "randomness", "committed",
        (json_int_t)r->randomness_committed, "revealed", (json_int_t)r->randomness_revealed, "mine",
        r->my_commitment != NULL
            ? json_pack("{s:s, s:b}", "commitment", r->my_commitment, "revealed", r->my_revealed)
            : json_null(),
        "beacon",
        r->beacon_size > 0 ? json_pack("{s:I, s:s}", "log_size", (json_int_t)r->beacon_size, "root",
                                       r->beacon_root != NULL ? r->beacon_root : "")
                           : json_null(),
        "seed", str_or_null(r->seed), "index", r->index >= 0 ? json_integer(r->index) : json_null(),
        "panel", embed(r->panel_json), "drawn_at", str_or_null(r->drawn_at), "allowed", allowed);
    return j;
}

json_t *codec_selection_json(const struct selection_record *s)
{
    return json_pack("{s:I, s:I, s:s, s:o, s:b, s:b, s:I, s:s, s:s, s:I, s:o}", "id",
                     (json_int_t)s->id, "assembly_id", (json_int_t)s->assembly_id, "title",
                     s->title, "categories", embed(s->categories_json), "household", s->household,
                     "call_open", s->call_open, "created_by", (json_int_t)s->created_by,
                     "created_at", s->created_at, "updated_at", s->updated_at, "pool_size",
                     (json_int_t)s->pool_size, "round",
                     s->round != NULL ? round_json(s->round) : json_null());
}

json_t *codec_selection_run_json(const struct selection_run_record *r)
{
    json_t *result = embed(r->result_json);
    if (json_is_object(result)) {
        json_object_del(result, "lottery");
    }
    json_t *progress = embed(r->progress_json);
    if (!json_is_object(progress)) {
        json_decref(progress);
        progress = json_object();
    }
    return json_pack("{s:I, s:I, s:i, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:s, s:o, s:o}", "id",
                     (json_int_t)r->id, "selection_id", (json_int_t)r->selection_id, "round",
                     r->round, "status", r->status, "method", r->method, "inputs_sha256",
                     r->inputs_sha256 != NULL ? r->inputs_sha256 : "", "cancel_requested",
                     r->cancel_requested, "progress", progress, "result", result, "error",
                     embed(r->error_json), "created_at", r->created_at, "started_at",
                     str_or_null(r->started_at), "finished_at", str_or_null(r->finished_at));
}
