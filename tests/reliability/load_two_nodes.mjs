// SPDX-License-Identifier: AGPL-3.0-or-later
// load_two_nodes (issue 15): TWO pnyxd (PNYX_WORKERS=1 each, the same
// signing key) on one database write concurrently to ONE assembly —
// proposals, comments and ballots through both — with a machine
// translator and a real witness (pnyx-witness) configured on both.
// Asserts what must happen once happens once across processes:
//  - the assembly's audit log has no gap and no fork: seq 1..n, one entry
//    per seq, and pnyx-verify passes on the exported record (every
//    checkpoint, every inclusion); closing and tallying happened once;
//  - every translation job is done after ONE take (attempts = 1) and the
//    translator ran once per text (its own log);
//  - one signed checkpoint per size, and both nodes serve the same note
//    for a size (Ed25519 is deterministic; the insert is ON CONFLICT);
//  - the witness cosigned the final size, and no submission was refused
//    as stale (a duplicate submission of an old size is a 409 there).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

const VOTERS = L.scale(600);
const PROPOSALS = 12;
const COMMENTS = 40;
const ORIGIN = 'pnyx.twonodes';

test('two pnyxd, one assembly: no gap or fork in the log, jobs and checkpoints once', { timeout: 300000 }, async () => {
  const c = await L.Cluster.start({ name: 'twonodes' });
  const trLog = path.join(c.dir, 'translator.log');
  const tr = path.join(c.dir, 'translate.sh');
  // one line per run: the pid and the text's hash, so a text translated
  // twice (a job run by both nodes) shows up as a repeated hash
  fs.writeFileSync(tr, `#!/bin/sh\nt=$(cat)\nprintf '%s %s %s\\n' "$1" "$2" "$(printf '%s' "$t" | sha256sum | cut -c1-16)" >> '${trLog}'\nprintf 'MT: %s' "$t"\n`, { mode: 0o755 });
  const common = { PNYX_WORKERS: '1', PNYX_TRANSLATOR: `command:${tr}`, PNYX_LOG_ORIGIN: ORIGIN, PNYX_ARGON2_M_KIB: '1024', PNYX_ARGON2_T: '1' };
  const a = new L.Pnyxd(c, { name: 'a', env: common });
  // the log key first, for the witness's configuration
  const keygen = execFileSync(path.join(L.BIN, 'pnyxd'), ['keygen'], { env: a.env(), encoding: 'utf8' });
  const logVkey = keygen.split('\n').find((l) => !l.includes(' ') && l.startsWith(`${ORIGIN}+`));
  assert.ok(logVkey, keygen);
  const wkey = path.join(c.dir, 'w.key');
  const wvkey = execFileSync(path.join(L.BIN, 'pnyx-witness'), ['keygen', '--name', 'w.twonodes.example', '--key', wkey], { encoding: 'utf8' }).split('\n')[0];
  const wlog = path.join(c.dir, 'witness.log');
  const wfd = fs.openSync(wlog, 'a');
  const witness = spawn(path.join(L.BIN, 'pnyx-witness'), ['serve', '--key', wkey, '--state', path.join(c.dir, 'w.state'), '--listen', '127.0.0.1:0', '--log', `${ORIGIN}/assembly/=${logVkey}`], { stdio: ['ignore', 'pipe', wfd] });
  fs.closeSync(wfd);
  const killWitness = () => {
    try {
      witness.kill('SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.on('exit', killWitness);
  const wline = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('pnyx-witness printed no address')), 20000);
    witness.stdout.once('data', (d) => {
      clearTimeout(t);
      resolve(String(d).trim().split('\n')[0]);
    });
  });
  const wport = Number(wline.slice(wline.lastIndexOf(':') + 1));
  const env = { ...common, PNYX_WITNESSES: `${wvkey}@http://127.0.0.1:${wport}` };
  a.extraEnv = env;
  const b = new L.Pnyxd(c, { name: 'b', dataDir: a.dataDir, env });
  try {
    await a.migrate();
    await Promise.all([a.start(), b.start()]);
    const nodes = [a, b];
    const conv = await L.account(a, { country: 'FR' });
    const aid = await L.assembly(a, conv);
    // readers of French and German: every proposal and comment queues jobs
    for (const [node, lang] of [[a, 'fr'], [b, 'de']]) {
      const m = await L.account(node, { country: 'DE', languages: [lang] });
      const j = await L.http(node.url, 'POST', `/api/v1/assemblies/${aid}/join`, { token: m.token });
      assert.ok([200, 201].includes(j.status), `join: ${j.status} ${j.text}`);
    }
    const vs = L.voters(c, aid, VOTERS);
    const qid = await L.question(b, conv, aid);
    await L.openQuestion(b, conv, qid);

    const fail = [];
    const expect = (what, r, ok) => {
      if (!ok.includes(r.status)) fail.push(`${what}: ${r.status} ${r.text.slice(0, 200)}`);
      return r;
    };
    const authors = vs.slice(0, 20);
    const pids = [];
    const writers = (async () => {
      for (let i = 0; i < PROPOSALS; i++) {
        const node = nodes[i % 2];
        const r = expect('proposal', await L.http(node.url, 'POST', `/api/v1/assemblies/${aid}/proposals`, { token: authors[i % authors.length].token, body: { title: `Proposal ${i} ${crypto.randomBytes(3).toString('hex')}`, body: `Text of proposal ${i}.`, language: 'en' } }), [201]);
        if (r.status === 201) pids.push(r.json.id);
      }
    })();
    const commenters = (async () => {
      await L.waitFor(() => pids.length > 0, { what: 'a first proposal' });
      const all = [];
      for (let i = 0; i < COMMENTS; i++) {
        const node = nodes[(i + 1) % 2];
        all.push(L.http(node.url, 'POST', `/api/v1/proposals/${pids[i % pids.length]}/comments`, { token: authors[(i * 7) % authors.length].token, body: { body: `Comment ${i} ${crypto.randomBytes(3).toString('hex')}.`, language: 'en' } }).then((r) => expect('comment', r, [201])));
        if (all.length >= 8) await Promise.all(all.splice(0));
      }
      await Promise.all(all);
    })();
    // checkpoints asked of both nodes while the log grows
    const notes = new Map(); // size → note
    let forks = 0;
    let reading = true;
    const checkpoints = (async () => {
      while (reading) {
        for (const node of nodes) {
          const r = await L.http(node.url, 'GET', `/api/v1/assemblies/${aid}/audit/checkpoint`);
          if (r.status !== 200) {
            fail.push(`checkpoint: ${r.status} ${r.text.slice(0, 200)}`);
            continue;
          }
          const size = Number(r.text.split('\n')[1]);
          const body = r.text.split('\n\n')[0];
          if (notes.has(size) && notes.get(size) !== body) forks++;
          notes.set(size, body);
        }
        await L.sleep(50);
      }
    })();
    const half = Math.floor(vs.length / 2);
    const [ra, rb] = await Promise.all([
      L.castLoad({ p: a, qid, voters: vs.slice(0, half), concurrency: 8 }),
      L.castLoad({ p: b, qid, voters: vs.slice(half), concurrency: 8 }),
    ]);
    await writers;
    await commenters;
    reading = false;
    await checkpoints;
    assert.deepEqual(fail, [], 'every write and checkpoint read succeeded');
    assert.equal(ra.acked.size + rb.acked.size, vs.length, `every voter cast: ${JSON.stringify(ra.statuses)} ${JSON.stringify(rb.statuses)}`);
    assert.equal(forks, 0, 'one note per size across both nodes');

    // close through a, tally once
    assert.equal((await L.closeQuestion(a, conv, qid)).status, 200);
    await L.waitTallied(b, conv, qid, { timeout: 120000 });

    // translation jobs: all done, each taken once
    await L.waitFor(() => c.int(`SELECT count(*) FROM translation_jobs WHERE assembly_id = ${aid} AND status NOT IN ('done', 'failed')`) === 0, { what: 'every translation job finished', timeout: 120000 });
    const jobs = c.psql(`SELECT status || ' ' || attempts || ' ' || count(*) FROM translation_jobs WHERE assembly_id = ${aid} GROUP BY status, attempts`).trim();
    const jobCount = c.int(`SELECT count(*) FROM translation_jobs WHERE assembly_id = ${aid}`);
    const retaken = c.int(`SELECT count(*) FROM translation_jobs WHERE assembly_id = ${aid} AND (attempts <> 1 OR status <> 'done')`);
    const runs = fs.existsSync(trLog) ? fs.readFileSync(trLog, 'utf8').trim().split('\n').filter(Boolean) : [];
    const dupRuns = runs.length - new Set(runs).size;

    // the log: gapless, no fork, verified
    await L.sleep(500);
    const seq = c.psql(`SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || coalesce(max(seq), 0) FROM audit_entries WHERE assembly_id = ${aid}`).trim().split(' ').map(Number);
    const head = c.int(`SELECT size FROM audit_heads WHERE assembly_id = ${aid}`);
    const count = (kind) => c.int(`SELECT count(*) FROM audit_entries WHERE assembly_id = ${aid} AND kind = '${kind}'`);
    const cpDup = c.int(`SELECT count(*) FROM (SELECT size FROM audit_checkpoints WHERE assembly_id = ${aid} GROUP BY size HAVING count(*) > 1) d`);

    // the witness: reaches the final size, no stale (duplicate) submission
    const cosigned = await L.waitFor(() => {
      const s = c.int(`SELECT coalesce(max(size), 0) FROM witness_cosignatures WHERE assembly_id = ${aid}`);
      return s === head ? s : 0;
    }, { what: 'the witness cosigned the final size', timeout: 60000 }).catch(() => c.int(`SELECT coalesce(max(size), 0) FROM witness_cosignatures WHERE assembly_id = ${aid}`));
    const wtext = fs.readFileSync(wlog, 'utf8');
    const refusals = wtext.split('\n').filter((l) => /409|refus|stale|conflict/i.test(l));
    const cosigns = c.int(`SELECT count(*) FROM witness_cosignatures WHERE assembly_id = ${aid}`);

    const v = L.verify(await L.fetchRecord(a, conv.token, aid, path.join(c.dir, 'record.json')));
    L.log(`load_two_nodes: ${ra.acked.size}+${rb.acked.size} ballots through a+b (${JSON.stringify(ra.statuses)} / ${JSON.stringify(rb.statuses)}), ${pids.length} proposals, ${COMMENTS} comments; log ${seq[0]} entries, ${seq[1]} distinct seq, max ${seq[2]}, head ${head}; question.closed ${count('question.closed')}x, tally.published ${count('tally.published')}x; checkpoints seen ${notes.size} sizes, forks ${forks}, duplicate sizes in the table ${cpDup}; translation jobs ${jobCount} (${jobs.replaceAll('\n', ', ')}), translator runs ${runs.length}, repeated ${dupRuns}; witness cosigned up to ${cosigned} (${cosigns} cosignatures), refusals ${refusals.length}; pnyx-verify ${v.code}; load ${L.loadavg()}`);
    assert.equal(seq[0], seq[2], 'no gap: entries = max seq');
    assert.equal(seq[1], seq[0], 'no fork: one entry per seq');
    assert.equal(seq[0], head, 'the head is the last entry');
    assert.equal(count('question.closed'), 1);
    assert.equal(count('tally.published'), 1);
    assert.equal(cpDup, 0);
    assert.ok(jobCount > 0, 'translation jobs were queued');
    assert.equal(retaken, 0, 'every translation job done after one take');
    assert.equal(dupRuns, 0, 'no text translated twice');
    assert.equal(cosigned, head, 'the witness cosigned the final size');
    assert.deepEqual(refusals, [], 'no submission refused by the witness (a stale duplicate would be)');
    assert.equal(v.code, 0, `pnyx-verify: ${v.out.slice(0, 3000)}`);
    assert.doesNotMatch(a.logText() + b.logText(), /"status":500/, 'no 500');
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
  } catch (e) {
    L.log(`--- a log tail ---\n${a.logText().slice(-3000)}\n--- b log tail ---\n${b.logText().slice(-3000)}\n--- witness ---\n${fs.readFileSync(wlog, 'utf8').slice(-2000)}`);
    throw e;
  } finally {
    await a.stop().catch(() => {});
    await b.stop().catch(() => {});
    killWitness();
    c.destroy();
  }
});
