// SPDX-License-Identifier: AGPL-3.0-or-later
// tests/cluster/topo.mjs — the cluster cases' handle on the topology of
// deploy/cluster/ (issue 15): pg_auto_failover monitor, a primary and a
// synchronous standby, N pnyxd, HAProxy, all on 127.0.0.1 under one
// directory. Everything else (fixtures, HTTP, rankings) comes from
// ../reliability/lib.mjs.
//
//   const t = await Topo.up('name', {pnyxd: 2})  deploy/cluster/up DIR
//     (bounded); t.dir, t.env (DIR/cluster.env as an object), t.url
//     (HAProxy), t.pnyxdUrls, t.base ({url} for lib.mjs's fixtures)
//   await t.fail('primary') → the killed node's name ; t.fail('pnyxd', i)
//   await t.heal() ; await t.state() → text ; await t.sync('on'|'off')
//   await t.down() — always (finally); also at process exit
//   t.psql(sql) / await t.query(sql) / await t.qint(sql): psql on the
//     multi-host DATABASE_URL (target_session_attrs=read-write: the
//     current primary), so L.voters(t, …) works
//   await t.monitor(sql): psql on the pg_auto_failover monitor (MONITOR_URI)
//   t.pnyxdLogs() → {file: text} of DIR/logs/pnyxdI.log
//
//   castRetry({url, qid, voters, …}): the cast load of lib.mjs's castLoad,
//   retrying 502/503/504 and socket errors too (HAProxy answers 502/503
//   itself when a backend dies or none is up), and keeping per voter its
//   key, every answer and the first 201's exact bytes.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as L from '../reliability/lib.mjs';

export const DEPLOY = path.join(L.REPO, 'deploy', 'cluster');
const KEEP = process.env.PNYX_CLUSTER_KEEP === '1';
const RUN_LOG_DIR = process.env.PNYX_RUN_LOG_DIR || '';

function run(script, args, { timeout }) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    execFile(path.join(DEPLOY, script), args, {
      encoding: 'utf8', timeout, killSignal: 'SIGKILL', maxBuffer: 64 << 20,
      env: { ...process.env, PNYX_BUILD_DIR: L.BUILD },
    }, (err, out, errOut) => {
      const ms = Date.now() - t0;
      if (err) {
        const why = String(errOut).split('\n').filter((l) => /^error:|^\[cluster/.test(l)).slice(-15).join('\n');
        reject(Object.assign(new Error(`deploy/cluster/${script} ${args.join(' ')} failed after ${ms} ms (${err.killed ? 'timed out' : `exit ${err.code}`}):\n${why}\n--- stderr tail ---\n${String(errOut).slice(-3000)}\n${String(out).slice(-1000)}`), { stderr: String(errOut) }));
      } else {
        resolve({ out, err: errOut, ms });
      }
    });
  });
}

const live = new Set();
process.on('exit', () => {
  // a case that died without its finally: stop what up started (sync)
  for (const t of live) {
    spawnSync(path.join(DEPLOY, 'down'), [t.dir], { stdio: 'ignore', timeout: 60000 });
  }
});

export function parseEnv(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) v = v.slice(1, -1);
    env[m[1]] = v;
  }
  return env;
}

export class Topo {
  // A port taken between up's choice and its use ("Address already in
  // use": up picks ports in the kernel's ephemeral range, where outgoing
  // connections take them too) is up's flakiness, not the case's: one
  // more try in a new directory, said on stderr.
  static async up(name, opts = {}) {
    try {
      return await Topo.up1(name, opts);
    } catch (e) {
      if (!/Address already in use|cannot listen/.test(`${e.message}${e.stderr || ''}`)) throw e;
      L.log(`${name}: deploy/cluster/up lost a port to another process (Address already in use); trying once more`);
      return Topo.up1(name, opts);
    }
  }

