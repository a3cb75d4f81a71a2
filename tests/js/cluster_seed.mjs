// Issue 16, many nodes: the seed's flow end to end through the balancer. Three nodes on one
// PostgreSQL behind nginx (cluster.mjs), the Zoho Books stand-in (tests/standins/books) in place
// of books.zoho.com and accounts.zoho.com in the sandbox. Through nginx, so each request may
// land on another node: the real `relish topping push` of examples/bigin-books-sync; both
// connections authorized as a browser does (Relish's own sign-in and consent pages for the CRM,
// the stand-in for Books, back to /oauth/callback); a contact created through the Bigin API with
// the CRM connection's token, which fires the rule on whichever node took the write and runs
// the seed's script on whichever node leased the job, reading the contact back through the CRM
// connection and creating the customer in Books; an edit updating it. An API-key connection is
// used from every node. Organization B's developer reaches none of A's objects through any node,
// and B's contact fires none of A's rules. No planted or issued secret appears in any answer,
// the CLI's output, a node's log or the database's dump.
//
// usage (under tests/testing/with_postgres.sh): node cluster_seed.mjs RELISH_BINARY
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN, Client, assertNoSecrets, dumpDatabase, sleep, startCluster, until } from './cluster.mjs';

const [relish] = process.argv.slice(2);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const kTopping = 'biginandbooksconnectionnew';
const kBigin = `${kTopping}__biginconnection`;
const kBooks = `${kTopping}__booksconnection`;
const BOOKS_SECRET = `PLANTED-books-secret-${randomBytes(6).toString('hex')}`;
const API_KEY = `PLANTED-api-key-${randomBytes(6).toString('hex')}`;
const secrets = new Set([BOOKS_SECRET, API_KEY]);
const started = performance.now();
const secs = (from, to = performance.now()) => ((to - from) / 1000).toFixed(1);
let step = 'the Books stand-in';

// ---------------------------------------------------------------- the Books stand-in
const books = spawn('node', [path.join(root, 'tests/standins/books/server.mjs'), '--port', '0', '--client-id', 'relish-cluster'],
                    { env: { ...process.env, BOOKS_CLIENT_SECRET: BOOKS_SECRET }, stdio: ['ignore', 'pipe', 'inherit'] });
process.once('exit', () => books.kill('SIGKILL'));
const booksUrl = await new Promise((resolve, reject) => {
  let out = '';
  books.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/127\.0\.0\.1:[0-9]+)/);
    if (m) resolve(m[1]);
  });
  books.once('exit', (code) => reject(new Error(`the Books stand-in exited (${code}): ${out}`)));
});
const standIn = async (p) => (await fetch(booksUrl + p)).json();

// ---------------------------------------------------------------- an API behind a key
const keyed = http.createServer((req, res) => {
  const key = req.headers['x-api-key'] || '';
  res.writeHead(key === API_KEY ? 200 : 401, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ key }));  // echoed: Relish must mask it
});
await new Promise((r) => keyed.listen(0, '127.0.0.1', r));
const keyedPort = keyed.address().port;

