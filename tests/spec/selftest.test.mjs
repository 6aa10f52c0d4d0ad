// SPDX-License-Identifier: AGPL-3.0-or-later
// tests/spec/selftest.test.mjs — proves the response checker can fail:
// records that break the spec in each way it checks must be reported, with
// the route, the status and the reason; conforming ones must pass. Run by
// tests/spec/check before it checks the suite's recordings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec, makeChecker, checkAll } from './contract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const spec = loadSpec(path.join(here, '../../api-spec/openapi.yaml'));
const { check } = makeChecker(spec);

const problem = (slug, status, extra = {}) => JSON.stringify({
  type: `https://pnyx.dev/problems/${slug}`, title: 't', status, request_id: 'r1', ...extra,
});
const rec = (method, p, status, contentType, body) => ({ src: 'selftest', method, path: p, status, content_type: contentType, body });
const PJ = 'application/problem+json';

test('a conforming response passes', () => {
  assert.equal(check(rec('GET', '/healthz', 200, 'application/json', '{"status":"ok"}')), null);
  assert.equal(check(rec('GET', '/api/v1/me', 401, PJ, problem('unauthenticated', 401))), null);
  assert.equal(check(rec('HEAD', '/api/v1/audit/key', 200, 'application/json', '')), null);
});

test('a status the operation does not document is reported with route and status', () => {
  const r = check(rec('GET', '/api/v1/audit/key', 418, PJ, problem('teapot', 418)));
  assert.ok(r && r.msg, 'reported');
  assert.equal(r.route, 'GET /api/v1/audit/key');
  assert.equal(r.status, '418');
  assert.match(r.msg, /status 418 not documented/);
});

test('a body that violates the schema is reported with the ajv error', () => {
  const r = check(rec('GET', '/healthz', 200, 'application/json', '{"status":"sick"}'));
  assert.ok(r && r.msg, 'reported');
  assert.match(r.msg, /\/status must be equal to constant/);
  const wrongType = check(rec('GET', '/api/v1/audit/key', 200, 'application/json',
    '{"name":"k","public_key":"AAAA","key_id":7}'));
  assert.match(wrongType.msg, /\/key_id must be string/);
});

test('a problem body missing its required members is reported', () => {
  const r = check(rec('GET', '/api/v1/me', 401, PJ, '{"title":"no type"}'));
  assert.match(r.msg, /must have required property 'type'/);
});

test('a field error code outside the closed set is reported', () => {
  const body = problem('validation', 422, { fields: [{ field: 'title', code: 'invalid', params: {}, message: 'm' }] });
  const r = check(rec('POST', '/api/v1/assemblies', 422, PJ, body));
  assert.ok(r && r.msg, 'reported');
  assert.match(r.msg, /code/);
});

test('an undocumented content type, body on a 204, or non-JSON body is reported', () => {
  assert.match(check(rec('GET', '/api/v1/me', 401, 'text/html', '<p>no</p>')).msg, /content type text\/html not documented/);
  assert.match(check(rec('DELETE', '/api/v1/sessions/current', 204, 'application/json', '{}')).msg, /documents no content/);
  assert.match(check(rec('GET', '/healthz', 200, 'application/json', '{status')).msg, /not JSON/);
});

test('an undocumented method or an unknown /api path may only answer the generic refusals', () => {
  const r = check(rec('PUT', '/api/v1/audit/key', 200, 'application/json', '{}'));
  assert.match(r.msg, /method not documented/);
  assert.equal(check(rec('PUT', '/api/v1/audit/key', 405, PJ, problem('method-not-allowed', 405))), null);
  const u = check(rec('GET', '/api/v1/nope', 200, 'application/json', '{}'));
  assert.match(u.msg, /status 200 not documented/);
  assert.equal(check(rec('GET', '/api/v1/nope', 404, PJ, problem('not-found', 404))), null);
  // a 400 refused before routing may come anywhere, but never with field errors
  assert.equal(check(rec('GET', '/api/v1/me', 400, PJ, problem('bad-request', 400))), null);
  assert.match(check(rec('GET', '/api/v1/me', 400, PJ, problem('validation', 400))).msg, /must be equal to constant/);
});

test('static files are excluded with a reason; checkAll counts and reports', () => {
  const res = checkAll(spec, [
    rec('GET', '/app.css', 200, 'text/css', 'body{}'),
    rec('GET', '/healthz', 200, 'application/json', '{"status":"ok"}'),
    rec('GET', '/api/v1/audit/key', 418, PJ, problem('teapot', 418)),
    rec('GET', '/api/v1/audit/key', 418, PJ, problem('teapot', 418)),
  ]);
  assert.equal(res.validated, 1);
  assert.equal(res.excluded, 1);
  assert.equal(res.failures, 2);
  assert.equal(res.groups.length, 1);
  assert.match(res.report, /MISMATCH GET \/api\/v1\/audit\/key → 418 \(2×\)/);
  assert.match(res.report, /body: \{"type":"https:\/\/pnyx.dev\/problems\/teapot"/);
});

test('an OpenAPI 3.0 spec, or a 3.1 spec still using nullable, is refused', () => {
  assert.throws(() => makeChecker({ ...spec, openapi: '3.0.3' }), /3\.1/);
  const bad = structuredClone(spec);
  bad.components.schemas.Problem.properties.detail.nullable = true;
  assert.throws(() => makeChecker(bad), /nullable/);
});

test('a header the spec requires must be there and fit its schema', () => {
  const r429 = (headers) => ({ ...rec('POST', '/api/v1/sessions', 429, PJ, problem('rate-limited', 429)), headers });
  assert.match(check(r429({ 'content-type': PJ, 'x-request-id': 'r1' })).msg, /header Retry-After is required by the spec but missing/);
  assert.match(check(r429({ 'content-type': PJ, 'retry-after': '42' })).msg, /header X-Request-Id is required/);
  assert.match(check(r429({ 'content-type': PJ, 'x-request-id': 'r1', 'retry-after': 'soon' })).msg, /header Retry-After: "soon" must be integer/);
  assert.equal(check(r429({ 'content-type': PJ, 'x-request-id': 'r1', 'retry-after': '42' })), null);
  const r405 = { ...rec('PUT', '/api/v1/audit/key', 405, PJ, problem('method-not-allowed', 405)), headers: { 'x-request-id': 'r1' } };
  assert.match(check(r405).msg, /header Allow is required/);
});

test("a problem whose status member is not the response's status is reported", () => {
  assert.match(check(rec('GET', '/api/v1/me', 401, PJ, problem('unauthenticated', 403))).msg, /problem body says status 403, the response is 401/);
});

test('methods are case-sensitive: a lower-case get is an unknown method', () => {
  assert.equal(check(rec('get', '/healthz', 501, PJ, problem('not-implemented', 501))), null);
  assert.match(check(rec('get', '/healthz', 200, 'application/json', '{"status":"ok"}')).msg, /method not documented/);
});

test('a response a browser test made up is held to the spec, except for server headers', () => {
  const mock = { ...rec('POST', '/api/v1/sessions', 429, PJ, problem('rate-limited', 429)), headers: {}, mocked: true };
  assert.equal(check(mock), null);
  assert.match(check({ ...mock, body: '{"type":"https://pnyx.dev/problems/rate-limited"}' }).msg, /must have required property 'title'/);
});
