// SPDX-License-Identifier: AGPL-3.0-or-later
// load_slow_clients: 500 connections sending their request headers a byte a
// second ("slowloris") and 1,000 idle keep-alive connections, while a
// normal client reads an assembly every 20 ms (half its requests on one
// keep-alive connection, half on a fresh connection each). Asserts: every
// normal request answers 200 and their p99 stays under a bound (100 ms is
// the goal; the assertion has a margin for a loaded 2-core CI machine: the
// measured value is printed and goes into the README); pnyxd accepts all
// 1,500 greedy connections (none refused: the connection limit and the
// open-file limit are above them); the request deadline
// (PNYX_REQUEST_TIMEOUT) then closes every slow and idle connection — none
// before it, all within a few seconds after it; pnyxd's descriptors and
// database connections return to what they were.
//
// The greedy connections come from 127.0.1.x … 127.0.20.x (all loopback on
// Linux), 75 per address, so the per-address limit (PNYX_MAX_PER_IP 256)
// does not refuse them; the normal client is 127.0.0.1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import * as L from './lib.mjs';

const SLOW = 500;
const IDLE = 1000;
const ADDRS = 20;
// the request deadline for this case: long enough for the measurement
// window, short enough to watch it close the greedy connections
const DEADLINE_S = 15;
const WINDOW_MS = 11000;
// goal 100 ms; asserted with a margin (2-core CI machine at load 10-20;
// ASan makes pnyxd ~3x slower)
const P99_BOUND = L.SANITIZED ? 1000 : 300;

const fdCount = (pid) => fs.readdirSync(`/proc/${pid}/fd`).length;
const dbConns = (c) => c.int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pnyxd'");
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const addrOf = (i) => `127.0.${1 + (i % ADDRS)}.${10 + Math.floor(i / ADDRS) % 200}`;

// Opens one greedy connection. kind 'slow': sends a request line and an
// unfinished header, then (driven by drip()) a byte a second. kind 'idle':
// sends one whole request, reads its answer, then stays open and silent.
function greedy(port, i, kind, st) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: addrOf(i) });
    s.kind = kind;
    s.openedAt = 0;
    s.closedAt = 0;
    s.answered = false;
    s.on('error', () => {
      st.errors++;
    });
    s.on('data', (d) => {
      if (kind === 'idle' && /^HTTP\/1\.1 200 /.test(d.toString('latin1'))) s.answered = true;
      if (kind === 'slow') st.slowAnswered++; // a slow client never completes a request
    });
    s.on('close', () => {
      s.closedAt = Date.now();
      resolve(s);
    });
    s.on('connect', () => {
      s.openedAt = Date.now();
      if (kind === 'slow') s.write('GET /api/v1/translation/languages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      else s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    s.done = new Promise((r) => s.on('close', r));
    st.socks.push(s);
    s.once('connect', () => resolve(s));
  });
}

