// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_freeze: SIGSTOP of every PostgreSQL process for 10 s during a cast
// load (the database alive but silent: connections open, nothing
// answers). Every request started meanwhile gets an answer within the
// documented bound (README: pnyxd's DB wait bound + margin) and that answer
// is 503 problem+json with Retry-After, never 500; neither the pool nor the
// group-commit runners wedge: after SIGCONT the load finishes by itself,
// every acknowledged ballot is on the board, ballots = roll marks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as L from './lib.mjs';

const VOTERS = L.scale(1000, { asan: 1, soak: 5 });
const FROZEN_MS = 10000;
// the documented bound of a request while the database is silent
// (README): PNYX_DB_TIMEOUT (4 s) + the watchdog's ping (2 s) + a 0.1 s
// tick after its statement started, plus a margin for a loaded 2-core
// machine; once the watchdog has found the server silent, a request is
// answered 503 at once (FAST_MS, with margin)
const BOUND_MS = 6100 + (L.SANITIZED ? 3000 : 2500);
const FAST_MS = L.SANITIZED ? 3000 : 1500;

test(`SIGSTOP PostgreSQL ${FROZEN_MS / 1000} s during a ${VOTERS}-voter cast load`, { timeout: 300000 }, async () => {
  await L.withOpenVote('freeze', VOTERS, async ({ c, p, conv, aid, vs, qid }) => {

    let acks = 0;
    const bad = [];
    let frozenAt = 0;
    let thawedAt = 0;
    let fault = null;
    const probes = [];
    const freeze = async () => {
      frozenAt = Date.now();
      c.freeze();
      // a reader and a caster started every 250 ms while frozen, each
      // timed on its own (the client waits up to 60 s: the bound is pnyxd's)
      const started = [];
      while (Date.now() - frozenAt < FROZEN_MS) {
        const t = Date.now();
        started.push(L.http(p.url, 'GET', `/api/v1/questions/${qid}`, { token: conv.token, timeout: 60000 })
          .then((r) => ({ kind: 'read', at: t - frozenAt, ms: Date.now() - t, status: r.status, ra: r.headers['retry-after'], ct: r.headers['content-type'], answeredFrozen: !thawedAt }),
            (e) => ({ kind: 'read', at: t - frozenAt, ms: Date.now() - t, error: e.message })));
        await L.sleep(250);
      }
      if (process.env.PNYX_REL_GDB === '1') {
        // developing: pnyxd's threads while the database is frozen
        const { spawnSync } = await import('node:child_process');
        L.log(spawnSync('gdb', ['-p', String(p.pid), '-batch', '-ex', 'thread apply all bt 12'], { encoding: 'utf8', timeout: 30000 }).stdout);
      }
      c.thaw();
      thawedAt = Date.now();
      probes.push(...(await Promise.all(started)));
    };
    const onResult = (v, res) => {
      if (res.status === 201) acks++;
      else if (res.status !== 503 || !res.headers['retry-after'] || !(res.headers['content-type'] || '').startsWith('application/problem+json')) bad.push({ status: res.status, body: res.text.slice(0, 200) });
      if (!fault && acks >= VOTERS / 4) fault = freeze();
    };
    const r = await L.castLoad({ p, qid, voters: vs, concurrency: 16, deadlineMs: 240000, requestTimeout: 60000, onResult });
    await fault;
    const during = probes.filter((x) => x.at < FROZEN_MS - BOUND_MS);
    const slow = during.filter((x) => x.error || x.ms > BOUND_MS);
    const statuses = {};
    for (const x of probes) statuses[x.status ?? 'error'] = (statuses[x.status ?? 'error'] || 0) + 1;
    const worst = Math.max(...during.map((x) => x.ms));
    L.log(`fault_freeze: ${VOTERS} voters, ${r.acked.size} acknowledged in ${r.elapsedMs} ms, cast statuses ${JSON.stringify(r.statuses)}, reads while frozen ${probes.length} ${JSON.stringify(statuses)}, slowest read started ≥ bound before thaw ${worst} ms (bound ${BOUND_MS}), load ${L.loadavg()}`);
    assert.ok(fault, 'the freeze happened during the load');
    assert.ok(during.length > 0);
    assert.deepEqual(slow, [], `every read started while frozen answered within ${BOUND_MS} ms`);
    // after the first 503 of the freeze, reads are answered fast
    const first503 = Math.min(...probes.filter((x) => x.status === 503).map((x) => x.at + x.ms));
    const late = probes.filter((x) => x.at > first503 + 500 && x.at < FROZEN_MS - FAST_MS);
    const lateSlow = late.filter((x) => x.error || x.ms > FAST_MS || x.status !== 503);
    L.log(`fault_freeze: first 503 at +${first503} ms; ${late.length} later reads, slowest ${Math.max(0, ...late.map((x) => x.ms))} ms`);
    assert.ok(late.length > 0, 'reads after the first 503');
    // and so every read started while frozen (but in the last FAST_MS) was
    // answered before the thaw: nothing waited for PostgreSQL to wake up
    const waitedForThaw = probes.filter((x) => x.at < FROZEN_MS - FAST_MS && !x.answeredFrozen);
    assert.deepEqual(waitedForThaw, [], 'no read waited for the thaw');
    assert.deepEqual(lateSlow, [], `reads after the first 503: 503 within ${FAST_MS} ms`);
    for (const x of during) {
      assert.equal(x.status, 503, `read at +${x.at} ms: ${JSON.stringify(x)}`);
      assert.ok(x.ra && (x.ct || '').startsWith('application/problem+json'), JSON.stringify(x));
    }
    assert.deepEqual(bad, [], 'casts: only 201 and 503 problem+json with Retry-After');
    assert.ok(p.alive() && p.exits.length === 0, 'pnyxd never exited');
    // not wedged: the load finished by itself after the thaw
    assert.equal(r.unfinished, 0, 'every voter got a final answer');
    assert.deepEqual(vs.filter((v) => v.final !== 201).map((v) => v.final), [], 'every voter cast once');
    assert.equal((await L.closeQuestion(p, conv, qid)).status, 200, 'close');
    await L.waitTallied(p, conv, qid, { timeout: 120000 });
    const bd = await L.board(p, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.deepEqual([...r.acked.values()].filter((x) => !onBoard.has(x)), [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, r.acked.size);
    assert.equal(c.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`), bd.length, 'ballots = roll marks');
    // no connection leaked by the timeouts: pnyxd's backends ≤ its threads + workers + runners
    const conns = c.int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pnyxd'");
    L.log(`fault_freeze: pnyxd's database connections after: ${conns}`);
    assert.ok(conns <= 32, `pnyxd holds ${conns} database connections`);
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
  }, { cleanup: (c) => c.thaw() });
});
