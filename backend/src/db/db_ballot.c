/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * db/db_ballot.c — SQL of ballots (see db_ballot.h and the slot design in
 * sql/010_questions.sql). bytea travels as PostgreSQL's text hex form.
 */
#include "db/db_ballot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"
#include "platform/crypto.h"

static const char *opt_id(struct arena *a, int64_t id)
{
    return id > 0 ? db_param_i64(a, id) : NULL;
}

static void copy_state(char dst[8], const char *v)
{
    snprintf(dst, 8, "%s", v ? v : "");
}

/* Caller: api_ballots.c (cast precheck, board, receipt). $2 NULL = anonymous. */
static const struct db_stmt stmt_question = {
    .name = "ballot_question",
    .sql = "SELECT q.assembly_id, q.state, q.secrecy = 'secret', coalesce(q.max_rankings, -1), "
           "(extract(epoch FROM q.closes_at) * 1000000)::bigint, coalesce(q.ballot_count, -1), "
           "q.board_root, coalesce(q.closed_log_size, 0), "
           "(SELECT string_agg(CASE WHEN o.excluded THEN '1' ELSE '0' END, '' ORDER BY o.position) "
           "FROM question_options o WHERE o.question_id = q.id), "
           "a.visibility = 'public', a.join_policy = 'open', m.role, m.status "
           "FROM questions q JOIN assemblies a ON a.id = q.assembly_id "
           "LEFT JOIN memberships m ON m.assembly_id = a.id AND m.account_id = $2 "
           "WHERE q.id = $1",
    .nparams = 2,
};

enum db_status db_ballot_question(struct db_conn *c, struct arena *a, int64_t qid, int64_t viewer,
                                  struct db_ballot_question *q)
{
    const char *p[2] = {db_param_i64(a, qid), opt_id(a, viewer)};
    struct db_result r;
    memset(q, 0, sizeof *q);
    enum db_status st = db_query_one(c, a, &stmt_question, p, &r);
    if (st != DB_OK) {
        return st;
    }
    int64_t mr = 0, bc = 0;
    const char *ex = db_value(&r, 0, 8);
    if (db_get_i64(&r, 0, 0, &q->assembly_id) != 0 || db_get_bool(&r, 0, 2, &q->secret) != 0 ||
        db_get_i64(&r, 0, 4, &q->closes_at_us) != 0 ||
        db_get_bool(&r, 0, 9, &q->sd.is_public) != 0 ||
        db_get_bool(&r, 0, 10, &q->sd.open_to_join) != 0 || ex == NULL ||
        strlen(ex) > DB_BALLOT_MAX_OPTIONS) {
        return DB_HARD_ERROR;
    }
    /* db_get_i64 reads -1 as garbage-or-null; these columns are coalesced */
    mr = strtoll(db_value(&r, 0, 3), NULL, 10);
    bc = strtoll(db_value(&r, 0, 5), NULL, 10);
    q->id = qid;
    copy_state(q->state, db_value(&r, 0, 1));
    q->max_rankings = (int)mr;
    q->ballot_count = (int)bc;
    q->has_root = !db_is_null(&r, 0, 6);
    if (q->has_root && db_bytea_fixed(db_value(&r, 0, 6), q->board_root, DB_BALLOT_HASH) != 0) {
        return DB_HARD_ERROR;
    }
    q->closed_log_size = strtoll(db_value(&r, 0, 7), NULL, 10);
    q->n_options = (int)strlen(ex);
    for (int i = 0; i < q->n_options; i++) {
        q->excluded[i] = ex[i] == '1';
    }
    q->sd.role = db_value(&r, 0, 11);
    q->sd.status = db_value(&r, 0, 12);
    return DB_OK;
}

