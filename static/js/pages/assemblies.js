// SPDX-License-Identifier: AGPL-3.0-or-later
// Assemblies: list, create, the assembly page (composition, members, join,
// invite link) and the accept-invitation route.
import { h, clear } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { field, input, select, formAlert, showErrors, clearErrors, busy, errorBox, badge, announce, confirmDialog, showErrorIn, tNodes, bdi, dismissNotices } from '../ui.js';
import { languageSelect } from '../languages.js';
import { go, flash, loginRequired, safeNext } from './common.js';
import { advancementSection, proposalsLink } from './proposals.js';
import { questionsLink } from './questions.js';
import { MANAGERS } from './deliberation.js';

const enc = encodeURIComponent;
const ROLES = ['convener', 'facilitator', 'member', 'observer']; // highest first
const rank = (r) => ROLES.length - ROLES.indexOf(r);

function assemblyBadges(a, withRole = true) {
  return h('span', { class: 'badges' },
    a.visibility ? badge(t(`visibility.${a.visibility}`), a.visibility === 'public' ? 'public' : 'private') : null,
    a.join_policy ? badge(t(`join.${a.join_policy}`)) : null,
    withRole && a.my_role && a.my_status === 'active' ? badge(t(`role.${a.my_role}`), 'role') : null);
}

function assemblyItem(a) {
  return h('li', { class: 'list-item' },
    h('h2', { class: 'list-title' }, h('a', { href: `/assemblies/${enc(a.id)}`, dir: 'auto' }, a.title)),
    assemblyBadges(a),
    a.description ? h('p', { class: 'list-desc', dir: 'auto' }, a.description) : null);
}

export async function assemblies(ctx) {
  const list = h('ul', { class: 'list', id: 'assembly-list' });
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, t('assemblies.more'));
  let next = null;
  async function page(after) {
    const res = await api.get('/api/v1/assemblies', { query: { after, limit: 50 } });
    const items = res.items;
    for (const a of items) list.appendChild(assemblyItem(a));
    next = res.next;
    more.hidden = !next;
    return items.length;
  }
  const n = await page(null);
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await page(next); } catch (e) { more.before(errorBox(e)); } finally { more.disabled = false; }
  });
  return {
    title: t('assemblies.title'),
    node: h('section', {},
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', {}, t('assemblies.title')), h('p', { class: 'lead' }, t('assemblies.intro'))),
        ctx.account ? h('a', { class: 'button', href: '/assemblies/new' }, t('assemblies.new')) : null),
      n ? list : h('p', { class: 'empty' }, t('assemblies.empty')),
      h('p', {}, more)),
  };
}

// The assembly form, shared by create (POST) and edit (PATCH of changed fields).
function assemblyForm(id, values, submitKey, onSubmit) {
  const form = h('form', { class: 'form', novalidate: true, id },
    formAlert(),
    field('field.title', input('title', { required: true, maxlength: 200, value: values.title || '', dir: 'auto' })),
    field('field.description', h('textarea', { name: 'description', rows: 5, dir: 'auto' })),
    field('field.visibility', select('visibility', [['public', t('visibility.public')], ['members', t('visibility.members')]])),
    field('field.join_policy', select('join_policy', [['open', t('join.open')], ['invite', t('join.invite')]])),
    field('field.default_language', languageSelect('default_language', values.default_language || i18n.lang()), 'field.default_language.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t(submitKey))));
  const f = form.elements;
  f.description.value = values.description || '';
  if (values.visibility) f.visibility.value = values.visibility;
  if (values.join_policy) f.join_policy.value = values.join_policy;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      title: f.title.value.trim(),
      description: f.description.value,
      visibility: f.visibility.value,
      join_policy: f.join_policy.value,
      default_language: f.default_language.value.trim(),
    };
    await busy(form, async () => {
      try { await onSubmit(body); } catch (e) { showErrors(form, e); }
    });
  });
  return form;
}

export async function createAssembly(ctx) {
  if (!ctx.account) return loginRequired('/assemblies/new');
  const form = assemblyForm('create-assembly-form', {}, 'create.submit', async (body) => {
    const a = await api.post('/api/v1/assemblies', body);
    go(`/assemblies/${enc(a.id)}`);
  });
  return {
    title: t('create.title'),
    node: h('section', { class: 'card narrow' },
      h('h1', {}, t('create.title')), h('p', { class: 'lead' }, t('create.intro')), form),
  };
}

