// SPDX-License-Identifier: AGPL-3.0-or-later
// failover_pnyxd: SIGKILL one of the two pnyxd during a cast load of 2,000
// voters through HAProxy. HAProxy routes around it (its /readyz health
// check, plus whatever it retries itself); the clients retry 502/503/504
// and socket errors with their Idempotency-Key. Asserts: no 500; every
// voter ends with exactly one 201 and one receipt; the failures stop
// within a bound after the kill (HAProxy took the dead pnyxd out) and
// ballots keep being acknowledged meanwhile; every acknowledged ballot is
// on the board after the close, ballots = roll marks; and the
// Idempotency-Key replays: every voter's key sent again — through HAProxy
// and straight to the surviving pnyxd — answers 201 with the same body
// (question, ranking, nonce, receipt) as its first 201 (the receipt the
// retrying clients were given is the original one, whichever process
// answered it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import * as L from '../reliability/lib.mjs';
import { Topo, castRetry, fixture } from './topo.mjs';

const VOTERS = L.scale(2000, { asan: 0.5, soak: 5 });
// Why 20 s: HAProxy's health checks mark a dead server down within a few
// seconds (inter × fall); on a machine at load 10+ they run late. A
// balancer that never took it out would fail for the rest of the load.
const ROUTE_AROUND_MS = 20000;

test(`SIGKILL one pnyxd during a ${VOTERS}-voter cast load through HAProxy`, { timeout: 480000 }, async () => {
  const t = await Topo.up('failover-pnyxd', { pnyxd: 2 });
  try {
    const { conv, vs, qid } = await fixture(t, VOTERS);
    const mark = Math.floor(VOTERS * 0.25);
    let acks = 0;
    let killing = null;
    let killAt = 0;
    let killedAt = 0;
    const onResult = (v, res) => {
      if (res.status !== 201) return;
      acks++;
      if (!killing && acks >= mark) {
        killAt = Date.now();
        killing = t.fail('pnyxd', 1).then(() => {
          killedAt = Date.now();
        });
      }
    };
    // New voters wait while the kill runs (requests in flight go on and
    // meet it): on a quiet machine 2,000 casts take ~3 s, less than
    // `fail` itself, and none would be left to show HAProxy routing around.
    const r = await castRetry({ url: t.url, qid, voters: vs, concurrency: 32, deadlineMs: 240000, onResult, gate: () => killing });
    await killing;
    const fails = vs.flatMap((v) => v.answers.filter((a) => a.status !== 201 && a.t >= killAt).map((a) => a.t));
    const lastFail = fails.length ? Math.max(...fails) - killAt : 0;
    const retried = vs.filter((v) => v.answers.length > 1);
    const okAfter = r.oks.filter(([s]) => s >= killedAt).length;
    // a retry answered from the sealed copy (whose keys come sorted, see
    // the replays below): the first attempt had committed before the kill
    const fromSeal = retried.filter((v) => v.first201 && !v.first201.startsWith('{"question"')).length;
    L.log(`failover_pnyxd: pnyxd 1 killed at ack ${mark}; ${fails.length} failed attempts after the kill, the last ${(lastFail / 1000).toFixed(2)} s after it; `
      + `first 201 after the kill in ${(r.firstOkAfter(killedAt) / 1000).toFixed(2)} s, ${okAfter} after it; ${retried.length} voters retried (${fromSeal} answered from the sealed original); `
      + `${r.acked.size} acknowledged in ${(r.elapsedMs / 1000).toFixed(1)} s, statuses ${JSON.stringify(r.statuses)}, socket errors ${r.errors}; load ${L.loadavg()}`);
    assert.ok(killing, 'the kill happened during the load');
    assert.equal(r.unfinished, 0, 'every voter got a final answer before the deadline');
    assert.ok(!r.statuses[500], `no 500 (${r.statuses[500]})`);
    assert.deepEqual(r.bad503.slice(0, 5), [], `every 503 is problem+json with Retry-After (${r.bad503.length} are not)`);
    assert.ok(lastFail <= ROUTE_AROUND_MS, `HAProxy routed around the dead pnyxd: failures stopped ${lastFail} ms after the kill`);
    assert.ok(okAfter > 0, 'ballots acknowledged after the kill');
    const finals = vs.filter((v) => v.final !== 201).map((v) => `${v.id}:${v.final}`);
    assert.deepEqual(finals, [], 'every voter cast exactly once (final 201)');
    const two = vs.filter((v) => v.receipts.size !== 1).map((v) => `${v.id}:${[...v.receipts]}`);
    assert.deepEqual(two, [], 'every voter was given one receipt, however often it retried');

    // the replays, before the close (the keys are deleted at close):
    // the voters who retried, and 100 others, through HAProxy and
    // straight to the surviving pnyxd (index 1 of PNYXD_URLS is pnyxd 2)
    const survivor = t.pnyxdUrls[1];
    const sample = [...new Set([...retried, ...vs.filter((_, i) => i % Math.ceil(vs.length / 100) === 0)])];
    const agent = L.keepAlive(8);
    let next = 0;
    const differ = [];
    let reordered = 0;
    const replay = async () => {
      while (next < sample.length) {
        const v = sample[next++];
        for (const url of [t.url, survivor]) {
          const res = await L.http(url, 'POST', `/api/v1/questions/${qid}/ballots`, {
            token: v.token, body: { ranking: v.ranking }, agent, headers: { 'Idempotency-Key': v.key }, timeout: 20000,
          });
          // the same body (question, ranking, nonce, receipt); the bytes
          // may differ in key order (a replay is the sealed copy, stored
          // with sorted keys: noted in README.md)
          let same = false;
          try {
            same = res.status === 201 && isDeepStrictEqual(JSON.parse(res.text), JSON.parse(v.first201)) && JSON.parse(res.text).receipt.length === 64;
          } catch {
            same = false;
          }
          if (!same) differ.push(`${v.id} via ${url}: ${res.status} ${res.text.slice(0, 160)} ≠ ${v.first201.slice(0, 160)}`);
          else if (res.text !== v.first201) reordered++;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, replay));
    agent.destroy();
    assert.deepEqual(differ.slice(0, 5), [], `every replay answers the original 201: same question, ranking, nonce and receipt (${differ.length} of ${sample.length * 2} differ)`);

    assert.equal((await L.closeQuestion(t.base, conv, qid)).status, 200, 'close');
    await L.waitTallied(t.base, conv, qid, { timeout: 120000 });
    const bd = await L.board(t.base, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.equal(onBoard.size, bd.length, 'receipts on the board are unique');
    assert.deepEqual([...r.acked.values()].filter((x) => !onBoard.has(x)), [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, r.acked.size, 'the board holds exactly the acknowledged ballots');
    const voted = await t.qint(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`);
    const ballots = await t.qint(`SELECT ballot_count FROM questions WHERE id = ${qid}`);
    assert.equal(voted, r.acked.size, 'roll marks = acknowledged voters');
    assert.equal(ballots, voted, 'ballots = roll marks');
    L.log(`failover_pnyxd: ${sample.length} keys replayed twice (HAProxy, surviving pnyxd), the same 201 body (${reordered} of ${sample.length * 2} with its keys in another order); board ${bd.length} = acknowledged = roll marks ${voted}`);
  } catch (e) {
    L.log(`--- pnyxd logs ---\n${t.tails()}`);
    throw e;
  } finally {
    await t.down();
  }
});
