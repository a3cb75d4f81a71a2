// The Connections pages in Chromium against a real server, with real providers on loopback:
// Relish's own CRM OAuth server (the default service `bigin`) and an API that echoes what it was
// sent (the default service `anthropic`, remapped to it in the sandbox). The Services pages and
// the OpenID provider they connect to are in services.test.mjs. Every planted or issued secret
// joins the harness's scan.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import { shownTime, startConsole, viewports } from './harness.mjs';
import {
  asUser, bannerLines, closed, listen, openNewConnection, popupFrom, signInWith, tableRows, where,
} from './connection_pages.mjs';

const kApiKey = 'PLANTED-anthropic-key-3f9a61c2e8';
const kBearerToken = 'PLANTED-stripe-token-5c2e9a0d71';
const kBasicPassword = 'PLANTED-mailgun-key-0e4b7a9c13';

// An API that answers with the request it got: what Relish lets back is what the page shows.
// Started before the server, whose sandbox remap names its port.
// Basic credentials are not echoed (their base64 is no planted value the scan knows): the
// answer says whose they were and whether the password was the one typed.
// `echoDown` makes it answer 503 (a connection's health probe fails), still echoing.
let echoDown = false;
const echo = http.createServer((req, res) => {
  res.writeHead(echoDown ? 503 : 200, { 'content-type': 'application/json', 'x-echo': 'yes' });
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  const [user, password] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
  res.end(JSON.stringify({
    path: req.url, 'x-api-key': req.headers['x-api-key'] ?? null,
    ...(basic ? { basic_user: user, basic_password_matches: password === kBasicPassword } : {}),
  }));
});
const echoPort = await listen(echo);
after(() => echo.close());

const h = startConsole({
  env: () => ({
    RELISH_EGRESS_ALLOW_LOOPBACK: 'true',  // Relish's own CRM and the API are on loopback
    RELISH_SANDBOX_REMAP: `api.anthropic.com=http://127.0.0.1:${echoPort},api.mailgun.net=http://127.0.0.1:${echoPort}`,
  }),
  started: (running) => {
    running.secrets['a planted API key'] = kApiKey;
    running.secrets['a planted bearer token'] = kBearerToken;
    running.secrets['a planted Basic password'] = kBasicPassword;
  },
});

// ---------------------------------------------------------------- helpers

const signedIn = signInWith(h);

// ---------------------------------------------------------------- tests

test('an organization without connections: the empty state, then the catalog by search and category', async () => {
  const [, globex] = h().developers;
  const page = await signedIn(globex);
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  const empty = page.getByRole('region', { name: 'No connections yet' });
  await empty.waitFor();
  await h().checkAccessibility(page, 'Connections, empty');
  await h().screenshot(page, 'connections-empty');

  await empty.getByRole('link', { name: 'New connection' }).click();
  await page.getByRole('heading', { name: 'New connection', level: 1 }).waitFor();
  assert.equal(where(page), `/connections/new-connection?org=${globex.org.id}&environment=sandbox`);
  const count = page.locator('.filters__count');
  const catalog = await h().api('GET', `/api/v1/services?org=${globex.org.id}`);
  const total = catalog.services.length;
  assert.equal(await count.innerText(), `${total} services`);
  await h().checkAccessibility(page, 'the catalog');
  await page.getByLabel('Search services').fill('zoho');
  await h().screenshot(page, 'connections-catalog');

  await page.getByLabel('Search services').fill('zoho books');
  assert.deepEqual(await page.locator('.service-card__name').allInnerTexts(), ['Zoho Books']);
  assert.equal(await count.innerText(), `1 of ${total} services`);
  const card = page.locator('.service-card', { hasText: 'Zoho Books' });
  assert.equal(await card.locator('.service-card__meta').innerText(), 'zoho_books · OAuth 2.0');
  assert.equal(await card.getByRole('link', { name: 'API docs of Zoho Books (opens in a new tab)' }).getAttribute('href'),
               'https://www.zoho.com/books/api/v3/oauth/');

  await page.getByLabel('Search services').fill('no such service anywhere');
  await page.getByRole('region', { name: 'No service matches' }).waitFor();
  await page.getByRole('button', { name: 'Clear the filters' }).click();
  assert.equal(await count.innerText(), `${total} services`);

  // Categories: the API's, in its order, those that have a service; each is a group heading
  // and a filter that narrows the list to its own services.
  const categories = catalog.categories.filter((c) => catalog.services.some((s) => s.category === c));
  assert.deepEqual(await page.getByLabel('Category').locator('option').allInnerTexts(), ['All categories', ...categories]);
  assert.deepEqual(await page.locator('.catalog__group > h2').allInnerTexts(), categories);
  await page.getByLabel('Category').selectOption('Payments');
  assert.deepEqual(await page.locator('.catalog__group > h2').allInnerTexts(), ['Payments']);
  assert.deepEqual(await page.locator('.service-card__name').allInnerTexts(),
                   catalog.services.filter((s) => s.category === 'Payments').map((s) => s.name)
                     .sort((a, b) => a.localeCompare(b)));
  await h().checkAccessibility(page, 'the catalog, one category');
});

