/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/validate/authz.h — who may do what in an assembly, in ONE place.
 *
 * Pure functions of (the caller's standing in the assembly, the assembly's
 * visibility and join policy, the action): no I/O, no allocation,
 * thread-safe. The api/ handlers load the standing (one row) and map the
 * decision to an HTTP status; the matrix test walks every cell over HTTP.
 *
 * Rules (issue 4, DESIGN.md "membership"):
 *  - members-only assemblies are invisible to non-members: 404, never 403,
 *    also for the anonymous caller on read routes;
 *  - actions need a session (401 first, before anything is revealed);
 *  - conveners manage everything; facilitators manage invitations and
 *    ordinary members/observers; members and observers read (and members
 *    later propose and vote); observers read and audit only;
 *  - suspended members can read but not act (not even leave: leaving and
 *    re-joining would lift the suspension);
 *  - a member who left is a non-member again (may re-join an open public
 *    assembly or accept an invitation).
 * State-dependent rules (the last active convener, "already a member",
 * invitation expiry) are checked by db/ in the changing transaction.
 */
#ifndef PNYX_CORE_VALIDATE_AUTHZ_H
#define PNYX_CORE_VALIDATE_AUTHZ_H

#include <stdbool.h>

enum authz_decision {
    AUTHZ_ALLOW = 0,
    AUTHZ_DENY_403,      /* visible but not allowed */
    AUTHZ_HIDE_404,      /* must look exactly like a missing assembly */
    AUTHZ_NEED_LOGIN_401 /* no session */
};

enum authz_role {
    AUTHZ_ROLE_NONE = 0, /* no membership row, or status left */
    AUTHZ_ROLE_CONVENER,
    AUTHZ_ROLE_FACILITATOR,
    AUTHZ_ROLE_MEMBER,
    AUTHZ_ROLE_OBSERVER,
};

enum authz_status {
    AUTHZ_STATUS_NONE = 0, /* not a member */
    AUTHZ_STATUS_ACTIVE,
    AUTHZ_STATUS_SUSPENDED,
    AUTHZ_STATUS_LEFT,
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
};

/* The caller's standing in one assembly. */
struct authz_subject {
    bool logged_in;
    enum authz_role role;     /* NONE when no row */
    enum authz_status status; /* NONE when no row */
};

/* The assembly's access settings. */
struct authz_assembly_info {
    bool is_public;    /* visibility = public */
    bool open_to_join; /* join_policy = open */
};

/* Decision for action on an assembly. Borrows both structs. */
enum authz_decision authz_assembly(const struct authz_subject *who,
                                   const struct authz_assembly_info *asm_info,
                                   enum authz_action action);

/* True when the subject counts as a member for visibility (active or
 * suspended, any role). */
bool authz_is_member(const struct authz_subject *who);

/*
 * Decision for PATCH …/members/{target} once authz_assembly(…PATCH_MEMBER)
 * allowed the caller in: is_self = the caller patches their own row;
 * new_role / new_status = AUTHZ_ROLE_NONE / AUTHZ_STATUS_NONE when the
 * field is absent. Rules: only conveners make conveners; conveners change
 * anything; facilitators change members and observers only, to member or
 * observer, active or suspended or left; anyone active may set their own
 * status to left or demote themselves (a convener stepping down); nobody
 * promotes themselves or lifts their own suspension. The last active
 * convener rule is the db layer's (409).
 */
enum authz_decision authz_member_patch(const struct authz_subject *who,
                                       const struct authz_subject *target, bool is_self,
                                       enum authz_role new_role, enum authz_status new_status);

/* Which role an invitation created by `who` may grant (the caller already
 * passed AUTHZ_CREATE_INVITATION): conveners any role, facilitators member
 * or observer only (the same limits as authz_member_patch). */
enum authz_decision authz_invite_role(const struct authz_subject *who, enum authz_role role);

/* Parsers/names for the text forms used in SQL and JSON ("convener", …).
 * Parsers return NONE for anything else. Names return static strings. */
enum authz_role authz_role_parse(const char *s);
enum authz_status authz_status_parse(const char *s);
const char *authz_role_name(enum authz_role r);
const char *authz_status_name(enum authz_status s);

#endif /* PNYX_CORE_VALIDATE_AUTHZ_H */
