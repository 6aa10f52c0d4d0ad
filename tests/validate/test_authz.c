/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * tests/validate/test_authz.c — the authorisation table (core/validate/
 * authz.c), cell by cell:
 *  - every action × session × role × status × visibility × join policy
 *    against `reference`, the rules of issue 4 written out as plain
 *    branches (the switch the table replaced), so the table cannot drift
 *    from them unnoticed;
 *  - readable spot checks of each rule;
 *  - rows for later resources (edit a proposal as its author in draft,
 *    vote while a question is open) built here from the same cells and
 *    predicates, showing they need no new code;
 *  - core/domain.h's parse/name round trips.
 */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "core/domain.h"
#include "core/validate/authz.h"

/* --- the reference: issue 4's rules as branches ---------------------------- */

static bool ref_member(const struct authz_subject *w)
{
    return w->role != ROLE_NONE && (w->status == MEMBER_ACTIVE || w->status == MEMBER_SUSPENDED);
}

static bool ref_active(const struct authz_subject *w)
{
    return w->role != ROLE_NONE && w->status == MEMBER_ACTIVE;
}

/* Issue 10's proposal rules, for a visible assembly and a logged-in
 * caller: who (role, active, author) first, then the proposal's status. */
static enum authz_decision ref_proposal(const struct authz_subject *w,
                                        const struct authz_resource *r, enum authz_action a)
{
    bool active = ref_active(w);
    bool manager = active && (w->role == ROLE_CONVENER || w->role == ROLE_FACILITATOR);
    bool participant = active && w->role != ROLE_OBSERVER; /* members propose, not observers */
    bool author = w->account_id != 0 && w->account_id == r->author_id;
    bool editable = r->state == PROPOSAL_DRAFT || r->state == PROPOSAL_DELIBERATION;
    bool who = false, when = true;
    switch (a) {
    case AUTHZ_CREATE_PROPOSAL:
    case AUTHZ_TRANSLATE_PROPOSAL:
        who = participant;
        break;
    case AUTHZ_EDIT_PROPOSAL:
        who = manager || (participant && author);
        when = editable;
        break;
    case AUTHZ_PROPOSAL_DELIBERATE:
        who = participant && author;
        when = r->state == PROPOSAL_DRAFT;
        break;
    case AUTHZ_PROPOSAL_WITHDRAW:
        who = participant && author;
        when = editable;
        break;
    case AUTHZ_PROPOSAL_BALLOT:
        who = manager;
        when = r->state == PROPOSAL_DELIBERATION;
        break;
    case AUTHZ_REVIEW_TRANSLATION: /* a second member: not the translator */
        who = participant && !author;
        break;
    case AUTHZ_ENDORSE:
        who = participant;
        when = r->state == PROPOSAL_DELIBERATION;
        break;
    case AUTHZ_MERGE_AMENDMENT:
        who = manager;
        when = editable;
        break;
    default:
        break;
    }
    if (!who)
        return AUTHZ_DENY_403;
    return when ? AUTHZ_ALLOW : AUTHZ_STATE_409;
}

