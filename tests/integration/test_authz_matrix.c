/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_authz_matrix.c — the whole authorisation matrix of issue 4 over
 * real HTTP: every caller kind (anonymous, non-member, observer, member,
 * facilitator, convener, suspended member) × every assembly-scoped route ×
 * public and members-only assemblies, asserting the exact status of each
 * cell. Routes that change membership get a fresh caller (and target) per
 * cell so one cell never changes another's world (and invitation routes a
 * fresh invitation). Members-only assemblies
 * must be indistinguishable from missing ones (404 not-found) to outsiders.
 */
#include "assembly_util.h"

enum who { ANON, NONMEM, OBS, MEM, FAC, CONV, SUSP, N_WHO };
static const char *who_name[N_WHO] = {"anonymous",   "non-member", "observer", "member",
                                      "facilitator", "convener",   "suspended"};

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
    N_ROUTE
};
static const char *route_name[N_ROUTE] = {
    "GET assembly", "PATCH assembly", "POST join", "POST invitations", "POST accept", "GET members",
    "PATCH member", "PATCH own status=left", "GET audit", "GET audit/checkpoint",
    "GET proof/inclusion", "GET proof/consistency", "GET audit/key", "GET assemblies",
    "GET invitations", "DELETE invitation", "GET invitation preview",
    /* machine translation (issue 10, mt) */
    "GET translation/languages", "GET translation-jobs",
    /* selections by lot (issue 14, sortdraw) */
    "POST selections", "GET selections", "GET selection", "PATCH selection", "GET pool", "GET runs",
    "GET draw.json", "POST publish", "POST randomness", "POST volunteers"};
/* Routes whose cell changes the caller's (or a target's) membership. */
static const bool mutating[N_ROUTE] = {
    [R_JOIN] = true, [R_ACCEPT] = true, [R_PATCH_MEMBER] = true, [R_LEAVE] = true};

/* Expected status per route and caller: [route][who]. */
static const long expect_public[N_ROUTE][N_WHO] = {
    /*                  anon nonm obs  mem  fac  conv susp */
    [R_READ] = {200, 200, 200, 200, 200, 200, 200},
    [R_UPDATE] = {401, 403, 403, 403, 403, 200, 403},
    [R_JOIN] = {401, 201, 409, 409, 409, 409, 403},
    [R_INVITE] = {401, 403, 403, 403, 201, 201, 403},
    [R_ACCEPT] = {401, 201, 409, 409, 409, 409, 403},
    [R_MEMBERS] = {200, 200, 200, 200, 200, 200, 200},
    [R_PATCH_MEMBER] = {401, 403, 403, 403, 200, 200, 403},
    [R_LEAVE] = {401, 403, 200, 200, 200, 200, 403},
    [R_AUDIT] = {200, 200, 200, 200, 200, 200, 200},
    [R_CHECKPOINT] = {200, 200, 200, 200, 200, 200, 200},
    [R_INCLUSION] = {200, 200, 200, 200, 200, 200, 200},
    [R_CONSISTENCY] = {200, 200, 200, 200, 200, 200, 200},
    [R_KEY] = {200, 200, 200, 200, 200, 200, 200},
    [R_LIST] = {200, 200, 200, 200, 200, 200, 200},
    [R_INV_LIST] = {401, 403, 403, 403, 200, 200, 403},
    [R_INV_REVOKE] = {401, 403, 403, 403, 204, 204, 403},
    [R_INV_PREVIEW] = {200, 200, 200, 200, 200, 200, 200},
    /* machine translation (issue 10, mt) */
    [R_T_LANGUAGES] = {200, 200, 200, 200, 200, 200, 200},
    [R_T_JOBS] = {401, 403, 403, 403, 200, 200, 403},
    /* selections (draft: publish 409 for the convener, randomness 409 for
     * members, the call closed: volunteers 409) */
    [R_S_CREATE] = {401, 403, 403, 403, 403, 201, 403},
    [R_S_LIST] = {200, 200, 200, 200, 200, 200, 200},
    [R_S_GET] = {200, 200, 200, 200, 200, 200, 200},
    [R_S_PATCH] = {401, 403, 403, 403, 403, 200, 403},
    [R_S_POOL] = {401, 403, 403, 403, 403, 200, 403},
    [R_S_RUNS] = {401, 403, 403, 403, 403, 200, 403},
    [R_S_DRAW_JSON] = {409, 409, 409, 409, 409, 409, 409},
    [R_S_PUBLISH] = {401, 403, 403, 403, 403, 409, 403},
    [R_S_RANDOMNESS] = {401, 403, 409, 409, 409, 409, 403},
    [R_S_VOLUNTEER] = {401, 409, 409, 409, 409, 409, 403},
};
static const long expect_members[N_ROUTE][N_WHO] = {
    /*                  anon nonm obs  mem  fac  conv susp */
    [R_READ] = {404, 404, 200, 200, 200, 200, 200},
    [R_UPDATE] = {401, 404, 403, 403, 403, 200, 403},
    [R_JOIN] = {401, 404, 409, 409, 409, 409, 403},
    [R_INVITE] = {401, 404, 403, 403, 201, 201, 403},
    [R_ACCEPT] = {401, 201, 409, 409, 409, 409, 403},
    [R_MEMBERS] = {404, 404, 200, 200, 200, 200, 200},
    [R_PATCH_MEMBER] = {401, 404, 403, 403, 200, 200, 403},
    [R_LEAVE] = {401, 404, 200, 200, 200, 200, 403},
    [R_AUDIT] = {404, 404, 200, 200, 200, 200, 200},
    [R_CHECKPOINT] = {404, 404, 200, 200, 200, 200, 200},
    [R_INCLUSION] = {404, 404, 200, 200, 200, 200, 200},
    [R_CONSISTENCY] = {404, 404, 200, 200, 200, 200, 200},
    [R_KEY] = {200, 200, 200, 200, 200, 200, 200},
    [R_LIST] = {200, 200, 200, 200, 200, 200, 200},
    [R_INV_LIST] = {401, 404, 403, 403, 200, 200, 403},
    [R_INV_REVOKE] = {401, 404, 403, 403, 204, 204, 403},
    [R_INV_PREVIEW] = {200, 200, 200, 200, 200, 200, 200},
    /* machine translation (issue 10, mt) */
    [R_T_LANGUAGES] = {200, 200, 200, 200, 200, 200, 200},
    [R_T_JOBS] = {401, 404, 403, 403, 200, 200, 403},
    [R_S_CREATE] = {401, 404, 403, 403, 403, 201, 403},
    [R_S_LIST] = {404, 404, 200, 200, 200, 200, 200},
    [R_S_GET] = {404, 404, 200, 200, 200, 200, 200},
    [R_S_PATCH] = {401, 404, 403, 403, 403, 200, 403},
    [R_S_POOL] = {401, 404, 403, 403, 403, 200, 403},
    [R_S_RUNS] = {401, 404, 403, 403, 403, 200, 403},
    [R_S_DRAW_JSON] = {404, 404, 409, 409, 409, 409, 409},
    [R_S_PUBLISH] = {401, 404, 403, 403, 403, 409, 403},
    [R_S_RANDOMNESS] = {401, 404, 409, 409, 409, 409, 403},
    [R_S_VOLUNTEER] = {401, 404, 409, 409, 409, 409, 403},
};

