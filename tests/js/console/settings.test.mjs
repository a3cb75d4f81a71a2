// The Audit and Settings pages in Chromium against a real server. Audit: calls made through the
// proxy (API-key connections to a local stand-in) listed and filtered by connection and status,
// the filters kept in the URL; Globex's calls never shown to Acme. Settings: a personal API
// token created and shown once (then only its prefix), revoked and refused by the API; an
// administrator adds a developer and changes a role, a developer gets no admin actions; an OAuth
// client registered, its secret rotated (each shown once), deleted; Relish's own client refused
// rotation with the API's message; the keys rotated; the sandbox remap shown. Each secret shown
// once joins the harness's scan as soon as it has been shown (h().shownOnce).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import { localInputTime, rows, shownTime, startConsole } from './harness.mjs';

const acmeKey = `acme-key-${Math.random().toString(36).slice(2)}-planted`;
const globexKey = `globex-key-${Math.random().toString(36).slice(2)}-planted`;

// The stand-in API: /ok answers 200 and anything else 404, behind the bearer key.
function startStandIn() {
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const ok = auth.includes(acmeKey) || auth.includes(globexKey);
    const status = !ok ? 401 : req.url.startsWith('/ok') ? 200 : 404;
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status }));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

let standIn;
const openAs = (...args) => h().openAs(...args);
const h = startConsole({
  env: async () => {
    standIn = await startStandIn();
    return { RELISH_SANDBOX_REMAP: `api.standin.test=http://127.0.0.1:${standIn.address().port}` };
  },
});
after(() => standIn?.close());

async function proxy(org, link, path) {
  const response = await fetch(`${h().url}/api/v1/proxy/${link}${path}`, {
    headers: { Authorization: `Bearer ${h().admin.token}`, 'X-Relish-Org': org.id },
  });
  await response.text();
  return response.status;
}

// Acme: two connections to the stand-in and four calls (one a 404); Globex: one connection and
// a call of its own.
let setUp = null;
function setUpOrgs() {
  setUp ??= (async () => {
    const [acme, globex] = h().orgs;
    const yaml = 'id: standin\nname: Stand-in\nauth: bearer\nbase_url: https://api.standin.test\nallowed_hosts: [api.standin.test]\n';
    const connect = async (org, link, key) => {
      const scope = `org=${org.id}&environment=sandbox`;
      await h().api('PUT', `/api/v1/connections/${link}/credentials?${scope}`, { fields: { token: key } });
    };
    for (const [org, links, key] of [[acme, ['standin', 'backup'], acmeKey], [globex, ['globex_standin'], globexKey]]) {
      const scope = `org=${org.id}&environment=sandbox`;
      await h().api('POST', `/api/v1/services?${scope}`, { yaml });
      for (const link of links) {
        await h().api('POST', `/api/v1/connections?${scope}`, { name: link, link_name: link, service: 'standin' });
        await connect(org, link, key);
      }
    }
    h().secrets['the Acme stand-in key'] = acmeKey;
    h().secrets['the Globex stand-in key'] = globexKey;
    assert.equal(await proxy(acme, 'standin', '/ok?n=1'), 200);
    assert.equal(await proxy(acme, 'standin', '/missing'), 404);
    assert.equal(await proxy(acme, 'standin', '/ok?n=2'), 200);
    assert.equal(await proxy(acme, 'backup', '/ok?n=3'), 200);
    assert.equal(await proxy(globex, 'globex_standin', '/ok?globex-only'), 200);
  })();
  return setUp;
}

