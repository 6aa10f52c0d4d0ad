// SPDX-License-Identifier: AGPL-3.0-or-later
// Hostile text is rendered inert (issue 10): HTML in titles, bodies and
// comments stays text, javascript:/data:/vbscript: links are shown as the
// text that was typed, real links carry rel="noopener noreferrer nofollow
// ugc", and bidi overrides neither reach the page nor reverse what
// follows. First the renderer alone in a real page (static/js/markdown.js),
// then the whole proposal page with hostile text stored by the server.
// Then the same page in Arabic, right to left, on a 390 px phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from './lib.mjs';
import { ok, person, join, open, sideways } from './proposals_lib.mjs';

const HOSTILE = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '[click me](javascript:window.__pwned=3)',
  '[CLICK](JaVaScRiPt:window.__pwned=4)',
  '[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD01PC9zY3JpcHQ+)',
  '[vb](vbscript:msgbox(1))',
  '<javascript:window.__pwned=6>',
  '[quote](https://example.org/" onmouseover="window.__pwned=7)',
  '**<b onclick="window.__pwned=8">bold</b>**',
  '> <iframe src="javascript:window.__pwned=9"></iframe>',
  'file \u202Egnp.exe\u202C and \u2067isolated\u2069 end',
  '[safe](https://example.org/ok) and <mailto:someone@example.org>',
].join('\n\n');

// Runs in the page: what the rendered node holds.
function inspect(root) {
  const allowed = new Set(['DIV', 'P', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'EM', 'STRONG', 'A', 'BR']);
  const tags = [...root.querySelectorAll('*')].map((e) => e.tagName);
  const attrs = [...root.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name));
  const links = [...root.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel'), text: a.textContent }));
  return {
    bad: tags.filter((x) => !allowed.has(x)),
    handlers: attrs.filter((x) => x.startsWith('on')),
    links,
    text: root.textContent,
    pwned: window.__pwned ?? null,
  };
}

let M; // a member
let aid;
let pid;

before(async () => { M = await person({ name: 'Mallory Evans', country: 'IE', languages: 'en' }); });
after(async () => { await M?.b.close(); });

function checkInert(r, where) {
  assert.deepEqual(r.bad, [], `${where}: elements from user text`);
  assert.deepEqual(r.handlers, [], `${where}: event handler attributes`);
  assert.equal(r.pwned, null, `${where}: script ran`);
  for (const l of r.links) {
    assert.match(l.href, /^(https?:\/\/|mailto:)/, `${where}: link ${l.href}`);
    assert.equal(l.rel, 'noopener noreferrer nofollow ugc');
  }
  assert.deepEqual(r.links.map((l) => l.href).sort(), ['https://example.org/ok', 'mailto:someone@example.org'], where);
  assert.ok(r.text.includes('<script>window.__pwned = 1</script>'), `${where}: HTML shown as text`);
  assert.ok(r.text.includes('[click me](javascript:window.__pwned=3)'), `${where}: javascript: link shown as typed`);
  assert.ok(r.text.includes('[data](data:text/html'), `${where}: data: link shown as typed`);
  assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(r.text), `${where}: bidi controls reached the page`);
  assert.ok(r.text.includes('file gnp.exe and isolated end'), where);
}

test('the renderer alone: hostile Markdown becomes inert DOM', async () => {
  await open(M.page, '/');
  await M.page.evaluate(async (src) => {
    const m = await import('/js/markdown.js');
    const el = m.renderMarkdown(src);
    el.id = 'hostile-render';
    document.querySelector('main').appendChild(el);
  }, HOSTILE);
  const r = await M.page.locator('#hostile-render').evaluate(inspect);
  checkInert(r, 'renderer');
});

