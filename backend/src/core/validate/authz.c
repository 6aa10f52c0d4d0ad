/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/validate/authz.c — the assembly authorisation matrix (see authz.h
 * for the rules). Every route of assemblies, members, invitations and the
 * audit log asks here; nothing else decides who may do what.
 */
#include "authz.h"

#include <string.h>

bool authz_is_member(const struct authz_subject *who)
{
    return who->role != AUTHZ_ROLE_NONE &&
           (who->status == AUTHZ_STATUS_ACTIVE || who->status == AUTHZ_STATUS_SUSPENDED);
}

static bool is_active(const struct authz_subject *who)
{
    return who->role != AUTHZ_ROLE_NONE && who->status == AUTHZ_STATUS_ACTIVE;
}

static bool is_manager(const struct authz_subject *who)
{
    return is_active(who) &&
           (who->role == AUTHZ_ROLE_CONVENER || who->role == AUTHZ_ROLE_FACILITATOR);
}

enum authz_decision authz_assembly(const struct authz_subject *who,
                                   const struct authz_assembly_info *asm_info,
                                   enum authz_action action)
{
    bool member = who->logged_in && authz_is_member(who);
    bool visible = asm_info->is_public || member;

    switch (action) {
    case AUTHZ_READ_ASSEMBLY:
    case AUTHZ_LIST_MEMBERS:
    case AUTHZ_READ_AUDIT:
        /* Reads need no session on public assemblies (the record is
         * public); members-only ones hide from everyone outside. */
        return visible ? AUTHZ_ALLOW : AUTHZ_HIDE_404;
    case AUTHZ_ACCEPT_INVITATION:
        /* The code is the capability: no visibility gate. Suspended members
         * cannot use an invitation to lift their suspension; an active
         * member gets 409 (already a member) from db/. */
        if (!who->logged_in) {
            return AUTHZ_NEED_LOGIN_401;
        }
        return who->status == AUTHZ_STATUS_SUSPENDED ? AUTHZ_DENY_403 : AUTHZ_ALLOW;
    case AUTHZ_UPDATE_ASSEMBLY:
    case AUTHZ_JOIN:
    case AUTHZ_CREATE_INVITATION:
    case AUTHZ_PATCH_MEMBER:
    case AUTHZ_LEAVE:
        break;
    }

    /* Everything below changes state: a session comes first, so an
     * anonymous caller learns nothing about the assembly. */
    if (!who->logged_in) {
        return AUTHZ_NEED_LOGIN_401;
    }
    if (!visible) {
        return AUTHZ_HIDE_404;
    }
    switch (action) {
    case AUTHZ_UPDATE_ASSEMBLY:
        return is_active(who) && who->role == AUTHZ_ROLE_CONVENER ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    case AUTHZ_JOIN:
        if (who->status == AUTHZ_STATUS_SUSPENDED) {
            return AUTHZ_DENY_403;
        }
        if (is_active(who)) {
            return AUTHZ_ALLOW; /* db/ answers 409 "already a member" */
        }
        return asm_info->open_to_join ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    case AUTHZ_CREATE_INVITATION:
        return is_manager(who) ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    case AUTHZ_PATCH_MEMBER:
    case AUTHZ_LEAVE:
        return is_active(who) ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    default:
        return AUTHZ_DENY_403;
    }
}

/* Lower rank = more power; a change to a lower rank is a promotion. */
static int role_rank(enum authz_role r)
{
    switch (r) {
    case AUTHZ_ROLE_CONVENER:
        return 0;
    case AUTHZ_ROLE_FACILITATOR:
        return 1;
    case AUTHZ_ROLE_MEMBER:
        return 2;
    case AUTHZ_ROLE_OBSERVER:
        return 3;
    case AUTHZ_ROLE_NONE:
        break;
    }
    return 4;
}

