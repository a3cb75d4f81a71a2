// Resilient calls against a real OAuth 2.0 provider (oidc-provider from the npm registry) and a
// local upstream, all on loopback, driven through Relish's proxy as a user would:
//   - "token invalid" in a 200 JSON body (the service's `token_invalid:`): one refresh at the
//     provider, one retry with the new token;
//   - 429 with Retry-After, then 200: two attempts; 503s: as many attempts as the service's
//     `retry:` allows, and a POST never repeated;
//   - a failing health probe: a probe_failed event, delivered to a webhook receiver;
//   - the exact number of upstream attempts for each, exactly one refresh counted at the
//     provider, the audit's notes, the events, and no planted or issued secret in any API
//     answer, event body, delivery, delivery log, audit entry, the log file or the database.
//
// usage: node connections_resilience.mjs RELISH_URL DATA_DIR LOG_FILE
import assert from 'node:assert/strict';
import http from 'node:http';
import { Relish, assertNoSecrets, listen, signInAtProvider, startProvider, until, validToken } from './oauth_harness.mjs';

const [relishUrl, dataDir, logFile] = process.argv.slice(2);
const CLIENT_SECRET = 'PLANTED-client-secret-91b3f07a5e';
const secrets = new Set([CLIENT_SECRET]);  // grows with every token the provider issues
let step = 'setup';

const { provider, issuer, grants } = await startProvider({
  relishUrl, clientId: 'relish-resilience', clientSecret: CLIENT_SECRET, secrets,
});

// ---------------------------------------------------------------- the upstream
// Counts the attempts per method and path; each answer echoes the token it got (Relish must mask
// it). `plans[path]` is a list of statuses to answer in turn (the last one repeats).
const attempts = {};
const plans = {};
let firstToken = null;  // the connection's first access token: /v1/ti calls it invalid
const upstream = http.createServer(async (req, res) => {
  const key = `${req.method} ${req.url}`;
  attempts[key] = (attempts[key] || 0) + 1;
  const auth = req.headers.authorization || '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const at = await validToken(provider, req);
  if (!at) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_token', token }));
    return;
  }
  firstToken ??= token;
  if (req.url === '/v1/ti' && token === firstToken) {
    // Zoho's way: a 200 whose body says the token is no good.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'INVALID_OAUTHTOKEN', message: `invalid oauth token ${token}` }));
    return;
  }
  const plan = plans[req.url] || [200];
  const status = plan.length > 1 ? plan.shift() : plan[0];
  const headers = { 'content-type': 'application/json' };
  if (status === 429) headers['retry-after'] = '1';
  res.writeHead(status, headers);
  res.end(JSON.stringify({ path: req.url, status, token }));
});
const apiPort = await listen(upstream);

// ---------------------------------------------------------------- the webhook receiver
const received = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    received.push({ headers: req.headers, body, event: JSON.parse(body) });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
const receiverPort = await listen(receiver);

// ---------------------------------------------------------------- Relish
const relish = new Relish(relishUrl);
const api = (...args) => relish.api(...args);
const proxy = (method, path) => api(method, `/api/v1/proxy/flaky/${path}`, undefined, { raw: true });
// The audit entries of one path, oldest first, once `count` of them are written.
async function auditOf(path, count) {
  return until(`${count} audit entries of ${path}`, async () => {
    const { entries } = await api('GET', '/api/v1/audit?link=flaky&limit=1000');
    const mine = entries.filter((e) => e.url === `http://127.0.0.1:${apiPort}/v1/${path}`).reverse();
    return mine.length >= count ? mine : null;
  });
}

