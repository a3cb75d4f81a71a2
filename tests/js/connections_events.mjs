// Connection events and their webhook deliveries, against a real OAuth 2.0 provider
// (oidc-provider from the npm registry) and a real webhook receiver, all on loopback:
//   - a webhook endpoint made through the REST API shows its signing secret once;
//   - a connection is authorized, then the provider forgets its refresh token: the refresh fails
//     with invalid_grant, and the events say so with the provider's error and description;
//   - the receiver verifies every delivery as docs/webhooks.md tells a receiver to (HMAC-SHA256
//     over "<t>.<body>" with the secret shown at creation, a timestamp within tolerance), and
//     answers the refresh_failed event 500 twice, then 200: the delivery log shows three attempts;
//   - the CLI lists the events and the deliveries;
//   - no token, client secret or the endpoint's secret (after its creation) appears in any event,
//     delivery body, delivery log, API response, CLI output, the log file or the database.
//
// usage: node connections_events.mjs RELISH_URL DATA_DIR LOG_FILE RELISH_BINARY
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const [relishUrl, dataDir, logFile, relishBinary] = process.argv.slice(2);
const ADMIN = { email: 'admin@localhost', password: 'js-test-password-1' };
const CLIENT_SECRET = 'PLANTED-client-secret-e4a91c2d77';
const secrets = new Set([CLIENT_SECRET]);  // grows with every token the provider issues
const responses = [];  // every Relish API response body, for the leak scan
let step = 'setup';

