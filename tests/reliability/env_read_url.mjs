// SPDX-License-Identifier: AGPL-3.0-or-later
// env_read_url (issue 15): PNYX_DATABASE_READ_URL sends the reads the
// route table marks (api/routes.c .read) to a hot standby first.
//  - With the standby's replay paused, an anonymous list is the standby's
//    (it misses an assembly created since: provably not the primary),
//    while the creator's own list (authenticated) has it.
//  - A proof for a size the standby has not replayed, or of an assembly it
//    does not have yet, is answered by the primary (200), never a wrong
//    404/422.
//  - With replay resumed the two agree; a tallied question's board and
//    result are served from the standby.
//  - With the standby stopped, the same reads answer 200 from the primary
//    (no 5xx), at once after the first failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as L from './lib.mjs';

const metric = async (p, name) => {
  const r = await L.http(p.url, 'GET', '/metrics');
  const m = r.text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
};
const ids = (r) => (r.json.items || []).map((a) => a.id);

test('reads marked for the standby: stale there, own writes fresh, fallback to the primary', { timeout: 240000 }, async () => {
  const P = await L.Cluster.start({ name: 'ru-primary' });
  const S = await L.standby(P, { name: 'ru-standby' });
  const p = new L.Pnyxd(P, { name: 'p', env: { PNYX_DATABASE_READ_URL: L.multiHost([S], { attrs: 'prefer-standby' }) } });
  await L.guarded({ pnyxd: [p], clusters: [S, P] }, async () => {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const a1 = await L.assembly(p, conv);
    const vs = L.voters(P, a1, 12);
    const qid = await L.question(p, conv, a1, { options: 3 });
    await L.openQuestion(p, conv, qid);
    const cast = await L.castLoad({ p, qid, voters: vs, concurrency: 4, options: 3 });
    assert.equal(cast.acked.size, vs.length);
    assert.equal((await L.closeQuestion(p, conv, qid)).status, 200);
    const result = await L.waitTallied(p, conv, qid);
    const lsn = P.psql('SELECT pg_current_wal_lsn()').trim();
    await L.waitFor(() => S.psql(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'`).trim() === 't', { what: 'the standby caught up' });

    // immutable reads from the standby
    const served0 = await metric(p, 'pnyx_db_read_served_total');
    const bd = await L.board(p, conv.token, qid);
    assert.equal(bd.length, vs.length);
    const res = await L.http(p.url, 'GET', `/api/v1/questions/${qid}/result`);
    assert.equal(res.status, 200);
    assert.equal(res.json.ballots, result.ballots);
    const served1 = await metric(p, 'pnyx_db_read_served_total');
    assert.ok(served1 >= served0 + 2, `board and result served by the standby: ${served0} → ${served1}`);

    // replay paused: the standby is frozen in the past
    S.pauseReplay();
    const a2 = await L.assembly(p, conv);
    const anon = await L.http(p.url, 'GET', '/api/v1/assemblies?limit=100');
    const own = await L.http(p.url, 'GET', '/api/v1/assemblies?limit=100', { token: conv.token });
    assert.equal(anon.status, 200);
    assert.equal(own.status, 200);
    L.log(`env_read_url: paused: anonymous list ${JSON.stringify(ids(anon))}, creator's list ${JSON.stringify(ids(own))}`);
    assert.ok(!ids(anon).includes(a2), 'the anonymous list is the standby\'s: it misses the new assembly');
    assert.ok(ids(anon).includes(a1));
    assert.ok(ids(own).includes(a2), 'the creator sees their own write (primary)');

    // a proof the standby cannot give: the primary answers, never 404/422
    const fb0 = await metric(p, 'pnyx_db_read_fallbacks_total');
    const p2 = await L.http(p.url, 'GET', `/api/v1/assemblies/${a2}/audit/proof/inclusion?index=0&size=1`);
    assert.equal(p2.status, 200, `proof of an assembly the standby lacks: ${p2.status} ${p2.text.slice(0, 300)}`);
    const head = (await L.http(p.url, 'GET', `/api/v1/assemblies/${a1}/audit`, { token: conv.token })).json.size;
    await L.http(p.url, 'POST', `/api/v1/assemblies/${a1}/questions`, {
      token: conv.token,
      body: { title: 'After the pause', description: 'x', language: 'en', method: 'irv', options: [{ label: 'A' }, { label: 'B' }], closes_at: L.iso(3600), secrecy: 'secret' },
    });
    const size = (await L.http(p.url, 'GET', `/api/v1/assemblies/${a1}/audit`, { token: conv.token })).json.size;
    assert.ok(size > head, `the log grew: ${head} → ${size}`);
    const p1 = await L.http(p.url, 'GET', `/api/v1/assemblies/${a1}/audit/proof/inclusion?index=${size - 1}&size=${size}`);
    assert.equal(p1.status, 200, `proof for a size beyond the standby's: ${p1.status} ${p1.text.slice(0, 300)}`);
    const c1 = await L.http(p.url, 'GET', `/api/v1/assemblies/${a1}/audit/proof/consistency?from=${head}&to=${size}`);
    assert.equal(c1.status, 200, `consistency to a size beyond the standby's: ${c1.status} ${c1.text.slice(0, 300)}`);
    const pOld = await L.http(p.url, 'GET', `/api/v1/assemblies/${a1}/audit/proof/inclusion?index=0&size=${head}`);
    assert.equal(pOld.status, 200);
    const fb1 = await metric(p, 'pnyx_db_read_fallbacks_total');
    assert.ok(fb1 >= fb0 + 3, `the three reads the standby could not answer went to the primary: ${fb0} → ${fb1}`);

    // replay resumed: they agree
    S.resumeReplay();
    await L.waitFor(async () => ids(await L.http(p.url, 'GET', '/api/v1/assemblies?limit=100')).includes(a2), { what: 'the standby replays the new assembly', timeout: 20000 });

    // the standby stops: the same reads answer from the primary
    S.stopImmediate();
    const t0 = Date.now();
    const down = await L.http(p.url, 'GET', '/api/v1/assemblies?limit=100');
    const firstMs = Date.now() - t0;
    assert.equal(down.status, 200, `with the standby down: ${down.status} ${down.text.slice(0, 300)}`);
    assert.ok(ids(down).includes(a2));
    const statuses = {};
    const t1 = Date.now();
    for (let i = 0; i < 50; i++) {
      const r = await L.http(p.url, 'GET', i % 2 ? '/api/v1/assemblies?limit=100' : `/api/v1/questions/${qid}/result`);
      statuses[r.status] = (statuses[r.status] || 0) + 1;
    }
    const fiftyMs = Date.now() - t1;
    L.log(`env_read_url: standby down: first read ${firstMs} ms, then 50 reads in ${fiftyMs} ms ${JSON.stringify(statuses)}; served ${await metric(p, 'pnyx_db_read_served_total')}, fallbacks ${await metric(p, 'pnyx_db_read_fallbacks_total')}; load ${L.loadavg()}`);
    assert.deepEqual(statuses, { 200: 50 });
    assert.ok(firstMs < 4000, `the first read after the standby stopped: ${firstMs} ms`);
    assert.doesNotMatch(p.logText(), /"status":500/, 'no 500 in the log');
    assert.equal((await p.stop()).code, 0);
  });
});
