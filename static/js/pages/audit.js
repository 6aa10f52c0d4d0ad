// SPDX-License-Identifier: AGPL-3.0-or-later
// Audit page: entries of an assembly's log, the latest signed checkpoint
// with its Ed25519 signature checked here in the browser, and an inclusion
// proof check for a chosen entry (leaf hash recomputed from the entry text).
import { h, clear } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { errorBox, errorTitle, announce, tNodes, bdi } from '../ui.js';
import { loadAllMembers } from './assemblies.js';
import * as v from '../verify.js';

const enc = encodeURIComponent;
// Hashes, origins and numbers pairs keep their order in right-to-left pages.
const ltr = (text) => h('span', { dir: 'ltr' }, text);

function verdict(status, reasonKey) {
  const label = status === 'verified' ? t('audit.verified')
    : status === 'unsupported' ? t('audit.unsupported')
      : status === 'checking' ? t('audit.checking')
        : status === 'info' ? t('audit.remembered') : t('audit.failed');
  const mark = { verified: '✓', failed: '✗', unsupported: '!', info: 'i' }[status] || '…';
  return h('span', { class: `verdict verdict-${status}`, 'data-status': status },
    h('span', { class: 'verdict-mark', 'aria-hidden': 'true' }, mark), ' ', label,
    reasonKey ? h('span', { class: 'verdict-reason' }, ` — ${t(reasonKey)}`) : null);
}

// The last verified checkpoint of each log is kept in localStorage; a new
// one must extend it (RFC 9162 consistency proof), or the server has
// rewritten history. Only verified checkpoints replace the stored one.
async function checkConsistency(base, key, cp, slot) {
  const storeKey = `pnyx.checkpoint.${key.name}.${cp.origin}`;
  let prev = null;
  try { prev = JSON.parse(localStorage.getItem(storeKey) || 'null'); } catch { prev = null; }
  const remember = () => {
    try { localStorage.setItem(storeKey, JSON.stringify({ size: cp.size, root: cp.rootB64, seen_at: new Date().toISOString() })); } catch { /* storage off */ }
  };
  if (!prev || !Number.isSafeInteger(prev.size) || typeof prev.root !== 'string') {
    remember();
    clear(slot).append(verdict('info'), h('p', { class: 'hint' }, t('audit.consistency.first')));
    return;
  }
  let ok = false;
  try {
    const prevRoot = v.decodeHash(prev.root);
    if (prev.size === cp.size) ok = v.equal(prevRoot, cp.root);
    else if (prev.size < cp.size) {
      const p = await api.get(`${base}/audit/proof/consistency`, { query: { from: prev.size, to: cp.size } });
      ok = await v.verifyConsistency(prev.size, cp.size, p.proof.map(v.decodeHash), prevRoot, cp.root);
    }
  } catch { ok = false; }
  if (ok) remember();
  clear(slot).append(verdict(ok ? 'verified' : 'failed', ok ? null : 'audit.reason.fork'),
    h('p', { class: 'hint' }, t('audit.consistency.range', { from: i18n.formatNumber(prev.size), to: i18n.formatNumber(cp.size) })));
}

// One witness's newest cosigned checkpoint (GET …/audit/witnesses),
// checked here: the log's signature on it, the witness's cosignature with
// the witness's own key, and that the log only grew from it to the head
// this page verified (RFC 9162 consistency proof). 'verified', 'failed' or
// 'unsupported' (no Ed25519 in this browser).
async function checkWitness(base, key, w, head) {
  const res = await v.verifyCheckpoint(w.checkpoint, key);
  if (res.status !== 'verified') return res.status === 'unsupported' ? 'unsupported' : 'failed';
  const cp = res.checkpoint;
  if (cp.size !== w.size) return 'failed';
  const [cos] = await v.verifyCosignatures(w.checkpoint, [{ name: w.name, vkey: w.vkey }]);
  if (cos.status !== 'verified') return cos.status === 'unsupported' ? 'unsupported' : 'failed';
  if (!head || cp.size > head.size) return 'verified'; // cosigned after the head shown above
  if (cp.size === head.size) return v.equal(cp.root, head.root) ? 'verified' : 'failed';
  try {
    const p = await api.get(`${base}/audit/proof/consistency`, { query: { from: cp.size, to: head.size } });
    return (await v.verifyConsistency(cp.size, head.size, p.proof.map(v.decodeHash), cp.root, head.root)) ? 'verified' : 'failed';
  } catch {
    return 'failed';
  }
}