test(`${SLOW} slow-header and ${IDLE} idle keep-alive connections; a normal client keeps its p99`, { timeout: 180000 }, async () => {
  const c = await L.Cluster.start({ name: 'slow' });
  // argon2 at a test cost: the fixtures' few logins are not what this case measures
  const p = new L.Pnyxd(c, { env: { PNYX_REQUEST_TIMEOUT: String(DEADLINE_S), PNYX_ARGON2_M_KIB: '1024', PNYX_ARGON2_T: '1' } });
  const st = { socks: [], errors: 0, slowAnswered: 0 };
  let drip = null;
  try {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    const path = `/api/v1/assemblies/${aid}`;
    assert.equal((await L.http(p.url, 'GET', path)).status, 200, 'the normal read works');
    // Warm-up before the baseline: each HTTP thread opens its database
    // connection on its first request, so a baseline taken after one read
    // was one descriptor short whenever the normal client later reached a
    // thread that had not served yet (the check then waited for 13 of 14).
    for (let round = 0; round < 4; round++) {
      const rs = await Promise.all(Array.from({ length: 32 }, () => L.http(p.url, 'GET', path)));
      assert.ok(rs.every((r) => r.status === 200), 'the warm-up reads work');
    }
    await L.sleep(500);
    const fds0 = fdCount(p.pid);
    const db0 = dbConns(c);

    // the greedy connections, 50 at a time
    const t0 = Date.now();
    for (let i = 0; i < SLOW + IDLE; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, SLOW + IDLE - i) }, (_, k) => greedy(p.port, i + k, i + k < SLOW ? 'slow' : 'idle', st)));
    }
    const slow = st.socks.filter((s) => s.kind === 'slow');
    const idle = st.socks.filter((s) => s.kind === 'idle');
    drip = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write('a');
    }, 1000);
    await L.waitFor(() => idle.every((s) => s.answered || s.closedAt), { timeout: 30000, what: 'the idle connections\' first answers' });
    const openMs = Date.now() - t0;

    // the normal client
    const agent = L.keepAlive(1);
    const lat = [];
    const bad = [];
    const live = L.deadline(WINDOW_MS);
    for (let n = 0; live(); n++) {
      const t = process.hrtime.bigint();
      try {
        const r = await L.http(p.url, 'GET', path, { agent: n % 2 ? agent : undefined, timeout: 10000 });
        if (r.status !== 200) bad.push(r.status);
      } catch (e) {
        bad.push(e.message);
      }
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      await L.sleep(20);
    }
    agent.destroy();
    const open = st.socks.filter((s) => !s.closedAt).length;
    const p50 = pct(lat, 0.5);
    const p99 = pct(lat, 0.99);
    const fdsLoaded = fdCount(p.pid);
    L.log(`load_slow_clients: ${SLOW} slow + ${IDLE} idle opened in ${openMs} ms (${open} still open after the window, pnyxd fds ${fdsLoaded}); normal client ${lat.length} requests, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms, failures ${bad.length}; load ${L.loadavg()}`);
    assert.deepEqual(bad.slice(0, 10), [], 'every normal request answered 200');
    assert.ok(lat.length >= 100, `enough normal requests measured (${lat.length})`);
    assert.ok(p99 < P99_BOUND, `normal client p99 ${p99.toFixed(1)} ms < ${P99_BOUND} ms`);
    assert.equal(idle.filter((s) => !s.answered).length, 0, 'every idle connection was accepted and answered');
    assert.equal(st.slowAnswered, 0, 'no slow connection got an answer (its request never completed)');
    assert.equal(open, SLOW + IDLE, 'no greedy connection was closed before the request deadline');
    assert.ok(fdsLoaded >= fds0 + SLOW + IDLE, `pnyxd holds every greedy connection (${fdsLoaded} fds)`);

    // the request deadline closes them all: not before DEADLINE_S after
    // their last request began, at most a few seconds after
    await Promise.race([Promise.all(st.socks.map((s) => s.done)), L.sleep((DEADLINE_S + 15) * 1000)]);
    clearInterval(drip);
    drip = null;
    const left = st.socks.filter((s) => !s.closedAt).length;
    assert.equal(left, 0, `the request deadline closed every greedy connection (${left} left)`);
    const lifeSlow = slow.map((s) => (s.closedAt - s.openedAt) / 1000);
    const lifeIdle = idle.map((s) => (s.closedAt - s.openedAt) / 1000);
    L.log(`load_slow_clients: slow connections closed after ${Math.min(...lifeSlow).toFixed(1)}–${Math.max(...lifeSlow).toFixed(1)} s, idle after ${Math.min(...lifeIdle).toFixed(1)}–${Math.max(...lifeIdle).toFixed(1)} s (deadline ${DEADLINE_S} s)`);
    assert.ok(Math.min(...lifeSlow) >= DEADLINE_S - 1, 'no slow connection closed before the deadline');
    assert.ok(Math.max(...lifeSlow) <= DEADLINE_S + 10, 'every slow connection closed within 10 s of the deadline');
    assert.match(p.logText(), new RegExp(`sent no complete request within ${DEADLINE_S} s`), 'the log says why connections were closed');

    // nothing leaked
    const fds1 = await L.waitFor(() => {
      const n = fdCount(p.pid);
      return n <= fds0 ? n : null;
    }, { timeout: 10000, what: `pnyxd's descriptors back to ${fds0}` });
    const db1 = dbConns(c);
    L.log(`load_slow_clients: pnyxd fds ${fds0} before, ${fdsLoaded} loaded, ${fds1} after; database connections ${db0} before, ${db1} after`);
    assert.equal(db1, db0, 'database connections unchanged');
    assert.ok(p.alive(), 'pnyxd still runs');
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
  } catch (e) {
    L.log(`--- pnyxd log tail ---\n${p.logText().slice(-3000)}`);
    throw e;
  } finally {
    if (drip) clearInterval(drip);
    for (const s of st.socks) s.destroy();
    await p.stop().catch(() => {});
    c.destroy();
  }
});
