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
#include <time.h>

#include "assembly_util.h"
#include "comment_util.h"

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
    N_ROUTE
};
static const char *route_name[N_ROUTE] = {
    "GET assembly", "PATCH assembly", "POST join", "POST invitations", "POST accept", "GET members",
    "PATCH member", "PATCH own status=left", "GET audit", "GET audit/checkpoint",
    "GET proof/inclusion", "GET proof/consistency", "GET audit/key", "GET assemblies",
    "GET invitations", "DELETE invitation", "GET invitation preview",
    /* comments (issue 10) */
    "GET comments", "POST comment", "PATCH comment", "DELETE comment", "POST comment hide",
    "POST comment translation", "POST comment review", "GET comment versions",
    /* machine translation (issue 10, mt) */
    "GET translation/languages", "GET translation-jobs",
    /* selections by lot (issue 14, sortdraw) */
    "POST selections", "GET selections", "GET selection", "PATCH selection", "GET pool", "GET runs",
    "GET draw.json", "POST publish", "POST randomness", "POST volunteers", "PUT pool", "POST runs",
    "POST commit", "POST reveal", "POST draw", "POST decline", "POST replacements",
    /* results (issue 11, qresult) */
    "GET question result", "GET question export",
    /* questions (issue 11, qlife) */
    "GET questions", "POST questions", "GET question", "PATCH question",
    "POST question translation", "POST question open", "POST question close",
    "GET question participation",
    /* ballots (issue 11, qballot) */
    "POST ballot", "GET board", "GET board receipt",
    /* the auditor's record (issue 12, audit12) */
    "GET record",
    /* witnesses (issue 12, wit12) */
    "GET audit/witnesses", "PATCH assembly witness_quorum"};
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
    [R_C_LIST] = {200, 200, 200, 200, 200, 200, 200},
    [R_C_CREATE] = {401, 403, 403, 201, 201, 201, 403},
    [R_C_EDIT] = {401, 403, 403, 200, 200, 200, 403},
    [R_C_DELETE] = {401, 403, 403, 200, 200, 200, 403},
    [R_C_HIDE] = {401, 403, 403, 403, 200, 200, 403},
    [R_C_TRANSLATE] = {401, 403, 403, 201, 201, 201, 403},
    [R_C_REVIEW] = {401, 403, 403, 200, 200, 200, 403},
    [R_C_VERSIONS] = {200, 200, 200, 200, 200, 200, 200},
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
    /* the convener: an empty pool is fine (200); a run or a commit needs k
     * (422); reveal, draw and replacements are not for a draft (409); no
     * such pseudonym (404) */
    [R_S_PUT_POOL] = {401, 403, 403, 403, 403, 200, 403},
    [R_S_POST_RUN] = {401, 403, 403, 403, 403, 422, 403},
    [R_S_COMMIT] = {401, 403, 403, 403, 403, 422, 403},
    [R_S_REVEAL] = {401, 403, 409, 409, 409, 409, 403},
    [R_S_DRAW] = {401, 403, 403, 403, 403, 409, 403},
    [R_S_DECLINE] = {401, 403, 403, 403, 403, 404, 403},
    [R_S_REPLACEMENTS] = {401, 403, 403, 403, 403, 409, 403},
    /* results: anyone who may read the assembly, once tallied */
    [R_Q_RESULT] = {200, 200, 200, 200, 200, 200, 200},
    [R_Q_EXPORT] = {200, 200, 200, 200, 200, 200, 200},
    /* questions (issue 11, qlife): a draft (get, patch, translate, open: a
     * fresh one per cell), an open one (close: fresh per cell; participation) */
    [R_Q_LIST] = {200, 200, 200, 200, 200, 200, 200},
    [R_Q_CREATE] = {401, 403, 403, 403, 201, 201, 403},
    [R_Q_GET] = {200, 200, 200, 200, 200, 200, 200},
    [R_Q_PATCH] = {401, 403, 403, 403, 200, 200, 403},
    [R_Q_TRANSLATE] = {401, 403, 403, 201, 201, 201, 403},
    [R_Q_OPEN] = {401, 403, 403, 403, 200, 200, 403},
    [R_Q_CLOSE] = {401, 403, 403, 403, 403, 200, 403},
    [R_Q_PARTICIPATION] = {401, 403, 200, 200, 200, 200, 200},
    /* ballots (issue 11, qballot): a cast on a question opened for the
     * cell (everyone who may vote is on its roll); the board and a
     * receipt of a closed question with one ballot */
    [R_B_CAST] = {401, 403, 403, 201, 201, 201, 403},
    [R_B_BOARD] = {200, 200, 200, 200, 200, 200, 200},
    [R_B_RECEIPT] = {200, 200, 200, 200, 200, 200, 200},
    /* the record: same visibility as the audit log (issue 12) */
    [R_RECORD] = {200, 200, 200, 200, 200, 200, 200},
    [R_WITNESSES] = {200, 200, 200, 200, 200, 200, 200},
    [R_UPDATE_QUORUM] = {401, 403, 403, 403, 403, 200, 403},
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
    [R_C_LIST] = {404, 404, 200, 200, 200, 200, 200},
    [R_C_CREATE] = {401, 404, 403, 201, 201, 201, 403},
    [R_C_EDIT] = {401, 404, 403, 200, 200, 200, 403},
    [R_C_DELETE] = {401, 404, 403, 200, 200, 200, 403},
    [R_C_HIDE] = {401, 404, 403, 403, 200, 200, 403},
    [R_C_TRANSLATE] = {401, 404, 403, 201, 201, 201, 403},
    [R_C_REVIEW] = {401, 404, 403, 200, 200, 200, 403},
    [R_C_VERSIONS] = {404, 404, 200, 200, 200, 200, 200},
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
    [R_S_PUT_POOL] = {401, 404, 403, 403, 403, 200, 403},
    [R_S_POST_RUN] = {401, 404, 403, 403, 403, 422, 403},
    [R_S_COMMIT] = {401, 404, 403, 403, 403, 422, 403},
    [R_S_REVEAL] = {401, 404, 409, 409, 409, 409, 403},
    [R_S_DRAW] = {401, 404, 403, 403, 403, 409, 403},
    [R_S_DECLINE] = {401, 404, 403, 403, 403, 404, 403},
    [R_S_REPLACEMENTS] = {401, 404, 403, 403, 403, 409, 403},
    [R_Q_RESULT] = {404, 404, 200, 200, 200, 200, 200},
    [R_Q_EXPORT] = {404, 404, 200, 200, 200, 200, 200},
    [R_Q_LIST] = {404, 404, 200, 200, 200, 200, 200},
    [R_Q_CREATE] = {401, 404, 403, 403, 201, 201, 403},
    [R_Q_GET] = {404, 404, 200, 200, 200, 200, 200},
    [R_Q_PATCH] = {401, 404, 403, 403, 200, 200, 403},
    [R_Q_TRANSLATE] = {401, 404, 403, 201, 201, 201, 403},
    [R_Q_OPEN] = {401, 404, 403, 403, 200, 200, 403},
    [R_Q_CLOSE] = {401, 404, 403, 403, 403, 200, 403},
    [R_Q_PARTICIPATION] = {401, 404, 200, 200, 200, 200, 200},
    /* ballots (issue 11, qballot) */
    [R_B_CAST] = {401, 404, 403, 201, 201, 201, 403},
    [R_B_BOARD] = {404, 404, 200, 200, 200, 200, 200},
    [R_B_RECEIPT] = {404, 404, 200, 200, 200, 200, 200},
    /* the record: same visibility as the audit log (issue 12) */
    [R_RECORD] = {404, 404, 200, 200, 200, 200, 200},
    [R_WITNESSES] = {404, 404, 200, 200, 200, 200, 200},
    [R_UPDATE_QUORUM] = {401, 404, 403, 403, 403, 200, 403},
};

