// SPDX-License-Identifier: AGPL-3.0-or-later
// The audit page shows which witnesses vouch for the log (issue 12), with
// LIVE witnesses: this test starts its own pnyxd (a second database in the
// runner's cluster) and two real pnyx-witness processes on loopback
// (binaries from PNYX_BIN_DIR, exported by ./run), requires 2 of 2
// cosignatures before a tally, closes a vote, stops one witness and grows
// the log. The page must then show both witnesses with their key ids and
// the sizes up to which each cosigned — verified in the browser (a forged
// cosignature served to the page shows as failed) — and the assembly's
// 2-of-2 rule; at 1280 and 390 px, in Arabic (RTL), by keyboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { launch, shot } from './lib.mjs';

const BIN = process.env.PNYX_BIN_DIR || '';
const ORIGIN = 'pnyx.browser';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// A child that dies with the test; resolves its first stdout line.
function start(cmd, args, env, logFile) {
  const log = fs.openSync(logFile, 'a');
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', log] });
  const firstLine = new Promise((resolve, reject) => {
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]);
    });
    p.on('exit', (code) => reject(new Error(`${path.basename(cmd)} exited (${code}); log ${logFile}`)));
  });
  firstLine.catch(() => {});
  return { p, firstLine };
}

function stop(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('audit page: witnesses vouching for the log, verified in the browser, k of n', { timeout: 240000 }, async () => {
  assert.ok(BIN && fs.existsSync(path.join(BIN, 'pnyx-witness')), 'PNYX_BIN_DIR (tests/browser/run) holds pnyxd and pnyx-witness');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pnyx-wbrowser-'));
  const url = new URL(process.env.PNYX_DATABASE_URL);
  const pg = ['-X', '-q', '-h', url.searchParams.get('host'), '-p', url.searchParams.get('port'), '-U', url.searchParams.get('user'), '-d', 'postgres'];
  const db = `${url.pathname.slice(1)}_wit`;
  execFileSync('psql', [...pg, '-c', `CREATE DATABASE ${db}`]);
  const dbUrl = `postgresql:///${db}?${url.searchParams}`;
  const children = [];
  let browser = null;
  try {
    const port = await freePort();
    const env = {
      PNYX_DATABASE_URL: dbUrl, PNYX_DATA_DIR: path.join(dir, 'data'), PNYX_LOG_ORIGIN: ORIGIN,
      PNYX_LISTEN: `127.0.0.1:${port}`, PNYX_WORKERS: '1', PNYX_LOG_LEVEL: 'warn',
    };
    fs.mkdirSync(env.PNYX_DATA_DIR);
    const keygen = execFileSync(path.join(BIN, 'pnyxd'), ['keygen'], { env: { ...process.env, ...env } }).toString();
    const logVkey = keygen.split('\n').find((l) => !l.includes(' ') && l.startsWith(`${ORIGIN}+`));
    assert.ok(logVkey, keygen);
    const witnesses = [];
    for (const name of ['w1.witness.example', 'w2.witness.example']) {
      const key = path.join(dir, `${name}.key`);
      const vkey = execFileSync(path.join(BIN, 'pnyx-witness'), ['keygen', '--name', name, '--key', key]).toString().split('\n')[0];
      const c = start(path.join(BIN, 'pnyx-witness'), ['serve', '--key', key, '--state', path.join(dir, `${name}.state`),
        '--listen', '127.0.0.1:0', '--log', `${ORIGIN}/assembly/=${logVkey}`], {}, path.join(dir, `${name}.log`));
      children.push(c.p);
      const line = await c.firstLine;
      witnesses.push({ name, vkey, child: c.p, port: Number(line.slice(line.lastIndexOf(':') + 1)) });
    }
    env.PNYX_WITNESSES = witnesses.map((w) => `${w.vkey}@http://127.0.0.1:${w.port}`).join(',');
    execFileSync(path.join(BIN, 'pnyxd'), ['migrate'], { env: { ...process.env, ...env } });
    const pnyxd = spawn(path.join(BIN, 'pnyxd'), ['serve'], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', fs.openSync(path.join(dir, 'pnyxd.log'), 'a')],
    });
    children.push(pnyxd);
    const W = `http://127.0.0.1:${port}`;
    await until('pnyxd ready', async () => (await fetch(`${W}/readyz`).catch(() => ({ ok: false }))).ok, 20000);

    // ---- the API: a convener, a public assembly requiring 2 of 2 ----
    const email = `conv-${Date.now()}@example.org`;
    let r = await fetch(`${W}/api/v1/accounts`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery', display_name: 'Amina Convener', country: 'KE', languages: ['en'] }),
    });
    assert.equal(r.status, 201, await r.text());
    r = await fetch(`${W}/api/v1/sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct horse battery' }),
    });
    assert.equal(r.status, 201, await r.clone().text());
    const { token } = await r.json();
    const call = async (method, p, body) => {
      const res = await fetch(`${W}${p}`, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text && res.headers.get('content-type').includes('json') ? JSON.parse(text) : null, text };
    };
    r = await call('POST', '/api/v1/assemblies', { title: 'Lakeside climate assembly', visibility: 'public', join_policy: 'open' });
    assert.equal(r.status, 201, r.text);
    const aid = r.json.id;
    assert.equal((await call('PATCH', `/api/v1/assemblies/${aid}`, { witness_quorum: 3 })).status, 422);
    // the convener sets k = 2 on the assembly page, by keyboard
    browser = await launch();
    const page = await browser.ctx.newPage();
    await page.goto(`${W}/login`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#whoami').waitFor();
    await page.goto(`${W}/assemblies/${aid}`);
    await page.locator('#witness-quorum option[value="2"]').waitFor({ state: 'attached' });
    assert.match(await page.locator('#witness-quorum-current').innerText(), /without waiting for witnesses \(2 configured\)/);
    assert.equal(await page.locator('#witness-quorum option').count(), 3, '0, 1 or 2 of the 2 witnesses');
    await page.locator('#witness-quorum').selectOption('2');
    await page.locator('#witness-quorum-form button[type=submit]').focus();
    await page.keyboard.press('Enter');
    await until('k saved', async () => /once 2 of the 2 witnesses/.test(await page.locator('#witness-quorum-current').innerText().catch(() => '')), 10000);
    await shot(page, 'assembly-witness-quorum');
    r = await call('GET', `/api/v1/assemblies/${aid}`);
    assert.equal(r.json.witness_quorum, 2);
    const closesAt = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
    // a question voted on by the convener and closed; returns its id and state
    const vote = async (title) => {
      const c = await call('POST', `/api/v1/assemblies/${aid}/questions`, {
        title, description: 'Pick one.', language: 'en', method: 'irv',
        options: [{ label: 'Cycle lanes' }, { label: 'Tree planting' }], closes_at: closesAt, secrecy: 'secret',
      });
      assert.equal(c.status, 201, c.text);
      assert.equal((await call('POST', `/api/v1/questions/${c.json.id}/open`)).status, 200);
      const cast = await call('POST', `/api/v1/questions/${c.json.id}/ballots`, { ranking: ['A', 'B'] });
      assert.equal(cast.status, 201, cast.text);
      const closed = await call('POST', `/api/v1/questions/${c.json.id}/close`, { reason: 'time is up' });
      assert.equal(closed.status, 200, closed.text);
      return [c.json.id, closed.json.state];
    };
    const [qid] = await vote('Which project first?');
    await until('tallied after both cosigned', async () => (await call('GET', `/api/v1/questions/${qid}`)).json.state === 'tallied');
    assert.equal((await call('GET', `/api/v1/questions/${qid}/result`)).status, 200);

    // ---- the second witness goes away; the log grows; the first cosigns it ----
    await stop(witnesses[1].child);
    assert.equal((await call('PATCH', `/api/v1/assemblies/${aid}`, { description: 'Meets on Thursdays.' })).status, 200);
    // a second vote closes while w2 is down: it waits, and says why
    const [qid2, state2] = await vote('Which project next?');
    assert.equal(state2, 'closed');
    r = await call('GET', `/api/v1/questions/${qid2}/result`);
    assert.equal(r.status, 409, r.text);
    assert.match(r.json.type, /\/awaiting-witnesses$/);
    const seen = await until('w1 cosigned the new head', async () => {
      const x = (await call('GET', `/api/v1/assemblies/${aid}/audit/witnesses`)).json;
      const w1 = x.witnesses.find((w) => w.name === 'w1.witness.example');
      return w1.size === x.size ? x : null;
    }, 30000);
    const sizes = Object.fromEntries(seen.witnesses.map((w) => [w.name, w.size]));
    assert.ok(sizes['w2.witness.example'] > 0 && sizes['w2.witness.example'] < seen.size, JSON.stringify(sizes));

    // ---- the audit page ----
    const open = async () => {
      await page.goto(`${W}/assemblies/${aid}/audit`);
      await page.locator('#vouch-list li[data-status]').nth(1).waitFor();
      await page.locator('#vouch-list li[data-status="checking"]').waitFor({ state: 'detached' }).catch(() => {});
    };
    await open();
    // the question page of the waiting vote
    await page.goto(`${W}/questions/${qid2}`);
    await page.locator('#awaiting-witnesses').waitFor();
    assert.match(await page.locator('#awaiting-witnesses').innerText(), /once enough independent witnesses have cosigned/);
    await shot(page, 'question-awaiting-witnesses');
    await open();
    const row = (name) => page.locator(`#vouch-list li[data-witness="${name}"]`);
    for (const w of witnesses) {
      assert.equal(await row(w.name).getAttribute('data-status'), 'verified', `${w.name} verified in the browser`);
      assert.equal(Number(await row(w.name).getAttribute('data-size')), sizes[w.name]);
      const kid = w.vkey.split('+')[1];
      assert.match(await row(w.name).innerText(), new RegExp(kid), 'its key id');
      assert.match(await row(w.name).innerText(), new RegExp(`entries 1 to ${sizes[w.name]}`));
    }
    assert.match(await page.locator('#vouch-rule').innerText(), /only after 2 of the 2 witnesses/);
    assert.match(await page.locator('#vouch-count').innerText(), /2 of 2 witnesses vouch/);
    assert.match(await page.locator('#vouch').innerText(), /verified in this browser/);
    // the head checkpoint (above) is cosigned by w1 only: w2 is down
    assert.equal(await page.locator('#witness-status li[data-witness="w1.witness.example"]').getAttribute('data-status'), 'verified');
    assert.equal(await page.locator('#witness-status li[data-witness="w2.witness.example"]').getAttribute('data-status'), 'missing');
    assert.deepEqual(browser.errors, []);
    await shot(page, 'audit-witnesses-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await open();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px)`);
    await shot(page, 'audit-witnesses-390');

    // keyboard: Tab reaches an entry's "Verify" button; Enter checks it
    await page.setViewportSize({ width: 1280, height: 900 });
    await open();
    let reached = false;
    for (let i = 0; i < 60 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.closest('li.audit-entry') !== null && document.activeElement?.tagName === 'BUTTON');
    }
    assert.ok(reached, 'an entry check is reachable by keyboard');
    await page.keyboard.press('Enter');
    await page.locator('#inclusion-status [data-status="verified"]').waitFor();

    // Arabic, right to left
    await page.evaluate(() => localStorage.setItem('pnyx.lang', 'ar'));
    await open();
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.match(await page.locator('#vouch h2').innerText(), /من يشهد لهذا السجل/);
    assert.equal(await row('w1.witness.example').getAttribute('data-status'), 'verified');
    await shot(page, 'audit-witnesses-ar');
    // the convener's witness section on the assembly page, in Arabic at 390 px
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${W}/assemblies/${aid}`);
    await page.locator('#witness-quorum option[value="2"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.ok(!/[A-Za-z]{4,}/.test(await page.locator('#witness-quorum-current').innerText()), 'the witness rule reads in Arabic');
    const asmOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(asmOverflow <= 0, `assembly page: no sideways scrolling at 390 px (${asmOverflow} px)`);
    await page.locator('#witness-quorum').scrollIntoViewIfNeeded();
    await shot(page, 'assembly-witness-quorum-390-ar');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.evaluate(() => localStorage.setItem('pnyx.lang', 'en'));

    // the browser really checks: a cosignature altered on the way is refused
    await page.route(/\/audit\/witnesses$/, async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      const w1 = body.witnesses.find((w) => w.name === 'w1.witness.example');
      const lines = w1.checkpoint.split('\n');
      const i = lines.findIndex((l) => l.startsWith('— w1.witness.example '));
      const sig = lines[i].split(' ')[2];
      const b = Buffer.from(sig, 'base64');
      b[b.length - 1] ^= 1;
      lines[i] = `— w1.witness.example ${b.toString('base64')}`;
      w1.checkpoint = lines.join('\n');
      await route.fulfill({ response: res, json: body });
    });
    await open();
    assert.equal(await row('w1.witness.example').getAttribute('data-status'), 'failed');
    assert.equal(await row('w2.witness.example').getAttribute('data-status'), 'verified');
    assert.match(await page.locator('#vouch-count').innerText(), /1 of 2 witnesses vouch/);
    await page.unroute(/\/audit\/witnesses$/);
    assert.deepEqual(browser.errors, []);
  } finally {
    if (browser) await browser.close();
    for (const c of children.reverse()) await stop(c);
    try { execFileSync('psql', [...pg, '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]); } catch { /* the cluster may be gone */ }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
