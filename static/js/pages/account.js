// SPDX-License-Identifier: AGPL-3.0-or-later
// Register, log in, home.
import { h } from '../dom.js';
import * as i18n from '../i18n.js';
import { t } from '../i18n.js';
import * as session from '../session.js';
import { api } from '../api.js';
import { field, input, formAlert, showErrors, clearErrors, busy } from '../ui.js';
import { COUNTRY_CODES } from '../countries.js';
import { languagesPicker, LANGUAGE_TAGS } from '../languages.js';
import { go, flash, safeNext } from './common.js';

function countrySelect() {
  const coll = i18n.collator();
  const opts = COUNTRY_CODES.map((c) => [c, i18n.countryName(c)]).sort((a, b) => coll.compare(a[1], b[1]));
  return h('select', { name: 'country', autocomplete: 'country', required: true },
    h('option', { value: '' }, t('field.country.choose')),
    opts.map(([c, name]) => h('option', { value: c }, name)));
}

// The account's languages start as the interface language, then the
// browser's; kept across re-renders (a language switch) while the page lives.
let chosenLanguages = null;
function defaultLanguages() {
  const browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  const out = [];
  for (const tag of [i18n.lang(), ...browser]) {
    const known = LANGUAGE_TAGS.find((x) => x.toLowerCase() === String(tag).toLowerCase())
      || LANGUAGE_TAGS.find((x) => x === String(tag).split('-')[0].toLowerCase());
    if (known && !out.includes(known)) out.push(known);
  }
  return out.slice(0, 10);
}

// Empty required fields are reported here, in the UI language, instead of
// the browser's own bubbles; every other rule is the server's to judge.
function requireFilled(form, names, filled = {}) {
  clearErrors(form);
  let first = null;
  for (const n of names) {
    const ctl = form.elements[n];
    if (n in filled ? filled[n] : ctl.value.trim() !== '') continue;
    ctl.setAttribute('aria-invalid', 'true');
    const slot = form.querySelector(`#${CSS.escape(ctl.id)}-error`);
    slot.textContent = t('error.required');
    slot.hidden = false;
    first = first || ctl;
  }
  if (first) {
    const alert = form.querySelector('.alert-error');
    alert.appendChild(h('p', { class: 'alert-title' }, t('error.fields')));
    alert.hidden = false;
    first.focus();
    return false;
  }
  return true;
}

export async function register() {
  if (!chosenLanguages) chosenLanguages = defaultLanguages();
  const langs = languagesPicker('languages', chosenLanguages);
  const langField = langs.attach(field('field.languages', langs.control, 'field.languages.hint'));
  const form = h('form', { class: 'form', novalidate: true, id: 'register-form' },
    formAlert(),
    field('field.display_name', input('display_name', { autocomplete: 'name', maxlength: 80, required: true, dir: 'auto' }), 'field.display_name.hint'),
    field('field.email', input('email', { type: 'email', autocomplete: 'email', inputmode: 'email', required: true, spellcheck: 'false', dir: 'ltr' })),
    field('field.password', input('password', { type: 'password', autocomplete: 'new-password', minlength: 10, maxlength: 256, required: true }), 'field.password.hint'),
    field('field.country', countrySelect(), 'field.country.hint'),
    langField,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('register.submit'))));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    langs.take();
    if (!requireFilled(form, ['display_name', 'email', 'password', 'country', 'languages'], { languages: chosenLanguages.length > 0 })) return;
    const f = form.elements;
    const body = {
      email: f.email.value.trim(),
      password: f.password.value,
      display_name: f.display_name.value.trim(),
      country: f.country.value,
      languages: [...chosenLanguages],
    };
    await busy(form, async () => {
      try {
        await api.post('/api/v1/accounts', body);
        await session.login(body.email, body.password);
        // The person registered in the language on screen: it stays, and is
        // remembered, whatever languages the account lists.
        await i18n.choose(i18n.lang());
        chosenLanguages = null;
        flash(t('register.done', { name: body.display_name }));
        go(safeNext());
      } catch (e) {
        showErrors(form, e);
      }
    });
  });

  return {
    title: t('register.title'),
    node: h('section', { class: 'card narrow' },
      h('h1', {}, t('register.title')),
      h('p', { class: 'lead' }, t('register.intro')),
      form,
      h('p', { class: 'aside' }, t('register.have_account'), ' ', h('a', { href: `/login${location.search}` }, t('nav.login')))),
  };
}

export async function login() {
  const form = h('form', { class: 'form', novalidate: true, id: 'login-form' },
    formAlert(),
    field('field.email', input('email', { type: 'email', autocomplete: 'username', inputmode: 'email', required: true, spellcheck: 'false', dir: 'ltr' })),
    field('field.password', input('password', { type: 'password', autocomplete: 'current-password', required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('login.submit'))));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!requireFilled(form, ['email', 'password'])) return;
    await busy(form, async () => {
      try {
        const acct = await session.login(form.elements.email.value.trim(), form.elements.password.value);
        await i18n.apply(i18n.resolve(acct && acct.languages));
        flash(t('login.done'));
        go(safeNext());
      } catch (e) {
        showErrors(form, e);
      }
    });
  });

  return {
    title: t('login.title'),
    node: h('section', { class: 'card narrow' },
      h('h1', {}, t('login.title')),
      form,
      h('p', { class: 'aside' }, t('login.no_account'), ' ', h('a', { href: `/register${location.search}` }, t('nav.register')))),
  };
}

export async function home(ctx) {
  const acct = ctx.account;
  if (!acct) {
    return {
      title: t('home.title'),
      node: h('section', { class: 'hero' },
        h('h1', {}, t('home.title')),
        h('p', { class: 'lead' }, t('home.anon')),
        h('p', { class: 'actions' },
          h('a', { class: 'button', href: '/register' }, t('nav.register')),
          h('a', { class: 'button button-secondary', href: '/login' }, t('nav.login')),
          h('a', { class: 'button button-secondary', href: '/assemblies' }, t('home.go_assemblies'))),
        h('ul', { class: 'features' }, ['f1', 'f2', 'f3'].map((f) => h('li', { class: 'feature' },
          h('h2', {}, t(`home.${f}.title`)), h('p', {}, t(`home.${f}.body`)))))),
    };
  }
  const langs = i18n.formatList(acct.languages.map((l) => i18n.languageName(l)));
  return {
    title: t('home.title'),
    node: h('section', {},
      h('h1', {}, t('home.title')),
      h('p', { class: 'lead', id: 'whoami' }, t('home.signed_in_as', { name: acct.display_name })),
      h('div', { class: 'card' },
        h('h2', {}, t('home.account')),
        h('dl', { class: 'facts' },
          h('dt', {}, t('home.email')), h('dd', {}, acct.email),
          h('dt', {}, t('home.country')), h('dd', {}, `${i18n.countryName(acct.country)} (${acct.country})`),
          h('dt', {}, t('home.languages')), h('dd', {}, langs),
          acct.created_at ? [h('dt', {}, t('home.member_since')), h('dd', {}, i18n.formatDate(acct.created_at))] : null)),
      h('p', { class: 'actions' }, h('a', { class: 'button', href: '/assemblies' }, t('home.go_assemblies')))),
  };
}