function editSection(a, refresh) {
  const form = assemblyForm('edit-assembly-form', a, 'edit.submit', async (body) => {
    const changed = {};
    for (const [k, val] of Object.entries(body)) if (val !== a[k]) changed[k] = val;
    if (!Object.keys(changed).length) return;
    await api.patch(`/api/v1/assemblies/${enc(a.id)}`, changed);
    flash(t('edit.saved'));
    refresh();
  });
  return h('details', { class: 'card edit-assembly' },
    h('summary', {}, h('h2', { class: 'summary-h' }, t('edit.title'))), form);
}

// k of n witness cosignatures before a result is published (issue 12;
// conveners only: PATCH witness_quorum). n = the witnesses this server
// submits to (GET /api/v1/audit/key); k above n is refused by the server.
function witnessSection(a, refresh) {
  const k = Number(a.witness_quorum) || 0;
  const sel = h('select', { name: 'witness_quorum', id: 'witness-quorum' });
  const now = h('p', { id: 'witness-quorum-current' });
  const form = h('form', { class: 'form', novalidate: true, id: 'witness-quorum-form' }, formAlert(),
    field('field.witness_quorum', sel, 'wq.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('wq.save'))));
  const fill = (n) => {
    clear(sel);
    for (let i = 0; i <= Math.max(n, k); i += 1) sel.append(h('option', { value: String(i) }, i18n.formatNumber(i)));
    sel.value = String(k);
    now.textContent = n === 0 && k === 0 ? t('wq.none')
      : k > 0 ? t('wq.current', { k: i18n.formatNumber(k), n: i18n.formatNumber(n) }) : t('wq.current_off', { n: i18n.formatNumber(n) });
    form.hidden = n === 0 && k === 0;
  };
  fill(k);
  api.get('/api/v1/audit/key').then((key) => fill((key.witnesses || []).length), () => { /* keep 0..k */ });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    await busy(form, async () => {
      try {
        await api.patch(`/api/v1/assemblies/${enc(a.id)}`, { witness_quorum: Number(sel.value) });
        flash(t('wq.saved'));
        refresh();
      } catch (e) { showErrors(form, e); }
    });
  });
  return h('section', { class: 'card', id: 'witness-quorum-section', 'aria-labelledby': 'wq-h' },
    h('h2', { id: 'wq-h' }, t('wq.title')), now, form);
}

// Composition (api-spec: Composition) maps codes to counts; as
// [[code, count], ...] sorted by count, largest first.
function pairs(map) {
  return Object.entries(map).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
}

function composition(a) {
  const c = a.composition;
  const byCountry = pairs(c.by_country);
  const byRole = pairs(c.by_role);
  const max = Math.max(1, ...byCountry.map(([, n]) => n));
  const rows = byCountry.map(([cc, n]) => {
    const bar = h('span', { class: 'bar' });
    // CSSOM, not a style attribute: allowed by the CSP's style-src 'self'.
    bar.style.inlineSize = `${Math.round((n / max) * 100)}%`;
    return h('tr', {},
      h('th', { scope: 'row' }, i18n.countryName(cc), ' ', h('span', { class: 'muted' }, `(${cc})`)),
      h('td', { class: 'num' }, i18n.formatNumber(n)),
      h('td', { class: 'bar-cell', 'aria-hidden': 'true' }, bar));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'composition-h' },
    h('h2', { id: 'composition-h' }, t('assembly.composition')),
    h('p', { class: 'muted', id: 'countries-count' }, t('assembly.countries', { n: c.countries })),
    h('table', { class: 'table composition', id: 'composition-table' },
      h('caption', {}, t('assembly.by_country')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('assembly.country')),
        h('th', { scope: 'col', class: 'num' }, t('assembly.members_count')),
        h('td', { 'aria-hidden': 'true' }))),
      h('tbody', {}, rows)),
    byRole.length ? h('table', { class: 'table compact' },
      h('caption', {}, t('assembly.by_role')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('assembly.role')), h('th', { scope: 'col', class: 'num' }, t('assembly.members_count')))),
      h('tbody', {}, byRole.map(([r, n]) => h('tr', {}, h('th', { scope: 'row' }, i18n.has(`role.${r}`) ? t(`role.${r}`) : r), h('td', { class: 'num' }, i18n.formatNumber(n)))))) : null);
}

