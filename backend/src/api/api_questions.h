/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_questions.h — questions and their lifecycle (issue 11): create,
 * read, list, PATCH (drafts), translations (drafts), open (by hand or at
 * opens_at), close (early by a convener, or at closes_at), participation,
 * and the "questions" scheduler worker. See api_questions.c and
 * api-spec/questions.md.
 */
#ifndef PNYX_API_API_QUESTIONS_H
#define PNYX_API_API_QUESTIONS_H

#include "api/api.h"

/* GET  /api/v1/assemblies/{aid}/questions?state=&after=&limit= */
int api_questions_list(struct api_req *rq, struct api_reply *out);
/* POST /api/v1/assemblies/{aid}/questions → 201 question */
int api_questions_create(struct api_req *rq, struct api_reply *out);
/* GET  /api/v1/questions/{qid} */
int api_questions_get(struct api_req *rq, struct api_reply *out);
/* PATCH /api/v1/questions/{qid} (draft only; a new version) */
int api_questions_patch(struct api_req *rq, struct api_reply *out);
/* POST /api/v1/questions/{qid}/translations (draft only) → 201 question */
int api_questions_translate(struct api_req *rq, struct api_reply *out);
/* POST /api/v1/questions/{qid}/open → 200 question */
int api_questions_open(struct api_req *rq, struct api_reply *out);
/* POST /api/v1/questions/{qid}/close {reason} → 200 question (tallied when the tally ran) */
int api_questions_close(struct api_req *rq, struct api_reply *out);
/* GET  /api/v1/questions/{qid}/participation?after=&limit= */
int api_questions_participation(struct api_req *rq, struct api_reply *out);

/* Starts n (0 or 1) "questions" scheduler workers: open due drafts, close
 * due open questions, tally closed ones left by a crash. Returns how many
 * started. Main thread, after the server started. */
unsigned questions_workers_start(unsigned n);
/* One scheduler step (exposed for tests): 1 = did something, 0 = idle,
 * -1 = database error. */
int questions_run_once(void *ctx);

#endif /* PNYX_API_API_QUESTIONS_H */
