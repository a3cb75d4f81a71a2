// Issue 16, many nodes: the refresh storm. Three nodes on one PostgreSQL behind nginx
// (cluster.mjs) and a real OAuth 2.0 provider (oidc-provider from the npm registry,
// oauth_harness.mjs) issuing two-second access tokens and rotating refresh tokens. A connection
// is authorized through the balancer; once its access token has expired, 1,000 concurrent
// credentialed calls (the proxy) go through nginx, round robin over the nodes. Exactly one
// refresh_token grant is counted at the provider, every call succeeds with a token the provider
// accepts, every node answered some, and the upstream's echo of the token comes back masked
// from every node (the node that did not refresh learns the new token before it can show it).
// No planted or issued secret appears in any answer, node log or the database's dump.
//
// usage (under tests/testing/with_postgres.sh): node cluster_refresh.mjs RELISH_BINARY [CALLS]
import assert from 'node:assert/strict';
import http from 'node:http';
import { Relish, listen, signInAtProvider, startProvider, validToken } from './oauth_harness.mjs';
import { ADMIN, Client, assertNoSecrets, dumpDatabase, sleep, startCluster, until } from './cluster.mjs';

const [relish, callsArg] = process.argv.slice(2);
const kCalls = Number(callsArg || 1000);
const CLIENT_SECRET = 'PLANTED-storm-client-secret-5c0e7d21';
const secrets = new Set([CLIENT_SECRET]);  // grows with every token the provider issues
const started = performance.now();
const secs = (from, to = performance.now()) => ((to - from) / 1000).toFixed(1);
let step = 'start';

