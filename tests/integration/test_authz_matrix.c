/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_authz_matrix.c — the whole authorisation matrix over real HTTP
 * (issues 4 and 13): EVERY route `pnyxd routes` prints, with the exact
 * status of each cell.
 *
 * Three tables, each entry naming its route exactly as `pnyxd routes`
 * prints it ("METHOD PATTERN"; several entries may name one route, with a
 * note on what differs, e.g. a resource in a wrong state):
 *  - assembly-scoped routes × 13 caller kinds (anonymous, non-member,
 *    observer, member, facilitator, convener, suspended member, convener
 *    of another assembly, member who left, suspended facilitator,
 *    suspended convener, convener after logout, convener by session
 *    cookie without CSRF token) × public and members-only assemblies;
 *  - proposal routes × 12 kinds (the proposal's author among them);
 *  - routes outside any assembly (health, metrics, accounts, sessions, me,
 *    creating an assembly) × anonymous and logged in.
 * every_route_is_in_the_matrix compares the set of named routes with
 * `pnyxd routes`: a new route fails it until an entry (with a status for
 * every caller) names it, and so does an entry whose route is gone. Each
 * cell checks that the request it sends matches its entry's pattern, so
 * the names cannot drift from what is tested.
 *
 * Routes that change membership get a fresh caller (and target) per cell
 * so one cell never changes another's world (and invitation routes a
 * fresh invitation). Members-only assemblies must be indistinguishable
 * from missing ones to outsiders: every 404 cell is compared, body and
 * all, with the same request for a missing id; no 2xx of a members-only
 * assembly may be cacheable by a shared cache (Cache-Control public).
 * cross_assembly_ids checks the routes with two ids look the inner one up
 * inside the outer.
 */
#include <time.h>

#include "assembly_util.h"
#include "comment_util.h"

/* OTHER: the convener of another assembly, a non-member here: every
 * route that takes a global id (a proposal, comment, selection, question,
 * invitation) must look up the caller's standing in the resource's own
 * assembly, so this column equals the non-member's. LEFT: a member who
 * set their own status to left, a non-member again (authz.h): the same
 * column, though their membership row remains. SUSPF, SUSPC: a suspended
 * facilitator and convener read like any suspended member and act no
 * more than one: the suspended member's column. GONE: a convener's
 * token after they logged out (DELETE /sessions/current): anonymous
 * everywhere, the anonymous column. COOKIE: a convener whose session
 * comes as the pnyx_session cookie without X-CSRF-Token: reads as the
 * convener, and every request that changes state refused (403 csrf). */
enum who {
    ANON,
    NONMEM,
    OBS,
    MEM,
    FAC,
    CONV,
    SUSP,
    OTHER,
    LEFT,
    SUSPF,
    SUSPC,
    GONE,
    COOKIE,
    N_WHO
};
static const char *who_name[N_WHO] = {"anonymous",
                                      "non-member",
                                      "observer",
                                      "member",
                                      "facilitator",
                                      "convener",
                                      "suspended",
                                      "convener elsewhere",
                                      "member who left",
                                      "suspended facilitator",
                                      "suspended convener",
                                      "convener logged out",
                                      "convener by cookie, no CSRF token"};

enum route {
    R_READ,
    R_UPDATE,
    R_JOIN,
    R_INVITE,
    R_ACCEPT,
    R_MEMBERS,
    R_PATCH_MEMBER,
    R_LEAVE,
    R_AUDIT,
    R_CHECKPOINT,
    R_INCLUSION,
    R_CONSISTENCY,
    R_KEY,
    R_LIST,
    R_INV_LIST,
    R_INV_REVOKE,
    R_INV_PREVIEW,
    /* comments (issue 10) */
    R_C_LIST,
    R_C_CREATE,
    R_C_EDIT,
    R_C_DELETE,
    R_C_HIDE,
    R_C_TRANSLATE,
    R_C_REVIEW,
    R_C_VERSIONS,
    /* machine translation (issue 10, mt) */
    R_T_LANGUAGES,
    R_T_JOBS,
    /* selections by lot (issue 14, sortdraw): a draft selection */
    R_S_CREATE,
    R_S_LIST,
    R_S_GET,
    R_S_PATCH,
    R_S_POOL,
    R_S_RUNS,
    R_S_DRAW_JSON,
    R_S_PUBLISH,
    R_S_RANDOMNESS,
    R_S_VOLUNTEER,
    R_S_PUT_POOL,
    R_S_POST_RUN,
    R_S_COMMIT,
    R_S_REVEAL,
    R_S_DRAW,
    R_S_DECLINE,
    R_S_REPLACEMENTS,
    /* results and exports of a tallied question (issue 11, qresult) */
    R_Q_RESULT,
    R_Q_EXPORT,
    /* questions (issue 11, qlife) */
    R_Q_LIST,
    R_Q_CREATE,
    R_Q_GET,
    R_Q_PATCH,
    R_Q_TRANSLATE,
    R_Q_OPEN,
    R_Q_CLOSE,
    R_Q_PARTICIPATION,
    /* ballots (issue 11, qballot) */
    R_B_CAST,
    R_B_BOARD,
    R_B_RECEIPT,
    /* the auditor's record (issue 12, audit12) */
    R_RECORD,
    /* witnesses (issue 12, wit12) */
    R_WITNESSES,
    R_UPDATE_QUORUM,
    /* selections: an optimiser run (GET, cancel) and a respondent's own
     * commitment check, on a second selection with a one-row pool */
    R_S_RUN_GET,
    R_S_RUN_CANCEL,
    R_S_COMMITMENT,
    /* resources in a state the action is not for: an allowed caller gets
     * 409, everyone else what they get in the right state (403, and 404
     * where the assembly is hidden from them: the state must not show
     * through before the standing is checked) */
    R_Q_RESULT_OPEN,
    R_Q_EXPORT_OPEN,
    R_B_BOARD_OPEN,
    R_Q_PARTICIPATION_DRAFT,
    R_B_CAST_CLOSED,
    R_Q_PATCH_OPEN,
    R_Q_OPEN_OPEN,
    R_Q_CLOSE_DRAFT,
    R_Q_TRANSLATE_OPEN,
    R_C_CREATE_CLOSED,
    /* roles: only conveners make conveners; nobody promotes themselves */
    R_MAKE_CONVENER,
    R_SELF_PROMOTE,
    N_ROUTE
};
/* Each entry's route exactly as `pnyxd routes` prints it ("METHOD
 * PATTERN"; several entries may name one route, with a note on what
 * differs): every_route_is_in_the_matrix checks the set against the
 * server's table, and run_cell checks that the request it sends is one
 * the entry's pattern matches. */
struct route_def {
    const char *route;
    const char *note; /* "" or what this entry does with the route */
};
static const struct route_def route_def[N_ROUTE] = {
    [R_READ] = {"GET /api/v1/assemblies/{aid}", ""},
    [R_UPDATE] = {"PATCH /api/v1/assemblies/{aid}", "description"},
    [R_JOIN] = {"POST /api/v1/assemblies/{aid}/join", ""},
    [R_INVITE] = {"POST /api/v1/assemblies/{aid}/invitations", ""},
    [R_ACCEPT] = {"POST /api/v1/invitations/{code}/accept", ""},
    [R_MEMBERS] = {"GET /api/v1/assemblies/{aid}/members", ""},
    [R_PATCH_MEMBER] = {"PATCH /api/v1/assemblies/{aid}/members/{account_id}", "suspend another"},
    [R_LEAVE] = {"PATCH /api/v1/assemblies/{aid}/members/{account_id}", "own status=left"},
    [R_AUDIT] = {"GET /api/v1/assemblies/{aid}/audit", ""},
    [R_CHECKPOINT] = {"GET /api/v1/assemblies/{aid}/audit/checkpoint", ""},
    [R_INCLUSION] = {"GET /api/v1/assemblies/{aid}/audit/proof/inclusion", ""},
    [R_CONSISTENCY] = {"GET /api/v1/assemblies/{aid}/audit/proof/consistency", ""},
    [R_KEY] = {"GET /api/v1/audit/key", ""},
    [R_LIST] = {"GET /api/v1/assemblies", ""},
    [R_INV_LIST] = {"GET /api/v1/assemblies/{aid}/invitations", ""},
    [R_INV_REVOKE] = {"DELETE /api/v1/assemblies/{aid}/invitations/{id}", ""},
    [R_INV_PREVIEW] = {"GET /api/v1/invitations/{code}", ""},
    [R_C_LIST] = {"GET /api/v1/proposals/{pid}/comments", ""},
    [R_C_CREATE] = {"POST /api/v1/proposals/{pid}/comments", ""},
    [R_C_EDIT] = {"PATCH /api/v1/comments/{cid}", ""},
    [R_C_DELETE] = {"DELETE /api/v1/comments/{cid}", ""},
    [R_C_HIDE] = {"POST /api/v1/comments/{cid}/hide", ""},
    [R_C_TRANSLATE] = {"POST /api/v1/comments/{cid}/translations", ""},
    [R_C_REVIEW] = {"POST /api/v1/comments/{cid}/translations/{lang}/review", ""},
    [R_C_VERSIONS] = {"GET /api/v1/comments/{cid}/versions", ""},
    [R_T_LANGUAGES] = {"GET /api/v1/translation/languages", ""},
    [R_T_JOBS] = {"GET /api/v1/assemblies/{aid}/translation-jobs", ""},
    [R_S_CREATE] = {"POST /api/v1/assemblies/{aid}/selections", ""},
    [R_S_LIST] = {"GET /api/v1/assemblies/{aid}/selections", ""},
    [R_S_GET] = {"GET /api/v1/selections/{sid}", ""},
    [R_S_PATCH] = {"PATCH /api/v1/selections/{sid}", ""},
    [R_S_POOL] = {"GET /api/v1/selections/{sid}/pool", ""},
    [R_S_RUNS] = {"GET /api/v1/selections/{sid}/runs", ""},
    [R_S_DRAW_JSON] = {"GET /api/v1/selections/{sid}/draw.json", ""},
    [R_S_PUBLISH] = {"POST /api/v1/selections/{sid}/publish", ""},
    [R_S_RANDOMNESS] = {"POST /api/v1/selections/{sid}/randomness", ""},
    [R_S_VOLUNTEER] = {"POST /api/v1/selections/{sid}/volunteers", ""},
    [R_S_PUT_POOL] = {"PUT /api/v1/selections/{sid}/pool", ""},
    [R_S_POST_RUN] = {"POST /api/v1/selections/{sid}/runs", ""},
    [R_S_COMMIT] = {"POST /api/v1/selections/{sid}/commit", ""},
    [R_S_REVEAL] = {"POST /api/v1/selections/{sid}/randomness/reveal", ""},
    [R_S_DRAW] = {"POST /api/v1/selections/{sid}/draw", ""},
    [R_S_DECLINE] = {"POST /api/v1/selections/{sid}/respondents/{pseudonym}/decline", ""},
    [R_S_REPLACEMENTS] = {"POST /api/v1/selections/{sid}/replacements", ""},
    [R_Q_RESULT] = {"GET /api/v1/questions/{qid}/result", ""},
    [R_Q_EXPORT] = {"GET /api/v1/questions/{qid}/export", ""},
    [R_Q_LIST] = {"GET /api/v1/assemblies/{aid}/questions", ""},
    [R_Q_CREATE] = {"POST /api/v1/assemblies/{aid}/questions", ""},
    [R_Q_GET] = {"GET /api/v1/questions/{qid}", ""},
    [R_Q_PATCH] = {"PATCH /api/v1/questions/{qid}", ""},
    [R_Q_TRANSLATE] = {"POST /api/v1/questions/{qid}/translations", ""},
    [R_Q_OPEN] = {"POST /api/v1/questions/{qid}/open", ""},
    [R_Q_CLOSE] = {"POST /api/v1/questions/{qid}/close", ""},
    [R_Q_PARTICIPATION] = {"GET /api/v1/questions/{qid}/participation", ""},
    [R_B_CAST] = {"POST /api/v1/questions/{qid}/ballots", ""},
    [R_B_BOARD] = {"GET /api/v1/questions/{qid}/ballots", ""},
    [R_B_RECEIPT] = {"GET /api/v1/questions/{qid}/ballots/{receipt}", ""},
    [R_RECORD] = {"GET /api/v1/assemblies/{aid}/record", ""},
    [R_WITNESSES] = {"GET /api/v1/assemblies/{aid}/audit/witnesses", ""},
    [R_UPDATE_QUORUM] = {"PATCH /api/v1/assemblies/{aid}", "witness_quorum"},
    [R_S_RUN_GET] = {"GET /api/v1/selections/{sid}/runs/{rid}", ""},
    [R_S_RUN_CANCEL] = {"DELETE /api/v1/selections/{sid}/runs/{rid}", ""},
    [R_S_COMMITMENT] = {"GET /api/v1/selections/{sid}/commitment", ""},
    [R_Q_RESULT_OPEN] = {"GET /api/v1/questions/{qid}/result", "open, not tallied"},
    [R_Q_EXPORT_OPEN] = {"GET /api/v1/questions/{qid}/export", "open, not tallied"},
    [R_B_BOARD_OPEN] = {"GET /api/v1/questions/{qid}/ballots", "open, not closed"},
    [R_Q_PARTICIPATION_DRAFT] = {"GET /api/v1/questions/{qid}/participation", "a draft"},
    [R_B_CAST_CLOSED] = {"POST /api/v1/questions/{qid}/ballots", "closed"},
    [R_Q_PATCH_OPEN] = {"PATCH /api/v1/questions/{qid}", "open, not a draft"},
    [R_Q_OPEN_OPEN] = {"POST /api/v1/questions/{qid}/open", "already open"},
    [R_Q_CLOSE_DRAFT] = {"POST /api/v1/questions/{qid}/close", "a draft"},
    [R_Q_TRANSLATE_OPEN] = {"POST /api/v1/questions/{qid}/translations", "open, not a draft"},
    [R_C_CREATE_CLOSED] = {"POST /api/v1/proposals/{pid}/comments", "a withdrawn proposal"},
    [R_MAKE_CONVENER] = {"PATCH /api/v1/assemblies/{aid}/members/{account_id}",
                         "another member's role=convener"},
    [R_SELF_PROMOTE] = {"PATCH /api/v1/assemblies/{aid}/members/{account_id}", "own role=convener"},
};

