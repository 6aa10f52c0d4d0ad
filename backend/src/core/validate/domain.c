/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/validate/domain.c — text forms of core/domain.h's enums (in the
 * validate library, which every layer that parses them links).
 */
#include "core/domain.h"

#include <string.h>

static const char *const role_names[ROLE__COUNT] = {
    [ROLE_NONE] = "none",     [ROLE_CONVENER] = "convener", [ROLE_FACILITATOR] = "facilitator",
    [ROLE_MEMBER] = "member", [ROLE_OBSERVER] = "observer",
};

static const char *const status_names[MEMBER_STATUS__COUNT] = {
    [MEMBER_STATUS_NONE] = "none",
    [MEMBER_ACTIVE] = "active",
    [MEMBER_SUSPENDED] = "suspended",
    [MEMBER_LEFT] = "left",
};

enum role role_parse(const char *s)
{
    for (int r = ROLE_NONE + 1; s != NULL && r < ROLE__COUNT; r++) {
        if (strcmp(s, role_names[r]) == 0) {
            return (enum role)r;
        }
    }
    return ROLE_NONE;
}

const char *role_name(enum role r)
{
    return (unsigned)r < ROLE__COUNT ? role_names[r] : "none";
}

enum member_status member_status_parse(const char *s)
{
    for (int st = MEMBER_STATUS_NONE + 1; s != NULL && st < MEMBER_STATUS__COUNT; st++) {
        if (strcmp(s, status_names[st]) == 0) {
            return (enum member_status)st;
        }
    }
    return MEMBER_STATUS_NONE;
}

const char *member_status_name(enum member_status s)
{
    return (unsigned)s < MEMBER_STATUS__COUNT ? status_names[s] : "none";
}

/* --- comments (issue 10) --- */

static const char *const comment_status_names[COMMENT_STATUS__COUNT] = {
    [COMMENT_VISIBLE] = "visible",
    [COMMENT_HIDDEN] = "hidden",
    [COMMENT_DELETED] = "deleted",
};

enum comment_status comment_status_parse(const char *s)
{
    for (int st = 0; s != NULL && st < COMMENT_STATUS__COUNT; st++) {
        if (strcmp(s, comment_status_names[st]) == 0) {
            return (enum comment_status)st;
        }
    }
    return COMMENT_STATUS__COUNT;
}

/* --- proposals ------------------------------------------------------------------ */

static const char *const proposal_status_names[PROPOSAL_STATUS__COUNT] = {
    [PROPOSAL_DRAFT] = "draft",       [PROPOSAL_DELIBERATION] = "deliberation",
    [PROPOSAL_BALLOT] = "ballot",     [PROPOSAL_ADOPTED] = "adopted",
    [PROPOSAL_REJECTED] = "rejected", [PROPOSAL_WITHDRAWN] = "withdrawn",
};

enum proposal_status proposal_status_parse(const char *s)
{
    for (int st = 0; s != NULL && st < PROPOSAL_STATUS__COUNT; st++) {
        if (strcmp(s, proposal_status_names[st]) == 0) {
            return (enum proposal_status)st;
        }
    }
    return PROPOSAL_STATUS__COUNT;
}

const char *proposal_status_name(enum proposal_status s)
{
    return (unsigned)s < PROPOSAL_STATUS__COUNT ? proposal_status_names[s] : "unknown";
}

/* The lifecycle through the API: rows = from, bit = to. */
static const unsigned proposal_moves[PROPOSAL_STATUS__COUNT] = {
    [PROPOSAL_DRAFT] = 1u << PROPOSAL_DELIBERATION | 1u << PROPOSAL_WITHDRAWN,
    [PROPOSAL_DELIBERATION] = 1u << PROPOSAL_BALLOT | 1u << PROPOSAL_WITHDRAWN,
};

int proposal_status_can_move(enum proposal_status from, enum proposal_status to)
{
    if ((unsigned)from >= PROPOSAL_STATUS__COUNT || (unsigned)to >= PROPOSAL_STATUS__COUNT) {
        return 0;
    }
    return (proposal_moves[from] & (1u << to)) != 0;
}

static const char *const question_state_names[QUESTION_STATE__COUNT] = {
    [QUESTION_DRAFT] = "draft",
    [QUESTION_OPEN] = "open",
    [QUESTION_CLOSED] = "closed",
    [QUESTION_TALLIED] = "tallied",
};

enum question_state question_state_parse(const char *s)
{
    for (int st = 0; s != NULL && st < QUESTION_STATE__COUNT; st++) {
        if (strcmp(s, question_state_names[st]) == 0) {
            return (enum question_state)st;
        }
    }
    return QUESTION_STATE__COUNT;
}

const char *question_state_name(enum question_state s)
{
    return (unsigned)s < QUESTION_STATE__COUNT ? question_state_names[s] : "unknown";
}