struct world {
    struct h_server *s;
    int64_t sid;            /* a draft selection of the assembly (issue 14) */
    struct it_user creator; /* first convener */
    int64_t aid;
    int64_t pid;               /* a proposal in deliberation, for the comment routes */
    int64_t qid;               /* a tallied question (issue 11, qresult) */
    struct it_user who[N_WHO]; /* shared callers for non-mutating routes */
    int64_t qdraft, qopen;     /* questions (issue 11): a draft, an open one */
    int64_t qclosed;           /* ballots (issue 11): closed with one ballot … */
    char receipt[65];          /* … whose receipt this is */
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
    wd.pid = it_proposal_new(wd.aid, wd.creator.id, "deliberation");
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

/* --- proposals (issue 10, prop) ----------------------------------------------------
 * Every proposal route × caller kind (the proposal's author added as a
 * caller of its own: the author predicate) × public and members-only
 * assemblies. Routes that change a proposal's text or status act on a
 * fresh proposal per cell. */

enum pwho { PANON, PNONMEM, POBS, PMEM, PAUTHOR, PFAC, PCONV, PSUSP, N_PWHO };
static const char *pwho_name[N_PWHO] = {"anonymous", "non-member",  "observer", "member",
                                        "author",    "facilitator", "convener", "suspended"};

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
    N_PROUTE
};
static const char *proute_name[N_PROUTE] = {
    "GET proposals",      "POST proposals",    "GET proposal",        "PATCH text",
    "PATCH deliberation", "PATCH ballot",      "PATCH withdrawn",     "GET versions",
    "GET amendments",     "POST merge",        "GET translations",    "POST translations",
    "POST review",        "POST endorsements", "DELETE endorsements", "PATCH assembly advancement"};

