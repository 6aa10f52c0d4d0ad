/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * core/validate/authz.c — the authorisation table (see authz.h for the
 * rules it encodes) and the engine that reads it. Every route of
 * assemblies, members, invitations and the audit log asks here; nothing
 * else decides who may do what.
 */
#include "authz.h"

#include <stddef.h>

/* Row helpers: the same cell for every managing/ordinary role. */
#define Y  AUTHZ_YES
#define N  AUTHZ_NO
#define A  AUTHZ_IF_AUTHOR
#define NA AUTHZ_IF_NOT_AUTHOR
/* A comment is edited, deleted, hidden, translated only while visible. */
#define VISIBLE (1u << COMMENT_VISIBLE)
/* A proposal's text changes (and it may be withdrawn) only before ballot. */
#define P_EDITABLE (1u << PROPOSAL_DRAFT | 1u << PROPOSAL_DELIBERATION)
/* Question states (issue 11). */
#define Q_DRAFT   (1u << QUESTION_DRAFT)
#define Q_OPEN    (1u << QUESTION_OPEN)
#define Q_ENDED   (1u << QUESTION_CLOSED | 1u << QUESTION_TALLIED)
#define Q_STARTED (Q_OPEN | Q_ENDED)
/* cells[role] = {non-member, active, suspended} */
#define ROW(nonmember, conv_a, conv_s, fac_a, fac_s, mem_a, mem_s, obs_a, obs_s)                   \
    {                                                                                              \
        [ROLE_NONE] = {nonmember, N, N}, [ROLE_CONVENER] = {N, conv_a, conv_s},                    \
        [ROLE_FACILITATOR] = {N, fac_a, fac_s}, [ROLE_MEMBER] = {N, mem_a, mem_s},                 \
        [ROLE_OBSERVER] = {N, obs_a, obs_s},                                                       \
    }

/*
 * The assembly table. Columns per role: active, suspended.
 *
 *                          non-   convener  facilitator  member   observer
 *                          member  act sus   act sus     act sus  act sus
 */
