// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_deadline: a question's closing time passes while pnyxd is down
// (SIGKILLed after the casts). Then TWO pnyxd start at once on the same
// database (two nodes, each with its scheduler), and one of them is
// restarted again after the tally: the question is closed and tallied
// exactly once (one question.closed, one tally.published in the log),
// every acknowledged ballot is on the board, pnyx-verify passes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

const VOTERS = 60;

test('a deadline that passes while pnyxd is down: closed and tallied exactly once after restart', { timeout: 180000 }, async () => {
  const c = await L.Cluster.start({ name: 'deadline' });
  const a = new L.Pnyxd(c, { env: { PNYX_WORKERS: '1' }, name: 'a' });
  const b = new L.Pnyxd(c, { env: { PNYX_WORKERS: '1' }, name: 'b', dataDir: a.dataDir });
  await L.guarded({ pnyxd: [a, b], clusters: [c] }, async () => {
    await a.migrate();
    await a.start();
    const conv = await L.account(a, { country: 'FR' });
    const aid = await L.assembly(a, conv);
    const vs = L.voters(c, aid, VOTERS);
    // closing soon: long enough for the casts on a loaded machine
    const closesIn = L.SANITIZED ? 25 : 15;
    const qid = await L.question(a, conv, aid, { options: 4, closes_in: closesIn });
    await L.openQuestion(a, conv, qid);
    const r = await L.castLoad({ p: a, qid, voters: vs, concurrency: 8, deadlineMs: (closesIn - 3) * 1000 });
    assert.equal(r.acked.size, VOTERS, `every voter cast before the deadline: ${JSON.stringify(r.statuses)}`);
    await a.kill('SIGKILL');
    const closesAt = Date.parse(c.psql(`SELECT to_char(closes_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM questions WHERE id = ${qid}`).trim());
    await L.sleep(Math.max(0, closesAt - Date.now()) + 1500);
    assert.equal(c.psql(`SELECT state FROM questions WHERE id = ${qid}`).trim(), 'open', 'nobody closed it while pnyxd was down');

    // two nodes start at once
    await Promise.all([a.start(), b.start()]);
    const t0 = Date.now();
    const result = await L.waitTallied(a, conv, qid, { timeout: 60000 });
    const tallyMs = Date.now() - t0;
    // more scheduler passes on both, then one more restart
    await L.sleep(1500);
    await a.restart();
    await L.sleep(1500);
    const count = (kind) => c.int(`SELECT count(*) FROM audit_entries WHERE assembly_id = ${aid} AND kind = '${kind}'
                                   AND (entry::jsonb -> 'data' ->> 'question') = '${qid}'`);
    const closed = count('question.closed');
    const tallied = count('tally.published');
    const q = (await L.http(b.url, 'GET', `/api/v1/questions/${qid}`, { token: conv.token })).json;
    L.log(`fault_deadline: closed ${closed}x, tallied ${tallied}x, state ${q.state}, close_reason ${q.close_reason}, tallied ${tallyMs} ms after the restart, result ballots ${result.ballots}; load ${L.loadavg()}`);
    assert.equal(closed, 1, 'question.closed exactly once');
    assert.equal(tallied, 1, 'tally.published exactly once');
    assert.equal(q.state, 'tallied');
    assert.equal(result.ballots, VOTERS);
    const bd = await L.board(b, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.deepEqual([...r.acked.values()].filter((x) => !onBoard.has(x)), [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, VOTERS);
    const v = L.verify(await L.fetchRecord(b, conv.token, aid, path.join(c.dir, 'record.json')));
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
  });
});