/* "ROUTE" or "ROUTE [note]" for messages (static buffer). */
static const char *label(const struct route_def *d)
{
    static char buf[256];
    snprintf(buf, sizeof buf, d->note[0] != '\0' ? "%s [%s]" : "%s", d->route, d->note);
    return buf;
}

/* True when `route` ("METHOD /pattern", {name} = one non-empty segment)
 * matches method and path (its query string ignored). */
static bool route_matches(const char *route, const char *method, const char *path)
{
    size_t ml = strlen(method);
    if (strncmp(route, method, ml) != 0 || route[ml] != ' ') {
        return false;
    }
    const char *p = route + ml + 1, *q = path;
    while (*p != '\0') {
        if (*q == '\0' || *q == '?') {
            return false;
        }
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (close == NULL) {
                return false;
            }
            size_t n = strcspn(q, "/?");
            if (n == 0) {
                return false;
            }
            p = close + 1;
            q += n;
        } else if (*p++ != *q++) {
            return false;
        }
    }
    return *q == '\0' || *q == '?';
}

/* path with its first all-digit segment (the resource the route is
 * scoped by: an assembly, proposal, comment, selection or question) made
 * an id that does not exist (static buffer). */
static const char *missing_variant(const char *path)
{
    static char out[512];
    const char *q = strchr(path, '?');
    size_t plen = q != NULL ? (size_t)(q - path) : strlen(path);
    for (const char *seg = path; seg < path + plen;) {
        seg++; /* past '/' */
        size_t n = strcspn(seg, "/?");
        bool digits = n > 0;
        for (size_t i = 0; i < n; i++) {
            digits = digits && seg[i] >= '0' && seg[i] <= '9';
        }
        if (digits) {
            snprintf(out, sizeof out, "%.*s9223372036854775807%s", (int)(seg - path), path,
                     seg + n);
            return out;
        }
        seg += n;
    }
    snprintf(out, sizeof out, "%s", path);
    return out;
}

/* it_req, or with u's session as the pnyx_session cookie (and no
 * X-CSRF-Token) when cookie. */
static struct h_resp *cell_req(struct h_server *s, const char *method, const char *path,
                               const struct it_user *u, const json_t *body, bool cookie)
{
    if (!cookie || u == NULL) {
        return it_req(s, method, path, u, body);
    }
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Cookie: pnyx_session=%s", u->token);
    const char *hs[2] = {hdr, NULL};
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    struct h_resp *r = h_request(s, method, path, text, hs);
    free(text);
    cr_assert(r != NULL, "%s %s: transfer failed", method, path);
    return r;
}

/* Sends one cell's request; its problem type into type. When the cell
 * expects the resource to be hidden from the caller (404), the same
 * request for a missing id must get the same answer, word for word (the
 * request id aside): a different detail or status would tell the caller
 * that the hidden resource exists. */
static long send_cell(struct h_server *s, const char *method, const char *path,
                      const struct it_user *u, const json_t *body, bool cookie, bool members,
                      bool hidden, char *type, size_t typelen)
{
    struct h_resp *resp = cell_req(s, method, path, u, body, cookie);
    long st = resp->status;
    snprintf(type, typelen, "%s", it_problem(resp));
    if (members && st >= 200 && st < 300) {
        /* What members of a members-only assembly read, no shared cache
         * may keep and hand to someone else. */
        const char *cc = h_header(resp, "Cache-Control");
        cr_expect(cc != NULL && strstr(cc, "public") == NULL, "%s %s: Cache-Control %s", method,
                  path, cc != NULL ? cc : "(none)");
    }
    if (hidden && st == 404) {
        const char *mpath = missing_variant(path);
        cr_assert_str_neq(mpath, path, "%s %s: no id to replace", method, path);
        struct h_resp *missing = cell_req(s, method, mpath, u, body, cookie);
        cr_expect_eq(missing->status, 404, "%s %s: %ld", method, mpath, missing->status);
        if (resp->json != NULL && missing->json != NULL) {
            json_object_del(resp->json, "request_id");
            json_object_del(missing->json, "request_id");
            cr_expect(json_equal(resp->json, missing->json),
                      "%s %s: hidden %s differs from missing %s", method, path, resp->body,
                      missing->body);
        } else {
            cr_expect(resp->json == NULL && missing->json == NULL, "%s %s: %s vs %s", method, path,
                      resp->body, missing->body);
        }
        h_resp_free(missing);
    }
    h_resp_free(resp);
    return st;
}

/* Routes whose cell changes the caller's (or a target's) membership. */
static const bool mutating[N_ROUTE] = {
    [R_JOIN] = true,  [R_ACCEPT] = true,        [R_PATCH_MEMBER] = true,
    [R_LEAVE] = true, [R_MAKE_CONVENER] = true, [R_SELF_PROMOTE] = true};

