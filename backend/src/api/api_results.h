/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_results.h — a question's result and exports (api_results.c,
 * issue 11): GET /api/v1/questions/{qid}/result (the stored bytes, strong
 * ETag = their SHA-256, immutable for public assemblies) and GET
 * …/export?format=pnyx|cdf|rctab|blt|csv (streamed). The tally itself is
 * question_tally() (api/question_int.h).
 */
#ifndef PNYX_API_API_RESULTS_H
#define PNYX_API_API_RESULTS_H

#include "api/api.h"

int api_results_get(struct api_req *rq, struct api_reply *out);
int api_results_export(struct api_req *rq, struct api_reply *out);

#endif /* PNYX_API_API_RESULTS_H */