enum authz_decision authz_member_patch(const struct authz_subject *who,
                                       const struct authz_subject *target, bool is_self,
                                       enum authz_role new_role, enum authz_status new_status)
{
    if (!who->logged_in) {
        return AUTHZ_NEED_LOGIN_401;
    }
    if (!is_active(who)) {
        return AUTHZ_DENY_403;
    }
    if (is_self) {
        /* Stepping down or leaving is always one's own right; promoting
         * oneself or suspending oneself is not. */
        if (new_role != AUTHZ_ROLE_NONE && role_rank(new_role) < role_rank(who->role)) {
            return AUTHZ_DENY_403;
        }
        if (new_status == AUTHZ_STATUS_SUSPENDED) {
            return AUTHZ_DENY_403;
        }
        return AUTHZ_ALLOW;
    }
    /* Someone who left decides alone whether to come back. */
    if (target->status == AUTHZ_STATUS_LEFT && new_status != AUTHZ_STATUS_NONE &&
        new_status != AUTHZ_STATUS_LEFT) {
        return AUTHZ_DENY_403;
    }
    if (who->role == AUTHZ_ROLE_CONVENER) {
        return AUTHZ_ALLOW;
    }
    if (who->role == AUTHZ_ROLE_FACILITATOR) {
        bool target_ok = target->role == AUTHZ_ROLE_MEMBER || target->role == AUTHZ_ROLE_OBSERVER;
        bool role_ok = new_role == AUTHZ_ROLE_NONE || new_role == AUTHZ_ROLE_MEMBER ||
                       new_role == AUTHZ_ROLE_OBSERVER;
        return target_ok && role_ok ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    }
    return AUTHZ_DENY_403;
}

enum authz_decision authz_invite_role(const struct authz_subject *who, enum authz_role role)
{
    if (!is_manager(who) || role == AUTHZ_ROLE_NONE) {
        return AUTHZ_DENY_403;
    }
    if (who->role == AUTHZ_ROLE_CONVENER) {
        return AUTHZ_ALLOW;
    }
    return role == AUTHZ_ROLE_MEMBER || role == AUTHZ_ROLE_OBSERVER ? AUTHZ_ALLOW : AUTHZ_DENY_403;
}

enum authz_role authz_role_parse(const char *s)
{
    if (s == NULL) {
        return AUTHZ_ROLE_NONE;
    }
    if (strcmp(s, "convener") == 0) {
        return AUTHZ_ROLE_CONVENER;
    }
    if (strcmp(s, "facilitator") == 0) {
        return AUTHZ_ROLE_FACILITATOR;
    }
    if (strcmp(s, "member") == 0) {
        return AUTHZ_ROLE_MEMBER;
    }
    if (strcmp(s, "observer") == 0) {
        return AUTHZ_ROLE_OBSERVER;
    }
    return AUTHZ_ROLE_NONE;
}

enum authz_status authz_status_parse(const char *s)
{
    if (s == NULL) {
        return AUTHZ_STATUS_NONE;
    }
    if (strcmp(s, "active") == 0) {
        return AUTHZ_STATUS_ACTIVE;
    }
    if (strcmp(s, "suspended") == 0) {
        return AUTHZ_STATUS_SUSPENDED;
    }
    if (strcmp(s, "left") == 0) {
        return AUTHZ_STATUS_LEFT;
    }
    return AUTHZ_STATUS_NONE;
}

const char *authz_role_name(enum authz_role r)
{
    switch (r) {
    case AUTHZ_ROLE_CONVENER:
        return "convener";
    case AUTHZ_ROLE_FACILITATOR:
        return "facilitator";
    case AUTHZ_ROLE_MEMBER:
        return "member";
    case AUTHZ_ROLE_OBSERVER:
        return "observer";
    case AUTHZ_ROLE_NONE:
        break;
    }
    return "none";
}

const char *authz_status_name(enum authz_status s)
{
    switch (s) {
    case AUTHZ_STATUS_ACTIVE:
        return "active";
    case AUTHZ_STATUS_SUSPENDED:
        return "suspended";
    case AUTHZ_STATUS_LEFT:
        return "left";
    case AUTHZ_STATUS_NONE:
        break;
    }
    return "none";
}
