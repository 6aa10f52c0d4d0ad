// SPDX-License-Identifier: AGPL-3.0-or-later
// tests/spec/check_responses.mjs <openapi.yaml> <dir|file.jsonl>...
// Validates every recorded response (JSON lines written by the integration
// harness and the browser tests when PNYX_CONTRACT_DIR is set) against the
// spec: see contract.mjs for what is checked. Prints each mismatch (route,
// status, the ajv error, the body) and exits 1 on any, or when nothing was
// recorded at all (a recorder that silently broke must not pass).
import { loadSpec, readRecords, checkAll } from './contract.mjs';

const [specFile, ...inputs] = process.argv.slice(2);
if (!specFile || inputs.length === 0) {
  console.error('usage: check_responses.mjs <openapi.yaml> <dir|file.jsonl>...');
  process.exit(2);
}
const { files, records, bad } = readRecords(inputs);
const res = checkAll(loadSpec(specFile), records);
if (res.report) console.log(res.report);
for (const b of bad) console.log(`BAD RECORD ${b}`);
const bySrc = new Map();
for (const r of records) {
  const k = String(r.src || '?').replace(/ \(.*\)$/, '').replace(/^(it_[a-z_]+).*/, '$1');
  bySrc.set(k, (bySrc.get(k) || 0) + 1);
}
console.log(`contract: ${records.length} responses recorded in ${files.length} files `
  + `(${[...bySrc].map(([k, n]) => `${k} ${n}`).join(', ')})`);
console.log(`contract: ${res.validated} validated against the spec, ${res.excluded} excluded, `
  + `${res.unchecked} without a readable body, ${res.failures} mismatching in ${res.groups.length} group(s)`);
if (records.length === 0) {
  console.log('contract: FAILED: no responses were recorded (is PNYX_CONTRACT_DIR passed to the tests?)');
  process.exit(1);
}
if (res.failures || bad.length) {
  console.log('contract: FAILED: responses do not match api-spec/openapi.yaml (fix the spec or the code)');
  process.exit(1);
}
console.log('contract: OK');
