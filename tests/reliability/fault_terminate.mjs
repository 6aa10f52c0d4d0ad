// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_terminate: pg_terminate_backend on pnyxd's connections that are
// inside a statement or a transaction (state active / idle in
// transaction), 20 rounds (100 soak) during a cast load, found by a poll
// every 5 ms inside PostgreSQL. It found a lost ballot: a connection
// terminated right after a batch's statement was replaced by db_connect
// before the COMMIT, which then "succeeded" outside any transaction — a
// 201 for a ballot rolled back (fixed in db/db_conn.c; test
// tests/integration_db/test_wait_bound.c). Each cast answers 201, or
// 503 problem+json with Retry-After within the documented bound (never
// 500); neither the pool nor the group-commit runners wedge (the load
// finishes by itself, pnyxd's connections come back to a handful);
// nothing acknowledged is lost (board = acknowledged = roll marks,
// pnyx-verify passes).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

const VOTERS = L.scale(1500, { asan: 1, soak: 5 });
const ROUNDS = L.SOAK ? 100 : 20;
// a terminated backend fails its statement at once: the 503 comes as
// fast as any answer; the bound is the silent-database one (README) with
// the same margin as fault_freeze
const BOUND_MS = 6100 + (L.SANITIZED ? 4000 : 2500);

test(`pg_terminate_backend x${ROUNDS} on pnyxd's busy connections during a ${VOTERS}-voter cast load`, { timeout: 300000 }, async () => {
  await L.withOpenVote('term', VOTERS, async ({ c, p, conv, aid, vs, qid }) => {

    let acks = 0;
    const bad = [];
    let slowest503 = 0;
    let killed = 0;
    let killer = null;
    const sent = new Map();
    // The terminations run inside PostgreSQL (a test-only function in this
    // throwaway database): it polls pg_stat_activity every 5 ms and
    // terminates pnyxd's backends that are inside a statement or a
    // transaction, then pauses 100-300 ms, ROUNDS times or until the
    // load is done; a poll from here would mostly find them idle.
    // (the count goes into a sequence: not rolled back when the function
    // is cancelled at the end of the load)
    c.psql('CREATE SEQUENCE rel_terms');
    c.psql(`CREATE FUNCTION rel_terminate(n int, max_s float8) RETURNS int LANGUAGE plpgsql AS $f$
      DECLARE k int := 0; r int := 0; t0 timestamptz := clock_timestamp(); got int;
      BEGIN
        WHILE r < n AND clock_timestamp() < t0 + make_interval(secs => max_s) LOOP
          PERFORM pg_stat_clear_snapshot();
          SELECT count(pg_terminate_backend(pid)) INTO got FROM pg_stat_activity
           WHERE application_name = 'pnyxd' AND state IN ('active', 'idle in transaction')
             AND pid <> pg_backend_pid();
          IF got > 0 THEN k := k + got; r := r + 1; PERFORM nextval('rel_terms') FROM generate_series(1, got); PERFORM pg_sleep(0.1 + random() * 0.2);
          ELSE PERFORM pg_sleep(0.005); END IF;
        END LOOP;
        RETURN k;
      END $f$`);
    const terminate = async () => {
      const t0 = Date.now();
      await c.query(`SELECT rel_terminate(${ROUNDS}, 60)`).catch(() => {}); // cancelled at the end
      termMs = Date.now() - t0;
    };
    let termMs = 0;
    const hist = new Map(); // voter → [[status, ms since the load began, receipt]]
    const tLoad = Date.now();
    const onResult = (v, res) => {
      if (!hist.has(v.id)) hist.set(v.id, []);
      hist.get(v.id).push([res.status, Date.now() - tLoad, res.json?.receipt?.slice(0, 12) ?? res.json?.type]);
      if (res.status === 201) acks++;
      else if (res.status === 503 && res.headers['retry-after'] && (res.headers['content-type'] || '').startsWith('application/problem+json')) {
        slowest503 = Math.max(slowest503, Date.now() - (sent.get(v.id) || Date.now()));
      } else bad.push({ status: res.status, body: res.text.slice(0, 200) });
      if (!killer && acks >= 1) killer = terminate();
    };
    // the request's start time, per voter (for the 503 latency)
    const timed = vs.map((v) => ({ ...v, get token() { sent.set(v.id, Date.now()); return v.token; } }));
    const r = await L.castLoad({ p, qid, voters: timed, concurrency: 16, deadlineMs: 240000, requestTimeout: 60000, onResult });
    // the terminations end when the load ends: a busy backend is one of
    // the load's (pg_cancel of the function after the load)
    await c.query("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT rel_terminate%' AND pid <> pg_backend_pid()").catch(() => {});
    await killer;
    killed = c.int("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rel_terms");
    L.log(`fault_terminate: ${VOTERS} voters, ${r.acked.size} acknowledged in ${r.elapsedMs} ms, statuses ${JSON.stringify(r.statuses)}, terminated ${killed} backends in ${termMs} ms, slowest 503 ${slowest503} ms, socket errors ${r.errors}, load ${L.loadavg()}`);
    assert.ok(killer, 'the terminations ran during the load');
    assert.ok(killed > 0, 'some busy backend was terminated');
    assert.deepEqual(bad, [], 'only 201 and 503 problem+json with Retry-After');
    assert.ok(slowest503 <= BOUND_MS, `503 within ${BOUND_MS} ms (slowest ${slowest503})`);
    assert.equal(r.errors, 0, 'no dropped client connection');
    assert.ok(p.alive() && p.exits.length === 0, 'pnyxd never exited');
    assert.equal(r.unfinished, 0, 'every voter got a final answer (nothing wedged)');
    assert.deepEqual(timed.filter((v) => v.final !== 201).map((v) => v.final), [], 'every voter cast once');
    // not wedged after the load either: a read answers at once
    const t0 = Date.now();
    assert.equal((await L.http(p.url, 'GET', `/api/v1/questions/${qid}`, { token: conv.token })).status, 200);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal((await L.closeQuestion(p, conv, qid)).status, 200, 'close');
    await L.waitTallied(p, conv, qid, { timeout: 120000 });
    const bd = await L.board(p, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    const lost = [...r.acked.values()].filter((x) => !onBoard.has(x));
    if (lost.length) {
      // what the database knows of those voters (for the report)
      const who = [...r.acked.entries()].filter(([, x]) => !onBoard.has(x)).map(([id]) => id);
      for (const id of who.slice(0, 5)) L.log(`fault_terminate: voter ${id} answers ${JSON.stringify(hist.get(id))}`);
      L.log(`fault_terminate: voters of lost receipts ${who.slice(0, 5)}: roll ${c.psql(`SELECT account_id, voted FROM question_roll WHERE question_id = ${qid} AND account_id IN (${who.slice(0, 5).join(',')})`).replace(/\n/g, ' ')}`);
    }
    if (lost.length) L.log(`fault_terminate: ${lost.length} acknowledged receipts missing from the board (board ${bd.length}, acknowledged ${r.acked.size}, roll marks ${c.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`)}): ${lost.slice(0, 5).join(' ')}`);
    assert.deepEqual(lost, [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, r.acked.size, 'board = acknowledged');
    assert.equal(c.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`), bd.length, 'ballots = roll marks');
    const v = L.verify(await L.fetchRecord(p, conv.token, aid, path.join(c.dir, 'record.json')));
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    const conns = c.int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pnyxd'");
    L.log(`fault_terminate: pnyxd's database connections after: ${conns}`);
    assert.ok(conns <= 32, `pnyxd holds ${conns} database connections`);
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
  });
});