/*
 * Caller: api_ballots.c cast body. One statement (one round trip per
 * ballot in a group-committed batch). q locks the question row FOR SHARE
 * only when it is open and before its deadline (the WHERE is evaluated
 * before the lock; under a concurrent close it waits and re-checks the new
 * version), so the close's UPDATE waits for the casts in flight and no
 * ballot lands after the seal. r marks the roll row only then; b fills one
 * free slot only when r marked (the first free key ≥ $5, else the first
 * free key at all; SKIP LOCKED passes over slots another transaction is
 * filling) and gives it a fresh random key $8: the free slot chosen
 * depends on its neighbours in key order (the first free key after a
 * random point favours slots behind recently filled ones, as linear
 * probing does), so the chosen key would keep a trace of fill order; the
 * fresh key keeps none. ok: $9, when set, is the caller's session not yet
 * re-read (api/auth.h "unverified"): r marks nothing unless that row still
 * exists for the account, and the answer says so (a 401; nothing written).
 * i and v follow b. All CTEs see one snapshot: on_roll is the
 * roll row as it was, so "on the roll but not marked" means voted.
 */
static const struct db_stmt stmt_cast = {
    .name = "ballot_cast",
    .sql =
        "WITH q0 AS (SELECT assembly_id, state, secrecy FROM questions WHERE id = $1), "
        "q AS (SELECT id FROM questions WHERE id = $1 AND state = 'open' "
        "  AND closes_at > clock_timestamp() FOR SHARE), "
        "ok AS (SELECT $9::bigint IS NULL OR EXISTS (SELECT 1 FROM sessions "
        "  WHERE id = $9::bigint AND account_id = $2) AS ok), "
        "r AS (UPDATE question_roll SET voted = true WHERE question_id = $1 AND account_id = $2 "
        "  AND NOT voted AND EXISTS (SELECT 1 FROM q) AND (SELECT ok FROM ok) RETURNING country), "
        "b AS (UPDATE ballots SET filled = true, slot = $8, receipt = $3::bytea, ranking = "
        "$4::bytea, "
        "  country = (SELECT country FROM r) "
        "  WHERE question_id = $1 AND NOT filled AND EXISTS (SELECT 1 FROM r) AND slot = coalesce("
        "  (SELECT slot FROM ballots WHERE question_id = $1 AND NOT filled AND slot >= $5 "
        "    ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED), "
        "  (SELECT slot FROM ballots WHERE question_id = $1 AND NOT filled "
        "    ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)) RETURNING slot), "
        "i AS (INSERT INTO ballot_idempotency (question_id, lookup, sealed) "
        "  SELECT $1, $6::bytea, $7::bytea FROM b WHERE $6::bytea IS NOT NULL), "
        "v AS (INSERT INTO roll_call_votes (question_id, account_id, receipt) "
        "  SELECT $1, $2, $3::bytea FROM b, q0 WHERE q0.secrecy = 'roll_call') "
        "SELECT q0.state, EXISTS (SELECT 1 FROM q), "
        "EXISTS (SELECT 1 FROM question_roll WHERE question_id = $1 AND account_id = $2), "
        "EXISTS (SELECT 1 FROM r), EXISTS (SELECT 1 FROM b), "
        "a.visibility = 'public', a.join_policy = 'open', m.role, m.status, (SELECT ok FROM ok) "
        "FROM q0 JOIN assemblies a ON a.id = q0.assembly_id "
        "LEFT JOIN memberships m ON m.assembly_id = a.id AND m.account_id = $2",
    .nparams = 9,
};

