// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_kill: SIGKILL pnyxd 5 times at random moments of a cast load of
// 2,000 voters, restart it each time; then close the question. Every
// ballot that got a 201 is on the board with its receipt, no voter has two
// ballots (each voter's retries with its Idempotency-Key end in the same
// receipt), ballots = roll marks, and pnyx-verify passes on the record.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

const VOTERS = L.scale(2000, { asan: 1, soak: 5 });
const KILLS = L.SOAK ? 20 : 5;

test(`SIGKILL pnyxd ${KILLS}x during a ${VOTERS}-voter cast load`, { timeout: 300000 }, async () => {
  await L.withOpenVote('kill', VOTERS, async ({ c, p, conv, aid, vs, qid }) => {

    // kill when the acknowledged count passes each of KILLS random
    // thresholds between 5 % and 90 % of the voters (sorted): random
    // moments, all of them inside the load
    const marks = Array.from({ length: KILLS }, () => Math.floor(VOTERS * (0.05 + Math.random() * 0.85))).sort((a, b) => a - b);
    let acks = 0;
    const receipts = new Map(); // voter → every receipt it was given
    let killing = Promise.resolve();
    const kills = [];
    const onResult = (v, res) => {
      if (res.status !== 201) return;
      acks++;
      if (!receipts.has(v.id)) receipts.set(v.id, new Set());
      receipts.get(v.id).add(res.json.receipt);
      if (marks.length && acks >= marks[0]) {
        marks.shift();
        killing = killing.then(async () => {
          const t0 = Date.now();
          await p.kill('SIGKILL');
          await p.start({ timeout: 60000 });
          kills.push({ at: acks, restartMs: Date.now() - t0 });
        });
      }
    };
    const r = await L.castLoad({ p, qid, voters: vs, concurrency: 32, deadlineMs: 240000, onResult });
    await killing;
    L.log(`fault_kill: ${VOTERS} voters, ${r.acked.size} acknowledged in ${r.elapsedMs} ms, statuses ${JSON.stringify(r.statuses)}, socket errors ${r.errors}, retries ${r.retries}, kills ${JSON.stringify(kills)}, load ${L.loadavg()}`);
    assert.equal(kills.length, KILLS, 'every kill happened during the load');
    assert.equal(r.unfinished, 0, 'every voter got a final answer before the deadline');
    const fivexx = Object.entries(r.statuses).filter(([s]) => s >= 500 && s !== '503');
    assert.deepEqual(fivexx, [], 'no 5xx but 503');
    // every voter ends with a 201: a retry after a kill either casts (the
    // first attempt never committed) or gets the original 201 back
    const finals = vs.filter((v) => v.final !== 201).map((v) => v.final);
    assert.deepEqual(finals, [], 'every voter cast exactly once (final 201)');
    for (const [id, set] of receipts) assert.equal(set.size, 1, `voter ${id} got one receipt, not ${[...set]}`);

    assert.equal((await L.closeQuestion(p, conv, qid)).status, 200, 'close');
    await L.waitTallied(p, conv, qid, { timeout: 120000 });
    const bd = await L.board(p, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.equal(onBoard.size, bd.length, 'receipts on the board are unique');
    const missing = [...r.acked.values()].filter((x) => !onBoard.has(x));
    assert.deepEqual(missing, [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, r.acked.size, 'the board holds exactly the acknowledged ballots');
    const voted = c.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`);
    const ballots = c.int(`SELECT ballot_count FROM questions WHERE id = ${qid}`);
    assert.equal(voted, r.acked.size, 'roll marks = acknowledged voters');
    assert.equal(ballots, voted, 'ballots = roll marks');
    const file = await L.fetchRecord(p, conv.token, aid, path.join(c.dir, 'record.json'));
    const v = L.verify(file);
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    // pnyxd never died of anything but our SIGKILLs
    assert.ok(p.exits.every((e) => e.signal === 'SIGKILL'), JSON.stringify(p.exits));
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
    L.log(`fault_kill: board ${bd.length} = acknowledged ${r.acked.size} = roll marks ${voted}; pnyx-verify passed`);
  });
});
