/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* api/api_translation.h — machine-translation routes (issue 10):
 *   GET /api/v1/translation/languages              {translator, any_pair, pairs}
 *   GET /api/v1/assemblies/{aid}/translation-jobs  ?status=&after=&limit= (managers)
 */
#ifndef PNYX_API_API_TRANSLATION_H
#define PNYX_API_API_TRANSLATION_H

#include "api/api.h"

int api_translation_languages(struct api_req *rq, struct api_reply *out);
int api_translation_jobs_list(struct api_req *rq, struct api_reply *out);

#endif /* PNYX_API_API_TRANSLATION_H */
