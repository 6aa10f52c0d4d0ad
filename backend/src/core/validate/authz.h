/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/validate/authz.h — who may do what, as a TABLE: for each action,
 * a gate (what a caller must pass before their standing counts), one cell
 * per role × membership status, and the resource states it is allowed in.
 * A cell is "no", "yes", or "yes if <predicate>" where the predicate looks
 * at the resource (author of it, assembly open to join): a new resource
 * adds rows (its actions) and, at most, a predicate kind — never a branch
 * per action. Pure functions, no I/O, no allocation, thread-safe. api/
 * loads the standing (one row) and maps the decision to an HTTP status;
 * tests/validate/test_authz.c checks every cell, the integration matrix
 * every route.
 *
 * Rules of the assembly table (issue 4, DESIGN.md "membership"):
 *  - members-only assemblies are invisible to non-members: 404, never 403,
 *    also for the anonymous caller on read routes;
 *  - actions need a session (401 first, before anything is revealed);
 *  - conveners manage everything; facilitators manage invitations and
 *    ordinary members/observers; members and observers read (and members
 *    propose and vote); observers read and audit only;
 *  - suspended members can read but not act (not even leave: leaving and
 *    re-joining would lift the suspension);
 *  - a member who left is a non-member again (may re-join an open public
 *    assembly or accept an invitation).
 * How later resources fit (their rows come with them), e.g.:
 *    edit a proposal   member/facilitator/convener active: yes if author;
 *                      states {draft}
 *    vote on question  member active: yes; states {open}
 *    comment           member active: yes; proposal states {draft,
 *                      deliberation, ballot} (decided by api_comments.c)
 *  (tests/validate/test_authz.c builds these rows to show they need no code.)
 * State-dependent rules that need a lock (the last active convener,
 * "already a member", invitation expiry) are decided by the changing
 * transaction body, which refuses with its own reason (db/README.md).
 */
#ifndef PNYX_CORE_VALIDATE_AUTHZ_H
#define PNYX_CORE_VALIDATE_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "core/domain.h"

enum authz_decision {
    AUTHZ_ALLOW = 0,
    AUTHZ_DENY_403,       /* visible but not allowed */
    AUTHZ_HIDE_404,       /* must look exactly like a missing assembly */
    AUTHZ_NEED_LOGIN_401, /* no session */
    AUTHZ_STATE_409,      /* allowed, but not in the resource's current state */
};

enum authz_action {
    AUTHZ_READ_ASSEMBLY = 0, /* GET /assemblies/{aid} */
    AUTHZ_UPDATE_ASSEMBLY,   /* PATCH /assemblies/{aid} */
    AUTHZ_JOIN,              /* POST /assemblies/{aid}/join */
    AUTHZ_CREATE_INVITATION, /* POST /assemblies/{aid}/invitations */
    AUTHZ_ACCEPT_INVITATION, /* POST /invitations/{code}/accept (the code is the capability) */
    AUTHZ_LIST_MEMBERS,      /* GET /assemblies/{aid}/members */
    AUTHZ_PATCH_MEMBER, /* PATCH …/members/{account_id}: gate only, then authz_member_patch */
    AUTHZ_LEAVE,        /* PATCH …/members/{own id} {status:"left"} */
    AUTHZ_READ_AUDIT,   /* GET /assemblies/{aid}/audit… */
    /* comments (issue 10); the state is the comment's (enum comment_status) */
    AUTHZ_READ_COMMENTS,              /* GET /proposals/{pid}/comments */
    AUTHZ_CREATE_COMMENT,             /* POST /proposals/{pid}/comments */
    AUTHZ_EDIT_COMMENT,               /* PATCH /comments/{cid}: the author, while visible */
    AUTHZ_DELETE_COMMENT,             /* DELETE /comments/{cid}: the author, while visible */
    AUTHZ_HIDE_COMMENT,               /* POST /comments/{cid}/hide: managers, while visible */
    AUTHZ_TRANSLATE_COMMENT,          /* POST /comments/{cid}/translations */
    AUTHZ_REVIEW_COMMENT_TRANSLATION, /* POST …/translations/{lang}/review */
    /* proposals (issue 10): the resource state is enum proposal_status,
     * the author the proposal's (for a translation review: the translator) */
    AUTHZ_READ_PROPOSAL,       /* GET proposals, versions, translations, amendments */
    AUTHZ_CREATE_PROPOSAL,     /* POST /assemblies/{aid}/proposals (also amendments) */
    AUTHZ_EDIT_PROPOSAL,       /* PATCH /proposals/{pid} {title, body}: a new version */
    AUTHZ_PROPOSAL_DELIBERATE, /* PATCH {status: deliberation} */
    AUTHZ_PROPOSAL_BALLOT,     /* PATCH {status: ballot} (and the advancement rule) */
    AUTHZ_PROPOSAL_WITHDRAW,   /* PATCH {status: withdrawn} */
    AUTHZ_TRANSLATE_PROPOSAL,  /* POST /proposals/{pid}/translations */
    AUTHZ_REVIEW_TRANSLATION,  /* POST …/translations/{lang}/review (author = translator) */
    AUTHZ_ENDORSE,             /* POST|DELETE /proposals/{pid}/endorsements */
    AUTHZ_MERGE_AMENDMENT,     /* POST /proposals/{pid}/merge (state = the parent's) */
    /* machine translation (issue 10, mt) */
    AUTHZ_LIST_TRANSLATION_JOBS, /* GET /assemblies/{aid}/translation-jobs: active managers */
    /* selections by lot (issue 14, api/api_selections.c) */
    AUTHZ_READ_SELECTION,       /* GET selections, a selection, DRAW.json, a commitment check */
    AUTHZ_MANAGE_SELECTION,     /* create, settings, pool, runs, commit, publish, draw, declines */
    AUTHZ_VOLUNTEER,            /* POST …/volunteers: registered people answer an open call */
    AUTHZ_SELECTION_RANDOMNESS, /* POST …/randomness (commit) and …/randomness/reveal */
    /* questions and ballots (issue 11); the state is enum question_state */
    AUTHZ_READ_QUESTION,      /* GET questions, a question (drafts too) */
    AUTHZ_CREATE_QUESTION,    /* POST /assemblies/{aid}/questions */
    AUTHZ_EDIT_QUESTION,      /* PATCH /questions/{qid}: draft only */
    AUTHZ_TRANSLATE_QUESTION, /* POST /questions/{qid}/translations: draft only */
    AUTHZ_OPEN_QUESTION,      /* POST /questions/{qid}/open */
    AUTHZ_CLOSE_QUESTION,     /* POST /questions/{qid}/close: early, conveners, with a reason */
    AUTHZ_CAST_BALLOT,        /* POST /questions/{qid}/ballots (the roll is the body's) */
    AUTHZ_READ_PARTICIPATION, /* GET /questions/{qid}/participation: members, from opening */
    AUTHZ_READ_BOARD,         /* GET …/ballots, …/ballots/{receipt}: after close */
    AUTHZ_READ_RESULT,        /* GET …/result, …/export: once tallied */
    AUTHZ_ACTION__COUNT
};