/* Expected status per route and caller: [route][who]. */
static const long expect_public[N_ROUTE][N_WHO] = {
    /*                  anon nonm obs  mem  fac  conv susp other left susf susc gone cook */
    [R_READ] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_UPDATE] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_JOIN] = {401, 201, 409, 409, 409, 409, 403, 201, 201, 403, 403, 401, 403},
    [R_INVITE] = {401, 403, 403, 403, 201, 201, 403, 403, 403, 403, 403, 401, 403},
    [R_ACCEPT] = {401, 201, 409, 409, 409, 409, 403, 201, 201, 403, 403, 401, 403},
    [R_MEMBERS] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_PATCH_MEMBER] = {401, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_LEAVE] = {401, 403, 200, 200, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_AUDIT] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_CHECKPOINT] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_INCLUSION] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_CONSISTENCY] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_KEY] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_LIST] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_INV_LIST] = {401, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 401, 200},
    [R_INV_REVOKE] = {401, 403, 403, 403, 204, 204, 403, 403, 403, 403, 403, 401, 403},
    [R_INV_PREVIEW] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_C_LIST] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_C_CREATE] = {401, 403, 403, 201, 201, 201, 403, 403, 403, 403, 403, 401, 403},
    [R_C_EDIT] = {401, 403, 403, 200, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_C_DELETE] = {401, 403, 403, 200, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_C_HIDE] = {401, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_C_TRANSLATE] = {401, 403, 403, 201, 201, 201, 403, 403, 403, 403, 403, 401, 403},
    [R_C_REVIEW] = {401, 403, 403, 200, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_C_VERSIONS] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    /* machine translation (issue 10, mt) */
    [R_T_LANGUAGES] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_T_JOBS] = {401, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 401, 200},
    /* selections (draft: publish 409 for the convener, randomness 409 for
     * members, the call closed: volunteers 409) */
    [R_S_CREATE] = {401, 403, 403, 403, 403, 201, 403, 403, 403, 403, 403, 401, 403},
    [R_S_LIST] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_S_GET] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_S_PATCH] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_S_POOL] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 200},
    [R_S_RUNS] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 200},
    [R_S_DRAW_JSON] = {409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409},
    [R_S_PUBLISH] = {401, 403, 403, 403, 403, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_S_RANDOMNESS] = {401, 403, 409, 409, 409, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_S_VOLUNTEER] = {401, 409, 409, 409, 409, 409, 403, 409, 409, 403, 403, 401, 403},
    /* the convener: an empty pool is fine (200); a run or a commit needs k
     * (422); reveal, draw and replacements are not for a draft (409); no
     * such pseudonym (404) */
    [R_S_PUT_POOL] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_S_POST_RUN] = {401, 403, 403, 403, 403, 422, 403, 403, 403, 403, 403, 401, 403},
    [R_S_COMMIT] = {401, 403, 403, 403, 403, 422, 403, 403, 403, 403, 403, 401, 403},
    [R_S_REVEAL] = {401, 403, 409, 409, 409, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_S_DRAW] = {401, 403, 403, 403, 403, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_S_DECLINE] = {401, 403, 403, 403, 403, 404, 403, 403, 403, 403, 403, 401, 403},
    [R_S_REPLACEMENTS] = {401, 403, 403, 403, 403, 409, 403, 403, 403, 403, 403, 401, 403},
    /* results: anyone who may read the assembly, once tallied */
    [R_Q_RESULT] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_Q_EXPORT] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    /* questions (issue 11, qlife): a draft (get, patch, translate, open: a
     * fresh one per cell), an open one (close: fresh per cell; participation) */
    [R_Q_LIST] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_Q_CREATE] = {401, 403, 403, 403, 201, 201, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_GET] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_Q_PATCH] = {401, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_TRANSLATE] = {401, 403, 403, 201, 201, 201, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_OPEN] = {401, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_CLOSE] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_PARTICIPATION] = {401, 403, 200, 200, 200, 200, 200, 403, 403, 200, 200, 401, 200},
    /* ballots (issue 11, qballot): a cast on a question opened for the
     * cell (everyone who may vote is on its roll); the board and a
     * receipt of a closed question with one ballot */
    [R_B_CAST] = {401, 403, 403, 201, 201, 201, 403, 403, 403, 403, 403, 401, 403},
    [R_B_BOARD] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_B_RECEIPT] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    /* the record: same visibility as the audit log (issue 12) */
    [R_RECORD] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_WITNESSES] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_UPDATE_QUORUM] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
    /* a run (running, its lease far ahead: no worker takes it, and a
     * cancel only sets its flag, so every convener cell answers 200) */
    [R_S_RUN_GET] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 200},
    [R_S_RUN_CANCEL] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
    /* anyone with a pseudonym and its salt checks it in a readable assembly */
    [R_S_COMMITMENT] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    /* wrong states (the shared open, draft and closed questions; a withdrawn
     * proposal) */
    [R_Q_RESULT_OPEN] = {409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409},
    [R_Q_EXPORT_OPEN] = {409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409},
    [R_B_BOARD_OPEN] = {409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409, 409},
    [R_Q_PARTICIPATION_DRAFT] = {401, 403, 409, 409, 409, 409, 409, 403, 403, 409, 409, 401, 409},
    [R_B_CAST_CLOSED] = {401, 403, 403, 409, 409, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_PATCH_OPEN] = {401, 403, 403, 403, 409, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_OPEN_OPEN] = {401, 403, 403, 403, 409, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_CLOSE_DRAFT] = {401, 403, 403, 403, 403, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_Q_TRANSLATE_OPEN] = {401, 403, 403, 409, 409, 409, 403, 403, 403, 403, 403, 401, 403},
    [R_C_CREATE_CLOSED] = {401, 403, 403, 409, 409, 409, 403, 403, 403, 403, 403, 401, 403},
    /* a facilitator manages members and observers only; a convener
     * naming themselves convener changes nothing (200) */
    [R_MAKE_CONVENER] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
    [R_SELF_PROMOTE] = {401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 401, 403},
};
static const long expect_members[N_ROUTE][N_WHO] = {
    /*                  anon nonm obs  mem  fac  conv susp other left susf susc gone cook */
    [R_READ] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_UPDATE] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_JOIN] = {401, 404, 409, 409, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_INVITE] = {401, 404, 403, 403, 201, 201, 403, 404, 404, 403, 403, 401, 403},
    [R_ACCEPT] = {401, 201, 409, 409, 409, 409, 403, 201, 201, 403, 403, 401, 403},
    [R_MEMBERS] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_PATCH_MEMBER] = {401, 404, 403, 403, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_LEAVE] = {401, 404, 200, 200, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_AUDIT] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_CHECKPOINT] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_INCLUSION] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_CONSISTENCY] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_KEY] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_LIST] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_INV_LIST] = {401, 404, 403, 403, 200, 200, 403, 404, 404, 403, 403, 401, 200},
    [R_INV_REVOKE] = {401, 404, 403, 403, 204, 204, 403, 404, 404, 403, 403, 401, 403},
    [R_INV_PREVIEW] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_C_LIST] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_C_CREATE] = {401, 404, 403, 201, 201, 201, 403, 404, 404, 403, 403, 401, 403},
    [R_C_EDIT] = {401, 404, 403, 200, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_C_DELETE] = {401, 404, 403, 200, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_C_HIDE] = {401, 404, 403, 403, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_C_TRANSLATE] = {401, 404, 403, 201, 201, 201, 403, 404, 404, 403, 403, 401, 403},
    [R_C_REVIEW] = {401, 404, 403, 200, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_C_VERSIONS] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    /* machine translation (issue 10, mt) */
    [R_T_LANGUAGES] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [R_T_JOBS] = {401, 404, 403, 403, 200, 200, 403, 404, 404, 403, 403, 401, 200},
    [R_S_CREATE] = {401, 404, 403, 403, 403, 201, 403, 404, 404, 403, 403, 401, 403},
    [R_S_LIST] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_S_GET] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_S_PATCH] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_S_POOL] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 200},
    [R_S_RUNS] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 200},
    [R_S_DRAW_JSON] = {404, 404, 409, 409, 409, 409, 409, 404, 404, 409, 409, 404, 409},
    [R_S_PUBLISH] = {401, 404, 403, 403, 403, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_S_RANDOMNESS] = {401, 404, 409, 409, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_S_VOLUNTEER] = {401, 404, 409, 409, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_S_PUT_POOL] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_S_POST_RUN] = {401, 404, 403, 403, 403, 422, 403, 404, 404, 403, 403, 401, 403},
    [R_S_COMMIT] = {401, 404, 403, 403, 403, 422, 403, 404, 404, 403, 403, 401, 403},
    [R_S_REVEAL] = {401, 404, 409, 409, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_S_DRAW] = {401, 404, 403, 403, 403, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_S_DECLINE] = {401, 404, 403, 403, 403, 404, 403, 404, 404, 403, 403, 401, 403},
    [R_S_REPLACEMENTS] = {401, 404, 403, 403, 403, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_RESULT] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_Q_EXPORT] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_Q_LIST] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_Q_CREATE] = {401, 404, 403, 403, 201, 201, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_GET] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_Q_PATCH] = {401, 404, 403, 403, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_TRANSLATE] = {401, 404, 403, 201, 201, 201, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_OPEN] = {401, 404, 403, 403, 200, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_CLOSE] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_PARTICIPATION] = {401, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 401, 200},
    /* ballots (issue 11, qballot) */
    [R_B_CAST] = {401, 404, 403, 201, 201, 201, 403, 404, 404, 403, 403, 401, 403},
    [R_B_BOARD] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_B_RECEIPT] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    /* the record: same visibility as the audit log (issue 12) */
    [R_RECORD] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_WITNESSES] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_UPDATE_QUORUM] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_S_RUN_GET] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 200},
    [R_S_RUN_CANCEL] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_S_COMMITMENT] = {404, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200, 404, 200},
    [R_Q_RESULT_OPEN] = {404, 404, 409, 409, 409, 409, 409, 404, 404, 409, 409, 404, 409},
    [R_Q_EXPORT_OPEN] = {404, 404, 409, 409, 409, 409, 409, 404, 404, 409, 409, 404, 409},
    [R_B_BOARD_OPEN] = {404, 404, 409, 409, 409, 409, 409, 404, 404, 409, 409, 404, 409},
    [R_Q_PARTICIPATION_DRAFT] = {401, 404, 409, 409, 409, 409, 409, 404, 404, 409, 409, 401, 409},
    [R_B_CAST_CLOSED] = {401, 404, 403, 409, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_PATCH_OPEN] = {401, 404, 403, 403, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_OPEN_OPEN] = {401, 404, 403, 403, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_CLOSE_DRAFT] = {401, 404, 403, 403, 403, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_Q_TRANSLATE_OPEN] = {401, 404, 403, 409, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_C_CREATE_CLOSED] = {401, 404, 403, 409, 409, 409, 403, 404, 404, 403, 403, 401, 403},
    [R_MAKE_CONVENER] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
    [R_SELF_PROMOTE] = {401, 404, 403, 403, 403, 200, 403, 404, 404, 403, 403, 401, 403},
};

struct world {
    struct h_server *s;
    int64_t sid;            /* a draft selection of the assembly (issue 14) */
    struct it_user creator; /* first convener */
    int64_t aid;
    int64_t pid;                  /* a proposal in deliberation, for the comment routes */
    int64_t pclosed;              /* a withdrawn proposal (comments closed) */
    bool members;                 /* the assembly is members-only */
    const long (*expect)[N_WHO];  /* the walk's expected statuses */
    int64_t qid;                  /* a tallied question (issue 11, qresult) */
    struct it_user who[N_WHO];    /* shared callers for non-mutating routes */
    int64_t qdraft, qopen;        /* questions (issue 11): a draft, an open one */
    int64_t qclosed;              /* ballots (issue 11): closed with one ballot … */
    char receipt[65];             /* … whose receipt this is */
    int64_t sid2, rid;            /* a second selection with a one-row pool, and a run of it */
    char pseudonym[80], salt[80]; /* its respondent's pseudonym and salt */
};

/* A question of the world's assembly by its creator (issue 11), opened
 * when open. */
static int64_t q_new(struct world *wd, bool open)
{
    char path[128], t[32];
    time_t now = time(NULL) + 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/questions", (long long)wd->aid);
    json_t *b =
        json_pack("{s:s, s:s, s:[{s:s},{s:s}], s:s, s:s}", "title", "matrix", "method", "irv",
                  "options", "label", "yes", "label", "no", "closes_at", t, "secrecy", "secret");
    struct h_resp *r = it_req(wd->s, "POST", path, &wd->creator, b);
    json_decref(b);
    cr_assert_eq(r->status, 201, "question: %ld %s", r->status, r->body);
    int64_t qid = it_int(r->json, "id");
    h_resp_free(r);
    if (open) {
        snprintf(path, sizeof path, "/api/v1/questions/%lld/open", (long long)qid);
        cr_assert_eq(it_status(wd->s, "POST", path, &wd->creator, NULL), 200);
    }
    return qid;
}

static const char *role_of[N_WHO] = {NULL,       NULL,       "observer", "member", "facilitator",
                                     "convener", "member",   NULL,       "member", "facilitator",
                                     "convener", "convener", "convener"};

/* A caller of kind w: a fresh account, made member with the right role and
 * status unless anonymous / non-member. */
static struct it_user make_who(struct world *wd, enum who w)
{
    struct it_user u;
    memset(&u, 0, sizeof u);
    if (w == ANON) {
        return u;
    }
    if (w == NONMEM) {
        return it_user_new(wd->s, "NO");
    }
    if (w == OTHER) {
        u = it_user_new(wd->s, "PT");
        (void)it_assembly_new(wd->s, &u, "members", "invite");
        return u;
    }
    u = it_member_new(wd->s, &wd->creator, wd->aid, role_of[w],
                      w == SUSP || w == SUSPF || w == SUSPC ? "suspended" : "active", "CH");
    if (w == LEFT) {
        cr_assert_eq(it_patch_member(wd->s, &u, wd->aid, u.id, NULL, "left"), 200);
    }
    if (w == GONE) {
        cr_assert_eq(it_status(wd->s, "DELETE", "/api/v1/sessions/current", &u, NULL), 204);
    }
    return u;
}

