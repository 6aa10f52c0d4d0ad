// SPDX-License-Identifier: AGPL-3.0-or-later
// tests/spec/contract.mjs — checks recorded responses against the OpenAPI
// spec. A record is {src, method, path, status, content_type, headers?,
// body} as
// written by tests/integration/harness.c (h_record) and
// tests/browser/record.mjs. For each record:
//   1. the path (query stripped) matches a path template of the spec (or is
//      excluded by EXCLUDED below, with its reason);
//   2. the method is documented for that path (HEAD counts as GET);
//   3. the status is documented for that operation, or is one of the
//      responses the spec declares for every request
//      (`x-pnyx-any-request-responses`), or `default` is documented;
//      an undocumented method may only answer what
//      `x-pnyx-undocumented-method-responses` lists (405, 501), an /api path
//      that matches no template what `x-pnyx-unknown-path-responses` lists
//      (404, 501);
//   4. the headers the response declares (and those of
//      `x-pnyx-every-response-headers`): present when `required`, valid
//      against their schema when present;
//   5. the content type is one the response documents (none for a
//      response without content, i.e. an empty body), and the body is valid
//      against its schema (ajv, JSON Schema 2020-12 = OpenAPI 3.1; $refs
//      into the spec resolved by ajv itself); a problem's `status` member
//      equals the HTTP status.
import fs from 'node:fs';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

