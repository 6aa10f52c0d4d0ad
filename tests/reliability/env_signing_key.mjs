// SPDX-License-Identifier: AGPL-3.0-or-later
// env_signing_key: the checkpoint signing key file replaced, made unusable
// or removed while pnyxd runs, and the database's record of the
// deployment's key changed under it.
// Asserts: pnyxd never signs with a key the database does not record —
// after the file is replaced (`pnyxd keygen --force`), filled with garbage
// or removed, every new checkpoint is still signed by the deployment's key
// (checked with Ed25519 against the vkey the database records, and NOT
// verifiable with the file's new key), and the log says what happened to
// the file, once per change; when the database records another key, a new
// checkpoint (and the record, which needs one) is refused with 503 and a
// reason, the log names both keys, and reads keep working (assembly,
// audit entries, the last signed checkpoint's data); once the record is
// restored, signing resumes. A restart with the replaced file refuses to
// start (exit 2, both keys named); with the deployment's file back it
// starts and signs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as L from './lib.mjs';

// A C2SP signed note "<text>\n\n— <name> <base64(key id ‖ sig)>\n…": true
// when one signature line verifies with vkey "<name>+<hex id>+<base64(0x01 ‖ pub)>".
function noteVerifies(note, vkey) {
  const [name, idHex] = vkey.split('+');
  const b64 = vkey.slice(name.length + idHex.length + 2); // base64 may hold '+'
  const raw = Buffer.from(b64, 'base64');
  assert.equal(raw[0], 1, 'an Ed25519 vkey');
  const pub = crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1)]), format: 'der', type: 'spki' });
  const cut = note.indexOf('\n\n');
  const text = note.slice(0, cut + 1);
  for (const line of note.slice(cut + 2).split('\n')) {
    const m = /^— (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sig = Buffer.from(m[2], 'base64');
    if (sig.subarray(0, 4).toString('hex') !== idHex) continue;
    if (crypto.verify(null, Buffer.from(text), pub, sig.subarray(4))) return true;
  }
  return false;
}

