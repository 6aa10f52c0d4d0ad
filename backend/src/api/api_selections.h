/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_selections.h — selections by lot (issue 14): the handlers of
 * api_selections.c (the verifiable draw: pool, settings, commit, publish,
 * commit–reveal randomness, draw, DRAW.json, a respondent's check,
 * declines and replacement rounds) and api_selection_runs.c (optimiser
 * runs as background jobs, their progress and cancellation, and the
 * "sortition" worker). Protocol: api-spec/draw.md.
 */
#ifndef PNYX_API_API_SELECTIONS_H
#define PNYX_API_API_SELECTIONS_H

#include "api/api.h"

int api_selections_create(struct api_req *rq, struct api_reply *out);
int api_selections_list(struct api_req *rq, struct api_reply *out);
int api_selections_get(struct api_req *rq, struct api_reply *out);
int api_selections_patch(struct api_req *rq, struct api_reply *out);
int api_selections_pool_put(struct api_req *rq, struct api_reply *out);
int api_selections_pool_get(struct api_req *rq, struct api_reply *out);
int api_selections_volunteer(struct api_req *rq, struct api_reply *out);
int api_selections_commit(struct api_req *rq, struct api_reply *out);
int api_selections_publish(struct api_req *rq, struct api_reply *out);
int api_selections_randomness(struct api_req *rq, struct api_reply *out);
int api_selections_reveal(struct api_req *rq, struct api_reply *out);
int api_selections_draw(struct api_req *rq, struct api_reply *out);
int api_selections_draw_json(struct api_req *rq, struct api_reply *out);
int api_selections_check(struct api_req *rq, struct api_reply *out);
int api_selections_decline(struct api_req *rq, struct api_reply *out);
int api_selections_replacements(struct api_req *rq, struct api_reply *out);

int api_selection_runs_create(struct api_req *rq, struct api_reply *out);
int api_selection_runs_list(struct api_req *rq, struct api_reply *out);
int api_selection_runs_get(struct api_req *rq, struct api_reply *out);
int api_selection_runs_cancel(struct api_req *rq, struct api_reply *out);

/* Starts the "sortition" worker threads (PNYX_WORKERS of them, at least
 * one unless 0) that run queued optimiser jobs, each run with a time
 * budget of budget_s seconds (PNYX_SORTITION_BUDGET; 0 = none). Returns
 * how many started. */
unsigned selection_workers_start(unsigned n, unsigned budget_s);

#endif /* PNYX_API_API_SELECTIONS_H */