static const long pexpect_public[N_PROUTE][N_PWHO] = {
    /*                anon nonm obs  mem  auth fac  conv susp */
    [P_LIST] = {200, 200, 200, 200, 200, 200, 200, 200},
    [P_CREATE] = {401, 403, 403, 201, 201, 201, 201, 403},
    [P_READ] = {200, 200, 200, 200, 200, 200, 200, 200},
    [P_EDIT] = {401, 403, 403, 403, 200, 200, 200, 403},
    [P_DELIBERATE] = {401, 403, 403, 403, 200, 403, 403, 403},
    [P_BALLOT] = {401, 403, 403, 403, 403, 200, 200, 403},
    [P_WITHDRAW] = {401, 403, 403, 403, 200, 403, 403, 403},
    [P_VERSIONS] = {200, 200, 200, 200, 200, 200, 200, 200},
    [P_AMENDMENTS] = {200, 200, 200, 200, 200, 200, 200, 200},
    [P_MERGE] = {401, 403, 403, 403, 403, 200, 200, 403},
    [P_TRANSLATIONS] = {200, 200, 200, 200, 200, 200, 200, 200},
    [P_TRANSLATE] = {401, 403, 403, 201, 201, 201, 201, 403},
    [P_REVIEW] = {401, 403, 403, 200, 200, 200, 200, 403},
    [P_ENDORSE] = {401, 403, 403, 201, 201, 201, 201, 403},
    [P_UNENDORSE] = {401, 403, 403, 200, 200, 200, 200, 403},
    [P_ADVANCEMENT] = {401, 403, 403, 403, 403, 403, 200, 403},
};
static const long pexpect_members[N_PROUTE][N_PWHO] = {
    /*                anon nonm obs  mem  auth fac  conv susp */
    [P_LIST] = {404, 404, 200, 200, 200, 200, 200, 200},
    [P_CREATE] = {401, 404, 403, 201, 201, 201, 201, 403},
    [P_READ] = {404, 404, 200, 200, 200, 200, 200, 200},
    [P_EDIT] = {401, 404, 403, 403, 200, 200, 200, 403},
    [P_DELIBERATE] = {401, 404, 403, 403, 200, 403, 403, 403},
    [P_BALLOT] = {401, 404, 403, 403, 403, 200, 200, 403},
    [P_WITHDRAW] = {401, 404, 403, 403, 200, 403, 403, 403},
    [P_VERSIONS] = {404, 404, 200, 200, 200, 200, 200, 200},
    [P_AMENDMENTS] = {404, 404, 200, 200, 200, 200, 200, 200},
    [P_MERGE] = {401, 404, 403, 403, 403, 200, 200, 403},
    [P_TRANSLATIONS] = {404, 404, 200, 200, 200, 200, 200, 200},
    [P_TRANSLATE] = {401, 404, 403, 201, 201, 201, 201, 403},
    [P_REVIEW] = {401, 404, 403, 200, 200, 200, 200, 403},
    [P_ENDORSE] = {401, 404, 403, 201, 201, 201, 201, 403},
    [P_UNENDORSE] = {401, 404, 403, 200, 200, 200, 200, 403},
    [P_ADVANCEMENT] = {401, 404, 403, 403, 403, 403, 200, 403},
};