static enum authz_decision reference(const struct authz_subject *w, const struct authz_resource *r,
                                     enum authz_action a)
{
    bool member = w->logged_in && ref_member(w);
    bool visible = r->is_public || member;
    switch (a) {
    case AUTHZ_READ_ASSEMBLY:
    case AUTHZ_LIST_MEMBERS:
    case AUTHZ_READ_AUDIT:
    case AUTHZ_READ_PROPOSAL:
        return visible ? AUTHZ_ALLOW : AUTHZ_HIDE_404;
    case AUTHZ_READ_COMMENTS:
    case AUTHZ_READ_SELECTION:
        return visible ? AUTHZ_ALLOW : AUTHZ_HIDE_404;
    /* questions (issue 11): the record is public where the assembly is;
     * who voted is for members; boards after close, results once tallied */
    case AUTHZ_READ_QUESTION:
        return visible ? AUTHZ_ALLOW : AUTHZ_HIDE_404;
    case AUTHZ_READ_BOARD:
    case AUTHZ_READ_RESULT:
    case AUTHZ_READ_PARTICIPATION: {
        if (!visible)
            return AUTHZ_HIDE_404;
        if (a == AUTHZ_READ_PARTICIPATION && !member)
            return w->logged_in ? AUTHZ_DENY_403 : AUTHZ_NEED_LOGIN_401;
        bool when = a == AUTHZ_READ_RESULT ? r->state == QUESTION_TALLIED
                    : a == AUTHZ_READ_BOARD
                        ? r->state == QUESTION_CLOSED || r->state == QUESTION_TALLIED
                        : r->state >= QUESTION_OPEN && r->state <= QUESTION_TALLIED;
        return when ? AUTHZ_ALLOW : AUTHZ_STATE_409;
    }
    case AUTHZ_ACCEPT_INVITATION:
        if (!w->logged_in)
            return AUTHZ_NEED_LOGIN_401;
        return member && w->status == MEMBER_SUSPENDED ? AUTHZ_DENY_403 : AUTHZ_ALLOW;
    default:
        break;
    }
    if (!w->logged_in)
        return AUTHZ_NEED_LOGIN_401;
    if (!visible)
        return AUTHZ_HIDE_404;
    switch (a) {
    case AUTHZ_UPDATE_ASSEMBLY:
        return ref_active(w) && w->role == ROLE_CONVENER ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    case AUTHZ_JOIN:
        if (member && w->status == MEMBER_SUSPENDED)
            return AUTHZ_DENY_403;
        if (ref_active(w))
            return AUTHZ_ALLOW;
        return r->open_to_join ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    case AUTHZ_CREATE_INVITATION:
    case AUTHZ_LIST_TRANSLATION_JOBS:
        return ref_active(w) && (w->role == ROLE_CONVENER || w->role == ROLE_FACILITATOR)
                   ? AUTHZ_ALLOW
                   : AUTHZ_DENY_403;
    case AUTHZ_PATCH_MEMBER:
    case AUTHZ_LEAVE:
        return ref_active(w) ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    /* Comments: members, facilitators and conveners act (observers read
     * only); authors edit and delete their own; managers hide; only while
     * the comment is visible (state COMMENT_VISIBLE). */
    case AUTHZ_CREATE_COMMENT:
    case AUTHZ_TRANSLATE_COMMENT:
    case AUTHZ_REVIEW_COMMENT_TRANSLATION:
    case AUTHZ_EDIT_COMMENT:
    case AUTHZ_DELETE_COMMENT: {
        bool may = ref_active(w) && w->role != ROLE_OBSERVER;
        if (a == AUTHZ_EDIT_COMMENT || a == AUTHZ_DELETE_COMMENT)
            may = may && w->account_id == r->author_id;
        if (!may)
            return AUTHZ_DENY_403;
        return a == AUTHZ_CREATE_COMMENT || r->state == COMMENT_VISIBLE ? AUTHZ_ALLOW
                                                                        : AUTHZ_STATE_409;
    }
    case AUTHZ_HIDE_COMMENT:
        if (!(ref_active(w) && (w->role == ROLE_CONVENER || w->role == ROLE_FACILITATOR)))
            return AUTHZ_DENY_403;
        return r->state == COMMENT_VISIBLE ? AUTHZ_ALLOW : AUTHZ_STATE_409;
    /* questions (issue 11) */
    case AUTHZ_CREATE_QUESTION:
        return ref_active(w) && (w->role == ROLE_CONVENER || w->role == ROLE_FACILITATOR)
                   ? AUTHZ_ALLOW
                   : AUTHZ_DENY_403;
    case AUTHZ_EDIT_QUESTION:
    case AUTHZ_OPEN_QUESTION:
    case AUTHZ_TRANSLATE_QUESTION:
    case AUTHZ_CLOSE_QUESTION:
    case AUTHZ_CAST_BALLOT: {
        bool manager = ref_active(w) && (w->role == ROLE_CONVENER || w->role == ROLE_FACILITATOR);
        bool who = a == AUTHZ_CLOSE_QUESTION ? ref_active(w) && w->role == ROLE_CONVENER
                   : a == AUTHZ_TRANSLATE_QUESTION || a == AUTHZ_CAST_BALLOT
                       ? ref_active(w) && w->role != ROLE_OBSERVER
                       : manager;
        if (!who)
            return AUTHZ_DENY_403;
        unsigned want =
            a == AUTHZ_CLOSE_QUESTION || a == AUTHZ_CAST_BALLOT ? QUESTION_OPEN : QUESTION_DRAFT;
        return r->state == want ? AUTHZ_ALLOW : AUTHZ_STATE_409;
    }
    /* selections by lot (issue 14) */
    case AUTHZ_MANAGE_SELECTION:
        return ref_active(w) && w->role == ROLE_CONVENER ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    case AUTHZ_VOLUNTEER:
        return member && w->status == MEMBER_SUSPENDED ? AUTHZ_DENY_403 : AUTHZ_ALLOW;
    case AUTHZ_SELECTION_RANDOMNESS:
        return ref_active(w) ? AUTHZ_ALLOW : AUTHZ_DENY_403;
    default:
        return ref_proposal(w, r, a);
    }
}