test('a default OAuth service (Relish\'s CRM): Create and Connect in a popup, denied, then allowed', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme);
  await openNewConnection(page, 'bigin', 'Bigin (Relish CRM)');
  assert.equal(await page.locator('.service-line').innerText(),
               'OAuth 2.0 · bigin · API docs (opens in a new tab)');

  // The link name as the server will make it, while the name is typed.
  const preview = page.locator('.link-preview__name');
  assert.equal(await preview.innerText(), 'bigin_relish_crm');
  await page.getByLabel('Name', { exact: true }).fill('CRM (sandbox) — Zoë’s');
  assert.equal(await preview.innerText(), 'crm_sandbox_zo_s');
  await page.getByLabel('Name', { exact: true }).fill('Sales CRM');
  assert.equal(await preview.innerText(), 'sales_crm');
  const scopes = page.getByRole('group', { name: 'Scopes' });
  assert.deepEqual(await scopes.getByRole('checkbox', { checked: true }).evaluateAll((boxes) => boxes.map((b) => b.parentElement.innerText.trim())),
                   ['ZohoBigin.modules.ALL (default)', 'ZohoBigin.users.ALL (default)', 'ZohoBigin.org.READ (default)']);
  await scopes.getByRole('checkbox', { name: 'ZohoBigin.users.ALL (default)' }).uncheck();
  await h().checkAccessibility(page, 'the new connection form');
  await h().screenshot(page, 'connection-new-oauth');

  // Denied at the provider: the popup closes, the reason is shown in words.
  let popup = await popupFrom(page, page.getByRole('button', { name: 'Create and Connect' }));
  await popup.getByRole('heading', { name: 'Allow Relish connections to use your CRM?' }).waitFor();
  await popup.getByRole('button', { name: 'Deny' }).click();
  await closed(popup);
  const failed = 'The authorization did not complete';
  await page.locator('.ui-banner', { hasText: failed }).waitFor();
  assert.deepEqual(await bannerLines(page, failed), [
    failed,
    'the provider did not authorize: access_denied (The user denied access.)',
    'The connection\'s status: Needs re-authorization',
    'Try again',
  ]);
  const created = await asUser(page, 'GET', `/api/v1/connections/sales_crm?org=${acme.org.id}`);
  assert.equal(created.status, 200);
  assert.equal(created.body.link_name, 'sales_crm');
  assert.deepEqual(created.body.scopes, ['ZohoBigin.modules.ALL', 'ZohoBigin.org.READ']);
  assert.equal(created.body.status, 'needs_reauth');
  await h().checkAccessibility(page, 'the form after a denied authorization');
  await h().screenshot(page, 'connection-new-denied');

  // Allowed: the popup closes itself and the page moves to the connected connection.
  popup = await popupFrom(page, page.getByRole('button', { name: 'Try again' }));
  await popup.getByRole('button', { name: 'Allow' }).click();
  await closed(popup);
  await page.getByRole('heading', { name: 'sales_crm', level: 1 }).waitFor();
  assert.equal(where(page), `/connections/sales_crm?org=${acme.org.id}&environment=sandbox`);
  const status = page.getByRole('region', { name: 'Status' });
  await status.getByText('Connected', { exact: true }).waitFor();
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');
  await h().checkAccessibility(page, 'a connected connection');
  await h().screenshot(page, 'connection-detail');

  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  assert.deepEqual(await tableRows(page), [
    ['sales_crm\nSales CRM', 'Bigin (Relish CRM)', 'Connected', 'Not probed', '2 scopes requested, all granted', 'Shared', 'Never'],
  ]);
  await h().checkAccessibility(page, 'the list');
  await h().screenshot(page, 'connections-list');

  // A name already taken, and one with non-ASCII letters: the preview is what the server makes.
  await openNewConnection(page, 'bigin', 'Bigin (Relish CRM)');
  for (const [name, expected] of [['Sales CRM', 'sales_crm_2'], ['CRM (sandbox) — Zoë’s', 'crm_sandbox_zo_s']]) {
    await page.getByLabel('Name', { exact: true }).fill(name);
    assert.equal(await preview.innerText(), expected);
    const made = await asUser(page, 'POST', `/api/v1/connections?org=${acme.org.id}`, { name, service: 'bigin' });
    assert.equal(made.body.link_name, expected);
    await asUser(page, 'DELETE', `/api/v1/connections/${expected}?org=${acme.org.id}`);
  }
});