struct pworld {
    struct h_server *s;
    struct it_user creator; /* first convener */
    int64_t aid;
    struct it_user who[N_PWHO];
    struct it_user translator; /* writes the translation every cell reviews */
    int64_t shared;            /* a proposal in deliberation by the author */
};

static const char *prole_of[N_PWHO] = {NULL,     NULL,          "observer", "member",
                                       "member", "facilitator", "convener", "member"};

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

static long prun_cell(struct pworld *pw, enum proute r, enum pwho w, char *type, size_t typelen)
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
    case P_ADVANCEMENT:
    case N_PROUTE:
        method = "PATCH";
        snprintf(path, sizeof path, "/api/v1/assemblies/%lld", aid);
        body = "{\"advancement\": {\"min_endorsements\": 2, \"min_countries\": 1}}";
        break;
    }
    json_t *b = body != NULL ? json_loads(body, 0, NULL) : NULL;
    struct h_resp *resp = it_req(pw->s, method, path, u, b);
    json_decref(b);
    long st = resp->status;
    snprintf(type, typelen, "%s", it_problem(resp));
    h_resp_free(resp);
    return st;
}

static void pwalk(const char *visibility, const long (*expect)[N_PWHO])
{
    struct pworld pw;
    memset(&pw, 0, sizeof pw);
    pw.s = h_shared();
    pw.creator = it_user_new(pw.s, "FR");
    pw.aid = it_assembly_new(pw.s, &pw.creator, visibility, "open");
    for (int w = 0; w < N_PWHO; w++) {
        if (w == PNONMEM) {
            pw.who[w] = it_user_new(pw.s, "NO");
        } else if (w != PANON) {
            pw.who[w] = it_member_new(pw.s, &pw.creator, pw.aid, prole_of[w],
                                      w == PSUSP ? "suspended" : "active", "CH");
        }
    }
    pw.translator = it_member_new(pw.s, &pw.creator, pw.aid, "member", "active", "BE");
    pw.shared = pfresh(&pw, true, 0);
    char tpath[128];
    snprintf(tpath, sizeof tpath, "/api/v1/proposals/%lld/translations", (long long)pw.shared);
    cr_assert_eq(pcall(&pw, "POST", tpath, &pw.translator,
                       "{\"language\": \"fr\", \"title\": \"Matrice\", \"body\": \"Texte\"}", NULL),
                 201);
    int failures = 0;
    for (int r = 0; r < N_PROUTE; r++) {
        for (int w = 0; w < N_PWHO; w++) {
            char type[64];
            long got = prun_cell(&pw, (enum proute)r, (enum pwho)w, type, sizeof type);
            long want = expect[r][w];
            failures += got != want;
            cr_expect_eq(got, want, "%s assembly, %s as %s: got %ld, want %ld (%s)", visibility,
                         proute_name[r], pwho_name[w], got, want, type);
            if (want == 404) {
                cr_expect_str_eq(type, "not-found", "%s as %s: hidden must look missing",
                                 proute_name[r], pwho_name[w]);
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