Test(authz, every_cell_matches_the_rules)
{
    int cells = 0;
    for (int a = 0; a < AUTHZ_ACTION__COUNT; a++) {
        for (int login = 0; login < 2; login++) {
            for (int role = 0; role < ROLE__COUNT; role++) {
                for (int st = 0; st < MEMBER_STATUS__COUNT; st++) {
                    for (int pub = 0; pub < 2; pub++) {
                        for (int open = 0; open < 2; open++) {
                            /* The resource written by the caller or by
                             * someone else, in each comment state. */
                            for (int res = 0; res < 2 * COMMENT_STATUS__COUNT; res++) {
                                struct authz_subject w = {.logged_in = login,
                                                          .account_id = login ? 7 : 0,
                                                          .role = (enum role)role,
                                                          .status = (enum member_status)st};
                                struct authz_resource r = {.is_public = pub,
                                                           .open_to_join = open,
                                                           .author_id = res % 2 ? 7 : 8,
                                                           .state = (unsigned)(res / 2)};
                                enum authz_decision want = reference(&w, &r, (enum authz_action)a);
                                enum authz_decision got =
                                    authz_assembly(&w, &r, (enum authz_action)a);
                                cr_expect_eq(got, want,
                                             "action %d login %d role %s status %s public %d "
                                             "open %d author %lld state %u: got %d want %d",
                                             a, login, role_name(w.role),
                                             member_status_name(w.status), pub, open,
                                             (long long)r.author_id, r.state, got, want);
                                cells++;
                            }
                        }
                    }
                }
            }
        }
    }
    cr_expect_eq(cells, AUTHZ_ACTION__COUNT * 2 * ROLE__COUNT * MEMBER_STATUS__COUNT * 4 * 2 *
                            COMMENT_STATUS__COUNT);
}

/* A non-member row has only a non-member cell; member rows have none. */
Test(authz, table_is_well_formed)
{
    for (int a = 0; a < AUTHZ_ACTION__COUNT; a++) {
        const struct authz_rule *rule = authz_rule_of((enum authz_action)a);
        cr_assert_not_null(rule, "action %d has no row", a);
        cr_expect_eq(rule->cells[ROLE_NONE][AUTHZ_COL_ACTIVE], AUTHZ_NO);
        cr_expect_eq(rule->cells[ROLE_NONE][AUTHZ_COL_SUSPENDED], AUTHZ_NO);
        for (int role = ROLE_NONE + 1; role < ROLE__COUNT; role++)
            cr_expect_eq(rule->cells[role][AUTHZ_COL_NONMEMBER], AUTHZ_NO, "action %d role %d", a,
                         role);
    }
    cr_expect_null(authz_rule_of(AUTHZ_ACTION__COUNT));
}

