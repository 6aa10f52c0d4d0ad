// SPDX-License-Identifier: AGPL-3.0-or-later
// fault_multihost (issue 15): pnyxd on a multi-host connection string
// (libpq host=a,b,… target_session_attrs=read-write) finds the primary by
// itself.
//  1. The string lists a directory where nothing listens and a hot standby
//     before the primary: every write succeeds (libpq skips both). Then
//     the primary turns read-only under pnyxd's open connections (as a
//     demoted server would): a write answers 503 problem+json +
//     Retry-After (SQLSTATE 25006, read_only_sql_transaction), never 500,
//     and writes work again once it is writable.
//  2. Failover: primary + synchronous standby, the string lists the
//     primary first; during a cast load the primary is stopped (-m
//     immediate), 2 s later the standby is promoted (pg_ctl promote).
//     Every answer is 201 or 503 problem+json + Retry-After (reads too);
//     writes succeed again within a bound of the promotion without
//     restarting pnyxd; every voter cast once; every acknowledged receipt
//     is on the board; pnyx-verify passes on the record.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

const is503 = (r) => r.status === 503 && /problem\+json/.test(r.headers['content-type'] || '') && !!r.headers['retry-after'];

test('a dead host and a standby listed before the primary; a read-only server answers 503, not 500', { timeout: 240000 }, async () => {
  const P = await L.Cluster.start({ name: 'mh-primary' });
  const S = await L.standby(P, { name: 'mh-standby' });
  const dead = path.join(P.dir, 'nobody-listens-here');
  const a = new L.Pnyxd(P, { name: 'a', env: { PNYX_DATABASE_URL: L.multiHost([dead, S, P]) } });
  await L.guarded({ pnyxd: [a], clusters: [S, P] }, async () => {
    await a.migrate();
    await a.start();
    const conv = await L.account(a, { country: 'FR' });
    const aid = await L.assembly(a, conv);
    const vs = L.voters(P, aid, 100);
    const qid = await L.question(a, conv, aid);
    await L.openQuestion(a, conv, qid);
    const r = await L.castLoad({ p: a, qid, voters: vs, concurrency: 8, deadlineMs: 60000 });
    L.log(`fault_multihost/1: ${r.acked.size} acknowledged, statuses ${JSON.stringify(r.statuses)}`);
    assert.deepEqual(r.statuses, { 201: vs.length }, 'every cast 201 at the first try');

    // the primary turns read-only under open connections (as a demoted
    // server would): a write is 503 problem+json + Retry-After (SQLSTATE
    // 25006), the connection is dropped, and writes work again once it
    // is writable, without restarting pnyxd
    const pgAdmin = (sql) => execFileSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', P.url, '-c', sql], { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c default_transaction_read_only=off' } });
    const newQuestion = () => L.http(a.url, 'POST', `/api/v1/assemblies/${aid}/questions`, {
      token: conv.token,
      body: { title: 'Read-only?', description: 'Maybe.', language: 'en', method: 'irv', options: [{ label: 'A' }, { label: 'B' }], closes_at: L.iso(3600), secrecy: 'secret' },
    });
    pgAdmin('ALTER SYSTEM SET default_transaction_read_only = on');
    pgAdmin('SELECT pg_reload_conf()');
    await L.sleep(500);
    const w = await newQuestion();
    L.log(`fault_multihost/1: a write on a read-only server → ${w.status} ${w.text.slice(0, 200)}`);
    assert.ok(is503(w), `a write on a read-only server is 503 problem+json + Retry-After: ${w.status} ${w.text.slice(0, 300)}`);
    assert.match(a.logText(), /sqlstate=25006/, 'the read-only refusal was seen');
    pgAdmin('ALTER SYSTEM RESET default_transaction_read_only');
    pgAdmin('SELECT pg_reload_conf()');
    const again = await L.waitFor(async () => {
      const x = await newQuestion();
      return x.status === 201 ? x : null;
    }, { what: 'a write once writable again', timeout: 10000 });
    assert.equal(again.status, 201);
    // the standby listed first still got nothing: no connection of pnyxd on it
    assert.equal(S.int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pnyxd'"), 0, 'no pnyxd connection stays on the standby');
    assert.doesNotMatch(a.logText(), /"status":500/, 'no 500 in the log');
    assert.equal((await a.stop()).code, 0);
  });
});

