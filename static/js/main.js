// SPDX-License-Identifier: AGPL-3.0-or-later
// App shell: client-side routes over the History API (the server answers
// every non-/api path with index.html), the header navigation, the
// language switcher, and focus management on page change.
import { h, clear } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import * as session from './session.js';
import { errorBox, takeNotice, announce } from './ui.js';
import * as pages from './pages/index.js';

const ROUTES = [
  [/^\/$/, pages.home],
  [/^\/register$/, pages.register],
  [/^\/login$/, pages.login],
  [/^\/assemblies$/, pages.assemblies],
  [/^\/assemblies\/new$/, pages.createAssembly],
  [/^\/assemblies\/([^/]+)\/audit$/, pages.audit],
  // Proposals and deliberation (issue 10).
  [/^\/assemblies\/([^/]+)\/proposals$/, pages.proposalList],
  [/^\/assemblies\/([^/]+)\/proposals\/new$/, pages.newProposal],
  [/^\/proposals\/([^/]+)$/, pages.proposal],
  [/^\/proposals\/([^/]+)\/edit$/, pages.editProposal],
  [/^\/proposals\/([^/]+)\/translate$/, pages.translateProposal],
  // Questions, ballots and results (issue 11).
  [/^\/assemblies\/([^/]+)\/questions$/, pages.questionList],
  [/^\/assemblies\/([^/]+)\/questions\/new$/, pages.newQuestion],
  [/^\/questions\/([^/]+)$/, pages.question],
  [/^\/questions\/([^/]+)\/board$/, pages.questionBoard],
  [/^\/questions\/([^/]+)\/edit$/, pages.editQuestion],
  [/^\/questions\/([^/]+)\/translate$/, pages.translateQuestion],
  [/^\/assemblies\/([^/]+)\/selections$/, pages.selections],
  [/^\/assemblies\/([^/]+)\/selections\/([^/]+)$/, pages.selection],
  [/^\/assemblies\/([^/]+)\/selections\/([^/]+)\/check$/, pages.selectionCheck],
  [/^\/assemblies\/([^/]+)$/, pages.assembly],
  [/^\/invitations\/([^/]+)$/, pages.invitation],
];

let renderSeq = 0;

// A malformed %-escape in the address must not break the app.
function safeDecode(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  return render();
}

function renderNav() {
  const nav = document.getElementById('site-nav');
  nav.setAttribute('aria-label', t('nav.label'));
  const acct = session.current();
  const here = location.pathname;
  const link = (href, key) => h('a', { href, 'aria-current': here === href ? 'page' : null }, t(key));
  clear(nav).appendChild(h('ul', {},
    h('li', {}, link('/', 'nav.home')),
    h('li', {}, link('/assemblies', 'nav.assemblies')),
    acct
      ? [h('li', { class: 'nav-user' }, h('span', { class: 'nav-name' }, acct.display_name || acct.email)),
         h('li', {}, h('button', { type: 'button', class: 'link-button', id: 'logout-button', onclick: onLogout }, t('nav.logout')))]
      : [h('li', {}, link('/login', 'nav.login')),
         h('li', {}, h('a', { href: '/register', class: 'nav-cta', 'aria-current': here === '/register' ? 'page' : null }, t('nav.register')))]));
}

async function onLogout() {
  try {
    await session.logout();
  } catch (e) {
    const main = document.getElementById('main');
    main.prepend(errorBox(e));
    return;
  }
  pages.flash(t('logout.done'));
  navigate('/');
}

function renderChrome() {
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('tagline').textContent = t('app.tagline');
  document.getElementById('footer-note').textContent = t('footer.note');
  document.getElementById('lang-label').textContent = t('lang.label');
  const sel = document.getElementById('lang-select');
  if (!sel.options.length) {
    for (const code of i18n.SUPPORTED) {
      // Each language named in itself, so anyone can find their own.
      sel.appendChild(h('option', { value: code, lang: code }, i18n.AUTONYMS[code]));
    }
    sel.addEventListener('change', async () => {
      // Re-rendering in the new language must not lose what was typed.
      const kept = snapshotForms();
      await i18n.choose(sel.value);
      await render({ keepFocus: true });
      restoreForms(kept);
    });
  }
  sel.value = i18n.lang();
  renderNav();
}

