// What the tests that drive Relish beside a real OAuth 2.0 provider share (connections_oidc.mjs,
// connections_events.mjs, connections_resilience.mjs; run_with_relish.sh starts the server):
// oidc-provider from the npm registry on loopback with an in-memory adapter that remembers every
// token it issues as a secret, a browser at the provider (sign in, consent), Relish's callback
// met as a browser not signed in to Relish, a REST client that keeps every answer, and the leak
// scan over those answers, the log file and the database files.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

export const ADMIN = { email: 'admin@localhost', password: 'js-test-password-1' };

export function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Polls until `check` returns something truthy (work the server does on its workers).
export async function until(what, check) {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}

// The token kinds whose ids are the tokens themselves: each one issued is a secret to look for.
const kTokenKinds = ['AccessToken', 'RefreshToken', 'ClientCredentials', 'AuthorizationCode'];

// Starts the provider with one confidential client (client_secret_basic, PKCE required,
// rotating refresh tokens). `accessTtl()` is the access tokens' lifetime in seconds, asked at
// each issue. `intercept(req, res)` may answer a request itself (true) before the provider does.
// Resolves with { provider, issuer, store, grants, server }: `store` is the adapter's map (a
// test may drop entries: the provider forgets them), `grants` counts successful grants by type.
export async function startProvider({ relishUrl, clientId, clientSecret, secrets, accessTtl = () => 3600,
                                      grantTypes = ['authorization_code', 'refresh_token'],
                                      extraRedirects = [], features = {}, intercept }) {
  const store = new Map();
  class MemoryAdapter {
    constructor(name) { this.name = name; }
    key(id) { return `${this.name}:${id}`; }
    async upsert(id, payload, expiresIn) {
      if (kTokenKinds.includes(this.name)) secrets.add(id);
      store.set(this.key(id), { payload, expires: expiresIn ? Date.now() + expiresIn * 1000 : null });
    }
    async find(id) {
      const e = store.get(this.key(id));
      if (!e || (e.expires && e.expires < Date.now())) return undefined;
      return e.payload;
    }
    async findByUserCode() { return undefined; }
    async findByUid(uid) {
      for (const [k, e] of store) if (k.startsWith(`${this.name}:`) && e.payload.uid === uid) return e.payload;
      return undefined;
    }
    async consume(id) { const e = store.get(this.key(id)); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) {
      for (const [k, e] of store) if (e.payload.grantId === grantId) store.delete(k);
    }
  }
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${relishUrl}/oauth/callback`, ...extraRedirects],
      grant_types: grantTypes,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid offline_access api:read',
    }],
    scopes: ['openid', 'offline_access', 'api:read'],
    features: { devInteractions: { enabled: true }, ...features },
    ttl: {
      AccessToken: () => accessTtl(),
      ClientCredentials: () => accessTtl(),
      AuthorizationCode: 60,
      RefreshToken: 3600,
      Interaction: 600,
      Session: 600,
      Grant: 3600,
    },
    rotateRefreshToken: () => true,
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    pkce: { required: () => true },
  });
  provider.proxy = false;
  const grants = { authorization_code: 0, refresh_token: 0, client_credentials: 0 };
  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params.grant_type;
    grants[type] = (grants[type] || 0) + 1;
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (intercept && intercept(req, res)) return;
    callback(req, res);
  });
  return { provider, issuer, store, grants, server };
}

// The access token (or client-credentials token) a request carries, when the provider knows it
// and it has not expired; else null.
export async function validToken(provider, req) {
  const auth = req.headers.authorization || '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
  const at = (await provider.AccessToken.find(token)) || (await provider.ClientCredentials.find(token));
  return at && !at.isExpired ? at : null;
}

// Relish's REST API as the admin: every answer's body is kept in `responses` for the leak scan.
export class Relish {
  constructor(url) {
    this.url = url;
    this.token = '';
    this.responses = [];
  }
  async api(method, path, body, { raw = false, contentType } = {}) {
    const headers = this.token ? { authorization: `Bearer ${this.token}` } : {};
    let payload;
    if (body !== undefined) {
      headers['content-type'] = contentType || 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(this.url + path, { method, headers, body: payload, redirect: 'manual' });
    const text = await r.text();
    this.responses.push(text);
    if (raw) return { status: r.status, text, headers: r.headers };
    if (!r.ok) throw new Error(`${method} ${path} -> ${r.status} ${text}`);
    return text ? JSON.parse(text) : {};
  }
  // An API token for the admin (a secret from now on); the answer showing it is not kept.
  async signIn(secrets, name) {
    this.token = (await this.api('POST', '/api/v1/auth/token', { ...ADMIN, name })).token;
    secrets.add(this.token);
    secrets.add(ADMIN.password);
    this.responses.length = 0;
  }

  // Relish's callback as a browser not signed in to Relish meets it: the confirmation page
  // (which names the connection's starter and holds no code), then its "Connect" with the page's
  // hidden fields and CSRF cookie. Anything else (a refusal) is returned as it came.
  async callback(url) {
    const r = await fetch(url, { redirect: 'manual' });
    const text = await r.text();
    this.responses.push(text);
    if (r.status !== 200 || !text.includes('action="/oauth/callback"')) return { status: r.status, text, headers: r.headers };
    assert.match(text, /It was started by <strong>Administrator \(admin@localhost\)<\/strong>/);
    assert.match(text, /You are not signed in to Relish/);
    const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const fields = new URLSearchParams();
    for (const m of text.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(m[1], m[2]);
    fields.append('decision', 'connect');
    const done = await fetch(`${this.url}/oauth/callback`, {
      method: 'POST', body: fields, redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const doneText = await done.text();
    this.responses.push(doneText);
    return { status: done.status, text: doneText, headers: done.headers };
  }
}

// A browser at the provider: follows redirects with cookies, signs in and consents, and stops at
// the redirect back to `stopAt` (Relish's callback), returning that URL.
export async function signInAtProvider(relishUrl, authorizeUrl, { login = 'user-1', stopAt = `${relishUrl}/oauth/callback`, rewrite } = {}) {
  const jar = new Map();
  const send = async (url, init = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers || {}), cookie } });
    for (const c of r.headers.getSetCookie()) { const [kv] = c.split(';'); const i = kv.indexOf('='); jar.set(kv.slice(0, i), kv.slice(i + 1)); }
    return r;
  };
  let url = rewrite ? rewrite(authorizeUrl) : authorizeUrl;
  for (let hops = 0; hops < 20; hops++) {
    if (url.startsWith(stopAt)) return url;
    const r = await send(url);
    if (r.status >= 300 && r.status < 400) { url = new URL(r.headers.get('location'), url).href; continue; }
    const html = await r.text();
    const action = html.match(/action="([^"]+)"/)?.[1];
    assert.ok(action, `no form at ${url}: ${r.status} ${html.slice(0, 200)}`);
    const form = html.includes('name="login"')
      ? new URLSearchParams({ prompt: 'login', login, password: 'any' })
      : new URLSearchParams({ prompt: 'consent' });
    const post = await send(new URL(action, url).href, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.ok(post.status >= 300 && post.status < 400, `form post answered ${post.status}`);
    url = new URL(post.headers.get('location'), url).href;
  }
  throw new Error('too many redirects at the provider');
}

// Asserts that no secret appears in any of `places` ({where: text}), the log file or the
// database files; returns how many places were scanned.
export async function assertNoSecrets(secrets, places, { logFile, dataDir, atLeast }) {
  await sleep(300);  // the log and the audit are written in the background
  const all = { ...places, log: readFileSync(logFile, 'latin1') };
  for (const f of readdirSync(dataDir)) {
    if (f.startsWith('relish.db')) all[`database file ${f}`] = readFileSync(`${dataDir}/${f}`, 'latin1');
  }
  assert.ok(secrets.size > atLeast, `too few secrets planted: ${secrets.size}`);
  for (const [where, text] of Object.entries(all)) {
    for (const s of secrets) {
      assert.ok(!text.includes(s), `a secret (${s.slice(0, 6)}...) appears in the ${where}`);
    }
  }
  return Object.keys(all).length;
}
