// SPDX-License-Identifier: AGPL-3.0-or-later
// Unit test (node, no server) of the selection pages' pure modules:
// static/js/sortition/pool.js (CSV reading and the problems found, with
// their line and column) and static/js/sortition/curve.js (the sorted
// probability curve and its summary figures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as pool from '../../static/js/sortition/pool.js';
import * as curve from '../../static/js/sortition/curve.js';

const CATS = 'category,feature,min,max\ngender,female,2,3\ngender,male,2,3\nage,16-39,1,4\nage,40+,1,4\ncountry,FR,0,4\ncountry,KE,0,4';

test('CSV: quoted commas, doubled quotes, line breaks in quotes, CRLF, BOM, no final newline', () => {
  const recs = pool.parseCsv('\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",z\r\n\r\n3,,');
  assert.deepEqual(recs, [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
    { line: 3, fields: ['2', 'two\nlines', 'z'] },
    { line: 6, fields: ['3', '', ''] },
  ]);
  assert.throws(() => pool.parseCsv('a,b\n1,"open\n2,3'), (e) => e.code === 'unterminated_quote' && e.line === 2);
});

test('categories.csv: read into categories, problems with line and column', () => {
  const ok = pool.parseCategories(CATS);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.categories.map((c) => [c.name, c.features.map((f) => `${f.name}:${f.min}-${f.max}`)]),
    [['gender', ['female:2-3', 'male:2-3']], ['age', ['16-39:1-4', '40+:1-4']], ['country', ['FR:0-4', 'KE:0-4']]]);
  // The assembly records every volunteer's country: a file without it is refused.
  assert.deepEqual(pool.parseCategories('category,feature,min,max\ngender,female,1,2').problems.map((p) => [p.line, p.column, p.code]), [[1, 'category', 'no_country']]);
  const bad = pool.parseCategories('Category,Feature,Min,Max\ngender,female,2,x\ngender,male,4,3\ngender,female,1,2\n,old,1,1\nage,young,1\ncountry,FR,0,1');
  assert.deepEqual(bad.problems.map((p) => [p.line, p.column, p.code]), [
    [2, 'max', 'not_integer'], [3, 'min', 'min_above_max'], [5, 'category', 'required'], [6, null, 'field_count'],
  ]);
  assert.deepEqual(pool.parseCategories('category,feature,min\n').problems.map((p) => [p.line, p.column, p.code]), [[1, 'max', 'missing_header']]);
  assert.deepEqual(pool.parseCategories('category,feature,min,max\ng,f,1,2\ng,f,1,2\ncountry,FR,0,1').problems.map((p) => p.code), ['duplicate_feature']);
  assert.equal(pool.parseCategories('').problems[0].code, 'empty_file');
});

test('respondents.csv: values checked against the categories, country codes, other columns ignored, households, names and e-mails read', () => {
  const { categories } = pool.parseCategories(CATS);
  const text = 'id,gender,age,country,Name,email,address\nR1,female,16-39,FR,Ana,a@x.org,"1 Main St, Town"\nR2,male, 40+ ,KE,Ben,b@x.org,"1 Main St, Town"\nR3,other,40+,FR,Cy,c@x.org,x\nR4,male,,FR,Di,d@x.org,y\nR5,male,40+\nR6,male,40+,XX,Ed,e@x.org,z\n';
  const r = pool.parseRespondents(text, categories, 'address', new Set(['FR', 'KE']));
  assert.deepEqual(r.rows.map((x) => [x.line, x.values.gender, x.values.age, x.values.country, x.household, x.name, x.email]),
    [[2, 'female', '16-39', 'FR', '1 Main St, Town', 'Ana', 'a@x.org'], [3, 'male', '40+', 'KE', '1 Main St, Town', 'Ben', 'b@x.org']]);
  assert.deepEqual(r.problems.map((p) => [p.line, p.column, p.code]),
    [[4, 'gender', 'unknown_value'], [5, 'age', 'required'], [6, null, 'field_count'], [7, 'country', 'country_code']]);
  assert.deepEqual(r.problems[0].params, { value: 'other', allowed: ['female', 'male'] });
  const missing = pool.parseRespondents('gender,years,country\nmale,3,FR', categories, 'address');
  assert.deepEqual(missing.problems.map((p) => [p.line, p.column, p.code]), [[1, 'age', 'missing_column'], [1, 'address', 'household_column']]);
});

