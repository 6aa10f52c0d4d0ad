/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/domain.h — the domain's small closed vocabularies, as enums with
 * their text forms (the words used in SQL rows, JSON and the audit log).
 * One place for each: a new role or status is added here, and the
 * compiler then points at every switch that must decide about it.
 * Implemented in core/validate/domain.c. Pure, thread-safe.
 */
#ifndef PNYX_CORE_DOMAIN_H
#define PNYX_CORE_DOMAIN_H

/* A member's role in an assembly (DESIGN.md "membership"). Order = power:
 * a lower value manages a higher one. */
enum role {
    ROLE_NONE = 0, /* no membership (or a membership that was left) */
    ROLE_CONVENER,
    ROLE_FACILITATOR,
    ROLE_MEMBER,
    ROLE_OBSERVER,
    ROLE__COUNT
};

/* A membership's status. */
enum member_status {
    MEMBER_STATUS_NONE = 0, /* not a member */
    MEMBER_ACTIVE,
    MEMBER_SUSPENDED,
    MEMBER_LEFT,
    MEMBER_STATUS__COUNT
};

/* "convener", "facilitator", "member", "observer" → the role; anything
 * else (NULL included) → ROLE_NONE. */
enum role role_parse(const char *s);
/* The text form; "none" for ROLE_NONE. Static string. */
const char *role_name(enum role r);

/* "active", "suspended", "left" → the status; anything else (NULL
 * included) → MEMBER_STATUS_NONE. */
enum member_status member_status_parse(const char *s);
/* The text form; "none" for MEMBER_STATUS_NONE. Static string. */
const char *member_status_name(enum member_status s);

/* A comment's status (issue 10): the authz state of comment actions. */
enum comment_status { COMMENT_VISIBLE = 0, COMMENT_HIDDEN, COMMENT_DELETED, COMMENT_STATUS__COUNT };

/* "visible", "hidden", "deleted" → the status; anything else (NULL
 * included) → COMMENT_STATUS__COUNT (no state any rule allows). */
enum comment_status comment_status_parse(const char *s);
/* --- proposals (issue 10) --------------------------------------------------- */

/* A proposal's status (DESIGN.md "proposal"): draft → deliberation →
 * ballot → adopted | rejected; withdrawn by its author before ballot. The
 * value doubles as the authz resource state (bit i of a rule's states). */
enum proposal_status {
    PROPOSAL_DRAFT = 0,
    PROPOSAL_DELIBERATION,
    PROPOSAL_BALLOT,
    PROPOSAL_ADOPTED,
    PROPOSAL_REJECTED,
    PROPOSAL_WITHDRAWN,
    PROPOSAL_STATUS__COUNT
};

/* "draft", "deliberation", … → the status; anything else (NULL included)
 * → PROPOSAL_STATUS__COUNT. */
enum proposal_status proposal_status_parse(const char *s);
/* The text form; "unknown" for an out-of-range value. Static string. */
const char *proposal_status_name(enum proposal_status s);
/* Whether the lifecycle leads from `from` to `to` through the API (adopted
 * and rejected are set by a tally, never by a request). */
int proposal_status_can_move(enum proposal_status from, enum proposal_status to);

/* --- questions (issue 11) --------------------------------------------------- */

/* A question's state: draft → open → closed → tallied (each step one
 * conditional UPDATE). The value doubles as the authz resource state. */
enum question_state {
    QUESTION_DRAFT = 0,
    QUESTION_OPEN,
    QUESTION_CLOSED,
    QUESTION_TALLIED,
    QUESTION_STATE__COUNT
};

/* "draft", "open", "closed", "tallied" → the state; anything else (NULL
 * included) → QUESTION_STATE__COUNT. */
enum question_state question_state_parse(const char *s);
/* The text form; "unknown" for an out-of-range value. Static string. */
const char *question_state_name(enum question_state s);

#endif /* PNYX_CORE_DOMAIN_H */
