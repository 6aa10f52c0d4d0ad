/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_proposals.h — handlers for proposals (api_proposals.c): create,
 * read in the reader's language, list/search, PATCH (new version, status
 * lifecycle), versions, amendments and their merge, human translations
 * and their review, endorsements; and the assembly's advancement rule
 * (read and set through the assembly, api_assemblies.c).
 */
#ifndef PNYX_API_API_PROPOSALS_H
#define PNYX_API_API_PROPOSALS_H

#include <jansson.h>

#include "api/api.h"

/* Body cap of the routes that carry a proposal text: 20,000 code points of
 * up to 4 UTF-8 bytes, or 12 bytes JSON-escaped as a surrogate pair, fit
 * with the title in 256 KiB. */
#define PROPOSAL_MAX_BODY (256u * 1024u)

int api_proposals_create(struct api_req *rq, struct api_reply *out);
int api_proposals_list(struct api_req *rq, struct api_reply *out);
int api_proposals_get(struct api_req *rq, struct api_reply *out);
int api_proposals_patch(struct api_req *rq, struct api_reply *out);
int api_proposals_versions(struct api_req *rq, struct api_reply *out);
int api_proposals_amendments(struct api_req *rq, struct api_reply *out);
int api_proposals_merge(struct api_req *rq, struct api_reply *out);
int api_proposals_translations(struct api_req *rq, struct api_reply *out);
int api_proposals_translate(struct api_req *rq, struct api_reply *out);
int api_proposals_review(struct api_req *rq, struct api_reply *out);
int api_proposals_endorse(struct api_req *rq, struct api_reply *out);
int api_proposals_unendorse(struct api_req *rq, struct api_reply *out);

/*
 * The assembly's advancement rule for PATCH /assemblies/{aid}:
 * api_advancement_decode checks `advancement` (an object
 * {min_endorsements, min_countries} or null; borrowed) and adds field
 * errors under "advancement/…" to errs (a JSON array, borrowed); returns
 * 0 when valid. api_advancement_json is the assembly's `advancement`
 * member (null when there is no rule), read on c.
 */
struct api_advancement {
    bool set; /* the request names it */
    bool on;  /* false: remove the rule */
    int64_t min_endorsements, min_countries;
};
int api_advancement_decode(const json_t *v, struct api_advancement *adv, json_t *errs)
    PNYX_NONNULL(2, 3);
json_t *api_advancement_json(struct db_conn *c, struct arena *a, int64_t aid) PNYX_NONNULL(1, 2);

#endif /* PNYX_API_API_PROPOSALS_H */
