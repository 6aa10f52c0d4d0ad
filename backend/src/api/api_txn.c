/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * api/api_txn.c — grouped transactions for handlers: a request whose change
 * waits for another request's group commit (db_group.c) is parked instead
 * of blocking its pool thread; the http layer suspends its connection and
 * serves others, and the reply is built when the leader wakes it.
 *
 * A parked request's state lives in its arena (struct api_parked). Between
 * the park and the wake a leader may run the request's body on another
 * thread and allocate from the same arena: nothing of the request may be
 * touched then, so a handler returns API_SUSPENDED at once.
 *
 * Also the refusals of transaction bodies (struct api_refusal): a body
 * that decides the change must not happen records why and returns
 * DB_REFUSED; the reply maps it with api_txn_problem.
 */
#include "api/api.h"

struct api_parked {
    struct db_group_item *item;
    api_txn_reply_fn reply;
    void *cls;
};

static bool park(void *cls)
{
    struct api_req *rq = cls;
    return rq->park_fn(rq);
}

static void wake(void *cls)
{
    struct api_req *rq = cls;
    rq->wake_fn(rq);
}

int api_txn_grouped(struct api_req *rq, struct api_reply *out, struct db_group_key key,
                    const char *name, db_txn_fn cb, db_reset_fn reset, api_txn_reply_fn reply,
                    void *cls)
{
    enum db_status st = DB_HARD_ERROR;
    if (!rq->park_fn || !rq->wake_fn) {
        st = db_run_txn_grouped(rq->db, key, name, cb, reset, cls);
        return reply(rq, st, cls, out);
    }
    return api_txn_grouped_batch(rq, out, key, name, cb, NULL, reset, reply, cls);
}

int api_txn_grouped_batch(struct api_req *rq, struct api_reply *out, struct db_group_key key,
                          const char *name, db_txn_fn cb, db_batch_fn batch, db_reset_fn reset,
                          api_txn_reply_fn reply, void *cls)
{
    enum db_status st = DB_HARD_ERROR;
    if (!rq->park_fn || !rq->wake_fn) {
        /* blocks (no park function) until its batch ran */
        struct db_group_item *it = db_group_item_new(rq->arena, key, name, cb, reset, cls);
        if (batch)
            db_group_item_batch(it, batch);
        if (!db_group_submit(rq->db, it, &st))
            st = DB_HARD_ERROR; /* never: without a park function it waits */
        return reply(rq, st, cls, out);
    }
    struct api_parked *p = arena_alloc(rq->arena, sizeof *p);
    p->item = db_group_item_new(rq->arena, key, name, cb, reset, cls);
    if (batch)
        db_group_item_batch(p->item, batch); /* also: runners lead it (db.h) */
    p->reply = reply;
    p->cls = cls;
    db_group_item_park(p->item, park, wake, rq);
    rq->parked = p;
    if (!db_group_submit(rq->db, p->item, &st))
        return API_SUSPENDED; /* hands off rq until the wake */
    return reply(rq, st, cls, out);
}

int api_txn_continue(struct api_req *rq, struct api_reply *out)
{
    struct api_parked *p = rq->parked;
    if (!p)
        return -1;
    enum db_status st = DB_HARD_ERROR;
    if (!db_group_continue(rq->db, p->item, &st))
        return API_SUSPENDED;
    return p->reply(rq, st, p->cls, out);
}

void api_txn_abandon(struct api_req *rq)
{
    if (rq->parked)
        db_group_abandon(rq->parked->item);
}

/* --- refusals --------------------------------------------------------------------- */

void api_refusal_clear(struct api_refusal *r)
{
    r->error = API_E__COUNT;
    r->detail = NULL;
}

enum db_status api_refuse(struct api_refusal *r, enum api_error error, const char *detail)
{
    r->error = error;
    r->detail = detail;
    return DB_REFUSED;
}

int api_txn_problem(struct api_reply *out, enum db_status st, const struct api_refusal *r)
{
    if (st == DB_REFUSED && r->error != API_E__COUNT)
        return api_problem(out, r->error, r->detail);
    return api_problem_db(out, st);
}