try {
  step = 'sign in';
  await relish.signIn(secrets, 'resilience test');
  const endpoint = await api('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${receiverPort}/in` });
  secrets.add(endpoint.secret);
  relish.responses.length = 0;  // the creation's answer is the one place the secret is shown

  step = 'a service that says "token invalid" in a 200 body, retries on, authorized';
  await api('POST', '/api/v1/services', `id: flaky
name: Flaky
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
token_invalid:
  - {json: code, equals: INVALID_OAUTHTOKEN}
retry: {enabled: true, max_attempts: 3, max_wait: 10, base_delay_ms: 50}
`, { contentType: 'application/yaml' });
  await api('PUT', '/api/v1/services/flaky/client', { client_id: 'relish-resilience', client_secret: CLIENT_SECRET });
  await api('POST', '/api/v1/connections', { name: 'Flaky', service: 'flaky' });
  const { authorize_url } = await api('POST', '/api/v1/connections/flaky/authorize');
  const done = await relish.callback(await signInAtProvider(relishUrl, authorize_url));
  assert.equal(done.status, 200, done.text);
  assert.equal((await api('GET', '/api/v1/connections/flaky')).status, 'connected');
  let r = await proxy('GET', 'hello');
  assert.equal(r.status, 200, r.text);
  assert.equal(JSON.parse(r.text).token, '[REDACTED]');
  assert.equal(grants.authorization_code, 1);
  assert.equal(grants.refresh_token, 0);

  step = 'token invalid in a 200 body: one refresh, one retry';
  r = await proxy('GET', 'ti');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { path: '/v1/ti', status: 200, token: '[REDACTED]' });
  assert.equal(attempts['GET /v1/ti'], 2);
  assert.equal(grants.refresh_token, 1);
  // One call, one audit entry: the refused attempt and its retry with the new token.
  let audit = await auditOf('ti', 1);
  assert.deepEqual(audit.map((e) => [e.status, e.note]),
                   [[200, 'retried after a token-invalid answer (HTTP 200) with a refreshed token']]);

  step = '429 with Retry-After, then 200: two attempts, the second after the wait';
  plans['/v1/rl'] = [429, 200];
  r = await proxy('GET', 'rl');
  assert.equal(r.status, 200, r.text);
  assert.equal(attempts['GET /v1/rl'], 2);
  audit = await auditOf('rl', 2);
  assert.deepEqual(audit.map((e) => e.status), [429, 200]);
  assert.match(audit[1].note, /^attempt 2 of 3: retried after HTTP 429, waited 1000 ms/);

  step = '503s: three attempts, then the last answer';
  plans['/v1/down'] = [503];
  r = await proxy('GET', 'down');
  assert.equal(r.status, 503);
  assert.equal(JSON.parse(r.text).token, '[REDACTED]');
  assert.equal(attempts['GET /v1/down'], 3);
  audit = await auditOf('down', 3);
  assert.deepEqual(audit.map((e) => e.status), [503, 503, 503]);
  plans['/v1/mix'] = [503, 503, 200];
  r = await proxy('GET', 'mix');
  assert.equal(r.status, 200);
  assert.equal(attempts['GET /v1/mix'], 3);

  step = 'a POST is not repeated';
  r = await proxy('POST', 'down');
  assert.equal(r.status, 503);
  assert.equal(attempts['POST /v1/down'], 1);

  step = 'a failing health probe: retried as a call, one probe_failed event, delivered';
  plans['/v1/me'] = [503];
  const probe = await api('POST', '/api/v1/connections/flaky/probe');
  assert.equal(probe.ok, false);
  assert.equal(probe.message, 'the test call answered HTTP 503');
  assert.equal(attempts['GET /v1/me'], 3);
  assert.deepEqual((await api('GET', '/api/v1/connections/flaky')).health.ok, false);
  plans['/v1/me'] = [200];
  const recovered = await api('POST', '/api/v1/connections/flaky/probe');
  assert.equal(recovered.ok, true);
  assert.equal(attempts['GET /v1/me'], 4);

  step = 'the events: no refresh failure, the probe\'s two';
  const { events } = await api('GET', '/api/v1/connections/events?link=flaky');
  assert.deepEqual(events.map((e) => e.type), ['probe_ok', 'probe_failed', 'authorized', 'created']);
  await until('four events delivered', () => received.length === 4);
  assert.deepEqual(received.map((d) => d.event.type).sort(), ['authorized', 'created', 'probe_failed', 'probe_ok']);
  const failed = received.find((d) => d.event.type === 'probe_failed').event;
  assert.deepEqual(failed, events[1]);

  step = 'exactly one refresh in all';
  assert.equal(grants.refresh_token, 1);

  step = 'no secret anywhere';
  const deliveries = await api('GET', '/api/v1/webhooks/deliveries?limit=1000');
  const all = await api('GET', '/api/v1/audit?limit=1000');
  assert.equal(deliveries.deliveries.length, 4);
  const scanned = await assertNoSecrets(secrets, {
    'API responses': relish.responses.join('\n'),
    'event bodies delivered': received.map((d) => d.body + JSON.stringify({ ...d.headers, 'relish-signature': '' })).join('\n'),
    'delivery log': JSON.stringify(deliveries),
    audit: JSON.stringify(all),
  }, { logFile, dataDir, atLeast: 5 });
  console.log(`ok: ${Object.values(attempts).reduce((a, b) => a + b)} upstream attempts, ${grants.refresh_token} refresh, ${secrets.size} secrets checked in ${scanned} places`);
  process.exit(0);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  process.exit(1);
}
