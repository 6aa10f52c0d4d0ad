// SPDX-License-Identifier: AGPL-3.0-or-later
// The message catalogues (static/js/i18n/<lang>.js) are complete: every
// English key exists in French, Spanish and Arabic with the same
// {placeholders}; plural messages have every Intl.PluralRules category of
// their language (Arabic has six); every problem slug in
// backend/src/api/errors.def and every field error code of the contract
// has a message in each language, built from code and params.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as i18n from '../../static/js/i18n.js';
import { FIELD_CODES, FORMATS, fieldMessage, problemMessage } from '../../static/js/problems.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LANGS = ['en', 'fr', 'es', 'ar'];
const cat = {};
for (const l of LANGS) cat[l] = (await import(`../../static/js/i18n/${l}.js`)).default;

const placeholders = (v) => [...new Set((typeof v === 'string' ? [v] : Object.values(v))
  .flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();

test('four languages are supported and Arabic is right-to-left', () => {
  assert.deepEqual([...i18n.SUPPORTED].sort(), ['ar', 'en', 'es', 'fr']);
  assert.ok(i18n.RTL.has('ar'));
  for (const l of LANGS) assert.ok(fs.existsSync(path.join(repo, `static/js/i18n/${l}.js`)));
});

for (const lang of ['fr', 'es', 'ar']) {
  test(`${lang}: same keys and placeholders as English`, () => {
    const en = cat.en;
    const tr = cat[lang];
    assert.deepEqual(Object.keys(en).filter((k) => !(k in tr)), [], 'missing translations');
    assert.deepEqual(Object.keys(tr).filter((k) => !(k in en)), [], 'keys unknown to English');
    for (const k of Object.keys(en)) {
      // A plural form may spell out its number ("une fois"), so {n} may be absent from some forms.
      const want = placeholders(en[k]).filter((p) => typeof en[k] === 'string' || p !== 'n');
      const got = placeholders(tr[k]).filter((p) => typeof en[k] === 'string' || p !== 'n');
      assert.deepEqual(got, want, `placeholders of ${k}`);
    }
  });
}

for (const lang of LANGS) {
  test(`${lang}: plural messages have every plural category`, () => {
    const cats = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const [k, v] of Object.entries(cat[lang])) {
      if (typeof v === 'string') { assert.ok(v.trim(), `empty ${k}`); continue; }
      for (const c of cats) assert.ok(typeof v[c] === 'string' && v[c].trim(), `${lang} ${k} lacks plural form ${c}`);
    }
  });
}

test('Arabic plurals pick six different forms', async () => {
  await i18n.apply('ar');
  const forms = new Set([0, 1, 2, 3, 11, 100].map((n) => i18n.t('assembly.countries', { n })));
  assert.equal(forms.size, 6);
  await i18n.apply('en');
  assert.equal(i18n.t('assembly.countries', { n: 1 }), '1 country represented');
  assert.equal(i18n.t('assembly.countries', { n: 3 }), '3 countries represented');
});

const slugs = [...fs.readFileSync(path.join(repo, 'backend/src/api/errors.def'), 'utf8')
  .matchAll(/^X\([A-Z_]+,\s*\d+,\s*"([a-z0-9-]+)"/gm)].map((m) => m[1]);

test('errors.def lists the slugs (the parser still matches)', () => {
  assert.ok(slugs.length >= 20 && slugs.includes('validation') && slugs.includes('last-convener'), slugs.join(' '));
});

// The contract's field codes: the spec's enum when it has one, else the
// closed set the frontend knows (problems.js); both must agree.
test('the frontend knows exactly the spec\'s field error codes', () => {
  const spec = fs.readFileSync(path.join(repo, 'api-spec/openapi.yaml'), 'utf8');
  const block = spec.slice(spec.indexOf('    FieldError:'));
  const m = /code:[\s\S]*?enum:\s*\[([^\]]*)\]/.exec(block.slice(0, 2000));
  if (m) assert.deepEqual(m[1].split(',').map((x) => x.trim()).filter(Boolean).sort(), [...FIELD_CODES].sort());
  else assert.equal(FIELD_CODES.length, 18);
});

const SAMPLE = { too_short: { min: 10 }, too_long: { max: 80 }, too_few: { min: 1 }, too_many: { max: 10 },
  out_of_range: { min: 1, max: 10000 }, one_of: { allowed: ['member', 'observer'] }, format: { format: 'email' },
  type: { expected: 'string' } };

for (const lang of LANGS) {
  test(`${lang}: every problem slug and field code has its own message`, async () => {
    await i18n.apply(lang);
    for (const slug of [...slugs, 'not-implemented']) {
      assert.ok(i18n.has(`problem.${slug}`) && `problem.${slug}` in cat[lang], `${lang}: problem.${slug}`);
      const msg = problemMessage(400, { type: `https://pnyx.dev/problems/${slug}` });
      assert.ok(msg && !msg.startsWith('problem.'), `${lang}: ${slug} -> ${msg}`);
    }
    const cases = [...FIELD_CODES.map((c) => [c, SAMPLE[c] || {}]), ...FORMATS.map((f) => ['format', { format: f }]),
      ['out_of_range', { min: 1 }], ['out_of_range', { max: 5 }], ['out_of_range', { min: '2026-01-01T00:00:00Z', max: '2027-01-01T00:00:00Z' }]];
    for (const [code, params] of cases) {
      for (const name of ['title', 'languages', 'password', 'email']) {
        const msg = fieldMessage(name, code, params);
        assert.ok(msg && !/^fielderr\.|\{\w+\}/.test(msg), `${lang}: ${name} ${code} ${JSON.stringify(params)} -> ${msg}`);
        if (lang !== 'en') {
          await i18n.apply('en');
          const en = fieldMessage(name, code, params);
          await i18n.apply(lang);
          assert.notEqual(msg, en, `${lang}: ${name} ${code} is the English text`);
        }
      }
    }
    // Keys used for each code exist in this very catalogue, not via the English fallback.
    for (const code of FIELD_CODES) {
      const keys = Object.keys(cat[lang]).filter((k) => k === `fielderr.${code}` || k.startsWith(`fielderr.${code}.`));
      assert.ok(keys.length, `${lang}: no message for field code ${code}`);
    }
    assert.match(problemMessage(429, { type: 'https://pnyx.dev/problems/rate-limited' }, 180), /3/);
  });
}