  static async up1(name, { pnyxd = 2, timeout = 300000 } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pnyx-cl-${name}.`));
    fs.chmodSync(dir, 0o755);
    const t = new Topo(dir, name);
    live.add(t);
    const t0 = Date.now();
    try {
      const r = await run('up', [dir, '--pnyxd', String(pnyxd)], { timeout });
      const lines = r.out.trim().split('\n');
      t.env = parseEnv(fs.readFileSync(path.join(dir, 'cluster.env'), 'utf8'));
      t.url = t.env.HAPROXY_URL || lines.at(-1).trim();
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(t.url)) throw new Error(`up: last line is not the HAProxy URL: ${lines.at(-1)}`);
      if (lines.at(-1).trim() !== t.url) throw new Error(`up: last line ${lines.at(-1)} is not HAPROXY_URL ${t.url}`);
      t.pnyxdUrls = (t.env.PNYXD_URLS || '').split(/\s+/).filter(Boolean);
      if (t.pnyxdUrls.length !== pnyxd) throw new Error(`up: ${t.pnyxdUrls.length} PNYXD_URLS, ${pnyxd} asked for`);
      if (!t.env.DATABASE_URL) throw new Error('up: no DATABASE_URL in cluster.env');
      t.base = { url: t.url };
      t.upMs = Date.now() - t0;
      L.log(`${name}: topology up in ${(t.upMs / 1000).toFixed(1)} s (${dir}), HAProxy ${t.url}, pnyxd ${t.pnyxdUrls.join(' ')}; load ${L.loadavg()}`);
      return t;
    } catch (e) {
      await t.down();
      throw e;
    }
  }

  constructor(dir, name) {
    this.dir = dir;
    this.name = name;
    this.env = {};
  }

  async fail(what, i) {
    const r = await run('fail', [this.dir, what, ...(i === undefined ? [] : [String(i)])], { timeout: 60000 });
    return r.out.trim().split('\n').at(-1) || '';
  }

  async heal({ timeout = 240000 } = {}) {
    return run('heal', [this.dir], { timeout });
  }

  async state() {
    return (await run('state', [this.dir], { timeout: 60000 })).out;
  }

  // the node that serves writes: reported AND assigned state primary,
  // wait_primary or single (deploy/cluster/state: NAME PORT REPORTED
  // ASSIGNED per PostgreSQL node), or ''
  async primary() {
    const w = /^(primary|wait_primary|single)$/;
    for (const line of (await this.state()).split('\n')) {
      const [name, , rep, goal] = line.trim().split(/\s+/);
      if (name && !name.startsWith('pnyxd') && w.test(rep || '') && w.test(goal || '')) return name;
    }
    return '';
  }

  async sync(onOff) {
    return run('sync', [this.dir, onOff], { timeout: 120000 });
  }

  // the log files of DIR/logs (one per process: pnyxd1.log, node1.log, …)
  logFiles() {
    const d = path.join(this.dir, 'logs');
    try {
      return fs.readdirSync(d).filter((n) => n.endsWith('.log')).map((n) => path.join(d, n));
    } catch {
      return [];
    }
  }

  pnyxdLogs() {
    const o = {};
    for (const f of this.logFiles().filter((x) => /^pnyxd\d+\.log$/.test(path.basename(x)))) {
      try {
        o[f] = fs.readFileSync(f, 'utf8');
      } catch {
        o[f] = '';
      }
    }
    return o;
  }

  tails(n = 3000) {
    return Object.entries(this.pnyxdLogs()).map(([f, x]) => `--- ${path.relative(this.dir, f)} ---\n${x.slice(-n)}`).join('\n');
  }

  psql(sql, { timeout = 120000 } = {}) {
    return execFileSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', '-d', this.env.DATABASE_URL, '-c', sql], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout,
    });
  }

  // a query on the pg_auto_failover monitor (its events, its node table)
  monitor(sql, { timeout = 30000 } = {}) {
    return new Promise((resolve, reject) => {
      execFile('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', '-d', this.env.MONITOR_URI, '-c', sql], { encoding: 'utf8', timeout }, (err, out, errOut) => {
        if (err) reject(new Error(`psql (monitor): ${errOut || err.message}`));
        else resolve(out);
      });
    });
  }

  int(sql) {
    return Number(this.psql(sql).trim().split('\n')[0]);
  }

  query(sql, { timeout = 60000 } = {}) {
    return new Promise((resolve, reject) => {
      execFile('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', '-d', this.env.DATABASE_URL, '-c', sql], { encoding: 'utf8', timeout }, (err, out, errOut) => {
        if (err) reject(new Error(`psql: ${errOut || err.message}`));
        else resolve(out);
      });
    });
  }

  async qint(sql) {
    return Number((await this.query(sql)).trim().split('\n')[0]);
  }

  async down() {
    if (this._down) return;
    this._down = true;
    try {
      await run('down', [this.dir], { timeout: 120000 });
    } catch (e) {
      L.log(`${this.name}: ${e.message}`);
    }
    live.delete(this);
    // the secrets check of scripts/test greps every log of the run
    if (RUN_LOG_DIR && fs.existsSync(RUN_LOG_DIR)) {
      for (const f of this.logFiles()) {
        try {
          fs.copyFileSync(f, path.join(RUN_LOG_DIR, `cluster-${path.basename(this.dir)}-${path.relative(this.dir, f).replaceAll(path.sep, '-')}`));
        } catch {
          /* best effort */
        }
      }
    }
    if (KEEP) L.log(`kept ${this.dir}`);
    else fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// Every 5xx / gateway answer a client may see during a failover and retry.
export const RETRYABLE = new Set([502, 503, 504]);

// The cast load: every voter casts ONE ballot on qid with its own
// Idempotency-Key over `concurrency` keep-alive connections to `url`
// (HAProxy). 502/503/504 and socket errors (or a request timeout) are
// retried with the same key and ranking after a short pause (Retry-After
// honoured up to 1 s) until a final answer or deadlineMs. Per voter (on
// the voter object): v.key, v.ranking, v.answers ([{status, t}]),
// v.first201 (the exact body text of the first 201), v.receipts (Set of
// every 201 receipt), v.final. Returns {acked (id → receipt), statuses,
// errors, retries, unfinished, elapsedMs, bad503 (503s without
// Retry-After or problem+json: [{ct, ra, text}]), firstOkAfter(t, from) → ms
// from `from` (default t) to the first 201 to a request SENT at or after
// t, or -1}.
export async function castRetry({ url, qid, voters: vs, concurrency = 32, deadlineMs = 180000, options = 4, requestTimeout = 15000, onResult = () => {}, onError = () => {}, gate = () => null }) {
  const agent = L.keepAlive(concurrency);
  const t0 = Date.now();
  const alive = L.deadline(deadlineMs);
  const acked = new Map();
  const statuses = {};
  const bad503 = [];
  const oks = []; // [sentAt, doneAt] of every 201
  let errors = 0;
  let retries = 0;
  let unfinished = 0;
  let next = 0;
  const one = async (i) => {
    const v = vs[i];
    v.key = `cl-${v.id}-${crypto.randomBytes(12).toString('hex')}`;
    v.ranking = L.rankingFor(i, options);
    v.answers = [];
    v.receipts = new Set();
    for (let attempt = 0; ; attempt++) {
      if (!alive()) {
        unfinished++;
        return;
      }
      if (attempt > 0) retries++;
      const sent = Date.now();
      let res;
      try {
        res = await L.http(url, 'POST', `/api/v1/questions/${qid}/ballots`, {
          token: v.token, body: { ranking: v.ranking }, agent, headers: { 'Idempotency-Key': v.key }, timeout: requestTimeout,
        });
      } catch (e) {
        errors++;
        v.answers.push({ status: 0, t: Date.now(), error: e.message });
        onError(v, e, sent);
        await L.sleep(100 + Math.random() * 150);
        continue;
      }
      const done = Date.now();
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      v.answers.push({ status: res.status, t: done });
      if (res.status === 503) {
        const ct = res.headers['content-type'] || '';
        const ra = res.headers['retry-after'];
        if (!/^application\/problem\+json/.test(ct) || !(Number(ra) >= 0) || ra === undefined) {
          if (bad503.length < 20) bad503.push({ ct, ra, text: res.text.slice(0, 200) });
          else bad503.push(null);
        }
      }
      if (res.status === 201) {
        oks.push([sent, done]);
        v.receipts.add(res.json && res.json.receipt);
        if (v.first201 === undefined) v.first201 = res.text;
      }
      onResult(v, res, sent);
      if (RETRYABLE.has(res.status)) {
        const ra = Number(res.headers['retry-after'] || 1);
        await L.sleep(Math.min(Number.isFinite(ra) ? ra : 1, 4) * 250 + Math.random() * 150);
        continue;
      }
      if (res.status === 201) acked.set(v.id, res.json.receipt);
      v.final = res.status;
      return;
    }
  };
  // gate(): a promise (or null) every worker awaits before it takes the
  // next voter — lets a case hold new voters until a fault is complete.
  const worker = async () => {
    while (next < vs.length) {
      await gate();
      if (next < vs.length) await one(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, vs.length) }, worker));
  agent.destroy();
  // ms from `from` (default t) to the first 201 of a request sent at or
  // after t, or -1
  const firstOkAfter = (t, from = t) => {
    let best = Infinity;
    for (const [s, d] of oks) if (s >= t && d < best) best = d;
    return best === Infinity ? -1 : best - from;
  };
  return { acked, statuses, errors, retries, unfinished, elapsedMs: Date.now() - t0, bad503, firstOkAfter, oks };
}

// The start every cluster case shares: a convener (registered through
// HAProxy), an assembly, n bulk-loaded voters, and `questions` questions
// (opened unless open: false).
export async function fixture(t, n, { options = 4, questions = 1, closes_in = 3600, open = true } = {}) {
  const conv = await L.account(t.base, { country: 'FR' });
  const aid = await L.assembly(t.base, conv);
  const vs = L.voters(t, aid, n);
  const qids = [];
  for (let i = 0; i < questions; i++) {
    const qid = await L.question(t.base, conv, aid, { options, closes_in, title: `Cluster question ${i + 1}` });
    if (open) await L.openQuestion(t.base, conv, qid);
    qids.push(qid);
  }
  return { conv, aid, vs, qid: qids[0], qids };
}
