// The Toppings page in Chromium against a real server: a topping folder pushed by upload (the
// example topping's files, copied to a temporary folder), a push with several problems showing
// all of them, the list with functions, rules and connections, the publish preview, publishing,
// production's pending connections and one authorized through its popup (Relish's own CRM
// consent page), uninstalling; and the other organization's developer never sees the topping.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rows, startConsole, viewports } from './harness.mjs';

const kNs = 'biginandbooksconnectionnew';
const kBigin = `${kNs}__biginconnection`;
const kBooks = `${kNs}__booksconnection`;

// The example topping as a folder a user would choose, with a file the push leaves out.
const temp = mkdtempSync(join(tmpdir(), 'relish-topping-'));
const folder = join(temp, 'bigin-books-sync');
mkdirSync(join(folder, 'functions'), { recursive: true });
copyFileSync('examples/bigin-books-sync/topping.yaml', join(folder, 'topping.yaml'));
copyFileSync('examples/bigin-books-sync/functions/sync_contact_to_books.dg',
             join(folder, 'functions/sync_contact_to_books.dg'));
writeFileSync(join(folder, 'NOTES.md'), 'not part of the topping\n');
after(() => rmSync(temp, { recursive: true, force: true }));

const h = startConsole({ env: { RELISH_EGRESS_ALLOW_LOOPBACK: 'true' } });  // Relish's own CRM is on loopback

async function popupFrom(page, button) {
  const [popup] = await Promise.all([page.waitForEvent('popup'), button.click()]);
  return popup;
}

async function closed(popup) {
  if (!popup.isClosed()) await popup.waitForEvent('close');
}

// A REST call from the page, as its signed-in user.
async function asUser(page, method, path) {
  return page.evaluate(async ([m, p]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch(p, { method: m, headers: { 'X-CSRF-Token': me.csrf ?? '' } });
    return { status: r.status, body: await r.json() };
  }, [method, path]);
}

// A description list's terms and descriptions, "term: description" each.
const facts = (dl) => dl.locator(':scope > div').evaluateAll((divs) => divs.map((d) =>
  `${d.querySelector('dt').innerText.trim()}: ${d.querySelector('dd').innerText.trim().replace(/\s*\n\s*/g, ' | ')}`));