// What a change to a member takes away, for the confirmation (null when
// nothing is taken away: a promotion or a lifted suspension).
function loss(m, name, role, status) {
  if (status !== m.status && status === 'left') return t('confirm.member.remove', { name });
  if (status !== m.status && status === 'suspended') return t('confirm.member.suspend', { name });
  if (role !== m.role && rank(role) < rank(m.role)) {
    return t('confirm.member.demote', { name, from: i18n.inSentence(`role.${m.role}`), to: i18n.inSentence(`role.${role}`) });
  }
  return null;
}

// One row per member; managers get a small form per row to change the
// role or status (PATCH …/members/{account_id}); the server enforces who
// may do what (only conveners make conveners, the last convener stays).
// On a phone the rows are stacked as cards: each cell carries its column
// name in data-label for the narrow layout.
function memberRows(items, aid, manage, refresh) {
  return items.map((m) => {
    const name = m.display_name || t('audit.account', { id: m.account_id });
    const id = m.account_id;
    let actions = null;
    if (manage) {
      const role = select('role', ROLES.map((r) => [r, t(`role.${r}`)]), { 'aria-label': t('members.role_of', { name }) });
      role.value = m.role;
      const status = select('status', ['active', 'suspended', 'left'].map((x) => [x, t(`status.${x}`)]), { 'aria-label': t('members.status_of', { name }) });
      status.value = m.status;
      const err = h('div', { class: 'row-error' });
      const save = h('button', { type: 'submit', class: 'button button-small button-secondary', 'aria-label': t('members.save_for', { name }) }, t('members.save'));
      const form = h('form', { class: 'row-form', novalidate: true }, role, status, save, err);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clear(err);
        const body = {};
        if (role.value !== m.role) body.role = role.value;
        if (status.value !== m.status) body.status = status.value;
        if (!Object.keys(body).length) return;
        const lost = loss(m, name, role.value, status.value);
        if (lost && !await confirmDialog({ title: t('confirm.member.title', { name }), body: lost, ok: t('confirm.member.ok') })) {
          role.value = m.role;
          status.value = m.status;
          return;
        }
        await busy(form, async () => {
          try {
            await api.patch(`/api/v1/assemblies/${enc(aid)}/members/${enc(id)}`, body);
            flash(t('members.saved'));
            await refresh();
            // Keyboard focus stays with this member's row.
            document.querySelector(`#member-table tr[data-account="${id}"] button[type=submit]`)?.focus();
          } catch (e) {
            // A refused change leaves the member as saved: so do the selects.
            role.value = m.role;
            status.value = m.status;
            showErrorIn(err, e);
          }
        });
      });
      actions = h('td', { 'data-label': t('members.manage') }, form);
    }
    return h('tr', { 'data-account': id },
      h('th', { scope: 'row' }, h('bdi', {}, name)),
      h('td', { 'data-label': t('assembly.role') }, t(`role.${m.role}`)),
      h('td', { 'data-label': t('assembly.status') }, t(`status.${m.status}`)),
      h('td', { 'data-label': t('assembly.country') }, m.country ? i18n.countryName(m.country) : ''),
      h('td', { 'data-label': t('assembly.joined_at') }, i18n.formatDate(m.joined_at)),
      actions);
  });
}

export async function loadAllMembers(aid) {
  const items = [];
  let after = null;
  for (let i = 0; i < 20; i += 1) { // at most 4,000 members on one page view
    const res = await api.get(`/api/v1/assemblies/${enc(aid)}/members`, { query: { after, limit: 200 } });
    items.push(...res.items);
    after = res.next;
    if (!after) break;
  }
  return items;
}

// Local check of the invitation form's numbers, with the same messages the
// server's field errors get (out_of_range {min, max}): 0 uses is an error,
// never silently 1.
function checkRange(form, name, min, max) {
  const ctl = form.elements[name];
  const n = Number(ctl.value);
  if (ctl.value.trim() !== '' && Number.isInteger(n) && n >= min && n <= max) return n;
  ctl.setAttribute('aria-invalid', 'true');
  const slot = form.querySelector(`#${CSS.escape(ctl.id)}-error`);
  slot.textContent = t('fielderr.out_of_range.between', { min: i18n.formatNumber(min), max: i18n.formatNumber(max) });
  slot.hidden = false;
  return null;
}