static long run_cell(struct world *wd, enum route r, enum who w, const struct it_user *u,
                     bool hidden, char *type, size_t typelen)
{
    struct h_server *s = wd->s;
    const struct it_user *caller = w == ANON ? NULL : u;
    long long aid = (long long)wd->aid;
    char path[256];
    const char *method = "GET";
    json_t *body = NULL;
    char *code = NULL;
    switch (r) {
    case R_READ:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld", aid);
        break;
    case R_UPDATE:
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld", aid);
        body = json_pack("{s:s}", "description", "matrix");
        break;
    case R_JOIN:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/join", aid);
        break;
    case R_INVITE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/invitations", aid);
        body = json_pack("{s:s}", "role", "member");
        break;
    case R_ACCEPT:
        method = "POST";
        code = it_invite(s, &wd->creator, wd->aid, "member", 1);
        snprintf(path, sizeof path, "/api/v1/invitations/%s/accept", code);
        break;
    case R_MEMBERS:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members", aid);
        break;
    case R_PATCH_MEMBER: {
        struct it_user target = it_member_new(s, &wd->creator, wd->aid, "member", "active", "AT");
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members/%lld", aid,
                 (long long)target.id);
        body = json_pack("{s:s}", "status", "suspended");
        break;
    }
    case R_LEAVE:
    case R_SELF_PROMOTE:
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members/%lld", aid,
                 (long long)(w == ANON ? wd->creator.id : u->id));
        body = r == R_LEAVE ? json_pack("{s:s}", "status", "left")
                            : json_pack("{s:s}", "role", "convener");
        break;
    case R_MAKE_CONVENER: {
        struct it_user target = it_member_new(s, &wd->creator, wd->aid, "member", "active", "AT");
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members/%lld", aid,
                 (long long)target.id);
        body = json_pack("{s:s}", "role", "convener");
        break;
    }
    case R_AUDIT:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit", aid);
        break;
    case R_RECORD: /* issue 12 */
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/record", aid);
        break;
    case R_WITNESSES: /* issue 12, wit12 */
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/witnesses", aid);
        break;
    case R_UPDATE_QUORUM: /* no witnesses configured here: 0 is the one valid k */
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld", aid);
        body = json_pack("{s:i}", "witness_quorum", 0);
        break;
    case R_S_RUN_GET:
    case R_S_RUN_CANCEL:
        method = r == R_S_RUN_CANCEL ? "DELETE" : "GET";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/runs/%lld", (long long)wd->sid2,
                 (long long)wd->rid);
        break;
    case R_S_COMMITMENT:
        snprintf(path, sizeof path, "/api/v1/selections/%lld/commitment?pseudonym=%s&salt=%s",
                 (long long)wd->sid2, wd->pseudonym, wd->salt);
        break;
    case R_Q_RESULT_OPEN:
    case R_Q_EXPORT_OPEN:
    case R_B_BOARD_OPEN:
        snprintf(path, sizeof path, "/api/v1/questions/%lld/%s", (long long)wd->qopen,
                 r == R_Q_RESULT_OPEN   ? "result"
                 : r == R_Q_EXPORT_OPEN ? "export?format=pnyx"
                                        : "ballots");
        break;
    case R_Q_PARTICIPATION_DRAFT:
        snprintf(path, sizeof path, "/api/v1/questions/%lld/participation", (long long)wd->qdraft);
        break;
    case R_B_CAST_CLOSED:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/ballots", (long long)wd->qclosed);
        body = json_pack("{s:[s,s]}", "ranking", "B", "A");
        break;
    case R_Q_PATCH_OPEN:
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/questions/%lld", (long long)wd->qopen);
        body = json_pack("{s:s}", "title", "matrix");
        break;
    case R_Q_OPEN_OPEN:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/open", (long long)wd->qopen);
        break;
    case R_Q_CLOSE_DRAFT:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/close", (long long)wd->qdraft);
        body = json_pack("{s:s}", "reason", "matrix");
        break;
    case R_Q_TRANSLATE_OPEN:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/translations", (long long)wd->qopen);
        body = json_pack("{s:s, s:s}", "language", "fr", "title", "matrice");
        break;
    case R_C_CREATE_CLOSED:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)wd->pclosed);
        body = json_pack("{s:s, s:s}", "body", "matrix", "language", "en");
        break;
    case R_CHECKPOINT:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/checkpoint", aid);
        break;
    case R_INCLUSION:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/proof/inclusion?index=0", aid);
        break;
    case R_CONSISTENCY:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit/proof/consistency?from=1", aid);
        break;
    case R_KEY:
        snprintf(path, sizeof path, "/api/v1/audit/key");
        break;
    case R_INV_LIST:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/invitations", aid);
        break;
    case R_INV_REVOKE: {
        /* A fresh member invitation per cell (the creator's), so one
         * cell's revocation never answers another's. */
        char ipath[128];
        snprintf(ipath, sizeof ipath, "/api/v1/assemblies/%lld/invitations", aid);
        json_t *ib = json_pack("{s:s}", "role", "member");
        struct h_resp *ir = it_req(s, "POST", ipath, &wd->creator, ib);
        json_decref(ib);
        cr_assert_eq(ir->status, 201, "invite: %ld %s", ir->status, ir->body);
        method = "DELETE";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/invitations/%lld", aid,
                 (long long)it_int(ir->json, "id"));
        h_resp_free(ir);
        break;
    }
    case R_INV_PREVIEW:
        code = it_invite(s, &wd->creator, wd->aid, "member", 1);
        snprintf(path, sizeof path, "/api/v1/invitations/%s", code);
        break;
    case R_C_LIST:
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)wd->pid);
        break;
    case R_C_CREATE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/comments", (long long)wd->pid);
        body = json_pack("{s:s, s:s}", "body", "matrix", "language", "en");
        break;
    case R_C_EDIT:
    case R_C_DELETE: {
        /* The caller's own comment when the caller may write one, else the
         * creator's: authors edit and delete, nobody else. */
        bool writer = w == MEM || w == FAC || w == CONV;
        int64_t cid = it_comment_new(s, writer ? u : &wd->creator, wd->pid, "mine", 0);
        method = r == R_C_EDIT ? "PATCH" : "DELETE";
        snprintf(path, sizeof path, "/api/v1/comments/%lld", (long long)cid);
        body = r == R_C_EDIT ? json_pack("{s:s}", "body", "edited") : NULL;
        break;
    }
    case R_C_HIDE:
    case R_C_TRANSLATE: {
        int64_t cid = it_comment_new(s, &wd->creator, wd->pid, "theirs", 0);
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/comments/%lld/%s", (long long)cid,
                 r == R_C_HIDE ? "hide" : "translations");
        body = r == R_C_HIDE ? json_pack("{s:s}", "reason", "matrix")
                             : json_pack("{s:s, s:s, s:s}", "language", "fr", "body", "matrice",
                                         "source", "human");
        break;
    }
    case R_C_VERSIONS: {
        int64_t cid = it_comment_new(s, &wd->creator, wd->pid, "theirs", 0);
        snprintf(path, sizeof path, "/api/v1/comments/%lld/versions", (long long)cid);
        break;
    }
    case R_C_REVIEW: {
        int64_t cid = it_comment_new(s, &wd->creator, wd->pid, "theirs", 0);
        cr_assert_eq(it_comment_translate(s, &wd->creator, cid, "fr", "à eux", "human"), 201);
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/comments/%lld/translations/fr/review", (long long)cid);
        break;
    }
    /* machine translation (issue 10, mt) */
    case R_T_LANGUAGES:
        snprintf(path, sizeof path, "/api/v1/translation/languages");
        break;
    case R_T_JOBS:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/translation-jobs?status=failed", aid);
        break;
    /* selections by lot (issue 14, sortdraw) */
    /* results (issue 11, qresult) */
    case R_Q_RESULT:
    case R_Q_EXPORT:
        snprintf(path, sizeof path, "/api/v1/questions/%lld/%s", (long long)wd->qid,
                 r == R_Q_RESULT ? "result" : "export?format=pnyx");
        break;
    case R_S_CREATE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/selections", aid);
        body = json_pack("{s:s, s:[s]}", "title", "matrix", "categories", "gender");
        break;
    case R_S_LIST:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/selections", aid);
        break;
    case R_S_GET:
    case R_S_PATCH:
        method = r == R_S_PATCH ? "PATCH" : "GET";
        snprintf(path, sizeof path, "/api/v1/selections/%lld", (long long)wd->sid);
        body = r == R_S_PATCH ? json_pack("{s:s}", "title", "matrix") : NULL;
        break;
    case R_S_POOL:
    case R_S_RUNS:
    case R_S_DRAW_JSON:
        snprintf(path, sizeof path, "/api/v1/selections/%lld/%s", (long long)wd->sid,
                 r == R_S_POOL   ? "pool"
                 : r == R_S_RUNS ? "runs"
                                 : "draw.json");
        break;
    case R_S_PUBLISH:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/publish", (long long)wd->sid);
        body = json_pack("{s:s}", "run", "1");
        break;
    case R_S_RANDOMNESS:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/randomness", (long long)wd->sid);
        body = json_pack("{s:s}", "commitment",
                         "2222222222222222222222222222222222222222222222222222222222222222");
        break;
    case R_S_VOLUNTEER:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/volunteers", (long long)wd->sid);
        body = json_pack("{s:{s:s}}", "values", "gender", "f");
        break;
    case R_S_PUT_POOL:
        method = "PUT";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/pool", (long long)wd->sid);
        body = json_pack("{s:[]}", "respondents");
        break;
    case R_S_POST_RUN:
    case R_S_DRAW:
    case R_S_REPLACEMENTS:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/%s", (long long)wd->sid,
                 r == R_S_POST_RUN ? "runs"
                 : r == R_S_DRAW   ? "draw"
                                   : "replacements");
        break;
    case R_S_COMMIT:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/commit", (long long)wd->sid);
        {
            /* Within the 30 days a phase may last: an hour, then two. */
            char cu[32], ru[32];
            time_t t = time(NULL);
            struct tm tm;
            t += 3600;
            gmtime_r(&t, &tm);
            strftime(cu, sizeof cu, "%Y-%m-%dT%H:%M:%SZ", &tm);
            t += 3600;
            gmtime_r(&t, &tm);
            strftime(ru, sizeof ru, "%Y-%m-%dT%H:%M:%SZ", &tm);
            body = json_pack("{s:s, s:s}", "commit_until", cu, "reveal_until", ru);
        }
        break;
    case R_S_REVEAL:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/randomness/reveal",
                 (long long)wd->sid);
        body = json_pack("{s:s}", "value",
                         "3333333333333333333333333333333333333333333333333333333333333333");
        break;
    case R_S_DECLINE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/selections/%lld/respondents/r-0/decline",
                 (long long)wd->sid);
        break;
    /* questions (issue 11, qlife) */
    case R_Q_LIST:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/questions", aid);
        break;
    case R_Q_CREATE: {
        char t[32];
        time_t now = time(NULL) + 3600;
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/questions", aid);
        body = json_pack("{s:s, s:s, s:[{s:s},{s:s}], s:s, s:s}", "title", "matrix", "method",
                         "irv", "options", "label", "yes", "label", "no", "closes_at", t, "secrecy",
                         "secret");
        break;
    }
    case R_Q_GET:
    case R_Q_PATCH:
        method = r == R_Q_PATCH ? "PATCH" : "GET";
        snprintf(path, sizeof path, "/api/v1/questions/%lld", (long long)wd->qdraft);
        body = r == R_Q_PATCH ? json_pack("{s:s}", "title", "matrix") : NULL;
        break;
    case R_Q_TRANSLATE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/translations", (long long)wd->qdraft);
        body = json_pack("{s:s, s:s}", "language", "fr", "title", "matrice");
        break;
    case R_Q_OPEN:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/open", (long long)q_new(wd, false));
        break;
    case R_Q_CLOSE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/close", (long long)q_new(wd, true));
        body = json_pack("{s:s}", "reason", "matrix");
        break;
    case R_Q_PARTICIPATION:
        snprintf(path, sizeof path, "/api/v1/questions/%lld/participation", (long long)wd->qopen);
        break;
    /* ballots (issue 11, qballot) */
    case R_B_CAST:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/questions/%lld/ballots", (long long)q_new(wd, true));
        body = json_pack("{s:[s,s]}", "ranking", "B", "A");
        break;
    case R_B_BOARD:
        snprintf(path, sizeof path, "/api/v1/questions/%lld/ballots", (long long)wd->qclosed);
        break;
    case R_B_RECEIPT:
        snprintf(path, sizeof path, "/api/v1/questions/%lld/ballots/%s", (long long)wd->qclosed,
                 wd->receipt);
        break;
    case R_LIST:
    case N_ROUTE:
        /* the first assembly from this one on: this one iff listed */
        snprintf(path, sizeof path, "/api/v1/assemblies?after=%lld&limit=1", aid - 1);
        break;
    }
    cr_assert(route_matches(route_def[r].route, method, path), "%s: sent %s %s", route_def[r].route,
              method, path);
    long st =
        send_cell(s, method, path, caller, body, w == COOKIE, wd->members, hidden, type, typelen);
    if (r == R_LIST && st == 200) {
        /* Listed exactly for those who may read it. */
        struct h_resp *lr = cell_req(s, method, path, caller, NULL, w == COOKIE);
        json_t *first = json_array_get(json_object_get(lr->json, "items"), 0);
        bool listed = first != NULL && it_int(first, "id") == wd->aid;
        bool readable = wd->expect[R_READ][w] == 200;
        cr_expect_eq(listed, readable, "%s assembly, GET /api/v1/assemblies as %s: listed %d: %s",
                     wd->members ? "members" : "public", who_name[w], listed, lr->body);
        h_resp_free(lr);
    }
    json_decref(body);
    free(code);
    return st;
}