// ---------------------------------------------------------------- the authorization server
let accessTtl = 1;
class MemoryAdapter {
  static store = new Map();
  constructor(name) { this.name = name; }
  key(id) { return `${this.name}:${id}`; }
  async upsert(id, payload, expiresIn) {
    if (['AccessToken', 'RefreshToken', 'AuthorizationCode'].includes(this.name)) secrets.add(id);
    MemoryAdapter.store.set(this.key(id), { payload, expires: expiresIn ? Date.now() + expiresIn * 1000 : null });
  }
  async find(id) {
    const e = MemoryAdapter.store.get(this.key(id));
    if (!e || (e.expires && e.expires < Date.now())) return undefined;
    return e.payload;
  }
  async findByUserCode() { return undefined; }
  async findByUid(uid) {
    for (const [k, e] of MemoryAdapter.store) if (k.startsWith(`${this.name}:`) && e.payload.uid === uid) return e.payload;
    return undefined;
  }
  async consume(id) { const e = MemoryAdapter.store.get(this.key(id)); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { MemoryAdapter.store.delete(this.key(id)); }
  async revokeByGrantId(grantId) {
    for (const [k, e] of MemoryAdapter.store) if (e.payload.grantId === grantId) MemoryAdapter.store.delete(k);
  }
}
const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const providerServer = http.createServer();
const providerPort = await listen(providerServer);
const issuer = `http://127.0.0.1:${providerPort}`;
const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  clients: [{
    client_id: 'relish-events',
    client_secret: CLIENT_SECRET,
    redirect_uris: [`${relishUrl}/oauth/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid offline_access api:read',
  }],
  scopes: ['openid', 'offline_access', 'api:read'],
  features: { devInteractions: { enabled: true } },
  ttl: { AccessToken: () => accessTtl, AuthorizationCode: 60, RefreshToken: 3600, Interaction: 600, Session: 600, Grant: 3600 },
  rotateRefreshToken: () => true,
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  pkce: { required: () => true },
});
provider.proxy = false;
providerServer.on('request', provider.callback());

const apiServer = http.createServer(async (req, res) => {
  const auth = req.headers.authorization || '';
  const at = await provider.AccessToken.find(auth.startsWith('Bearer ') ? auth.slice(7) : '');
  res.writeHead(at && !at.isExpired ? 200 : 401, { 'content-type': 'application/json' });
  res.end(at && !at.isExpired ? JSON.stringify({ sub: at.accountId }) : '{"error":"invalid_token"}');
});
const apiPort = await listen(apiServer);

// ---------------------------------------------------------------- the webhook receiver
// What docs/webhooks.md tells a receiver to do, verbatim in spirit: recompute the HMAC over the
// timestamp and the raw body with the endpoint's secret, compare in constant time, and refuse a
// timestamp more than five minutes away.
const TOLERANCE_SECONDS = 300;
function verify(secret, header, rawBody, nowSeconds = Math.floor(Date.now() / 1000)) {
  const parts = Object.fromEntries((header || '').split(',').map((p) => p.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return 'malformed signature header';
  if (Math.abs(nowSeconds - t) > TOLERANCE_SECONDS) return 'timestamp outside the tolerance';
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature mismatch';
  return null;
}

let webhookSecret = '';
const received = [];  // {headers, body, verdict, answered}
const failuresLeft = new Map();  // event id -> 500s still to answer
const receiver = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const problem = verify(webhookSecret, req.headers['relish-signature'], body);
    let status = problem ? 400 : 200;
    let event = null;
    if (!problem) {
      event = JSON.parse(body);
      if (event.type === 'refresh_failed') {
        if (!failuresLeft.has(event.id)) failuresLeft.set(event.id, 2);
        if (failuresLeft.get(event.id) > 0) {
          failuresLeft.set(event.id, failuresLeft.get(event.id) - 1);
          status = 500;
        }
      }
    }
    received.push({ headers: req.headers, body, problem, event, answered: status });
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 500 ? 'receiver down for maintenance' : problem || 'ok');
  });
});
const receiverPort = await listen(receiver);

// ---------------------------------------------------------------- Relish
let token = '';
async function api(method, path, body, { raw = false, contentType } = {}) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  let payload;
  if (body !== undefined) {
    headers['content-type'] = contentType || 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const r = await fetch(relishUrl + path, { method, headers, body: payload, redirect: 'manual' });
  const text = await r.text();
  responses.push(text);
  if (raw) return { status: r.status, text };
  if (!r.ok) throw new Error(`${method} ${path} -> ${r.status} ${text}`);
  return text ? JSON.parse(text) : {};
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Polls until `check` returns something truthy: the deliveries run on the server's workers.
async function until(what, check) {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function signInAtProvider(authorizeUrl) {
  const jar = new Map();
  const send = async (url, init = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers || {}), cookie } });
    for (const c of r.headers.getSetCookie()) { const [kv] = c.split(';'); const i = kv.indexOf('='); jar.set(kv.slice(0, i), kv.slice(i + 1)); }
    return r;
  };
  let url = authorizeUrl;
  for (let hops = 0; hops < 20; hops++) {
    if (url.startsWith(`${relishUrl}/oauth/callback`)) return url;
    const r = await send(url);
    if (r.status >= 300 && r.status < 400) { url = new URL(r.headers.get('location'), url).href; continue; }
    const html = await r.text();
    const action = html.match(/action="([^"]+)"/)?.[1];
    assert.ok(action, `no form at ${url}`);
    const form = html.includes('name="login"')
      ? new URLSearchParams({ prompt: 'login', login: 'user-1', password: 'any' })
      : new URLSearchParams({ prompt: 'consent' });
    const post = await send(new URL(action, url).href, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    url = new URL(post.headers.get('location'), url).href;
  }
  throw new Error('too many redirects at the provider');
}
// The callback in a browser not signed in to Relish: its confirmation page, then "Connect".
async function callback(url) {
  const r = await fetch(url, { redirect: 'manual' });
  const text = await r.text();
  responses.push(text);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const fields = new URLSearchParams();
  for (const m of text.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(m[1], m[2]);
  fields.append('decision', 'connect');
  const done = await fetch(`${relishUrl}/oauth/callback`, {
    method: 'POST', body: fields, redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
  const doneText = await done.text();
  responses.push(doneText);
  assert.equal(done.status, 200, doneText);
}
const cliOutputs = [];
function cli(...args) {
  const out = execFileSync(relishBinary, args, {
    env: { ...process.env, RELISH_URL: relishUrl, RELISH_TOKEN: token }, encoding: 'utf8',
  });
  cliOutputs.push(out);
  return out;
}

try {
  step = 'sign in';
  token = (await api('POST', '/api/v1/auth/token', { email: ADMIN.email, password: ADMIN.password, name: 'events test' })).token;
  secrets.add(token);
  responses.length = 0;  // the sign-in response shows the new API token once, by design

  step = 'a webhook endpoint, its secret shown once';
  const endpoint = await api('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${receiverPort}/relish`, description: 'events test' });
  assert.match(endpoint.secret, /^whsec_[A-Za-z0-9_-]{40,}$/);
  webhookSecret = endpoint.secret;
  secrets.add(webhookSecret);
  responses.length = 0;  // the creation's answer is the one place the secret is shown
  const listed = await api('GET', '/api/v1/webhooks');
  assert.deepEqual(listed.endpoints.map((e) => e.id), [endpoint.id]);
  assert.equal(listed.endpoints[0].secret, undefined);
  assert.equal((await api('GET', `/api/v1/webhooks/${endpoint.id}`)).secret, undefined);

  step = 'a connection to the provider, authorized';
  await api('POST', '/api/v1/services', `id: eventidp
name: Event IdP
auth: oauth2
base_url: http://127.0.0.1:${apiPort}/v1
allowed_hosts: ['http://127.0.0.1:${apiPort}']
token_hosts: ['${issuer}']
oauth2:
  authorize_url: ${issuer}/auth
  token_url: ${issuer}/token
  scopes: [openid, offline_access, 'api:read']
  default_scopes: [openid, offline_access, 'api:read']
  authorize_params: {prompt: consent}
  client_auth: basic
test: {url: 'http://127.0.0.1:${apiPort}/v1/me'}
`, { contentType: 'application/yaml' });
  await api('PUT', '/api/v1/services/eventidp/client', { client_id: 'relish-events', client_secret: CLIENT_SECRET });
  await api('POST', '/api/v1/connections', { name: 'IdP', service: 'eventidp' });
  const { authorize_url } = await api('POST', '/api/v1/connections/idp/authorize');
  await callback(await signInAtProvider(authorize_url));
  assert.equal((await api('GET', '/api/v1/connections/idp')).status, 'connected');
  assert.equal((await api('GET', '/api/v1/connections/idp')).health, undefined);  // never probed

  step = 'the provider forgets the refresh token: the refresh fails with invalid_grant';
  for (const k of [...MemoryAdapter.store.keys()]) if (k.startsWith('RefreshToken:')) MemoryAdapter.store.delete(k);
  await sleep(1100);  // the 1 s access token is inside RELISH_REFRESH_MARGIN
  const proxied = await api('GET', '/api/v1/proxy/idp/me', undefined, { raw: true });
  assert.equal(proxied.status, 409, proxied.text);
  assert.equal((await api('GET', '/api/v1/connections/idp')).status, 'needs_reauth');

  step = 'the events, with the provider\'s reason';
  const { events } = await api('GET', '/api/v1/connections/events?link=idp');
  assert.deepEqual(events.map((e) => e.type).reverse(), ['created', 'authorized', 'refresh_failed', 'needs_reauth']);
  const failed = events.find((e) => e.type === 'refresh_failed');
  assert.equal(failed.error, 'invalid_grant');
  assert.ok(failed.error_description.length > 0, JSON.stringify(failed));
  assert.equal(failed.reason, `the provider refused: invalid_grant (${failed.error_description})`);
  assert.equal(failed.status, 'needs_reauth');
  assert.deepEqual(failed.connection, { link_name: 'idp', service: 'eventidp' });
  assert.equal(failed.environment, 'sandbox');
  const page = await api('GET', '/api/v1/connections/events?limit=2');
  assert.equal(page.events.length, 2);
  const rest = await api('GET', `/api/v1/connections/events?limit=2&before=${page.next}`);
  assert.deepEqual(rest.events.map((e) => e.type), ['authorized', 'created']);
  assert.deepEqual((await api('GET', '/api/v1/connections/events?type=refresh_failed')).events.map((e) => e.id), [failed.id]);
  const badType = await api('GET', '/api/v1/connections/events?type=exploded', undefined, { raw: true });
  assert.equal(badType.status, 400);
  assert.match(JSON.parse(badType.text).message, /unknown event type 'exploded'/);

  step = 'every event is delivered and verifies; refresh_failed after two 500s';
  await until('the refresh_failed event delivered', () =>
    received.some((r) => r.event?.id === failed.id && r.answered === 200));
  await until('all four events delivered', () =>
    new Set(received.filter((r) => r.answered === 200).map((r) => r.event.id)).size === 4);
  for (const r of received) {
    assert.equal(r.problem, null, `a delivery did not verify: ${r.problem}`);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['relish-event-id'], r.event.id);
  }
  const attempts = received.filter((r) => r.event.id === failed.id);
  assert.deepEqual(attempts.map((r) => r.answered), [500, 500, 200]);
  assert.deepEqual(attempts.map((r) => r.headers['relish-delivery-attempt']), ['1', '2', '3']);
  // The body is the event exactly as the API lists it.
  assert.deepEqual(attempts[2].event, failed);
  // A receiver refuses a tampered body, another secret and an old timestamp.
  const { body: goodBody, headers: goodHeaders } = attempts[2];
  const sig = goodHeaders['relish-signature'];
  assert.equal(verify(webhookSecret, sig, goodBody), null);
  assert.equal(verify(webhookSecret, sig, goodBody.replace('invalid_grant', 'invalid_grunt')), 'signature mismatch');
  assert.equal(verify('whsec_other', sig, goodBody), 'signature mismatch');
  const t = Number(sig.match(/t=(\d+)/)[1]);
  assert.equal(verify(webhookSecret, sig, goodBody, t + TOLERANCE_SECONDS + 1), 'timestamp outside the tolerance');

