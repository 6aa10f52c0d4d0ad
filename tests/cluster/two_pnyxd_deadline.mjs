// SPDX-License-Identifier: AGPL-3.0-or-later
// two_pnyxd_deadline: two pnyxd (each with its scheduler, PNYX_WORKERS=1)
// behind HAProxy on one replicated database; three questions close at a
// time a few seconds ahead, with ballots cast through HAProxy before it.
// Both schedulers see the deadlines pass together. Each question is
// closed and tallied exactly once: one question.closed and one
// tally.published audit entry, one 'closed at its time' and one
// 'tallied' line across BOTH pnyxd logs, and afterwards (more scheduler
// passes, one pnyxd killed and healed) still once; both pnyxd serve the
// same result bytes and ETag, and the same board holding every
// acknowledged receipt; pnyx-verify passes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as L from '../reliability/lib.mjs';
import { Topo, castRetry, fixture } from './topo.mjs';

const VOTERS = 40;
const QUESTIONS = 3;

test('two pnyxd, one deadline: each question closed and tallied exactly once', { timeout: 420000 }, async () => {
  const t = await Topo.up('deadline', { pnyxd: 2 });
  try {
    const [u1, u2] = t.pnyxdUrls;
    // long enough for the casts on a loaded machine
    const closesIn = L.SANITIZED ? 30 : 20;
    const { conv, aid, vs, qids } = await fixture(t, VOTERS, { questions: QUESTIONS, closes_in: closesIn });
    const casts = [];
    for (const qid of qids) {
      // fresh voter objects per question (castRetry keeps state on them)
      const r = await castRetry({ url: t.url, qid, voters: vs.map((v) => ({ ...v })), concurrency: 8, deadlineMs: 10000 });
      assert.equal(r.acked.size, VOTERS, `every voter cast on question ${qid} before the deadline: ${JSON.stringify(r.statuses)}`);
      casts.push(r);
    }
    const list = qids.join(',');
    const closesAt = Math.max(...t.psql(`SELECT (extract(epoch FROM closes_at) * 1000)::bigint FROM questions WHERE id IN (${list})`).trim().split('\n').map(Number));
    assert.ok(closesAt > Date.now(), 'the casts ended before the deadline');
    assert.equal(t.int(`SELECT count(*) FROM questions WHERE id IN (${list}) AND state = 'open'`), QUESTIONS, 'still open before the deadline');

    const results = [];
    for (const qid of qids) results.push(await L.waitTallied(t.base, conv, qid, { timeout: Math.max(0, closesAt - Date.now()) + 90000 }));
    const tallyMs = Date.now() - closesAt;
    const count = (kind) => t.psql(`SELECT q || ' ' || n FROM (SELECT entry::jsonb -> 'data' ->> 'question' AS q, count(*) AS n
                                    FROM audit_entries WHERE assembly_id = ${aid} AND kind = '${kind}' GROUP BY 1) s ORDER BY q::bigint`).trim();
    const want = qids.map((q) => `${q} 1`).join('\n');
    const logLines = (re) => Object.values(t.pnyxdLogs()).map((x) => x.split('\n').filter((l) => re.test(l)).length);
    const check = async (when) => {
      assert.equal(count('question.closed'), want, `${when}: one question.closed per question`);
      assert.equal(count('tally.published'), want, `${when}: one tally.published per question`);
      for (const qid of qids) {
        const closedLines = logLines(new RegExp(`question ${qid} closed at its time`));
        const talliedLines = logLines(new RegExp(`question ${qid} tallied:`));
        assert.equal(closedLines.reduce((a, b) => a + b, 0), 1, `${when}: question ${qid} closed by one scheduler (log lines per pnyxd ${closedLines})`);
        assert.equal(talliedLines.reduce((a, b) => a + b, 0), 1, `${when}: question ${qid} tallied by one pnyxd (log lines per pnyxd ${talliedLines})`);
      }
      const rows = t.psql(`SELECT id, state, close_reason IS NULL OR close_reason = '', tallied_at IS NOT NULL, ballot_count FROM questions WHERE id IN (${list}) ORDER BY id`).trim();
      assert.equal(rows, qids.map((q) => `${q}|tallied|t|t|${VOTERS}`).join('\n'), `${when}: every question tallied with all its ballots, closed by the scheduler`);
    };
    // both schedulers made passes after the tally
    await L.sleep(3000);
    await check('after the tally');
    const logs = Object.keys(t.pnyxdLogs());
    assert.ok(logs.length >= 2, `the two pnyxd logs are under DIR: ${logs}`);
    const wk = logLines(/worker questions started/);
    assert.ok(wk.filter((n) => n > 0).length >= 2, `both pnyxd ran the questions worker (per log: ${wk})`);

    for (const [i, qid] of qids.entries()) {
      const a = await L.http(u1, 'GET', `/api/v1/questions/${qid}/result`, { token: conv.token });
      const b = await L.http(u2, 'GET', `/api/v1/questions/${qid}/result`, { token: conv.token });
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.equal(a.text, b.text, `question ${qid}: the same result bytes from both pnyxd`);
      assert.equal(a.headers.etag, b.headers.etag, 'the same ETag');
      assert.equal(a.json.ballots, VOTERS, 'every ballot counted');
      assert.deepEqual(a.json, results[i]);
      const ba = await L.board({ url: u1 }, conv.token, qid);
      const bb = await L.board({ url: u2 }, conv.token, qid);
      assert.deepEqual(ba, bb, 'the same board from both pnyxd');
      const onBoard = new Set(ba.map((e) => e.receipt));
      assert.deepEqual([...casts[i].acked.values()].filter((x) => !onBoard.has(x)), [], 'every acknowledged receipt is on the board');
      assert.equal(ba.length, VOTERS);
    }
    // one pnyxd dies and comes back: its scheduler's first passes find
    // nothing left to do
    await t.fail('pnyxd', 1);
    await t.heal();
    await L.sleep(3000);
    await check('after a pnyxd restart');
    const v = L.verify(await L.fetchRecord(t.base, conv.token, aid, path.join(t.dir, 'record.json')));
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    L.log(`two_pnyxd_deadline: ${QUESTIONS} questions closed and tallied once each across two pnyxd, the last tallied ${(tallyMs / 1000).toFixed(1)} s after the deadline; load ${L.loadavg()}`);
  } catch (e) {
    L.log(`--- pnyxd logs ---\n${t.tails()}`);
    throw e;
  } finally {
    await t.down();
  }
});
