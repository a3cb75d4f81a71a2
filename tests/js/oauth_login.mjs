// A generic OAuth 2.0 client library (openid-client, from npm) signs in to a running Relish:
// discovery (RFC 8414), the authorization-code flow with PKCE and state, the sign-in and consent
// forms (posted here as a browser would), the token exchange with HTTP Basic client
// authentication, a call to the CRM's API with the token, refresh with rotation, revocation.
//
//   node tests/js/oauth_login.mjs http://127.0.0.1:PORT   (RELISH_ADMIN_EMAIL/PASSWORD set)
import assert from 'node:assert/strict';
import * as client from 'openid-client';

const base = process.argv[2];
const email = process.env.RELISH_ADMIN_EMAIL;
const password = process.env.RELISH_ADMIN_PASSWORD;
const redirectUri = 'http://127.0.0.1:9/callback';
let passed = 0;

function check(name, fn) {
  return Promise.resolve(fn()).then(() => {
    passed++;
    console.log(`ok - ${name}`);
  });
}

// A tiny browser: a cookie jar and manual redirects.
const jar = new Map();
async function browse(url, init = {}) {
  const headers = new Headers(init.headers || {});
  if (jar.size) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  const response = await fetch(new URL(url, base), { ...init, headers, redirect: 'manual' });
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return response;
}

// The hidden inputs and the first <option> of a server-rendered form.
function formFields(html) {
  const fields = {};
  const unescape = (s) => s.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    if (!(m[1] in fields)) fields[m[1]] = unescape(m[2]);
  }
  const option = html.match(/<option value="([^"]*)">/);
  if (option) fields.org = unescape(option[1]);
  return fields;
}

async function json(url, init) {
  const r = await fetch(new URL(url, base), init);
  assert.equal(r.status < 300, true, `${url}: ${r.status} ${await r.clone().text()}`);
  return r.json();
}

// Set-up through Relish's own REST API: an API token and a registered OAuth client.
const { token: apiToken } = await json('/api/v1/auth/token', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ email, password, name: 'js test' }),
});
const registered = await json('/api/v1/oauth/clients', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiToken}` },
  body: JSON.stringify({
    name: 'openid-client test',
    redirect_uris: [redirectUri],
    scopes: ['ZohoBigin.modules.ALL', 'ZohoBigin.users.READ'],
  }),
});

const config = await client.discovery(
    new URL(base), registered.client_id, undefined, client.ClientSecretBasic(registered.client_secret),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
await check('discovery', () => {
  assert.equal(config.serverMetadata().issuer, base);
  assert.deepEqual(config.serverMetadata().code_challenge_methods_supported, ['S256']);
});

const verifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const authorizationUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'ZohoBigin.modules.ALL ZohoBigin.users.READ',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  access_type: 'offline',
});

let callback;
await check('sign-in and consent forms', async () => {
  let r = await browse(authorizationUrl);
  assert.equal(r.status, 302);
  const login = r.headers.get('location');
  assert.match(login, /^\/login\?next=/);
  r = await browse(login);
  assert.equal(r.status, 200);
  const loginForm = formFields(await r.text());
  r = await browse('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...loginForm, email, password }),
  });
  assert.equal(r.status, 303);
  r = await browse(r.headers.get('location'));
  assert.equal(r.status, 200);
  const page = await r.text();
  assert.match(page, /Allow openid-client test to use your CRM\?/);
  assert.match(page, /Read, create, update and delete records in every module/);
  const consent = formFields(page);
  r = await browse('/oauth/authorize', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...consent, environment: 'sandbox', decision: 'allow' }),
  });
  assert.equal(r.status, 303);
  callback = new URL(r.headers.get('location'));
  assert.equal(callback.origin + callback.pathname, redirectUri);
});

const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: verifier,
  expectedState: state,
});
await check('code exchange with PKCE, state and iss checked by the library', () => {
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.expires_in, 3600);
  assert.equal(tokens.api_domain, base);
  assert.ok(tokens.refresh_token);
  assert.equal(tokens.scope, 'ZohoBigin.modules.ALL ZohoBigin.users.READ');
});

await check('the CRM API with the token', async () => {
  const created = await fetch(`${tokens.api_domain}/bigin/v2/Contacts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Zoho-oauthtoken ${tokens.access_token}` },
    body: JSON.stringify({ data: [{ First_Name: 'Ada', Last_Name: 'Lovelace', Email: 'ada@example.com' }] }),
  });
  assert.equal(created.status, 201);
  const id = (await created.json()).data[0].details.id;
  // The library's own protected-resource call sends "Authorization: Bearer".
  const read = await client.fetchProtectedResource(
      config, tokens.access_token, new URL(`/bigin/v2/Contacts/${id}`, base), 'GET');
  assert.equal(read.status, 200);
  const contact = (await read.json()).data[0];
  assert.equal(contact.Full_Name, 'Ada Lovelace');
  assert.equal(contact.Email, 'ada@example.com');
  const me = await client.fetchProtectedResource(
      config, tokens.access_token, new URL('/bigin/v2/users?type=CurrentUser', base), 'GET');
  assert.equal((await me.json()).users[0].email, email);
});

const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
await check('refresh rotates the refresh token', async () => {
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  assert.notEqual(refreshed.access_token, tokens.access_token);
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), {
    error: 'invalid_grant',
    error_description: 'The refresh token was already used; the grant is revoked.',
  });
  // Reusing the old refresh token revoked the whole grant.
  await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token), { error: 'invalid_grant' });
});

// A second authorization while still signed in: straight to the consent page.
let verifier2, state2;
async function authorizeAgain() {
  verifier2 = client.randomPKCECodeVerifier();
  state2 = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'ZohoBigin.modules.ALL',
    code_challenge: await client.calculatePKCECodeChallenge(verifier2),
    code_challenge_method: 'S256',
    state: state2,
    access_type: 'offline',
  });
  let r = await browse(url);
  assert.equal(r.status, 200);
  const consent = formFields(await r.text());
  r = await browse('/oauth/authorize', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...consent, environment: 'production', decision: 'allow' }),
  });
  assert.equal(r.status, 303);
  return new URL(r.headers.get('location'));
}

await check('revocation', async () => {
  // A fresh grant for the revocation check: the previous one was revoked by the reuse above.
  const again = await client.authorizationCodeGrant(config, await authorizeAgain(), {
    pkceCodeVerifier: verifier2,
    expectedState: state2,
  });
  await client.tokenRevocation(config, again.refresh_token);
  const r = await client.fetchProtectedResource(
      config, again.access_token, new URL('/bigin/v2/Contacts', base), 'GET');
  assert.equal(r.status, 401);
});

console.log(`${passed} passed, 0 failed`);