/* --- spot checks ------------------------------------------------------------ */

static struct authz_subject as(enum role role, enum member_status st)
{
    return (struct authz_subject){.logged_in = true, .account_id = 7, .role = role, .status = st};
}

static const struct authz_subject anon = {0};
static const struct authz_resource pub_open = {.is_public = true, .open_to_join = true};
static const struct authz_resource pub_invite = {.is_public = true, .open_to_join = false};
static const struct authz_resource members_only = {.is_public = false, .open_to_join = true};

Test(authz, members_only_assemblies_hide_from_outsiders)
{
    struct authz_subject out = as(ROLE_NONE, MEMBER_STATUS_NONE);
    struct authz_subject left = as(ROLE_MEMBER, MEMBER_LEFT);
    cr_expect_eq(authz_assembly(&anon, &members_only, AUTHZ_READ_ASSEMBLY), AUTHZ_HIDE_404);
    cr_expect_eq(authz_assembly(&out, &members_only, AUTHZ_READ_AUDIT), AUTHZ_HIDE_404);
    cr_expect_eq(authz_assembly(&left, &members_only, AUTHZ_LIST_MEMBERS), AUTHZ_HIDE_404);
    cr_expect_eq(authz_assembly(&out, &members_only, AUTHZ_JOIN), AUTHZ_HIDE_404);
    /* A session is asked for before anything is revealed. */
    cr_expect_eq(authz_assembly(&anon, &members_only, AUTHZ_JOIN), AUTHZ_NEED_LOGIN_401);
    cr_expect_eq(authz_assembly(&anon, &pub_open, AUTHZ_READ_ASSEMBLY), AUTHZ_ALLOW);
}

Test(authz, suspended_members_read_but_do_not_act)
{
    struct authz_subject s = as(ROLE_CONVENER, MEMBER_SUSPENDED);
    cr_expect_eq(authz_assembly(&s, &members_only, AUTHZ_READ_ASSEMBLY), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&s, &members_only, AUTHZ_UPDATE_ASSEMBLY), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&s, &members_only, AUTHZ_LEAVE), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&s, &pub_open, AUTHZ_JOIN), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&s, &pub_open, AUTHZ_ACCEPT_INVITATION), AUTHZ_DENY_403);
}

Test(authz, join_needs_an_open_assembly_or_an_invitation)
{
    struct authz_subject out = as(ROLE_NONE, MEMBER_STATUS_NONE);
    struct authz_subject left = as(ROLE_OBSERVER, MEMBER_LEFT);
    cr_expect_eq(authz_assembly(&out, &pub_open, AUTHZ_JOIN), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&out, &pub_invite, AUTHZ_JOIN), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&left, &pub_open, AUTHZ_JOIN), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&out, &members_only, AUTHZ_ACCEPT_INVITATION), AUTHZ_ALLOW);
}

Test(authz, managers_manage)
{
    struct authz_subject conv = as(ROLE_CONVENER, MEMBER_ACTIVE);
    struct authz_subject fac = as(ROLE_FACILITATOR, MEMBER_ACTIVE);
    struct authz_subject mem = as(ROLE_MEMBER, MEMBER_ACTIVE);
    cr_expect_eq(authz_assembly(&conv, &pub_open, AUTHZ_UPDATE_ASSEMBLY), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&fac, &pub_open, AUTHZ_UPDATE_ASSEMBLY), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&fac, &pub_open, AUTHZ_CREATE_INVITATION), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&mem, &pub_open, AUTHZ_CREATE_INVITATION), AUTHZ_DENY_403);
    cr_expect_eq(authz_invite_role(&fac, ROLE_CONVENER), AUTHZ_DENY_403);
    cr_expect_eq(authz_invite_role(&fac, ROLE_OBSERVER), AUTHZ_ALLOW);
    cr_expect_eq(authz_invite_role(&conv, ROLE_CONVENER), AUTHZ_ALLOW);
}

