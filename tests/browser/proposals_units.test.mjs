// SPDX-License-Identifier: AGPL-3.0-or-later
// Unit tests (node only, no browser, no server) of the pure parts of the
// proposal pages: the word diff (static/js/diff.js) and the Markdown
// subset's parser (static/js/markdown.js). The DOM half of the renderer is
// tested in a real page by proposals_hostile.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, diffTokens, diffWords, sides, stats, MAX_D } from '../../static/js/diff.js';
import { parse, inline, safeUrl, plain } from '../../static/js/markdown.js';

// ---- diff ----------------------------------------------------------------

// The length of a longest common subsequence, by the textbook O(NM) table.
function lcsLength(a, b) {
  const dp = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
    }
  }
  return dp[a.length][b.length];
}

test('tokenize: words in any script, spaces, punctuation one by one', () => {
  assert.deepEqual(tokenize('Hello, world!'), ['Hello', ',', ' ', 'world', '!']);
  assert.deepEqual(tokenize("l'eau potable — 2 000"), ["l'eau", ' ', 'potable', ' ', '—', ' ', '2', ' ', '000']);
  assert.deepEqual(tokenize('المياه  العذبة'), ['المياه', '  ', 'العذبة']);
  assert.deepEqual(tokenize(''), []);
  assert.equal(tokenize('a\n\nb').join(''), 'a\n\nb');
});

test('diffTokens is a shortest edit script: it keeps a longest common subsequence', () => {
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let round = 0; round < 300; round += 1) {
    const a = Array.from({ length: rnd(30) }, () => 'abcde'[rnd(5)]);
    const b = Array.from({ length: rnd(30) }, () => 'abcde'[rnd(5)]);
    const ops = diffTokens(a, b);
    const eq = ops.filter((o) => o.op === 'eq').reduce((n, o) => n + o.tokens.length, 0);
    assert.equal(eq, lcsLength(a, b), `${a.join('')} -> ${b.join('')}`);
    const olds = ops.filter((o) => o.op !== 'ins').flatMap((o) => o.tokens);
    const news = ops.filter((o) => o.op !== 'del').flatMap((o) => o.tokens);
    assert.deepEqual(olds, a);
    assert.deepEqual(news, b);
  }
});

test('diffWords: a changed word reads as a deletion then an insertion', () => {
  assert.deepEqual(diffWords('We ask for clean water.', 'We demand clean water.'), [
    { op: 'eq', text: 'We ' }, { op: 'del', text: 'ask for' }, { op: 'ins', text: 'demand' }, { op: 'eq', text: ' clean water.' },
  ]);
  assert.deepEqual(diffWords('same', 'same'), [{ op: 'eq', text: 'same' }]);
  assert.deepEqual(diffWords('', 'new text'), [{ op: 'ins', text: 'new text' }]);
  assert.deepEqual(diffWords('old text', ''), [{ op: 'del', text: 'old text' }]);
  // Three changed words separated by spaces: one replacement, not three.
  assert.deepEqual(diffWords('a b c', 'x y z'), [{ op: 'del', text: 'a b c' }, { op: 'ins', text: 'x y z' }]);
  const ops = diffWords('Protect the rivers of the Sahel.', 'Protect the lakes and rivers of the whole Sahel.');
  assert.deepEqual(sides(ops), { a: 'Protect the rivers of the Sahel.', b: 'Protect the lakes and rivers of the whole Sahel.' });
  assert.deepEqual(stats(ops), { added: 3, removed: 0 });
  assert.deepEqual(ops.filter((o) => o.op === 'ins').map((o) => o.text.trim()), ['lakes and', 'whole']);
});

test('diffWords: Arabic and line breaks survive the round trip', () => {
  const a = 'نطالب بمياه نظيفة.\n\nلكل الناس.';
  const b = 'نطالب بمياه نظيفة وآمنة.\n\nلكل الناس.';
  const ops = diffWords(a, b);
  assert.deepEqual(sides(ops), { a, b });
  assert.deepEqual(ops.filter((o) => o.op !== 'eq'), [{ op: 'ins', text: ' وآمنة' }]);
});

