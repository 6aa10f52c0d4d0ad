// SPDX-License-Identifier: AGPL-3.0-or-later
// Word-level difference between two versions of a text (pure functions,
// no DOM: unit-tested under node). Texts are cut into tokens — runs of
// letters/digits (any script), runs of white space, single other
// characters — and compared with Myers' O((N+M)·D) algorithm (E. Myers,
// "An O(ND) Difference Algorithm and Its Variations", 1986) after the
// common prefix and suffix are set aside. The edit script is a shortest
// one (a longest common subsequence of tokens is kept).
//
// A body is at most 20,000 code points, so a few thousand words; the
// trace Myers keeps grows with D², so past MAX_D differences the middle
// part is reported as one deletion and one insertion (still correct,
// only coarser).

export const MAX_D = 2500;

// Tokens of a text: words (letters, marks, digits, joined by an apostrophe
// or hyphen inside), white space runs, and any other single character.
export function tokenize(text) {
  return String(text ?? '').match(/[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*|\s+|[^\s]/gu) || [];
}

// Myers: the shortest edit script from a to b (arrays of strings), as
// [{op: 'eq'|'del'|'ins', tokens: [...]}] with runs merged.
export function diffTokens(a, b) {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre += 1;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf += 1;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const ops = [];
  const push = (op, tok) => {
    const last = ops[ops.length - 1];
    if (last && last.op === op) last.tokens.push(tok); else ops.push({ op, tokens: [tok] });
  };
  for (let i = 0; i < pre; i += 1) push('eq', a[i]);
  for (const [op, tok] of middle(A, B)) push(op, tok);
  for (let i = a.length - suf; i < a.length; i += 1) push('eq', a[i]);
  return ops;
}

function middle(A, B) {
  const N = A.length;
  const M = B.length;
  if (N === 0) return B.map((t) => ['ins', t]);
  if (M === 0) return A.map((t) => ['del', t]);
  const max = Math.min(N + M, MAX_D);
  const off = max + 1;
  const V = new Int32Array(2 * max + 3);
  const trace = [];
  let found = -1;
  for (let d = 0; d <= max; d += 1) {
    trace.push(V.slice(off - d - 1, off + d + 2)); // V[k] for k in [-d-1, d+1] before step d
    for (let k = -d; k <= d; k += 2) {
      let x;
      if (k === -d || (k !== d && V[off + k - 1] < V[off + k + 1])) x = V[off + k + 1];
      else x = V[off + k - 1] + 1;
      let y = x - k;
      while (x < N && y < M && A[x] === B[y]) { x += 1; y += 1; }
      V[off + k] = x;
      if (x >= N && y >= M) { found = d; break; }
    }
    if (found >= 0) break;
  }
  if (found < 0) return [...A.map((t) => ['del', t]), ...B.map((t) => ['ins', t])];
  // Walk back through the saved V rows.
  const out = [];
  let x = N;
  let y = M;
  for (let d = found; d > 0; d -= 1) {
    const row = trace[d]; // V before step d: index k maps to row[k + d + 1]
    const get = (k) => row[k + d + 1];
    const k = x - y;
    const prevK = (k === -d || (k !== d && get(k - 1) < get(k + 1))) ? k + 1 : k - 1;
    const prevX = get(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { x -= 1; y -= 1; out.push(['eq', A[x]]); }
    if (prevK === k + 1) { y -= 1; out.push(['ins', B[y]]); } else { x -= 1; out.push(['del', A[x]]); }
  }
  while (x > 0 && y > 0) { x -= 1; y -= 1; out.push(['eq', A[x]]); }
  return out.reverse();
}

// diffWords(old, new) -> [{op, text}]: the tokens of each run joined;
// inside a changed stretch the deletion comes before the insertion, and
// white space alone between two changes is folded into them, so
// "a b c" -> "x y z" reads as one replacement, not three.
export function diffWords(oldText, newText) {
  const ops = diffTokens(tokenize(oldText), tokenize(newText)).map((r) => ({ op: r.op, text: r.tokens.join('') }));
  const out = [];
  let dels = '';
  let inss = '';
  const flush = () => {
    if (dels) out.push({ op: 'del', text: dels });
    if (inss) out.push({ op: 'ins', text: inss });
    dels = '';
    inss = '';
  };
  ops.forEach((r, i) => {
    if (r.op === 'del') dels += r.text;
    else if (r.op === 'ins') inss += r.text;
    else if (/^\s+$/.test(r.text) && (dels || inss) && ops[i + 1] && ops[i + 1].op !== 'eq') {
      dels += r.text;
      inss += r.text;
    } else {
      flush();
      const last = out[out.length - 1];
      if (last && last.op === 'eq') last.text += r.text; else out.push({ op: 'eq', text: r.text });
    }
  });
  flush();
  return out;
}

// Counts for a summary line: words added and removed.
export function stats(ops) {
  const words = (s) => tokenize(s).filter((x) => /[\p{L}\p{N}]/u.test(x)).length;
  let added = 0;
  let removed = 0;
  for (const r of ops) {
    if (r.op === 'ins') added += words(r.text);
    if (r.op === 'del') removed += words(r.text);
  }
  return { added, removed };
}

// Apply ops back: the old text (eq + del) and the new (eq + ins). Tests
// use it to check that a diff loses nothing.
export function sides(ops) {
  let a = '';
  let b = '';
  for (const r of ops) {
    if (r.op !== 'ins') a += r.text;
    if (r.op !== 'del') b += r.text;
  }
  return { a, b };
}