function inviteSection(aid, refresh) {
  const out = h('div', { class: 'invite-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'form form-inline', novalidate: true, id: 'invite-form' },
    formAlert(),
    field('invite.role', select('role', ['member', 'observer', 'facilitator'].map((r) => [r, t(`role.${r}`)]))),
    field('invite.max_uses', input('max_uses', { type: 'number', min: 1, max: 10000, value: '10', inputmode: 'numeric' })),
    field('invite.expires_days', input('expires_days', { type: 'number', min: 1, max: 365, value: '14', inputmode: 'numeric' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('invite.create'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    dismissNotices();
    const f = form.elements;
    const uses = checkRange(form, 'max_uses', 1, 10000);
    const days = checkRange(form, 'expires_days', 1, 365);
    if (uses === null || days === null) {
      const alert = form.querySelector('.alert-error');
      alert.appendChild(h('p', { class: 'alert-title' }, t('error.fields')));
      alert.hidden = false;
      form.querySelector('[aria-invalid=true]').focus();
      return;
    }
    const body = {
      role: f.role.value,
      max_uses: uses,
      expires_at: new Date(Date.now() + days * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    await busy(form, async () => {
      try {
        const inv = await api.post(`/api/v1/assemblies/${enc(aid)}/invitations`, body);
        const link = `${location.origin}/invitations/${enc(inv.code)}`;
        const box = h('input', { type: 'text', readonly: true, value: link, id: 'invite-link', class: 'mono', dir: 'ltr' });
        const status = h('span', { class: 'muted', role: 'status' });
        clear(out).append(
          h('label', { for: 'invite-link' }, t('invite.link')),
          h('div', { class: 'copy-row' }, box,
            h('button', { type: 'button', class: 'button button-secondary', onclick: async () => {
              try { await navigator.clipboard.writeText(link); status.textContent = t('invite.copied'); } catch { box.select(); }
            } }, t('invite.copy')), status),
          h('p', { class: 'hint' }, t('invite.note')));
        box.focus();
        box.select();
      } catch (e) { showErrors(form, e); }
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'invite-h' },
    h('h2', { id: 'invite-h' }, t('invite.title')), form, out);
}

// Managers see the open invitations and can revoke one (with confirmation).
// Null while the server has no list (an older server answers 404/405).
async function loadInvitations(aid) {
  try {
    const res = await api.get(`/api/v1/assemblies/${enc(aid)}/invitations`, { query: { limit: 200 } });
    return res.items.filter((x) => x.status === 'valid');
  } catch (e) {
    if (e instanceof ApiError && [404, 405, 501].includes(e.status)) return null;
    throw e;
  }
}

// The server's rule (authz_invite_role): a facilitator revokes only what
// they could have issued (member and observer invitations).
function mayRevoke(myRole, invRole) {
  return myRole === 'convener' || (myRole === 'facilitator' && (invRole === 'member' || invRole === 'observer'));
}

function invitationsSection(aid, items, refresh, myRole) {
  const err = h('div', {});
  const body = items.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'table stack', id: 'invitation-table' },
      h('caption', { class: 'visually-hidden' }, t('invites.open')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('invites.role')),
        h('th', { scope: 'col' }, t('invites.uses')),
        h('th', { scope: 'col' }, t('invites.expires')),
        h('th', { scope: 'col' }, t('invites.created_by')),
        h('td', {}))),
      h('tbody', {}, items.map((inv) => {
        const who = inv.created_by.display_name;
        const btn = !mayRevoke(myRole, inv.role) ? null : h('button', {
          type: 'button',
          class: 'button button-small button-secondary',
          'aria-label': t('invites.revoke_label', { role: i18n.inSentence(`role.${inv.role}`), name: who, date: i18n.formatDate(inv.created_at) }),
        }, t('invites.revoke'));
        btn?.addEventListener('click', async () => {
          if (!await confirmDialog({ title: t('confirm.revoke.title'), body: t('confirm.revoke.body'), ok: t('confirm.revoke.ok') })) return;
          btn.disabled = true;
          try {
            await api.del(`/api/v1/assemblies/${enc(aid)}/invitations/${enc(inv.id)}`);
            flash(t('invites.revoked'));
            await refresh();
            document.getElementById('invites-h')?.focus();
          } catch (e) { btn.disabled = false; showErrorIn(err, e); }
        });
        return h('tr', { 'data-invitation': inv.id },
          h('th', { scope: 'row', 'data-label': t('invites.role') }, t(`role.${inv.role}`)),
          h('td', { 'data-label': t('invites.uses') }, t('invites.used_of', { uses: inv.uses, max: inv.max_uses })),
          h('td', { 'data-label': t('invites.expires') }, i18n.formatDate(inv.expires_at)),
          h('td', { 'data-label': t('invites.created_by') }, h('bdi', {}, who)),
          h('td', {}, btn));
      }))))
    : h('p', { class: 'empty' }, t('invites.none'));
  return h('section', { class: 'card', 'aria-labelledby': 'invites-h', id: 'open-invitations' },
    h('h2', { id: 'invites-h', tabindex: '-1' }, t('invites.open')), err, body);
}

export async function assembly(ctx) {
  const aid = ctx.params[0];
  const a = await api.get(`/api/v1/assemblies/${enc(aid)}`);
  let members = [];
  let membersError = null;
  try { members = await loadAllMembers(aid); } catch (e) { membersError = e; }
  const me = ctx.account;
  const myId = me ? me.id : null;
  const myRole = a.my_role;
  const myStatus = a.my_status;
  const isActive = !!myRole && myStatus === 'active';
  const canManage = isActive && MANAGERS.has(myRole);
  const invitations = canManage ? await loadInvitations(aid) : null;

  const joinArea = h('div', { class: 'join-area' });
  if (myRole && isActive) {
    const err = h('div', {});
    joinArea.append(h('p', { class: 'role-line' }, t('assembly.your_role', { role: t(`role.${myRole}`) })));
    if (myRole === 'convener' && (a.composition.by_role.convener || 0) <= 1) {
      // Leaving would always be refused (last-convener): say why instead.
      joinArea.append(h('p', { class: 'hint', id: 'sole-convener' }, t('assembly.sole_convener')));
    } else {
      const leave = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'leave-button' }, t('assembly.leave'));
      leave.addEventListener('click', async () => {
        if (!await confirmDialog({ title: t('confirm.leave.title'), body: t('confirm.leave.body', { assembly: a.title }), ok: t('confirm.leave.ok') })) return;
        leave.disabled = true;
        try {
          await api.patch(`/api/v1/assemblies/${enc(aid)}/members/${enc(myId)}`, { status: 'left' });
          flash(t('assembly.left'));
          ctx.refresh();
        } catch (e) { showErrorIn(err, e); leave.disabled = false; }
      });
      joinArea.append(leave, err);
    }
  } else if (myRole && myStatus === 'suspended') {
    // Suspended members can read but not act; rejoining is not theirs to do.
    joinArea.appendChild(h('p', { class: 'role-line' }, `${t('assembly.your_role', { role: t(`role.${myRole}`) })} · ${t('status.suspended')}`));
  } else if (!me) {
    joinArea.appendChild(h('p', {}, h('a', { href: `/login?next=${enc(location.pathname)}` }, t('assembly.login_to_join'))));
  } else if (a.join_policy === 'open') {
    const err = h('div', {});
    const btn = h('button', { type: 'button', class: 'button', id: 'join-button' }, t('assembly.join'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try {
        await api.post(`/api/v1/assemblies/${enc(aid)}/join`);
        flash(t('assembly.joined'));
        ctx.refresh();
      } catch (e) { showErrorIn(err, e); btn.disabled = false; }
    });
    joinArea.append(btn, err);
  } else {
    joinArea.appendChild(h('p', { class: 'muted' }, t('assembly.invite_only')));
  }

  const membersTable = members.length
    ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('assembly.members') }, h('table', { class: 'table stack', id: 'member-table' },
      h('caption', { class: 'visually-hidden' }, t('assembly.members')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('assembly.name')),
        h('th', { scope: 'col' }, t('assembly.role')),
        h('th', { scope: 'col' }, t('assembly.status')),
        h('th', { scope: 'col' }, t('assembly.country')),
        h('th', { scope: 'col' }, t('assembly.joined_at')),
        canManage ? h('th', { scope: 'col' }, t('members.manage')) : null)),
      h('tbody', {}, memberRows(members, aid, canManage, ctx.refresh))))
    : h('p', { class: 'empty' }, t('assembly.no_members'));

  return {
    title: a.title,
    node: h('article', { class: 'assembly' },
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', { dir: 'auto' }, a.title), assemblyBadges(a, false)),
        joinArea),
      h('div', { class: 'grid' },
        h('section', { class: 'card', 'aria-labelledby': 'about-h' },
          h('h2', { id: 'about-h' }, t('assembly.about')),
          a.description ? h('p', { class: 'description', dir: 'auto' }, a.description) : h('p', { class: 'muted' }, t('assembly.no_description')),
          h('p', {}, proposalsLink(a)),
          h('h3', {}, t('q.list.title')),
          h('p', {}, t('q.link.intro')),
          h('p', {}, questionsLink(a)),
          h('h3', {}, t('assembly.audit')),
          h('p', {}, t('assembly.audit_intro')),
          h('p', {}, h('a', { href: `/assemblies/${enc(aid)}/audit`, id: 'audit-link' }, t('assembly.audit'))),
          h('h3', {}, t('sel.link')),
          h('p', {}, t('sel.link.intro')),
          h('p', {}, h('a', { href: `/assemblies/${enc(aid)}/selections`, id: 'selections-link' }, t('sel.link')))),
        composition(a)),
      canManage ? inviteSection(aid, ctx.refresh) : null,
      canManage && invitations ? invitationsSection(aid, invitations, ctx.refresh, myRole) : null,
      canManage ? editSection(a, ctx.refresh) : null,
      canManage ? advancementSection(a, ctx.refresh) : null,
      canManage && myRole === 'convener' && a.witness_quorum !== undefined ? witnessSection(a, ctx.refresh) : null,
      h('section', { class: 'card', 'aria-labelledby': 'members-h' },
        h('h2', { id: 'members-h' }, t('assembly.members')),
        membersError ? errorBox(membersError) : membersTable)),
  };
}