static void walk(const char *visibility, const long (*expect)[N_WHO])
{
    struct world wd;
    memset(&wd, 0, sizeof wd);
    wd.s = h_shared();
    wd.creator = it_user_new(wd.s, "FR");
    wd.aid = it_assembly_new(wd.s, &wd.creator, visibility, "open");
    wd.members = strcmp(visibility, "members") == 0;
    wd.expect = expect;
    wd.pid = it_proposal_new(wd.aid, wd.creator.id, "deliberation");
    wd.pclosed = it_proposal_new(wd.aid, wd.creator.id, "withdrawn");
    {
        char spath[128];
        snprintf(spath, sizeof spath, "/api/v1/assemblies/%lld/selections", (long long)wd.aid);
        json_t *sb = json_pack("{s:s, s:[s]}", "title", "matrix", "categories", "gender");
        struct h_resp *sr = it_req(wd.s, "POST", spath, &wd.creator, sb);
        json_decref(sb);
        cr_assert_eq(sr->status, 201, "selection: %ld %s", sr->status, sr->body);
        wd.sid = it_int(sr->json, "id");
        h_resp_free(sr);
    }
    {
        /* a second selection with a one-row pool (its pseudonym and salt for
         * the commitment check) and an optimiser run of it, written directly
         * as running with a lease a day ahead: the worker takes only queued
         * runs and expired leases, so it stays running, and a cancel only
         * raises its flag */
        char spath[128];
        snprintf(spath, sizeof spath, "/api/v1/assemblies/%lld/selections", (long long)wd.aid);
        json_t *sb = json_pack("{s:s, s:[s]}", "title", "matrix runs", "categories", "gender");
        struct h_resp *sr = it_req(wd.s, "POST", spath, &wd.creator, sb);
        json_decref(sb);
        cr_assert_eq(sr->status, 201, "selection: %ld %s", sr->status, sr->body);
        wd.sid2 = it_int(sr->json, "id");
        h_resp_free(sr);
        snprintf(spath, sizeof spath, "/api/v1/selections/%lld/pool", (long long)wd.sid2);
        sb = json_pack("{s:s}", "csv", "country,gender,name\nFR,f,Ada\n");
        sr = it_req(wd.s, "PUT", spath, &wd.creator, sb);
        json_decref(sb);
        cr_assert_eq(sr->status, 200, "pool: %ld %s", sr->status, sr->body);
        json_t *row = json_array_get(json_object_get(sr->json, "pool"), 0);
        const char *ps = json_string_value(json_object_get(row, "pseudonym"));
        const char *sa = json_string_value(json_object_get(row, "salt"));
        cr_assert(ps != NULL && sa != NULL, "pool reply: %s", sr->body);
        snprintf(wd.pseudonym, sizeof wd.pseudonym, "%s", ps);
        snprintf(wd.salt, sizeof wd.salt, "%s", sa);
        h_resp_free(sr);
        char a[24], b[24];
        snprintf(a, sizeof a, "%lld", (long long)wd.sid2);
        snprintf(b, sizeof b, "%lld", (long long)wd.creator.id);
        const char *p[2] = {a, b};
        char *id = it_sql("INSERT INTO selection_jobs (selection_id, round, status, method, "
                          "inputs_sha256, inputs, created_by, started_at, lease_until) VALUES "
                          "($1, 0, 'running', 'leximin', sha256('matrix'::bytea), '{}', $2, "
                          "now(), now() + interval '1 day') RETURNING id",
                          2, p);
        wd.rid = strtoll(id, NULL, 10);
        free(id);
    }
    {
        /* a tallied question of no ballots, written directly (issue 11, qresult) */
        char a[24], b[24];
        snprintf(a, sizeof a, "%lld", (long long)wd.aid);
        snprintf(b, sizeof b, "%lld", (long long)wd.creator.id);
        const char *res =
            "{\"question\": 0, \"status\": \"no_quorum\", \"method\": \"irv\", \"seats\": 1, "
            "\"ballots\": 0, \"roll_size\": 0, \"turnout\": \"0\", \"countries\": 0, "
            "\"quorum\": {\"min_turnout\": \"0\", \"min_countries\": 0, \"met\": false}, "
            "\"board_root\": null, \"seed\": 0, \"rules_id\": \"pnyx-irv/1\", \"winners\": [], "
            "\"rounds\": [], \"blank_ballots\": 0}\n";
        const char *p[3] = {a, b, res};
        char *id = it_sql_on(
            h_db_url(),
            "WITH q AS (INSERT INTO questions (assembly_id, author_id, language, title, method, "
            "seats, secrecy, closes_at, state, roll_size, ballot_count, seed, result_status, "
            "result, result_hash) VALUES ($1, $2, 'en', 'matrix', 'irv', 1, 'secret', now(), "
            "'tallied', 0, 0, 0, 'no_quorum', $3, sha256(convert_to($3, 'UTF8'))) RETURNING id) "
            "INSERT INTO question_options (question_id, position, option_id, label) "
            "SELECT id, p, chr(65 + p), 'Option' FROM q, generate_series(0, 1) p "
            "RETURNING question_id",
            3, p);
        wd.qid = strtoll(id, NULL, 10);
        free(id);
    }
    for (int w = 0; w < N_WHO; w++) {
        wd.who[w] = make_who(&wd, (enum who)w);
    }
    wd.qdraft = q_new(&wd, false);
    wd.qopen = q_new(&wd, true);
    {
        /* a closed question with the creator's ballot (issue 11, qballot) */
        char bpath[128];
        wd.qclosed = q_new(&wd, true);
        snprintf(bpath, sizeof bpath, "/api/v1/questions/%lld/ballots", (long long)wd.qclosed);
        json_t *bb = json_pack("{s:[s]}", "ranking", "A");
        struct h_resp *br = it_req(wd.s, "POST", bpath, &wd.creator, bb);
        json_decref(bb);
        cr_assert_eq(br->status, 201, "ballot: %ld %s", br->status, br->body);
        snprintf(wd.receipt, sizeof wd.receipt, "%s",
                 json_string_value(json_object_get(br->json, "receipt")));
        h_resp_free(br);
        snprintf(bpath, sizeof bpath, "/api/v1/questions/%lld/close", (long long)wd.qclosed);
        json_t *cb = json_pack("{s:s}", "reason", "matrix");
        cr_assert_eq(it_status(wd.s, "POST", bpath, &wd.creator, cb), 200);
        json_decref(cb);
    }
    int failures = 0;
    for (int r = 0; r < N_ROUTE; r++) {
        for (int w = 0; w < N_WHO; w++) {
            struct it_user fresh = mutating[r] ? make_who(&wd, (enum who)w) : wd.who[w];
            char type[64];
            long want = expect[r][w];
            long got =
                run_cell(&wd, (enum route)r, (enum who)w, &fresh, want == 404, type, sizeof type);
            if (got != want) {
                failures++;
            }
            cr_expect_eq(got, want, "%s assembly, %s as %s: got %ld, want %ld (%s)", visibility,
                         label(&route_def[r]), who_name[w], got, want, type);
            if (want == 404) {
                cr_expect_str_eq(type, "not-found", "%s as %s: hidden must look missing",
                                 label(&route_def[r]), who_name[w]);
            }
            if (w == COOKIE && strncmp(route_def[r].route, "GET ", 4) != 0) {
                cr_expect_str_eq(type, "csrf", "%s by cookie: %s", label(&route_def[r]), type);
            }
            if (want == 401) {
                cr_expect_str_eq(type, "unauthenticated");
            }
        }
    }
    cr_log_info("%s assembly: %d cells, %d mismatches", visibility, N_ROUTE * N_WHO, failures);
}

Test(authz_matrix, public_assembly)
{
    walk("public", expect_public);
}

Test(authz_matrix, members_only_assembly)
{
    walk("members", expect_members);
}

/* A members-only assembly answers outsiders exactly like a missing id. */
Test(authz_matrix, hidden_equals_missing)
{
    struct h_server *s = h_shared();
    struct it_user owner = it_user_new(s, "FR");
    struct it_user outsider = it_user_new(s, "DE");
    int64_t aid = it_assembly_new(s, &owner, "members", "invite");
    char path[128];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld", (long long)aid);
    struct h_resp *hidden = it_req(s, "GET", path, &outsider, NULL);
    struct h_resp *missing =
        it_req(s, "GET", "/api/v1/assemblies/9223372036854775807", &outsider, NULL);
    cr_expect_eq(hidden->status, 404);
    cr_expect_eq(missing->status, 404);
    json_object_del(hidden->json, "request_id");
    json_object_del(missing->json, "request_id");
    cr_expect(json_equal(hidden->json, missing->json), "%s vs %s", hidden->body, missing->body);
    h_resp_free(hidden);
    h_resp_free(missing);
}