enum db_status db_ballot_cast(struct db_conn *c, struct arena *a, const struct db_cast_in *in,
                              struct db_cast_out *out)
{
    const char *p[9] = {
        db_param_i64(a, in->qid),
        db_param_i64(a, in->account_id),
        db_bytea_param(a, in->receipt, DB_BALLOT_HASH),
        db_bytea_param(a, in->ranking, in->n_ranking),
        arena_printf(a, "%lld", (long long)in->slot_from),
        in->lookup ? db_bytea_param(a, in->lookup, DB_BALLOT_HASH) : NULL,
        in->lookup ? db_bytea_param(a, in->sealed, in->n_sealed) : NULL,
        arena_printf(a, "%lld", (long long)in->new_slot),
        in->session_id > 0 ? db_param_i64(a, in->session_id) : NULL,
    };
    struct db_result r;
    memset(out, 0, sizeof *out);
    enum db_status st = db_query_one(c, a, &stmt_cast, p, &r);
    if (st != DB_OK) {
        return st;
    }
    bool roll_marked = false;
    if (db_get_bool(&r, 0, 1, &out->open_now) != 0 || db_get_bool(&r, 0, 2, &out->on_roll) != 0 ||
        db_get_bool(&r, 0, 3, &roll_marked) != 0 || db_get_bool(&r, 0, 4, &out->cast) != 0 ||
        db_get_bool(&r, 0, 5, &out->sd.is_public) != 0 ||
        db_get_bool(&r, 0, 6, &out->sd.open_to_join) != 0 ||
        db_get_bool(&r, 0, 9, &out->session_ok) != 0) {
        return DB_HARD_ERROR;
    }
    copy_state(out->state, db_value(&r, 0, 0));
    out->slot_missing = roll_marked && !out->cast;
    out->sd.role = db_value(&r, 0, 7);
    out->sd.status = db_value(&r, 0, 8);
    return DB_OK;
}

/*
 * Caller: api_ballots.c's batch body. stmt_cast for n casts at once: x
 * holds the items (arrays, bytea as hex text; $8 the batch's random start
 * of the free-slot search) and x.ok, whether the item's unverified session
 * ($9, NULL = verified) still exists for its account: one primary-key
 * lookup per item instead of a round trip per cast; only ok items reach
 * first, so a gone session marks and writes nothing. r0 marks the roll rows (= ANY: an index scan
 * whatever the statistics say); r gives each marked account its earliest
 * item (first), so a second cast of one account in the batch finds its
 * roll row marked ("already voted") as it would serially. f1 locks
 * the first free slots from $8 on, f2 the rest from the lowest key, as
 * many as r marked (SKIP LOCKED); s and rk pair them (k-th marked item in
 * arrival order, k-th slot in search order) into p; b fills each slot of
 * p, found by the tuple id f1/f2 locked (a TID scan: no index at all),
 * with its item's fresh random key, receipt, ranking and the roll row's
 * country. Why by tuple id: with "question_id = $1 AND slot = ANY (…)
 * AND NOT filled" the planner, once ANALYZE had seen mostly filled
 * questions (few rows match ballots_free's predicate), scanned the
 * question's whole part of ballots_free and filtered the slots (up to
 * 9,300 rows and 10,000 buffers for a batch of 32: 10–40 ms, measured in
 * the bench's later rounds, bench/questions/README.md); a tuple id cannot
 * be misestimated that way, and b names no indexed column, so no index
 * path competes with the TID scan. "filled IS NOT TRUE" (filled is NOT
 * NULL: the same as NOT filled) still guards the write without implying
 * ballots_free's predicate. The tuples are this question's free slots as
 * f1/f2 locked them in this statement (FOR UPDATE returns the version it
 * locked, after re-checking the WHERE on it), so nobody changed them
 * since. i and v
 * follow b. One row per item, in item order; the roll and membership
 * lookups are LATERAL … LIMIT 1 so that they stay index lookups per item
 * (a hash over the whole roll and the assembly's memberships, as the
 * planner chose with the bench's statistics, cost 30–90 ms a batch; the
 * "= ANY" conditions pin index scans the same way). Every write of the batch
 * happens in one (sub)transaction, so all the batch's ballots and roll
 * marks share one xmin (README "Ballots and their secrecy").
 */