/* The caller's standing in one assembly. */
struct authz_subject {
    bool logged_in;
    int64_t account_id;        /* 0 when anonymous */
    enum role role;            /* ROLE_NONE when no row */
    enum member_status status; /* MEMBER_STATUS_NONE when no row */
};

/* What the action is on: the assembly's access settings, and for a
 * resource inside it (a proposal, a question) its author and state. */
struct authz_resource {
    bool is_public;    /* the assembly's visibility = public */
    bool open_to_join; /* the assembly's join_policy = open */
    int64_t author_id; /* the resource's author; 0 = none */
    unsigned state;    /* the resource's state, an index < 32 into its own enum */
};

/* --- the table ------------------------------------------------------------ */

/* What a caller must pass before the cell is looked at. */
enum authz_gate {
    AUTHZ_GATE_READ,       /* visible (public, or the caller is a member), else 404; no
                            * session needed */
    AUTHZ_GATE_ACT,        /* a session (401), then visible (404) */
    AUTHZ_GATE_CAPABILITY, /* a session (401); the request carries its own proof (an
                            * invitation code): no visibility check */
};

/* A cell: allowed or not, or allowed when a predicate on the resource
 * holds (else 403). */
enum authz_cell {
    AUTHZ_NO = 0,
    AUTHZ_YES,
    AUTHZ_IF_AUTHOR,       /* the caller wrote the resource */
    AUTHZ_IF_OPEN_TO_JOIN, /* the assembly admits without invitation */
    AUTHZ_IF_NOT_AUTHOR,   /* someone other than who wrote the resource (a second
                            * member reviewing a translation) */
};

/* Status columns of a row. A membership that was left counts as none. */
enum authz_column {
    AUTHZ_COL_NONMEMBER = 0,
    AUTHZ_COL_ACTIVE,
    AUTHZ_COL_SUSPENDED,
    AUTHZ_COL__COUNT
};

struct authz_rule {
    enum authz_gate gate;
    /* cells[role][column]; the ROLE_NONE row's only meaningful column is
     * NONMEMBER, the other rows' are ACTIVE and SUSPENDED. */
    enum authz_cell cells[ROLE__COUNT][AUTHZ_COL__COUNT];
    /* Resource states the action is allowed in (bit i = state i); 0 = any.
     * Checked after the cell: an allowed caller in a wrong state gets 409. */
    uint32_t states;
};

/* The assembly table's row for action (never NULL for a valid action). */
const struct authz_rule *authz_rule_of(enum authz_action action);

/* Decides one rule for a subject and a resource (borrowed). The engine
 * behind authz_assembly; resources with their own tables call it with
 * their rows. */
enum authz_decision authz_decide(const struct authz_rule *rule, const struct authz_subject *who,
                                 const struct authz_resource *res);

/* The assembly table: authz_decide(authz_rule_of(action), who, res). */
enum authz_decision authz_assembly(const struct authz_subject *who,
                                   const struct authz_resource *res, enum authz_action action);

/* True when the subject counts as a member for visibility (active or
 * suspended, any role). */
bool authz_is_member(const struct authz_subject *who);

/* --- rules about roles granted (rank, not table) -------------------------- */

/*
 * Decision for PATCH …/members/{target} once authz_assembly(…PATCH_MEMBER)
 * allowed the caller in: is_self = the caller patches their own row;
 * new_role / new_status = ROLE_NONE / MEMBER_STATUS_NONE when the field is
 * absent. Rules: only conveners make conveners; conveners change anything;
 * facilitators change members and observers only, to member or observer,
 * active or suspended or left; anyone active may set their own status to
 * left or demote themselves (a convener stepping down); nobody promotes
 * themselves or lifts their own suspension. The last active convener rule
 * is the transaction body's (409).
 */
enum authz_decision authz_member_patch(const struct authz_subject *who,
                                       const struct authz_subject *target, bool is_self,
                                       enum role new_role, enum member_status new_status);

/* Which role an invitation created by `who` may grant (the caller already
 * passed AUTHZ_CREATE_INVITATION): conveners any role, facilitators member
 * or observer only (the same limits as authz_member_patch). */
enum authz_decision authz_invite_role(const struct authz_subject *who, enum role role);

#endif /* PNYX_CORE_VALIDATE_AUTHZ_H */