let cluster;
try {
  cluster = await startCluster({
    relish, nodes: 3, name: 'refresh',
    env: { RELISH_REFRESH_MARGIN: '1s', RELISH_PROBE_INTERVAL: 'off', RELISH_LOG_LEVEL: 'debug' },
  });
  const responses = [];
  const admin = new Client(cluster.url, responses);
  await admin.signIn(ADMIN.email, ADMIN.password, secrets);

  let ttl = 2;
  // During the storm the token endpoint answers after half a second, so that the callers on
  // every node arrive while one node's refresh is still out, and the others must wait for it.
  let slowTokens = false;
  let tokenRequests = 0;
  let answer = null;
  const { provider, issuer, grants } = await startProvider({
    relishUrl: cluster.url, clientId: 'relish-storm', clientSecret: CLIENT_SECRET, secrets,
    accessTtl: () => ttl,
    intercept: (req, res) => {
      if (!req.url.startsWith('/token')) return false;
      tokenRequests++;
      if (!slowTokens) return false;
      setTimeout(() => answer(req, res), 500);
      return true;
    },
  });
  answer = provider.callback();
  // The API: 200 with the token it got (Relish must mask it) when the provider knows it and it
  // has not expired, else 401.
  const upstreamStatus = {};
  const upstream = http.createServer(async (req, res) => {
    const at = await validToken(provider, req);
    const status = at ? 200 : 401;
    upstreamStatus[status] = (upstreamStatus[status] || 0) + 1;
    const auth = req.headers.authorization || '';
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, token: auth.slice(7) }));
  });
  upstream.keepAliveTimeout = 60_000;
  const apiPort = await listen(upstream);

  step = 'a service on the provider, its client, a connection authorized through the balancer';
  await admin.api('POST', '/api/v1/services', `id: storm
name: Storm
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
`, { contentType: 'application/yaml' });
  await admin.api('PUT', '/api/v1/services/storm/client', { client_id: 'relish-storm', client_secret: CLIENT_SECRET });
  await admin.api('POST', '/api/v1/connections', { name: 'Storm', service: 'storm' });
  const { authorize_url } = await admin.api('POST', '/api/v1/connections/storm/authorize');
  const browser = new Relish(cluster.url);
  browser.responses = responses;
  const done = await browser.callback(await signInAtProvider(cluster.url, authorize_url));
  assert.equal(done.status, 200, done.text);
  const authorizedAt = Date.now();
  ttl = 3600;  // the refreshed token lasts
  assert.equal((await admin.api('GET', '/api/v1/connections/storm')).status, 'connected');
  const first = await admin.raw('GET', '/api/v1/proxy/storm/warm');
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(grants, { authorization_code: 1, refresh_token: 0, client_credentials: 0 });

  step = 'organization B cannot use A\'s connection through any node';
  const orgA = (await admin.api('GET', '/api/v1/orgs')).orgs[0].id;
  const orgB = await admin.api('POST', '/api/v1/orgs', { name: 'B' });
  const devB = { email: 'dev-b@localhost', password: 'cluster-dev-b-password-7' };
  await admin.api('POST', '/api/v1/users', { ...devB, role: 'developer', orgs: [orgB.id] });
  const b = new Client(cluster.url, responses);
  await b.signIn(devB.email, devB.password, secrets);
  for (const n of cluster.nodes) {
    for (const p of ['/api/v1/proxy/storm/x', `/api/v1/proxy/storm/x?org=${orgA}`,
                     '/api/v1/connections/storm', `/api/v1/connections/storm?org=${orgA}`]) {
      const r = await b.at(n.url).raw('GET', p);
      assert.ok(r.status === 403 || r.status === 404, `B: GET ${p} on node ${n.index} -> ${r.status} ${r.text}`);
    }
  }
  const before = upstreamStatus[200];

  step = 'the access token expires';
  await sleep(Math.max(0, authorizedAt + 2500 - Date.now()));

  step = `${kCalls} concurrent calls through the balancer`;
  slowTokens = true;
  const tokenRequestsBefore = tokenRequests;
  const storm = performance.now();
  const results = await Promise.all(Array.from({ length: kCalls }, (_, i) =>
    fetch(`${cluster.url}/api/v1/proxy/storm/item/${i}`, { headers: { authorization: `Bearer ${admin.token}` } })
      .then(async (r) => ({ status: r.status, text: await r.text(), node: r.headers.get('x-relish-node') }))
      .catch((e) => ({ status: 0, text: String(e), node: null }))));
  const stormDone = performance.now();
  const byStatus = {};
  const byNode = {};
  for (const r of results) {
    byStatus[r.status] = (byStatus[r.status] || 0) + 1;
    byNode[r.node] = (byNode[r.node] || 0) + 1;
    responses.push(r.text);
  }
  console.log(`${kCalls} calls in ${secs(storm, stormDone)} s: answers ${JSON.stringify(byStatus)}, ` +
              `by node ${JSON.stringify(byNode)}, upstream saw ${JSON.stringify(upstreamStatus)}, ` +
              `provider grants ${JSON.stringify(grants)}`);
  const failed = results.find((r) => r.status !== 200);
  assert.equal(failed, undefined, failed && `a call answered ${failed.status}: ${failed.text}`);
  assert.equal(grants.refresh_token, 1, `${grants.refresh_token} refresh_token grants at the provider`);
  assert.equal(tokenRequests - tokenRequestsBefore, 1, 'token requests during the storm');
  assert.equal(upstreamStatus[401], undefined, 'the upstream refused a token');
  assert.equal(upstreamStatus[200] - before, kCalls);
  assert.equal(Object.keys(byNode).length, cluster.nodes.length, 'not every node answered');
  for (const r of results) assert.equal(JSON.parse(r.text).token, '[REDACTED]', `unmasked from ${r.node}`);

  step = 'no secret in any answer, node log or the database';
  secrets.add(cluster.masterKey);
  await sleep(300);  // the log and the audit are written in the background
  const places = assertNoSecrets(secrets, {
    'API answers': responses.join('\n'),
    'node logs': cluster.logs(),
    database: dumpDatabase(cluster.databaseUrl),
  });
  assert.ok(secrets.size > 6, `too few secrets planted: ${secrets.size}`);
  console.log(`ok: exactly one refresh for ${kCalls} concurrent calls over ${cluster.nodes.length} nodes; ` +
              `${secrets.size} secrets checked in ${places} places; ${secs(started)} s wall`);
  cluster.stop();
  process.exit(0);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  if (cluster) console.error(cluster.logs().slice(-6000));
  process.exit(1);
}