// ---------------------------------------------------------------- a browser
// Follows redirects with a cookie jar for Relish's origin, signs in and allows on Relish's
// pages, and confirms at /oauth/callback when it shows the confirmation form, until a page says
// the connection is authorized (what tests/testing/relish_client.h's Authorize does).
class Browser {
  constructor(base, responses) { this.base = base; this.jar = new Map(); this.responses = responses; }
  async send(url, init = {}) {
    const ours = url.startsWith(this.base);
    const headers = { ...(init.headers || {}) };
    if (ours && this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await fetch(url, { ...init, headers, redirect: 'manual' });
    const text = await r.text();
    if (ours) {
      this.responses.push(text);
      for (const c of r.headers.getSetCookie()) {
        const [kv] = c.split(';');
        const i = kv.indexOf('=');
        this.jar.set(kv.slice(0, i), kv.slice(i + 1));
      }
    }
    return { status: r.status, text, location: r.headers.get('location') };
  }
  static form(html, action) {
    const start = html.indexOf(`action="${action}"`);
    if (start < 0) return null;
    const end = html.indexOf('</form>', start);
    const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const fields = new URLSearchParams();
    for (const m of html.slice(start, end).matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
      fields.append(unescape(m[1]), unescape(m[2]));
    }
    return { fields, html: html.slice(start, end) };
  }
  post(pathname, fields) {
    return this.send(this.base + pathname, { method: 'POST', body: fields, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
  async authorize(startUrl, email, password) {
    let url = startUrl;
    for (let hop = 0; hop < 12; hop++) {
      const r = await this.send(url);
      if (r.status >= 300 && r.status < 400) { url = new URL(r.location, url).href; continue; }
      assert.equal(r.status, 200, `GET ${url}: ${r.status} ${r.text.slice(0, 300)}`);
      let f;
      if ((f = Browser.form(r.text, '/login'))) {
        f.fields.append('email', email);
        f.fields.append('password', password);
        const s = await this.post('/login', f.fields);
        assert.equal(s.status, 303, `sign-in: ${s.status}`);
        url = new URL(s.location, this.base).href;
      } else if ((f = Browser.form(r.text, '/oauth/authorize'))) {
        if (!f.fields.has('org')) f.fields.append('org', f.html.match(/<option value="([^"]*)"/)[1]);
        if (!f.fields.has('environment')) f.fields.append('environment', 'sandbox');
        f.fields.append('decision', 'allow');
        const a = await this.post('/oauth/authorize', f.fields);
        assert.equal(a.status, 303, `consent: ${a.status} ${a.text}`);
        url = new URL(a.location, this.base).href;
      } else if ((f = Browser.form(r.text, '/oauth/callback'))) {
        f.fields.append('decision', 'connect');
        const c = await this.post('/oauth/callback', f.fields);
        assert.equal(c.status, 200, `confirmation: ${c.status} ${c.text}`);
        assert.match(c.text, /is authorized/);
        return;
      } else {
        assert.match(r.text, /is authorized/, `unexpected page at ${url}`);
        return;
      }
    }
    throw new Error('too many redirects');
  }
}

let cluster;
const cliHome = mkdtempSync(path.join(tmpdir(), 'relish-cluster-cli-'));
process.once('exit', () => rmSync(cliHome, { recursive: true, force: true }));
try {
  step = 'three nodes';
  cluster = await startCluster({
    relish, nodes: 3, name: 'seed',
    env: {
      RELISH_SANDBOX_REMAP: `books.zoho.com=${booksUrl},accounts.zoho.com=${booksUrl}`,
      RELISH_PROBE_INTERVAL: 'off',
      RELISH_LOG_LEVEL: 'debug',
    },
  });
  const responses = [];
  const admin = new Client(cluster.url, responses);
  await admin.signIn(ADMIN.email, ADMIN.password, secrets);
  await admin.api('PUT', '/api/v1/services/zoho_books/client', { client_id: 'relish-cluster', client_secret: BOOKS_SECRET });

  step = 'relish topping push through the balancer';
  const cli = (...args) => {
    const r = spawnSync(relish, args, {
      encoding: 'utf8',
      env: { ...process.env, XDG_CONFIG_HOME: cliHome, RELISH_URL: cluster.url, RELISH_TOKEN: admin.token },
    });
    responses.push(r.stdout + r.stderr);
    return r;
  };
  const push = cli('topping', 'push', path.join(root, 'examples/bigin-books-sync'));
  assert.equal(push.status, 0, push.stdout + push.stderr);
  assert.match(push.stdout, /^pushed biginandbooksconnectionnew 1\.0\.0 \(Bigin and Books contact sync\) in sandbox\n/);

  step = 'both connections authorized in a browser, through the balancer';
  const browser = new Browser(cluster.url, responses);
  for (const link of [kBigin, kBooks]) {
    const { authorize_url } = await admin.api('POST', `/api/v1/connections/${link}/authorize?environment=sandbox`);
    await browser.authorize(authorize_url, ADMIN.email, ADMIN.password);
  }
  const topping = await admin.api('GET', `/api/v1/toppings/${kTopping}`);
  assert.deepEqual(topping.connections.map((c) => c.status), ['connected', 'connected']);
  const rule = (await admin.api('GET', `/api/v1/workflow/rules?topping=${kTopping}`)).rules[0];
  assert.equal(rule.name, 'Sync contacts to Books');

  step = 'a contact through the Bigin API: the rule runs the seed\'s script on some node';
  const bigin = (method, p, body) => admin.api(method, `/api/v1/proxy/${kBigin}${p}`, body);
  const created = await bigin('POST', '/Contacts', { data: [{ First_Name: 'Jane', Last_Name: 'Doe', Email: 'jane@example.com', Phone: '+1 555 0100', Mobile: '+1 555 0199' }] });
  assert.equal(created.data[0].code, 'SUCCESS', JSON.stringify(created));
  const jane = created.data[0].details.id;
  const runsOf = (record, count) => until(`${count} finished runs of ${record}`, async () => {
    const { runs } = await admin.api('GET', `/api/v1/workflow/runs?record=${record}`);
    const finished = runs.filter((r) => r.status !== 'retrying');
    return finished.length >= count ? finished : null;
  });
  let [run] = await runsOf(jane, 1);
  run = await admin.api('GET', `/api/v1/workflow/runs/${run.id}`);
  assert.equal(run.status, 'success', JSON.stringify(run, null, 2));
  assert.deepEqual([run.topping, run.rule, run.trigger, run.target], [kTopping, 'Sync contacts to Books', 'create', 'sync_contact_to_books']);
  assert.deepEqual(run.calls.map((c) => [c.source, c.method, c.url.replace(/\?.*/, ''), c.connection, c.status]), [
    ['function', 'GET', `${cluster.url}/bigin/v2/Contacts/${jane}`, kBigin, 200],
    ['function', 'GET', 'https://books.zoho.com/api/v3/contacts', kBooks, 200],
    ['function', 'POST', 'https://books.zoho.com/api/v3/contacts', kBooks, 201],
    ['audit', 'GET', `${cluster.url}/bigin/v2/Contacts/${jane}`, kBigin, 200],
    ['audit', 'GET', 'https://books.zoho.com/api/v3/contacts', kBooks, 200],
    ['audit', 'POST', 'https://books.zoho.com/api/v3/contacts', kBooks, 201],
  ]);
  let { contacts } = await standIn('/_standin/contacts');
  assert.equal(contacts.length, 1);
  assert.deepEqual([contacts[0].contact_name, contacts[0].email, contacts[0].phone, contacts[0].mobile],
                   ['Jane Doe', 'jane@example.com', '+1 555 0100', '+1 555 0199']);

  step = 'the contact edited: Books updated';
  await bigin('PUT', `/Contacts/${jane}`, { data: [{ Phone: '+1 555 0111', Last_Name: 'Doe-Smith' }] });
  [run] = await runsOf(jane, 2);
  assert.equal(run.status, 'success');
  assert.equal(run.trigger, 'edit');
  ({ contacts } = await standIn('/_standin/contacts'));
  assert.equal(contacts.length, 1);
  assert.deepEqual([contacts[0].contact_name, contacts[0].phone], ['Jane Doe-Smith', '+1 555 0111']);

  step = 'an API-key connection, used from every node';
  await admin.api('POST', '/api/v1/services', `id: keyed_api
name: Keyed API
auth: api_key
base_url: http://127.0.0.1:${keyedPort}/v1
allowed_hosts: ['http://127.0.0.1:${keyedPort}']
api_key: {in: header, fields: [{name: X-Api-Key, label: Key}]}
`, { contentType: 'application/yaml' });
  await admin.api('POST', '/api/v1/connections', { name: 'Keyed', service: 'keyed_api' });
  await admin.api('PUT', '/api/v1/connections/keyed/credentials', { fields: { 'X-Api-Key': API_KEY } });
  for (const n of cluster.nodes) {
    const r = await admin.at(n.url).raw('GET', '/api/v1/proxy/keyed/x');
    assert.equal(r.status, 200, `node ${n.index}: ${r.text}`);
    assert.deepEqual(JSON.parse(r.text), { key: '[REDACTED]' });
  }

  step = 'organization B reaches none of A\'s objects, through any node';
  const orgA = (await admin.api('GET', '/api/v1/orgs')).orgs[0].id;
  const orgB = await admin.api('POST', '/api/v1/orgs', { name: 'B' });
  const devB = { email: 'dev-b@localhost', password: `cluster-dev-b-${randomBytes(6).toString('hex')}` };
  await admin.api('POST', '/api/v1/users', { ...devB, role: 'developer', orgs: [orgB.id] });
  const b = new Client(cluster.url, responses);
  await b.signIn(devB.email, devB.password, secrets);
  const objects = [
    `/api/v1/toppings/${kTopping}`, `/api/v1/connections/${kBigin}`, `/api/v1/connections/${kBooks}`,
    '/api/v1/connections/keyed', `/api/v1/workflow/rules/${rule.id}`, `/api/v1/workflow/runs/${run.id}`,
    `/api/v1/workflow/functions/sync_contact_to_books?topping=${kTopping}`,
    `/api/v1/crm/modules/Contacts/records/${jane}`, `/api/v1/proxy/${kBooks}/api/v3/contacts`,
    '/api/v1/proxy/keyed/x', `/api/v1/proxy/${kBigin}/Contacts/${jane}`,
  ];
  let refused = 0;
  for (const target of [cluster.url, ...cluster.nodes.map((n) => n.url)]) {
    for (const p of objects) {
      for (const q of ['', `${p.includes('?') ? '&' : '?'}org=${orgA}`]) {
        const r = await b.at(target).raw('GET', p + q);
        const none = r.status === 403 || r.status === 404;
        assert.ok(none, `B: GET ${p + q} at ${target} -> ${r.status} ${r.text.slice(0, 200)}`);
        refused++;
      }
    }
    for (const p of ['/api/v1/connections', '/api/v1/workflow/runs', '/api/v1/workflow/rules', '/api/v1/crm/modules/Contacts/records']) {
      const text = (await b.at(target).raw('GET', p)).text;
      assert.ok(!text.includes(jane) && !text.includes(kBigin) && !text.includes('keyed') && !text.includes(rule.id), `B's ${p} at ${target}: ${text.slice(0, 300)}`);
    }
  }
  const bContact = await b.api('POST', '/api/v1/crm/modules/Contacts/records?environment=sandbox', { data: [{ Last_Name: 'Bee', Email: 'bee@example.com' }] });
  const bId = bContact.data[0].details.id;
  // A's next contact's run comes after B's would have (oldest jobs first).
  const ann = (await bigin('POST', '/Contacts', { data: [{ First_Name: 'Ann', Last_Name: 'Lee', Email: 'ann@example.com' }] })).data[0].details.id;
  await runsOf(ann, 1);
  assert.deepEqual((await admin.api('GET', `/api/v1/workflow/runs?record=${bId}`)).runs, []);
  assert.deepEqual((await b.api('GET', `/api/v1/workflow/runs?record=${bId}`)).runs, []);
  ({ contacts } = await standIn('/_standin/contacts'));
  assert.deepEqual(contacts.map((c) => c.contact_name), ['Jane Doe-Smith', 'Ann Lee']);

  step = 'no secret in any answer, the CLI, a node\'s log or the database';
  const issued = await standIn('/_standin/tokens');
  for (const t of [...issued.access_tokens, ...issued.refresh_tokens]) secrets.add(t);
  secrets.add(cluster.masterKey);
  await sleep(300);  // the log and the audit are written in the background
  const places = assertNoSecrets(secrets, {
    'API answers, pages and CLI output': responses.join('\n'),
    'node logs': cluster.logs(),
    database: dumpDatabase(cluster.databaseUrl),
  });
  assert.ok(secrets.size >= 9, `too few secrets planted: ${secrets.size}`);
  console.log(`ok: the seed's flow through nginx over ${cluster.nodes.length} nodes; B refused ${refused} times; ` +
              `${secrets.size} secrets checked in ${places} places; ${secs(started)} s wall`);
  cluster.stop();
  process.exit(0);
} catch (e) {
  console.error(`FAILED at "${step}": ${e.stack || e}`);
  if (cluster) console.error(cluster.logs().slice(-6000));
  process.exit(1);
}
