// SPDX-License-Identifier: AGPL-3.0-or-later
// The message catalogue is complete: every English key exists in French,
// Spanish and Arabic with the same {placeholders}, and no translation has
// keys English lacks (a typo would silently fall back to English).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MESSAGES, RTL } from '../../static/js/messages.js';

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('all four languages are present and Arabic is right-to-left', () => {
  assert.deepEqual(Object.keys(MESSAGES).sort(), ['ar', 'en', 'es', 'fr']);
  assert.ok(RTL.has('ar'));
});

for (const lang of ['fr', 'es', 'ar']) {
  test(`${lang}: same keys and placeholders as English`, () => {
    const en = MESSAGES.en;
    const tr = MESSAGES[lang];
    const missing = Object.keys(en).filter((k) => !(k in tr));
    const extra = Object.keys(tr).filter((k) => !(k in en));
    assert.deepEqual(missing, [], 'missing translations');
    assert.deepEqual(extra, [], 'keys unknown to English');
    for (const k of Object.keys(en)) {
      assert.deepEqual(placeholders(tr[k]), placeholders(en[k]), `placeholders of ${k}`);
      assert.ok(tr[k].trim().length > 0, `empty ${k}`);
    }
  });
}