static const struct db_stmt stmt_cast_many = {
    .name = "ballot_cast_many",
    .sql =
        "WITH x AS (SELECT u.*, u.session_id IS NULL OR EXISTS (SELECT 1 FROM sessions s "
        "  WHERE s.id = u.session_id AND s.account_id = u.account_id) AS ok "
        "  FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], "
        "  $6::text[], $7::bigint[], $9::bigint[]) WITH ORDINALITY "
        "  AS u(account_id, receipt, ranking, lookup, sealed, new_slot, session_id, ord)), "
        "q0 AS (SELECT assembly_id, state, secrecy FROM questions WHERE id = $1), "
        "q AS (SELECT id FROM questions WHERE id = $1 AND state = 'open' "
        "  AND closes_at > clock_timestamp() FOR SHARE), "
        "first AS (SELECT DISTINCT ON (account_id) account_id, ord FROM x WHERE ok "
        "  ORDER BY account_id, ord), "
        "r0 AS (UPDATE question_roll SET voted = true WHERE question_id = $1 "
        "  AND account_id = ANY (ARRAY(SELECT account_id FROM first)) AND NOT voted "
        "  AND EXISTS (SELECT 1 FROM q) "
        "  RETURNING account_id, country), "
        "r AS (SELECT first.ord, r0.country FROM r0 JOIN first USING (account_id)), "
        "f1 AS (SELECT slot, ctid FROM ballots WHERE question_id = $1 AND NOT filled "
        "  AND slot >= $8 ORDER BY slot LIMIT (SELECT count(*) FROM r) FOR UPDATE SKIP LOCKED), "
        "f2 AS (SELECT slot, ctid FROM ballots WHERE question_id = $1 AND NOT filled AND slot < $8 "
        "  ORDER BY slot LIMIT (SELECT count(*) FROM r) - (SELECT count(*) FROM f1) "
        "  FOR UPDATE SKIP LOCKED), "
        "s AS (SELECT slot, tid, row_number() OVER (ORDER BY part, slot) AS k "
        "  FROM (SELECT slot, ctid AS tid, 0 AS part FROM f1 "
        "  UNION ALL SELECT slot, ctid, 1 FROM f2) u), "
        "rk AS (SELECT ord, country, row_number() OVER (ORDER BY ord) AS k FROM r), "
        "p AS (SELECT s.slot, s.tid, x.new_slot, x.receipt, x.ranking, rk.country, x.ord "
        "  FROM rk JOIN s USING (k) JOIN x USING (ord)), "
        "b AS (UPDATE ballots t SET filled = true, (slot, receipt, ranking, country) = "
        "  (SELECT p.new_slot, decode(p.receipt, 'hex'), decode(p.ranking, 'hex'), p.country "
        "  FROM p WHERE p.slot = t.slot) "
        "  WHERE t.ctid = ANY (ARRAY(SELECT tid FROM p)) AND t.filled IS NOT TRUE "
        "  RETURNING (SELECT p.ord FROM p WHERE p.new_slot = t.slot) AS ord), "
        "i AS (INSERT INTO ballot_idempotency (question_id, lookup, sealed) "
        "  SELECT $1, decode(x.lookup, 'hex'), decode(x.sealed, 'hex') FROM b JOIN x USING (ord) "
        "  WHERE x.lookup IS NOT NULL), "
        "v AS (INSERT INTO roll_call_votes (question_id, account_id, receipt) "
        "  SELECT $1, x.account_id, decode(x.receipt, 'hex') FROM b JOIN x USING (ord), q0 "
        "  WHERE q0.secrecy = 'roll_call') "
        "SELECT x.ord, q0.state, EXISTS (SELECT 1 FROM q), ro.on_roll IS NOT NULL, "
        "EXISTS (SELECT 1 FROM r WHERE r.ord = x.ord), EXISTS (SELECT 1 FROM b WHERE b.ord = "
        "x.ord), "
        "a.visibility = 'public', a.join_policy = 'open', m.role, m.status, x.ok "
        "FROM x CROSS JOIN q0 JOIN assemblies a ON a.id = q0.assembly_id "
        "LEFT JOIN LATERAL (SELECT true AS on_roll FROM question_roll "
        "  WHERE question_id = $1 AND account_id = x.account_id LIMIT 1) ro ON true "
        "LEFT JOIN LATERAL (SELECT role, status FROM memberships "
        "  WHERE assembly_id = a.id AND account_id = x.account_id LIMIT 1) m ON true "
        "ORDER BY x.ord",
    .nparams = 9,
};

