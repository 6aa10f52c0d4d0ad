// SPDX-License-Identifier: AGPL-3.0-or-later
// env_disk_full: the database's disk fills. The case's cluster is moved
// onto a small tmpfs of its own (mounted for it: needs root, as in CI —
// skipped with a message otherwise), a file then takes every free byte,
// and writes keep coming: proposals (15,000-character bodies), comments
// and ballots, with reads in between.
// Asserts: every write answers 201 or 503 problem+json with Retry-After —
// never another 5xx; reads keep answering 200; pnyxd's log names the
// cause (sqlstate 53100, "No space left on device"); nothing is
// half-written (proposals = their 201s, each with its version and its
// proposal.created audit entry; the audit head = its entries; comments =
// their 201s; stored ballots = roll marks = ballot 201s); once the file
// is removed the same kinds of writes succeed again without restarting
// anything, and the counts still match.
//
// Why the WAL segment switch before filling: PostgreSQL writes WAL into
// segment files of 16 MiB allocated in full when they begin; a fresh one
// leaves room for the few MiB of WAL this case writes, so what runs out
// is table and index space (an ERROR, 53100, that rolls the transaction
// back) rather than WAL (a PANIC that restarts the cluster — the
// operator's problem, and not what pnyxd can answer better than 503).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

const ROOT = process.getuid && process.getuid() === 0;
const WRITES_MAX = 400; // bound of the disk-full phase (it stops earlier once 503s are seen)
const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000 });

function canMount() {
  if (!ROOT) return 'not root: mounting the tmpfs needs root (CI runs as root)';
  const d = fs.mkdtempSync('/tmp/pnyx-rel-mnt.');
  const r = run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d]);
  if (r.status === 0) run('umount', [d]);
  fs.rmdirSync(d);
  return r.status === 0 ? null : `cannot mount a tmpfs here (${(r.stderr || '').trim()})`;
}

const skip = canMount();