static const struct authz_rule rules[AUTHZ_ACTION__COUNT] = {
    /* Reads need no session on public assemblies (the record is public);
     * members-only ones hide from everyone outside (the gate). */
    [AUTHZ_READ_ASSEMBLY] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 0},
    [AUTHZ_LIST_MEMBERS] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 0},
    [AUTHZ_READ_AUDIT] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 0},
    [AUTHZ_UPDATE_ASSEMBLY] = {AUTHZ_GATE_ACT, ROW(N, Y, N, N, N, N, N, N, N), 0},
    /* An active member may "join" again: the body answers 409 already a
     * member. Suspended members cannot re-join to lift the suspension. */
    [AUTHZ_JOIN] = {AUTHZ_GATE_ACT, ROW(AUTHZ_IF_OPEN_TO_JOIN, Y, N, Y, N, Y, N, Y, N), 0},
    [AUTHZ_CREATE_INVITATION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N), 0},
    /* The code is the capability: no visibility gate. Suspended members
     * cannot use one to lift their suspension; active members get 409
     * from the body. */
    [AUTHZ_ACCEPT_INVITATION] = {AUTHZ_GATE_CAPABILITY, ROW(Y, Y, N, Y, N, Y, N, Y, N), 0},
    [AUTHZ_PATCH_MEMBER] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, Y, N), 0},
    [AUTHZ_LEAVE] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, Y, N), 0},
    /* Comments (issue 10): whoever sees the assembly reads them; active
     * members, facilitators and conveners write, translate and review
     * (observers read only); authors edit and delete their own, managers
     * hide, only while the comment is visible. Whether the proposal is
     * open to comments, the edit window and "not one's own translation"
     * are the bodies' rules (api/api_comments.c). */
    [AUTHZ_READ_COMMENTS] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 0},
    [AUTHZ_CREATE_COMMENT] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), 0},
    [AUTHZ_EDIT_COMMENT] = {AUTHZ_GATE_ACT, ROW(N, A, N, A, N, A, N, N, N), VISIBLE},
    [AUTHZ_DELETE_COMMENT] = {AUTHZ_GATE_ACT, ROW(N, A, N, A, N, A, N, N, N), VISIBLE},
    [AUTHZ_HIDE_COMMENT] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N), VISIBLE},
    [AUTHZ_TRANSLATE_COMMENT] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), VISIBLE},
    [AUTHZ_REVIEW_COMMENT_TRANSLATION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), VISIBLE},
    /* Proposals (issue 10). Members propose, translate, endorse; observers
     * read only; managers edit any text and send to ballot; the author
     * alone opens deliberation and withdraws. */
    [AUTHZ_READ_PROPOSAL] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 0},
    [AUTHZ_CREATE_PROPOSAL] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), 0},
    [AUTHZ_EDIT_PROPOSAL] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, A, N, N, N), P_EDITABLE},
    [AUTHZ_PROPOSAL_DELIBERATE] = {AUTHZ_GATE_ACT, ROW(N, A, N, A, N, A, N, N, N),
                                   1u << PROPOSAL_DRAFT},
    [AUTHZ_PROPOSAL_BALLOT] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N),
                               1u << PROPOSAL_DELIBERATION},
    [AUTHZ_PROPOSAL_WITHDRAW] = {AUTHZ_GATE_ACT, ROW(N, A, N, A, N, A, N, N, N), P_EDITABLE},
    [AUTHZ_TRANSLATE_PROPOSAL] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), 0},
    [AUTHZ_REVIEW_TRANSLATION] = {AUTHZ_GATE_ACT, ROW(N, NA, N, NA, N, NA, N, N, N), 0},
    [AUTHZ_ENDORSE] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), 1u << PROPOSAL_DELIBERATION},
    [AUTHZ_MERGE_AMENDMENT] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N), P_EDITABLE},
    /* machine translation (issue 10, mt): the job queue (failed jobs and
     * their errors) is a management view, like the invitation list. */
    [AUTHZ_LIST_TRANSLATION_JOBS] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N), 0},
    /* Selections by lot: the draw is public where the assembly is (anyone
     * may check it); conveners run it; anyone registered who can see the
     * assembly may volunteer to an open call (suspended members not); every
     * active member, observers included (auditing is theirs), may add
     * randomness to the draw. */
    [AUTHZ_READ_SELECTION] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 0},
    [AUTHZ_MANAGE_SELECTION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, N, N, N, N, N, N), 0},
    [AUTHZ_VOLUNTEER] = {AUTHZ_GATE_ACT, ROW(Y, Y, N, Y, N, Y, N, Y, N), 0},
    [AUTHZ_SELECTION_RANDOMNESS] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, Y, N), 0},
    /* Questions (issue 11). Whoever sees the assembly reads questions,
     * boards and results (the record is public where the assembly is);
     * conveners and facilitators draft, translate and open them; only a
     * convener closes one early (with a recorded reason); members,
     * facilitators and conveners vote while it is open (observers never:
     * they are not on the roll, which the body checks). Who voted (never
     * how) is for members only, so an absent one can object. */
    [AUTHZ_READ_QUESTION] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 0},
    [AUTHZ_CREATE_QUESTION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N), 0},
    [AUTHZ_EDIT_QUESTION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N), Q_DRAFT},
    [AUTHZ_TRANSLATE_QUESTION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), Q_DRAFT},
    [AUTHZ_OPEN_QUESTION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, N, N, N, N), Q_DRAFT},
    [AUTHZ_CLOSE_QUESTION] = {AUTHZ_GATE_ACT, ROW(N, Y, N, N, N, N, N, N, N), Q_OPEN},
    [AUTHZ_CAST_BALLOT] = {AUTHZ_GATE_ACT, ROW(N, Y, N, Y, N, Y, N, N, N), Q_OPEN},
    [AUTHZ_READ_PARTICIPATION] = {AUTHZ_GATE_READ, ROW(N, Y, Y, Y, Y, Y, Y, Y, Y), Q_STARTED},
    [AUTHZ_READ_BOARD] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), Q_ENDED},
    [AUTHZ_READ_RESULT] = {AUTHZ_GATE_READ, ROW(Y, Y, Y, Y, Y, Y, Y, Y, Y), 1u << QUESTION_TALLIED},
};

#undef ROW
#undef VISIBLE
#undef P_EDITABLE
#undef Q_DRAFT
#undef Q_OPEN
#undef Q_STARTED
#undef Q_ENDED
#undef NA
#undef A
#undef N
#undef Y

bool authz_is_member(const struct authz_subject *who)
{
    return who->role != ROLE_NONE &&
           (who->status == MEMBER_ACTIVE || who->status == MEMBER_SUSPENDED);
}

static bool is_active(const struct authz_subject *who)
{
    return who->role != ROLE_NONE && who->status == MEMBER_ACTIVE;
}

static bool is_manager(const struct authz_subject *who)
{
    return is_active(who) && (who->role == ROLE_CONVENER || who->role == ROLE_FACILITATOR);
}

const struct authz_rule *authz_rule_of(enum authz_action action)
{
    return (unsigned)action < AUTHZ_ACTION__COUNT ? &rules[action] : NULL;
}

