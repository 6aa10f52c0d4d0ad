// SPDX-License-Identifier: AGPL-3.0-or-later
// Browser test 2 (issue 4): a convener creates an invite-only assembly and
// an invite link; a second person (own browser profile) registers and
// accepts it; both appear in the member list; the audit page shows two
// member.joined entries, and the browser verifies the checkpoint's Ed25519
// signature and an entry's RFC 9162 inclusion proof.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, shot, unique, registerViaUi } from './lib.mjs';

let alice;
let bob;
let pa;
let pb;
let assemblyPath;
let inviteLink;
const title = `Baltic Sea Citizens' Assembly ${unique('a').slice(-6)}`;

before(async () => {
  alice = await launch();
  bob = await launch();
  pa = alice.ctx.pages()[0] || await alice.ctx.newPage();
  pb = bob.ctx.pages()[0] || await bob.ctx.newPage();
});

after(async () => {
  await alice?.close();
  await bob?.close();
});

test('a convener creates an assembly and an invite link', async () => {
  await registerViaUi(pa, { name: 'Alice Lindqvist', email: `${unique('alice')}@example.org`, password: 'maple syrup lighthouse 42', country: 'SE', languages: 'sv, en' });
  await pa.goto(`${BASE}/assemblies`);
  await pa.getByRole('link', { name: 'Create an assembly' }).click();
  await pa.getByLabel('Title').fill(title);
  await pa.getByLabel('Description').fill('Citizens from the Baltic rim deliberate on shared fisheries, shipping and coastal protection.');
  await pa.getByLabel('Who can see it').selectOption('public');
  await pa.getByLabel('How people join').selectOption('invite');
  await pa.getByLabel('Default language').selectOption('en');
  await pa.getByRole('button', { name: 'Create assembly' }).click();
  await pa.getByRole('heading', { level: 1, name: title }).waitFor();
  assemblyPath = new URL(pa.url()).pathname;
  assert.match(assemblyPath, /^\/assemblies\/[^/]+$/);
  await pa.locator('#invite-form').waitFor();
  await pa.getByLabel('Role for people who accept').selectOption('member');
  await pa.getByLabel('How many people may use it').fill('5');
  await pa.getByRole('button', { name: 'Create invite link' }).click();
  await pa.locator('#invite-link').waitFor();
  inviteLink = await pa.locator('#invite-link').inputValue();
  assert.match(inviteLink, /\/invitations\/[^/]+$/);
  assert.deepEqual(alice.errors, []);
});

test('a second person joins through the invite link', async () => {
  assert.ok(inviteLink, 'invite link from the previous step');
  await registerViaUi(pb, { name: 'Bogdan Nowak', email: `${unique('bogdan')}@example.org`, password: 'river stones and amber 9', country: 'PL', languages: 'pl, en' });
  await pb.goto(inviteLink);
  await pb.getByRole('button', { name: 'Accept invitation' }).click();
  await pb.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.equal(new URL(pb.url()).pathname, assemblyPath);
  const rows = pb.locator('#member-table tbody tr');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  assert.deepEqual(bob.errors, []);
});

test('both members are listed, with the composition by country', async () => {
  await pa.goto(`${BASE}${assemblyPath}`);
  await pa.locator('#member-table').waitFor();
  const names = await pa.locator('#member-table tbody th').allTextContents();
  assert.ok(names.includes('Alice Lindqvist'), `members: ${names}`);
  assert.ok(names.includes('Bogdan Nowak'), `members: ${names}`);
  const roles = await pa.locator('#member-table tbody tr td:nth-child(2)').allTextContents();
  assert.ok(roles.includes('Convener') && roles.includes('Member'), `roles: ${roles}`);
  const countries = await pa.locator('#composition-table tbody th').allTextContents();
  assert.equal(countries.length, 2, `composition rows: ${countries}`);
  // A convener changes a member's role from the member list.
  await pa.getByLabel('Role of Bogdan Nowak').selectOption('facilitator');
  await pa.getByRole('button', { name: 'Save changes for Bogdan Nowak' }).click();
  await pa.getByText('Changes saved.').waitFor();
  const bogdanRow = pa.locator('#member-table tbody tr', { hasText: 'Bogdan Nowak' });
  assert.equal((await bogdanRow.locator('td').first().textContent()).trim(), 'Facilitator');
  // A convener edits the description (PATCH with only the changed field).
  await pa.getByText('Edit this assembly').click();
  await pa.locator('#edit-assembly-form').getByLabel('Description').fill('Fisheries, shipping, coastal protection and the energy transition.');
  await pa.getByRole('button', { name: 'Save changes', exact: true }).click();
  await pa.getByText('The assembly has been updated.').waitFor();
  assert.match(await pa.locator('.description').textContent(), /energy transition/);
  await shot(pa, 'assembly');
  assert.deepEqual(alice.errors, []);
});

