/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_warm.c — a new connection runs the hot statements once, inertly,
 * before it serves (db_set_warm).
 *
 * Why: a fresh PostgreSQL backend reads its catalog caches on the first
 * statement that names a table, and pnyxd prepares each statement on its
 * first use. Measured on the bench's first round of a fresh pnyxd
 * (bench/questions/README.md "A fresh pnyxd's first casts"): a runner's
 * first batch spent 8 ms parsing ballot_cast_many, 9–12 ms planning it and
 * 10–13 ms executing it, after opening its connection at that moment —
 * ~30 ms on top of the batch, paid by the 30 casts inside it and the 30
 * queued behind it, i.e. the whole first round's p99.
 *
 * Every statement here names question 0, account 0, a session hash of
 * zeros: no such rows exist (ids are BIGSERIAL from 1), so each touches
 * the same tables, indexes and plans as a real call and writes nothing.
 */
#include <stdint.h>
#include <string.h>

#include "db/db.h"
#include "db/db_ballot.h"
#include "db/db_int.h"
#include "db/db_session.h"
#include "platform/arena.h"
#include "platform/log.h"

void db_warm_hot(struct db_conn *c)
{
    struct arena *a = arena_new();
    static const uint8_t zero[32];
    struct db_session s;
    struct db_ballot_question q;
    struct db_cast_in in = {.receipt = zero, .ranking = zero, .n_ranking = 2};
    struct db_cast_out out;
    const struct db_cast_in *ins[1] = {&in};
    struct db_cast_out *outs[1] = {&out};
    /* NOT_FOUND is every statement's expected answer. Anything else stops
     * the warm-up: a failed statement may have dropped the connection, and
     * the next one would open another (db_connect reports the drop). */
    enum db_status st = db_session_lookup(c, a, zero, &s);
    if (st == DB_NOT_FOUND)
        st = db_ballot_question(c, a, 0, 0, &q);
    if (st == DB_NOT_FOUND)
        st = db_ballot_cast(c, a, &in, &out);
    if (st == DB_NOT_FOUND)
        st = db_ballot_cast_many(c, a, ins, outs, 1);
    if (st != DB_NOT_FOUND)
        log_debug("connection warm-up stopped: %s", db_status_name(st));
    arena_free(a);
}
