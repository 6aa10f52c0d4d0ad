// SPDX-License-Identifier: AGPL-3.0-or-later
// tests/spec/check_routes.mjs <pnyxd> <openapi.yaml>
// Compares the router's table (`pnyxd routes`: "METHOD PATTERN" lines) with
// the spec's paths and operations, both ways, and checks that every local
// $ref in the spec resolves. Prints every difference; exit 1 on any.
//
// No YAML library (no dependencies for ctest): the spec follows a fixed
// layout, documented at its top: paths are two-space-indented keys under
// `paths:`, operations four-space-indented HTTP methods under a path, and
// components three levels deep under `components:`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const [pnyxd, specPath] = process.argv.slice(2);
if (!pnyxd || !specPath) {
  console.error('usage: check_routes.mjs <pnyxd> <openapi.yaml>');
  process.exit(2);
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const text = fs.readFileSync(specPath, 'utf8');
const lines = text.split('\n');

const spec = new Set();
const components = new Set();
let section = null; // top-level key we are in
let path = null;
let compKind = null;
const problems = [];

for (const [i, raw] of lines.entries()) {
  const line = raw.replace(/\s+#.*$/, '');
  if (/^\S/.test(line)) {
    section = line.replace(/:.*$/, '');
    path = null;
    continue;
  }
  if (section === 'paths') {
    let m = /^ {2}(\S[^:]*):\s*$/.exec(line);
    if (m) {
      path = m[1].replace(/^['"]|['"]$/g, '');
      if (!path.startsWith('/')) problems.push(`spec line ${i + 1}: path key does not start with /: ${path}`);
      continue;
    }
    m = /^ {4}([a-z]+):/.exec(line);
    if (m && path && METHODS.has(m[1])) spec.add(`${m[1].toUpperCase()} ${path}`);
  } else if (section === 'components') {
    let m = /^ {2}([A-Za-z]+):\s*$/.exec(line);
    if (m) { compKind = m[1]; continue; }
    m = /^ {4}([A-Za-z0-9_.-]+):/.exec(line);
    if (m && compKind) components.add(`#/components/${compKind}/${m[1]}`);
  }
}

if (!/^openapi: 3\.1\.\d+\s*$/m.test(text)) problems.push('spec: "openapi: 3.1.x" missing');
if (spec.size === 0) problems.push('spec: no operations found under paths:');

for (const m of text.matchAll(/\$ref:\s*['"]?(#\/[^'"\s}]+)/g)) {
  if (!components.has(m[1])) problems.push(`spec: unresolved $ref ${m[1]}`);
}

let out;
try {
  out = execFileSync(pnyxd, ['routes'], { encoding: 'utf8' });
} catch (e) {
  console.error(`cannot run ${pnyxd} routes: ${e.message}`);
  process.exit(1);
}
const router = new Set(out.split('\n').map((l) => l.trim()).filter(Boolean)
  .map((l) => { const [m, p] = l.split(/\s+/); return `${m.toUpperCase()} ${p}`; }));
if (router.size === 0) problems.push('router: `pnyxd routes` printed nothing');

const missingInSpec = [...router].filter((r) => !spec.has(r)).sort();
const missingInRouter = [...spec].filter((r) => !router.has(r)).sort();
for (const r of missingInSpec) problems.push(`in the router but not in the spec: ${r}`);
for (const r of missingInRouter) problems.push(`in the spec but not in the router: ${r}`);

if (problems.length) {
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(`${router.size} router routes, ${spec.size} spec operations: ${problems.length} difference(s)`);
  process.exit(1);
}
console.log(`OK: ${router.size} routes match ${spec.size} spec operations; ${components.size} components, all $refs resolve`);
