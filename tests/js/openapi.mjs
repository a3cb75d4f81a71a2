// The API contract (docs/api.md) against a running Relish: GET /api/v1/openapi.json is a valid
// OpenAPI 3.1 document (@seriousme/openapi-schema-validator), every $ref in it resolves, every
// schema in it compiles as JSON Schema 2020-12 (ajv), and the answers of the key routes match
// the schemas the document gives for them (identity and tokens, a connection, functions, rules
// and runs, toppings, CRM records, the CRM API with a CRM token of Relish's OAuth server, and
// errors of each shape), in two organizations.
//
// Usage: node tests/js/openapi.mjs <base-url>   (RELISH_ADMIN_EMAIL / RELISH_ADMIN_PASSWORD)
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";

const base = process.argv[2];
const email = process.env.RELISH_ADMIN_EMAIL;
const password = process.env.RELISH_ADMIN_PASSWORD;
assert.ok(base && email && password, "usage: openapi.mjs <base-url> with RELISH_ADMIN_EMAIL/PASSWORD");

// --- the document
const res = await fetch(`${base}/api/v1/openapi.json`);
assert.equal(res.status, 200);
assert.equal(res.headers.get("content-type"), "application/json");
const doc = await res.json();

const validator = new Validator();
const result = await validator.validate(structuredClone(doc));
assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 1));
assert.equal(result.valid, true);
assert.equal(validator.version, "3.1");

// Every $ref names something in the document.
function pointer(path) {
  let at = doc;
  for (const part of path.split("/").slice(1)) {
    at = at?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return at;
}
const dangling = [];
(function walk(node, where) {
  if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${where}/${i}`));
  if (node === null || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string" && pointer(v.slice(1)) === undefined) {
      dangling.push(`${where}: ${v}`);
    }
    walk(v, `${where}/${k}`);
  }
})(doc, "");
assert.deepEqual(dangling, []);

// Every schema compiles: the components, and each operation's body and answers.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(doc, "urn:relish:api");
const escape = (s) => encodeURIComponent(s.replaceAll("~", "~0").replaceAll("/", "~1"));
const ref = (...parts) => ({ $ref: `urn:relish:api#/${parts.map(escape).join("/")}` });
for (const name of Object.keys(doc.components.schemas)) ajv.compile(ref("components", "schemas", name));
let operations = 0;
let schemas = 0;
for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    operations++;
    assert.ok(op.summary && op.summary !== "(undocumented)", `${method} ${path} has no summary`);
    assert.ok(op.responses && Object.keys(op.responses).length >= 2, `${method} ${path}: responses`);
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
      ajv.compile(ref("paths", path, method, "requestBody", "content", type, "schema"));
      schemas++;
      assert.ok(media.schema);
    }
    for (const [status, answer] of Object.entries(op.responses)) {
      for (const type of Object.keys(answer.content ?? {})) {
        ajv.compile(ref("paths", path, method, "responses", status, "content", type, "schema"));
        schemas++;
      }
    }
  }
}
assert.ok(operations > 100, `only ${operations} operations`);
const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
assert.equal(new Set(ids).size, ids.length, "operationIds repeat");
const codes = doc.components.schemas.ErrorCode.enum;
assert.deepEqual(codes, ["invalid_argument", "not_found", "already_exists", "permission_denied",
  "unauthenticated", "failed_precondition", "resource_exhausted", "unavailable",
  "deadline_exceeded", "internal"]);