Test(authz, member_patch_ranks)
{
    struct authz_subject conv = as(ROLE_CONVENER, MEMBER_ACTIVE);
    struct authz_subject fac = as(ROLE_FACILITATOR, MEMBER_ACTIVE);
    struct authz_subject mem = as(ROLE_MEMBER, MEMBER_ACTIVE);
    struct authz_subject left = as(ROLE_MEMBER, MEMBER_LEFT);
    /* Nobody promotes themselves; stepping down and leaving are free. */
    cr_expect_eq(authz_member_patch(&mem, &mem, true, ROLE_CONVENER, MEMBER_STATUS_NONE),
                 AUTHZ_DENY_403);
    cr_expect_eq(authz_member_patch(&conv, &conv, true, ROLE_MEMBER, MEMBER_STATUS_NONE),
                 AUTHZ_ALLOW);
    cr_expect_eq(authz_member_patch(&mem, &mem, true, ROLE_NONE, MEMBER_LEFT), AUTHZ_ALLOW);
    cr_expect_eq(authz_member_patch(&mem, &mem, true, ROLE_NONE, MEMBER_SUSPENDED), AUTHZ_DENY_403);
    /* Facilitators handle members and observers, to those roles only. */
    cr_expect_eq(authz_member_patch(&fac, &mem, false, ROLE_OBSERVER, MEMBER_STATUS_NONE),
                 AUTHZ_ALLOW);
    cr_expect_eq(authz_member_patch(&fac, &mem, false, ROLE_FACILITATOR, MEMBER_STATUS_NONE),
                 AUTHZ_DENY_403);
    cr_expect_eq(authz_member_patch(&fac, &conv, false, ROLE_NONE, MEMBER_SUSPENDED),
                 AUTHZ_DENY_403);
    cr_expect_eq(authz_member_patch(&conv, &fac, false, ROLE_CONVENER, MEMBER_STATUS_NONE),
                 AUTHZ_ALLOW);
    /* Someone who left decides alone whether to come back. */
    cr_expect_eq(authz_member_patch(&conv, &left, false, ROLE_NONE, MEMBER_ACTIVE), AUTHZ_DENY_403);
}

/* --- later resources fit the same table ------------------------------------ */

enum proposal_state { P_DRAFT, P_DELIBERATION, P_BALLOT };

#define Y AUTHZ_YES
#define N AUTHZ_NO
#define A AUTHZ_IF_AUTHOR

/* "The author may edit in draft" (managers too, only their own). */
static const struct authz_rule edit_proposal = {
    .gate = AUTHZ_GATE_ACT,
    .cells =
        {[ROLE_CONVENER] = {N, A, N}, [ROLE_FACILITATOR] = {N, A, N}, [ROLE_MEMBER] = {N, A, N}},
    .states = 1u << P_DRAFT,
};

#undef Y
#undef N
#undef A

Test(authz, proposals_author_edits_in_draft)
{
    struct authz_subject author = as(ROLE_MEMBER, MEMBER_ACTIVE);
    struct authz_subject other = as(ROLE_MEMBER, MEMBER_ACTIVE);
    other.account_id = 8;
    struct authz_subject obs = as(ROLE_OBSERVER, MEMBER_ACTIVE);
    struct authz_resource draft = {.is_public = true, .author_id = 7, .state = P_DRAFT};
    struct authz_resource debated = {.is_public = true, .author_id = 7, .state = P_DELIBERATION};
    cr_expect_eq(authz_decide(&edit_proposal, &author, &draft), AUTHZ_ALLOW);
    cr_expect_eq(authz_decide(&edit_proposal, &other, &draft), AUTHZ_DENY_403);
    cr_expect_eq(authz_decide(&edit_proposal, &obs, &draft), AUTHZ_DENY_403);
    cr_expect_eq(authz_decide(&edit_proposal, &author, &debated), AUTHZ_STATE_409);
    cr_expect_eq(authz_decide(&edit_proposal, &anon, &draft), AUTHZ_NEED_LOGIN_401);
    struct authz_resource hidden = {.is_public = false, .author_id = 7, .state = P_DRAFT};
    struct authz_subject outsider = as(ROLE_NONE, MEMBER_STATUS_NONE);
    cr_expect_eq(authz_decide(&edit_proposal, &outsider, &hidden), AUTHZ_HIDE_404);
}