/* Appends bytes as hex (no quoting needed in an array literal). */
static void hex_elem(char **pos, const uint8_t *p, size_t n)
{
    if (n > 0)
        pnyx_crypto_hex(p, n, *pos);
    *pos += 2 * n;
}

enum db_status db_ballot_cast_many(struct db_conn *c, struct arena *a,
                                   const struct db_cast_in *const *in,
                                   struct db_cast_out *const *out, size_t n)
{
    if (n == 0)
        return DB_OK;
    /* Sizes: ids ≤ 20 digits + sign + comma; hex 2 bytes a byte + comma. */
    size_t nid = 2, nrec = 2, nrank = 2, nlook = 2, nseal = 2, nslot = 2, nses = 2;
    for (size_t i = 0; i < n; i++) {
        nid += 22;
        nses += 22;
        nslot += 22;
        nrec += 2 * DB_BALLOT_HASH + 1;
        nrank += 2 * in[i]->n_ranking + 1;
        nlook += in[i]->lookup ? 2 * DB_BALLOT_HASH + 1 : 5;
        nseal += in[i]->lookup ? 2 * in[i]->n_sealed + 1 : 5;
    }
    char *ids = arena_alloc(a, nid), *recs = arena_alloc(a, nrec), *ranks = arena_alloc(a, nrank),
         *looks = arena_alloc(a, nlook), *seals = arena_alloc(a, nseal),
         *slots = arena_alloc(a, nslot), *sess = arena_alloc(a, nses);
    char *pi = ids, *pr = recs, *pk = ranks, *pl = looks, *ps = seals, *pn = slots, *pe = sess;
    for (size_t i = 0; i < n; i++) {
        char sep = i == 0 ? '{' : ',';
        *pi++ = *pr++ = *pk++ = *pl++ = *ps++ = *pn++ = *pe++ = sep;
        if (in[i]->session_id > 0)
            pe += sprintf(pe, "%lld", (long long)in[i]->session_id);
        else
            pe += sprintf(pe, "NULL");
        pi += sprintf(pi, "%lld", (long long)in[i]->account_id);
        pn += sprintf(pn, "%lld", (long long)in[i]->new_slot);
        hex_elem(&pr, in[i]->receipt, DB_BALLOT_HASH);
        hex_elem(&pk, in[i]->ranking, in[i]->n_ranking);
        if (in[i]->lookup) {
            hex_elem(&pl, in[i]->lookup, DB_BALLOT_HASH);
            hex_elem(&ps, in[i]->sealed, in[i]->n_sealed);
        } else {
            memcpy(pl, "NULL", 4);
            memcpy(ps, "NULL", 4);
            pl += 4;
            ps += 4;
        }
    }
    strcpy(pi, "}");
    strcpy(pr, "}");
    strcpy(pk, "}");
    strcpy(pl, "}");
    strcpy(ps, "}");
    strcpy(pn, "}");
    strcpy(pe, "}");
    const char *p[9] = {
        db_param_i64(a, in[0]->qid),
        ids,
        recs,
        ranks,
        looks,
        seals,
        slots,
        arena_printf(a, "%lld", (long long)in[0]->slot_from),
        sess,
    };
    struct db_result r;
    for (size_t i = 0; i < n; i++)
        memset(out[i], 0, sizeof *out[i]);
    enum db_status st = db_query_stmt(c, a, &stmt_cast_many, p, &r);
    if (st != DB_OK)
        return st;
    if (r.nrows == 0)
        return DB_NOT_FOUND;
    if ((size_t)r.nrows != n)
        return DB_HARD_ERROR;
    for (size_t i = 0; i < n; i++) {
        int row = (int)i;
        int64_t ord = 0;
        bool roll_marked = false;
        struct db_cast_out *o = out[i];
        if (db_get_i64(&r, row, 0, &ord) != 0 || ord != (int64_t)i + 1 ||
            db_get_bool(&r, row, 2, &o->open_now) != 0 ||
            db_get_bool(&r, row, 3, &o->on_roll) != 0 ||
            db_get_bool(&r, row, 4, &roll_marked) != 0 || db_get_bool(&r, row, 5, &o->cast) != 0 ||
            db_get_bool(&r, row, 6, &o->sd.is_public) != 0 ||
            db_get_bool(&r, row, 7, &o->sd.open_to_join) != 0 ||
            db_get_bool(&r, row, 10, &o->session_ok) != 0) {
            return DB_HARD_ERROR;
        }
        copy_state(o->state, db_value(&r, row, 1));
        o->slot_missing = roll_marked && !o->cast;
        o->sd.role = db_value(&r, row, 8);
        o->sd.status = db_value(&r, row, 9);
    }
    return DB_OK;
}