// --- answers against their schemas
// The schema the document gives `method path` (the documented template) for `status`.
function check(method, template, reply) {
  const op = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is not in the document`);
  const status = String(reply.status);
  assert.ok(op.responses[status] || reply.status >= 500, `${method} ${template}: ${status} is not documented`);
  const key = op.responses[status] ? status : "default";
  const content = op.responses[key].content;
  if (!content) return assert.equal(reply.text, "", `${method} ${template} ${status} has a body`);
  const validate = ajv.compile(ref("paths", template, method.toLowerCase(), "responses", key,
    "content", "application/json", "schema"));
  const ok = validate(reply.json);
  assert.ok(ok, `${method} ${template} ${status}: ${JSON.stringify(validate.errors, null, 1)}\n` +
    reply.text.slice(0, 500));
  checked++;
}
let checked = 0;

async function call(token, method, path, body, headers = {}) {
  const r = await fetch(base + path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    redirect: "manual",
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, text, json };
}
// Calls and checks the answer against the document; returns the answer.
async function expect(status, token, method, template, path, body, headers) {
  const reply = await call(token, method, path, body, headers);
  assert.equal(reply.status, status, `${method} ${path}: ${reply.text.slice(0, 300)}`);
  check(method, template, reply);
  return reply;
}

const login = await expect(201, null, "POST", "/api/v1/auth/token", "/api/v1/auth/token",
  { email, password, name: "openapi" });
const admin = login.json.token;
const me = await expect(200, admin, "GET", "/api/v1/me", "/api/v1/me");
const orgA = me.json.orgs[0].id;
const orgB = (await expect(201, admin, "POST", "/api/v1/orgs", "/api/v1/orgs", { name: "Beta" })).json.id;
const dev = await expect(201, admin, "POST", "/api/v1/users", "/api/v1/users",
  { email: "dev-a@example.com", password: "dev-password-openapi-1", orgs: [orgA] });
await expect(200, admin, "GET", "/api/v1/users", "/api/v1/users");
await expect(200, admin, "GET", "/api/v1/orgs", "/api/v1/orgs");
await expect(200, admin, "GET", "/api/v1/orgs/{org}/members", `/api/v1/orgs/${orgB}/members`);
const devToken = (await expect(201, null, "POST", "/api/v1/auth/token", "/api/v1/auth/token",
  { email: "dev-a@example.com", password: "dev-password-openapi-1" })).json.token;
const tokens = await expect(200, devToken, "GET", "/api/v1/tokens", "/api/v1/tokens");
assert.equal(tokens.json.tokens.length, 1);
const extra = await expect(201, devToken, "POST", "/api/v1/tokens", "/api/v1/tokens", { name: "spare", expires_in_days: 3 });
await expect(200, devToken, "DELETE", "/api/v1/tokens/{id}", `/api/v1/tokens/${extra.json.id}`);
assert.equal(dev.json.role, "developer");

// Connections.
await expect(200, devToken, "GET", "/api/v1/services", "/api/v1/services");
await expect(200, devToken, "GET", "/api/v1/services/{id}", "/api/v1/services/stripe");
const conn = await expect(201, devToken, "POST", "/api/v1/connections", "/api/v1/connections",
  { name: "Payments", link_name: "pay", service: "stripe" });
assert.equal(conn.json.status, "pending");
await expect(200, devToken, "PUT", "/api/v1/connections/{link}/credentials",
  "/api/v1/connections/pay/credentials", { fields: { token: "sk_test_openapi" } });
const list = await expect(200, devToken, "GET", "/api/v1/connections", "/api/v1/connections");
assert.equal(list.json.connections[0].status, "connected");
const one = await expect(200, devToken, "GET", "/api/v1/connections/{link}", "/api/v1/connections/pay");
// The schemas do check: the same answer without a member it must have, or with one of the wrong
// type, does not match.
const connection = ajv.compile(ref("components", "schemas", "Connection"));
assert.equal(connection(one.json), true);
assert.equal(connection({ ...one.json, link_name: undefined }), false);
assert.equal(connection({ ...one.json, created_at: "yesterday" }), false);
assert.equal(connection({ ...one.json, status: "sleeping" }), false);
await expect(200, devToken, "GET", "/api/v1/audit", "/api/v1/audit");
await expect(200, devToken, "GET", "/api/v1/services/{id}/client", "/api/v1/services/stripe/client");
// Another organization's connection is not found, and the error is an Error.
const refused = await expect(404, devToken, "GET", "/api/v1/connections/{link}",
  `/api/v1/connections/pay?org=${orgB}`);
assert.deepEqual(refused.json, { code: "not_found", message: `no organization ${orgB} among yours` });
await expect(404, admin, "GET", "/api/v1/connections/{link}", `/api/v1/connections/pay?org=${orgB}`);
await expect(401, null, "GET", "/api/v1/connections", "/api/v1/connections");
await expect(400, devToken, "POST", "/api/v1/connections", "/api/v1/connections", { name: "x" });

// Functions, rules and runs.
await expect(200, devToken, "PUT", "/api/v1/workflow/functions/{name}", "/api/v1/workflow/functions/greet",
  { source: 'info "hello " + contact.get("Email");\nreturn {"ok": true};', params: ["contact"] });
await expect(200, devToken, "GET", "/api/v1/workflow/functions", "/api/v1/workflow/functions");
await expect(200, devToken, "GET", "/api/v1/workflow/functions/{name}", "/api/v1/workflow/functions/greet");
const run = await expect(200, devToken, "POST", "/api/v1/functions/run", "/api/v1/functions/run",
  { function: "greet", args: { contact: { Email: "a@example.com" } } });
assert.equal(run.json.ok, true);
assert.deepEqual(run.json.info, ["hello a@example.com"]);
await expect(200, devToken, "GET", "/api/v1/functions/runs", "/api/v1/functions/runs");
await expect(200, devToken, "GET", "/api/v1/functions/runs/{id}", `/api/v1/functions/runs/${run.json.run_id}`);
const failed = await expect(200, devToken, "POST", "/api/v1/functions/run", "/api/v1/functions/run",
  { source: 'x = 1 / 0;' });
assert.equal(failed.json.ok, false);
await expect(200, devToken, "POST", "/api/v1/functions/check", "/api/v1/functions/check", { source: "x = ;" });
await expect(200, devToken, "GET", "/api/v1/functions/completions", "/api/v1/functions/completions");
const rule = await expect(201, devToken, "POST", "/api/v1/workflow/rules", "/api/v1/workflow/rules", {
  name: "Greet", module: "Contacts", trigger: { type: "create" },
  conditions: [{ criteria: ["Email is not empty"], actions: [{ function: "greet" }] }] });
await expect(200, devToken, "GET", "/api/v1/workflow/rules", "/api/v1/workflow/rules");
await expect(200, devToken, "POST", "/api/v1/workflow/rules/{id}/deactivate",
  `/api/v1/workflow/rules/${rule.json.id}/deactivate`);
await expect(200, devToken, "POST", "/api/v1/workflow/rules/{id}/activate",
  `/api/v1/workflow/rules/${rule.json.id}/activate`);

// CRM records: the rule runs for the new contact.
await expect(200, devToken, "GET", "/api/v1/crm/modules", "/api/v1/crm/modules");
await expect(200, devToken, "GET", "/api/v1/crm/modules/{module}", "/api/v1/crm/modules/Contacts");
const record = await expect(201, devToken, "POST", "/api/v1/crm/modules/{module}/records",
  "/api/v1/crm/modules/Contacts/records", { data: [{ Last_Name: "Lovelace", Email: "ada@example.com" }] });
const recordId = record.json.data[0].details.id;
await expect(200, devToken, "GET", "/api/v1/crm/modules/{module}/records/{id}",
  `/api/v1/crm/modules/Contacts/records/${recordId}`);
await expect(200, devToken, "GET", "/api/v1/crm/modules/{module}/records", "/api/v1/crm/modules/Contacts/records");
await expect(400, devToken, "POST", "/api/v1/crm/modules/{module}/records",
  "/api/v1/crm/modules/Contacts/records", { rows: [] });
await expect(200, devToken, "GET", "/api/v1/crm/events", "/api/v1/crm/events");
// The record's rule runs on a worker: polled for up to 30 s (a loaded CI machine is slow).
let runs;
for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
  runs = await call(devToken, "GET", "/api/v1/workflow/runs");
  if (runs.json.runs.length > 0 && runs.json.runs[0].status !== "retrying") break;
  await new Promise((r) => setTimeout(r, 50));
}
check("GET", "/api/v1/workflow/runs", runs);
assert.ok(runs.json.runs.length > 0, "no workflow run within 30 s");
assert.equal(runs.json.runs[0].status, "success");
await expect(200, devToken, "GET", "/api/v1/workflow/runs/{id}", `/api/v1/workflow/runs/${runs.json.runs[0].id}`);
await expect(200, devToken, "GET", "/api/v1/workflow/queue", "/api/v1/workflow/queue");
// The developer of A does not see B's members, and the refusal is an Error.
const notAdmin = await expect(403, devToken, "GET", "/api/v1/orgs/{org}/members", `/api/v1/orgs/${orgB}/members`);
assert.deepEqual(notAdmin.json, { code: "permission_denied", message: "only administrators may do this" });
await expect(200, admin, "GET", "/api/v1/oauth/clients", "/api/v1/oauth/clients");

// Toppings.
const pushed = await expect(200, devToken, "POST", "/api/v1/toppings", "/api/v1/toppings", { files: {
  "topping.yaml": "namespace: books\nname: Books\nversion: 1\nfunctions:\n  - {name: hello, params: [contact]}\n",
  "functions/hello.dg": 'info "hello";' } });
assert.equal(pushed.json.namespace, "books");
await expect(200, devToken, "GET", "/api/v1/toppings", "/api/v1/toppings");
await expect(200, devToken, "GET", "/api/v1/toppings/{ns}", "/api/v1/toppings/books");
await expect(200, devToken, "GET", "/api/v1/toppings/{ns}/files", "/api/v1/toppings/books/files");
const preview = await expect(200, devToken, "GET", "/api/v1/toppings/{ns}/publish-preview",
  "/api/v1/toppings/books/publish-preview");
assert.deepEqual(preview.json.functions.added, ["hello"]);

// The CRM API, with a CRM token of A's developer (the consent flow of docs/oauth-server.md).
const client = await expect(201, admin, "POST", "/api/v1/oauth/clients", "/api/v1/oauth/clients", {
  name: "OpenAPI", redirect_uris: ["https://app.example/cb"],
  scopes: ["ZohoBigin.modules.ALL", "ZohoBigin.users.READ", "ZohoBigin.settings.ALL", "ZohoBigin.org.READ"] });
const session = await fetch(`${base}/api/v1/session`, { method: "POST",
  headers: { "Content-Type": "application/json", Origin: base },
  body: JSON.stringify({ email: "dev-a@example.com", password: "dev-password-openapi-1" }) });
assert.equal(session.status, 200);
const cookie = session.headers.get("set-cookie").split(";")[0];
const { csrf } = await session.json();
const form = new URLSearchParams({ csrf_token: csrf, response_type: "code", client_id: client.json.client_id,
  redirect_uri: "https://app.example/cb",
  scope: "ZohoBigin.modules.ALL,ZohoBigin.users.READ,ZohoBigin.settings.ALL,ZohoBigin.org.READ",
  state: "s", code_challenge: "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc", code_challenge_method: "S256",
  access_type: "offline", org: orgA, environment: "sandbox", decision: "allow" });
const consent = await fetch(`${base}/oauth/authorize`, { method: "POST", redirect: "manual",
  headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, Origin: base }, body: form });
assert.equal(consent.status, 303);
const code = new URL(consent.headers.get("location")).searchParams.get("code");
const granted = await fetch(`${base}/oauth/token`, { method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: "https://app.example/cb",
    code_verifier: "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk", client_id: client.json.client_id,
    client_secret: client.json.client_secret }) });
const grant = { status: granted.status, text: await granted.text() };
grant.json = JSON.parse(grant.text);
assert.equal(grant.status, 200, grant.text);
check("POST", "/oauth/token", grant);
const crm = { Authorization: `Zoho-oauthtoken ${grant.json.access_token}` };
await expect(200, null, "GET", "/bigin/v2/settings/modules", "/bigin/v2/settings/modules", undefined, crm);
await expect(200, null, "GET", "/bigin/v2/settings/modules/{module}", "/bigin/v2/settings/modules/Contacts", undefined, crm);
await expect(200, null, "GET", "/bigin/v2/settings/fields", "/bigin/v2/settings/fields?module=Contacts", undefined, crm);
await expect(200, null, "GET", "/bigin/v2/users", "/bigin/v2/users", undefined, crm);
await expect(200, null, "GET", "/bigin/v2/org", "/bigin/v2/org", undefined, crm);
const inserted = await expect(201, null, "POST", "/bigin/v2/{module}", "/bigin/v2/Contacts",
  { data: [{ Last_Name: "Hopper" }] }, crm);
await expect(200, null, "GET", "/bigin/v2/{module}/{id}", `/bigin/v2/Contacts/${inserted.json.data[0].details.id}`, undefined, crm);
await expect(200, null, "GET", "/bigin/v2/{module}", "/bigin/v2/Contacts", undefined, crm);
await expect(204, null, "GET", "/bigin/v2/{module}/search", "/bigin/v2/Contacts/search?word=nobody", undefined, crm);
const zoho = await expect(400, null, "POST", "/bigin/v2/{module}", "/bigin/v2/Contacts", { rows: [] }, crm);
assert.equal(zoho.json.status, "error");
await expect(404, null, "GET", "/bigin/{rest}", "/bigin/v9/anything", undefined, crm);
await expect(401, null, "GET", "/bigin/v2/{module}", "/bigin/v2/Contacts", undefined, { Authorization: `Bearer ${devToken}` });
await expect(200, null, "GET", "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server");
await expect(200, null, "GET", "/healthz", "/healthz");

// The document holds no data: after all this it is the same, for an anonymous caller and a
// signed-in one, and holds none of what was planted.
const again = await call(null, "GET", "/api/v1/openapi.json");
assert.ok(isDeepStrictEqual(again.json, doc),
  "the document changed");
assert.ok((await call(devToken, "GET", "/api/v1/openapi.json")).text === again.text,
  "a signed-in caller gets another document");
for (const planted of ["sk_test_openapi", "Lovelace", "dev-a@example.com", orgA, orgB]) {
  assert.equal(again.text.includes(planted), false, planted);
}
console.log(`openapi: ${operations} operations, ${schemas} schemas compiled, ${checked} answers matched`);