test('signing key file replaced, broken, removed, or unknown to the database while pnyxd runs', { timeout: 180000 }, async () => {
  const c = await L.Cluster.start({ name: 'key' });
  // argon2 at a test cost: the fixtures' few logins are not what this case measures
  const p = new L.Pnyxd(c, { env: { PNYX_WORKERS: '0', PNYX_ARGON2_M_KIB: '1024', PNYX_ARGON2_T: '1' } });
  try {
    await p.migrate();
    await p.start();
    const keyFile = path.join(p.dataDir, 'audit-signing.key');
    const original = fs.readFileSync(keyFile);
    const conv = await L.account(p, { country: 'FR' });
    const aid = await L.assembly(p, conv);
    const k0 = (await L.http(p.url, 'GET', '/api/v1/audit/key')).json;
    const recorded = () => c.psql('SELECT vkey FROM deployment_signing_key').trim();
    assert.equal(recorded(), k0.vkey, 'the database records the running key');
    // a new audit entry: someone joins the open assembly
    const grow = async () => {
      const a = await L.account(p, { country: 'DE' });
      const r = await L.http(p.url, 'POST', `/api/v1/assemblies/${aid}/join`, { token: a.token });
      assert.ok(r.status === 200 || r.status === 201, `join: ${r.status} ${r.text}`);
    };
    const checkpoint = () => L.http(p.url, 'GET', `/api/v1/assemblies/${aid}/audit/checkpoint`);
    const size = (note) => Number(note.split('\n')[1]);
    let cp = await checkpoint();
    assert.equal(cp.status, 200);
    assert.ok(noteVerifies(cp.text, k0.vkey), 'signed by the deployment key');
    let lastSize = size(cp.text);

    const keygen = () => spawnSync(path.join(L.BIN, 'pnyxd'), ['keygen', '--force'], { env: p.env(), encoding: 'utf8', timeout: 30000 });
    const newSigned = async (what) => {
      await grow();
      const r = await checkpoint();
      assert.equal(r.status, 200, `${what}: checkpoint ${r.status} ${r.text}`);
      assert.ok(size(r.text) > lastSize, `${what}: a new size (${size(r.text)} > ${lastSize})`);
      lastSize = size(r.text);
      assert.ok(noteVerifies(r.text, k0.vkey), `${what}: the new checkpoint is signed by the deployment key`);
      return r.text;
    };

    // 1. replaced by another key
    const kg = keygen();
    assert.equal(kg.status, 0, `keygen --force: ${kg.stderr}`);
    const k1vkey = kg.stdout.trim();
    assert.notEqual(k1vkey, k0.vkey, 'keygen made another key');
    const note1 = await newSigned('file replaced');
    assert.ok(!noteVerifies(note1, k1vkey), 'not signed by the file\'s new key');
    const k1id = k1vkey.split('+')[1];
    await L.waitFor(() => p.logText().includes(`was replaced while running: it now holds key ${k1id}`), { timeout: 5000, what: 'the log line about the replaced file' });
    assert.equal((await L.http(p.url, 'GET', '/api/v1/audit/key')).json.vkey, k0.vkey, '/audit/key still shows the deployment key');

    // 2. garbage in the file, 3. no file
    fs.writeFileSync(keyFile, 'this is not a key\n', { mode: 0o600 });
    await newSigned('file unusable');
    await L.waitFor(() => /is no longer usable \([^)]+\); still signing with the deployment's key/.test(p.logText()), { timeout: 5000, what: 'the log line about the unusable file' });
    fs.rmSync(keyFile);
    await newSigned('file removed');
    await L.waitFor(() => p.logText().includes('is no longer usable (the file is gone)'), { timeout: 5000, what: 'the log line about the removed file' });
    const warnings = (p.logText().match(/signing key: .*(was replaced while running|is no longer usable)/g) || []).length;
    assert.equal(warnings, 3, 'one log line per change of the file, not one per signature');

    // 4. the database records another key: refuse to sign, keep reading
    c.psql(`UPDATE deployment_signing_key SET vkey = '${k1vkey}', key_id = '${k1id}'`);
    await grow();
    const refused = await checkpoint();
    assert.equal(refused.status, 503, `checkpoint with a key the database does not record: ${refused.status} ${refused.text}`);
    assert.match(refused.json.detail, /not the deployment's key recorded in the database/);
    assert.equal((await L.http(p.url, 'GET', `/api/v1/assemblies/${aid}/record`, { token: conv.token })).status, 503, 'the record (it needs a new signature) is refused too');
    assert.match(p.logText(), new RegExp(`refusing to sign with ${k0.vkey.replace(/[+/]/g, '\\$&')}: the database records the deployment's key as ${k1vkey.replace(/[+/]/g, '\\$&')}`));
    for (const r of [`/api/v1/assemblies/${aid}`, `/api/v1/assemblies/${aid}/audit?limit=50`, `/api/v1/assemblies/${aid}/proposals`, '/api/v1/audit/key', '/healthz', '/readyz']) {
      assert.equal((await L.http(p.url, 'GET', r, { token: conv.token })).status, 200, `read ${r} still served`);
    }
    // 5. restored: signing resumes
    c.psql(`UPDATE deployment_signing_key SET vkey = '${k0.vkey}', key_id = '${k0.key_id}'`);
    cp = await checkpoint();
    assert.equal(cp.status, 200, `after the record is restored: ${cp.status} ${cp.text}`);
    assert.ok(noteVerifies(cp.text, k0.vkey), 'signed by the deployment key again');
    lastSize = size(cp.text);

    // 6. a restart with another key in the file is refused; with the
    // deployment's key back, it starts and signs
    assert.equal(keygen().status, 0);
    assert.equal((await p.stop()).code, 0, 'clean exit on SIGTERM');
    await assert.rejects(p.start({ timeout: 30000 }), /exited at start/);
    assert.equal(p.exits.at(-1).code, 2, 'exit 2: configuration refused');
    assert.match(p.logText().split('--- ').pop(), /is not this deployment's key .* recorded in the database/);
    fs.writeFileSync(keyFile, original, { mode: 0o600 });
    await p.start();
    await newSigned('after a restart with the deployment key');
    L.log(`env_signing_key: deployment key ${k0.key_id}; file replaced by ${k1id}, garbage, removed: new checkpoints still signed by ${k0.key_id}; database recording ${k1id}: 503, reads 200; restart with ${k1id} refused (exit 2)`);
  } catch (e) {
    L.log(`--- pnyxd log tail ---\n${p.logText().slice(-4000)}`);
    throw e;
  } finally {
    await p.stop().catch(() => {});
    c.destroy();
  }
});