/* --- proposals (issue 10, prop) ----------------------------------------------------
 * Every proposal route × caller kind (the proposal's author added as a
 * caller of its own: the author predicate) × public and members-only
 * assemblies. Routes that change a proposal's text or status act on a
 * fresh proposal per cell. */

enum pwho {
    PANON,
    PNONMEM,
    POBS,
    PMEM,
    PAUTHOR,
    PFAC,
    PCONV,
    PSUSP,
    POTHER,
    PLEFT,
    PSUSPC,
    PGONE,
    N_PWHO
};
static const char *pwho_name[N_PWHO] = {"anonymous",
                                        "non-member",
                                        "observer",
                                        "member",
                                        "author",
                                        "facilitator",
                                        "convener",
                                        "suspended",
                                        "convener elsewhere",
                                        "member who left",
                                        "suspended convener",
                                        "convener logged out"};

enum proute {
    P_LIST,
    P_CREATE,
    P_READ,
    P_EDIT,
    P_DELIBERATE,
    P_BALLOT,
    P_WITHDRAW,
    P_VERSIONS,
    P_AMENDMENTS,
    P_MERGE,
    P_TRANSLATIONS,
    P_TRANSLATE,
    P_REVIEW,
    P_ENDORSE,
    P_UNENDORSE, /* after P_ENDORSE: withdraws that cell's endorsement */
    P_ADVANCEMENT,
    /* wrong states: allowed callers get 409, the others as before */
    P_EDIT_WITHDRAWN,
    P_ENDORSE_DRAFT,
    N_PROUTE
};
static const struct route_def proute_def[N_PROUTE] = {
    [P_LIST] = {"GET /api/v1/assemblies/{aid}/proposals", ""},
    [P_CREATE] = {"POST /api/v1/assemblies/{aid}/proposals", ""},
    [P_READ] = {"GET /api/v1/proposals/{pid}", ""},
    [P_EDIT] = {"PATCH /api/v1/proposals/{pid}", "text"},
    [P_DELIBERATE] = {"PATCH /api/v1/proposals/{pid}", "status=deliberation"},
    [P_BALLOT] = {"PATCH /api/v1/proposals/{pid}", "status=ballot"},
    [P_WITHDRAW] = {"PATCH /api/v1/proposals/{pid}", "status=withdrawn"},
    [P_VERSIONS] = {"GET /api/v1/proposals/{pid}/versions", ""},
    [P_AMENDMENTS] = {"GET /api/v1/proposals/{pid}/amendments", ""},
    [P_MERGE] = {"POST /api/v1/proposals/{pid}/merge", ""},
    [P_TRANSLATIONS] = {"GET /api/v1/proposals/{pid}/translations", ""},
    [P_TRANSLATE] = {"POST /api/v1/proposals/{pid}/translations", ""},
    [P_REVIEW] = {"POST /api/v1/proposals/{pid}/translations/{lang}/review", ""},
    [P_ENDORSE] = {"POST /api/v1/proposals/{pid}/endorsements", ""},
    [P_UNENDORSE] = {"DELETE /api/v1/proposals/{pid}/endorsements", ""},
    [P_ADVANCEMENT] = {"PATCH /api/v1/assemblies/{aid}", "advancement"},
    [P_EDIT_WITHDRAWN] = {"PATCH /api/v1/proposals/{pid}", "text of a withdrawn proposal"},
    [P_ENDORSE_DRAFT] = {"POST /api/v1/proposals/{pid}/endorsements", "a draft"},
};

static const long pexpect_public[N_PROUTE][N_PWHO] = {
    /*                anon nonm obs  mem  auth fac  conv susp other left susc gone */
    [P_LIST] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [P_CREATE] = {401, 403, 403, 201, 201, 201, 201, 403, 403, 403, 403, 401},
    [P_READ] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [P_EDIT] = {401, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403, 401},
    [P_DELIBERATE] = {401, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 401},
    [P_BALLOT] = {401, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 401},
    [P_WITHDRAW] = {401, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 401},
    [P_VERSIONS] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [P_AMENDMENTS] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [P_MERGE] = {401, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 401},
    [P_TRANSLATIONS] = {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
    [P_TRANSLATE] = {401, 403, 403, 201, 201, 201, 201, 403, 403, 403, 403, 401},
    [P_REVIEW] = {401, 403, 403, 200, 200, 200, 200, 403, 403, 403, 403, 401},
    [P_ENDORSE] = {401, 403, 403, 201, 201, 201, 201, 403, 403, 403, 403, 401},
    [P_UNENDORSE] = {401, 403, 403, 200, 200, 200, 200, 403, 403, 403, 403, 401},
    [P_ADVANCEMENT] = {401, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 401},
    [P_EDIT_WITHDRAWN] = {401, 403, 403, 403, 409, 409, 409, 403, 403, 403, 403, 401},
    [P_ENDORSE_DRAFT] = {401, 403, 403, 409, 409, 409, 409, 403, 403, 403, 403, 401},
};
static const long pexpect_members[N_PROUTE][N_PWHO] = {
    /*                anon nonm obs  mem  auth fac  conv susp other left susc gone */
    [P_LIST] = {404, 404, 200, 200, 200, 200, 200, 200, 404, 404, 200, 404},
    [P_CREATE] = {401, 404, 403, 201, 201, 201, 201, 403, 404, 404, 403, 401},
    [P_READ] = {404, 404, 200, 200, 200, 200, 200, 200, 404, 404, 200, 404},
    [P_EDIT] = {401, 404, 403, 403, 200, 200, 200, 403, 404, 404, 403, 401},
    [P_DELIBERATE] = {401, 404, 403, 403, 200, 403, 403, 403, 404, 404, 403, 401},
    [P_BALLOT] = {401, 404, 403, 403, 403, 200, 200, 403, 404, 404, 403, 401},
    [P_WITHDRAW] = {401, 404, 403, 403, 200, 403, 403, 403, 404, 404, 403, 401},
    [P_VERSIONS] = {404, 404, 200, 200, 200, 200, 200, 200, 404, 404, 200, 404},
    [P_AMENDMENTS] = {404, 404, 200, 200, 200, 200, 200, 200, 404, 404, 200, 404},
    [P_MERGE] = {401, 404, 403, 403, 403, 200, 200, 403, 404, 404, 403, 401},
    [P_TRANSLATIONS] = {404, 404, 200, 200, 200, 200, 200, 200, 404, 404, 200, 404},
    [P_TRANSLATE] = {401, 404, 403, 201, 201, 201, 201, 403, 404, 404, 403, 401},
    [P_REVIEW] = {401, 404, 403, 200, 200, 200, 200, 403, 404, 404, 403, 401},
    [P_ENDORSE] = {401, 404, 403, 201, 201, 201, 201, 403, 404, 404, 403, 401},
    [P_UNENDORSE] = {401, 404, 403, 200, 200, 200, 200, 403, 404, 404, 403, 401},
    [P_ADVANCEMENT] = {401, 404, 403, 403, 403, 403, 200, 403, 404, 404, 403, 401},
    [P_EDIT_WITHDRAWN] = {401, 404, 403, 403, 409, 409, 409, 403, 404, 404, 403, 401},
    [P_ENDORSE_DRAFT] = {401, 404, 403, 409, 409, 409, 409, 403, 404, 404, 403, 401},
};

struct pworld {
    struct h_server *s;
    struct it_user creator; /* first convener */
    int64_t aid;
    struct it_user who[N_PWHO];
    struct it_user translator; /* writes the translation every cell reviews */
    int64_t shared;            /* a proposal in deliberation by the author */
    int64_t withdrawn, draft;  /* the author's withdrawn and draft proposals */
    bool members;              /* the assembly is members-only */
};

static const char *prole_of[N_PWHO] = {NULL,     NULL,          "observer", "member",
                                       "member", "facilitator", "convener", "member",
                                       NULL,     "member",      "convener", "convener"};

static long pcall(struct pworld *pw, const char *method, const char *path, const struct it_user *u,
                  const char *json, int64_t *id_out)
{
    json_t *b = json != NULL ? json_loads(json, 0, NULL) : NULL;
    struct h_resp *r = it_req(pw->s, method, path, u, b);
    json_decref(b);
    long st = r->status;
    if (id_out != NULL) {
        *id_out = r->json != NULL ? it_int(r->json, "id") : 0;
    }
    h_resp_free(r);
    return st;
}

/* A proposal by the author (amending `amends` when > 0), moved to
 * deliberation when asked. */
static int64_t pfresh(struct pworld *pw, bool deliberation, int64_t amends)
{
    char path[128], body[160];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", (long long)pw->aid);
    if (amends > 0) {
        snprintf(body, sizeof body,
                 "{\"title\": \"Matrix\", \"body\": \"text\", \"language\": \"en\", "
                 "\"amends\": %lld}",
                 (long long)amends);
    } else {
        snprintf(body, sizeof body,
                 "{\"title\": \"Matrix\", \"body\": \"text\", \"language\": \"en\"}");
    }
    int64_t id = 0;
    cr_assert_eq(pcall(pw, "POST", path, &pw->who[PAUTHOR], body, &id), 201);
    if (deliberation) {
        snprintf(path, sizeof path, "/api/v1/proposals/%lld", (long long)id);
        cr_assert_eq(
            pcall(pw, "PATCH", path, &pw->who[PAUTHOR], "{\"status\": \"deliberation\"}", NULL),
            200);
    }
    return id;
}

static long prun_cell(struct pworld *pw, enum proute r, enum pwho w, bool hidden, char *type,
                      size_t typelen)
{
    const struct it_user *u = w == PANON ? NULL : &pw->who[w];
    long long aid = (long long)pw->aid, shared = (long long)pw->shared;
    char path[256];
    const char *method = "GET", *body = NULL;
    switch (r) {
    case P_LIST:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals?q=matrix", aid);
        break;
    case P_CREATE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/proposals", aid);
        body = "{\"title\": \"Cell\", \"body\": \"text\", \"language\": \"en\"}";
        break;
    case P_READ:
        snprintf(path, sizeof path, "/api/v1/proposals/%lld", shared);
        break;
    case P_EDIT:
    case P_DELIBERATE:
    case P_WITHDRAW:
    case P_BALLOT:
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld",
                 (long long)pfresh(pw, r == P_BALLOT, 0));
        body = r == P_EDIT         ? "{\"body\": \"edited\"}"
               : r == P_DELIBERATE ? "{\"status\": \"deliberation\"}"
               : r == P_BALLOT     ? "{\"status\": \"ballot\"}"
                                   : "{\"status\": \"withdrawn\"}";
        break;
    case P_VERSIONS:
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/versions", shared);
        break;
    case P_AMENDMENTS:
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/amendments", shared);
        break;
    case P_MERGE: {
        int64_t parent = pfresh(pw, false, 0);
        int64_t am = pfresh(pw, true, parent);
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/merge", (long long)am);
        break;
    }
    case P_TRANSLATIONS:
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/translations", shared);
        break;
    case P_TRANSLATE:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/translations", shared);
        body = "{\"language\": \"de\", \"title\": \"Matrix\", \"body\": \"Text\"}";
        break;
    case P_REVIEW:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/translations/fr/review", shared);
        break;
    case P_ENDORSE:
    case P_UNENDORSE:
        method = r == P_ENDORSE ? "POST" : "DELETE";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/endorsements", shared);
        break;
    case P_EDIT_WITHDRAWN:
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld", (long long)pw->withdrawn);
        body = "{\"body\": \"edited\"}";
        break;
    case P_ENDORSE_DRAFT:
        method = "POST";
        snprintf(path, sizeof path, "/api/v1/proposals/%lld/endorsements", (long long)pw->draft);
        break;
    case P_ADVANCEMENT:
    case N_PROUTE:
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld", aid);
        body = "{\"advancement\": {\"min_endorsements\": 2, \"min_countries\": 1}}";
        break;
    }
    cr_assert(route_matches(proute_def[r].route, method, path), "%s: sent %s %s",
              proute_def[r].route, method, path);
    json_t *b = body != NULL ? json_loads(body, 0, NULL) : NULL;
    long st = send_cell(pw->s, method, path, u, b, false, pw->members, hidden, type, typelen);
    json_decref(b);
    return st;
}

