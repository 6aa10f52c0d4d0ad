// SPDX-License-Identifier: AGPL-3.0-or-later
// Assemblies: list, create, the assembly page (composition, members, join,
// invite link) and the accept-invitation route.
import { h, clear } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { field, input, select, formAlert, showErrors, busy, errorBox, badge, announce } from '../ui.js';
import { go, flash, loginRequired, safeNext } from './common.js';

const enc = encodeURIComponent;
const MANAGERS = new Set(['convener', 'facilitator']);

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
    const items = res.items || [];
    for (const a of items) list.appendChild(assemblyItem(a));
    next = res.next ?? null;
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
    field('field.title', input('title', { required: true, maxlength: 200, value: values.title ?? '', dir: 'auto' })),
    field('field.description', h('textarea', { name: 'description', rows: 5, dir: 'auto' })),
    field('field.visibility', select('visibility', [['public', t('visibility.public')], ['members', t('visibility.members')]])),
    field('field.join_policy', select('join_policy', [['open', t('join.open')], ['invite', t('join.invite')]])),
    field('field.default_language', input('default_language', { value: values.default_language ?? i18n.lang(), spellcheck: 'false', autocomplete: 'off', dir: 'ltr' }), 'field.default_language.hint'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t(submitKey))));
  const f = form.elements;
  f.description.value = values.description ?? '';
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
    for (const [k, val] of Object.entries(body)) if (val !== (a[k] ?? '')) changed[k] = val;
    if (!Object.keys(changed).length) return;
    await api.patch(`/api/v1/assemblies/${enc(a.id)}`, changed);
    flash(t('edit.saved'));
    refresh();
  });
  return h('details', { class: 'card edit-assembly' },
    h('summary', {}, h('h2', { class: 'summary-h' }, t('edit.title'))), form);
}

// Composition arrives as a list of {country|role, count} or as a map;
// normalise to [[key, count], ...] sorted by count, largest first.
function pairs(x, key) {
  if (!x) return [];
  let out;
  if (Array.isArray(x)) out = x.map((e) => [e[key] ?? e.key ?? e.code, Number(e.count ?? e.members ?? e.n ?? 0)]);
  else out = Object.entries(x).map(([k, v]) => [k, Number(v)]);
  return out.filter(([k]) => k).sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
}

function composition(a) {
  const c = a.composition || a;
  const byCountry = pairs(c.by_country ?? c.countries_breakdown ?? c.member_counts_by_country, 'country');
  const byRole = pairs(c.by_role ?? c.member_counts_by_role, 'role');
  const distinct = c.distinct_countries ?? c.country_count ?? c.countries ?? byCountry.length;
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
    h('p', { class: 'muted' }, t('assembly.countries', { n: i18n.formatNumber(typeof distinct === 'number' ? distinct : byCountry.length) })),
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

// One row per member; managers get a small form per row to change the
// role or status (PATCH …/members/{account_id}); the server enforces who
// may do what (only conveners make conveners, the last convener stays).
function memberRows(items, aid, manage, refresh) {
  return items.map((m) => {
    const name = m.display_name ?? m.account?.display_name ?? String(m.account_id);
    const id = m.account_id ?? m.id;
    let actions = null;
    if (manage) {
      const role = select('role', ['convener', 'facilitator', 'member', 'observer'].map((r) => [r, t(`role.${r}`)]), { 'aria-label': t('members.role_of', { name }) });
      role.value = m.role;
      const status = select('status', ['active', 'suspended', 'left'].map((x) => [x, t(`status.${x}`)]), { 'aria-label': t('members.status_of', { name }) });
      status.value = m.status;
      const err = h('div', { class: 'row-error' });
      const form = h('form', { class: 'row-form', novalidate: true },
        role, status,
        h('button', { type: 'submit', class: 'button button-small button-secondary', 'aria-label': t('members.save_for', { name }) }, t('members.save')), err);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const body = {};
        if (role.value !== m.role) body.role = role.value;
        if (status.value !== m.status) body.status = status.value;
        if (!Object.keys(body).length) return;
        await busy(form, async () => {
          try {
            await api.patch(`/api/v1/assemblies/${enc(aid)}/members/${enc(id)}`, body);
            flash(t('members.saved'));
            refresh();
          } catch (e) {
            clear(err).appendChild(errorBox(e));
            err.querySelector('[role=alert]')?.setAttribute('tabindex', '-1');
            err.querySelector('[role=alert]')?.focus();
          }
        });
      });
      actions = h('td', {}, form);
    }
    return h('tr', { 'data-account': id ?? '' },
      h('th', { scope: 'row' }, h('bdi', {}, name)),
      h('td', {}, i18n.has(`role.${m.role}`) ? t(`role.${m.role}`) : m.role),
      h('td', {}, i18n.has(`status.${m.status}`) ? t(`status.${m.status}`) : (m.status ?? '')),
      h('td', {}, m.country ? `${i18n.countryName(m.country)} (${m.country})` : ''),
      h('td', {}, i18n.formatDate(m.joined_at)),
      actions);
  });
}