test('failover: the primary stops, the standby is promoted, pnyxd follows without a restart and without a 500', { timeout: 300000 }, async () => {
  const N = L.scale(800);
  const P = await L.Cluster.start({ name: 'mh-fo-primary' });
  const S = await L.standby(P, { name: 'mh-fo-standby' });
  // synchronous: an acknowledged ballot is on the standby before its 201
  P.psql("ALTER SYSTEM SET synchronous_standby_names = '*'");
  P.psql('SELECT pg_reload_conf()');
  const p = new L.Pnyxd(P, { name: 'p', env: { PNYX_DATABASE_URL: L.multiHost([P, S]) } });
  let reading = true;
  const reads = {};
  let badRead = null;
  try {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    const vs = L.voters(P, aid, N);
    const qid = await L.question(p, conv, aid);
    await L.openQuestion(p, conv, qid);
    await L.waitFor(() => P.int("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") === 1, { what: 'a synchronous standby' });

    const reader = (async () => {
      while (reading) {
        try {
          const r = await L.http(p.url, 'GET', `/api/v1/questions/${qid}`, { token: conv.token, timeout: 15000 });
          reads[r.status] = (reads[r.status] || 0) + 1;
          if (r.status !== 200 && !is503(r)) badRead = `${r.status} ${r.text.slice(0, 300)}`;
        } catch (e) {
          badRead = `socket: ${e.message}`;
        }
        await L.sleep(100);
      }
    })();

    let acked = 0;
    let tStop = 0;
    let tPromote = 0;
    let firstAfter = 0;
    const bad = [];
    let failing = null;
    const load = L.castLoad({
      p, qid, voters: vs, concurrency: 16, deadlineMs: 180000,
      onResult: (v, res) => {
        if (res.status === 201) {
          acked++;
          if (tPromote && !firstAfter) firstAfter = Date.now();
        } else if (!is503(res)) {
          bad.push(`${res.status} ${res.text.slice(0, 200)}`);
        }
        if (!failing && !tStop && acked >= N * 0.2) failing = (async () => {
          tStop = Date.now();
          P.stopImmediate();
          await L.sleep(2000);
          S.promote();
          tPromote = Date.now();
        })();
      },
    });
    const r = await load;
    await failing;
    reading = false;
    await reader;
    const fromPromote = firstAfter ? (firstAfter - tPromote) / 1000 : NaN;
    const fromStop = firstAfter ? (firstAfter - tStop) / 1000 : NaN;
    L.log(`fault_multihost/2: ${r.acked.size}/${N} acknowledged, statuses ${JSON.stringify(r.statuses)}, retries ${r.retries}, socket errors ${r.errors}; reads ${JSON.stringify(reads)}; first 201 ${fromStop.toFixed(2)} s after the stop, ${fromPromote.toFixed(2)} s after the promotion; load ${L.loadavg()}`);
    assert.ok(tPromote, 'the failover happened during the load');
    assert.deepEqual(bad, [], 'every cast answer is 201 or 503 problem+json + Retry-After');
    assert.equal(badRead, null, 'every read is 200 or 503 problem+json + Retry-After');
    assert.equal(r.acked.size, N, `every voter cast: ${JSON.stringify(r.statuses)}`);
    assert.equal(r.errors, 0, 'no dropped client connection');
    assert.ok(r.statuses[503] > 0, 'the outage was seen');
    assert.ok(fromPromote <= (L.SANITIZED ? 15 : 8), `writes again within the bound of the promotion: ${fromPromote} s`);
    assert.ok(p.alive(), 'pnyxd never exited');

    const cl = await L.closeQuestion(p, conv, qid);
    assert.equal(cl.status, 200, cl.text.slice(0, 300));
    await L.waitTallied(p, conv, qid);
    const bd = await L.board(p, conv.token, qid);
    const onBoard = new Set(bd.map((e) => e.receipt));
    assert.deepEqual([...r.acked.values()].filter((x) => !onBoard.has(x)), [], 'every acknowledged receipt is on the board');
    assert.equal(bd.length, N);
    assert.equal(S.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`), N, 'roll marks = voters');
    const v = L.verify(await L.fetchRecord(p, conv.token, aid, path.join(S.dir, 'record.json')));
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    assert.doesNotMatch(p.logText(), /"status":500/, 'no 500 in the log');
    assert.equal((await p.stop()).code, 0);
  } catch (e) {
    L.log(`--- p log tail ---\n${p.logText().slice(-4000)}`);
    throw e;
  } finally {
    reading = false;
    await p.stop().catch(() => {});
    S.destroy();
    P.destroy();
  }
});

// 3. The wait bound with a multi-host string: the primary freezes
// (SIGSTOP) while its standby, listed after it, stays up. The watchdog
// must not take the standby's answer for the primary's (PQping would:
// any listed host answering is "up"), so a read stuck on the frozen
// primary is answered 503 within PNYX_DB_TIMEOUT + 2 s (+ margin), not at
// the thaw; after the thaw reads answer 200 again.
test('a frozen primary with a live standby listed: the wait bound still cuts', { timeout: 240000 }, async () => {
  const P = await L.Cluster.start({ name: 'mh-frz-primary' });
  const S = await L.standby(P, { name: 'mh-frz-standby' });
  const p = new L.Pnyxd(P, { name: 'p', env: { PNYX_DATABASE_URL: L.multiHost([P, S]), PNYX_DB_TIMEOUT: '4' } });
  try {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    assert.equal((await L.http(p.url, 'GET', `/api/v1/assemblies/${aid}`, { token: conv.token })).status, 200);
    // a keep-alive connection per HTTP thread, each with its database
    // connection open: reads on them are statements on the frozen primary
    const agent = L.keepAlive(8);
    await Promise.all(Array.from({ length: 8 }, () => L.http(p.url, 'GET', `/api/v1/assemblies/${aid}`, { token: conv.token, agent })));
    P.freeze();
    const t0 = Date.now();
    const one = async (delay) => {
      await L.sleep(delay);
      const t = Date.now();
      try {
        const r = await L.http(p.url, 'GET', `/api/v1/assemblies/${aid}`, { token: conv.token, agent, timeout: 20000 });
        return { r, ms: Date.now() - t };
      } catch (e) {
        return { r: { status: 0, headers: {}, text: e.message }, ms: Date.now() - t };
      }
    };
    let res;
    try {
      res = await Promise.all(Array.from({ length: 8 }, (_, i) => one(i * 400)));
    } finally {
      await L.sleep(Math.max(0, 12000 - (Date.now() - t0)));
      P.thaw();
    }
    agent.destroy();
    const worst = Math.max(...res.map((x) => x.ms));
    L.log(`fault_multihost/3: reads on the frozen primary → ${res.map((x) => `${x.r.status}@${x.ms}ms`).join(' ')}; load ${L.loadavg()}`);
    for (const { r } of res) assert.ok(is503(r), `503 problem+json + Retry-After: ${r.status} ${r.text.slice(0, 300)}`);
    assert.ok(worst <= (L.SANITIZED ? 10100 : 8600), `answered within the bound: ${worst} ms`);
    await L.waitFor(async () => (await L.http(p.url, 'GET', `/api/v1/assemblies/${aid}`, { token: conv.token })).status === 200, { what: '200 after the thaw', timeout: 15000 });
    assert.equal((await p.stop()).code, 0);
  } catch (e) {
    L.log(`--- p log tail ---\n${p.logText().slice(-4000)}`);
    throw e;
  } finally {
    P.thaw();
    await p.stop().catch(() => {});
    S.destroy();
    P.destroy();
  }
});

// 4. A failover while the old primary is silent (a dead machine sends no
// FIN): the primary is SIGSTOPped and its standby promoted at once. Reads
// stuck on the old primary must be cut within the wait bound — the
// watchdog asks the server those statements wait on, not the list (which
// now finds the new primary and would call them merely "long", waiting
// forever) — and writes then succeed on the new primary, pnyxd not
// restarted; new connections try the new primary first (libpq 15 would
// try the listed order, waiting connect_timeout on the silent host each
// time: 11.3 s to the first write before, 8.4 s after).
test('failover with a silent old primary: stuck statements are cut, writes resume on the new primary', { timeout: 240000 }, async () => {
  const P = await L.Cluster.start({ name: 'mh-sil-primary' });
  const S = await L.standby(P, { name: 'mh-sil-standby' });
  const p = new L.Pnyxd(P, { name: 'p', env: { PNYX_DATABASE_URL: L.multiHost([P, S]), PNYX_DB_TIMEOUT: '4' } });
  let frozen = false;
  try {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    const agent = L.keepAlive(8);
    await Promise.all(Array.from({ length: 8 }, () => L.http(p.url, 'GET', `/api/v1/assemblies/${aid}`, { token: conv.token, agent })));
    P.freeze();
    frozen = true;
    const t0 = Date.now();
    S.promote();
    const one = async (delay) => {
      await L.sleep(delay);
      const t = Date.now();
      try {
        const r = await L.http(p.url, 'GET', `/api/v1/assemblies/${aid}`, { token: conv.token, agent, timeout: 25000 });
        return { r, ms: Date.now() - t };
      } catch (e) {
        return { r: { status: 0, headers: {}, text: e.message }, ms: Date.now() - t };
      }
    };
    const res = await Promise.all(Array.from({ length: 8 }, (_, i) => one(i * 300)));
    agent.destroy();
    const worst = Math.max(...res.map((x) => x.ms));
    let wrote = 0;
    const statuses = {};
    const firstWrite = await L.waitFor(async () => {
      const r = await L.http(p.url, 'POST', `/api/v1/assemblies/${aid}/questions`, {
        token: conv.token, timeout: 25000,
        body: { title: 'After the failover', description: 'x', language: 'en', method: 'irv', options: [{ label: 'A' }, { label: 'B' }], closes_at: L.iso(3600), secrecy: 'secret' },
      });
      statuses[r.status] = (statuses[r.status] || 0) + 1;
      if (r.status !== 201 && !is503(r)) throw new Error(`write: ${r.status} ${r.text.slice(0, 300)}`);
      if (r.status === 201) wrote = Date.now();
      return r.status === 201;
    }, { what: 'a write on the new primary', timeout: 40000, interval: 200 });
    L.log(`fault_multihost/4: reads → ${res.map((x) => `${x.r.status}@${x.ms}ms`).join(' ')}; first write ${((wrote - t0) / 1000).toFixed(2)} s after the freeze+promotion ${JSON.stringify(statuses)}; load ${L.loadavg()}`);
    assert.ok(firstWrite);
    for (const { r } of res) assert.ok(r.status === 200 || is503(r), `200, or 503 problem+json + Retry-After: ${r.status} ${r.text.slice(0, 300)}`);
    assert.ok(worst <= (L.SANITIZED ? 10100 : 8600), `every read answered within the bound: ${worst} ms`);
    // 4 s bound + 2 s ping of the old primary + the recovery ping (2 s on
    // the old primary, still first) + margin; new connections then try
    // the new primary first
    assert.ok(wrote - t0 <= 15000, `writes on the new primary within 15 s: ${wrote - t0} ms`);
    assert.match(p.logText(), /accepted; new connections try it first/, 'pnyxd remembers the new primary');
    assert.ok(p.alive());
    assert.doesNotMatch(p.logText(), /"status":500/, 'no 500 in the log');
    await p.stop();
  } catch (e) {
    L.log(`--- p log tail ---\n${p.logText().slice(-4000)}`);
    throw e;
  } finally {
    await p.stop().catch(() => {});
    if (frozen) P.thaw();
    S.destroy();
    P.destroy();
  }
});