test('a topping folder pushed by upload, previewed, published, its production connection authorized, uninstalled', async () => {
  const [acme] = h().developers;
  const page = await h().newPage();
  await h().openAs(page, acme, '/toppings', 'Toppings');
  await page.getByText('No toppings installed here').waitFor();
  await h().checkAccessibility(page, 'no toppings yet');

  // The folder: what will be sent, and what stays home.
  await page.getByTestId('topping-folder').setInputFiles(folder);
  await page.getByTestId('push-paths').waitFor();
  assert.equal(await page.getByTestId('push-paths').innerText(), 'functions/sync_contact_to_books.dg, topping.yaml');
  await page.getByText('Left out: bigin-books-sync/NOTES.md').waitFor();
  await page.getByRole('button', { name: 'Push to sandbox' }).click();
  await page.getByText('Pushed Bigin and Books contact sync 1.0.0 to the sandbox.').waitFor();

  // The list: the manifest, functions, rules and connections with their status here.
  const card = page.getByTestId(`topping-${kNs}`);
  await card.waitFor();
  assert.equal(await card.getByRole('heading', { level: 2 }).innerText(), 'Bigin and Books contact sync 1.0.0');
  assert.deepEqual((await facts(card.locator('dl'))).filter((f) => !f.startsWith('Installed')), [
    `Namespace: ${kNs}`,
    'Version: 1.0.0',
    'Functions: sync_contact_to_books',
    'Workflow rules: Sync contacts to Books',
  ]);
  await card.getByText('Creates or updates a Zoho Books contact whenever a Bigin contact with an email is created or edited.').waitFor();
  const connections = card.getByRole('region', { name: 'Connections of Bigin and Books contact sync' });
  // (The list of toppings is fetched again after the push; a card comes with its connections.)
  await connections.locator('tbody tr').nth(1).waitFor();
  assert.deepEqual(await rows(connections), [[kBigin, 'bigin', 'Pending'], [kBooks, 'zoho_books', 'Pending']]);
  assert.equal(await connections.getByRole('link', { name: kBooks }).getAttribute('href'),
               `/connections/${kBooks}?org=${acme.org.id}&environment=sandbox`);
  await h().checkAccessibility(page, 'the toppings list');
  await h().screenshot(page, 'toppings');

  // The preview: everything is new to production, and both connections need authorizing there.
  await card.getByRole('link', { name: 'Publish to production…' }).click();
  await page.getByRole('heading', { name: `Publish ${kNs} to production`, level: 1 }).waitFor();
  const preview = page.getByTestId('publish-preview');
  await preview.waitFor();
  assert.deepEqual(await facts(preview.locator('dl')), [
    'Version: 1.0.0 (not installed in production yet)',
    'Functions: Added: sync_contact_to_books',
    'Workflow rules: Added: Sync contacts to Books',
    'Custom fields to add: None',
    `Connections to create: ${kBigin} (bigin) | ${kBooks} (zoho_books)`,
    `To authorize in production: ${kBigin} (bigin) | ${kBooks} (zoho_books)`,
  ]);
  // Asking changed nothing in production.
  assert.equal((await asUser(page, 'GET', `/api/v1/toppings/${kNs}?environment=production`)).status, 404);
  await h().checkAccessibility(page, 'the publish preview');
  await h().screenshot(page, 'topping-publish-preview');

  await page.getByRole('button', { name: 'Publish to production' }).click();
  await page.getByText('Published Bigin and Books contact sync 1.0.0 to production').waitFor();
  const pending = page.getByRole('region', { name: 'Production connections to authorize' });
  assert.deepEqual(await pending.locator('.topping-pending__head').evaluateAll((items) => items.map((i) => i.innerText.replace(/\s+/g, ' ').trim())),
                   [`${kBigin} bigin Pending Authorize`, `${kBooks} zoho_books Pending Authorize`]);
  await h().checkAccessibility(page, 'production connections to authorize');

  // Authorize production's CRM connection in its popup, at Relish's own consent page.
  const bigin = page.getByTestId(`pending-${kBigin}`);
  const popup = await popupFrom(page, bigin.getByRole('button', { name: 'Authorize' }));
  await popup.getByRole('button', { name: 'Allow' }).click();
  await closed(popup);
  await bigin.getByText(`Authorized: ${kBigin} is connected in production.`).waitFor();
  assert.equal(await bigin.locator('.topping-pending__head').innerText().then((t) => t.replace(/\s+/g, ' ').trim()),
               `${kBigin} bigin Connected`);
  assert.equal(await bigin.getByRole('link', { name: kBigin }).getAttribute('href'),
               `/connections/${kBigin}?environment=production&org=${acme.org.id}`);
  await h().screenshot(page, 'topping-published');
  const production = await asUser(page, 'GET', `/api/v1/connections/${kBigin}?org=${acme.org.id}&environment=production`);
  assert.equal(production.body.status, 'connected');
  const sandbox = await asUser(page, 'GET', `/api/v1/connections/${kBigin}?org=${acme.org.id}&environment=sandbox`);
  assert.equal(sandbox.body.status, 'pending');

  // Production's list: the statuses there; no push offered, and why.
  await page.goto(`/toppings?org=${acme.org.id}&environment=production`);
  await page.getByRole('heading', { name: 'Toppings', level: 1 }).waitFor();
  await page.getByText('Toppings are pushed to the sandbox and tried there.', { exact: false }).waitFor();
  assert.equal(await page.getByTestId('topping-folder').count(), 0);
  const prodCard = page.getByTestId(`topping-${kNs}`);
  const prodConnections = prodCard.getByRole('region', { name: 'Connections of Bigin and Books contact sync' });
  // The heading and the push panel show before the list of toppings is fetched (CI once read
  // the table before it was there); a card comes with its connections, in the same answer.
  await prodConnections.locator('tbody tr').nth(1).waitFor();
  assert.deepEqual(await rows(prodConnections), [[kBigin, 'bigin', 'Connected'], [kBooks, 'zoho_books', 'Pending']]);
  assert.equal(await prodCard.getByRole('link', { name: 'Publish to production…' }).count(), 0);
  await h().checkAccessibility(page, 'the toppings list in production');

  // Uninstall from production, confirmed: the sandbox keeps it.
  await prodCard.getByRole('button', { name: 'Uninstall' }).click();
  const dialog = page.getByRole('dialog', { name: 'Uninstall Bigin and Books contact sync?' });
  await dialog.waitFor();
  await h().checkAccessibility(page, 'the uninstall confirmation');
  await dialog.getByRole('button', { name: 'Uninstall' }).click();
  await page.getByText('Bigin and Books contact sync was uninstalled', { exact: false }).waitFor();
  await page.getByText('No toppings installed here').waitFor();
  assert.equal((await asUser(page, 'GET', `/api/v1/toppings/${kNs}?org=${acme.org.id}&environment=production`)).status, 404);
  assert.equal((await asUser(page, 'GET', `/api/v1/toppings/${kNs}?org=${acme.org.id}&environment=sandbox`)).status, 200);
});