test('past MAX_D differences the middle is one replacement, still exact', () => {
  const a = Array.from({ length: MAX_D + 10 }, (_, i) => `a${i}`);
  const b = Array.from({ length: MAX_D + 10 }, (_, i) => `b${i}`);
  const ops = diffTokens(['same', ...a, 'end'], ['same', ...b, 'end']);
  assert.deepEqual(ops.map((o) => o.op), ['eq', 'del', 'ins', 'eq']);
  assert.equal(ops[1].tokens.length, a.length);
  // A 20,000-character body with a few edits is a fine-grained diff.
  const words = Array.from({ length: 3000 }, (_, i) => `word${i % 97}`);
  const edited = [...words];
  edited[10] = 'changed';
  edited.splice(2000, 0, 'inserted');
  const d = diffWords(words.join(' '), edited.join(' '));
  assert.deepEqual(d.filter((o) => o.op !== 'eq').map((o) => o.text.trim()), ['word10', 'changed', 'inserted']);
});

// ---- markdown parser ---------------------------------------------------------

test('paragraphs, kept line breaks, emphasis and strong', () => {
  assert.deepEqual(parse('One\ntwo\n\nThree'), [
    { type: 'p', inline: [{ type: 'text', text: 'One' }, { type: 'br' }, { type: 'text', text: 'two' }] },
    { type: 'p', inline: [{ type: 'text', text: 'Three' }] },
  ]);
  assert.deepEqual(inline('a *b* __c__ ***d***'), [
    { type: 'text', text: 'a ' },
    { type: 'em', children: [{ type: 'text', text: 'b' }] },
    { type: 'text', text: ' ' },
    { type: 'strong', children: [{ type: 'text', text: 'c' }] },
    { type: 'text', text: ' ' },
    { type: 'em', children: [{ type: 'strong', children: [{ type: 'text', text: 'd' }] }] },
  ]);
  // Unpaired or word-internal delimiters stay text.
  assert.deepEqual(inline('2 * 3 = 6 and snake_case_name'), [{ type: 'text', text: '2 * 3 = 6 and snake_case_name' }]);
  assert.deepEqual(inline('**open'), [{ type: 'text', text: '**open' }]);
  assert.deepEqual(inline('\\*not\\*'), [{ type: 'text', text: '*not*' }]);
});

test('lists and block quotes', () => {
  assert.deepEqual(parse('- one\n- two *x*\n\n3. three\n4. four'), [
    { type: 'ul', items: [[{ type: 'p', inline: [{ type: 'text', text: 'one' }] }], [{ type: 'p', inline: [{ type: 'text', text: 'two ' }, { type: 'em', children: [{ type: 'text', text: 'x' }] }] }]] },
    { type: 'ol', start: 3, items: [[{ type: 'p', inline: [{ type: 'text', text: 'three' }] }], [{ type: 'p', inline: [{ type: 'text', text: 'four' }] }]] },
  ]);
  assert.deepEqual(parse('> quoted\n> - item\n\nafter'), [
    { type: 'quote', blocks: [{ type: 'p', inline: [{ type: 'text', text: 'quoted' }] }, { type: 'ul', items: [[{ type: 'p', inline: [{ type: 'text', text: 'item' }] }]] }] },
    { type: 'p', inline: [{ type: 'text', text: 'after' }] },
  ]);
  // Nesting is bounded: 50 levels of quotes do not recurse 50 times.
  const deep = parse('>'.repeat(50) + ' x');
  let depth = 0;
  for (let b = deep[0]; b && b.type === 'quote'; b = b.blocks[0]) depth += 1;
  assert.ok(depth <= 8, `depth ${depth}`);
});

test('links: only http, https and mailto; anything else is the typed text', () => {
  assert.deepEqual(inline('[site](https://example.org/a?b=1)'), [{ type: 'link', href: 'https://example.org/a?b=1', children: [{ type: 'text', text: 'site' }] }]);
  assert.deepEqual(inline('<mailto:a@example.org>'), [{ type: 'link', href: 'mailto:a@example.org', children: [{ type: 'text', text: 'mailto:a@example.org' }] }]);
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', '/relative', '//evil.example', 'https://user:pw@example.org/', 'java\nscript:x']) {
    const nodes = inline(`[click](${bad})`);
    assert.ok(nodes.every((n) => n.type !== 'link'), `${JSON.stringify(bad)} became a link`);
  }
  assert.deepEqual(inline('[click](javascript:alert(1))'), [{ type: 'text', text: '[click](javascript:alert(1))' }]);
  assert.equal(safeUrl('javascript:alert(1)'), null);
  assert.equal(safeUrl('http://example.org'), 'http://example.org/');
});

test('bidi embedding, override and isolate characters are removed; marks kept', () => {
  assert.equal(plain('a\u202Eevil\u202C b\u2067x\u2069 \u200F'), 'aevil bx \u200F');
  const tree = parse('[\u202Egnp.exe](https://example.org)');
  assert.equal(tree[0].inline[0].children[0].text, 'gnp.exe');
});