// The invitation page says which assembly, who invited and with what role
// (GET /api/v1/invitations/{code}, no login needed), before and after
// logging in. Null when the server cannot tell (an older server).
async function previewInvitation(code) {
  try {
    return { preview: await api.get(`/api/v1/invitations/${enc(code)}`) };
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.problem.type?.endsWith('/invitation-not-found')) return { error: e };
    if (e instanceof ApiError && [404, 405, 501].includes(e.status)) return {};
    throw e;
  }
}

function invitationFacts(p) {
  return [
    h('p', { class: 'lead', id: 'invitation-summary' }, tNodes('invitation.summary', {
      inviter: bdi(p.invited_by.display_name),
      assembly: h('strong', {}, bdi(p.assembly.title)),
      role: i18n.inSentence(`role.${p.role}`),
    })),
    p.status === 'valid'
      ? h('p', { class: 'muted' }, t('invitation.expires', { date: i18n.formatDate(p.expires_at) }), ' ',
        t('invitation.uses_left', { n: p.uses_left }))
      : null,
  ];
}

export async function invitation(ctx) {
  const code = ctx.params[0];
  const { preview, error } = await previewInvitation(code);
  const head = [h('h1', {}, t('invitation.title'))];
  if (error) {
    return { title: t('invitation.title'), node: h('section', { class: 'card narrow' }, head, errorBox(error)) };
  }
  head.push(preview ? invitationFacts(preview) : h('p', {}, t('invitation.body')));
  if (preview && preview.status !== 'valid') {
    return {
      title: t('invitation.title'),
      node: h('section', { class: 'card narrow' }, head,
        h('div', { class: 'alert alert-error', role: 'alert', id: 'invitation-status' }, h('p', { class: 'alert-title' }, t(`invitation.status.${preview.status}`)))),
    };
  }
  if (!ctx.account) {
    const q = `?next=${enc(location.pathname)}`;
    return {
      title: t('invitation.title'),
      node: h('section', { class: 'card narrow' }, head,
        h('p', {}, t('invitation.login_first')),
        h('p', { class: 'actions' },
          h('a', { class: 'button', href: `/login${q}` }, t('nav.login')),
          h('a', { class: 'button button-secondary', href: `/register${q}` }, t('nav.register')))),
    };
  }
  const err = h('div', {});
  const btn = h('button', { type: 'button', class: 'button', id: 'accept-button' }, t('invitation.accept'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const res = await api.post(`/api/v1/invitations/${enc(code)}/accept`);
      flash(t('invitation.accepted'));
      go(`/assemblies/${enc(res.assembly_id)}`);
    } catch (e) {
      showErrorIn(err, e);
      btn.disabled = false;
      if (e instanceof ApiError) announce(e.title);
    }
  });
  return {
    title: t('invitation.title'),
    node: h('section', { class: 'card narrow' }, head, h('p', { class: 'actions' }, btn), err),
  };
}

export { safeNext };