test('a blocked popup: the provider\'s page opened by hand, and polling sees the connection connected', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme);
  await page.addInitScript(() => { window.open = () => null; });  // what a popup blocker does
  await page.reload();
  await openNewConnection(page, 'bigin', 'Bigin (Relish CRM)');
  await page.getByLabel('Name', { exact: true }).fill('Blocked');
  await page.getByRole('button', { name: 'Create and Connect' }).click();
  const blocked = 'The browser blocked the authorization window';
  await page.locator('.ui-banner', { hasText: blocked }).waitFor();
  assert.deepEqual(await bannerLines(page, blocked), [
    blocked, 'Open Bigin (Relish CRM)\'s sign-in page in a new tab; this page updates when the authorization is done.',
  ]);
  await h().checkAccessibility(page, 'a blocked authorization window');

  // A tab opened from the link has no opener: the return page says what happened, and the
  // console's page learns it by polling.
  const [tab] = await Promise.all([page.context().waitForEvent('page'),
                                   page.getByRole('link', { name: 'Open Bigin (Relish CRM)\'s sign-in page' }).click()]);
  await tab.getByRole('button', { name: 'Allow' }).click();
  await tab.getByRole('heading', { name: 'Authorization finished', level: 1 }).waitFor();
  assert.deepEqual(await bannerLines(tab, 'is authorized'), [
    'The connection blocked is authorized.', 'You can close this window. Open the connection',
  ]);
  await h().checkAccessibility(tab, 'the return page without an opener');
  await page.getByRole('heading', { name: 'blocked', level: 1 }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Status' }).locator('.conn-status').innerText(), 'Connected');
  await asUser(page, 'DELETE', `/api/v1/connections/blocked?org=${acme.org.id}`);
});

// A latency as the page writes it (format.ts).
function shownMicros(us) {
  if (us < 1000) return `${us} µs`;
  return us < 1_000_000 ? `${Math.round(us / 1000)} ms` : `${(us / 1_000_000).toFixed(1)} s`;
}

// Where the focus is, in words: an element's accessible text.
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el.getAttribute('aria-label') ?? el.labels?.[0]?.innerText ?? el.textContent.trim();
  });
}

test('a connection\'s page: authorize, test call, audit, re-authorize, revoke and delete, each confirmed', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme);
  const made = await asUser(page, 'POST', `/api/v1/connections?org=${acme.org.id}`, { name: 'Pipeline', service: 'bigin' });
  assert.equal(made.status, 201);
  await page.goto(`/connections/pipeline?org=${acme.org.id}&environment=sandbox`);
  await page.getByRole('heading', { name: 'pipeline', level: 1 }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  assert.equal(await status.locator('.conn-status').innerText(), 'Pending');
  await h().checkAccessibility(page, 'a pending connection');

  let popup = await popupFrom(page, status.getByRole('button', { name: 'Authorize' }));
  await page.getByText('Waiting for Bigin (Relish CRM)').waitFor();
  await h().checkAccessibility(page, 'a connection waiting for its popup');
  await popup.getByRole('button', { name: 'Allow' }).click();
  await closed(popup);
  await page.getByText('Authorized: the connection is connected.').waitFor();
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');

  // The service's own test call: status, headers and the body indented.
  const test = page.getByRole('region', { name: 'Test call' });
  await test.getByRole('button', { name: 'Run test call' }).click();
  const result = test.getByRole('status', { name: 'Test call result' });
  await result.waitFor();
  assert.equal(await result.locator('.test-result__summary').innerText(), 'Passed the test call succeeded');
  assert.equal(await result.locator('.test-result__status').innerText(), 'HTTP 200');
  const headers = await result.locator('.test-result__headers > div').allInnerTexts();
  assert.deepEqual(headers.map((line) => line.split(/\n/)[0]), ['content-type', 'x-request-id', 'content-length']);
  assert.equal(headers[0], 'content-type\napplication/json');
  const body = await result.getByLabel('Response body').innerText();
  const parsed = JSON.parse(body);
  assert.equal(body, JSON.stringify(parsed, null, 2));
  assert.equal(parsed.users[0].email, 'dev@acme.test');
  await h().checkAccessibility(page, 'a test call\'s result');
  await h().screenshot(page, 'connection-test-call');

  // The audit: the test call, as the API recorded it.
  const audit = page.getByRole('region', { name: 'Audit' });
  await audit.getByRole('region', { name: 'Audit entries' }).waitFor();
  const entries = (await asUser(page, 'GET', `/api/v1/audit?org=${acme.org.id}&link=pipeline`)).body.entries;
  assert.equal(entries.length, 1);
  assert.deepEqual(await tableRows(page, 'Audit entries'), [[
    await shownTime(page, entries[0].at), 'test', `GET ${h().url}/bigin/v2/users?type=CurrentUser`, '200',
    shownMicros(entries[0].latency_us), '—',
  ]]);

  // Re-authorizing keeps it connected.
  popup = await popupFrom(page, status.getByRole('button', { name: 'Re-authorize' }));
  await popup.getByRole('button', { name: 'Allow' }).click();
  await closed(popup);
  await page.getByText('Authorized: the connection is connected.').waitFor();

  // Revoke: the dialog keeps the focus inside, Escape closes it and the focus comes back.
  const revoke = status.getByRole('button', { name: 'Revoke' });
  await revoke.click();
  const dialog = page.getByRole('dialog', { name: 'Revoke pipeline?' });
  await dialog.waitFor();
  assert.equal(await focused(page), 'Cancel');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Revoke');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Cancel');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Revoke');
  await h().checkAccessibility(page, 'the revoke dialog');
  await h().screenshot(page, 'connection-revoke-dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await revoke.evaluate((el) => el === document.activeElement), true);
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');

  await revoke.click();
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByText('The connection was revoked').waitFor();
  assert.equal(await status.locator('.conn-status').innerText(), 'Revoked');
  assert.equal(await status.getByRole('button', { name: 'Revoke' }).count(), 0);
  assert.equal((await asUser(page, 'GET', `/api/v1/connections/pipeline?org=${acme.org.id}`)).body.status, 'revoked');

  // The list's last use is the test call's time.
  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await page.getByLabel('Search').fill('pipe');
  assert.deepEqual(await tableRows(page), [
    ['pipeline\nPipeline', 'Bigin (Relish CRM)', 'Revoked', 'Not probed', '3 scopes requested', 'Shared', await shownTime(page, entries[0].at)],
  ]);
  await page.getByRole('link', { name: 'pipeline' }).click();
  await page.getByRole('heading', { name: 'pipeline', level: 1 }).waitFor();

  // Delete, confirmed: back to the list, which says so.
  await status.getByRole('button', { name: 'Delete' }).click();
  const remove = page.getByRole('dialog', { name: 'Delete pipeline?' });
  await remove.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  assert.equal(where(page), `/connections?deleted=pipeline&org=${acme.org.id}&environment=sandbox`);
  assert.deepEqual(await bannerLines(page, 'was deleted'), ['The connection pipeline was deleted.', '×']);
  assert.equal((await asUser(page, 'GET', `/api/v1/connections/pipeline?org=${acme.org.id}`)).status, 404);
});

