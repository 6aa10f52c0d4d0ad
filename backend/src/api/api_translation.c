/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_translation.c — what the machine translator reaches, and the
 * translation job queue of an assembly (failed jobs with their error) for
 * its conveners and facilitators. The queue itself: translation_queue.c.
 */
#include "api/api_translation.h"

#include <string.h>

#include "api/api_common.h"
#include "api/api_records.h"
#include "codec/json/resources.h"
#include "db/db_assembly.h"
#include "db/db_translation.h"
#include "platform/translator.h"

/* {translator, any_pair, pairs: [{from, to, via}]}: a command translator
 * takes any pair (any_pair true, pairs empty); Apertium lists its direct
 * pairs, then those through a pivot (via). Public: it says nothing about
 * any assembly. */
int api_translation_languages(struct api_req *rq, struct api_reply *out)
{
    (void)rq;
    const struct translator *t = translator_global();
    json_t *pairs = json_array();
    for (size_t i = 0; pairs && i < t->npairs; i++) {
        struct translation_pair_record r = {
            .from = t->pairs[i].from, .to = t->pairs[i].to, .via = t->pairs[i].via};
        if (json_array_append_new(pairs, codec_translation_pair_json(&r)) != 0) {
            json_decref(pairs);
            pairs = NULL;
        }
    }
    if (!pairs)
        return -1;
    json_t *j = json_pack("{s:s, s:b, s:o}", "translator", t->name, "any_pair",
                          translator_any_pair(t), "pairs", pairs);
    return api_reply_json(out, 200, j);
}

static const char *const job_statuses[] = {"queued", "running", "done", "failed", NULL};

int api_translation_jobs_list(struct api_req *rq, struct api_reply *out)
{
    int64_t aid;
    if (api_param_id(rq, "aid", &aid) != 0)
        return api_problem(out, API_E_NOT_FOUND, NULL);
    struct db_standing sd;
    if (api_assembly_gate(rq, out, aid, AUTHZ_LIST_TRANSLATION_JOBS, &sd) != 0)
        return 0;
    const char *status = api_query(rq, "status");
    if (status) {
        bool ok = false;
        for (const char *const *s = job_statuses; *s && !ok; s++)
            ok = strcmp(*s, status) == 0;
        if (!ok) {
            json_t *fields = json_array();
            json_t *allowed = json_array();
            for (const char *const *s = job_statuses; *s; s++)
                json_array_append_new(allowed, json_string(*s));
            api_field_error_params(fields, "status", "one_of",
                                   json_pack("{s:o}", "allowed", allowed),
                                   "status must be one of queued, running, done, failed");
            return api_problem_fields(out, API_E_BAD_REQUEST, fields);
        }
    }
    int64_t after;
    int limit;
    if (api_page_params(rq, out, &after, &limit) != 0)
        return 0;
    struct db_translation_job *items;
    int n;
    enum db_status st =
        db_translation_list(rq->db, rq->arena, aid, status, after, limit, &items, &n);
    if (st != DB_OK)
        return api_problem_db(out, st);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, api_translation_job_json(&items[i]));
    return api_page_reply(out, arr, n, limit, n > 0 ? items[n - 1].id : 0, NULL);
}
