#!/usr/bin/env node
// A stand-in for Zoho Books and its accounts server, for tests and the demo: the endpoints the
// seed's script uses, an OAuth 2.0 authorization server (code + PKCE S256, refresh, revoke) at
// accounts.zoho.com's paths, and a check of the Zoho-oauthtoken it issued on every API call.
// Plain node:http, no packages; state lives in memory. See README.md beside this file.
import http from 'node:http';
import crypto from 'node:crypto';

const args = process.argv.slice(2);
function flag(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
const host = flag('host', '127.0.0.1');
const port = Number(flag('port', '0'));
// When set, the token endpoint insists on this client; otherwise any client id is accepted and
// its secret is not checked (a browser-only demo has nothing to configure).
const clientId = flag('client-id', '');
// The secret may come from BOOKS_CLIENT_SECRET instead, to keep it off the command line.
const clientSecret = flag('client-secret', process.env.BOOKS_CLIENT_SECRET || '');

// Zoho's data centres (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html): the user's
// location, their accounts server, API domain and Books host. The stand-in's user lives in one
// (--user-dc, or POST /_standin/user?dc=); with --play it also listens once per Zoho host, so a
// test can remap each host to its own port and see which host every request was meant for.
const DCS = {
  us: { location: 'us', accounts: 'accounts.zoho.com', api: 'www.zohoapis.com', books: 'books.zoho.com' },
  eu: { location: 'eu', accounts: 'accounts.zoho.eu', api: 'www.zohoapis.eu', books: 'books.zoho.eu' },
  in: { location: 'in', accounts: 'accounts.zoho.in', api: 'www.zohoapis.in', books: 'books.zoho.in' },
  au: { location: 'au', accounts: 'accounts.zoho.com.au', api: 'www.zohoapis.com.au', books: 'books.zoho.com.au' },
  jp: { location: 'jp', accounts: 'accounts.zoho.jp', api: 'www.zohoapis.jp', books: 'books.zoho.jp' },
  ca: { location: 'ca', accounts: 'accounts.zohocloud.ca', api: 'www.zohoapis.ca', books: 'books.zohocloud.ca' },
  sa: { location: 'sa', accounts: 'accounts.zoho.sa', api: 'www.zohoapis.sa', books: 'books.zoho.sa' },
  uk: { location: 'uk', accounts: 'accounts.zoho.uk', api: 'www.zohoapis.uk', books: 'books.zoho.uk' },
  cn: { location: 'cn', accounts: 'accounts.zoho.com.cn', api: 'www.zohoapis.com.cn', books: 'books.zoho.com.cn' },
};
let userDc = flag('user-dc', 'us');
if (!DCS[userDc]) throw new Error(`unknown --user-dc ${userDc}`);
const plays = flag('play', '').split(',').filter(Boolean);
// The data centre a played host belongs to, and whether it is an accounts host.
function dcOf(played) {
  for (const [name, dc] of Object.entries(DCS)) {
    if (played === dc.accounts) return { dc: name, accounts: true };
    if (played === dc.api || played === dc.books) return { dc: name, accounts: false };
  }
  return null;
}
let accountsLog = [];             // token endpoint requests: {host, grant_type, outcome}

const codes = new Map();          // code -> {client_id, redirect_uri, scope, challenge, used}
const accessTokens = new Map();   // token -> {scope, expires_at}
const refreshTokens = new Map();  // token -> {scope, client_id}
let contacts = [];                // Books contacts, in creation order
let requests = [];                // the API requests seen: method, path, query, form fields
let nextContact = 460000000026049n;

const random = (n) => crypto.randomBytes(n).toString('hex');
const now = () => new Date().toISOString().replace(/\.\d+Z$/, '+0000');

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function issueTokens(scope, client, withRefresh, dc) {
  const access = `1000.${random(16)}.${random(16)}`;
  accessTokens.set(access, { scope, expires_at: Date.now() + 3600_000, dc });
  const out = { access_token: access, scope, api_domain: `https://${DCS[dc].api}`, token_type: 'Bearer', expires_in: 3600 };
  if (withRefresh) {
    const refresh = `1000.${random(16)}.${random(16)}`;
    refreshTokens.set(refresh, { scope, client_id: client, dc });
    out.refresh_token = refresh;
  }
  return out;
}

function clientOk(form, auth) {
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  if (auth && auth.startsWith('Basic ')) {
    const [i, s] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    id = decodeURIComponent(i);
    secret = decodeURIComponent(s);
  }
  if (!clientId) return id || 'any';
  return id === clientId && secret === clientSecret ? id : null;
}

// GET /oauth/v2/auth: the user "approves" at once and goes back with a code, as after consent.
function authorize(url, res) {
  const q = url.searchParams;
  const redirect = q.get('redirect_uri');
  if (q.get('response_type') !== 'code' || !redirect || !q.get('client_id')) {
    return send(res, 400, { error: 'invalid_request' });
  }
  if (clientId && q.get('client_id') !== clientId) return send(res, 400, { error: 'invalid_client' });
  if (q.get('code_challenge') && q.get('code_challenge_method') !== 'S256') {
    return send(res, 400, { error: 'invalid_request', error_description: 'only S256' });
  }
  const code = `1000.${random(16)}`;
  // As Zoho: whichever accounts server the browser came to, the code belongs to the user's own
  // data centre, which the redirect names.
  codes.set(code, {
    client_id: q.get('client_id'), redirect_uri: redirect, scope: q.get('scope') || '',
    challenge: q.get('code_challenge') || '', used: false, dc: userDc,
  });
  const back = new URL(redirect);
  back.searchParams.set('code', code);
  if (q.get('state')) back.searchParams.set('state', q.get('state'));
  back.searchParams.set('location', DCS[userDc].location);
  back.searchParams.set('accounts-server', `https://${DCS[userDc].accounts}`);
  send(res, 302, '', { Location: back.toString() });
}

// POST /oauth/v2/token: authorization_code (with PKCE) and refresh_token grants.
// `played` is the Zoho host this listener plays ('' for the main one, which takes any data
// centre's codes and tokens). A code or refresh token presented at another data centre's
// accounts server is unknown there: Zoho's invalid_code.
function wrongDc(played, dc) {
  const at = played ? dcOf(played) : null;
  return at !== null && at.dc !== dc;
}

async function token(req, res, played) {
  const form = new URLSearchParams(await readBody(req));
  const entry = { host: played || null, grant_type: form.get('grant_type'), outcome: 'ok' };
  accountsLog.push(entry);
  const client = clientOk(form, req.headers.authorization);
  if (!client) return send(res, 401, { error: 'invalid_client' });
  if (form.get('grant_type') === 'authorization_code') {
    const c = codes.get(form.get('code') || '');
    if (c && !c.used && wrongDc(played, c.dc)) {
      entry.outcome = 'invalid_code';
      return send(res, 200, { error: 'invalid_code' });  // Zoho answers 200 with the error
    }
    if (!c || c.used) return send(res, 400, { error: 'invalid_code' });
    c.used = true;
    if (c.redirect_uri !== form.get('redirect_uri')) return send(res, 400, { error: 'invalid_redirect_uri' });
    if (c.challenge) {
      const verifier = form.get('code_verifier') || '';
      const hashed = crypto.createHash('sha256').update(verifier).digest('base64url');
      if (hashed !== c.challenge) return send(res, 400, { error: 'invalid_code_verifier' });
    }
    return send(res, 200, issueTokens(c.scope, client, true, c.dc));
  }
  if (form.get('grant_type') === 'refresh_token') {
    const r = refreshTokens.get(form.get('refresh_token') || '');
    if (!r || wrongDc(played, r.dc)) {
      entry.outcome = 'invalid_code';
      return send(res, 400, { error: 'invalid_code' });
    }
    return send(res, 200, issueTokens(r.scope, client, false, r.dc));  // Zoho keeps the refresh token
  }
  send(res, 400, { error: 'unsupported_grant_type' });
}

async function revoke(req, url, res) {
  const form = new URLSearchParams(await readBody(req));
  const t = url.searchParams.get('token') || form.get('token') || '';
  accessTokens.delete(t);
  refreshTokens.delete(t);
  send(res, 200, { status: 'success' });
}

function authorized(req, played) {
  const auth = req.headers.authorization || '';
  if (!auth.startsWith('Zoho-oauthtoken ')) return false;
  const t = accessTokens.get(auth.slice('Zoho-oauthtoken '.length));
  return !!t && t.expires_at > Date.now() && !wrongDc(played, t.dc);
}

// Books reads the contact from the JSONString form field (or a JSON body, as its API also takes).
async function contactFields(req) {
  const body = await readBody(req);
  const type = req.headers['content-type'] || '';
  let text = body;
  if (type.includes('application/x-www-form-urlencoded')) text = new URLSearchParams(body).get('JSONString');
  if (!text) return { error: 'JSONString is missing' };
  try {
    const fields = JSON.parse(text);
    return typeof fields === 'object' && fields && !Array.isArray(fields) ? { fields } : { error: 'JSONString is not an object' };
  } catch {
    return { error: 'JSONString is not JSON' };
  }
}

async function books(req, url, res, played) {
  const record = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams),
                   content_type: req.headers['content-type'] || null, fields: null };
  if (played) record.host = played;  // only on a played host's port: the main port's records stay as they were
  requests.push(record);
  if (!authorized(req, played)) {
    return send(res, 401, { code: 57, message: 'You are not authorized to perform this operation' });
  }
  // api v3 contacts [id] (books.zoho.<dc>), or books v3 contacts [id] (www.zohoapis.<dc>)
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts[2] !== 'contacts') return await otherModule(req, url, res, parts, record);
  if (parts.length > 4) return send(res, 404, { code: 5, message: 'Invalid URL Passed' });
  const id = parts[3];
  if (req.method === 'GET' && !id) {
    const text = (url.searchParams.get('search_text') || '').toLowerCase();
    // Other list parameters filter by equality (any case), as the other modules' lists do.
    const filters = [...url.searchParams].filter(([k]) => !['search_text', 'organization_id', 'page', 'per_page'].includes(k));
    const found = contacts.filter((c) => (!text || [c.contact_name, c.email].some((v) => (v || '').toLowerCase().includes(text))) &&
      filters.every(([k, v]) => String(c[k] ?? '').toLowerCase() === v.toLowerCase()));
    return send(res, 200, { code: 0, message: 'success', contacts: found,
      page_context: { page: 1, per_page: 200, has_more_page: false, search_text: url.searchParams.get('search_text') || '' } });
  }
  if (req.method === 'GET') {
    const c = contacts.find((x) => x.contact_id === id);
    return c ? send(res, 200, { code: 0, message: 'success', contact: c }) : send(res, 404, { code: 1002, message: 'Contact does not exist.' });
  }
  if (req.method !== 'POST' && req.method !== 'PUT') return send(res, 405, { code: 5, message: 'Invalid URL Passed' });
  if ((req.method === 'POST') === Boolean(id)) return send(res, 405, { code: 5, message: 'Invalid URL Passed' });
  const org = url.searchParams.get('organization_id');
  if (!org) return send(res, 400, { code: 6041, message: 'organization_id is required' });
  const { fields, error } = await contactFields(req);
  record.fields = fields || null;
  if (error) return send(res, 400, { code: 4, message: `Invalid value passed for JSONString: ${error}` });
  if (req.method === 'POST') {
    if (!fields.contact_name) return send(res, 400, { code: 4, message: 'Contact name is required' });
    const c = { contact_id: String(nextContact++), ...fields, organization_id: org, created_time: now(), last_modified_time: now() };
    contacts.push(c);
    return send(res, 201, { code: 0, message: 'The contact has been added.', contact: c });
  }
  const c = contacts.find((x) => x.contact_id === id);
  if (!c) return send(res, 404, { code: 1002, message: 'Contact does not exist.' });
  Object.assign(c, fields, { last_modified_time: now() });
  send(res, 200, { code: 0, message: 'Contact information has been saved.', contact: c });
}