  step = 'the delivery log: three attempts of refresh_failed';
  const log = await api('GET', `/api/v1/webhooks/deliveries?event=${failed.id}`);
  assert.deepEqual(log.deliveries.map((d) => [d.attempt, d.outcome, d.response_status]),
    [[3, 'delivered', 200], [2, 'retrying', 500], [1, 'retrying', 500]]);
  assert.equal(log.deliveries[1].error, 'the endpoint answered HTTP 500: receiver down for maintenance');
  assert.ok(log.deliveries[1].next_attempt_at > log.deliveries[1].at);
  assert.equal(log.deliveries[0].next_attempt_at, null);
  const all = await api('GET', `/api/v1/webhooks/deliveries?endpoint=${endpoint.id}`);
  assert.equal(all.deliveries.length, 6);

  step = 'the CLI';
  const text = cli('connections', 'events', '--link', 'idp');
  assert.match(text, /idp {2}refresh_failed {2}-> needs_reauth {2}the provider refused: invalid_grant/);
  const json = JSON.parse(cli('connections', 'events', '--type', 'needs_reauth', '--json'));
  assert.deepEqual(json.events.map((e) => e.type), ['needs_reauth']);
  assert.match(cli('webhooks', 'deliveries', '--event', failed.id), /refresh_failed {2}attempt 2 {2}retrying {2}HTTP 500/);
  assert.match(cli('webhooks', 'list'), new RegExp(`${endpoint.id} {2}http://127\\.0\\.0\\.1:${receiverPort}/relish {2}enabled {2}all events`));
  assert.match(cli('webhooks', 'disable', endpoint.id), /disabled/);