struct world {
    struct h_server *s;
    int64_t sid;            /* a draft selection of the assembly (issue 14) */
    struct it_user creator; /* first convener */
    int64_t aid;
    struct it_user who[N_WHO]; /* shared callers for non-mutating routes */
};

static const char *role_of[N_WHO] = {NULL,          NULL,       "observer", "member",
                                     "facilitator", "convener", "member"};

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
    return it_member_new(wd->s, &wd->creator, wd->aid, role_of[w],
                         w == SUSP ? "suspended" : "active", "CH");
}

static long run_cell(struct world *wd, enum route r, enum who w, const struct it_user *u,
                     char *type, size_t typelen)
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
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/members/%lld", aid,
                 (long long)(w == ANON ? wd->creator.id : u->id));
        body = json_pack("{s:s}", "status", "left");
        break;
    case R_AUDIT:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/audit", aid);
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
    /* machine translation (issue 10, mt) */
    case R_T_LANGUAGES:
        snprintf(path, sizeof path, "/api/v1/translation/languages");
        break;
    case R_T_JOBS:
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld/translation-jobs?status=failed", aid);
        break;
    /* selections by lot (issue 14, sortdraw) */
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
    case R_LIST:
    case N_ROUTE:
        snprintf(path, sizeof path, "/api/v1/assemblies");
        break;
    }
    struct h_resp *resp = it_req(s, method, path, caller, body);
    long st = resp->status;
    snprintf(type, typelen, "%s", it_problem(resp));
    h_resp_free(resp);
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
    for (int w = 0; w < N_WHO; w++) {
        wd.who[w] = make_who(&wd, (enum who)w);
    }
    int failures = 0;
    for (int r = 0; r < N_ROUTE; r++) {
        for (int w = 0; w < N_WHO; w++) {
            struct it_user fresh = mutating[r] ? make_who(&wd, (enum who)w) : wd.who[w];
            char type[64];
            long got = run_cell(&wd, (enum route)r, (enum who)w, &fresh, type, sizeof type);
            long want = expect[r][w];
            if (got != want) {
                failures++;
            }
            cr_expect_eq(got, want, "%s assembly, %s as %s: got %ld, want %ld (%s)", visibility,
                         route_name[r], who_name[w], got, want, type);
            if (want == 404) {
                cr_expect_str_eq(type, "not-found", "%s as %s: hidden must look missing",
                                 route_name[r], who_name[w]);
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