test('API key credentials: write-only fields, used by the test call, never shown back', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme);
  await openNewConnection(page, 'anthropic', 'Anthropic');
  await page.getByLabel('Name', { exact: true }).fill('Claude');
  const key = page.getByLabel('API key');
  assert.equal(await key.getAttribute('type'), 'password');
  await key.fill(kApiKey);
  await h().checkAccessibility(page, 'a form with an API key');
  await h().screenshot(page, 'connection-new-api-key');
  await page.getByRole('button', { name: 'Create and Connect' }).click();
  await page.getByRole('heading', { name: 'claude', level: 1 }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');

  // The API echoes the key it got; Relish masks it before the browser sees the answer.
  const test = page.getByRole('region', { name: 'Test call' });
  await test.getByRole('button', { name: 'Run test call' }).click();
  const result = test.getByRole('status', { name: 'Test call result' });
  await result.waitFor();
  assert.equal(await result.locator('.test-result__summary').innerText(), 'Passed the test call succeeded');
  assert.equal(await result.getByLabel('Response body').innerText(),
               JSON.stringify({ path: '/v1/models', 'x-api-key': '[REDACTED]' }, null, 2));
  assert.ok((await result.locator('.test-result__headers').innerText()).includes('x-echo\nyes'));

  // Replacing the key: the field empties once saved.
  const credentials = page.getByRole('form', { name: 'Credentials' });
  const field = credentials.getByLabel('API key');
  await field.fill(`${kApiKey}-2`);
  h().secrets['the replaced API key'] = `${kApiKey}-2`;
  await credentials.getByRole('button', { name: 'Save credentials' }).click();
  await credentials.getByText('The credentials were saved.').waitFor();
  assert.equal(await field.inputValue(), '');
  await h().checkAccessibility(page, 'credentials saved');
  await page.reload();
  await page.getByRole('heading', { name: 'claude', level: 1 }).waitFor();
  assert.equal(await page.getByRole('form', { name: 'Credentials' }).getByLabel('API key').inputValue(), '');
});