  step = 'a health probe: failing is an event, and the connection\'s health';
  const probe = await api('POST', '/api/v1/connections/idp/probe');
  assert.equal(probe.ok, false);
  assert.match(probe.message, /connection 'idp' needs to be authorized again: the provider refused: invalid_grant/);
  assert.ok(probe.event.startsWith('evt_'));
  const health = (await api('GET', '/api/v1/connections/idp')).health;
  assert.equal(health.ok, false);
  assert.equal(health.message, probe.message);
  assert.equal((await api('GET', '/api/v1/connections')).connections[0].health.ok, false);
  const probed = await api('GET', '/api/v1/connections/events?type=probe_failed');
  assert.deepEqual(probed.events.map((e) => e.id), [probe.event]);
  assert.throws(() => cli('connections', 'probe', 'idp'), (e) => {
    cliOutputs.push(e.stdout, e.stderr);
    assert.equal(e.status, 1);
    assert.match(e.stdout, /^failed: connection 'idp' needs to be authorized again/);
    return true;
  });

  step = 'revoked and deleted are events too';
  await api('POST', '/api/v1/connections/idp/revoke');
  await api('DELETE', '/api/v1/connections/idp');
  const after = await api('GET', '/api/v1/connections/events?link=idp');
  assert.deepEqual(after.events.slice(0, 2).map((e) => e.type), ['deleted', 'revoked']);

  step = 'no secret anywhere';
  await sleep(300);  // the log and the audit are written in the background
  const deliveries = await api('GET', '/api/v1/webhooks/deliveries?limit=1000');
  const places = {
    'API responses': responses.join('\n'),
    'delivered bodies and headers': received.map((r) => r.body + JSON.stringify({ ...r.headers, 'relish-signature': '' })).join('\n'),
    'delivery log': JSON.stringify(deliveries),
    'CLI output': cliOutputs.join('\n'),
    log: readFileSync(logFile, 'latin1'),
  };
  for (const f of readdirSync(dataDir)) {
    if (f.startsWith('relish.db')) places[`database file ${f}`] = readFileSync(`${dataDir}/${f}`, 'latin1');
  }
  assert.ok(secrets.size > 4, `too few secrets planted: ${secrets.size}`);
  for (const [where, text] of Object.entries(places)) {
    for (const s of secrets) {
      assert.ok(!text.includes(s), `a secret (${s.slice(0, 6)}...) appears in the ${where}`);
    }
  }
  console.log(`ok: ${received.length} deliveries verified, ${secrets.size} secrets checked in ${Object.keys(places).length} places`);
  process.exit(0);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  process.exit(1);
}