function snapshotForms() {
  const out = [];
  for (const form of document.querySelectorAll('main form[id]')) {
    for (const el of form.elements) {
      if (el.name && 'value' in el && el.type !== 'submit' && el.type !== 'button') out.push([form.id, el.name, el.value]);
    }
  }
  return out;
}

function restoreForms(kept) {
  for (const [formId, name, value] of kept) {
    const el = document.getElementById(formId)?.elements.namedItem(name);
    if (el && 'value' in el) el.value = value;
  }
}

// A page that takes longer than a blink shows that it is coming: main is
// marked aria-busy and a progress bar appears at the top of the window.
const PROGRESS_DELAY_MS = 150;
function startProgress() {
  const main = document.getElementById('main');
  const timer = setTimeout(() => {
    main.setAttribute('aria-busy', 'true');
    let bar = document.getElementById('page-progress');
    if (!bar) {
      bar = h('div', { id: 'page-progress', class: 'page-progress', role: 'progressbar' }, h('span', { class: 'page-progress-bar' }));
      document.body.prepend(bar);
    }
    bar.setAttribute('aria-label', t('loading'));
    bar.hidden = false;
  }, PROGRESS_DELAY_MS);
  return (latest) => {
    clearTimeout(timer);
    if (!latest) return; // the newer navigation owns the indicator
    main.removeAttribute('aria-busy');
    const bar = document.getElementById('page-progress');
    if (bar) bar.hidden = true;
  };
}

async function render({ keepFocus = false } = {}) {
  const seq = ++renderSeq;
  renderChrome();
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  let page = pages.notFound;
  let params = [];
  for (const [re, p] of ROUTES) {
    const m = re.exec(path);
    if (m) { page = p; params = m.slice(1).map(safeDecode); break; }
  }
  const ctx = { params, navigate, account: session.current(), refresh: () => render({ keepFocus: true }) };
  let node;
  let title;
  const stopProgress = startProgress();
  try {
    const out = await page(ctx);
    node = out.node;
    title = out.title;
  } catch (e) {
    if (e && e.status === 404) {
      // Unknown or invisible resource (members-only assemblies are 404 to outsiders).
      const nf = await pages.notFound(ctx);
      node = nf.node;
      title = nf.title;
    } else {
      title = t('error.generic');
      node = h('div', {}, h('h1', { tabindex: '-1' }, t('error.generic')), errorBox(e));
    }
  }
  stopProgress(seq === renderSeq);
  if (seq !== renderSeq) return; // a newer navigation won
  clear(main);
  const n = takeNotice();
  if (n) main.appendChild(h('div', { class: 'alert alert-info', role: 'status' }, n));
  main.appendChild(node);
  document.title = title ? `${title} · Pnyx` : 'Pnyx';
  renderNav();
  if (!keepFocus) {
    // Move focus to the page heading so keyboard and screen-reader users
    // start at the new content, as after a full page load.
    const h1 = main.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
    announce(title || 'Pnyx');
  }
}

// Same-origin links navigate inside the app.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.hash && url.pathname === location.pathname) return; // skip link, in-page anchors
  ev.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => render());

async function boot() {
  // Fetch the likely catalogues while asking who is logged in.
  const guess = Promise.all([i18n.load('en'), i18n.load(i18n.resolve(null))]).catch(() => {});
  let acct = null;
  try { acct = await session.load(); } catch { acct = null; }
  await guess;
  await i18n.apply(i18n.resolve(acct && acct.languages));
  await render({ keepFocus: true });
  document.body.classList.add('ready');
}

pages.setNavigate(navigate);
boot();