// ---- Health probes (issue 18)
test('health: Probe now fails then recovers, the page and the list show it, another organization sees none of it', async () => {
  const [acme, globex] = h().developers;
  const page = await signedIn(acme);
  await openNewConnection(page, 'anthropic', 'Anthropic');
  await page.getByLabel('Name', { exact: true }).fill('Probed');
  await page.getByLabel('API key').fill(kApiKey);
  await page.getByRole('button', { name: 'Create and Connect' }).click();
  await page.getByRole('heading', { name: 'probed', level: 1 }).waitFor();
  const health = page.getByRole('region', { name: 'Health' });
  assert.equal(await health.locator('.conn-health').innerText(), 'Not probed');

  // The upstream fails (and echoes the key: nothing of it reaches the page).
  echoDown = true;
  try {
    await health.getByRole('button', { name: 'Probe now' }).click();
    await health.getByText('Failing').waitFor();
  } finally {
    echoDown = false;
  }
  let shown = (await asUser(page, 'GET', `/api/v1/connections/probed?org=${acme.org.id}`)).body.health;
  assert.deepEqual({ ok: shown.ok, message: shown.message }, { ok: false, message: 'the test call answered HTTP 503' });
  assert.equal(await health.locator('.conn-health').innerText(),
               `Failing since ${await shownTime(page, shown.at)}\n\nthe test call answered HTTP 503`);
  await h().checkAccessibility(page, 'a failing health probe');
  await h().screenshot(page, 'connection-health-failing');

  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await page.getByLabel('Search').fill('probed');
  const failing = (await tableRows(page))[0];
  assert.equal(failing[3], `Failing since ${await shownTime(page, shown.at)}\n\nthe test call answered HTTP 503`);

  // Recovered: one probe_ok; the list's cell is the badge and time only.
  await page.getByRole('link', { name: 'probed' }).click();
  await page.getByRole('heading', { name: 'probed', level: 1 }).waitFor();
  await health.getByRole('button', { name: 'Probe now' }).click();
  await page.getByText('The probe passed.').waitFor();
  shown = (await asUser(page, 'GET', `/api/v1/connections/probed?org=${acme.org.id}`)).body.health;
  assert.equal(shown.ok, true);
  assert.equal(await health.locator('.conn-health').innerText(),
               `Healthy since ${await shownTime(page, shown.at)}\n\nthe test call succeeded`);
  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await page.getByLabel('Search').fill('probed');
  assert.equal((await tableRows(page))[0][3], `Healthy since ${await shownTime(page, shown.at)}`);
  const events = (await asUser(page, 'GET', `/api/v1/connections/events?link=probed&org=${acme.org.id}`)).body.events;
  assert.deepEqual(events.map((e) => e.type), ['probe_ok', 'probe_failed', 'authorized', 'created']);

  // The other organization: no such connection, no events of it, no probe.
  const other = await signedIn(globex);
  assert.equal((await asUser(other, 'POST', `/api/v1/connections/probed/probe?org=${globex.org.id}`)).status, 404);
  assert.equal((await asUser(other, 'POST', `/api/v1/connections/probed/probe?org=${acme.org.id}`)).status, 404);
  assert.deepEqual((await asUser(other, 'GET', `/api/v1/connections/events?link=probed&org=${globex.org.id}`)).body.events, []);
  assert.equal((await asUser(other, 'GET', `/api/v1/connections/events?org=${acme.org.id}`)).status, 404);
  await asUser(page, 'DELETE', `/api/v1/connections/probed?org=${acme.org.id}`);

  // A service without a test call (Ashby) offers no probe: the panel says why instead.
  const made = await asUser(page, 'POST', `/api/v1/connections?org=${acme.org.id}`, { name: 'Hiring', service: 'ashby' });
  assert.equal(made.status, 201);
  await page.goto(`/connections/hiring?org=${acme.org.id}&environment=sandbox`);
  await page.getByRole('heading', { name: 'hiring', level: 1 }).waitFor();
  assert.equal(await health.getByRole('button', { name: 'Probe now' }).count(), 0);
  assert.equal(await health.locator('p.muted').innerText(), 'Ashby defines no test call, so Relish cannot probe this connection.');
  await asUser(page, 'DELETE', `/api/v1/connections/hiring?org=${acme.org.id}`);
});