Test(authz, questions_members_vote_while_open)
{
    struct authz_subject mem = as(ROLE_MEMBER, MEMBER_ACTIVE);
    struct authz_subject obs = as(ROLE_OBSERVER, MEMBER_ACTIVE);
    struct authz_subject susp = as(ROLE_MEMBER, MEMBER_SUSPENDED);
    struct authz_resource open = {.is_public = true, .state = QUESTION_OPEN};
    struct authz_resource closed = {.is_public = true, .state = QUESTION_CLOSED};
    cr_expect_eq(authz_assembly(&mem, &open, AUTHZ_CAST_BALLOT), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&mem, &closed, AUTHZ_CAST_BALLOT), AUTHZ_STATE_409);
    cr_expect_eq(authz_assembly(&obs, &open, AUTHZ_CAST_BALLOT), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&susp, &open, AUTHZ_CAST_BALLOT), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&anon, &open, AUTHZ_CAST_BALLOT), AUTHZ_NEED_LOGIN_401);
}

/* --- comments (issue 10) ----------------------------------------------------- */

Test(authz, comments_authors_edit_managers_hide_observers_read)
{
    struct authz_subject author = as(ROLE_MEMBER, MEMBER_ACTIVE);
    struct authz_subject other = as(ROLE_MEMBER, MEMBER_ACTIVE);
    other.account_id = 8;
    struct authz_subject fac = as(ROLE_FACILITATOR, MEMBER_ACTIVE);
    fac.account_id = 9;
    struct authz_subject obs = as(ROLE_OBSERVER, MEMBER_ACTIVE);
    struct authz_subject susp = as(ROLE_MEMBER, MEMBER_SUSPENDED);
    struct authz_resource visible = {.is_public = true, .author_id = 7, .state = COMMENT_VISIBLE};
    struct authz_resource hidden = {.is_public = true, .author_id = 7, .state = COMMENT_HIDDEN};
    struct authz_resource deleted = {.is_public = true, .author_id = 7, .state = COMMENT_DELETED};
    cr_expect_eq(authz_assembly(&author, &visible, AUTHZ_EDIT_COMMENT), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&other, &visible, AUTHZ_EDIT_COMMENT), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&fac, &visible, AUTHZ_EDIT_COMMENT), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&author, &hidden, AUTHZ_EDIT_COMMENT), AUTHZ_STATE_409);
    cr_expect_eq(authz_assembly(&author, &deleted, AUTHZ_DELETE_COMMENT), AUTHZ_STATE_409);
    cr_expect_eq(authz_assembly(&fac, &visible, AUTHZ_HIDE_COMMENT), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&fac, &hidden, AUTHZ_HIDE_COMMENT), AUTHZ_STATE_409);
    cr_expect_eq(authz_assembly(&author, &visible, AUTHZ_HIDE_COMMENT), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&obs, &visible, AUTHZ_CREATE_COMMENT), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&obs, &visible, AUTHZ_READ_COMMENTS), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&susp, &visible, AUTHZ_CREATE_COMMENT), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&anon, &visible, AUTHZ_CREATE_COMMENT), AUTHZ_NEED_LOGIN_401);
    cr_expect_eq(authz_assembly(&other, &visible, AUTHZ_REVIEW_COMMENT_TRANSLATION), AUTHZ_ALLOW);
    cr_expect_eq(comment_status_parse("hidden"), COMMENT_HIDDEN);
    cr_expect_eq(comment_status_parse("Hidden"), COMMENT_STATUS__COUNT);
    cr_expect_eq(comment_status_parse(NULL), COMMENT_STATUS__COUNT);
}

