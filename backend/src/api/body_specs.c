/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/body_specs.c — every list of route body specs (see body_specs.h),
 * and the POST/PUT/PATCH routes that read no body: their handler never
 * looks at rq->body (the action is the route itself).
 */
#include "api/body_specs.h"

static const struct api_body_spec no_body[] = {
    {"POST /api/v1/assemblies/{aid}/join", NULL},
    {"POST /api/v1/invitations/{code}/accept", NULL},
    {"POST /api/v1/proposals/{pid}/merge", NULL},
    {"POST /api/v1/proposals/{pid}/translations/{lang}/review", NULL},
    {"POST /api/v1/proposals/{pid}/endorsements", NULL},
    {"POST /api/v1/comments/{cid}/translations/{lang}/review", NULL},
    {"POST /api/v1/selections/{sid}/draw", NULL},
    {"POST /api/v1/selections/{sid}/respondents/{pseudonym}/decline", NULL},
    {"POST /api/v1/selections/{sid}/replacements", NULL},
    {"POST /api/v1/questions/{qid}/open", NULL},
    {NULL, NULL},
};

const struct api_body_spec *const api_body_spec_lists[] = {
    api_accounts_bodies,
    api_assemblies_bodies,
    api_ballots_bodies,
    api_comments_bodies,
    api_invitations_bodies,
    api_members_bodies,
    api_proposals_bodies,
    api_questions_bodies,
    api_selection_draw_bodies,
    api_selection_runs_bodies,
    api_selections_bodies,
    api_sessions_bodies,
    no_body,
    NULL,
};