// Other modules, for the zoho.books.* / zoho.inventory.* tasks (issue 17): Books' transaction and
// item modules (and Inventory's at /inventory/v1/), created from a JSON body, fetched by id or
// listed with field filters, updated, a status marked, a file attached. Records keep their
// organization: a request for another organization's record finds nothing. The singular is the
// key Books answers with (`estimate`), and `<singular>_id` its id (`customerpayments` answer
// `payment` / `payment_id`, as Books does).
const MODULES = {
  invoices: { one: 'invoice' }, items: { one: 'item' }, estimates: { one: 'estimate' },
  salesorders: { one: 'salesorder' }, purchaseorders: { one: 'purchaseorder' }, bills: { one: 'bill' },
  creditnotes: { one: 'creditnote' }, customerpayments: { one: 'payment' }, expenses: { one: 'expense' },
  recurringinvoices: { one: 'recurring_invoice' }, projects: { one: 'project' },
};
for (const m of Object.values(MODULES)) m.id = `${m.one}_id`;
const emptyRecords = () => Object.fromEntries(Object.keys(MODULES).map((k) => [k, []]));
let moduleRecords = emptyRecords();
let nextRecord = 982000000567001n;

// The parts of a multipart/form-data body: [{name, filename, content_type, size}] (bytes are not
// kept; the stand-in only reports what arrived).
function multipartParts(body, type) {
  const m = /boundary=("?)([^";]+)\1/.exec(type || '');
  if (!m) return null;
  const parts = [];
  for (const chunk of body.split(`--${m[2]}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const split = chunk.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = chunk.slice(0, split);
    const bytes = chunk.slice(split + 4, chunk.endsWith('\r\n') ? -2 : undefined);
    const name = /name="([^"]*)"/.exec(head);
    const filename = /filename="([^"]*)"/.exec(head);
    const ct = /content-type:\s*([^\r\n]+)/i.exec(head);
    parts.push({ name: name ? name[1] : '', filename: filename ? filename[1] : null,
                 content_type: ct ? ct[1] : null, size: Buffer.byteLength(bytes) });
  }
  return parts;
}

async function otherModule(req, url, res, parts, record) {
  const mod = Object.hasOwn(MODULES, parts[2]) ? MODULES[parts[2]] : null;
  if (!mod || parts.length > 6) return send(res, 404, { code: 5, message: 'Invalid URL Passed' });
  const org = url.searchParams.get('organization_id');
  if (!org) return send(res, 400, { code: 6041, message: 'organization_id is required' });
  const list = moduleRecords[parts[2]];
  const id = parts[3];
  const found = id ? list.find((r) => r[mod.id] === id && r.organization_id === org) : null;
  const missing = () => send(res, 404, { code: 1002, message: `${mod.one[0].toUpperCase()}${mod.one.slice(1)} does not exist.` });
  if (req.method === 'GET' && !id) {
    const filters = [...url.searchParams].filter(([k]) => !['organization_id', 'page', 'per_page'].includes(k));
    const hits = list.filter((r) => r.organization_id === org &&
      filters.every(([k, v]) => String(r[k] ?? '').toLowerCase() === v.toLowerCase()));
    return send(res, 200, { code: 0, message: 'success', [parts[2]]: hits,
      page_context: { page: 1, per_page: 200, has_more_page: false } });
  }
  if (req.method === 'GET' && parts.length === 4) return found ? send(res, 200, { code: 0, message: 'success', [mod.one]: found }) : missing();
  if (req.method === 'POST' && parts[4] === 'attachment' && parts.length === 5) {
    // zoho.books.attachFile: one file in the multipart field `attachment`.
    const type = req.headers['content-type'] || '';
    const files = (multipartParts(await readBody(req), type) || []).filter((p) => p.name === 'attachment' && p.filename !== null);
    record.fields = { attachment: files };
    if (!found) return missing();
    if (files.length === 0) return send(res, 400, { code: 4, message: 'The attachment is missing.' });
    found.documents = [...(found.documents || []), ...files.map((f) => ({ file_name: f.filename, file_size: f.size }))];
    return send(res, 200, { code: 0, message: `Your file has been successfully attached to the ${mod.one}.` });
  }
  if (req.method === 'POST' && parts[4] === 'status' && parts[5]) {
    if (!found) return missing();
    found.status = parts[5];
    return send(res, 200, { code: 0, message: `${mod.one} status has been changed to ${parts[5]}.` });
  }
  if (parts.length > 4 || (req.method !== 'POST' && req.method !== 'PUT') || (req.method === 'POST') === Boolean(id)) {
    return send(res, 405, { code: 5, message: 'Invalid URL Passed' });
  }
  const { fields, error } = await contactFields(req);
  record.fields = fields || null;
  if (error) return send(res, 400, { code: 4, message: `Invalid value passed for JSONString: ${error}` });
  if (req.method === 'POST') {
    const r = { [mod.id]: String(nextRecord++), ...fields, organization_id: org, status: 'draft', created_time: now() };
    list.push(r);
    return send(res, 201, { code: 0, message: `The ${mod.one} has been created.`, [mod.one]: r });
  }
  if (!found) return missing();
  Object.assign(found, fields, { last_modified_time: now() });
  send(res, 200, { code: 0, message: `The ${mod.one} has been updated.`, [mod.one]: found });
}

const handler = (played) => async (req, res) => {
  try {
    const url = new URL(req.url, `http://${req.headers.host || host}`);
    if (url.pathname === '/oauth/v2/auth' && req.method === 'GET') return authorize(url, res);
    if (url.pathname === '/oauth/v2/token' && req.method === 'POST') return await token(req, res, played);
    if (url.pathname === '/oauth/v2/token/revoke' && req.method === 'POST') return await revoke(req, url, res);
    if (url.pathname.startsWith('/api/v3/') || url.pathname.startsWith('/books/v3/') ||
        url.pathname.startsWith('/inventory/v1/')) {
      return await books(req, url, res, played);
    }
    if (url.pathname === '/_standin/user' && req.method === 'POST') {
      const dc = url.searchParams.get('dc') || '';
      if (!DCS[dc]) return send(res, 400, { error: `unknown data centre '${dc}'` });
      userDc = dc;
      return send(res, 200, { user_dc: userDc });
    }
    if (url.pathname === '/_standin/accounts' && req.method === 'GET') return send(res, 200, { requests: accountsLog });
    // The stand-in's own state, for tests: never part of Books.
    if (url.pathname === '/_standin/contacts' && req.method === 'GET') return send(res, 200, { contacts });
    if (url.pathname === '/_standin/requests' && req.method === 'GET') return send(res, 200, { requests });
    if (url.pathname === '/_standin/tokens' && req.method === 'GET') {
      return send(res, 200, { access_tokens: [...accessTokens.keys()], refresh_tokens: [...refreshTokens.keys()] });
    }
    if (url.pathname === '/_standin/reset' && req.method === 'POST') {
      contacts = [];
      moduleRecords = emptyRecords();
      requests = [];
      accountsLog = [];
      return send(res, 200, { reset: true });
    }
    send(res, 404, { code: 5, message: 'Invalid URL Passed' });
  } catch (e) {
    send(res, 500, { code: 1, message: String(e.message || e) });
  }
};

const server = http.createServer(handler(''));
// One listener per played host, each announced before the main line.
let waiting = plays.length;
const ready = () => {
  if (waiting > 0 || !server.listening) return;
  // The last line the stand-in writes at start is the main URL: scripts and tests read it.
  process.stdout.write(`books stand-in listening on http://${host}:${server.address().port}\n`);
};
server.listen(port, host, ready);
for (const played of plays) {
  const s = http.createServer(handler(played));
  s.listen(0, host, () => {
    process.stdout.write(`books stand-in plays ${played} at http://${host}:${s.address().port}\n`);
    waiting -= 1;
    ready();
  });
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
