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
import http from 'node:http';
import { Relish, assertNoSecrets, listen, signInAtProvider as signInAt, sleep, startProvider, until, validToken } from './oauth_harness.mjs';

const [relishUrl, dataDir, logFile, relishBinary] = process.argv.slice(2);
const CLIENT_SECRET = 'PLANTED-client-secret-e4a91c2d77';
const secrets = new Set([CLIENT_SECRET]);  // grows with every token the provider issues
let step = 'setup';

// ---------------------------------------------------------------- the authorization server
const { provider, issuer, store } = await startProvider({
  relishUrl, clientId: 'relish-events', clientSecret: CLIENT_SECRET, secrets, accessTtl: () => 1,
});

const apiServer = http.createServer(async (req, res) => {
  const at = await validToken(provider, req);
  res.writeHead(at ? 200 : 401, { 'content-type': 'application/json' });
  res.end(at ? JSON.stringify({ sub: at.accountId }) : '{"error":"invalid_token"}');
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
const relish = new Relish(relishUrl);
const responses = relish.responses;  // every answer, for the leak scan
const api = (...args) => relish.api(...args);
const signInAtProvider = (url) => signInAt(relishUrl, url);
async function callback(url) {
  const done = await relish.callback(url);
  assert.equal(done.status, 200, done.text);
}
const cliOutputs = [];
function cli(...args) {
  const out = execFileSync(relishBinary, args, {
    env: { ...process.env, RELISH_URL: relishUrl, RELISH_TOKEN: relish.token }, encoding: 'utf8',
  });
  cliOutputs.push(out);
  return out;
}

try {
  step = 'sign in';
  await relish.signIn(secrets, 'events test');  // its answer, the one showing the token, is not kept

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
  for (const k of [...store.keys()]) if (k.startsWith('RefreshToken:')) store.delete(k);
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
  const deliveries = await api('GET', '/api/v1/webhooks/deliveries?limit=1000');
  const scanned = await assertNoSecrets(secrets, {
    'API responses': responses.join('\n'),
    'delivered bodies and headers': received.map((r) => r.body + JSON.stringify({ ...r.headers, 'relish-signature': '' })).join('\n'),
    'delivery log': JSON.stringify(deliveries),
    'CLI output': cliOutputs.join('\n'),
  }, { logFile, dataDir, atLeast: 4 });
  console.log(`ok: ${received.length} deliveries verified, ${secrets.size} secrets checked in ${scanned} places`);
  process.exit(0);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  process.exit(1);
}
