// SPDX-License-Identifier: AGPL-3.0-or-later
// env_two_node_caches (issue 15): in-process caches stay correct across
// processes. Two pnyxd (a, b) on one database; changes made through a,
// seen through b, each measured in seconds:
//  - a logout through a: b refuses the token (401) within the session
//    cache's revalidation interval (AUTH_CACHE_REVALIDATE_US, 5 s; b
//    validated the session just before the logout, the worst case);
//  - a member suspended through a: b refuses their next write at once
//    (memberships are read from the database on every request, no cache);
//  - an assembly made members-only through a: b stops serving its tallied
//    question's result and board to anonymous readers within 1 s
//    (RESULT_CACHE_TTL_US / VISIBILITY_TTL_US).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as L from './lib.mjs';

async function until(fn, { timeout = 15000, interval = 50 } = {}) {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeout) return Infinity;
    await L.sleep(interval);
  }
}

test('a logout, a suspension and a visibility change through one pnyxd reach the other within their bounds', { timeout: 180000 }, async () => {
  const c = await L.Cluster.start({ name: 'caches' });
  const env = { PNYX_WORKERS: '1', PNYX_ARGON2_M_KIB: '1024', PNYX_ARGON2_T: '1' };
  const a = new L.Pnyxd(c, { name: 'a', env });
  const b = new L.Pnyxd(c, { name: 'b', dataDir: a.dataDir, env });
  await L.guarded({ pnyxd: [a, b], clusters: [c] }, async () => {
    await a.migrate();
    await a.start(); // the first start writes the deployment's signing key
    await b.start();
    const conv = await L.account(a, { country: 'FR' });
    const aid = await L.assembly(a, conv);
    const m = await L.account(b, { country: 'DE' });
    const j = await L.http(b.url, 'POST', `/api/v1/assemblies/${aid}/join`, { token: m.token });
    assert.ok([200, 201].includes(j.status), `join: ${j.status} ${j.text}`);
    const propose = (node, token) => L.http(node.url, 'POST', `/api/v1/assemblies/${aid}/proposals`, { token, body: { title: 'A proposal', body: 'Text.', language: 'en' } });
    assert.equal((await propose(b, m.token)).status, 201);

    // suspension through a; b's next write by the member
    assert.equal((await L.http(b.url, 'GET', '/api/v1/me', { token: m.token })).status, 200); // b's session cache fresh
    const s = await L.http(a.url, 'PATCH', `/api/v1/assemblies/${aid}/members/${m.id}`, { token: conv.token, body: { status: 'suspended' } });
    assert.equal(s.status, 200, `suspend: ${s.status} ${s.text}`);
    let refused = null;
    const suspendS = await until(async () => {
      const r = await propose(b, m.token);
      if (r.status === 201) return false;
      refused = r;
      return true;
    });
    assert.ok([403, 404].includes(refused.status), `a suspended member's write through b: ${refused.status} ${refused.text.slice(0, 200)}`);

    // logout through a, right after b validated the session
    const m2 = await L.account(a, { country: 'IT' });
    assert.equal((await L.http(b.url, 'GET', '/api/v1/me', { token: m2.token })).status, 200);
    const lo = await L.http(a.url, 'DELETE', '/api/v1/sessions/current', { token: m2.token });
    assert.ok([200, 204].includes(lo.status), `logout: ${lo.status} ${lo.text}`);
    assert.equal((await L.http(a.url, 'GET', '/api/v1/me', { token: m2.token })).status, 401, 'a forgets the session at once');
    const logoutS = await until(async () => (await L.http(b.url, 'GET', '/api/v1/me', { token: m2.token })).status === 401);

    // a tallied question of the public assembly, then members-only
    const vs = L.voters(c, aid, 5);
    const qid = await L.question(a, conv, aid, { options: 3 });
    await L.openQuestion(a, conv, qid);
    assert.equal((await L.castLoad({ p: a, qid, voters: vs, concurrency: 5, options: 3 })).acked.size, 5);
    assert.equal((await L.closeQuestion(a, conv, qid)).status, 200);
    await L.waitTallied(a, conv, qid);
    assert.equal((await L.http(b.url, 'GET', `/api/v1/questions/${qid}/result`)).status, 200); // cached on b
    assert.equal((await L.http(b.url, 'GET', `/api/v1/questions/${qid}/ballots`)).status, 200);
    const v = await L.http(a.url, 'PATCH', `/api/v1/assemblies/${aid}`, { token: conv.token, body: { visibility: 'members' } });
    assert.equal(v.status, 200, `members-only: ${v.status} ${v.text}`);
    const resultS = await until(async () => (await L.http(b.url, 'GET', `/api/v1/questions/${qid}/result`)).status !== 200);
    const boardS = await until(async () => (await L.http(b.url, 'GET', `/api/v1/questions/${qid}/ballots`)).status !== 200);

    L.log(`env_two_node_caches: suspension seen by b after ${suspendS.toFixed(2)} s, logout after ${logoutS.toFixed(2)} s, members-only result after ${resultS.toFixed(2)} s, board after ${boardS.toFixed(2)} s; load ${L.loadavg()}`);
    assert.ok(suspendS <= 0.5, `suspension at once: ${suspendS} s`);
    assert.ok(logoutS <= 5 + 1.5, `logout within 5 s (+ margin): ${logoutS} s`);
    assert.ok(resultS <= 1 + 1, `result within 1 s (+ margin): ${resultS} s`);
    assert.ok(boardS <= 1 + 1, `board within 1 s (+ margin): ${boardS} s`);
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
  });
});
