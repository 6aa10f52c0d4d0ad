// SPDX-License-Identifier: AGPL-3.0-or-later
// tests/reliability/lib.mjs — shared pieces of the fault and load cases
// (issue 13). Every case starts its OWN throwaway PostgreSQL cluster and its
// own pnyxd (never the suite's shared cluster), on 127.0.0.1, and every
// wait here is bounded. Everything started through this module is stopped
// at process exit, even when a case throws (exit/signal hooks below).
//
// STABLE API (other helpers build on it; add, do not change):
//
//   env: REPO, BUILD (PNYX_BUILD_DIR, set by ./run), BIN (BUILD/bin),
//        SANITIZED (PNYX_SANITIZE set: ASan pass), SOAK (PNYX_SOAK=1),
//        scale(n, {asan, soak}) → n shortened under ASan / lengthened in soak
//   sleep(ms); deadline(ms) → () => bool (true while time is left);
//   waitFor(fn, {timeout, interval, what}) → fn's first truthy value, throws
//        after timeout; loadavg() → "1.23 4.56 7.89"; log(...) (stderr)
//
//   class Cluster — a private cluster through scripts/lib/common.sh
//     await Cluster.start({name, conf: ['max_connections = 200', …]})
//     c.dir, c.host (socket dir), c.port, c.db ('pnyx'), c.url (libpq URL)
//     c.psql(sql) → stdout (tuples only, unaligned, ON_ERROR_STOP);
//     c.psqlFile(file, vars) ; c.int(sql) → Number of the first cell
//     await c.query(sql) / await c.qint(sql): the same without blocking the
//       event loop (psql as a child process; use them during a load)
//     c.postmasterPid() ; c.backendPids(appFilter?) (from the OS, no SQL)
//     c.stopImmediate() (pg_ctl stop -m immediate) ; c.stopFast() ;
//     c.start() (pg_ctl start -w) ; c.running() ;
//     c.freeze() / c.thaw() (SIGSTOP / SIGCONT the postmaster + children)
//     c.destroy() (stop + rm -rf; also run at exit)
//
//   class Pnyxd — one pnyxd serve on a fixed loopback port (the same port
//     across restarts, so clients keep their URL)
//     const p = new Pnyxd(cluster, {env: {PNYX_WORKERS: '1', …}, name, dataDir})
//       (name: log file and data dir names, default 'pnyxd'; dataDir: share
//       another pnyxd's data dir, i.e. its signing key: p2 = new
//       Pnyxd(c, {name: 'b', dataDir: p.dataDir}) — two nodes, one database)
//     await p.migrate() ; await p.start({timeout}) (waits for /readyz 200)
//     p.url ('http://127.0.0.1:PORT'), p.pid, p.alive(), p.logFile,
//     p.logText() (whole log, every start appended), p.exits (array of
//     {code, signal} of earlier processes)
//     p.kill('SIGKILL') → resolves when the process is gone
//     await p.restart() (SIGKILL + start) ; await p.stop() (SIGTERM, then
//     SIGKILL after 10 s; resolves {code, signal})
//
//   HTTP: http(base, method, path, {token, body, headers, agent, timeout})
//     → {status, headers, text, json} ; rejects on a socket error/timeout
//     keepAlive(maxSockets) → an http.Agent with keep-alive
//
//   Fixtures (through the API unless said):
//     await account(p, {country, languages}) → {id, email, token}
//       (register + log in: argon2, so only for a few accounts)
//     await assembly(p, convener, {visibility, join_policy}) → aid
//     voters(cluster, aid, n, {countries}) → [{id, token}] (bulk SQL: n
//       accounts, active memberships and bearer sessions in one
//       transaction; no argon2, no member.joined entries — like
//       bench/questions/load_voters.sql; pnyx-verify does not need them)
//     await question(p, convener, aid, {options, closes_in, secrecy, method})
//       → qid (created, not opened) ; await openQuestion(p, convener, qid) ;
//     await closeQuestion(p, convener, qid, reason) → response ;
//     await waitTallied(p, convener, qid, {timeout}) → the result JSON
//     await board(p, token, qid) → [{receipt, ranking, country}] (all pages)
//     await withOpenVote(name, n, run, {options, cleanup}): cluster + pnyxd +
//       convener + assembly + n voters + an open question, then run({c, p,
//       conv, aid, vs, qid}); both stopped after, passed or failed
//     await fetchRecord(p, token, aid, file) ; verify(file) → {code, out}
//       (pnyx-verify RECORD --json)
//
//   Cast load: castLoad({p, qid, voters, concurrency, deadlineMs, onResult})
//     every voter casts ONE ballot with its own Idempotency-Key on a
//     keep-alive agent; a socket error or 503 is retried (same key, same
//     ranking) until a final answer or the deadline; returns
//     {acked: Map(voterId → receipt), statuses: {code: count},
//      errors (socket errors seen), retries, elapsedMs, unfinished}
//     rankingFor(i) → the ranking voter i casts (deterministic)
import { spawn, execFile, execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http_ from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILD = path.resolve(process.env.PNYX_BUILD_DIR || path.join(REPO, 'build'));
export const BIN = path.join(BUILD, 'bin');
export const SANITIZED = !!process.env.PNYX_SANITIZE;
export const SOAK = process.env.PNYX_SOAK === '1';
const PGBIN = '/usr/lib/postgresql/15/bin';
const ROOT = process.getuid && process.getuid() === 0;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
export const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
export function scale(n, { asan = 0.5, soak = 5 } = {}) {
  if (SOAK) return Math.round(n * soak);
  if (SANITIZED) return Math.max(1, Math.round(n * asan));
  return n;
}
export function deadline(ms) {
  const end = Date.now() + ms;
  return () => Date.now() < end;
}
export async function waitFor(fn, { timeout = 30000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(interval);
  }
}

// --- cleanup at exit -----------------------------------------------------------
const cleanups = new Set();
function atExit(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
function runCleanups() {
  for (const fn of [...cleanups].reverse()) {
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
  cleanups.clear();
}
process.on('exit', runCleanups);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    runCleanups();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

// --- the run's secrets check (tests/secrets/README.md) ---------------------------
// With PNYX_SECRETS_FILE set (scripts/test), every token, Idempotency-Key and
// password these cases send is appended to it at exit, and each cluster's
// pnyxd and PostgreSQL logs are copied into PNYX_RUN_LOG_DIR before the
// cluster is deleted: the check at the end of scripts/test greps them all.
const SECRETS_FILE = process.env.PNYX_SECRETS_FILE || '';
const RUN_LOG_DIR = process.env.PNYX_RUN_LOG_DIR || '';
const secrets = new Set();
export function secret(s) {
  if (SECRETS_FILE && s) secrets.add(String(s));
}
process.on('exit', () => {
  if (!SECRETS_FILE || secrets.size === 0) return;
  try {
    fs.appendFileSync(SECRETS_FILE, [...secrets].join('\n') + '\n');
  } catch {
    /* best effort: the check then reads fewer secrets, never more */
  }
});
function keepLogs(dir) {
  if (!RUN_LOG_DIR || !fs.existsSync(RUN_LOG_DIR)) return;
  const found = [];
  for (const sub of ['', 'pg', path.join('pg', 'run')]) {
    let names = [];
    try {
      names = fs.readdirSync(path.join(dir, sub));
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.log')) found.push(path.join(sub, n));
  }
  for (const f of found) {
    try {
      fs.copyFileSync(path.join(dir, f), path.join(RUN_LOG_DIR, `reliability-${path.basename(dir)}-${f.replaceAll(path.sep, '-')}`));
    } catch {
      /* best effort */
    }
  }
}

// --- PostgreSQL ------------------------------------------------------------------
function sh(script, args, opts = {}) {
  return execFileSync('bash', ['-c', `set -euo pipefail; . "${REPO}/scripts/lib/common.sh"; ${script}`, 'rel', ...args], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeout ?? 120000,
    // test clusters keep 4 KiB pages (pnyx_pg_hugepages in common.sh)
    env: { ...process.env, PNYX_HUGEPAGES: process.env.PNYX_HUGEPAGES ?? '0' },
  });
}
const asPg = (cmd) => (ROOT ? ['runuser', ['-u', 'postgres', '--', ...cmd]] : [cmd[0], cmd.slice(1)]);

export class Cluster {
  static async start({ name = 'rel', conf = [] } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pnyx-rel-${name}.`));
    fs.chmodSync(dir, 0o755);
    const c = new Cluster(dir);
    c._unreg = atExit(() => c.destroy());
    // fsync off: a throwaway cluster; a process crash (stop -m immediate)
    // loses nothing written to the kernel, which synchronous_commit (on)
    // guarantees for every commit acknowledged.
    const lines = ['fsync = off', 'full_page_writes = off', 'max_connections = 200', ...conf];
    const tpl = process.env.PNYX_REL_PGTEMPLATE;
    if (tpl && fs.existsSync(path.join(tpl, 'data', 'PG_VERSION'))) {
      // ./run made one cluster with initdb (seconds on a loaded machine);
      // each case copies it and points its socket at its own directory
      sh(`mkdir -p "$1/pg/run"; if [ "$(id -u)" = 0 ]; then chown postgres: "$1/pg" "$1/pg/run"; fi
          chmod 700 "$1/pg/run"; pnyx_pg_reachable "$1/pg"; cp -a "$2/data" "$1/pg/data"
          { echo "unix_socket_directories = '$1/pg/run'"; for l in "\${@:3}"; do echo "$l"; done; } |
            pnyx_as_pg tee -a "$1/pg/data/postgresql.conf" >/dev/null
          pnyx_pg_start "$1/pg"; pnyx_pg_createdb "$1/pg" pnyx`, [dir, tpl, ...lines]);
    } else {
      sh('pnyx_pg_init "$1/pg" "${@:2}" 2>/dev/null; pnyx_pg_start "$1/pg"; pnyx_pg_createdb "$1/pg" pnyx', [dir, ...lines]);
    }
    return c;
  }

  constructor(dir) {
    this.dir = dir;
    this.pg = path.join(dir, 'pg');
    this.host = path.join(this.pg, 'run');
    this.port = 5432;
    this.db = 'pnyx';
    this.url = `postgresql:///${this.db}?host=${this.host}&port=${this.port}&user=postgres`;
  }

  psql(sql, { timeout = 120000 } = {}) {
    return execFileSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', this.url, '-c', sql], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout,
    });
  }

  psqlFile(file, vars = {}, { timeout = 300000 } = {}) {
    const v = Object.entries(vars).flatMap(([k, x]) => ['-v', `${k}=${x}`]);
    return execFileSync('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', ...v, this.url, '-f', file], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout,
    });
  }

  int(sql) {
    return Number(this.psql(sql).trim().split('\n')[0]);
  }

  query(sql, { timeout = 120000 } = {}) {
    return new Promise((resolve, reject) => {
      execFile('psql', ['-X', '-qtA', '-v', 'ON_ERROR_STOP=1', this.url, '-c', sql], { encoding: 'utf8', timeout }, (err, out, errOut) => {
        if (err) reject(new Error(`psql: ${errOut || err.message}`));
        else resolve(out);
      });
    });
  }

  async qint(sql) {
    return Number((await this.query(sql)).trim().split('\n')[0]);
  }

  postmasterPid() {
    try {
      return Number(fs.readFileSync(path.join(this.pg, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return 0;
    }
  }

  // Backend pids straight from /proc (works while the cluster is frozen).
  // filter: a substring of the process title, e.g. the database name.
  backendPids(filter = '') {
    const pm = this.postmasterPid();
    if (!pm) return [];
    const out = [];
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== pm) continue;
        const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
        if (!filter || cmd.includes(filter)) out.push(Number(d));
      } catch {
        /* gone */
      }
    }
    return out;
  }

  running() {
    const [cmd, args] = asPg([`${PGBIN}/pg_ctl`, '-D', path.join(this.pg, 'data'), 'status']);
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 30000 }).status === 0;
  }

  _ctl(...a) {
    const [cmd, args] = asPg([`${PGBIN}/pg_ctl`, '-D', path.join(this.pg, 'data'), ...a]);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 90000 });
    if (r.status !== 0) throw new Error(`pg_ctl ${a.join(' ')}: ${r.stderr || r.stdout || r.error}`);
  }

  stopImmediate() {
    this._ctl('-m', 'immediate', '-w', '-t', '60', 'stop');
  }

  stopFast() {
    this._ctl('-m', 'fast', '-w', '-t', '60', 'stop');
  }

  start() {
    sh('pnyx_pg_start "$1/pg"', [this.dir]);
  }

  // SIGSTOP every process of the cluster (postmaster first, so it forks
  // no new backend), SIGCONT in the reverse order.
  freeze() {
    const pm = this.postmasterPid();
    this._frozen = [pm, ...this.backendPids()];
    for (const p of this._frozen) {
      try {
        process.kill(p, 'SIGSTOP');
      } catch {
        /* gone */
      }
    }
  }

  thaw() {
    for (const p of [...(this._frozen || [])].reverse()) {
      try {
        process.kill(p, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    this._frozen = null;
  }

  destroy() {
    if (this._destroyed) return;
    this._destroyed = true;
    if (this._frozen) this.thaw();
    try {
      const [cmd, args] = asPg([`${PGBIN}/pg_ctl`, '-D', path.join(this.pg, 'data'), '-m', 'immediate', '-w', '-t', '30', 'stop']);
      spawnSync(cmd, args, { stdio: 'ignore', timeout: 40000 });
    } catch {
      /* not running */
    }
    keepLogs(this.dir);
    if (process.env.PNYX_REL_KEEP === '1') log(`kept ${this.dir}`);
    else fs.rmSync(this.dir, { recursive: true, force: true });
    if (this._unreg) this._unreg();
  }
}

// --- pnyxd ---------------------------------------------------------------------------
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export class Pnyxd {
  constructor(cluster, { env = {}, name = 'pnyxd', dataDir } = {}) {
    this.cluster = cluster;
    this.name = name;
    this.extraEnv = env;
    this.dataDir = dataDir || path.join(cluster.dir, `${name}-data`);
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.logFile = path.join(cluster.dir, `${name}.log`);
    this.exits = [];
    this.proc = null;
    this.port = 0;
    this._unreg = atExit(() => {
      if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
        try {
          process.kill(this.proc.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    });
  }

  env() {
    return {
      ...process.env,
      PNYX_DATABASE_URL: this.cluster.url,
      PNYX_DATA_DIR: this.dataDir,
      PNYX_STATIC_DIR: path.join(REPO, 'static'),
      PNYX_SQL_DIR: path.join(REPO, 'sql'),
      PNYX_LISTEN: `127.0.0.1:${this.port}`,
      PNYX_LOG_LEVEL: 'info',
      PNYX_WORKERS: '1',
      ...this.extraEnv,
    };
  }

  async migrate() {
    const r = spawnSync(path.join(BIN, 'pnyxd'), ['migrate'], { env: this.env(), encoding: 'utf8', timeout: 120000 });
    if (r.status !== 0) throw new Error(`pnyxd migrate: ${r.stderr}${r.stdout}`);
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid() {
    return this.proc ? this.proc.pid : 0;
  }

  alive() {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  logText() {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  async start({ timeout = 60000 } = {}) {
    if (this.alive()) throw new Error(`${this.name} already running`);
    if (!this.port) this.port = await freePort();
    const fd = fs.openSync(this.logFile, 'a');
    fs.writeSync(fd, `--- ${this.name} start ${new Date().toISOString()}\n`);
    const proc = spawn(path.join(BIN, 'pnyxd'), ['serve'], { env: this.env(), stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    // not keeping node alive: a case that forgets to stop pnyxd still
    // ends, and the exit hook kills it
    proc.unref();
    this.proc = proc;
    proc.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exits.push({ code, signal });
        resolve({ code, signal });
      });
    });
    // the port may still be held for an instant after a SIGKILL; pnyxd
    // exits then and is started again, within the same bound
    const end = Date.now() + timeout;
    for (;;) {
      if (!this.alive()) {
        if (Date.now() < end && /Address already in use|bind/i.test(this.logText().split('--- ').pop())) {
          await sleep(200);
          return this.start({ timeout: end - Date.now() });
        }
        throw new Error(`${this.name} exited at start (${JSON.stringify(this.exits.at(-1))}):\n${this.logText().slice(-3000)}`);
      }
      try {
        const r = await http(this.url, 'GET', '/readyz', { timeout: 2000 });
        if (r.status === 200) return this;
      } catch {
        /* not yet */
      }
      if (Date.now() >= end) {
        throw new Error(`${this.name} not ready after ${timeout} ms:\n${this.logText().slice(-3000)}`);
      }
      await sleep(100);
    }
  }

  async kill(sig = 'SIGKILL') {
    if (!this.alive()) return this.exits.at(-1);
    const { proc } = this;
    process.kill(proc.pid, sig);
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit on ${sig}`)), 30000);
    });
    try {
      return await Promise.race([proc.exited, late]);
    } finally {
      clearTimeout(timer); // a pending timer would keep node alive for 30 s
    }
  }

  async restart(opts) {
    await this.kill('SIGKILL');
    return this.start(opts);
  }

  async stop() {
    if (!this.alive()) return this.exits.at(-1);
    const { proc } = this;
    process.kill(proc.pid, 'SIGTERM');
    const t = setTimeout(() => {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 10000);
    const r = await proc.exited;
    clearTimeout(t);
    return r;
  }
}

// --- HTTP ------------------------------------------------------------------------------
export function keepAlive(maxSockets = 32) {
  return new http_.Agent({ keepAlive: true, maxSockets });
}

export function http(base, method, p, { token, body, headers = {}, agent, timeout = 30000 } = {}) {
  const u = new URL(p, base);
  const h = { ...headers };
  if (token) {
    h.Authorization = `Bearer ${token}`;
    secret(token);
  }
  if (h['Idempotency-Key']) secret(h['Idempotency-Key']);
  let data;
  if (body !== undefined) {
    data = typeof body === 'string' ? body : JSON.stringify(body);
    h['Content-Type'] = h['Content-Type'] || 'application/json';
    h['Content-Length'] = Buffer.byteLength(data);
  }
  return new Promise((resolve, reject) => {
    const rq = http_.request({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, method, headers: h, agent: agent || false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        if (/json/.test(res.headers['content-type'] || '')) {
          try {
            json = JSON.parse(text);
          } catch {
            json = null;
          }
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    rq.setTimeout(timeout, () => rq.destroy(new Error(`${method} ${p}: no answer in ${timeout} ms`)));
    rq.on('error', reject);
    if (data !== undefined) rq.write(data);
    rq.end();
  });
}

async function must(r, want, what) {
  const res = await r;
  if (res.status !== want) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 500)}`);
  return res;
}

// --- fixtures ----------------------------------------------------------------------------
let uniq = 0;
const tag = () => `${process.pid}-${Date.now()}-${uniq++}`;

export async function account(p, { country = 'FR', languages = ['en'] } = {}) {
  const email = `rel-${tag()}@example.org`;
  const password = 'a fine long passphrase';
  secret(password);
  const r = await must(http(p.url, 'POST', '/api/v1/accounts', { body: { email, password, display_name: 'Reliability', country, languages } }), 201, 'register');
  const s = await must(http(p.url, 'POST', '/api/v1/sessions', { body: { email, password } }), 201, 'login');
  return { id: r.json.id, email, token: s.json.token };
}

export async function assembly(p, convener, { visibility = 'public', join_policy = 'open' } = {}) {
  const r = await must(http(p.url, 'POST', '/api/v1/assemblies', { token: convener.token, body: { title: 'Reliability assembly', description: 'Faults', visibility, join_policy } }), 201, 'create assembly');
  return r.json.id;
}

// n voters straight into the tables (one transaction): accounts,
// memberships (role member, active) and bearer sessions, as pnyxd stores
// them (SHA-256 of the raw token). Countries cycle through `countries`.
export function voters(cluster, aid, n, { countries = ['DE', 'FR', 'IT', 'ES', 'PL', 'NL'] } = {}) {
  const t = tag();
  const cs = countries.join(',');
  const out = cluster.psql(`
BEGIN;
INSERT INTO accounts (email, display_name, password_hash, country, languages)
SELECT 'relv-${t}-' || g || '@example.org', 'Voter ' || g,
       '$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA',
       (string_to_array('${cs}', ','))[1 + (g - 1) % cardinality(string_to_array('${cs}', ','))], '{en}'
FROM generate_series(1, ${Number(n)}) g;
CREATE TEMP TABLE rel_acc ON COMMIT DROP AS
SELECT id FROM accounts WHERE email LIKE 'relv-${t}-%';
-- memberships_languages counts languages one UPDATE per row (see
-- bench/questions/load_voters.sql): off for the bulk insert, counted once
SET LOCAL session_replication_role = replica;
INSERT INTO memberships (assembly_id, account_id, role, status)
SELECT ${Number(aid)}, id, 'member', 'active' FROM rel_acc;
SET LOCAL session_replication_role = origin;
INSERT INTO assembly_languages (assembly_id, language, readers) VALUES (${Number(aid)}, 'en', ${Number(n)})
ON CONFLICT (assembly_id, language) DO UPDATE SET readers = assembly_languages.readers + EXCLUDED.readers;
CREATE TEMP TABLE rel_tok ON COMMIT DROP AS
SELECT id AS account_id, decode(md5(random()::text) || md5(random()::text), 'hex') AS raw FROM rel_acc;
INSERT INTO sessions (account_id, token_hash, csrf_hash, created_at, last_seen_at, expires_at)
SELECT account_id, sha256(raw), sha256(raw || '\\x00'::bytea), now(), now(), now() + interval '1 day' FROM rel_tok;
SELECT account_id || ' ' || translate(rtrim(encode(raw, 'base64'), '='), '+/', '-_') FROM rel_tok ORDER BY account_id;
COMMIT;`);
  const vs = out.trim().split('\n').filter(Boolean).map((l) => {
    const [id, token] = l.split(' ');
    return { id: Number(id), token };
  });
  if (vs.length !== n) throw new Error(`voters: ${vs.length} of ${n} made`);
  return vs;
}

export const iso = (secondsFromNow) => new Date(Date.now() + secondsFromNow * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function question(p, convener, aid, { options = 4, closes_in = 3600, secrecy = 'secret', method = 'irv', title = 'Reliability question' } = {}) {
  const opts = Array.from({ length: options }, (_, i) => ({ label: `Option ${i + 1}` }));
  const r = await must(http(p.url, 'POST', `/api/v1/assemblies/${aid}/questions`, {
    token: convener.token,
    body: { title, description: 'Under faults.', language: 'en', method, options: opts, closes_at: iso(closes_in), secrecy },
  }), 201, 'create question');
  return r.json.id;
}

export async function openQuestion(p, convener, qid) {
  return must(http(p.url, 'POST', `/api/v1/questions/${qid}/open`, { token: convener.token }), 200, 'open question');
}

export async function closeQuestion(p, convener, qid, reason = 'reliability test') {
  return http(p.url, 'POST', `/api/v1/questions/${qid}/close`, { token: convener.token, body: { reason } });
}

export async function waitTallied(p, convener, qid, { timeout = 60000 } = {}) {
  return waitFor(async () => {
    const r = await http(p.url, 'GET', `/api/v1/questions/${qid}/result`, { token: convener.token });
    return r.status === 200 ? r.json : null;
  }, { timeout, what: `question ${qid} tallied`, interval: 250 });
}

// The start of every cast-fault case: a private cluster and pnyxd (one
// worker), a convener, an assembly, `n` bulk-loaded voters and an open
// question with `options` options. run({c, p, conv, aid, vs, qid}) is the
// case; on failure the end of pnyxd's log is printed; pnyxd and the
// cluster are stopped after it, passed or failed
// (`cleanup(c)` first, e.g. to thaw a frozen cluster before pnyxd stops).
export async function withOpenVote(name, n, run, { options = 4, cleanup } = {}) {
  const c = await Cluster.start({ name });
  const p = new Pnyxd(c, { env: { PNYX_WORKERS: '1' } });
  try {
    await p.migrate();
    await p.start();
    const conv = await account(p, { country: 'FR' });
    const aid = await assembly(p, conv);
    const vs = voters(c, aid, n);
    const qid = await question(p, conv, aid, { options });
    await openQuestion(p, conv, qid);
    return await run({ c, p, conv, aid, vs, qid });
  } catch (e) {
    log(`--- pnyxd log tail ---\n${p.logText().slice(-4000)}`);
    throw e;
  } finally {
    if (cleanup) cleanup(c);
    await p.stop().catch(() => {});
    c.destroy();
  }
}

export async function board(p, token, qid) {
  const items = [];
  let after = 0;
  for (let pages = 0; pages < 100000; pages++) {
    const r = await must(http(p.url, 'GET', `/api/v1/questions/${qid}/ballots?limit=200&after=${after}`, { token }), 200, 'board page');
    items.push(...r.json.items);
    if (r.json.next === null) return items;
    after = r.json.next;
  }
  throw new Error('board: too many pages');
}

export async function fetchRecord(p, token, aid, file) {
  const r = await must(http(p.url, 'GET', `/api/v1/assemblies/${aid}/record`, { token, timeout: 120000 }), 200, 'record');
  fs.writeFileSync(file, r.text);
  return file;
}

export function verify(file) {
  const r = spawnSync(path.join(BIN, 'pnyx-verify'), [file, '--json'], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

// --- the cast load ---------------------------------------------------------------------------
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export function rankingFor(i, options = 4) {
  const ids = LETTERS.slice(0, options).split('');
  const k = 1 + (i % options);
  const start = i % options;
  return Array.from({ length: k }, (_, j) => ids[(start + j) % options]);
}

// A cast load: `voters` ([{id, token}]) each cast one ballot on `qid` over
// `concurrency` keep-alive connections. A voter's request that fails on
// the socket (pnyxd killed), times out, or answers 503 is retried with the
// SAME Idempotency-Key and ranking after a short pause, until a final
// answer (201 or any other status) or deadlineMs. onResult(voter, res) is
// called for every answer received (res.status) — before retrying.
export async function castLoad({ p, qid, voters: vs, concurrency = 32, deadlineMs = 120000, options = 4, requestTimeout = 20000, onResult = () => {}, onError = () => {} }) {
  const agent = keepAlive(concurrency);
  const t0 = Date.now();
  const live = deadline(deadlineMs);
  const acked = new Map();
  const statuses = {};
  let errors = 0;
  let retries = 0;
  let unfinished = 0;
  let next = 0;
  const one = async (i) => {
    const v = vs[i];
    const key = `rel-${v.id}-${crypto.randomBytes(12).toString('hex')}`;
    const body = { ranking: rankingFor(i, options) };
    for (let attempt = 0; ; attempt++) {
      if (!live()) {
        unfinished++;
        return;
      }
      if (attempt > 0) retries++;
      let res;
      try {
        // url read each time: the same port across restarts
        res = await http(p.url, 'POST', `/api/v1/questions/${qid}/ballots`, { token: v.token, body, agent, headers: { 'Idempotency-Key': key }, timeout: requestTimeout });
      } catch (e) {
        errors++;
        onError(v, e);
        await sleep(50 + Math.random() * 100);
        continue;
      }
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      onResult(v, res);
      if (res.status === 503) {
        const ra = Number(res.headers['retry-after'] || 1);
        await sleep(Math.min(ra, 2) * 250 + Math.random() * 100);
        continue;
      }
      if (res.status === 201) acked.set(v.id, res.json.receipt);
      v.final = res.status;
      return;
    }
  };
  const worker = async () => {
    while (next < vs.length) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, vs.length) }, worker));
  agent.destroy();
  return { acked, statuses, errors, retries, elapsedMs: Date.now() - t0, unfinished };
}

// --- issue 15: standbys and multi-host connection strings (appended) --------------
//   await standby(primary, {name, conf}) → a Cluster: a physical streaming
//     standby of `primary` (pg_basebackup -R over its unix socket, hot
//     standby), started; destroyed at exit like any Cluster. Its own socket
//     directory (c.host), port 5432, synchronous_standby_names cleared (so
//     once promoted it does not wait for a standby of its own).
//   c.promote() (pg_ctl promote -w) ; c.pauseReplay() / c.resumeReplay()
//     (pg_wal_replay_pause/resume on a standby) ; c.inRecovery() → bool
//   multiHost(hosts, {db, attrs}) → a libpq key=value string listing the
//     socket directories `hosts` (Cluster objects or plain paths, e.g. a
//     directory where nothing listens) in order, port 5432 each, with
//     target_session_attrs=attrs (default read-write)
export async function standby(primary, { name = 'standby', conf = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pnyx-rel-${name}.`));
  fs.chmodSync(dir, 0o755);
  const c = new Cluster(dir);
  c._unreg = atExit(() => c.destroy());
  const lines = ["synchronous_standby_names = ''", 'hot_standby = on', ...conf];
  sh(`mkdir -p "$1/pg/run"; if [ "$(id -u)" = 0 ]; then chown postgres: "$1/pg" "$1/pg/run"; fi
      chmod 700 "$1/pg/run"; pnyx_pg_reachable "$1/pg"
      pnyx_as_pg "$PNYX_PGBIN/pg_basebackup" -h "$2" -p 5432 -U postgres -D "$1/pg/data" -R -X stream -c fast
      { echo "unix_socket_directories = '$1/pg/run'"; for l in "\${@:3}"; do echo "$l"; done; } |
        pnyx_as_pg tee -a "$1/pg/data/postgresql.conf" >/dev/null
      pnyx_pg_start "$1/pg"`, [dir, primary.host, ...lines]);
  return c;
}
Cluster.prototype.promote = function promote() {
  this._ctl('-w', '-t', '60', 'promote');
};
Cluster.prototype.inRecovery = function inRecovery() {
  return this.psql('SELECT pg_is_in_recovery()').trim() === 't';
};
Cluster.prototype.pauseReplay = function pauseReplay() {
  this.psql('SELECT pg_wal_replay_pause()');
};
Cluster.prototype.resumeReplay = function resumeReplay() {
  this.psql('SELECT pg_wal_replay_resume()');
};
export function multiHost(hosts, { db = 'pnyx', attrs = 'read-write' } = {}) {
  const dirs = hosts.map((h) => (typeof h === 'string' ? h : h.host));
  return `host=${dirs.join(',')} port=${dirs.map(() => 5432).join(',')} dbname=${db} user=postgres target_session_attrs=${attrs}`;
}

// The end every case with its own servers shares: runs fn; when it fails,
// prints the end of each pnyxd's log; always stops every pnyxd, then
// destroys every cluster (in the order given).
export async function guarded({ pnyxd = [], clusters = [] }, fn) {
  try {
    return await fn();
  } catch (e) {
    for (const p of pnyxd) log(`--- ${p.name} log tail ---\n${p.logText().slice(-3000)}`);
    throw e;
  } finally {
    for (const p of pnyxd) await p.stop().catch(() => {});
    for (const c of clusters) c.destroy();
  }
}