test('the audit page shows two member.joined entries and verifies', async () => {
  await pa.getByRole('link', { name: 'Audit log' }).last().click();
  await pa.locator('#audit-list').waitFor();
  await pa.locator('#checkpoint-status .verdict:not([data-status=checking])').waitFor();
  assert.equal(await pa.locator('#checkpoint-status .verdict').getAttribute('data-status'), 'verified',
    await pa.locator('#checkpoint-status').textContent());
  const joined = pa.locator('#audit-list li[data-kind="member.joined"]');
  assert.equal(await joined.count(), 2);
  // Each entry reads as a sentence with the member's name and a local time;
  // the canonical JSON is behind a disclosure.
  assert.match(await joined.nth(1).locator('.audit-sentence').textContent(), /^Bogdan Nowak joined as member through an invitation\.$/);
  assert.match(await joined.nth(0).locator('.audit-sentence').textContent(), /^Alice Lindqvist joined as convener\.$/);
  assert.equal(await joined.nth(1).locator('details pre.entry').isVisible(), false);
  await joined.nth(1).getByText('Canonical JSON').click();
  assert.match(await joined.nth(1).locator('details pre.entry').textContent(), /"kind":"member.joined"/);
  // Verify the inclusion of the second member.joined entry (Bogdan's).
  await joined.nth(1).getByRole('button').click();
  await joined.nth(1).locator('#inclusion-status .verdict').waitFor();
  assert.equal(await pa.locator('#inclusion-status .verdict').getAttribute('data-status'), 'verified',
    await pa.locator('#inclusion-result').textContent());
  // And the first entry of the log (a different position in the tree).
  // The result appears inside the entry that was verified.
  await pa.locator('#audit-list li').first().getByRole('button', { name: 'Verify inclusion of entry 1' }).click();
  await pa.locator('#audit-list li[data-seq="1"] #inclusion-status .verdict:not([data-status=checking])').waitFor();
  assert.equal(await pa.locator('#inclusion-status .verdict').getAttribute('data-status'), 'verified');
  // First visit: the verified checkpoint is remembered for the next one.
  assert.equal(await pa.locator('#consistency-status .verdict').getAttribute('data-status'), 'info');
  await shot(pa, 'audit');
  assert.deepEqual(alice.errors, []);
});

test('after the log grows, the new checkpoint is proved consistent with the one seen before', async () => {
  await pa.goto(`${BASE}${assemblyPath}`);
  await pa.getByRole('button', { name: 'Create invite link' }).click();
  await pa.locator('#invite-link').waitFor();
  await pa.goto(`${BASE}${assemblyPath}/audit`);
  await pa.locator('#consistency-status .verdict:not([data-status=checking])').waitFor();
  assert.equal(await pa.locator('#checkpoint-status .verdict').getAttribute('data-status'), 'verified');
  assert.equal(await pa.locator('#consistency-status .verdict').getAttribute('data-status'), 'verified',
    await pa.locator('#consistency-status').textContent());
  const m = /(\d+) entries; now: (\d+) entries/.exec(await pa.locator('#consistency-status').textContent());
  assert.ok(m && Number(m[1]) < Number(m[2]), 'the log grew between the two checkpoints');
  assert.deepEqual(alice.errors, []);
});

test('anyone logged in can join an open assembly with the Join button', async () => {
  await pa.goto(`${BASE}/assemblies/new`);
  const openTitle = `North Sea Energy Forum ${unique('o').slice(-6)}`;
  await pa.getByLabel('Title').fill(openTitle);
  await pa.getByLabel('How people join').selectOption('open');
  await pa.getByRole('button', { name: 'Create assembly' }).click();
  await pa.getByRole('heading', { level: 1, name: openTitle }).waitFor();
  const openPath = new URL(pa.url()).pathname;
  await pb.goto(`${BASE}${openPath}`);
  await pb.getByRole('button', { name: 'Join this assembly' }).click();
  await pb.getByText('Your role: Member').waitFor();
  assert.equal(await pb.locator('#member-table tbody tr').count(), 2);
  assert.equal(await pb.getByRole('button', { name: 'Join this assembly' }).count(), 0);
  // Members may leave; the Join button comes back.
  // Leaving asks first; Cancel keeps the membership.
  await pb.getByRole('button', { name: 'Leave this assembly' }).click();
  const dialog = pb.getByRole('dialog', { name: 'Leave this assembly?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await pb.evaluate(() => document.activeElement.id), 'leave-button', 'focus returns to the button');
  await pb.getByRole('button', { name: 'Leave this assembly' }).click();
  await pb.getByRole('dialog').getByRole('button', { name: 'Leave', exact: true }).click();
  await pb.getByRole('button', { name: 'Join this assembly' }).waitFor();
  // A non-member again, Bob sees active members only; Alice, a member, sees him as left.
  assert.doesNotMatch(await pb.locator('#member-table').textContent(), /Left/);
  await pa.reload();
  await pa.locator('#member-table').getByRole('cell', { name: 'Left', exact: true }).waitFor();
  assert.deepEqual([...alice.errors, ...bob.errors], []);
});