/* --- core/domain.h ----------------------------------------------------------- */

Test(domain, roles_and_statuses_round_trip)
{
    for (int r = ROLE_NONE + 1; r < ROLE__COUNT; r++)
        cr_expect_eq(role_parse(role_name((enum role)r)), r);
    for (int s = MEMBER_STATUS_NONE + 1; s < MEMBER_STATUS__COUNT; s++)
        cr_expect_eq(member_status_parse(member_status_name((enum member_status)s)), s);
    cr_expect_eq(role_parse(NULL), ROLE_NONE);
    cr_expect_eq(role_parse("none"), ROLE_NONE);
    cr_expect_eq(role_parse("Convener"), ROLE_NONE);
    cr_expect_eq(member_status_parse("none"), MEMBER_STATUS_NONE);
    cr_expect_eq(member_status_parse(""), MEMBER_STATUS_NONE);
    cr_expect_str_eq(role_name(ROLE__COUNT), "none");
    cr_expect_str_eq(member_status_name(MEMBER_ACTIVE), "active");
}

/* --- proposals (issue 10) ----------------------------------------------------- */

/* The proposal actions over every author (the caller, someone else, none)
 * and every status, besides the cells above. */
Test(authz, proposal_cells_by_author_and_status)
{
    int cells = 0;
    for (int a = AUTHZ_READ_PROPOSAL; a < AUTHZ_READ_QUESTION; a++) {
        for (int login = 0; login < 2; login++) {
            for (int role = 0; role < ROLE__COUNT; role++) {
                for (int st = 0; st < MEMBER_STATUS__COUNT; st++) {
                    for (int pub = 0; pub < 2; pub++) {
                        for (int author = 0; author < 3; author++) {
                            for (int ps = 0; ps < PROPOSAL_STATUS__COUNT; ps++) {
                                struct authz_subject w = {.logged_in = login,
                                                          .account_id = login ? 7 : 0,
                                                          .role = (enum role)role,
                                                          .status = (enum member_status)st};
                                struct authz_resource r = {.is_public = pub,
                                                           .author_id = author == 0   ? 7
                                                                        : author == 1 ? 8
                                                                                      : 0,
                                                           .state = (unsigned)ps};
                                enum authz_decision want = reference(&w, &r, (enum authz_action)a);
                                enum authz_decision got =
                                    authz_assembly(&w, &r, (enum authz_action)a);
                                cr_expect_eq(got, want,
                                             "action %d login %d role %s status %s public %d "
                                             "author %d proposal %s: got %d want %d",
                                             a, login, role_name(w.role),
                                             member_status_name(w.status), pub, author,
                                             proposal_status_name((enum proposal_status)ps), got,
                                             want);
                                cells++;
                            }
                        }
                    }
                }
            }
        }
    }
    cr_expect_eq(cells, (AUTHZ_READ_QUESTION - AUTHZ_READ_PROPOSAL) * 2 * ROLE__COUNT *
                            MEMBER_STATUS__COUNT * 2 * 3 * PROPOSAL_STATUS__COUNT);
}