test('a hostile proposal and comment, stored by the server, are inert on the page', async () => {
  const a = await ok(M.page, 'POST', '/api/v1/assemblies', { title: '<b>Bold</b> \u202Eylbmessa\u202C', visibility: 'public', join_policy: 'open', default_language: 'en' });
  aid = a.id;
  const p = await ok(M.page, 'POST', `/api/v1/assemblies/${aid}/proposals`, {
    title: '<img src=x onerror="window.__pwned=10"> \u202Elit\u202C title', body: HOSTILE, language: 'en',
  });
  pid = p.id;
  await ok(M.page, 'POST', `/api/v1/proposals/${pid}/comments`, { body: HOSTILE, language: 'en' });
  await open(M.page, `/proposals/${pid}`, '#comment-list li');
  const r = {
    body: await M.page.locator('#proposal-body-text').evaluate(inspect),
    comment: await M.page.locator('#comment-list li .comment-body .md').first().evaluate(inspect),
    ...await M.page.evaluate(() => ({
      title: document.querySelector('#proposal-title').textContent,
      titleKids: document.querySelector('#proposal-title').children.length,
      doc: document.title,
      pwned: window.__pwned ?? null,
    })),
  };
  checkInert(r.body, 'proposal body');
  checkInert(r.comment, 'comment');
  assert.equal(r.title, '<img src=x onerror="window.__pwned=10"> lit title');
  assert.equal(r.titleKids, 0);
  assert.ok(r.doc.startsWith('<img src=x'), r.doc);
  assert.equal(r.pwned, null);
  // Clicking the text that looks like a link goes nowhere.
  await M.page.getByText('[click me](javascript:window.__pwned=3)').first().click();
  assert.equal(await M.page.evaluate(() => window.__pwned ?? null), null);
  // The list shows the title as text too.
  await open(M.page, `/assemblies/${aid}/proposals`, '#proposal-list li');
  assert.equal(await M.page.locator('#proposal-list li h2 a').textContent(), '<img src=x onerror="window.__pwned=10"> lit title');
  assert.equal(await M.page.locator('#proposal-list li h2 img').count(), 0);
  assert.deepEqual(M.b.errors, []);
});

test('the proposal page in Arabic, right to left, at 390 and 1280 px', async () => {
  const R = await person({ name: 'رنا الخطيب', country: 'JO', languages: 'ar, en' });
  try {
    await join(R, aid);
    await ok(R.page, 'POST', `/api/v1/proposals/${pid}/comments`, { body: 'نحتاج إلى **مياه نظيفة** في كل قرية.\n\n- نافورات عامة\n- مراقبة الجودة', language: 'ar' });
    await R.page.evaluate(() => localStorage.setItem('pnyx.lang', 'ar'));
    for (const width of [390, 1280]) {
      await R.page.setViewportSize({ width, height: 844 });
      await open(R.page, `/proposals/${pid}`, '#comment-list li');
      assert.equal(await R.page.evaluate(() => document.documentElement.dir), 'rtl');
      assert.equal(await R.page.locator('#endorse-h').textContent(), 'التأييد');
      // The Arabic comment runs right to left by itself; the English text left to right.
      const dirs = await R.page.evaluate(() => {
        const ar = [...document.querySelectorAll('#comment-list .md p')].find((p) => /مياه/.test(p.textContent));
        const en = document.querySelector('#proposal-body-text p');
        return { ar: getComputedStyle(ar).direction, en: getComputedStyle(en).direction };
      });
      assert.deepEqual(dirs, { ar: 'rtl', en: 'ltr' });
      const s = await sideways(R.page);
      assert.ok(s.scroll <= s.inner, `Arabic ${width} px scrolls sideways: ${s.scroll} > ${s.inner}`);
      await shot(R.page, `proposal-ar-${width}`);
      // The list too, in Arabic at both widths.
      await open(R.page, `/assemblies/${aid}/proposals`, '#proposal-list li');
      assert.equal(await R.page.evaluate(() => document.documentElement.dir), 'rtl');
      const l = await sideways(R.page);
      assert.ok(l.scroll <= l.inner, `Arabic list ${width} px scrolls sideways: ${l.scroll} > ${l.inner}`);
      // A long unbroken title wraps inside its card: right to left, a card
      // pushed past the left edge would not scroll, it would be cut.
      const card = await R.page.locator('#proposal-list li').first().evaluate((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right }; });
      assert.ok(card.left >= 0 && card.right <= width, `Arabic list ${width} px: the card spans ${card.left}..${card.right}`);
      await shot(R.page, `proposal-list-ar-${width}`);
    }
    assert.deepEqual(R.b.errors, []);
  } finally { await R.b.close(); }
});