/* The cell of who's standing: a membership that was left (or an anonymous
 * caller) reads the non-member cell. */
static enum authz_cell cell_of(const struct authz_rule *rule, const struct authz_subject *who)
{
    bool member = who->logged_in && authz_is_member(who) && (unsigned)who->role < ROLE__COUNT;
    if (!member) {
        return rule->cells[ROLE_NONE][AUTHZ_COL_NONMEMBER];
    }
    enum authz_column col = who->status == MEMBER_ACTIVE ? AUTHZ_COL_ACTIVE : AUTHZ_COL_SUSPENDED;
    return rule->cells[who->role][col];
}

static bool holds(enum authz_cell cell, const struct authz_subject *who,
                  const struct authz_resource *res)
{
    switch (cell) {
    case AUTHZ_YES:
        return true;
    case AUTHZ_IF_AUTHOR:
        return who->logged_in && who->account_id != 0 && who->account_id == res->author_id;
    case AUTHZ_IF_OPEN_TO_JOIN:
        return res->open_to_join;
    case AUTHZ_IF_NOT_AUTHOR:
        return who->logged_in && who->account_id != 0 && who->account_id != res->author_id;
    case AUTHZ_NO:
        break;
    }
    return false;
}

enum authz_decision authz_decide(const struct authz_rule *rule, const struct authz_subject *who,
                                 const struct authz_resource *res)
{
    if (rule == NULL) {
        return AUTHZ_DENY_403;
    }
    bool visible = res->is_public || (who->logged_in && authz_is_member(who));
    switch (rule->gate) {
    case AUTHZ_GATE_READ:
        if (!visible) {
            return AUTHZ_HIDE_404;
        }
        break;
    case AUTHZ_GATE_ACT:
        /* A session comes first, so an anonymous caller learns nothing
         * about the assembly. */
        if (!who->logged_in) {
            return AUTHZ_NEED_LOGIN_401;
        }
        if (!visible) {
            return AUTHZ_HIDE_404;
        }
        break;
    case AUTHZ_GATE_CAPABILITY:
        if (!who->logged_in) {
            return AUTHZ_NEED_LOGIN_401;
        }
        break;
    }
    if (!holds(cell_of(rule, who), who, res)) {
        return who->logged_in ? AUTHZ_DENY_403 : AUTHZ_NEED_LOGIN_401;
    }
    if (rule->states != 0 && (res->state >= 32 || (rule->states & (1u << res->state)) == 0)) {
        return AUTHZ_STATE_409;
    }
    return AUTHZ_ALLOW;
}

enum authz_decision authz_assembly(const struct authz_subject *who,
                                   const struct authz_resource *res, enum authz_action action)
{
    return authz_decide(authz_rule_of(action), who, res);
}

/* Lower rank = more power (core/domain.h orders the roles so); a change
 * to a lower rank is a promotion. No role ranks below every role. */
static int role_rank(enum role r)
{
    return r == ROLE_NONE || r >= ROLE__COUNT ? ROLE__COUNT : (int)r;
}

enum authz_decision authz_member_patch(const struct authz_subject *who,
                                       const struct authz_subject *target, bool is_self,
                                       enum role new_role, enum member_status new_status)
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
        if (new_role != ROLE_NONE && role_rank(new_role) < role_rank(who->role)) {
            return AUTHZ_DENY_403;
        }
        if (new_status == MEMBER_SUSPENDED) {
            return AUTHZ_DENY_403;
        }
        return AUTHZ_ALLOW;
    }
    /* Someone who left decides alone whether to come back. */
    if (target->status == MEMBER_LEFT && new_status != MEMBER_STATUS_NONE &&
        new_status != MEMBER_LEFT) {
        return AUTHZ_DENY_403;
    }
    if (who->role == ROLE_CONVENER) {
        return AUTHZ_ALLOW;
    }
    if (who->role == ROLE_FACILITATOR) {
        bool target_ok = target->role == ROLE_MEMBER || target->role == ROLE_OBSERVER;
        bool role_ok =
            new_role == ROLE_NONE || new_role == ROLE_MEMBER || new_role == ROLE_OBSERVER;
        return target_ok && role_ok ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    }
    return AUTHZ_DENY_403;
}

enum authz_decision authz_invite_role(const struct authz_subject *who, enum role role)
{
    if (!is_manager(who) || role == ROLE_NONE) {
        return AUTHZ_DENY_403;
    }
    if (who->role == ROLE_CONVENER) {
        return AUTHZ_ALLOW;
    }
    return role == ROLE_MEMBER || role == ROLE_OBSERVER ? AUTHZ_ALLOW : AUTHZ_DENY_403;
}
