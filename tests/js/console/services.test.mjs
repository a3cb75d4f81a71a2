// The Services pages in Chromium against a real server, with a real OpenID provider from npm
// (oidc-provider, as tests/js/connections_oidc.mjs uses it) on loopback: a custom service found
// by discovery, validated, created, edited and deleted, and connected in a popup; a client
// credentials service connected without a browser. Split from connections.test.mjs, whose
// pages these connect through. Every planted or issued secret joins the harness's scan.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import Provider from 'oidc-provider';
import { settled, startConsole } from './harness.mjs';
import { asUser, bannerLines, closed, listen, openNewConnection, popupFrom, signInWith, where } from './connection_pages.mjs';

const kClientSecret = 'PLANTED-oidc-client-secret-b7d4e0';
const kAppSecret = 'PLANTED-oidc-app-secret-61d2f8';

// The OpenID provider, its client registered with Relish's callback (known once Relish runs).
const oidc = { issuer: '', apiPort: 0, server: null, api: null };
class MemoryAdapter {
  static store = new Map();
  constructor(name) { this.name = name; }
  async upsert(id, payload, expiresIn) {
    // Opaque token values are their ids: each is a secret the browser must never see.
    if (['AccessToken', 'RefreshToken', 'AuthorizationCode', 'ClientCredentials'].includes(this.name)) h().secrets[`an issued ${this.name}`] = id;
    MemoryAdapter.store.set(`${this.name}:${id}`, { payload, expires: expiresIn ? Date.now() + expiresIn * 1000 : null });
  }
  async find(id) {
    const e = MemoryAdapter.store.get(`${this.name}:${id}`);
    return e && !(e.expires && e.expires < Date.now()) ? e.payload : undefined;
  }
  async findByUid(uid) {
    for (const [k, e] of MemoryAdapter.store) if (k.startsWith(`${this.name}:`) && e.payload.uid === uid) return e.payload;
    return undefined;
  }
  async findByUserCode() { return undefined; }
  async consume(id) { const e = MemoryAdapter.store.get(`${this.name}:${id}`); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { MemoryAdapter.store.delete(`${this.name}:${id}`); }
  async revokeByGrantId(grantId) {
    for (const [k, e] of MemoryAdapter.store) if (e.payload.grantId === grantId) MemoryAdapter.store.delete(k);
  }
}
async function startProvider(h) {
  oidc.server = http.createServer();
  const port = await listen(oidc.server);
  oidc.issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(oidc.issuer, {
    adapter: MemoryAdapter,
    clients: [{
      client_id: 'relish-console',
      client_secret: kClientSecret,
      redirect_uris: [`${h.url}/oauth/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid offline_access api:read',
    }, {
      // An app without a user: the client credentials grant.
      client_id: 'relish-app',
      client_secret: kAppSecret,
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'api:read',
    }],
    scopes: ['openid', 'offline_access', 'api:read'],
    features: { devInteractions: { enabled: true }, revocation: { enabled: true }, clientCredentials: { enabled: true } },
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    pkce: { required: () => true },
  });
  oidc.server.on('request', provider.callback());
  // Its API: the token's subject (a user's, or the app's own), 401 without a valid token.
  oidc.api = http.createServer(async (req, res) => {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const at = token ? await provider.AccessToken.find(token) : undefined;
    const app = token && !at ? await provider.ClientCredentials.find(token) : undefined;
    res.writeHead(at || app ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(at ? { sub: at.accountId, path: req.url }
      : app ? { client: app.clientId, path: req.url } : { error: 'invalid_token' }));
  });
  oidc.apiPort = await listen(oidc.api);
  h.secrets['the OpenID client secret'] = kClientSecret;
  h.secrets['the OpenID app\'s client secret'] = kAppSecret;
}
after(() => {
  oidc.server?.close();
  oidc.api?.close();
});

const h = startConsole({
  env: { RELISH_EGRESS_ALLOW_LOOPBACK: 'true' },  // the provider and its API are on loopback
  started: startProvider,
});
const signedIn = signInWith(h);

test('a custom service by discovery: validated at its lines, created, its OAuth app set, connected in a popup', async () => {
  const [acme] = h().developers;
  const page = await signedIn(acme, '/services');
  await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
  await h().checkAccessibility(page, 'the services');
  await page.getByLabel('Search services').fill('google');
  await h().screenshot(page, 'services-catalog');
  await page.getByRole('link', { name: 'New custom service' }).click();
  await page.getByRole('heading', { name: 'New custom service', level: 1 }).waitFor();
  // The definition in the code editor (CodeMirror, YAML), checked as it changes.
  const editor = page.getByRole('textbox', { name: 'Definition (YAML)' });
  // Its text, line by line (CodeMirror draws each line as a .cm-line; an empty one holds a <br>).
  const editorLines = () => editor.locator('.cm-line').evaluateAll((lines) => lines.map((l) => l.textContent));
  const problems = page.getByRole('region', { name: 'Problems' });
  const checked = problems.getByRole('status');
  await problems.getByText('Valid: My API (my_api).').waitFor();
  // YAML's grammar is a chunk of its own, fetched when the editor opens: the check can answer
  // before the text is highlighted.
  await settled(() => page.locator('.code-editor .tok-property').allInnerTexts(),
                ['id', 'name', 'description', 'docs', 'auth', 'base_url', 'allowed_hosts']);

  await page.getByLabel('Issuer URL').fill(oidc.issuer);
  await page.getByRole('button', { name: 'Discover' }).click();
  await page.getByText(`Draft from ${oidc.issuer}`).waitFor();
  const { draft } = await asUser(page, 'POST', `/api/v1/services/discover?org=${acme.org.id}`, { issuer: oidc.issuer })
    .then((r) => r.body);
  assert.deepEqual(await editorLines(), draft.split('\n'));
  assert.equal(draft.split('\n')[0], 'id: my_service             # choose: lowercase, a-z 0-9 _');
  assert.ok(draft.includes(`  token_url: ${oidc.issuer}/token\n`));
  await checked.getByText('Valid: ').waitFor();

  // The API at 127.0.0.1 without its origin among the allowed hosts: the message at its line.
  const api = `http://127.0.0.1:${oidc.apiPort}`;
  const lines = draft.split('\n').map((line) => {
    if (line.startsWith('id:')) return 'id: testidp';
    if (line.startsWith('name:')) return 'name: Test IdP';
    if (line.startsWith('base_url:')) return `base_url: ${api}/v1`;
    return line;
  });
  await editor.fill(lines.join('\n'));
  const messages = problems.getByRole('listitem');
  await messages.first().waitFor();
  const baseLine = lines.findIndex((l) => l.startsWith('base_url:')) + 1;
  assert.deepEqual(await messages.allInnerTexts(), [
    `Line ${baseLine}, column 11\n'base_url' origin ${api} is not in allowed_hosts`,
  ]);
  assert.equal(await checked.innerText(), '1 problem:');
  // At its line and column in the editor (the value, where the server's YAML parser placed the
  // message): underlined, and marked in the gutter.
  assert.deepEqual(await page.locator('.code-editor .cm-lintRange-error').allInnerTexts(), [`${api}/v1`]);
  assert.equal(await page.locator('.code-editor .cm-lint-marker-error').count(), 1);
  await problems.getByRole('button', { name: `Line ${baseLine}, column 11` }).click();
  assert.equal(await page.locator('.code-editor .cm-lineNumbers .cm-activeLineGutter').innerText(), String(baseLine));
  assert.equal(await editor.evaluate((content) => {
    const selection = content.getRootNode().getSelection();
    const node = selection.focusNode;
    const line = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement).closest('.cm-line');
    const range = document.createRange();
    range.setStart(line, 0);
    range.setEnd(selection.focusNode, selection.focusOffset);
    return range.toString();
  }), 'base_url: ');
  assert.equal(await editor.evaluate((el) => el.getRootNode().activeElement === el), true);
  await h().checkAccessibility(page, 'the YAML editor with a message');
  await h().screenshot(page, 'service-new-invalid');

  const fixed = lines.map((l) => (l.startsWith('allowed_hosts:') ? `allowed_hosts: ['${api}']` : l));
  await editor.fill(fixed.join('\n'));
  await checked.getByText('Valid: Test IdP (testidp).').waitFor();
  assert.equal(await messages.count(), 0);
  assert.equal(await page.locator('.code-editor .cm-lintRange-error').count(), 0);
  await page.getByRole('button', { name: 'Create service' }).click();

  // The service's page: custom, editable by its creator; its OAuth app to set.
  await page.getByRole('heading', { name: 'Test IdP', level: 1 }).waitFor();
  assert.equal(where(page), `/services/testidp?org=${acme.org.id}&environment=sandbox`);
  assert.equal(await page.locator('.service-line').innerText(), 'testidp · Other · OAuth 2.0 · Custom');
  assert.equal(await page.getByRole('link', { name: 'Edit' }).count(), 1);
  const app = page.getByRole('region', { name: 'OAuth app' });
  await app.getByText('No OAuth app yet').waitFor();
  await app.getByLabel('Client ID').fill('relish-console');
  await app.getByLabel('Client secret').fill(kClientSecret);
  await app.getByRole('button', { name: 'Save OAuth app' }).click();
  await app.getByText('The OAuth app was saved.').waitFor();
  assert.equal(await app.locator('.oauth-app__status').innerText(), 'Client ID relish-console; a client secret is set.');
  assert.equal(await app.getByLabel('Client secret').inputValue(), '');
  await h().checkAccessibility(page, 'a custom service');
  await h().screenshot(page, 'service-detail');

  // A connection of it, through the provider's sign-in and consent in the popup.
  await page.getByRole('link', { name: 'New connection' }).click();
  await page.getByRole('heading', { name: 'New Test IdP connection', level: 1 }).waitFor();
  assert.equal(await page.locator('.link-preview__name').innerText(), 'test_idp');
  for (const scope of ['openid', 'offline_access', 'api:read']) await page.getByRole('checkbox', { name: scope }).check();
  const popup = await popupFrom(page, page.getByRole('button', { name: 'Create and Connect' }));
  await popup.locator('input[name="login"]').fill('user-1');
  await popup.locator('input[name="password"]').fill('any');
  await popup.getByRole('button', { name: 'Sign-in' }).click();
  await popup.getByRole('button', { name: 'Continue' }).click();
  await closed(popup);
  await page.getByRole('heading', { name: 'test_idp', level: 1 }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');
  const details = await page.getByRole('region', { name: 'Details' }).locator('.facts').innerText();
  // The provider grants offline_access only with prompt=consent, which this service does not ask.
  assert.ok(details.includes('Requested scopes\nopenid\noffline_access\napi:read\n' +
                             'Granted scopes\nopenid\napi:read\nNot granted\noffline_access\n'), details);

  const test = page.getByRole('region', { name: 'Test call' });
  await test.getByLabel('URL').fill(`${api}/v1/me`);
  await test.getByRole('button', { name: 'Run test call' }).click();
  await test.getByRole('status', { name: 'Test call result' }).waitFor();
  assert.equal(await test.getByLabel('Response body').innerText(), JSON.stringify({ sub: 'user-1', path: '/v1/me' }, null, 2));

  // A service in use cannot go; the API says why.
  await page.getByRole('link', { name: 'Test IdP' }).click();
  await page.getByRole('heading', { name: 'Test IdP', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: 'Delete Test IdP?' }).getByRole('button', { name: 'Delete service' }).click();
  assert.deepEqual(await bannerLines(page, 'Could not delete the service'), [
    'Could not delete the service', 'service \'testidp\' is used by 1 connection(s); delete them first', '×',
  ]);

  // Edited in the same editor: the name changes, nothing else.
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('heading', { name: 'Edit Test IdP', level: 1 }).waitFor();
  await editor.waitFor();
  assert.deepEqual(await editorLines(), fixed);
  await editor.fill(fixed.join('\n').replace('name: Test IdP', 'name: Test Identity'));
  await checked.getByText('Valid: Test Identity (testidp).').waitFor();
  // Unsaved: Cancel asks first, and staying keeps the edit.
  const asked = [];
  page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.dismiss(); });
  await page.getByRole('link', { name: 'Cancel' }).click();
  assert.deepEqual(asked, ['The service definition has unsaved changes. Leave and lose them?']);
  assert.equal(await page.getByRole('heading', { name: 'Edit Test IdP', level: 1 }).count(), 1);
  assert.ok((await editorLines()).includes('name: Test Identity'));
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('heading', { name: 'Test Identity', level: 1 }).waitFor();

  // Another developer of the organization uses it, but may not change or delete it.
  const colleague = { email: 'dev2@acme.test', password: 'Acme-colleague-password-9w' };
  await h().api('POST', '/api/v1/users', { ...colleague, role: 'developer', orgs: [acme.org.id] });
  h().secrets['the colleague\'s password'] = colleague.password;
  const other = await signedIn(colleague, `/services/testidp?org=${acme.org.id}&environment=sandbox`);
  await other.getByRole('heading', { name: 'Test Identity', level: 1 }).waitFor();
  assert.equal(await other.getByRole('link', { name: 'New connection' }).count(), 1);
  assert.equal(await other.getByRole('link', { name: 'Edit' }).count(), 0);
  assert.equal(await other.getByRole('button', { name: 'Delete' }).count(), 0);

  // Unused, its creator deletes it.
  assert.equal((await asUser(page, 'DELETE', `/api/v1/connections/test_idp?org=${acme.org.id}`)).status, 200);
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: 'Delete Test Identity?' }).getByRole('button', { name: 'Delete service' }).click();
  await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
  assert.equal(where(page), `/services?deleted=testidp&org=${acme.org.id}&environment=sandbox`);
  assert.deepEqual(await bannerLines(page, 'was deleted'), ['The service testidp was deleted.', '×']);
  assert.equal((await asUser(page, 'GET', `/api/v1/services/testidp?org=${acme.org.id}`)).status, 404);
});

test('client credentials: the OAuth app saved on the form, Create and Connect fetches the app\'s token, the test call uses it', async () => {
  const [, globex] = h().developers;
  const api = `http://127.0.0.1:${oidc.apiPort}`;
  const yaml = [
    'id: idp_app', 'name: IdP App', 'auth: oauth2_client_credentials',
    `base_url: ${api}/v1`, `allowed_hosts: ['${api}']`, `token_hosts: ['${oidc.issuer}']`,
    'oauth2:', `  token_url: ${oidc.issuer}/token`, '  scopes: [api:read]', '  client_auth: basic',
    'test:', '  method: GET', `  url: ${api}/v1/me`, '  expect_status: 200', ''].join('\n');
  await h().api('POST', `/api/v1/services?org=${globex.org.id}&environment=sandbox`, { yaml });
  const page = await signedIn(globex);
  await openNewConnection(page, 'idp app', 'IdP App');
  assert.equal(await page.locator('.service-line').innerText(), 'OAuth 2.0 client credentials · idp_app');
  await page.getByText('This organization has no OAuth app for this service yet').waitFor();
  const app = page.getByRole('region', { name: 'OAuth app' });
  await app.getByLabel('Client ID').fill('relish-app');
  await app.getByLabel('Client secret').fill(kAppSecret);
  await app.getByRole('button', { name: 'Save OAuth app' }).click();
  await app.getByText('The OAuth app was saved.').waitFor();
  await page.getByRole('checkbox', { name: 'api:read' }).check();
  await h().checkAccessibility(page, 'a client credentials connection\'s form');
  await page.getByRole('button', { name: 'Create and Connect' }).click();
  await page.getByRole('heading', { name: 'idp_app', level: 1 }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  assert.equal(await status.locator('.conn-status').innerText(), 'Connected');
  const details = await page.getByRole('region', { name: 'Details' }).locator('.facts').innerText();
  assert.ok(details.includes('Requested scopes\napi:read\nGranted scopes\napi:read\nNot granted\nNone\n'), details);
  // No browser involved: no Authorize button, a token fetched again on request.
  assert.equal(await status.getByRole('button', { name: 'Authorize' }).count(), 0);
  await status.getByRole('button', { name: 'Connect now' }).click();
  await page.getByText('Connected: a token was fetched.').waitFor();

  const test = page.getByRole('region', { name: 'Test call' });
  await test.getByRole('button', { name: 'Run test call' }).click();
  const result = test.getByRole('status', { name: 'Test call result' });
  await result.waitFor();
  assert.equal(await result.getByLabel('Response body').innerText(),
               JSON.stringify({ client: 'relish-app', path: '/v1/me' }, null, 2));
  await h().checkAccessibility(page, 'a client credentials connection');
  await h().screenshot(page, 'connection-client-credentials');
});