test('organizations see only their own connections: exact lists, switching organization', async () => {
  const { admin, developers: [acme, globex] } = h();
  for (const [org, name, service] of [[acme.org, 'Stripe Live', 'stripe'], [acme.org, 'Books', 'zoho_books'],
                                      [globex.org, 'Globex CRM', 'bigin']]) {
    await h().api('POST', `/api/v1/connections?org=${org.id}&environment=production`, { name, service });
  }
  const page = await signedIn(globex, `/connections?org=${globex.org.id}&environment=production`);
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  assert.deepEqual(await tableRows(page), [
    ['globex_crm\nGlobex CRM', 'Bigin (Relish CRM)', 'Pending', 'Not probed', '3 scopes requested', 'Shared', 'Never'],
  ]);
  await page.goto(`/connections/stripe_live?org=${acme.org.id}&environment=production`);
  await page.getByRole('heading', { name: 'Connection stripe_live', level: 1 }).waitFor();
  assert.equal(where(page), `/connections/stripe_live?org=${globex.org.id}&environment=production`);
  assert.deepEqual(await bannerLines(page, 'Could not load the connection'), [
    'Could not load the connection', 'no connection \'stripe_live\' in the production environment',
  ]);
  assert.equal((await asUser(page, 'GET', `/api/v1/connections?org=${acme.org.id}&environment=production`)).status, 404);

  // Someone in both: the list follows the organization chosen.
  const both = await signedIn(admin, `/connections?org=${acme.org.id}&environment=production`);
  await both.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  const links = async () => (await tableRows(both)).map((row) => row[0].split('\n')[0]);
  assert.deepEqual(await links(), ['books', 'stripe_live']);
  await both.getByLabel('Organization').selectOption({ label: 'Globex Corp' });
  await both.getByRole('link', { name: 'globex_crm' }).waitFor();
  assert.deepEqual(await links(), ['globex_crm']);
  await both.getByLabel('Organization').selectOption({ label: 'Acme Inc' });
  await both.getByRole('link', { name: 'stripe_live' }).waitFor();
  assert.deepEqual(await links(), ['books', 'stripe_live']);
  await h().checkAccessibility(both, 'the list in production');
  await h().screenshot(both, 'connections-list-production');
});

test('keyboard only: a bearer token connection created, its delete dialog cancelled with Escape, then confirmed', async () => {
  const [, globex] = h().developers;
  const page = await signedIn(globex, '/connections');
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  // Tab until `name` has the focus (never more than the page has controls).
  const tabTo = async (name, back = false) => {
    for (let i = 0; i < 80; i++) {
      if ((await focused(page)) === name) return;
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    }
    assert.fail(`the keyboard never reached ${name}`);
  };
  await tabTo('New connection');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'New connection', level: 1 }).waitFor();
  await tabTo('Search services');
  await page.keyboard.type('stripe');
  await tabTo('Choose: Stripe');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'New Stripe connection', level: 1 }).waitFor();
  await tabTo('Name');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Payments');
  await tabTo('Token');
  await page.keyboard.type(kBearerToken);
  await page.keyboard.press('Enter');  // submits the form: Create and Connect
  await page.getByRole('heading', { name: 'payments', level: 1 }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Status' }).locator('.conn-status').innerText(), 'Connected');

  await tabTo('Delete');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Delete payments?' });
  await dialog.waitFor();
  assert.equal(await focused(page), 'Cancel');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Delete');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Cancel');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await focused(page), 'Delete');
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByText('The connection payments was deleted.').waitFor();
  await page.getByRole('region', { name: 'No connections yet' }).waitFor();
});

test('a phone (390x844) and the dark theme: every page fits, nothing scrolls sideways', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme, '/connections', { viewport: viewports.phone, colorScheme: 'dark' });
  const fits = async (what) => {
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, what);
    await h().checkAccessibility(page, `${what} on a phone, dark`);
  };
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Connections' }).waitFor();
  await fits('the list');
  await h().screenshot(page, 'connections-phone-dark');
  await page.getByRole('link', { name: 'sales_crm' }).click();
  await page.getByRole('heading', { name: 'sales_crm', level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Audit' }).getByText('No calls yet').waitFor();
  await fits('a connection');
  await h().screenshot(page, 'connection-detail-phone-dark');
  await page.goto(`/connections/new-connection/zoho_books?org=${acme.org.id}&environment=sandbox`);
  await page.getByRole('heading', { name: 'New Zoho Books connection', level: 1 }).waitFor();
  await page.getByText('This organization has no OAuth app for this service yet').waitFor();
  await fits('a new connection');
  await h().screenshot(page, 'connection-new-phone-dark');
  await page.goto(`/services/new-service?org=${acme.org.id}&environment=sandbox`);
  await page.getByText('Valid: My API (my_api).').waitFor();
  await fits('a new custom service');
  await page.goto(`/services?org=${acme.org.id}&environment=sandbox`);
  await page.locator('.service-card').first().waitFor();
  await fits('the services');
});

