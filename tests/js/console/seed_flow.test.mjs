// The seed's flow (../shared/seed, examples/bigin-books-sync) by clicking, in Chromium, against a
// real server and the Zoho Books stand-in (tests/standins/books), as one test: sign in; create
// both connections from the catalog and connect them in their popups (the CRM's through
// Relish's own consent page, the Books one through the stand-in's accounts server, which the
// sandbox remap puts in place of accounts.zoho.com and books.zoho.com); paste the seed's
// function; create the rule; create a contact on the CRM page; open its run from the Executions
// page; edit the contact and see the update reach Books; a contact without an email runs
// nothing; the other organization's developer sees none of it. REST and the stand-in are only
// read, to assert. The harness scans every page for the planted secrets (the Books OAuth app's
// secret among them) and the tokens Books issued.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rows, startConsole } from './harness.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const example = join(repo, 'examples/bigin-books-sync');
const seedScript = readFileSync(join(example, 'functions/sync_contact_to_books.dg'), 'utf8');
const crmLink = 'biginandbooksconnectionnew__biginconnection';
const booksLink = 'biginandbooksconnectionnew__booksconnection';
const booksClientId = 'books-console-client';
const booksClientSecret = `books-secret-${Math.random().toString(36).slice(2)}-planted`;
const ruleName = 'Sync contacts to Books';

// The stand-in, as scripts/demo.sh runs it: only this client may get tokens.
let books;
async function startBooksStandIn() {
  const child = spawn(process.execPath, [join(repo, 'tests/standins/books/server.mjs'), '--port', '0',
                                         '--client-id', booksClientId],
                      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BOOKS_CLIENT_SECRET: booksClientSecret } });
  const url = await new Promise((r) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/http:\/\/127\.0\.0\.1:\d+/); if (m) r(m[0]); });
  });
  return { child, url };
}
const standIn = async (path) => (await fetch(`${books.url}/_standin/${path}`)).json();

const h = startConsole({
  env: async () => {
    books = await startBooksStandIn();
    return {
      RELISH_EGRESS_ALLOW_LOOPBACK: 'true',  // the CRM connection calls this Relish's own loopback URL
      RELISH_SANDBOX_REMAP: `books.zoho.com=${books.url},accounts.zoho.com=${books.url}`,
    };
  },
  started: (h) => { h.secrets['the Books OAuth app\'s client secret'] = booksClientSecret; },
});
after(() => books?.child.kill());

async function popupFrom(page, button) {
  const [popup] = await Promise.all([page.waitForEvent('popup'), button.click()]);
  return popup;
}
async function closed(popup) {
  if (!popup.isClosed()) await popup.waitForEvent('close');
}

// The tokens Books issued are secrets the browser must never see.
async function plantBooksTokens() {
  const tokens = await standIn('tokens');
  [...tokens.access_tokens, ...tokens.refresh_tokens].forEach((t, i) => { h().secrets[`a Books token (${i})`] = t; });
}

// A new connection from the catalog, named by its link name, with only `scope` ticked.
async function newConnection(page, search, serviceName, link, scope) {
  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'New connection' }).first().click();
  await page.getByLabel('Search services').fill(search);
  await page.getByRole('link', { name: `Choose: ${serviceName}`, exact: true }).click();
  await page.getByRole('heading', { name: `New ${serviceName} connection`, level: 1 }).waitFor();
  await page.getByLabel('Link name (optional)').fill(link);
  const scopes = page.getByRole('group', { name: 'Scopes' });
  for (const box of await scopes.getByRole('checkbox').all()) {
    const name = await box.evaluate((b) => b.parentElement.querySelector('code').innerText);
    await box.setChecked(name === scope);
  }
}

