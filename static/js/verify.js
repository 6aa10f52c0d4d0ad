// SPDX-License-Identifier: AGPL-3.0-or-later
// Client-side audit verification, independent of the server's code:
//  - RFC 9162 §2.1 Merkle hashing (leaf = SHA-256(0x00 || entry),
//    node = SHA-256(0x01 || left || right)) and the §2.1.3.2 inclusion
//    proof verification algorithm;
//  - C2SP signed note + tlog-checkpoint, Ed25519 signatures via WebCrypto.
// Only globalThis.crypto.subtle is used, so the same module runs in the
// browser and under node's test runner.
const subtle = globalThis.crypto.subtle;
const enc = new TextEncoder();

export function b64decode(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new Error('bad base64');
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64encode(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Hashes arrive as base64 (the API's convention); accept 64-char hex too.
export function decodeHash(s) {
  if (typeof s === 'string' && /^[0-9a-fA-F]{64}$/.test(s)) {
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i += 1) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  const b = b64decode(s);
  if (b.length !== 32) throw new Error('hash is not 32 bytes');
  return b;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i += 1) d |= a[i] ^ b[i];
  return d === 0;
}

async function sha256(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await subtle.digest('SHA-256', buf));
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

// Leaf hash of an entry: the exact canonical JSON text, UTF-8 encoded.
export async function leafHash(entryText) {
  return sha256(LEAF, enc.encode(entryText));
}

export async function nodeHash(left, right) {
  return sha256(NODE, left, right);
}

// RFC 9162 §2.1.3.2: does `proof` (array of 32-byte hashes, deepest first)
// show that `leaf` is leaf number `index` (0-based) of the tree of `size`
// leaves whose root is `root`? Sizes are JS numbers (exact below 2^53).
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32) return false;
    if (sn === 0) return false; // proof too long
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // The final check many verifiers forget: the proof must have consumed the
  // whole path, or a short proof for a subtree would pass.
  return sn === 0 && equal(r, root);
}

// Exact for any safe integer (no 32-bit bit operations).
function isPowerOfTwo(n) {
  let m = n;
  while (m > 1 && m % 2 === 0) m /= 2;
  return m === 1;
}

// RFC 9162 §2.1.4.2: does `proof` show that the tree of size `first` with
// root `firstRoot` is a prefix of the tree of size `second` with root
// `secondRoot`? This is what catches a log that rewrote its history.
export async function verifyConsistency(first, second, proof, firstRoot, secondRoot) {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (proof.some((p) => p.length !== 32)) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0; // the empty tree is a prefix of every tree
  if (proof.length === 0) return false;
  let path = proof;
  // A complete left subtree is not repeated in the proof: its root is the old root.
  if (isPowerOfTwo(first)) path = [firstRoot, ...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
}

// Root of a list of leaf hashes (RFC 9162 MTH), for tests and cross-checks.
export async function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await merkleRoot(leaves.slice(0, k)), await merkleRoot(leaves.slice(k)));
}

// Split a signed note into its signed text and signature lines.
// Text ends at the first blank line; each signature line is
// "\u2014 <name> <base64(key_id[4] || sig)>".
export function parseNote(note) {
  if (typeof note !== 'string' || !note.endsWith('\n')) throw new Error('note must end in a newline');
  const sep = note.indexOf('\n\n');
  if (sep < 0) throw new Error('note has no signature block');
  const text = note.slice(0, sep + 1);
  const sigs = [];
  for (const line of note.slice(sep + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error('malformed signature line');
    const raw = b64decode(m[2]);
    if (raw.length < 5) throw new Error('signature too short');
    sigs.push({ name: m[1], keyId: raw.slice(0, 4), sig: raw.slice(4) });
  }
  if (!sigs.length) throw new Error('no signatures');
  return { text, sigs };
}

// Checkpoint body: "<origin>\n<size>\n<base64 root>\n" [extension lines].
export function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('bad checkpoint');
  const [origin, sizeStr, rootStr] = lines;
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(sizeStr)) throw new Error('bad checkpoint size');
  const size = Number(sizeStr);
  if (!Number.isSafeInteger(size)) throw new Error('checkpoint size too large');
  const root = b64decode(rootStr);
  if (root.length !== 32) throw new Error('bad checkpoint root');
  return { origin, size, root, rootB64: rootStr };
}

// C2SP key id: SHA-256(name || "\n" || 0x01 || public key)[0:4].
export async function keyId(name, publicKey) {
  return (await sha256(enc.encode(`${name}\n`), Uint8Array.of(1), publicKey)).slice(0, 4);
}

