/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/body_specs.h — which decode_spec (api/decode.h) reads the body of
 * which route. Each resource file lists its own specs at its end
 * (api_<resource>_bodies, NULL-terminated); body_specs.c joins them and
 * names the routes that read no body. Not used to serve requests: the
 * handlers name their spec themselves. Two readers rely on it:
 *   - tests/fuzz/fuzz_decode.c drives the decoder with every spec listed;
 *   - tests/fuzz/test_body_specs.c fails when a POST, PUT or PATCH route of
 *     api_routes is listed nowhere (so a new route with a body is fuzzed
 *     from the day it exists), or when an entry names no route.
 * A route may have several entries (a PATCH that decodes the merged body
 * with the create spec too, a pool's rows).
 */
#ifndef PNYX_API_BODY_SPECS_H
#define PNYX_API_BODY_SPECS_H

#include "api/decode.h"

struct api_body_spec {
    const char *route;              /* "METHOD PATTERN" as `pnyxd routes` prints it */
    const struct decode_spec *spec; /* NULL: the route reads no body */
};

extern const struct api_body_spec api_accounts_bodies[];
extern const struct api_body_spec api_assemblies_bodies[];
extern const struct api_body_spec api_ballots_bodies[];
extern const struct api_body_spec api_comments_bodies[];
extern const struct api_body_spec api_invitations_bodies[];
extern const struct api_body_spec api_members_bodies[];
extern const struct api_body_spec api_proposals_bodies[];
extern const struct api_body_spec api_questions_bodies[];
extern const struct api_body_spec api_selection_draw_bodies[];
extern const struct api_body_spec api_selection_runs_bodies[];
extern const struct api_body_spec api_selections_bodies[];
extern const struct api_body_spec api_sessions_bodies[];

/* Every list above plus the routes without a body, NULL-terminated. */
extern const struct api_body_spec *const api_body_spec_lists[];

#endif /* PNYX_API_BODY_SPECS_H */