// "Who vouches for this log": each configured witness with its key id and
// the size up to which it cosigned, verified in this browser, and the
// assembly's k of n before a result is published.
async function vouchSection(base, key, head) {
  const heading = h('h2', { id: 'vouch-h' }, t('audit.vouch.title'));
  let data;
  try {
    data = await api.get(`${base}/audit/witnesses`);
  } catch (e) {
    return h('section', { class: 'card', 'aria-labelledby': 'vouch-h' }, heading, errorBox(e));
  }
  const list = Array.isArray(data?.witnesses) ? data.witnesses : [];
  const n = Number(data?.configured) || 0;
  const k = Number(data?.witness_quorum) || 0;
  const fmt = (x) => i18n.formatNumber(x);
  const items = [];
  let have = 0;
  for (const w of list) {
    const status = w.checkpoint ? await checkWitness(base, key, w, head) : 'missing';
    if (status === 'verified') have += 1;
    let kid = w.key_id;
    try { kid = v.decodeCosignerVkey(w.vkey).keyIdHex; } catch { /* shown as served */ }
    items.push(h('li', { class: 'vouch', 'data-witness': w.name, 'data-status': status, 'data-size': w.size },
      h('span', { class: 'vouch-name mono' }, ltr(w.name)), ' ',
      h('span', { class: 'vouch-key muted' }, tNodes('audit.vouch.key_id', { id: h('span', { class: 'mono', dir: 'ltr' }, kid) })), ' ',
      h('span', { class: 'vouch-size' }, status === 'missing' ? t('audit.vouch.nothing') : t('audit.vouch.upto', { size: fmt(w.size) })), ' ',
      status === 'missing' ? null : verdict(status, status === 'failed' ? 'audit.reason.vouch' : null)));
  }
  const rule = n === 0 ? t('audit.vouch.none')
    : k > 0 ? t('audit.vouch.quorum', { k: fmt(k), n: fmt(n) })
      : t('audit.vouch.no_quorum', { n: fmt(n) });
  return h('section', { class: 'card', 'aria-labelledby': 'vouch-h', id: 'vouch' },
    heading,
    h('p', { class: 'hint' }, t('audit.vouch.intro')),
    h('p', { id: 'vouch-rule', 'data-k': k, 'data-n': n }, h('strong', {}, rule)),
    n > 0 ? [
      h('p', { id: 'vouch-count' }, t('audit.vouch.count', { have: fmt(have), n: fmt(n) })),
      h('ul', { class: 'vouch-list', id: 'vouch-list' }, items),
      h('p', { class: 'hint' }, t('audit.vouch.browser'))] : null);
}

function parseEntry(text) {
  try { return JSON.parse(text); } catch { return {}; }
}

// An entry as a sentence in the reader's language: who did what, names in
// <bdi>, roles and fields translated. `names` maps account ids (decimal
// strings, as in the entry) to display names.
function sentence(e, names) {
  const who = (id) => (id === null || id === undefined ? t('audit.system')
    : names.has(String(id)) ? bdi(names.get(String(id))) : t('audit.account', { id }));
  const d = e.data && typeof e.data === 'object' ? e.data : {};
  const role = d.role ? i18n.inSentence(`role.${d.role}`) : '';
  const actor = who(e.actor);
  switch (e.kind) {
    case 'assembly.created':
      return tNodes('audit.s.assembly.created', { actor });
    case 'assembly.updated':
      return tNodes('audit.s.assembly.updated', { actor, fields: i18n.formatList(Object.keys(d).map((k) => (i18n.has(`field.${k}`) ? t(`field.${k}`) : k))) });
    case 'member.joined':
      return tNodes(d.via === 'invitation' ? 'audit.s.member.joined.invitation' : 'audit.s.member.joined', { subject: who(d.account), role });
    case 'member.updated':
      return tNodes('audit.s.member.updated', { actor, subject: who(d.account), role, status: d.status ? i18n.inSentence(`status.${d.status}`) : '' });
    case 'member.left':
      return String(e.actor) === String(d.account)
        ? tNodes('audit.s.member.left', { subject: who(d.account) })
        : tNodes('audit.s.member.removed', { actor, subject: who(d.account) });
    case 'invitation.created':
      return tNodes('audit.s.invitation.created', { actor, role, uses: t('audit.uses', { n: Number(d.max_uses) || 0 }) });
    case 'invitation.revoked':
      return tNodes('audit.s.invitation.revoked', { actor });
    default:
      return tNodes('audit.s.other', { actor, kind: h('code', {}, String(e.kind)) });
  }
}

