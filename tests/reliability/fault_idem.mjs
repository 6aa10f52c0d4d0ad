// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_idem: the connection dropped between COMMIT and the reply. The
// client sends the whole cast (with an Idempotency-Key) and closes its
// socket at once, so pnyxd commits and then finds nobody to answer; the
// test waits until the database shows the ballot committed (the voter
// marked on the roll), then retries with the same key and ranking: the
// answer is 201 with a receipt, no second ballot is stored, and after the
// close that receipt is the one on the board. For N voters at once (the
// batches of the group commit) and one alone.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import * as L from './lib.mjs';

const N = L.SOAK ? 200 : 40;

// Sends one cast on a fresh socket and closes it right after the last
// byte is written (FIN, then the socket is destroyed): the reply, if any,
// is never read.
function castAndDrop(p, qid, v, key, ranking) {
  const body = JSON.stringify({ ranking });
  const req = `POST /api/v1/questions/${qid}/ballots HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${v.token}\r\n`
    + `Content-Type: application/json\r\nIdempotency-Key: ${key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    const s = net.connect(p.port, '127.0.0.1', () => {
      s.end(req, () => {
        s.destroy();
        resolve();
      });
    });
    s.on('error', reject);
    s.setTimeout(10000, () => s.destroy(new Error('connect timeout')));
  });
}

test(`the reply lost after COMMIT: a retry with the same Idempotency-Key gets the original 201 (${N} voters)`, { timeout: 180000 }, async () => {
  const c = await L.Cluster.start({ name: 'idem' });
  const p = new L.Pnyxd(c, { env: { PNYX_WORKERS: '1' } });
  try {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    const vs = L.voters(c, aid, N + 1);
    const qid = await L.question(p, conv, aid, { options: 4 });
    await L.openQuestion(p, conv, qid);
    const keys = vs.map(() => crypto.randomBytes(16).toString('hex'));
    const rankings = vs.map((_, i) => L.rankingFor(i));
    // one alone, then N at once (batched in the group commit)
    await castAndDrop(p, qid, vs[0], keys[0], rankings[0]);
    await Promise.all(vs.slice(1).map((v, i) => castAndDrop(p, qid, v, keys[i + 1], rankings[i + 1])));
    const ids = vs.map((v) => v.id).join(',');
    // every cast committed although no reply was read
    await L.waitFor(async () => (await c.qint(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted AND account_id IN (${ids})`)) === vs.length,
      { timeout: 30000, what: 'every dropped cast committed' });
    const filled = () => c.qint(`SELECT count(*) FROM ballots WHERE question_id = ${qid} AND filled`);
    assert.equal(await filled(), vs.length, 'one ballot per dropped cast');
    const receipts = [];
    for (let i = 0; i < vs.length; i++) {
      const r = await L.http(p.url, 'POST', `/api/v1/questions/${qid}/ballots`, { token: vs[i].token, body: { ranking: rankings[i] }, headers: { 'Idempotency-Key': keys[i] } });
      assert.equal(r.status, 201, `retry ${i}: ${r.status} ${r.text}`);
      assert.deepEqual(r.json.ranking, rankings[i]);
      assert.equal(r.json.question, qid);
      receipts.push(r.json.receipt);
    }
    // the same key again answers the same receipt (the sealed reply), and
    // a retry without the key is refused: the voter has voted
    const again = await L.http(p.url, 'POST', `/api/v1/questions/${qid}/ballots`, { token: vs[0].token, body: { ranking: rankings[0] }, headers: { 'Idempotency-Key': keys[0] } });
    assert.equal(again.json.receipt, receipts[0]);
    const nokey = await L.http(p.url, 'POST', `/api/v1/questions/${qid}/ballots`, { token: vs[0].token, body: { ranking: rankings[0] } });
    assert.equal(nokey.status, 409, `without the key: ${nokey.status} ${nokey.text}`);
    assert.equal(await filled(), vs.length, 'no second ballot from the retries');
    assert.equal((await L.closeQuestion(p, conv, qid)).status, 200, 'close');
    await L.waitTallied(p, conv, qid, { timeout: 60000 });
    const bd = await L.board(p, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.equal(bd.length, vs.length);
    assert.deepEqual(receipts.filter((x) => !onBoard.has(x)), [], 'the retries\' receipts are the ballots on the board');
    const byReceipt = new Map(bd.map((e) => [e.receipt, e.ranking]));
    receipts.forEach((x, i) => assert.deepEqual(byReceipt.get(x), rankings[i], 'with the ranking cast'));
    L.log(`fault_idem: ${vs.length} casts dropped after sending, all committed; ${vs.length} retries answered 201 with the receipt on the board; load ${L.loadavg()}`);
    assert.equal((await p.stop()).code, 0);
  } catch (e) {
    L.log(`--- pnyxd log tail ---\n${p.logText().slice(-4000)}`);
    throw e;
  } finally {
    await p.stop().catch(() => {});
    c.destroy();
  }
});