static void pwalk(const char *visibility, const long (*expect)[N_PWHO])
{
    struct pworld pw;
    memset(&pw, 0, sizeof pw);
    pw.s = h_shared();
    pw.creator = it_user_new(pw.s, "FR");
    pw.aid = it_assembly_new(pw.s, &pw.creator, visibility, "open");
    pw.members = strcmp(visibility, "members") == 0;
    for (int w = 0; w < N_PWHO; w++) {
        if (w == PNONMEM) {
            pw.who[w] = it_user_new(pw.s, "NO");
        } else if (w == POTHER) {
            pw.who[w] = it_user_new(pw.s, "PT");
            (void)it_assembly_new(pw.s, &pw.who[w], "members", "invite");
        } else if (w != PANON) {
            pw.who[w] = it_member_new(pw.s, &pw.creator, pw.aid, prole_of[w],
                                      w == PSUSP || w == PSUSPC ? "suspended" : "active", "CH");
            if (w == PLEFT) {
                cr_assert_eq(it_patch_member(pw.s, &pw.who[w], pw.aid, pw.who[w].id, NULL, "left"),
                             200);
            }
            if (w == PGONE) {
                cr_assert_eq(
                    it_status(pw.s, "DELETE", "/api/v1/sessions/current", &pw.who[w], NULL), 204);
            }
        }
    }
    pw.translator = it_member_new(pw.s, &pw.creator, pw.aid, "member", "active", "BE");
    pw.shared = pfresh(&pw, true, 0);
    pw.draft = pfresh(&pw, false, 0);
    pw.withdrawn = pfresh(&pw, false, 0);
    char wpath[128];
    snprintf(wpath, sizeof wpath, "/api/v1/proposals/%lld", (long long)pw.withdrawn);
    cr_assert_eq(pcall(&pw, "PATCH", wpath, &pw.who[PAUTHOR], "{\"status\": \"withdrawn\"}", NULL),
                 200);
    char tpath[128];
    snprintf(tpath, sizeof tpath, "/api/v1/proposals/%lld/translations", (long long)pw.shared);
    cr_assert_eq(pcall(&pw, "POST", tpath, &pw.translator,
                       "{\"language\": \"fr\", \"title\": \"Matrice\", \"body\": \"Texte\"}", NULL),
                 201);
    int failures = 0;
    for (int r = 0; r < N_PROUTE; r++) {
        for (int w = 0; w < N_PWHO; w++) {
            char type[64];
            long want = expect[r][w];
            long got = prun_cell(&pw, (enum proute)r, (enum pwho)w, want == 404, type, sizeof type);
            failures += got != want;
            cr_expect_eq(got, want, "%s assembly, %s as %s: got %ld, want %ld (%s)", visibility,
                         label(&proute_def[r]), pwho_name[w], got, want, type);
            if (want == 404) {
                cr_expect_str_eq(type, "not-found", "%s as %s: hidden must look missing",
                                 label(&proute_def[r]), pwho_name[w]);
            }
            if (want == 401) {
                cr_expect_str_eq(type, "unauthenticated");
            }
        }
    }
    cr_log_info("%s assembly, proposals: %d cells, %d mismatches", visibility, N_PROUTE * N_PWHO,
                failures);
}

Test(authz_matrix, proposals_public_assembly, .timeout = 300)
{
    pwalk("public", pexpect_public);
}

Test(authz_matrix, proposals_members_only_assembly, .timeout = 300)
{
    pwalk("members", pexpect_members);
}

/* --- routes outside any assembly ------------------------------------------------------
 * Operations, accounts, sessions, me and creating an assembly: no
 * assembly's membership counts, so the callers are anonymous and logged
 * in. (GET /api/v1/assemblies, /audit/key, /translation/languages and the
 * invitation-code routes are in the assembly table: there every caller
 * kind is asked.) */

enum gwho { GANON, GUSER, N_GWHO };
static const char *gwho_name[N_GWHO] = {"anonymous", "logged in"};

enum groute {
    G_HEALTHZ,
    G_READYZ,
    G_METRICS,
    G_REGISTER,
    G_LOGIN,
    G_LOGOUT,
    G_ME,
    G_CREATE_ASSEMBLY,
    N_GROUTE
};
static const struct route_def groute_def[N_GROUTE] = {
    [G_HEALTHZ] = {"GET /healthz", ""},
    [G_READYZ] = {"GET /readyz", ""},
    [G_METRICS] = {"GET /metrics", "from loopback, no token"},
    [G_REGISTER] = {"POST /api/v1/accounts", "a fresh e-mail"},
    [G_LOGIN] = {"POST /api/v1/sessions", "a fresh account's credentials"},
    [G_LOGOUT] = {"DELETE /api/v1/sessions/current", "a fresh session"},
    [G_ME] = {"GET /api/v1/me", ""},
    [G_CREATE_ASSEMBLY] = {"POST /api/v1/assemblies", ""},
};
static const long gexpect[N_GROUTE][N_GWHO] = {
    /*                    anon user */
    [G_HEALTHZ] = {200, 200},
    [G_READYZ] = {200, 200},
    /* metrics: every loopback client, token or not (elsewhere a token:
     * api_health_metrics_allowed, tests/platform/test_http_units.c) */
    [G_METRICS] = {200, 200},
    [G_REGISTER] = {201, 201},
    [G_LOGIN] = {201, 201},
    [G_LOGOUT] = {401, 204},
    [G_ME] = {401, 200},
    [G_CREATE_ASSEMBLY] = {401, 201},
};

static long grun_cell(struct h_server *s, enum groute r, enum gwho w, char *type, size_t typelen)
{
    /* Logging out ends the caller's session: a fresh caller per cell. */
    struct it_user user;
    memset(&user, 0, sizeof user);
    if (w == GUSER) {
        user = it_user_new(s, "IE");
    }
    const struct it_user *u = w == GUSER ? &user : NULL;
    const char *method = "GET", *path = "/healthz";
    json_t *body = NULL;
    char email[200];
    switch (r) {
    case G_HEALTHZ:
        break;
    case G_READYZ:
        path = "/readyz";
        break;
    case G_METRICS:
        path = "/metrics";
        break;
    case G_REGISTER:
    case G_LOGIN:
        snprintf(email, sizeof email, "%s@example.org", h_unique("authz"));
        method = "POST";
        path = "/api/v1/accounts";
        body = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "email", email, "password",
                         "a fine long passphrase", "display_name", "Matrix", "country", "IE",
                         "languages", "en");
        if (r == G_LOGIN) {
            cr_assert_eq(it_status(s, "POST", path, NULL, body), 201);
            json_decref(body);
            path = "/api/v1/sessions";
            body = json_pack("{s:s, s:s}", "email", email, "password", "a fine long passphrase");
        }
        break;
    case G_LOGOUT:
        method = "DELETE";
        path = "/api/v1/sessions/current";
        break;
    case G_ME:
        path = "/api/v1/me";
        break;
    case G_CREATE_ASSEMBLY:
    case N_GROUTE:
        method = "POST";
        path = "/api/v1/assemblies";
        body = json_pack("{s:s, s:s, s:s, s:s}", "title", "Matrix", "description", "matrix",
                         "visibility", "members", "join_policy", "invite");
        break;
    }
    cr_assert(route_matches(groute_def[r].route, method, path), "%s: sent %s %s",
              groute_def[r].route, method, path);
    struct h_resp *resp = it_req(s, method, path, u, body);
    json_decref(body);
    long st = resp->status;
    snprintf(type, typelen, "%s", it_problem(resp));
    h_resp_free(resp);
    return st;
}

Test(authz_matrix, outside_assemblies)
{
    struct h_server *s = h_shared();
    int failures = 0;
    for (int r = 0; r < N_GROUTE; r++) {
        for (int w = 0; w < N_GWHO; w++) {
            char type[64];
            long got = grun_cell(s, (enum groute)r, (enum gwho)w, type, sizeof type);
            long want = gexpect[r][w];
            failures += got != want;
            cr_expect_eq(got, want, "%s (%s) as %s: got %ld, want %ld (%s)", groute_def[r].route,
                         groute_def[r].note, gwho_name[w], got, want, type);
            if (want == 401) {
                cr_expect_str_eq(type, "unauthenticated");
            }
        }
    }
    cr_log_info("outside assemblies: %d cells, %d mismatches", N_GROUTE * N_GWHO, failures);
}

/* --- every route is in the matrix ----------------------------------------------------
 * The server's route table (`pnyxd routes`: one "METHOD PATTERN" a line)
 * and the routes the three tables above name must be the same set: a
 * route added to api/routes.c fails this test until a matrix entry (with
 * an expected status for every caller) names it, and an entry whose route
 * was renamed or removed fails it too. Every cell must hold a status. */

static bool named_in(const struct route_def *defs, int n, const char *route)
{
    for (int i = 0; i < n; i++) {
        if (defs[i].route != NULL && strcmp(defs[i].route, route) == 0) {
            return true;
        }
    }
    return false;
}

static bool in_matrix(const char *route)
{
    return named_in(route_def, N_ROUTE, route) || named_in(proute_def, N_PROUTE, route) ||
           named_in(groute_def, N_GROUTE, route);
}

/* Checks every entry of one table names a served route and has all its
 * cells; returns the number of problems. */
static int check_table(const char *table, const struct route_def *defs, int nroutes,
                       const long *cells, int ncallers, const char *served)
{
    int bad = 0;
    for (int i = 0; i < nroutes; i++) {
        char line[256];
        snprintf(line, sizeof line, "\n%s\n", defs[i].route != NULL ? defs[i].route : "(none)");
        if (defs[i].route == NULL || strstr(served, line) == NULL) {
            cr_expect_fail("%s entry %d names %s, which pnyxd routes does not print", table, i,
                           defs[i].route != NULL ? defs[i].route : "no route");
            bad++;
        }
        for (int w = 0; w < ncallers; w++) {
            long want = cells[i * ncallers + w];
            if (want < 200 || want > 599) {
                cr_expect_fail("%s: %s has no expected status for caller %d", table,
                               defs[i].route != NULL ? defs[i].route : "(none)", w);
                bad++;
            }
        }
    }
    return bad;
}

