/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_comments.h — handlers for comments on proposals (api_comments.c)
 * and the comment page the proposal read embeds (?comments=N). What they
 * share with other resources is in api_common.h; who may do what is
 * core/validate/authz.h's (the AUTHZ_*_COMMENT rows).
 */
#ifndef PNYX_API_API_COMMENTS_H
#define PNYX_API_API_COMMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api_common.h"
#include "db/db_assembly.h"

/* The window in which an author may edit a comment (issue 10: 15 minutes). */
#define API_COMMENT_EDIT_WINDOW_S (15 * 60)

int api_comments_list(struct api_req *rq, struct api_reply *out);
int api_comments_create(struct api_req *rq, struct api_reply *out);
int api_comments_patch(struct api_req *rq, struct api_reply *out);
int api_comments_delete(struct api_req *rq, struct api_reply *out);
int api_comments_hide(struct api_req *rq, struct api_reply *out);
int api_comments_translate(struct api_req *rq, struct api_reply *out);
int api_comments_review(struct api_req *rq, struct api_reply *out);
int api_comments_versions(struct api_req *rq, struct api_reply *out);

/*
 * The proposal page (GET /api/v1/proposals/{pid}?comments=N): adds the
 * member "comments" = the first N (1..200) comments, {items, next}, as
 * GET …/comments?limit=N answers this reader, to the proposal reply
 * out->json (status 200). sd (borrowed) is the reader's standing the
 * proposal read already loaded. Nothing happens without ?comments. One
 * query. Returns 0, or -1 after replacing the reply with a problem (a
 * malformed N or ?lang= → 400, a database failure). comments_key: the
 * thread's revision key from db_proposal_view (NULL: unknown): a page kept
 * under the same key is answered without the query (api_comments.c, "page
 * cache"). The reply becomes JSON text (out->body), the proposal's members
 * first, "comments" last: the bytes json_dumps would give.
 */
int api_comments_embed(struct api_req *rq, struct api_reply *out, int64_t pid,
                       const struct db_standing *sd, const char *comments_key)
    PNYX_NONNULL(1, 2, 4);
/* The same when the proposal's reply is already JSON text: head[0..hlen)
 * (malloc'd, stolen: freed here), the proposal object as json_dumps
 * writes it. out holds no reply yet: the result is the head alone when
 * the reader may not read the comments (as api_comments_embed leaves the
 * proposal), the page appended otherwise, or a problem. Returns as
 * api_comments_embed does; -1 with no reply only when out of memory. */
/* What api_comments_embed_text tells the caller that keeps whole pages
 * (api_proposals.c, in api/page_cache.c) when it replied 200 with the
 * page: the reply's body (out->body, arena) and ETag, and whether every
 * reader allowed to read the comments gets the same comment part (no
 * hidden comment on it). */
struct api_page_info {
    bool same_for_all;
    const char *etag;
    const char *body;
    size_t len;
};
int api_comments_embed_text(struct api_req *rq, struct api_reply *out, int64_t pid,
                            const struct db_standing *sd, const char *comments_key, char *head,
                            size_t hlen, struct api_page_info *info) PNYX_NONNULL(1, 2, 4, 6);

/* Replies 200 with the JSON text body[0..len) (arena, borrowed by the
 * reply) and its strong ETag etag (arena), or 304 without a body when the
 * request's If-None-Match names it; Cache-Control "private, no-cache".
 * The one reply of the proposal page and the comment list. */
void api_text_page_reply(struct api_req *rq, struct api_reply *out, char *body, size_t len,
                         const char *etag) PNYX_NONNULL(1, 2, 5);

#endif /* PNYX_API_API_COMMENTS_H */
