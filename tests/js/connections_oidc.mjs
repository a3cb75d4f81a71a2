// Connections against a real OAuth 2.0 / OpenID authorization server (oidc-provider from the npm
// registry), all on loopback, driven through Relish's REST API as a user would:
//   code + PKCE, refresh (ahead of expiry), client credentials, revocation, the credentialed
//   proxy, and the refusals: wrong / expired / replayed state, replayed code, wrong verifier,
//   wrong redirect, revoked refresh token, provider down, provider answering garbage. The
//   callback is met as a browser not signed in to Relish: through its confirmation page.
// Then the leak check: every secret planted or issued must be absent from every API response,
// the log file, the audit and the database files.
//
// usage: node connections_oidc.mjs RELISH_URL DATA_DIR LOG_FILE
import assert from 'node:assert/strict';
import http from 'node:http';
import { Relish, assertNoSecrets, listen, signInAtProvider as signInAt, sleep, startProvider, validToken } from './oauth_harness.mjs';

const [relishUrl, dataDir, logFile] = process.argv.slice(2);
const CLIENT_SECRET = 'PLANTED-client-secret-7d1e9c0b4a';
const API_KEY = 'PLANTED-api-key-52c8e1f0d9';
const secrets = new Set([CLIENT_SECRET, API_KEY]);  // grows with every token the provider issues
let step = 'setup';

// ---------------------------------------------------------------- the authorization server
let accessTtl = 3600;
let tokenMode = 'normal';  // 'garbage': the token endpoint answers HTML 200
const { provider, issuer, store, grants, server: providerServer } = await startProvider({
  relishUrl, clientId: 'relish-test', clientSecret: CLIENT_SECRET, secrets,
  accessTtl: () => accessTtl,
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  extraRedirects: ['http://127.0.0.1:9/elsewhere'],
  features: { revocation: { enabled: true }, clientCredentials: { enabled: true } },
  intercept: (req, res) => {
    if (tokenMode !== 'garbage' || !req.url.startsWith('/token')) return false;
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>maintenance</html>');
    return true;
  },
});

// A protected API: answers with the token's subject, 401 without a valid token.
const apiServer = http.createServer(async (req, res) => {
  const at = await validToken(provider, req);
  if (!at) { res.writeHead(401, { 'content-type': 'application/json' }); res.end('{"error":"invalid_token"}'); return; }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ sub: at.accountId || at.clientId, path: req.url }));
});
const apiPort = await listen(apiServer);

// ---------------------------------------------------------------- Relish's REST API
const relish = new Relish(relishUrl);
const responses = relish.responses;  // every answer, for the leak scan
const api = (...args) => relish.api(...args);
const callback = (url) => relish.callback(url);
const signInAtProvider = (url, options) => signInAt(relishUrl, url, options);

async function authorize(link) {
  const { authorize_url } = await api('POST', `/api/v1/connections/${link}/authorize`);
  return authorize_url;
}
const proxy = (link, path) => api('GET', `/api/v1/proxy/${link}/${path}`, undefined, { raw: true });
const connection = (link) => api('GET', `/api/v1/connections/${link}`);