async function connectedAt(page, link) {
  await page.getByRole('heading', { name: link, level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Status' }).getByText('Connected', { exact: true }).waitFor();
}

// The run at the top of the Executions page, once there are `n`, opened; the run's page.
async function openNewestRun(page, n) {
  await page.getByRole('link', { name: 'Executions' }).first().click();
  const log = page.getByRole('region', { name: 'Runs', exact: true });
  await log.waitFor();
  await page.waitForFunction((count) =>
    document.querySelectorAll('[aria-label="Runs"] tbody tr').length === count, n);
  const [row] = await rows(log);
  await log.getByRole('link').first().click();
  await page.getByRole('heading', { name: `Run of ${ruleName}`, level: 1 }).waitFor();
  return row;
}

const infoLines = (page) => page.locator('.run-result__info li').allInnerTexts();
const calls = async (page, name) =>
  (await rows(page.getByRole('region', { name }))).map((r) => [r[0], r[1], r[2], r[4]]);

test('the seed by clicking: connections, the function, the rule, a contact, its run and the customer in Books', async () => {
  const [acme] = h().developers;
  const scope = `org=${acme.org.id}&environment=sandbox`;
  const page = await h().newPage();
  await h().openAs(page, acme, '/connections', 'Connections');

  // 1. The CRM connection: Relish's own consent page in the popup.
  await newConnection(page, 'bigin', 'Bigin (Relish CRM)', crmLink, 'ZohoBigin.modules.ALL');
  let popup = await popupFrom(page, page.getByRole('button', { name: 'Create and Connect' }));
  await popup.getByRole('heading', { name: 'Allow Relish connections to use your CRM?' }).waitFor();
  await popup.getByRole('button', { name: 'Allow' }).click();
  await closed(popup);
  await connectedAt(page, crmLink);

  // 2. The Books connection: its OAuth app saved on the form, then the stand-in's consent.
  await newConnection(page, 'zoho books', 'Zoho Books', booksLink, 'ZohoBooks.fullaccess.ALL');
  await page.getByLabel('Client ID').fill(booksClientId);
  await page.getByLabel('Client secret').fill(booksClientSecret);
  await page.getByRole('button', { name: 'Save OAuth app' }).click();
  await page.getByText('The OAuth app was saved.').waitFor();
  popup = await popupFrom(page, page.getByRole('button', { name: 'Create and Connect' }));
  await closed(popup);
  await connectedAt(page, booksLink);
  await plantBooksTokens();
  const connections = await h().api('GET', `/api/v1/connections?${scope}`);
  assert.deepEqual(connections.connections.map((c) => [c.link_name, c.service, c.status, c.scopes]), [
    [crmLink, 'bigin', 'connected', ['ZohoBigin.modules.ALL']],
    [booksLink, 'zoho_books', 'connected', ['ZohoBooks.fullaccess.ALL']],
  ]);

  // 3. The seed's function, pasted into the editor as it is.
  await page.getByRole('link', { name: 'Functions', exact: true }).first().click();
  await page.getByRole('link', { name: 'New function' }).click();
  await page.getByRole('heading', { name: 'New function', level: 1 }).waitFor();
  await page.getByLabel('Name').fill('sync_contact_to_books');
  await page.getByLabel('Arguments').fill('contact');
  // Pasted: the script on the clipboard, Control+V in the editor (CodeMirror's own paste).
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h().url });
  await page.evaluate((text) => navigator.clipboard.writeText(text), seedScript);
  await page.getByRole('textbox', { name: 'Deluge source' }).click();
  await page.keyboard.press('Control+V');
  await page.getByRole('region', { name: 'Problems' }).getByText('No problems found.').waitFor();
  await page.getByRole('button', { name: 'Create function' }).click();
  await page.getByRole('heading', { name: 'sync_contact_to_books', level: 1 }).waitFor();
  const stored = await h().api('GET', `/api/v1/workflow/functions/sync_contact_to_books?${scope}&topping=`);
  assert.equal(stored.source, seedScript);
  assert.deepEqual(stored.params, ['contact']);

  // 4. The rule: on create or edit, Email is not empty, run the function with the contact.
  await page.getByRole('link', { name: 'Workflow rules' }).first().click();
  await page.getByRole('link', { name: 'New rule' }).click();
  await page.getByRole('heading', { name: 'New workflow rule', level: 1 }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(ruleName);
  await page.getByRole('combobox', { name: 'Trigger', exact: true }).selectOption('create_or_edit');
  await page.getByLabel('Condition 1 row 1 field').selectOption('Email');
  await page.getByLabel('Condition 1 row 1 operator').selectOption('is not empty');
  await page.getByLabel('Condition 1 action 1 function').selectOption('sync_contact_to_books');
  await page.getByText('contact: the record itself (its ID and every field)').waitFor();
  await page.getByRole('button', { name: 'Create the rule' }).click();
  await page.getByText('The rule was created.').waitFor();
  const ruleId = new URL(page.url()).pathname.split('/').pop();
  const rule = await h().api('GET', `/api/v1/workflow/rules/${ruleId}?${scope}`);
  assert.deepEqual({ module: rule.module, trigger: rule.trigger, conditions: rule.conditions, active: rule.active }, {
    module: 'Contacts',
    trigger: { type: 'create_or_edit', repeat: true },
    conditions: [{ criteria: [{ field: 'Email', operator: 'is not empty' }], actions: [{ function: 'sync_contact_to_books' }] }],
    active: true,
  });

  // 5. A contact with an email, on the CRM page.
  await page.getByRole('link', { name: 'CRM', exact: true }).first().click();
  await page.getByRole('region', { name: 'Modules' }).getByRole('link', { name: 'Contacts', exact: true }).click();
  await page.getByRole('link', { name: 'New contact' }).click();
  await page.getByLabel('First Name').fill('Jane');
  await page.getByLabel('Last Name (required)').fill('Doe');
  await page.getByLabel('Email', { exact: true }).fill('jane@example.com');
  await page.getByLabel('Phone', { exact: true }).fill('+1 555 0100');
  await page.getByLabel('Mobile', { exact: true }).fill('+1 555 0199');
  await page.getByRole('button', { name: 'Create the contact' }).click();
  await page.getByText('The contact was created.').waitFor();
  const janeId = new URL(page.url()).pathname.split('/').pop();

  // 6. Its run, from the Executions page: the info lines and the three calls, twice.
  let row = await openNewestRun(page, 1);
  assert.deepEqual(row.slice(1, 6), ['Succeeded', ruleName, 'Function sync_contact_to_books', `Contacts ${janeId}`, 'create']);
  let [customer] = (await standIn('contacts')).contacts;
  assert.deepEqual(await infoLines(page), [
    'Searched by name in Books: {"code":0,"message":"success","contacts":[],"page_context":' +
      '{"page":1,"per_page":200,"has_more_page":false,"search_text":"jane@example.com"}}',
    `Created Contact: ${JSON.stringify({ code: 0, message: 'The contact has been added.', contact: customer })}`,
  ]);
  const read = `${h().url}/bigin/v2/Contacts/${janeId}`;
  const search = 'https://books.zoho.com/api/v3/contacts?search_text=jane%40example.com';
  const created = [['GET', read, '200', crmLink], ['GET', search, '200', booksLink],
                   ['POST', 'https://books.zoho.com/api/v3/contacts?organization_id=XXXXXXX', '201', booksLink]];
  assert.deepEqual(await calls(page, 'Calls as the function made them'), created);
  assert.deepEqual(await calls(page, 'Calls as the connections audit recorded them'), created);
  await h().checkAccessibility(page, 'the seed\'s run');
  await h().screenshot(page, 'seed-run');

  // 7. The customer in Books.
  const person = { last_name: 'Jane Doe', mobile: '+1 555 0199', phone: '+1 555 0100', email: 'jane@example.com', is_primary_contact: true };
  assert.deepEqual({ ...customer, created_time: undefined, last_modified_time: undefined }, {
    contact_name: 'Jane Doe', email: 'jane@example.com', phone: '+1 555 0100', mobile: '+1 555 0199',
    contact_persons: [person], contact_id: customer.contact_id, organization_id: 'XXXXXXX',
    created_time: undefined, last_modified_time: undefined,
  });

  // 8. The contact edited on the CRM page: a second run updates the customer.
  await page.getByRole('link', { name: `Contacts ${janeId}` }).click();
  await page.getByRole('heading', { name: 'Jane Doe', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Phone', { exact: true }).fill('+1 555 0111');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The changes were saved.').waitFor();
  row = await openNewestRun(page, 2);
  const runPath = new URL(page.url()).pathname;
  assert.deepEqual(row.slice(1, 6), ['Succeeded', ruleName, 'Function sync_contact_to_books', `Contacts ${janeId}`, 'edit']);
  [customer] = (await standIn('contacts')).contacts;
  assert.equal(customer.phone, '+1 555 0111');
  assert.deepEqual(customer.contact_persons, [{ ...person, phone: '+1 555 0111' }]);
  const info = await infoLines(page);
  assert.equal(info.length, 3);
  assert.ok(info[0].startsWith(`Searched by name in Books: {"code":0,"message":"success","contacts":[{"contact_id":"${customer.contact_id}"`), info[0]);
  assert.equal(info[1], `parameters_data value:${JSON.stringify({ JSONString: JSON.stringify({
    contact_name: 'Jane Doe', phone: '+1 555 0111', mobile: '+1 555 0199', email: 'jane@example.com',
    contact_persons: [{ ...person, phone: '+1 555 0111' }] }) })}`);
  assert.equal(info[2], `Updated Contact: ${JSON.stringify({ code: 0, message: 'Contact information has been saved.', contact: customer })}`);
  const updated = [['GET', read, '200', crmLink], ['GET', search, '200', booksLink],
                   ['PUT', `https://books.zoho.com/api/v3/contacts/${customer.contact_id}?organization_id=XXXXXXX`, '200', booksLink]];
  assert.deepEqual(await calls(page, 'Calls as the function made them'), updated);
  assert.deepEqual(await calls(page, 'Calls as the connections audit recorded them'), updated);

  // 9. A contact without an email meets no condition: no job was queued in its write, and the
  // runs stay two.
  await page.getByRole('link', { name: 'CRM', exact: true }).first().click();
  await page.getByRole('region', { name: 'Modules' }).getByRole('link', { name: 'Contacts', exact: true }).click();
  await page.getByRole('link', { name: 'New contact' }).click();
  await page.getByLabel('Last Name (required)').fill('Nobody');
  await page.getByRole('button', { name: 'Create the contact' }).click();
  await page.getByText('The contact was created.').waitFor();
  assert.deepEqual(await h().api('GET', `/api/v1/workflow/queue?${scope}`), { due: 0, scheduled: 0, running: 0 });
  assert.equal((await h().api('GET', `/api/v1/workflow/runs?${scope}`)).runs.length, 2);
  assert.equal((await standIn('contacts')).contacts.length, 1);
  await page.getByRole('link', { name: 'Executions' }).first().click();
  await page.getByRole('region', { name: 'Runs', exact: true }).waitFor();
  assert.equal((await rows(page.getByRole('region', { name: 'Runs', exact: true }))).length, 2);
  await plantBooksTokens();

  // 10. The seed's topping, pushed from its folder on the Toppings page: its two connections are
  // the ones made above (same link names), already connected in the sandbox. Published after
  // the preview, production gets connections of its own, pending until someone authorizes them.
  await page.getByRole('link', { name: 'Toppings', exact: true }).first().click();
  await page.getByRole('heading', { name: 'Toppings', level: 1 }).waitFor();
  await page.getByTestId('topping-folder').setInputFiles(example);
  await page.getByTestId('push-paths').waitFor();
  await page.getByRole('button', { name: 'Push to sandbox' }).click();
  await page.getByText('Pushed Bigin and Books contact sync 1.0.0 to the sandbox.').waitFor();
  const card = page.getByTestId('topping-biginandbooksconnectionnew');
  const toppingConnections = card.getByRole('region', { name: 'Connections of Bigin and Books contact sync' });
  // The list of toppings is fetched again after the push; a card comes with its connections.
  await toppingConnections.locator('tbody tr').nth(1).waitFor();
  assert.deepEqual(await rows(toppingConnections),
                   [[crmLink, 'bigin', 'Connected'], [booksLink, 'zoho_books', 'Connected']]);
  await card.getByRole('link', { name: 'Publish to production…' }).click();
  const preview = page.getByTestId('publish-preview');
  await preview.waitFor();
  assert.equal(await preview.getByText(`To authorize in production`).count(), 1);
  await page.getByRole('button', { name: 'Publish to production' }).click();
  await page.getByText('Published Bigin and Books contact sync 1.0.0 to production').waitFor();
  const pending = page.getByRole('region', { name: 'Production connections to authorize' });
  assert.deepEqual(await pending.locator('.topping-pending__head').evaluateAll((items) => items.map((i) => i.innerText.replace(/\s+/g, ' ').trim())),
                   [`${crmLink} bigin Pending Authorize`, `${booksLink} zoho_books Pending Authorize`]);
  const production = `org=${h().orgs[0].id}&environment=production`;
  assert.deepEqual((await h().api('GET', `/api/v1/connections?${production}`)).connections.map((c) => [c.link_name, c.status]).sort(),
                   [[crmLink, 'pending'], [booksLink, 'pending']]);
  await h().screenshot(page, 'seed-published');

  // Globex's developer sees none of it: no connections, no runs, and Acme's run is not found.
  const globex = await h().newPage();
  await h().openAs(globex, h().developers[1], '/connections', 'Connections');
  await globex.getByRole('region', { name: 'No connections yet' }).waitFor();
  await globex.getByRole('link', { name: 'Executions' }).first().click();
  await globex.getByRole('heading', { name: 'No runs yet' }).waitFor();
  await globex.goto(runPath);
  await globex.getByText('Could not load the run').waitFor();
  await globex.goto('/toppings');
  await globex.getByText('No toppings installed here').waitFor();
});