test('a push with several problems shows every one of them; the plain file picker puts .dg files in functions/', async () => {
  const [acme] = h().developers;
  const page = await h().newPage({ viewport: viewports.phone });
  await h().openAs(page, acme, '/toppings', 'Toppings');
  const file = (name, text) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.getByTestId('topping-files').setInputFiles([
    file('topping.yaml', 'namespace: broken\nname: Broken\nversion: 1\nconnections:\n' +
         '  - {link_name: books, service: zoho_bookz}\nfunctions:\n' +
         '  - {name: hello, params: [contact]}\n  - {name: missing, params: [contact]}\n'),
    file('hello.dg', 'info contact;\nx = ;\n'),
    file('stray.dg', 'info 1;\n'),
  ]);
  assert.equal(await page.getByTestId('push-paths').innerText(), 'functions/hello.dg, functions/stray.dg, topping.yaml');
  await page.getByRole('button', { name: 'Push to sandbox' }).click();
  const refused = page.locator('.ui-banner', { hasText: 'The push was refused' });
  await refused.waitFor();
  assert.equal(await refused.locator('strong').innerText(), 'The push was refused: 4 problems');
  // In reading order: topping.yaml first, then the other files.
  assert.deepEqual(await refused.locator('li').allInnerTexts(), [
    'topping.yaml:5: no service \'zoho_bookz\'',
    'topping.yaml:8: function \'missing\': there is no file functions/missing.dg',
    'functions/hello.dg:2: Expected a value but found \';\'',
    'functions/stray.dg:1: no function in topping.yaml uses this file; add it under \'functions\'',
  ]);
  await h().checkAccessibility(page, 'a refused push');
  await h().screenshot(page, 'topping-push-refused');
  assert.equal((await asUser(page, 'GET', `/api/v1/toppings/broken?org=${acme.org.id}`)).status, 404);
});

test('the other organization\'s developer never sees the topping; a preview production refuses lists why', async () => {
  const [acme, globex] = h().developers;
  const page = await h().newPage();
  await h().openAs(page, globex, '/toppings', 'Toppings');
  await page.getByText('No toppings installed here').waitFor();
  assert.equal(await page.getByTestId(`topping-${kNs}`).count(), 0);
  await page.goto(`/toppings/${kNs}/publish`);
  await page.getByText('This topping cannot be published as it is').waitFor();
  await page.getByText(`no topping '${kNs}' in the sandbox; push it first`).waitFor();
  assert.equal(await page.getByTestId('publish-preview').count(), 0);
  const theirs = await asUser(page, 'GET', `/api/v1/toppings/${kNs}/publish-preview?org=${acme.org.id}`);
  assert.deepEqual(theirs, { status: 404, body: { code: 'not_found', message: `no organization ${acme.org.id} among yours` } });

  // Globex's own topping, which production refuses (a field there of another type): the preview
  // says why, a problem a line, and offers no Publish.
  await h().api('POST', `/api/v1/crm/modules/Contacts/fields?org=${globex.org.id}&environment=production`,
                { label: 'Books Id', type: 'integer' });
  await h().api('POST', `/api/v1/toppings?org=${globex.org.id}`, { files: {
    'topping.yaml': 'namespace: globexsync\nname: Globex sync\nversion: 1\nfields:\n' +
                    '  - {module: Contacts, label: Books Id, type: text}\n',
  } });
  await page.goto(`/toppings?org=${globex.org.id}`);
  await page.getByTestId('topping-globexsync').waitFor();
  assert.equal(await page.getByTestId(`topping-${kNs}`).count(), 0);
  await page.getByTestId('topping-globexsync').getByRole('link', { name: 'Publish to production…' }).click();
  const refused = page.locator('.ui-banner', { hasText: 'This topping cannot be published as it is' });
  await refused.waitFor();
  assert.equal(await refused.locator('strong').innerText(), 'This topping cannot be published as it is: 1 problem');
  assert.deepEqual(await refused.locator('li').allInnerTexts(),
                   ['topping.yaml:5: Contacts.Books_Id already exists as integer, not text']);
  assert.equal(await page.getByRole('button', { name: 'Publish to production' }).count(), 0);
  await h().checkAccessibility(page, 'a preview production refuses');

  // Acme's topping is still there for Acme's developer, and Globex's is not.
  const acmePage = await h().newPage();
  await h().openAs(acmePage, acme, '/toppings', 'Toppings');
  await acmePage.getByTestId(`topping-${kNs}`).waitFor();
  assert.equal(await acmePage.getByTestId('topping-globexsync').count(), 0);
});