test('the upload: category columns, household tags instead of addresses, names and e-mails; receipts from the reply', () => {
  const { categories } = pool.parseCategories(CATS);
  const text = 'gender,age,country,name,email,address\nfemale,16-39,FR,"Ana, Maria",a@x.org,"1 Main St, Town"\nmale,40+,KE,Ben,,"1 Main St, Town"\nmale,16-39,FR,Cy,c@x.org,\nfemale,40+,KE,Di,,"2 Hill Rd"\n';
  const { rows, problems } = pool.parseRespondents(text, categories, 'address');
  assert.deepEqual(problems, []);
  let n = 0;
  const tags = pool.householdTags(rows, () => `h-${(n += 1)}`);
  assert.deepEqual(tags, ['h-1', 'h-1', '', 'h-2']);
  const csv = pool.uploadCsv(categories, rows, tags);
  assert.equal(csv, 'gender,age,country,household,name,email\nfemale,16-39,FR,h-1,"Ana, Maria",a@x.org\nmale,40+,KE,h-1,Ben,\nmale,16-39,FR,,Cy,c@x.org\nfemale,40+,KE,h-2,Di,\n');
  assert.ok(!csv.includes('Main St'), 'addresses never leave the browser');
  // What goes up reads back as the same pool.
  const again = pool.parseRespondents(csv, categories, 'household');
  assert.deepEqual(again.rows.map((r) => [r.values, r.household]), rows.map((r, i) => [r.values, tags[i]]));
  const reply = { respondents: 4, pool: [0, 1, 2, 3].map((row) => ({ row, pseudonym: `r-${row}`, salt: String(row).repeat(64) })) };
  // The pool as the server stores it: its own household tags, values in the selection's order.
  const stored = [0, 1, 2, 3].map((i) => ({ index: i, pseudonym: `r-${3 - i}`, values: [rows[3 - i].values.country, rows[3 - i].values.gender, rows[3 - i].values.age], household: tags[3 - i] ? `srv-${tags[3 - i]}` : null }));
  const rc = pool.receipts('12', ['country', 'gender', 'age'], rows, reply, stored);
  assert.deepEqual(rc[1], { line: 3, name: 'Ben', email: '', receipt: { selection: '12', pseudonym: 'r-1', salt: '1'.repeat(64), values: { country: 'KE', gender: 'male', age: '40+' }, household: 'srv-h-1' } });
  assert.equal(rc[2].receipt.household, '');
  const file = pool.parseCsv(pool.receiptsCsv(rc));
  assert.deepEqual(file[0].fields, ['line', 'name', 'email', 'pseudonym', 'receipt']);
  assert.deepEqual(JSON.parse(file[1].fields[4]), rc[0].receipt);
  assert.equal(file[1].fields[1], 'Ana, Maria');
  assert.deepEqual(pool.quotaRows(categories)[4], { category: 'country', feature: 'FR', min: 0, max: 4 });
});

test('quota table: pool counts, shares and proportional seats; the cheap quota checks', () => {
  const { categories } = pool.parseCategories(CATS);
  const rows = ['female,16-39', 'female,40+', 'male,40+', 'male,40+', 'male,16-39'].map((l, i) => {
    const [gender, age] = l.split(',');
    return { line: i + 2, values: { gender, age, country: i % 2 ? 'KE' : 'FR' }, household: '' };
  });
  const table = pool.quotaTable(categories, rows, 4);
  assert.deepEqual(table[0].features.map((f) => [f.name, f.count, f.share, f.proportional]), [['female', 2, 0.4, 1.6], ['male', 3, 0.6, 2.4]]);
  assert.deepEqual(pool.checkQuotas(categories, rows, 4), []);
  assert.deepEqual(pool.checkQuotas(categories, rows, 7).map((p) => p.code), ['k_range', 'max_sum_below_k']);
  assert.deepEqual(pool.checkQuotas(categories, rows, 3).map((p) => [p.code, p.params.category]), [['min_sum_above_k', 'gender']]);
  categories[0].features[0].min = 3;
  const short = pool.checkQuotas(categories, rows, 5);
  assert.deepEqual(short.map((p) => [p.code, p.params.feature, p.params.count]), [['not_enough', 'female', 2]]);
  // Edited quotas go back out as categories.csv and read back the same.
  const again = pool.parseCategories(pool.categoriesCsv(categories));
  assert.deepEqual(again.problems, []);
  assert.deepEqual(again.categories.map((c) => c.features.map((f) => [f.name, f.min, f.max])), categories.map((c) => c.features.map((f) => [f.name, f.min, f.max])));
});

test('curve: sorted points, summary figures (Gini as the cases define it), a round axis', () => {
  const probs = [0.5, 0.1, 0.3, 0.1];
  assert.deepEqual([...curve.sorted(probs)], [0.1, 0.1, 0.3, 0.5]);
  // Σ_i Σ_j |π_i − π_j| by hand: pairs (0.1,0.1)=0, (0.1,0.3)=0.2 ×2, (0.1,0.5)=0.4 ×2, (0.3,0.5)=0.2 → 1.4, doubled 2.8; / (2·4·1.0)
  assert.ok(Math.abs(curve.gini(probs) - 2.8 / 8) < 1e-12);
  assert.equal(curve.gini([0.1, 0.1, 0.1]), 0);
  // Equal chances give 0, never a negative rounding error (ten times 0.4 sums to a tiny −4e-17 unclamped).
  const g = curve.gini(Array(10).fill(0.4));
  assert.ok(g === 0 && !Object.is(g, -0), String(g));
  const s = curve.summary(probs, 1);
  assert.deepEqual([s.min, s.max, s.equal, s.below, s.zero], [0.1, 0.5, 0.25, 2, 0]);
  const pts = curve.points(probs, 400, 100, 0.5);
  assert.equal(pts.length, 4);
  assert.deepEqual(pts.map(([, y]) => y), [80, 80, 40, 0]); // rising left to right
  assert.ok(pts.every(([x], i) => i === 0 || x > pts[i - 1][0]));
  // A large pool is thinned to about one point per pixel, the last point kept.
  const big = curve.points(Array.from({ length: 2001 }, (_, i) => i / 2000), 100, 100, 1);
  assert.ok(big.length <= 102 && big.at(-1)[1] === 0, String(big.length));
  assert.deepEqual([0.03, 0.1, 0.11, 0.24, 0.3, 0.9].map(curve.niceMax), [0.05, 0.1, 0.2, 0.25, 0.5, 1]);
  // Every tick of the axis is a round number.
  for (const v of [0.004, 0.03, 0.11, 0.16, 0.24, 0.3, 0.7, 1]) {
    const a = curve.niceAxis(v);
    for (let i = 0; i <= a.ticks; i += 1) assert.ok(Math.abs(Math.round((a.max * i / a.ticks) * 1e4) - (a.max * i / a.ticks) * 1e4) < 1e-6 || a.max < 0.01, `${v}: ${a.max}/${a.ticks}`);
  }
});