// The one list of what is not checked against the spec, and why.
export const EXCLUDED = [
  {
    test: (p) => !p.startsWith('/api/') && !['/healthz', '/readyz', '/metrics'].includes(p),
    reason: 'static frontend (static/: files and the single-page app\'s page routes such as /login, '
      + 'served by the static handler with the app shell); not part of the API, so not in the spec; '
      + 'the browser tests check what these pages do',
  },
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function mediaType(ct) {
  return ct ? ct.split(';')[0].trim().toLowerCase() : '';
}

function isJson(mt) {
  return mt === 'application/json' || mt.endsWith('+json');
}

function findNullable(node, where, out) {
  if (Array.isArray(node)) node.forEach((v, i) => findNullable(v, `${where}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'nullable') out.push(where);
      findNullable(v, `${where}/${k}`, out);
    }
  }
}

export function loadSpec(file) {
  return YAML.parse(fs.readFileSync(file, 'utf8'));
}

// Builds a checker for one parsed spec. Throws on a spec it cannot use.
export function makeChecker(spec) {
  if (!/^3\.1\.\d+$/.test(String(spec.openapi))) {
    throw new Error(`spec: openapi ${spec.openapi}: this checker validates OpenAPI 3.1 (JSON Schema 2020-12) only`);
  }
  // 3.0's `nullable` means nothing in 3.1 (it would be silently ignored):
  // the spec must spell null as a type.
  const nullable = [];
  findNullable(spec, '#', nullable);
  if (nullable.length) throw new Error(`spec: OpenAPI 3.0 keyword nullable at ${nullable.join(', ')}; use type: [..., 'null']`);

  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(spec, 'openapi.json');

  const resolve = (obj) => {
    let seen = 0;
    while (obj && obj.$ref) {
      if (!obj.$ref.startsWith('#/') || ++seen > 20) throw new Error(`spec: cannot resolve ${obj.$ref}`);
      obj = obj.$ref.slice(2).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((o, k) => (o ? o[k] : undefined), spec);
      if (!obj) throw new Error('spec: dangling $ref');
    }
    return obj;
  };

  const routes = Object.keys(spec.paths || {}).map((tpl) => {
    const literal = tpl.replace(/\{[^}]+\}/g, '').length;
    const rx = new RegExp(`^${tpl.split(/(\{[^}]+\})/).map((part) => (/^\{[^}]+\}$/.test(part)
      ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
    return { tpl, rx, literal, item: spec.paths[tpl] };
  }).sort((a, b) => b.literal - a.literal);

  const anyRequest = spec['x-pnyx-any-request-responses'] || {};

  // Schemas are compiled as found in the spec, their local $refs pointed at
  // the spec added to ajv above; cached per schema object.
  const compiled = new Map();
  const rebase = (node) => {
    if (Array.isArray(node)) return node.map(rebase);
    if (!node || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `openapi.json${v}` : rebase(v);
    }
    return out;
  };
  function validatorFor(schema) {
    if (!compiled.has(schema)) compiled.set(schema, ajv.compile(rebase(schema)));
    return compiled.get(schema);
  }

  // Returns null when the record conforms, {excluded: reason} when it is
  // excluded, {unchecked: why, route, status} when only its status, headers
  // and content type could be checked (no readable body), else the
  // mismatch {route, status, msg, body}.
  function check(rec) {
    const method = String(rec.method || ''); // case-sensitive (RFC 9110)
    const [pathOnly] = String(rec.path || '').split('?');
    const status = String(rec.status);
    for (const ex of EXCLUDED) if (ex.test(pathOnly)) return { excluded: ex.reason };

    const route = routes.find((r) => r.rx.test(pathOnly));
    let responses;
    let routeName;
    if (!route) {
      routeName = '(no path template)';
      responses = spec['x-pnyx-unknown-path-responses'] || {};
      if (!Object.keys(responses).length) return { route: routeName, msg: 'path matches no path template of the spec' };
    } else {
      routeName = route.tpl;
      // The spec's operation keys are lower case; the methods they stand
      // for are upper case. Any other spelling is an unknown method.
      const m = method === method.toUpperCase() ? method.toLowerCase() : '';
      const opKey = m === 'head' && !route.item.head ? 'get' : m;
      const op = METHODS.includes(opKey) ? route.item[opKey] : undefined;
      if (!op) {
        const undocumented = spec['x-pnyx-undocumented-method-responses'] || {};
        responses = undocumented;
        if (!responses[status] && !anyRequest[status]) {
          return { route: `${method} ${routeName}`, msg: `method not documented for this path, and status ${status} is not one an undocumented method may answer (${Object.keys(undocumented).join(', ') || 'none declared'})` };
        }
      } else {
        responses = op.responses || {};
      }
    }
    const opName = `${method} ${routeName}`;
    let resp = responses[status];
    let respName = resp ? `${opName} ${status}` : '';
    if (!resp && anyRequest[status]) {
      resp = anyRequest[status];
      respName = `x-pnyx-any-request-responses ${status}`;
    }
    if (!resp && responses.default) {
      resp = responses.default;
      respName = `${opName} default`;
    }
    if (!resp) {
      return { route: opName, status, msg: `status ${status} not documented (documented: ${Object.keys(responses).join(', ')}; any request: ${Object.keys(anyRequest).join(', ')})`, body: rec.body };
    }
    if (resp.$ref) {
      respName = resp.$ref;
      resp = resolve(resp);
    }
    // Headers the response declares: a required one must be there (when
    // the recorder captured headers), and any present must fit its schema.
    // A response a browser test made up (route.fulfill) has no server
    // headers to check; its status and body still must fit the spec.
    if (rec.headers && typeof rec.headers === 'object' && !rec.mocked) {
      const declared = { ...(spec['x-pnyx-every-response-headers'] || {}), ...(resp.headers || {}) };
      for (const [name, h0] of Object.entries(declared)) {
        const h = resolve(h0);
        const v = rec.headers[name.toLowerCase()];
        if (v === undefined) {
          if (h.required) return { route: opName, status, msg: `header ${name} is required by the spec but missing`, body: rec.body };
          continue;
        }
        if (!h.schema) continue;
        const value = h.schema.type === 'integer' && /^-?[0-9]+$/.test(v) ? Number(v) : v;
        const validate = validatorFor(h.schema);
        if (!validate(value)) {
          return { route: opName, status, msg: `header ${name}: ${JSON.stringify(v)} ${validate.errors.map((e) => e.message).join('; ')}`, body: rec.body };
        }
      }
    }
    const mt = mediaType(rec.content_type);
    const content = resp.content || {};
    const documented = Object.keys(content);
    if (documented.length === 0) {
      if (rec.body && rec.body.length) {
        return { route: opName, status, msg: `response documents no content but the body has ${rec.body.length} bytes (content-type ${mt || 'none'})`, body: rec.body };
      }
      return null;
    }
    const media = content[mt];
    if (!media) {
      if (method === 'HEAD' && !mt) return null;
      if (!mt && !rec.body) {
        return { route: opName, status, msg: `empty body without content type; documented: ${documented.join(', ')}` };
      }
      return { route: opName, status, msg: `content type ${mt || '(none)'} not documented (documented: ${documented.join(', ')})`, body: rec.body };
    }
    if (method === 'HEAD') return null; // HEAD: status and content type only
    if (rec.body == null) {
      return { unchecked: rec.body_unavailable || (rec.body_bytes != null ? `${rec.body_bytes}-byte body not UTF-8` : 'no body recorded'), route: opName, status };
    }
    if (!media.schema) return null;
    let value = rec.body;
    if (isJson(mt)) {
      try {
        value = JSON.parse(rec.body);
      } catch (e) {
        return { route: opName, status, msg: `body is not JSON: ${e.message}`, body: rec.body };
      }
    }
    // RFC 9457: a problem's status member is the HTTP status.
    if (mt === 'application/problem+json' && value && typeof value === 'object'
        && value.status !== undefined && String(value.status) !== status) {
      return { route: opName, status, msg: `problem body says status ${value.status}, the response is ${status}`, body: rec.body };
    }
    const validate = validatorFor(media.schema);
    if (!validate(value)) {
      const errs = validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
      return { route: opName, status, msg: `body invalid against the ${mt} schema of ${respName}: ${[...new Set(errs)].slice(0, 8).join('; ')}`, body: rec.body };
    }
    return null;
  }

  return { check, routes };
}

export function readRecords(paths) {
  const files = [];
  for (const p of paths) {
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) if (f.endsWith('.jsonl')) files.push(`${p}/${f}`);
    } else files.push(p);
  }
  const records = [];
  const bad = [];
  for (const f of files) {
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line));
      } catch (e) {
        bad.push(`${f}:${i + 1}: not JSON (${e.message})`);
      }
    });
  }
  return { files, records, bad };
}