// ---------------------------------------------------------------- the scenario
try {
  step = 'sign in';
  await relish.signIn(secrets, 'oidc test');  // its answer, the one showing the token, is not kept

  step = 'discover the provider and define a custom service';
  const found = await api('POST', '/api/v1/services/discover', { issuer });
  assert.equal(found.token_endpoint, `${issuer}/token`);
  assert.equal(found.revocation_endpoint, `${issuer}/token/revocation`);
  assert.equal(found.pkce, true);
  const serviceYaml = `id: testidp
name: Test IdP
auth: oauth2
base_url: http://127.0.0.1:${apiPort}/v1
allowed_hosts: ['http://127.0.0.1:${apiPort}']
token_hosts: ['${issuer}']
oauth2:
  authorize_url: ${found.authorization_endpoint}
  token_url: ${found.token_endpoint}
  revoke_url: ${found.revocation_endpoint}
  scopes: [openid, offline_access, 'api:read']
  default_scopes: [openid, offline_access, 'api:read']
  authorize_params: {prompt: consent}
  client_auth: basic
`;
  await api('POST', '/api/v1/services', serviceYaml, { contentType: 'application/yaml' });
  await api('PUT', '/api/v1/services/testidp/client', { client_id: 'relish-test', client_secret: CLIENT_SECRET });
  await api('POST', '/api/v1/connections', { name: 'IdP', service: 'testidp' });

  step = 'code + PKCE';
  const authUrl = await authorize('idp');
  const params = new URL(authUrl).searchParams;
  assert.equal(params.get('code_challenge_method'), 'S256');
  assert.equal(params.get('redirect_uri'), `${relishUrl}/oauth/callback`);
  const back = await signInAtProvider(authUrl);
  const done = await callback(back);
  assert.equal(done.status, 200, done.text);
  assert.match(done.text, /The connection &#39;idp&#39; is authorized/);
  let c = await connection('idp');
  assert.equal(c.status, 'connected');
  assert.deepEqual(c.authorizations[0].granted_scopes.sort(), ['api:read', 'offline_access', 'openid']);
  assert.equal(grants.authorization_code, 1);

  step = 'the proxy injects the token';
  let r = await proxy('idp', 'items?x=1');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { sub: 'user-1', path: '/v1/items?x=1' });

  step = 'replayed state and replayed code';
  r = await callback(back);
  assert.equal(r.status, 400);
  assert.match(r.text, /unknown or already used authorization state/);
  assert.equal(grants.authorization_code, 1, 'a replayed callback must not reach the token endpoint');

  step = 'wrong state';
  r = await api('GET', '/oauth/callback?state=forged&code=x', undefined, { raw: true });
  assert.equal(r.status, 400);
  assert.match(r.text, /unknown or already used authorization state/);

  step = 'wrong verifier: a code made for one authorization delivered with another state';
  await api('POST', '/api/v1/connections', { name: 'IdP Two', service: 'testidp' });
  const urlA = await authorize('idp_two');
  const urlB = await authorize('idp_two');
  const backA = await signInAtProvider(urlA);
  const codeA = new URL(backA).searchParams.get('code');
  const stateB = new URL(urlB).searchParams.get('state');
  r = await callback(`${relishUrl}/oauth/callback?code=${encodeURIComponent(codeA)}&state=${encodeURIComponent(stateB)}`);
  assert.equal(r.status, 400);
  assert.match(r.text, /exchanging the authorization code: the provider refused: invalid_grant/);
  c = await connection('idp_two');
  assert.equal(c.status, 'needs_reauth');

  step = 'wrong redirect: a code issued for another redirect URI';
  const urlC = await authorize('idp_two');
  const elsewhere = 'http://127.0.0.1:9/elsewhere';
  const backC = await signInAtProvider(urlC, {
    stopAt: elsewhere,
    rewrite: (u) => { const x = new URL(u); x.searchParams.set('redirect_uri', elsewhere); return x.href; },
  });
  const q = new URL(backC).searchParams;
  r = await callback(`${relishUrl}/oauth/callback?code=${encodeURIComponent(q.get('code'))}&state=${encodeURIComponent(q.get('state'))}`);
  assert.equal(r.status, 400);
  assert.match(r.text, /the provider refused: invalid_grant/);

  step = 'expired state';
  const urlD = await authorize('idp_two');
  await sleep(4500);  // RELISH_AUTHORIZATION_TIMEOUT is 4s in this test
  const backD = await signInAtProvider(urlD);
  r = await callback(backD);
  assert.equal(r.status, 400);
  assert.match(r.text, /the authorization took longer than 4 seconds; start it again/);

  step = 'refresh ahead of expiry, single flight under concurrency';
  accessTtl = 2;  // new tokens live 2 seconds; RELISH_REFRESH_MARGIN is 1s
  const urlE = await authorize('idp_two');
  assert.equal((await callback(await signInAtProvider(urlE, { login: 'user-2' }))).status, 200);
  await sleep(1200);  // inside the margin
  const before = grants.refresh_token;
  const results = await Promise.all(Array.from({ length: 50 }, () => proxy('idp_two', 'me')));
  for (const x of results) assert.equal(x.status, 200, x.text);
  assert.equal(grants.refresh_token - before, 1, 'fifty concurrent calls must cause exactly one refresh');
  c = await connection('idp_two');
  assert.equal(c.status, 'connected');
  assert.ok(c.authorizations[0].refreshed_at > 0);

  step = 'revoked refresh token';
  accessTtl = 3600;
  // Revoke at the provider directly, as a user removing the app's access would: the refresh
  // tokens of this new grant only.
  accessTtl = 1;
  const known = new Set(store.keys());
  const urlF = await authorize('idp');
  assert.equal((await callback(await signInAtProvider(urlF))).status, 200);
  for (const k of [...store.keys()]) {
    if (k.startsWith('RefreshToken:') && !known.has(k)) store.delete(k);
  }
  await sleep(1100);
  r = await proxy('idp', 'me');
  assert.equal(r.status, 409, r.text);
  assert.match(JSON.parse(r.text).message, /connection 'idp' needs to be authorized again: the provider refused: invalid_grant/);
  c = await connection('idp');
  assert.equal(c.status, 'needs_reauth');

  step = 'provider answering garbage';
  accessTtl = 1;
  const urlG = await authorize('idp');
  assert.equal((await callback(await signInAtProvider(urlG))).status, 200);
  await sleep(1100);
  tokenMode = 'garbage';
  r = await proxy('idp', 'me');
  assert.equal(r.status, 503, r.text);
  assert.match(JSON.parse(r.text).message, /answered with something that is not a token response: <html>maintenance<\/html>/);
  tokenMode = 'normal';

  step = 'client credentials';
  accessTtl = 3600;
  await api('POST', '/api/v1/services', `id: testidp_cc
name: Test IdP machine
auth: oauth2_client_credentials
base_url: http://127.0.0.1:${apiPort}/v1
allowed_hosts: ['http://127.0.0.1:${apiPort}']
token_hosts: ['${issuer}']
oauth2:
  token_url: ${issuer}/token
  scopes: ['api:read']
`, { contentType: 'application/yaml' });
  await api('PUT', '/api/v1/services/testidp_cc/client', { client_id: 'relish-test', client_secret: CLIENT_SECRET });
  await api('POST', '/api/v1/connections', { name: 'Machine', service: 'testidp_cc', scopes: ['api:read'] });
  c = await api('POST', '/api/v1/connections/machine/connect');
  assert.equal(c.status, 'connected');
  r = await proxy('machine', 'jobs');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { sub: 'relish-test', path: '/v1/jobs' });
  assert.equal(grants.client_credentials, 1);

  step = 'a token the API refuses is refreshed once and the request sent again';
  accessTtl = 3600;
  const urlR = await authorize('idp');
  assert.equal((await callback(await signInAtProvider(urlR))).status, 200);
  r = await proxy('idp', 'me?q=1');
  assert.equal(r.status, 200, r.text);
  // The provider forgets the access tokens (still unexpired as far as Relish knows).
  for (const k of [...store.keys()]) if (k.startsWith('AccessToken:')) store.delete(k);
  const refreshesBefore = grants.refresh_token;
  r = await proxy('idp', 'me?q=2');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { sub: 'user-1', path: '/v1/me?q=2' });
  assert.equal(grants.refresh_token - refreshesBefore, 1);

  step = 'provider down during a refresh';
  accessTtl = 1;
  const urlH = await authorize('idp');
  assert.equal((await callback(await signInAtProvider(urlH))).status, 200);
  await sleep(1100);
  await new Promise((resolve) => { providerServer.close(resolve); providerServer.closeAllConnections?.(); });
  r = await proxy('idp', 'me');
  assert.equal(r.status, 503, r.text);
  assert.match(JSON.parse(r.text).message, /token endpoint 127\.0\.0\.1 is unreachable/);
  c = await connection('idp');
  assert.equal(c.status, 'connected');  // not given up after one failure
  assert.equal(c.authorizations[0].refresh_failures, 1);
  providerServer.listen(Number(new URL(issuer).port), '127.0.0.1');
  await sleep(100);

  step = 'revocation (RFC 7009) through Relish';
  accessTtl = 3600;
  const before2 = store.size;
  c = await api('POST', '/api/v1/connections/idp_two/revoke');
  assert.equal(c.status, 'revoked');
  assert.equal(c.authorizations[0].reason, 'revoked');
  assert.ok(store.size < before2, 'the provider forgot the revoked grant');
  r = await proxy('idp_two', 'me');
  assert.equal(r.status, 409);
  assert.match(JSON.parse(r.text).message, /connection 'idp_two' was revoked/);

  step = 'an API key connection';
  await api('POST', '/api/v1/services', `id: keyed_api
name: Keyed API
auth: api_key
base_url: http://127.0.0.1:${apiPort}/v1
allowed_hosts: ['http://127.0.0.1:${apiPort}']
api_key: {in: header, fields: [{name: X-Api-Key, label: Key}]}
`, { contentType: 'application/yaml' });
  await api('POST', '/api/v1/connections', { name: 'Keyed', service: 'keyed_api' });
  await api('PUT', '/api/v1/connections/keyed/credentials', { fields: { 'X-Api-Key': API_KEY } });
  r = await proxy('keyed', 'x');
  assert.equal(r.status, 401);  // the test API only knows OAuth tokens; the key was still sent

  step = 'audit';
  const audit = await api('GET', '/api/v1/audit?limit=1000');
  assert.ok(audit.entries.length >= 55);
  assert.ok(audit.entries.every((e) => e.url.startsWith(`http://127.0.0.1:${apiPort}/v1/`)));

  step = 'no secret anywhere';
  const scanned = await assertNoSecrets(secrets, { 'API responses': responses.join('\n') }, { logFile, dataDir, atLeast: 10 });
  console.log(`ok: ${Object.values(grants).reduce((a, b) => a + b)} grants, ${secrets.size} secrets checked in ${scanned} places`);
  process.exit(0);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  process.exit(1);
}