function kindName(kind) {
  return i18n.has(`audit.kind.${kind}`) ? t(`audit.kind.${kind}`) : String(kind);
}

export async function audit(ctx) {
  const aid = ctx.params[0];
  const base = `/api/v1/assemblies/${enc(aid)}`;
  const [a, key] = await Promise.all([api.get(base), api.get('/api/v1/audit/key')]);
  // The checkpoint first, then the entries: any entry the checkpoint covers
  // is then surely in the list.
  let note = null;
  try {
    note = await api.get(`${base}/audit/checkpoint`, { accept: 'text/plain' });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  const first = await api.get(`${base}/audit`, { query: { limit: 200 } });
  // Display names for the sentences; entries name accounts by id.
  const names = new Map();
  try {
    for (const m of await loadAllMembers(aid)) if (m.display_name) names.set(String(m.account_id), m.display_name);
  } catch { /* names stay account numbers */ }

  // ---- checkpoint ----
  const sigSlot = h('dd', { id: 'checkpoint-status' }, verdict('checking'));
  const consSlot = h('dd', { id: 'consistency-status' }, verdict('checking'));
  let checkpoint = null;
  let cpVerified = false;
  let cpSection;
  if (note) {
    const res = await v.verifyCheckpoint(note, key);
    checkpoint = res.checkpoint || null;
    cpVerified = res.status === 'verified';
    clear(sigSlot).appendChild(verdict(res.status, res.reason ? `audit.reason.${res.reason}` : null));
    // Only a checkpoint whose signature verified is compared and remembered.
    if (checkpoint && res.status === 'verified') await checkConsistency(base, key, checkpoint, consSlot);
    else clear(consSlot).appendChild(h('span', { class: 'muted' }, '—'));
    // Witnesses (issue 12): which of the deployment's witnesses cosigned
    // this very checkpoint, each line verified here with the witness's key.
    let witnessRows = null;
    if ((key.witnesses || []).length) {
      const ws = checkpoint && res.status === 'verified' ? await v.verifyCosignatures(note, key.witnesses)
        : key.witnesses.map((w) => ({ name: w.name, status: 'failed' }));
      witnessRows = [h('dt', {}, t('audit.witnesses')), h('dd', { id: 'witness-status' },
        h('ul', { class: 'witness-list' }, ws.map((w) => h('li', { 'data-witness': w.name, 'data-status': w.status },
          ltr(w.name), ' ',
          w.status === 'missing' ? h('span', { class: 'muted' }, t('audit.witness_missing'))
            : verdict(w.status, w.status === 'failed' ? 'audit.reason.cosig' : null),
          w.time ? h('span', { class: 'muted' }, ` ${t('audit.witness_time', { time: i18n.formatDate(w.time.toISOString()) })}`) : null))))];
    }
    cpSection = h('section', { class: 'card', 'aria-labelledby': 'cp-h' },
      h('h2', { id: 'cp-h' }, t('audit.checkpoint')),
      h('dl', { class: 'facts' },
        checkpoint ? [
          h('dt', {}, t('audit.origin')), h('dd', { class: 'mono' }, ltr(checkpoint.origin)),
          h('dt', {}, t('audit.size')), h('dd', { id: 'checkpoint-size' }, i18n.formatNumber(checkpoint.size)),
          h('dt', {}, t('audit.root')), h('dd', { class: 'mono hash' }, ltr(checkpoint.rootB64))] : null,
        h('dt', {}, t('audit.key')), h('dd', { class: 'mono' }, ltr(`${key.name} (${key.key_id})`)),
        h('dt', {}, t('audit.signature')), sigSlot,
        h('dt', {}, t('audit.consistency')), consSlot,
        witnessRows),
      h('details', {}, h('summary', {}, t('audit.note')), h('pre', { class: 'mono note', dir: 'ltr' }, note)));
  } else {
    cpSection = h('section', { class: 'card', 'aria-labelledby': 'cp-h' },
      h('h2', { id: 'cp-h' }, t('audit.checkpoint')), h('p', { class: 'muted' }, t('audit.no_checkpoint')));
  }

  const vouch = await vouchSection(base, key, cpVerified ? checkpoint : null);

  // ---- inclusion check: the result sits in the entry that was checked ----
  const result = h('div', { id: 'inclusion-result', class: 'inclusion-result', 'aria-live': 'polite' });

  async function checkInclusion(item, li) {
    const seq = Number(item.seq);
    for (const r of list.querySelectorAll('li.selected')) r.classList.remove('selected');
    li.classList.add('selected');
    li.appendChild(result);
    const index = seq - 1; // seq counts from 1, RFC 9162 leaf indices from 0
    clear(result).append(verdict('checking'));
    const rows = [];
    let ok = false;
    let reason = null;
    try {
      const leaf = await v.leafHash(item.entry);
      rows.push([t('audit.leaf'), v.b64encode(leaf)]);
      if (!v.equal(leaf, v.decodeHash(item.leaf_hash))) {
        reason = 'audit.reason.leaf';
      } else if (!checkpoint || index >= checkpoint.size) {
        reason = 'audit.reason.proof';
      } else {
        const p = await api.get(`${base}/audit/proof/inclusion`, { query: { index, size: checkpoint.size } });
        if (!v.equal(leaf, v.decodeHash(p.leaf_hash))) reason = 'audit.reason.leaf';
        else {
          const proof = p.proof.map(v.decodeHash);
          ok = await v.verifyInclusion(leaf, index, checkpoint.size, proof, checkpoint.root);
          if (!ok) reason = 'audit.reason.proof';
          rows.push([t('audit.index_size'), `${index} / ${checkpoint.size}`]);
          rows.push([t('audit.proof'), proof.length ? proof.map((x) => v.b64encode(x)).join('\n') : '—']);
        }
      }
    } catch (e) {
      ok = false;
      reason = 'audit.reason.proof';
      rows.push([t('error.generic'), errorTitle(e)]);
    }
    const status = ok ? 'verified' : 'failed';
    clear(result).append(
      h('p', { id: 'inclusion-status' }, verdict(status, reason)),
      h('details', {}, h('summary', {}, t('audit.inclusion', { seq })),
        h('dl', { class: 'facts' }, rows.map(([k, val]) => [h('dt', {}, k), h('dd', { class: 'mono hash' }, ltr(val))]))));
    announce(`${t('audit.inclusion', { seq })}: ${ok ? t('audit.verified') : t('audit.failed')}`);
  }

  // ---- entries: one sentence each, the canonical JSON behind a disclosure ----
  const list = h('ol', { class: 'audit-list', id: 'audit-list' });
  function addEntries(items) {
    for (const item of items) {
      const e = parseEntry(item.entry);
      const seq = Number(item.seq);
      const li = h('li', { class: 'audit-entry', 'data-seq': seq, 'data-kind': e.kind, 'aria-labelledby': `entry-${seq}-h` });
      const btn = h('button', {
        type: 'button',
        class: 'button button-small button-secondary',
        'aria-label': t('audit.verify_label', { seq }),
        disabled: !checkpoint || seq > checkpoint.size,
        onclick: () => checkInclusion(item, li),
      }, t('audit.verify'));
      li.append(
        h('p', { class: 'audit-meta', id: `entry-${seq}-h` },
          h('span', { class: 'audit-seq' }, t('audit.entry_no', { seq })), ' · ',
          h('time', { datetime: e.at }, i18n.formatDate(e.at)), ' · ',
          h('span', { class: 'audit-kind' }, kindName(e.kind))),
        h('p', { class: 'audit-sentence' }, sentence(e, names)),
        h('div', { class: 'audit-tools' },
          h('details', { class: 'audit-json' }, h('summary', {}, t('audit.json')), h('pre', { class: 'mono entry', dir: 'ltr' }, item.entry)),
          btn));
      list.appendChild(li);
    }
  }
  addEntries(first.items);
  let next = first.next;
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: !next }, t('audit.more'));
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const res = await api.get(`${base}/audit`, { query: { after: next, limit: 200 } });
      addEntries(res.items);
      next = res.next;
      more.hidden = !next;
    } catch (e) { more.before(errorBox(e)); } finally { more.disabled = false; }
  });

  const entries = first.items.length ? list : h('p', { class: 'empty' }, t('audit.empty'));

  return {
    title: `${t('audit.title')} · ${a.title}`,
    node: h('article', { class: 'audit' },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/assemblies/${enc(aid)}` }, t('audit.back'))),
      h('h1', {}, t('audit.title'), ' ', h('span', { class: 'subtitle', dir: 'auto' }, a.title)),
      h('p', { class: 'lead' }, t('audit.intro')),
      cpSection,
      vouch,
      h('section', { class: 'card', 'aria-labelledby': 'entries-h' },
        h('h2', { id: 'entries-h' }, t('audit.entries')),
        h('p', { class: 'hint' }, t('audit.choose')), entries, h('p', {}, more))),
  };
}