function excerpt(body) {
  if (body == null) return '(no body)';
  const s = String(body).replace(/\s+/g, ' ');
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
}

// Checks every record; returns {validated, excluded, unchecked, failures,
// report} where report is the readable text.
export function checkAll(spec, records) {
  const { check } = makeChecker(spec);
  const groups = new Map();
  const excluded = new Map();
  const unchecked = new Map();
  let validated = 0;
  let failures = 0;
  for (const rec of records) {
    const r = check(rec);
    if (r === null) { validated++; continue; }
    if (r.excluded) { excluded.set(r.excluded, (excluded.get(r.excluded) || 0) + 1); continue; }
    if (r.unchecked) {
      validated++; // status and content type were checked
      const k = `${r.route} ${r.status}: ${r.unchecked}`;
      unchecked.set(k, (unchecked.get(k) || 0) + 1);
      continue;
    }
    failures++;
    const key = `${r.route}\u0000${r.status}\u0000${r.msg}`;
    if (!groups.has(key)) groups.set(key, { ...r, count: 0, example: rec });
    groups.get(key).count++;
  }
  const out = [];
  for (const g of groups.values()) {
    out.push(`MISMATCH ${g.route}${g.status ? ` → ${g.status}` : ''} (${g.count}×)`);
    out.push(`  ${g.msg}`);
    out.push(`  e.g. ${g.example.method} ${g.example.path} from ${g.example.src}`);
    out.push(`  body: ${excerpt(g.example.body)}`);
  }
  for (const [k, n] of unchecked) out.push(`note: body not checked (${n}×): ${k}`);
  for (const [reason, n] of excluded) out.push(`excluded (${n}×): ${reason}`);
  return { validated, excluded: [...excluded.values()].reduce((a, b) => a + b, 0), unchecked: [...unchecked.values()].reduce((a, b) => a + b, 0), failures, groups: [...groups.values()], report: out.join('\n') };
}