async function loadAllMembers(aid) {
  const items = [];
  let after = null;
  for (let i = 0; i < 20; i += 1) { // at most 4,000 members on one page view
    const res = await api.get(`/api/v1/assemblies/${enc(aid)}/members`, { query: { after, limit: 200 } });
    items.push(...(res.items || []));
    after = res.next ?? null;
    if (!after) break;
  }
  return items;
}

function inviteSection(aid) {
  const out = h('div', { class: 'invite-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'form form-inline', novalidate: true, id: 'invite-form' },
    formAlert(),
    field('invite.role', select('role', ['member', 'observer', 'facilitator'].map((r) => [r, t(`role.${r}`)]))),
    field('invite.max_uses', input('max_uses', { type: 'number', min: 1, max: 10000, value: '10', inputmode: 'numeric' })),
    field('invite.expires_days', input('expires_days', { type: 'number', min: 1, max: 365, value: '14', inputmode: 'numeric' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('invite.create'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    const days = Math.max(1, Number(f.expires_days.value) || 14);
    const body = {
      role: f.role.value,
      max_uses: Math.max(1, Number(f.max_uses.value) || 1),
      expires_at: new Date(Date.now() + days * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    await busy(form, async () => {
      try {
        const inv = await api.post(`/api/v1/assemblies/${enc(aid)}/invitations`, body);
        const link = `${location.origin}/invitations/${enc(inv.code)}`;
        const box = h('input', { type: 'text', readonly: true, value: link, id: 'invite-link', class: 'mono' });
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

export async function assembly(ctx) {
  const aid = ctx.params[0];
  const a = await api.get(`/api/v1/assemblies/${enc(aid)}`);
  let members = [];
  let membersError = null;
  try { members = await loadAllMembers(aid); } catch (e) { membersError = e; }
  const me = ctx.account;
  const myId = me && (me.id ?? me.account_id);
  const mine = members.find((m) => (m.account_id ?? m.id) === myId) || null;
  // The assembly view carries the caller's standing (my_role, my_status);
  // the member list is the fallback for servers that omit it.
  const myRole = a.my_role ?? a.membership?.role ?? (mine ? mine.role : null);
  const myStatus = a.my_status ?? a.membership?.status ?? (mine ? mine.status : null) ?? (myRole ? 'active' : null);
  const isActive = !!myRole && myStatus === 'active';
  const canManage = isActive && MANAGERS.has(myRole);

  const joinArea = h('div', { class: 'join-area' });
  if (myRole && isActive) {
    const err = h('div', {});
    const leave = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'leave-button' }, t('assembly.leave'));
    leave.addEventListener('click', async () => {
      leave.disabled = true;
      try {
        await api.patch(`/api/v1/assemblies/${enc(aid)}/members/${enc(myId)}`, { status: 'left' });
        flash(t('assembly.left'));
        ctx.refresh();
      } catch (e) { clear(err).appendChild(errorBox(e)); leave.disabled = false; }
    });
    joinArea.append(h('p', { class: 'role-line' }, t('assembly.your_role', { role: t(`role.${myRole}`) })), leave, err);
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
      } catch (e) { clear(err).appendChild(errorBox(e)); btn.disabled = false; }
    });
    joinArea.append(btn, err);
  } else {
    joinArea.appendChild(h('p', { class: 'muted' }, t('assembly.invite_only')));
  }

  const membersTable = members.length
    ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('assembly.members') }, h('table', { class: 'table', id: 'member-table' },
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
          h('h3', {}, t('assembly.audit')),
          h('p', {}, t('assembly.audit_intro')),
          h('p', {}, h('a', { href: `/assemblies/${enc(aid)}/audit`, id: 'audit-link' }, t('assembly.audit')))),
        composition(a)),
      canManage ? inviteSection(aid) : null,
      canManage ? editSection(a, ctx.refresh) : null,
      h('section', { class: 'card', 'aria-labelledby': 'members-h' },
        h('h2', { id: 'members-h' }, t('assembly.members')),
        membersError ? errorBox(membersError) : membersTable)),
  };
}

export async function invitation(ctx) {
  const code = ctx.params[0];
  if (!ctx.account) {
    const q = `?next=${enc(location.pathname)}`;
    return {
      title: t('invitation.title'),
      node: h('section', { class: 'card narrow' },
        h('h1', {}, t('invitation.title')),
        h('p', {}, t('invitation.body')),
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
      const aid = res?.assembly_id ?? res?.assembly?.id ?? res?.membership?.assembly_id;
      flash(t('invitation.accepted'));
      go(aid ? `/assemblies/${enc(aid)}` : '/assemblies');
    } catch (e) {
      clear(err).appendChild(errorBox(e));
      err.querySelector('[role=alert]')?.setAttribute('tabindex', '-1');
      err.querySelector('[role=alert]')?.focus();
      btn.disabled = false;
      if (e instanceof ApiError) announce(e.problem.title);
    }
  });
  return {
    title: t('invitation.title'),
    node: h('section', { class: 'card narrow' },
      h('h1', {}, t('invitation.title')),
      h('p', {}, t('invitation.body')),
      h('p', { class: 'actions' }, btn), err),
  };
}

export { safeNext };