test('the database disk fills: 503 + Retry-After, nothing half-written, recovery when space returns', { skip: skip ? `skipped: ${skip}` : false, timeout: 240000 }, async () => {
  const c = await L.Cluster.start({ name: 'disk' });
  // argon2 at a test cost: the fixtures' few logins are not what this case measures
  const p = new L.Pnyxd(c, { env: { PNYX_WORKERS: '0', PNYX_TRANSLATOR: 'none', PNYX_ARGON2_M_KIB: '1024', PNYX_ARGON2_T: '1' } });
  const data = path.join(c.pg, 'data');
  let mounted = false;
  // before lib.mjs's own exit hook removes the directory: stop the cluster
  // and lift the mount (a test killed by a signal too)
  const unmount = () => {
    if (!mounted) return;
    try {
      c.stopImmediate();
    } catch {
      /* not running */
    }
    run('umount', ['-l', data]);
    mounted = false;
  };
  process.prependListener('exit', unmount);
  const filler = path.join(data, 'rel-filler');
  try {
    await p.migrate();
    await p.start();
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    const vs = L.voters(c, aid, 600);
    const authors = vs.slice(-50);
    const qid = await L.question(p, conv, aid, { options: 4 });
    await L.openQuestion(p, conv, qid);

    // the cluster moves onto its own tmpfs: 40 MiB beyond what it holds
    c.stopFast();
    const usedKb = Number(run('du', ['-sk', data]).stdout.split('\t')[0]);
    const sizeMb = Math.ceil(usedKb / 1024) + 40;
    fs.renameSync(data, `${data}.disk`);
    fs.mkdirSync(data, { mode: 0o700 });
    const m = run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', data]);
    assert.equal(m.status, 0, `mount: ${m.stderr}`);
    mounted = true;
    assert.equal(run('cp', ['-a', `${data}.disk/.`, data]).status, 0, 'copy the cluster');
    assert.equal(run('chown', ['-R', 'postgres:', data]).status, 0);
    fs.rmSync(`${data}.disk`, { recursive: true, force: true });
    c.start();
    await L.waitFor(async () => (await L.http(p.url, 'GET', '/readyz')).status === 200, { timeout: 30000, what: 'pnyxd ready on the moved cluster' });
    c.psql('CHECKPOINT');
    c.psql('SELECT pg_switch_wal()');
    c.psql('SELECT txid_current()'); // begins the fresh segment

    // counts of what the API acknowledged
    const acked = { proposal: 0, comment: 0, ballot: 0 };
    const statuses = {};
    const bad = [];
    let readsOk = 0;
    const readsBad = [];
    const seed = await L.http(p.url, 'POST', `/api/v1/assemblies/${aid}/proposals`, { token: conv.token, body: { title: 'Seed', body: 'Seed text.', language: 'en' } });
    assert.equal(seed.status, 201);
    acked.proposal++;
    const pids = [seed.json.id];
    let voter = 0;
    const write = async (kind) => {
      const a = authors[Math.floor(Math.random() * authors.length)];
      let r;
      if (kind === 'proposal') {
        r = await L.http(p.url, 'POST', `/api/v1/assemblies/${aid}/proposals`, { token: a.token, body: { title: 'Under a full disk', body: crypto.randomBytes(11250).toString('base64'), language: 'en' } });
        if (r.status === 201) pids.push(r.json.id);
      } else if (kind === 'comment') {
        r = await L.http(p.url, 'POST', `/api/v1/proposals/${pids[0]}/comments`, { token: a.token, body: { body: crypto.randomBytes(3000).toString('base64'), language: 'en' } });
      } else {
        const i = voter++;
        r = await L.http(p.url, 'POST', `/api/v1/questions/${qid}/ballots`, { token: vs[i].token, headers: { 'Idempotency-Key': `disk-full-ballot-${String(i).padStart(6, '0')}` }, body: { ranking: L.rankingFor(i) } });
        if (r.status === 503) voter--; // the same voter tries again later (same key)
      }
      statuses[r.status] = (statuses[r.status] || 0) + 1;
      if (r.status === 201) acked[kind]++;
      else if (r.status === 503) {
        if (!r.headers['retry-after'] || !/problem\+json/.test(r.headers['content-type'] || '')) bad.push(`${kind} 503 without Retry-After/problem+json`);
      } else bad.push(`${kind} ${r.status} ${r.text.slice(0, 200)}`);
      const rd = await L.http(p.url, 'GET', `/api/v1/assemblies/${aid}`, { token: a.token });
      if (rd.status === 200) readsOk++;
      else readsBad.push(rd.status);
      return r.status;
    };

    // fill the disk: every free byte
    const fd = fs.openSync(filler, 'w');
    let filled = 0;
    for (const chunk of [1 << 20, 1 << 16, 1 << 12]) {
      const buf = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        try {
          fs.writeSync(fd, buf);
          filled += chunk;
        } catch (e) {
          if (e.code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
    fs.closeSync(fd);
    const kinds = ['proposal', 'comment', 'ballot'];
    let n503 = 0;
    const full0 = { ...acked };
    for (let i = 0; i < WRITES_MAX && n503 < 15; i++) {
      if ((await write(kinds[i % 3])) === 503) n503++;
    }
    const fullAcked = { proposal: acked.proposal - full0.proposal, comment: acked.comment - full0.comment, ballot: acked.ballot - full0.ballot };
    L.log(`env_disk_full: tmpfs ${sizeMb} MiB, filler ${(filled / 1048576).toFixed(1)} MiB; while full: statuses ${JSON.stringify(statuses)}, acknowledged ${JSON.stringify(fullAcked)}, reads 200: ${readsOk}, other: ${JSON.stringify(readsBad)}`);
    assert.deepEqual(bad.slice(0, 10), [], 'every write answered 201 or 503 problem+json with Retry-After');
    assert.ok(n503 >= 1, `the full disk refused writes (${JSON.stringify(statuses)})`);
    assert.deepEqual(readsBad, [], 'reads keep answering 200');
    const logText = p.logText();
    assert.match(logText, /sqlstate=53100/, 'the log names the SQLSTATE (disk_full)');
    assert.match(logText, /No space left on device/, 'the log names the cause');

    const consistent = (what) => {
      const proposals = c.int(`SELECT count(*) FROM proposals WHERE assembly_id = ${aid}`);
      const noVersion = c.int(`SELECT count(*) FROM proposals p WHERE assembly_id = ${aid} AND NOT EXISTS (SELECT 1 FROM proposal_versions v WHERE v.proposal_id = p.id)`);
      const created = c.int(`SELECT count(*) FROM audit_entries WHERE assembly_id = ${aid} AND kind = 'proposal.created'`);
      const head = c.int(`SELECT size FROM audit_heads WHERE assembly_id = ${aid}`);
      const entries = c.int(`SELECT count(*) FROM audit_entries WHERE assembly_id = ${aid}`);
      const comments = c.int(`SELECT count(*) FROM comments WHERE proposal_id = ${pids[0]}`);
      const ballots = c.int(`SELECT count(*) FROM ballots WHERE question_id = ${qid} AND filled`);
      const roll = c.int(`SELECT count(*) FROM question_roll WHERE question_id = ${qid} AND voted`);
      L.log(`env_disk_full: ${what}: proposals ${proposals} (acknowledged ${acked.proposal}, without version ${noVersion}, proposal.created entries ${created}), audit head ${head} = entries ${entries}, comments ${comments} (acknowledged ${acked.comment}), ballots ${ballots} = roll ${roll} (acknowledged ${acked.ballot})`);
      assert.equal(proposals, acked.proposal, `${what}: proposals = acknowledged`);
      assert.equal(noVersion, 0, `${what}: every proposal has its version`);
      assert.equal(created, proposals, `${what}: every proposal has its audit entry`);
      assert.equal(head, entries, `${what}: the audit head covers exactly its entries`);
      assert.equal(comments, acked.comment, `${what}: comments = acknowledged`);
      assert.equal(ballots, roll, `${what}: ballots = roll marks`);
      assert.equal(roll, acked.ballot, `${what}: roll marks = acknowledged ballots`);
    };
    consistent('while full');

    // space returns: writes succeed again, nothing restarted
    fs.rmSync(filler);
    const t0 = Date.now();
    await L.waitFor(async () => (await write('comment')) === 201, { timeout: 30000, interval: 500, what: 'a write to succeed once space returns' });
    const recoverMs = Date.now() - t0;
    for (const k of kinds) {
      assert.equal(await write(k), 201, `${k} after recovery`);
    }
    assert.deepEqual(bad.slice(0, 10), [], 'still no other 5xx');
    consistent('after recovery');
    assert.ok(p.alive() && p.exits.length === 0, 'pnyxd never exited');
    const pgLog = fs.readFileSync(path.join(c.host, 'postgresql.log'), 'utf8');
    L.log(`env_disk_full: recovered in ${recoverMs} ms; PostgreSQL PANICs: ${(pgLog.match(/PANIC/g) || []).length}; load ${L.loadavg()}`);
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
  } catch (e) {
    L.log(`--- pnyxd log tail ---\n${p.logText().slice(-3000)}`);
    throw e;
  } finally {
    await p.stop().catch(() => {});
    unmount();
    process.removeListener('exit', unmount);
    c.destroy();
  }
});
