// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_pgstop: `pg_ctl stop -m immediate` during a cast load, the
// database away for a few seconds, then started again. pnyxd never exits,
// answers 503 problem+json with Retry-After (never 500, nor any other
// refusal) while the database is away, recovers by itself (no restart of
// pnyxd), and no acknowledged ballot is lost (each on the board after the
// close; ballots = roll marks; pnyx-verify passes).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

const VOTERS = L.scale(1500, { asan: 1, soak: 5 });
// long enough for the scheduler's error backoff to grow past 10 s
const DOWN_MS = 20000;
const CLOSE_AFTER_UP_MS = L.SANITIZED ? 8000 : 5000;
const ROUNDS = L.SOAK ? 5 : 1;

test(`pg_ctl stop -m immediate during a ${VOTERS}-voter cast load`, { timeout: 300000 }, async () => {
  await L.withOpenVote('pgstop', VOTERS, async ({ c, p, conv, aid, vs, qid }) => {
    // the second question: closing 8 s from now, i.e. inside the outage
    const q2 = await L.question(p, conv, aid, { options: 3, closes_in: 8 });
    await L.openQuestion(p, conv, q2);

    let acks = 0;
    let dbDown = false;
    const bad = []; // answers other than 201 and well-formed 503
    let down503 = 0;
    let firstAckAfter = 0;
    let upAt = 0;
    const marks = Array.from({ length: ROUNDS }, (_, i) => Math.floor(VOTERS * (0.2 + (0.6 * i) / ROUNDS)));
    let outage = Promise.resolve();
    const outages = [];
    // a reader too: GET the question (auth + one read) every 100 ms while down
    const onResult = (v, res) => {
      if (res.status === 201) {
        acks++;
        if (upAt && !firstAckAfter) firstAckAfter = Date.now();
      } else if (res.status === 503) {
        const ct = res.headers['content-type'] || '';
        if (!res.headers['retry-after'] || !ct.startsWith('application/problem+json') || res.json?.status !== 503) {
          bad.push({ status: 503, ct, ra: res.headers['retry-after'], body: res.text.slice(0, 200) });
        }
        if (dbDown) down503++;
      } else {
        bad.push({ status: res.status, body: res.text.slice(0, 300) });
      }
      if (marks.length && acks >= marks[0]) {
        marks.shift();
        outage = outage.then(async () => {
          const t0 = Date.now();
          dbDown = true;
          c.stopImmediate();
          const stopped = Date.now();
          const reads = { 503: 0, other: [] };
          while (Date.now() - stopped < DOWN_MS) {
            try {
              const r = await L.http(p.url, 'GET', `/api/v1/questions/${qid}`, { token: conv.token, timeout: 10000 });
              if (r.status === 503 && r.headers['retry-after'] && (r.headers['content-type'] || '').startsWith('application/problem+json')) reads[503]++;
              else reads.other.push(`${r.status} ${r.text.slice(0, 120)}`);
            } catch (e) {
              reads.other.push(`socket: ${e.message}`);
            }
            // liveness does not need the database
            const hz = await L.http(p.url, 'GET', '/healthz', { timeout: 10000 }).catch((e) => ({ status: e.message }));
            if (hz.status !== 200) reads.other.push(`/healthz ${hz.status}`);
            await L.sleep(100);
          }
          c.start();
          dbDown = false;
          upAt = Date.now();
          firstAckAfter = 0;
          // recovery: the first GET that answers 200 after the start
          const ok = await L.waitFor(async () => (await L.http(p.url, 'GET', `/api/v1/questions/${qid}`, { token: conv.token, timeout: 5000 })).status === 200, { timeout: 30000, interval: 50, what: 'a 200 after the database came back' });
          const recoverMs = Date.now() - upAt;
          // the question whose closing time passed while the database was away
          await L.waitFor(async () => c.psql(`SELECT state FROM questions WHERE id = ${q2}`).trim() !== 'open', { timeout: 60000, interval: 100, what: 'the second question closed' });
          outages.push({ downMs: upAt - t0, recoverMs, q2ClosedMs: Date.now() - upAt, reads503: reads[503], readsOther: reads.other, alive: p.alive() });
          return ok;
        });
      }
    };
    const r = await L.castLoad({ p, qid, voters: vs, concurrency: 16, deadlineMs: 240000, onResult });
    await outage;
    L.log(`fault_pgstop: ${VOTERS} voters, ${r.acked.size} acknowledged in ${r.elapsedMs} ms, statuses ${JSON.stringify(r.statuses)}, 503 while down ${down503}, socket errors ${r.errors}, outages ${JSON.stringify(outages)}, first ack after start ${firstAckAfter ? firstAckAfter - upAt : '-'} ms, load ${L.loadavg()}`);
    assert.equal(outages.length, ROUNDS, 'the outage(s) happened during the load');
    assert.ok(p.alive() && p.exits.length === 0, `pnyxd never exited: ${JSON.stringify(p.exits)}`);
    for (const o of outages) {
      assert.ok(o.q2ClosedMs === undefined || o.q2ClosedMs <= CLOSE_AFTER_UP_MS, `the due question closed ${o.q2ClosedMs} ms after the database came back (≤ ${CLOSE_AFTER_UP_MS})`);
      assert.deepEqual(o.readsOther, [], 'every read while the database was away: 503 problem+json with Retry-After');
      assert.ok(o.reads503 > 0, 'reads answered 503 while the database was away');
    }
    // the questions worker says once that the database is away and once
    // that it is back, instead of an error line per poll
    const logText = p.logText();
    const awayLines = logText.split('\n').filter((l) => l.includes('questions: the database is unavailable'));
    const backLines = logText.split('\n').filter((l) => l.includes('questions: the database is back'));
    const pollErrors = logText.split('\n').filter((l) => /questions: (looking for questions to tally|scheduled (opening|closing)) failed/.test(l));
    assert.ok(awayLines.length >= 1 && awayLines.length <= 2 * ROUNDS, `one warning per outage, not one per poll (${awayLines.length})`);
    assert.equal(backLines.length, awayLines.length, 'each warning is followed by "back"');
    assert.deepEqual(pollErrors, [], 'no error line per failed poll');
    assert.deepEqual(bad, [], 'no answer but 201 and 503 problem+json with Retry-After');
    assert.equal(r.errors, 0, 'no dropped connection');
    assert.equal(r.unfinished, 0, 'every voter got a final answer');
    assert.deepEqual(vs.filter((v) => v.final !== 201).map((v) => v.final), [], 'every voter cast once');

    assert.equal((await L.closeQuestion(p, conv, qid)).status, 200, 'close');
    await L.waitTallied(p, conv, qid, { timeout: 120000 });
    const bd = await L.board(p, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.deepEqual([...r.acked.values()].filter((x) => !onBoard.has(x)), [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, r.acked.size, 'board = acknowledged');
    const voted = c.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`);
    assert.equal(voted, bd.length, 'ballots = roll marks');
    const v = L.verify(await L.fetchRecord(p, conv.token, aid, path.join(c.dir, 'record.json')));
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
  });
});