test('the audit: calls through the proxy, filtered by connection and status, the filters kept in the URL', async () => {
  await setUpOrgs();
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/audit', 'Audit');
  const table = page.getByRole('region', { name: 'Audit entries' });
  await table.waitFor();
  const all = await rows(table);
  const call = (r) => [r[1], r[2], r[3], r[5], r[6]];
  assert.deepEqual(all.map(call), [
    ['backup', 'GET https://api.standin.test/ok?n=3', '200', 'proxy', '—'],
    ['standin', 'GET https://api.standin.test/ok?n=2', '200', 'proxy', '—'],
    ['standin', 'GET https://api.standin.test/missing', '404', 'proxy', '—'],
    ['standin', 'GET https://api.standin.test/ok?n=1', '200', 'proxy', '—'],
  ]);
  assert.equal(await page.getByText('globex', { exact: false }).count(), 0);
  await h().checkAccessibility(page, 'the audit');

  await page.getByRole('combobox', { name: 'Connection' }).selectOption('standin');
  await page.waitForURL(/link=standin/);
  await page.getByText('3 calls').waitFor();
  await page.getByRole('combobox', { name: 'Status' }).selectOption('error');
  await page.waitForURL(/status=error/);
  await page.getByText('1 call', { exact: true }).waitFor();
  assert.deepEqual((await rows(table)).map(call), [['standin', 'GET https://api.standin.test/missing', '404', 'proxy', '—']]);
  await h().screenshot(page, 'audit');

  // The filters are the URL's: a reload keeps them.
  await page.reload();
  await page.getByText('1 call', { exact: true }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Connection' }).inputValue(), 'standin');
  assert.equal(await page.getByRole('combobox', { name: 'Status' }).inputValue(), 'error');
  // Origin "task": none of these.
  await page.getByRole('combobox', { name: 'Origin' }).selectOption('task');
  await page.waitForURL(/origin=task/);
  await page.getByRole('heading', { name: 'No call matches these filters' }).waitFor();
  await page.getByRole('combobox', { name: 'Origin' }).selectOption('proxy');
  await page.getByText('1 call', { exact: true }).waitFor();
  // A custom range, typed in the browser's local time: one starting in an hour holds nothing,
  // one around now holds the failed call again.
  const local = (offsetMs) => localInputTime(page, offsetMs);
  await page.getByRole('combobox', { name: 'When' }).selectOption('custom');
  await page.getByLabel('From').fill(await local(3600e3));
  await page.waitForURL(/from=/);
  await page.getByRole('heading', { name: 'No call matches these filters' }).waitFor();
  await page.getByLabel('From').fill(await local(-3600e3));
  await page.getByLabel('Until').fill(await local(3600e3));
  await page.waitForURL(/to=/);
  await page.getByText('1 call', { exact: true }).waitFor();
  assert.deepEqual((await rows(table)).map(call), [['standin', 'GET https://api.standin.test/missing', '404', 'proxy', '—']]);
  await page.getByRole('combobox', { name: 'When' }).selectOption('');
  // A connection's link leads to its page.
  await page.getByRole('combobox', { name: 'Origin' }).selectOption('');
  await table.getByRole('link', { name: 'standin' }).click();
  await page.getByRole('heading', { name: 'standin', level: 1 }).waitFor();
});

test('a personal API token: shown once with a copy button, then only its prefix; revoked and refused', async () => {
  // Globex's developer has a token of their own, which Acme's never sees.
  const globex = h().developers[1];
  const other = await fetch(`${h().url}/api/v1/auth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: globex.email, password: globex.password, name: 'globex laptop' }),
  });
  h().secrets['the Globex developer\'s token'] = (await other.json()).token;
  const page = await h().newPage();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await openAs(page, h().developers[0], '/settings', 'Settings');
  await page.getByRole('heading', { name: 'No tokens' }).waitFor();
  await page.getByLabel('Token name').fill('laptop');
  await page.getByLabel('Token name').press('Enter');
  const shown = page.getByLabel('The new token');
  await shown.waitFor();
  const token = await shown.innerText();
  assert.match(token, /^rl_/);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  // From now on the token is a secret like any other: while the page shows it, the scan fails.
  await h().shownOnce(page, 'the API token made in the console', token);
  await assert.rejects(h().scanForSecrets(page), /the API token made in the console appears in the DOM/);
  await h().checkAccessibility(page, 'a new token');
  await page.getByRole('button', { name: 'Done' }).click();
  await shown.waitFor({ state: 'detached' });
  await h().scanForSecrets(page);

  // The list is fetched again once the token is made: its table shows when that has landed.
  const table = page.getByRole('region', { name: 'Your API tokens' });
  await table.waitFor();
  const listed = await rows(table);
  assert.deepEqual(listed.map((r) => r[0]), ['laptop']);
  const [row] = listed;
  assert.ok(token.startsWith(row[1].replace('…', '')), `${row[1]} is the token's prefix`);
  assert.equal(row[3], 'Never');
  assert.equal(row[4], 'Never');
  await h().screenshot(page, 'settings-developer');
  // The token works, and its first use is recorded (then at most once a minute): a reload shows
  // when. Used only after the list was read: the list the page fetched on creation may arrive
  // before or after a use made meanwhile.
  const me = await fetch(`${h().url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).user.email, h().developers[0].email);
  const own = await fetch(`${h().url}/api/v1/tokens`, { headers: { Authorization: `Bearer ${token}` } });
  const lastUsed = (await own.json()).tokens.find((t) => t.name === 'laptop').last_used_at;
  assert.equal(typeof lastUsed, 'number');
  await page.reload();
  await table.getByText('laptop').waitFor();
  assert.equal((await rows(table))[0][3], await shownTime(page, lastUsed));
  // A developer gets no admin actions.
  await page.getByText('Only administrators manage the users of Acme Inc and their roles. You are a developer.').waitFor();
  await page.getByText('Only administrators register the clients of Relish\'s OAuth server.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Rotate keys' }).count(), 0);
  assert.equal(await page.getByRole('form', { name: 'Add a user' }).count(), 0);

  // Revoke, confirmed from the keyboard.
  await page.getByRole('button', { name: 'Revoke laptop' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke the token laptop?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Revoke' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'No tokens' }).waitFor();
  const refused = await fetch(`${h().url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(refused.status, 401);
});

test('users and roles: an administrator adds a developer and changes a role; another organization\'s members never shown', async () => {
  const [acme] = h().orgs;
  const page = await h().newPage();
  await openAs(page, h().admin, `/settings?org=${acme.id}`, 'Settings');
  const members = page.getByRole('region', { name: 'Members of Acme Inc' });
  await members.waitFor();
  assert.deepEqual((await rows(members)).map((r) => r[0]), ['admin@localhost', 'dev@acme.test']);

  const password = 'new-developer-password-9x';
  h().secrets['the new developer\'s password'] = password;
  const form = page.getByRole('form', { name: 'Add a user' });
  await form.getByLabel('Email').fill('new@acme.test');
  await form.getByLabel('Name').fill('New Dev');
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Add user' }).click();
  await page.getByText('new@acme.test was added to Acme Inc.').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Members of Acme Inc"] tbody tr').length === 3);
  assert.equal(await form.getByLabel('Password').inputValue(), '');
  assert.equal(await page.getByRole('combobox', { name: 'Role of new@acme.test' }).inputValue(), 'developer');

  await page.getByRole('combobox', { name: 'Role of new@acme.test' }).selectOption('admin');
  await page.getByText('new@acme.test is now an administrator.').waitFor();
  const stored = await h().api('GET', `/api/v1/orgs/${acme.id}/members`);
  assert.deepEqual(stored.users.map((u) => [u.email, u.role]),
                   [['admin@localhost', 'admin'], ['dev@acme.test', 'developer'], ['new@acme.test', 'admin']]);
  await page.getByRole('combobox', { name: 'Role of new@acme.test' }).selectOption('developer');
  await page.getByText('new@acme.test is now a developer.').waitFor();
  // The last administrator stays one: the API's refusal in words.
  await page.getByRole('combobox', { name: 'Role of admin@localhost' }).selectOption('developer');
  await page.getByText('admin@localhost is the last administrator; make another first').waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Role of admin@localhost' }).inputValue(), 'admin');
  assert.equal(await page.getByText('dev@globex.test').count(), 0);
  await h().checkAccessibility(page, 'users and roles');

  // The new developer signs in and gets no admin actions.
  const dev = await h().newPage();
  await openAs(dev, { email: 'new@acme.test', password }, '/settings', 'Settings');
  await dev.getByText('Only administrators manage the users of Acme Inc and their roles. You are a developer.').waitFor();
  assert.equal(await dev.getByRole('button', { name: 'Rotate keys' }).count(), 0);
});

test('OAuth clients: registered and rotated (each secret shown once), deleted; Relish\'s own client refused; keys rotated; the remap shown', async () => {
  await setUpOrgs();
  const [acme] = h().orgs;
  const page = await h().newPage();
  await openAs(page, h().admin, `/settings?org=${acme.id}`, 'Settings');
  const clients = page.getByRole('region', { name: 'Registered clients' });
  await clients.waitFor();

  const form = page.getByRole('form', { name: 'Register a client' });
  await form.getByLabel('Client name').fill('Acme app');
  await form.getByLabel('Redirect URIs').fill('https://app.example/cb');
  await form.getByRole('button', { name: 'Register client' }).click();
  const shown = page.getByLabel('The client secret');
  await shown.waitFor();
  const first = await shown.innerText();
  assert.ok(first.length >= 20);
  await h().shownOnce(page, 'the first client secret', first);
  await page.getByRole('button', { name: 'Done' }).click();
  await shown.waitFor({ state: 'detached' });
  // The list is fetched again after the registration: the new client's row says it has landed.
  await clients.getByRole('cell', { name: 'Acme app', exact: true }).waitFor();
  const row = (await rows(clients)).find((r) => r[0] === 'Acme app');
  assert.ok(row, 'the new client is listed');
  assert.equal(row[2], 'https://app.example/cb');

  await page.getByRole('button', { name: 'Rotate secret of Acme app' }).click();
  await page.getByText('New secret for Acme app; the old one no longer works').waitFor();
  const second = await shown.innerText();
  assert.notEqual(second, first);
  await h().shownOnce(page, 'the rotated client secret', second);
  await h().checkAccessibility(page, 'a rotated secret');
  await page.getByRole('button', { name: 'Done' }).click();
  await shown.waitFor({ state: 'detached' });
  await h().scanForSecrets(page);

  // Relish's own client: listed, not deletable; rotation is refused with the API's message.
  // (The list is fetched again after the rotation, and shows nothing while it loads.)
  await clients.getByRole('cell', { name: /Relish's own/ }).waitFor();
  const system = (await rows(clients)).find((r) => r[0].includes('Relish\'s own'));
  assert.ok(system, 'the system client is listed');
  assert.ok(!system[4].includes('Delete'));
  await page.getByRole('button', { name: /^Rotate secret of Relish connections/ }).click();
  await page.getByText(/^Relish's own client is used by every organization's bigin connections; its secret cannot be replaced/).waitFor();
  await h().screenshot(page, 'settings');

  await page.getByRole('button', { name: 'Delete Acme app' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete the client Acme app?' });
  await dialog.getByRole('button', { name: 'Delete' }).click();
  // The list fetched again: the clients' table back (it is empty while it loads), without it.
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('[aria-label="Registered clients"] td')];
    return cells.length > 0 && !cells.some((td) => td.innerText === 'Acme app');
  });
  assert.ok(!(await h().api('GET', '/api/v1/oauth/clients')).clients.some((c) => c.name === 'Acme app'));

  // The keys: rotated after a confirmation; the connections still call with their re-sealed keys.
  await page.getByRole('button', { name: 'Rotate keys' }).click();
  await page.getByRole('dialog', { name: 'Rotate the keys?' }).getByRole('button', { name: 'Rotate' }).click();
  await page.getByText('Keys rotated').waitFor();
  assert.equal(await proxy(acme, 'standin', '/ok?after-rotation'), 200);

  // The remap, read-only.
  const remap = page.getByRole('region', { name: 'Remapped hosts' });
  await remap.waitFor();
  assert.deepEqual(await rows(remap), [['api.standin.test', `http://127.0.0.1:${standIn.address().port}`]]);
  await h().checkAccessibility(page, 'settings');
});