// Public key from GET /api/v1/audit/key: raw 32 bytes in base64, or
// 0x01 || key (the vkey encoding), or a whole vkey string "name+id+b64".
export function decodePublicKey(s) {
  // vkey: name + '+' + 8 hex + '+' + base64(0x01 || key); the base64 part
  // may itself contain '+', so split on the first two only.
  const m = /^[^+]+\+[0-9a-f]{8}\+(.+)$/.exec(s);
  if (m) {
    try {
      const raw = b64decode(m[1]);
      if (raw.length === 33 && raw[0] === 1) return raw.slice(1);
    } catch { /* not a vkey after all: plain base64 below */ }
  }
  const raw = b64decode(s);
  if (raw.length === 33 && raw[0] === 1) return raw.slice(1);
  if (raw.length !== 32) throw new Error('public key is not 32 bytes');
  return raw;
}

export async function ed25519Supported() {
  try {
    // An all-zero key is a valid encoding (a low-order point); importing it
    // only tests that the algorithm exists.
    await subtle.importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

// Verify a signed checkpoint against the published key.
// Returns {status: 'verified'|'failed'|'unsupported', reason?, checkpoint?}.
export async function verifyCheckpoint(note, key) {
  let parsed;
  let cp;
  let pub;
  try {
    parsed = parseNote(note);
    cp = parseCheckpoint(parsed.text);
    pub = decodePublicKey(key.public_key);
  } catch (e) {
    return { status: 'failed', reason: 'format', error: e.message };
  }
  const id = await keyId(key.name, pub);
  const sig = parsed.sigs.find((s) => s.name === key.name && equal(s.keyId, id));
  if (!sig) return { status: 'failed', reason: 'key', checkpoint: cp };
  if (sig.sig.length !== 64) return { status: 'failed', reason: 'sig', checkpoint: cp };
  let cryptoKey;
  try {
    cryptoKey = await subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return { status: 'unsupported', checkpoint: cp };
  }
  const ok = await subtle.verify({ name: 'Ed25519' }, cryptoKey, sig.sig, enc.encode(parsed.text));
  return ok ? { status: 'verified', checkpoint: cp } : { status: 'failed', reason: 'sig', checkpoint: cp };
}

// ---- C2SP tlog-cosignature (cosignature/v1, Ed25519), issue 12 ----------
// Witness key id: SHA-256(name || "\n" || 0x04 || public key)[0:4]. A
// witness line's blob is key id[4] || time (u64 big-endian)[8] ||
// signature[64], over "cosignature/v1\ntime <time>\n" || checkpoint text.
export async function cosignerKeyId(name, publicKey) {
  return (await sha256(enc.encode(`${name}\n`), Uint8Array.of(4), publicKey)).slice(0, 4);
}

// A cosigner vkey "name+8hex+base64(0x04 || key)" → {name, publicKey}.
export function decodeCosignerVkey(vkey) {
  const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey || '');
  if (!m) throw new Error('not a vkey');
  const raw = b64decode(m[3]);
  if (raw.length !== 33 || raw[0] !== 4) throw new Error('not a cosignature/v1 key');
  return { name: m[1], keyIdHex: m[2], publicKey: raw.slice(1) };
}

// For each witness ({name, vkey}, from GET /api/v1/audit/key): whether the
// note carries its valid cosignature. Returns [{name, status:
// 'verified'|'missing'|'failed'|'unsupported', time?: Date}].
export async function verifyCosignatures(note, witnesses) {
  let parsed;
  try {
    parsed = parseNote(note);
  } catch {
    return (witnesses || []).map((w) => ({ name: w.name, status: 'failed' }));
  }
  const out = [];
  for (const w of witnesses || []) {
    let key;
    try {
      key = decodeCosignerVkey(w.vkey);
    } catch {
      out.push({ name: w.name, status: 'failed' });
      continue;
    }
    const id = await cosignerKeyId(key.name, key.publicKey);
    if (hex(id) !== key.keyIdHex) {
      out.push({ name: w.name, status: 'failed' });
      continue;
    }
    const line = parsed.sigs.find((s) => s.name === key.name && equal(s.keyId, id));
    if (!line) {
      out.push({ name: w.name, status: 'missing' });
      continue;
    }
    if (line.sig.length !== 72) {
      out.push({ name: w.name, status: 'failed' });
      continue;
    }
    let time = 0n;
    for (let i = 0; i < 8; i += 1) time = (time << 8n) | BigInt(line.sig[i]);
    const msg = enc.encode(`cosignature/v1\ntime ${time}\n${parsed.text}`);
    let cryptoKey;
    try {
      cryptoKey = await subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
    } catch {
      out.push({ name: w.name, status: 'unsupported' });
      continue;
    }
    const ok = await subtle.verify({ name: 'Ed25519' }, cryptoKey, line.sig.slice(8), msg);
    out.push(ok ? { name: w.name, status: 'verified', time: new Date(Number(time) * 1000) }
      : { name: w.name, status: 'failed' });
  }
  return out;
}