test('Basic credentials: created without connecting, connected later from its page; a session that ends mid-use asks to sign in and comes back to the page', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme);
  await openNewConnection(page, 'mailgun', 'Mailgun');
  assert.equal(await page.locator('.service-line').innerText(),
               'Basic (user name and password) · mailgun · API docs (opens in a new tab)');
  await page.getByLabel('Name', { exact: true }).fill('Mail');
  assert.equal(await page.getByLabel('API key').getAttribute('type'), 'password');
  // Created pending: its page, where it is connected later.
  await page.getByRole('button', { name: 'Create without connecting' }).click();
  await page.getByRole('heading', { name: 'mail', exact: true, level: 1 }).waitFor();
  assert.equal(where(page), `/connections/mail?org=${acme.org.id}&environment=sandbox`);
  const status = page.getByRole('region', { name: 'Status' });
  assert.equal(await status.locator('.conn-status').innerText(), 'Pending');
  assert.equal((await asUser(page, 'GET', `/api/v1/connections/mail?org=${acme.org.id}`)).body.status, 'pending');
  await h().checkAccessibility(page, 'a connection created without connecting');
  await h().screenshot(page, 'connection-pending');

  const credentials = page.getByRole('form', { name: 'Credentials' });
  await credentials.getByLabel('User name (always "api")').fill('api');
  await credentials.getByLabel('API key').fill(kBasicPassword);
  await credentials.getByRole('button', { name: 'Save credentials' }).click();
  await credentials.getByText('The credentials were saved.').waitFor();
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');
  assert.equal(await credentials.getByLabel('API key').inputValue(), '');
  const test = page.getByRole('region', { name: 'Test call' });
  await test.getByRole('button', { name: 'Run test call' }).click();
  const result = test.getByRole('status', { name: 'Test call result' });
  await result.waitFor();
  assert.equal(await result.getByLabel('Response body').innerText(), JSON.stringify({
    path: '/v4/domains', 'x-api-key': null, basic_user: 'api', basic_password_matches: true }, null, 2));
  // The audit is fetched again after the call: once its entry shows, no call of the page is on
  // its way (one answered 401 after the session ends would sign the page out before the click).
  await page.getByRole('region', { name: 'Audit entries' }).getByText('/v4/domains').first().waitFor();

  // The session ends on the server (signed out from somewhere else) while the page is open:
  // the next call answers 401, the console says so in words, and signing in again lands on the
  // same page.
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const me = await (await fetch(`${h().url}/api/v1/me`, { headers: { cookie } })).json();
  const out = await fetch(`${h().url}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'X-CSRF-Token': me.csrf } });
  assert.equal(out.status, 200);
  await test.getByRole('button', { name: 'Run test call' }).click();
  await page.getByRole('heading', { name: 'Sign in to Relish' }).waitFor();
  assert.equal(await page.getByRole('status').innerText(), 'Your session has ended. Sign in again to continue.');
  assert.equal(where(page), `/connections/mail?org=${acme.org.id}&environment=sandbox`);
  await h().checkAccessibility(page, 'the sign-in view after the session ended');
  await h().screenshot(page, 'signin-session-ended');
  await h().signIn(page, acme);
  await page.getByRole('heading', { name: 'mail', exact: true, level: 1 }).waitFor();
  assert.equal(where(page), `/connections/mail?org=${acme.org.id}&environment=sandbox`);
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');
  await asUser(page, 'DELETE', `/api/v1/connections/mail?org=${acme.org.id}`);
});

// Issue 20: parameters the provider names during the authorization (Salesforce's My Domain,
// Zoho's data centre and API domain) are not asked for; a parameter that is not captured
// (Shopify's shop) still is.
test('captured parameters are not asked for on the new connection form', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme);
  // The text fields of the connection's own form (not the OAuth app's), by label.
  let service = 'Salesforce';
  const labels = () => page.getByRole('form', { name: `New ${service} connection` })
    .locator('input[type="text"]').evaluateAll((inputs) => inputs.map((i) => i.labels[0].innerText.trim()));
  await openNewConnection(page, 'salesforce', 'Salesforce');
  assert.deepEqual(await labels(), ['Name', 'Link name (optional)']);
  await page.getByLabel('Name', { exact: true }).fill('SF');
  await page.getByRole('button', { name: 'Create without connecting' }).click();
  await page.getByRole('heading', { name: 'sf', exact: true, level: 1 }).waitFor();
  // Nothing sent for the instance: the token response's instance_url sets it.
  assert.deepEqual((await asUser(page, 'GET', `/api/v1/connections/sf?org=${acme.org.id}`)).body.params, {});
  await asUser(page, 'DELETE', `/api/v1/connections/sf?org=${acme.org.id}`);

  await page.goto('/connections');
  service = 'Zoho Books';
  await openNewConnection(page, 'zoho books', 'Zoho Books');
  assert.deepEqual(await labels(), ['Name', 'Link name (optional)']);
  await page.goto('/connections');
  service = 'Shopify';
  await openNewConnection(page, 'shopify', 'Shopify');
  assert.deepEqual(await labels(), ['Name', 'Link name (optional)',
                                    'Shop subdomain (the part before .myshopify.com)']);
  // A host the user names (WooCommerce's store) is asked, and confirmed as it reads before
  // anything is created; changing it takes the confirmation back.
  await page.goto('/connections');
  service = 'WooCommerce';
  await openNewConnection(page, 'woocommerce', 'WooCommerce');
  const store = page.getByLabel('Store host (your site, e.g. shop.example.com; credentials go only there)');
  const withoutConnecting = page.getByRole('button', { name: 'Create without connecting' });
  assert.equal(await withoutConnecting.isDisabled(), true);
  await store.fill('shop.example.com');
  const confirm = page.getByRole('checkbox', { name: /The credentials go to/ });
  assert.equal((await confirm.locator('..').innerText()).trim(),
               'The credentials go to https://shop.example.com and nowhere else, for good: it is my own site');
  await confirm.check();
  assert.equal(await withoutConnecting.isDisabled(), false);
  await store.fill('shop2.example.com');
  assert.equal(await confirm.isChecked(), false);
  assert.equal(await withoutConnecting.isDisabled(), true);
  await confirm.check();
  await h().checkAccessibility(page, 'a user-chosen host confirmed');
  await page.getByLabel('Name', { exact: true }).fill('Woo');
  await withoutConnecting.click();
  await page.getByRole('heading', { name: 'woo', exact: true, level: 1 }).waitFor();
  assert.deepEqual((await asUser(page, 'GET', `/api/v1/connections/woo?org=${acme.org.id}`)).body.params,
                   { store: 'shop2.example.com' });
  await asUser(page, 'DELETE', `/api/v1/connections/woo?org=${acme.org.id}`);

  // The service's page still lists every parameter, saying which the authorization sets.
  await page.goto(`/services/salesforce?org=${acme.org.id}`);
  await page.getByText('set when the connection is authorized').waitFor();
  await h().checkAccessibility(page, 'a service with a captured parameter');
});

test('a per-user connection: each user authorizes their own, and the page says whether you have', async () => {
  const { admin, developers: [acme] } = h();
  const page = await signedIn(acme);
  await openNewConnection(page, 'bigin', 'Bigin (Relish CRM)');
  await page.getByLabel('Name', { exact: true }).fill('My CRM');
  await page.getByRole('radio', { name: /^Per user/ }).check();
  let popup = await popupFrom(page, page.getByRole('button', { name: 'Create and Connect' }));
  await popup.getByRole('button', { name: 'Allow' }).click();
  await closed(popup);
  await page.getByRole('heading', { name: 'my_crm', level: 1 }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  // The badge, then whose authorization it is.
  const statusParts = (region) => region.locator('.conn-status > *').allInnerTexts();
  assert.deepEqual(await statusParts(status), ['Connected', 'Your own authorization']);
  const made = (await asUser(page, 'GET', `/api/v1/connections/my_crm?org=${acme.org.id}`)).body;
  // Other users see who authorized by name and email, never by a bare id.
  const dev = `${made.authorizations[0].user_name} <${made.authorizations[0].user_email}>`;
  assert.ok(made.authorizations[0].user_email, 'the authorization names its user');
  assert.deepEqual(await tableRows(page, 'Authorizations by user'), [
    ['You', 'Connected', '—', await shownTime(page, made.authorizations[0].authorized_at)],
  ]);
  await h().checkAccessibility(page, 'a per-user connection, authorized');
  await h().screenshot(page, 'connection-per-user');

  // A colleague on the same connection has not authorized yet: the page says so, and offers it.
  const other = await signedIn(admin, `/connections/my_crm?org=${acme.org.id}&environment=sandbox`);
  await other.getByRole('heading', { name: 'my_crm', level: 1 }).waitFor();
  const otherStatus = other.getByRole('region', { name: 'Status' });
  assert.deepEqual(await statusParts(otherStatus), ['Pending', 'You have not authorized it yet']);
  assert.deepEqual(await tableRows(other, 'Authorizations by user'), [
    [dev, 'Connected', '—', await shownTime(other, made.authorizations[0].authorized_at)],
  ]);
  assert.equal(await other.getByRole('region', { name: "Users' authorizations" }).locator('p').innerText(),
               '1 member has authorized it; you have not.');
  await h().checkAccessibility(other, 'a per-user connection, not authorized by you');
  popup = await popupFrom(other, otherStatus.getByRole('button', { name: 'Authorize' }));
  await popup.getByRole('button', { name: 'Allow' }).click();
  await closed(popup);
  await other.getByText('Authorized: the connection is connected.').waitFor();
  assert.deepEqual(await statusParts(otherStatus), ['Connected', 'Your own authorization']);
  assert.equal((await tableRows(other, 'Authorizations by user')).length, 2);

  // The list: per user, each seeing their own status.
  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await page.getByLabel('Search').fill('my_crm');
  assert.deepEqual((await tableRows(page)).map((row) => row.slice(0, 3).concat(row[5])), [
    ['my_crm\nMy CRM', 'Bigin (Relish CRM)', 'ConnectedYour own authorization', 'Per user'],
  ]);
  await asUser(page, 'DELETE', `/api/v1/connections/my_crm?org=${acme.org.id}`);
});