Test(authz_matrix, every_route_is_in_the_matrix)
{
    static char out[64 * 1024];
    const char *args[] = {"routes", NULL};
    cr_assert_eq(h_pnyxd_run(args, NULL, out, sizeof out), 0, "pnyxd routes: %s", out);
    /* "\n" + the "METHOD /path" lines + "\n", for whole-line lookups (other
     * output, e.g. a sanitizer's, is left out). */
    static char served[64 * 1024];
    size_t len = 0;
    served[len++] = '\n';
    int nserved = 0, missing = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        const char *sp = strchr(line, ' ');
        if (sp == NULL || sp == line || sp[1] != '/' || strchr(sp + 1, ' ') != NULL) {
            continue;
        }
        bool method = true;
        for (const char *c = line; c < sp; c++) {
            method = method && *c >= 'A' && *c <= 'Z';
        }
        if (!method) {
            continue;
        }
        nserved++;
        if (!in_matrix(line)) {
            cr_expect_fail("%s is served but no authorisation matrix entry names it: add it "
                           "with the expected status of every caller (test_authz_matrix.c)",
                           line);
            missing++;
        }
        int n = snprintf(served + len, sizeof served - len, "%s\n", line);
        cr_assert(n > 0 && (size_t)n < sizeof served - len, "route table too long");
        len += (size_t)n;
    }
    cr_assert_gt(nserved, 50, "pnyxd routes printed %d routes: %s", nserved, out);
    int bad =
        check_table("assembly table", route_def, N_ROUTE, &expect_public[0][0], N_WHO, served);
    bad += check_table("assembly table (members-only)", route_def, N_ROUTE, &expect_members[0][0],
                       N_WHO, served);
    bad +=
        check_table("proposal table", proute_def, N_PROUTE, &pexpect_public[0][0], N_PWHO, served);
    bad += check_table("proposal table (members-only)", proute_def, N_PROUTE,
                       &pexpect_members[0][0], N_PWHO, served);
    bad += check_table("outside assemblies", groute_def, N_GROUTE, &gexpect[0][0], N_GWHO, served);
    cr_log_info("%d routes served, %d not in the matrix, %d bad entries or cells", nserved, missing,
                bad);
}

/* The route matcher the cells rely on to prove their labels. */
Test(authz_matrix, route_matcher)
{
    cr_expect(route_matches("GET /api/v1/questions/{qid}", "GET", "/api/v1/questions/7"));
    cr_expect(route_matches("GET /api/v1/selections/{sid}/commitment", "GET",
                            "/api/v1/selections/7/commitment?pseudonym=a&salt=b"));
    cr_expect_not(route_matches("GET /api/v1/questions/{qid}", "POST", "/api/v1/questions/7"));
    cr_expect_not(route_matches("GET /api/v1/questions/{qid}", "GET", "/api/v1/questions/"));
    cr_expect_not(route_matches("GET /api/v1/questions/{qid}", "GET", "/api/v1/questions/7/open"));
    cr_expect_not(
        route_matches("GET /api/v1/questions/{qid}/ballots", "GET", "/api/v1/questions/7"));
    cr_expect_not(route_matches("GET /api/v1/me", "GET", "/api/v1/meet"));
    cr_expect_not(route_matches("PATCH /x", "PAT", "/x"));
}

/* --- ids of one assembly under another's ---------------------------------------------
 * Routes with two ids (an assembly's or selection's, then one inside it)
 * must look the inner one up inside the outer: the convener of assembly B
 * naming B's ids with A's invitation, member, run or respondent gets the
 * same 404 as for ids that do not exist, and nothing of A changes. */
Test(authz_matrix, cross_assembly_ids)
{
    struct h_server *s = h_shared();
    struct it_user owner_a = it_user_new(s, "FR"), owner_b = it_user_new(s, "DE");
    int64_t a = it_assembly_new(s, &owner_a, "members", "invite");
    int64_t b = it_assembly_new(s, &owner_b, "public", "open");
    struct it_user member_a = it_member_new(s, &owner_a, a, "member", "active", "CH");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/assemblies/%lld/invitations", (long long)a);
    json_t *body = json_pack("{s:s}", "role", "member");
    struct h_resp *r = it_req(s, "POST", path, &owner_a, body);
    json_decref(body);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t inv_a = it_int(r->json, "id");
    char code_a[128];
    snprintf(code_a, sizeof code_a, "%s", json_string_value(json_object_get(r->json, "code")));
    h_resp_free(r);
    /* a selection in each; A's with a one-row pool and a run */
    int64_t sel[2];
    char pseudonym[80] = "", salt[80] = "";
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/selections", (long long)(i ? b : a));
        body = json_pack("{s:s, s:[s]}", "title", "cross", "categories", "gender");
        r = it_req(s, "POST", path, i ? &owner_b : &owner_a, body);
        json_decref(body);
        cr_assert_eq(r->status, 201, "%s", r->body);
        sel[i] = it_int(r->json, "id");
        h_resp_free(r);
    }
    snprintf(path, sizeof path, "/api/v1/selections/%lld/pool", (long long)sel[0]);
    body = json_pack("{s:s}", "csv", "country,gender,name\nFR,f,Ada\n");
    r = it_req(s, "PUT", path, &owner_a, body);
    json_decref(body);
    cr_assert_eq(r->status, 200, "%s", r->body);
    json_t *row = json_array_get(json_object_get(r->json, "pool"), 0);
    snprintf(pseudonym, sizeof pseudonym, "%s",
             json_string_value(json_object_get(row, "pseudonym")));
    snprintf(salt, sizeof salt, "%s", json_string_value(json_object_get(row, "salt")));
    h_resp_free(r);
    char sa[24], ca[24];
    snprintf(sa, sizeof sa, "%lld", (long long)sel[0]);
    snprintf(ca, sizeof ca, "%lld", (long long)owner_a.id);
    const char *p[2] = {sa, ca};
    char *rid_text = it_sql("INSERT INTO selection_jobs (selection_id, round, status, method, "
                            "inputs_sha256, inputs, created_by, started_at, lease_until) VALUES "
                            "($1, 0, 'running', 'leximin', sha256('cross'::bytea), '{}', $2, "
                            "now(), now() + interval '1 day') RETURNING id",
                            2, p);
    long long rid_a = strtoll(rid_text, NULL, 10);
    free(rid_text);

    struct {
        const char *route, *method;
        char path[256], missing[256];
        const char *body;
    } c[6];
    int n = 0;
    c[n] = (__typeof__(c[0])){.route = "DELETE /api/v1/assemblies/{aid}/invitations/{id}",
                              .method = "DELETE"};
    snprintf(c[n].path, sizeof c[n].path, "/api/v1/assemblies/%lld/invitations/%lld", (long long)b,
             (long long)inv_a);
    snprintf(c[n++].missing, sizeof c[0].missing,
             "/api/v1/assemblies/%lld/invitations/9223372036854775807", (long long)b);
    c[n] = (__typeof__(c[0])){.route = "PATCH /api/v1/assemblies/{aid}/members/{account_id}",
                              .method = "PATCH",
                              .body = "{\"status\": \"suspended\"}"};
    snprintf(c[n].path, sizeof c[n].path, "/api/v1/assemblies/%lld/members/%lld", (long long)b,
             (long long)member_a.id);
    snprintf(c[n++].missing, sizeof c[0].missing,
             "/api/v1/assemblies/%lld/members/9223372036854775807", (long long)b);
    for (int del = 0; del < 2; del++) {
        c[n] = (__typeof__(c[0])){.route = del ? "DELETE /api/v1/selections/{sid}/runs/{rid}"
                                               : "GET /api/v1/selections/{sid}/runs/{rid}",
                                  .method = del ? "DELETE" : "GET"};
        snprintf(c[n].path, sizeof c[n].path, "/api/v1/selections/%lld/runs/%lld",
                 (long long)sel[1], rid_a);
        snprintf(c[n++].missing, sizeof c[0].missing,
                 "/api/v1/selections/%lld/runs/9223372036854775807", (long long)sel[1]);
    }
    c[n] = (__typeof__(c[0])){.route = "GET /api/v1/selections/{sid}/commitment", .method = "GET"};
    snprintf(c[n].path, sizeof c[n].path, "/api/v1/selections/%lld/commitment?pseudonym=%s&salt=%s",
             (long long)sel[1], pseudonym, salt);
    snprintf(c[n++].missing, sizeof c[0].missing,
             "/api/v1/selections/%lld/commitment?pseudonym=r-nobody&salt=%s", (long long)sel[1],
             salt);
    c[n] = (__typeof__(c[0])){
        .route = "POST /api/v1/selections/{sid}/respondents/{pseudonym}/decline", .method = "POST"};
    snprintf(c[n].path, sizeof c[n].path, "/api/v1/selections/%lld/respondents/%s/decline",
             (long long)sel[1], pseudonym);
    snprintf(c[n++].missing, sizeof c[0].missing,
             "/api/v1/selections/%lld/respondents/r-nobody/decline", (long long)sel[1]);
    for (int i = 0; i < n; i++) {
        cr_assert(route_matches(c[i].route, c[i].method, c[i].path), "%s: %s", c[i].route,
                  c[i].path);
        cr_assert(in_matrix(c[i].route), "%s", c[i].route);
        json_t *jb = c[i].body != NULL ? json_loads(c[i].body, 0, NULL) : NULL;
        struct h_resp *got = it_req(s, c[i].method, c[i].path, &owner_b, jb);
        struct h_resp *want = it_req(s, c[i].method, c[i].missing, &owner_b, jb);
        json_decref(jb);
        cr_expect_eq(got->status, want->status, "%s %s: %ld %s, missing id: %ld %s", c[i].method,
                     c[i].path, got->status, got->body, want->status, want->body);
        cr_expect(got->status >= 400 && got->status < 500, "%s %s: %ld", c[i].method, c[i].path,
                  got->status);
        if (got->json != NULL && want->json != NULL) {
            json_object_del(got->json, "request_id");
            json_object_del(want->json, "request_id");
            cr_expect(json_equal(got->json, want->json), "%s %s: %s vs %s", c[i].method, c[i].path,
                      got->body, want->body);
        }
        h_resp_free(got);
        h_resp_free(want);
    }
    /* A is untouched: the invitation valid, the member active, the run
     * not asked to stop. */
    snprintf(path, sizeof path, "/api/v1/invitations/%s", code_a);
    r = it_req(s, "GET", path, &owner_a, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "status")), "valid", "%s", r->body);
    h_resp_free(r);
    snprintf(ca, sizeof ca, "%lld", (long long)member_a.id);
    snprintf(sa, sizeof sa, "%lld", (long long)a);
    const char *mp[2] = {sa, ca};
    char *st =
        it_sql("SELECT status FROM memberships WHERE assembly_id = $1 AND account_id = $2", 2, mp);
    cr_expect_str_eq(st, "active");
    free(st);
    snprintf(sa, sizeof sa, "%lld", rid_a);
    const char *jp[1] = {sa};
    char *cancel = it_sql("SELECT cancel FROM selection_jobs WHERE id = $1", 1, jp);
    cr_expect_str_eq(cancel, "f");
    free(cancel);
}