/* Caller: api_ballots.c (a request with an Idempotency-Key). */
static const struct db_stmt stmt_idem_get = {
    .name = "ballot_idem_get",
    .sql = "SELECT sealed FROM ballot_idempotency WHERE question_id = $1 AND lookup = $2::bytea",
    .nparams = 2,
};

enum db_status db_ballot_idem_get(struct db_conn *c, struct arena *a, int64_t qid,
                                  const uint8_t lookup[DB_BALLOT_HASH], const uint8_t **sealed,
                                  size_t *n)
{
    const char *p[2] = {db_param_i64(a, qid), db_bytea_param(a, lookup, DB_BALLOT_HASH)};
    struct db_result r;
    enum db_status st = db_query_one(c, a, &stmt_idem_get, p, &r);
    if (st != DB_OK) {
        return st;
    }
    return db_bytea_any(a, db_value(&r, 0, 0), sealed, n) == 0 ? DB_OK : DB_HARD_ERROR;
}

static int entry_row(struct arena *a, const struct db_result *r, int row, struct db_board_entry *e)
{
    const char *country = db_value(r, row, 3);
    if (db_get_i64(r, row, 0, &e->index) != 0 ||
        db_bytea_fixed(db_value(r, row, 1), e->receipt, DB_BALLOT_HASH) != 0 ||
        db_bytea_any(a, db_value(r, row, 2), &e->ranking, &e->n_ranking) != 0 || country == NULL ||
        strlen(country) != 2) {
        return -1;
    }
    memcpy(e->country, country, 3);
    return 0;
}

/* Caller: board_cache.c, reading a sealed board into memory in chunks. */
static const struct db_stmt stmt_page = {
    .name = "ballot_board_page",
    .sql = "SELECT board_index, receipt, ranking, country FROM ballots "
           "WHERE question_id = $1 AND slot >= $2 AND slot < $2 + $3 AND board_index IS NOT NULL "
           "ORDER BY slot",
    .nparams = 3,
};

enum db_status db_ballot_board_page(struct db_conn *c, struct arena *a, int64_t qid, int64_t from,
                                    int limit, struct db_board_entry **items, int *n)
{
    const char *p[3] = {db_param_i64(a, qid), db_param_i64(a, from), db_param_i64(a, limit)};
    struct db_result r;
    *items = NULL;
    *n = 0;
    enum db_status st = db_query_stmt(c, a, &stmt_page, p, &r);
    if (st != DB_OK) {
        return st;
    }
    struct db_board_entry *v = arena_alloc(a, sizeof *v * (size_t)(r.nrows > 0 ? r.nrows : 1));
    for (int i = 0; i < r.nrows; i++) {
        if (entry_row(a, &r, i, &v[i]) != 0) {
            return DB_HARD_ERROR;
        }
    }
    *items = v;
    *n = r.nrows;
    return DB_OK;
}