Test(authz, proposal_spot_checks)
{
    struct authz_subject author = as(ROLE_MEMBER, MEMBER_ACTIVE);
    struct authz_subject other = as(ROLE_MEMBER, MEMBER_ACTIVE);
    other.account_id = 8;
    struct authz_subject fac = as(ROLE_FACILITATOR, MEMBER_ACTIVE);
    fac.account_id = 9;
    struct authz_subject obs = as(ROLE_OBSERVER, MEMBER_ACTIVE);
    struct authz_resource draft = {.is_public = true, .author_id = 7, .state = PROPOSAL_DRAFT};
    struct authz_resource debate = {
        .is_public = true, .author_id = 7, .state = PROPOSAL_DELIBERATION};
    struct authz_resource ballot = {.is_public = true, .author_id = 7, .state = PROPOSAL_BALLOT};
    /* The author opens deliberation; a facilitator may not do it for them. */
    cr_expect_eq(authz_assembly(&author, &draft, AUTHZ_PROPOSAL_DELIBERATE), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&fac, &draft, AUTHZ_PROPOSAL_DELIBERATE), AUTHZ_DENY_403);
    /* A facilitator sends to ballot, the author cannot. */
    cr_expect_eq(authz_assembly(&fac, &debate, AUTHZ_PROPOSAL_BALLOT), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&author, &debate, AUTHZ_PROPOSAL_BALLOT), AUTHZ_DENY_403);
    /* Text: the author or a facilitator, never once on the ballot. */
    cr_expect_eq(authz_assembly(&fac, &debate, AUTHZ_EDIT_PROPOSAL), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&other, &debate, AUTHZ_EDIT_PROPOSAL), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&author, &ballot, AUTHZ_EDIT_PROPOSAL), AUTHZ_STATE_409);
    cr_expect_eq(authz_assembly(&author, &ballot, AUTHZ_PROPOSAL_WITHDRAW), AUTHZ_STATE_409);
    /* Endorse only in deliberation; observers never. */
    cr_expect_eq(authz_assembly(&other, &debate, AUTHZ_ENDORSE), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&other, &draft, AUTHZ_ENDORSE), AUTHZ_STATE_409);
    cr_expect_eq(authz_assembly(&obs, &debate, AUTHZ_ENDORSE), AUTHZ_DENY_403);
    /* A translation is reviewed by someone else than its translator (the
     * resource's author here); a machine translation has none. */
    cr_expect_eq(authz_assembly(&author, &draft, AUTHZ_REVIEW_TRANSLATION), AUTHZ_DENY_403);
    cr_expect_eq(authz_assembly(&other, &draft, AUTHZ_REVIEW_TRANSLATION), AUTHZ_ALLOW);
    struct authz_resource machine = {.is_public = true, .author_id = 0};
    cr_expect_eq(authz_assembly(&author, &machine, AUTHZ_REVIEW_TRANSLATION), AUTHZ_ALLOW);
    cr_expect_eq(authz_assembly(&anon, &machine, AUTHZ_REVIEW_TRANSLATION), AUTHZ_NEED_LOGIN_401);
}

Test(domain, proposal_lifecycle)
{
    for (int s = 0; s < PROPOSAL_STATUS__COUNT; s++)
        cr_expect_eq(proposal_status_parse(proposal_status_name((enum proposal_status)s)), s);
    cr_expect_eq(proposal_status_parse("Draft"), PROPOSAL_STATUS__COUNT);
    cr_expect_eq(proposal_status_parse(NULL), PROPOSAL_STATUS__COUNT);
    int moves = 0;
    for (int f = 0; f < PROPOSAL_STATUS__COUNT; f++)
        for (int t = 0; t < PROPOSAL_STATUS__COUNT; t++)
            moves += proposal_status_can_move((enum proposal_status)f, (enum proposal_status)t);
    cr_expect_eq(moves, 4, "draft→deliberation|withdrawn, deliberation→ballot|withdrawn only");
    cr_expect(proposal_status_can_move(PROPOSAL_DRAFT, PROPOSAL_DELIBERATION));
    cr_expect(proposal_status_can_move(PROPOSAL_DELIBERATION, PROPOSAL_BALLOT));
    cr_expect(proposal_status_can_move(PROPOSAL_DELIBERATION, PROPOSAL_WITHDRAWN));
    cr_expect(!proposal_status_can_move(PROPOSAL_DRAFT, PROPOSAL_BALLOT));
    cr_expect(!proposal_status_can_move(PROPOSAL_BALLOT, PROPOSAL_ADOPTED));
    cr_expect(!proposal_status_can_move(PROPOSAL_BALLOT, PROPOSAL_WITHDRAWN));
}
