// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_terminate: pg_terminate_backend on pnyxd's connections that are
// inside a statement or a transaction (state active / idle in
// transaction), 20 rounds during a cast load. Each cast answers 201, or
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
  const c = await L.Cluster.start({ name: 'term' });
  const p = new L.Pnyxd(c, { env: { PNYX_WORKERS: '1' } });
  try {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    const vs = L.voters(c, aid, VOTERS);
    const qid = await L.question(p, conv, aid, { options: 4 });
    await L.openQuestion(p, conv, qid);

    let acks = 0;
    const bad = [];
    let slowest503 = 0;
    let killed = 0;
    let rounds = 0;
    let killer = null;
    const sent = new Map();
    const terminate = async () => {
      while (rounds < ROUNDS) {
        // only connections inside a statement or a transaction: the fault
        // is "mid-transaction", not an idle connection's loss
        const n = await c.qint(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                         WHERE application_name = 'pnyxd' AND state IN ('active', 'idle in transaction')`);
        killed += n;
        rounds++;
        await L.sleep(100 + Math.random() * 200);
      }
    };
    const onResult = (v, res) => {
      if (res.status === 201) acks++;
      else if (res.status === 503 && res.headers['retry-after'] && (res.headers['content-type'] || '').startsWith('application/problem+json')) {
        slowest503 = Math.max(slowest503, Date.now() - (sent.get(v.id) || Date.now()));
      } else bad.push({ status: res.status, body: res.text.slice(0, 200) });
      if (!killer && acks >= VOTERS / 10) killer = terminate();
    };
    // the request's start time, per voter (for the 503 latency)
    const timed = vs.map((v) => ({ ...v, get token() { sent.set(v.id, Date.now()); return v.token; } }));
    const r = await L.castLoad({ p, qid, voters: timed, concurrency: 16, deadlineMs: 240000, requestTimeout: 60000, onResult });
    await killer;
    L.log(`fault_terminate: ${VOTERS} voters, ${r.acked.size} acknowledged in ${r.elapsedMs} ms, statuses ${JSON.stringify(r.statuses)}, ${rounds} rounds terminated ${killed} backends, slowest 503 ${slowest503} ms, socket errors ${r.errors}, load ${L.loadavg()}`);
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
    assert.deepEqual([...r.acked.values()].filter((x) => !onBoard.has(x)), [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, r.acked.size, 'board = acknowledged');
    assert.equal(c.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`), bd.length, 'ballots = roll marks');
    const v = L.verify(await L.fetchRecord(p, conv.token, aid, path.join(c.dir, 'record.json')));
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    const conns = c.int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pnyxd'");
    L.log(`fault_terminate: pnyxd's database connections after: ${conns}`);
    assert.ok(conns <= 32, `pnyxd holds ${conns} database connections`);
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
  } catch (e) {
    L.log(`--- pnyxd log tail ---\n${p.logText().slice(-4000)}`);
    throw e;
  } finally {
    await p.stop().catch(() => {});
    c.destroy();
  }
});
