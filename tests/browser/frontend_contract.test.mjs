// SPDX-License-Identifier: AGPL-3.0-or-later
// The frontend reads one name per field, as api-spec/openapi.yaml says:
// no `a ?? b ?? c` guesses between spellings, and no reading of the
// problem shapes the contract does not have (errors[], invalid_params[]);
// the server's English `detail` and field `message` are never shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const js = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../static/js');
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'i18n') walk(p); } else if (p.endsWith('.js')) files.push(p);
  }
}(js));

test('no chains of field-name guesses (a ?? b ?? c)', () => {
  const bad = [];
  for (const f of files) {
    fs.readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      if (/\?\?[^\n]*\?\?/.test(line)) bad.push(`${path.relative(js, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(bad, []);
});

test('one problem shape: no other error lists, no server English shown', () => {
  const bad = [];
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    for (const re of [/\.invalid_params\b/, /problem\.errors\b/, /\.detail\b/, /\.message\)/, /problem\.title\b/]) {
      if (re.test(src)) bad.push(`${path.relative(js, f)}: ${re}`);
    }
  }
  assert.deepEqual(bad, []);
});
