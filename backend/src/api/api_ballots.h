/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_ballots.h — ballots (issue 11): casting, the board after close,
 * and a receipt's entry with its inclusion proof (api_ballots.c).
 */
#ifndef PNYX_API_API_BALLOTS_H
#define PNYX_API_API_BALLOTS_H

#include "api/api.h"

/* POST /api/v1/questions/{qid}/ballots {ranking} (+ Idempotency-Key) */
int api_ballots_cast(struct api_req *rq, struct api_reply *out);
/* GET /api/v1/questions/{qid}/ballots?after=&limit= */
int api_ballots_board(struct api_req *rq, struct api_reply *out);
/* GET /api/v1/questions/{qid}/ballots/{receipt} */
int api_ballots_receipt(struct api_req *rq, struct api_reply *out);

#endif /* PNYX_API_API_BALLOTS_H */
