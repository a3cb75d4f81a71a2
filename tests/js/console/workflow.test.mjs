// The Workflow rules and Executions pages in Chromium against a real server: a rule made
// through the form (a validation error shown at its field first), deactivated and activated;
// contacts created through the CRM's API fire it, and each run appears in the execution log
// without a reload; a run's page with its info lines and its outbound call (through a
// connection to a local stand-in, as the function saw it and as the audit recorded it); the
// log's filters; another organization's rules and runs never shown; delete with confirmation
// from the keyboard. After each test the harness scans for the planted secrets (the
// connection's key among them).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import { localInputTime, rows, settled, startConsole, viewports } from './harness.mjs';

const hookKey = `hook-key-${Math.random().toString(36).slice(2)}-planted`;
const ruleName = 'Notify on contacts';

// The hook the function calls through its connection: GET /contacts/{id} answers who it got,
// behind a bearer key only the connection holds.
let hookCalls = [];
function startHookStandIn() {
  const server = http.createServer((req, res) => {
    const ok = (req.headers.authorization ?? '').includes(hookKey);
    hookCalls.push(`${req.method} ${req.url}`);
    res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(ok ? { status: 'received' } : { code: 'INVALID_TOKEN' }));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

let hooks;
const openAs = (...args) => h().openAs(...args);
const h = startConsole({
  env: async () => {
    hooks = await startHookStandIn();
    return { RELISH_SANDBOX_REMAP: `hooks.example.test=http://127.0.0.1:${hooks.address().port}` };
  },
});
after(() => hooks?.close());

const notifySource = [
  'void automation.notify(String email, String contactId)',
  '{',
  '\tinfo "notify " + email;',
  '\tresp = invokeurl',
  '\t[',
  '\t\turl :"https://hooks.example.test/contacts/" + contactId',
  '\t\ttype :GET',
  '\t\tconnection:"hooks"',
  '\t];',
  '\tinfo "hook answered " + resp.get("status");',
  '\tif(email == "fail@example.com")',
  '\t{',
  '\t\tnone = List();',
  '\t\tinfo none.get(2);',
  '\t}',
  '}',
].join('\n');

// An access token of Relish's OAuth server for the CRM's API in the sandbox of `user`'s
// organization, as an app gets it: a client, the user's consent, the code exchanged.
async function crmToken(user) {
  const { org } = user;
  const base = h().url;
  const redirect = 'https://app.example/cb';
  const client = await h().api('POST', '/api/v1/oauth/clients', { name: `workflow tests ${org.id}`, redirect_uris: [redirect] });
  h().secrets[`the OAuth client secret for ${org.name}`] = client.client_secret;
  const signIn = await fetch(`${base}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf } = await signIn.json();
  const consent = await fetch(`${base}/oauth/authorize`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    body: new URLSearchParams({ csrf_token: csrf, response_type: 'code', client_id: client.client_id, redirect_uri: redirect,
                                scope: 'ZohoBigin.modules.ALL', org: org.id, environment: 'sandbox', decision: 'allow' }),
  });
  assert.equal(consent.status, 303);
  const code = new URL(consent.headers.get('location')).searchParams.get('code');
  const token = await fetch(`${base}/oauth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect,
                                client_id: client.client_id, client_secret: client.client_secret }),
  });
  const access = (await token.json()).access_token;
  h().secrets[`the CRM access token for ${org.name}`] = access;
  return access;
}

// Creates a contact through the CRM's REST API (which fires the rules); its id.
async function createContact(token, fields) {
  const created = await fetch(`${h().url}/bigin/v2/Contacts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Zoho-oauthtoken ${token}` },
    body: JSON.stringify({ data: [fields] }),
  });
  const text = await created.text();
  assert.equal(created.status, 201, text);
  return JSON.parse(text).data[0].details.id;
}

// Acme's sandbox: the hook's service and connection, and the function the rule runs. Globex's:
// a rule and one run of its own, which Acme must never see.
let setUp = null;
function setUpOrgs() {
  setUp ??= (async () => {
    const [acme, globex] = h().orgs;
    const acmeScope = `org=${acme.id}&environment=sandbox`;
    const globexScope = `org=${globex.id}&environment=sandbox`;
    await h().api('POST', `/api/v1/services?${acmeScope}`, {
      yaml: 'id: hooks_key\nname: Hooks by key\nauth: bearer\nbase_url: https://hooks.example.test\nallowed_hosts: [hooks.example.test]\n',
    });
    await h().api('POST', `/api/v1/connections?${acmeScope}`, { name: 'hooks', link_name: 'hooks', service: 'hooks_key' });
    await h().api('PUT', `/api/v1/connections/hooks/credentials?${acmeScope}`, { fields: { token: hookKey } });
    h().secrets['the hook key'] = hookKey;
    await h().api('PUT', `/api/v1/workflow/functions/notify?${acmeScope}`, { source: notifySource });

    await h().api('PUT', `/api/v1/workflow/functions/globex_audit?${globexScope}`,
                  { source: 'info "globex only";', params: ['contact'] });
    const globexRule = await h().api('POST', `/api/v1/workflow/rules?${globexScope}`, {
      name: 'Globex private rule', module: 'Contacts', trigger: 'create',
      conditions: [{ actions: [{ function: 'globex_audit' }] }],
    });
    const globexToken = await crmToken(h().developers[1]);
    await createContact(globexToken, { Last_Name: 'Globex', Email: 'hidden@globex.test' });
    const globexRuns = await waitForRuns(globexScope, 1);
    return { acmeToken: await crmToken(h().developers[0]), globexRule, globexRun: globexRuns[0] };
  })();
  return setUp;
}

// The runs of a scope once there are `n` of them (the workers run jobs on their own threads).
async function waitForRuns(scope, n) {
  let runs = [];
  await settled(async () => (runs = (await h().api('GET', `/api/v1/workflow/runs?${scope}`)).runs).length >= n,
                true, `at least ${n} runs recorded in ${scope}`);
  return runs;
}

let ruleId = null;
let janeId = null;

test('a rule made through the form: the API\'s error shown at its field, then created, deactivated and activated', async () => {
  await setUpOrgs();
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/rules', 'Workflow rules');
  await page.getByRole('heading', { name: 'No workflow rules yet' }).waitFor();
  await h().checkAccessibility(page, 'no rules');
  await page.getByRole('link', { name: 'New rule' }).click();
  await page.getByRole('heading', { name: 'New workflow rule', level: 1 }).waitFor();

  await page.getByLabel('Name', { exact: true }).fill(ruleName);
  assert.equal(await page.getByRole('combobox', { name: 'Module', exact: true }).inputValue(), 'Contacts');
  await page.getByRole('combobox', { name: 'Trigger', exact: true }).selectOption('create_or_edit');
  // The fields offered are the module's, with operators fit for each type.
  await page.getByLabel('Condition 1 row 1 field').selectOption('Email');
  const emailOperators = await page.getByLabel('Condition 1 row 1 operator').locator('option').allInnerTexts();
  assert.deepEqual(emailOperators, ['is', "isn't", 'contains', "doesn't contain", 'starts with', 'ends with',
                                    'is any of', 'is none of', 'is empty', 'is not empty']);
  await page.getByLabel('Condition 1 row 1 operator').selectOption('is not empty');
  assert.equal(await page.getByLabel('Condition 1 row 1 value').count(), 0);
  await page.getByRole('button', { name: 'Add a row to condition 1' }).click();
  await page.getByLabel('Condition 1 row 2 field').selectOption('Email');
  await page.getByLabel('Condition 1 row 2 operator').selectOption('ends with');
  await page.getByLabel('Condition 1 row 2 value').fill('@example.com');
  await page.getByLabel('Condition 1 pattern').fill('1 and 3');

  await page.getByLabel('Condition 1 action 1 kind').selectOption('function');
  await page.getByLabel('Condition 1 action 1 function').selectOption('notify');
  await page.getByLabel('Condition 1 action 1 email field').selectOption('Email');
  await page.getByLabel('Condition 1 action 1 contactId field').selectOption('ID');

  await page.getByRole('button', { name: 'Create the rule' }).click();
  // The API refuses the pattern; its message shows at the Pattern field, which takes the focus.
  const pattern = page.getByLabel('Condition 1 pattern');
  await page.locator('.ui-field--invalid').waitFor();
  assert.equal(await pattern.getAttribute('aria-invalid'), 'true');
  const described = await pattern.getAttribute('aria-describedby');
  const message = await page.locator(`[id="${described.split(' ').pop()}"]`).innerText();
  assert.equal(message, 'Row 3 does not exist (there are 2)');
  // The form moves the focus in a task of its own, after the error shows.
  await settled(() => pattern.evaluate((el) => el === document.activeElement), true, 'the pattern has the focus');
  await h().checkAccessibility(page, 'the rule form with an error');
  await h().screenshot(page, 'rule-form-error');

  // Fixed from the keyboard: the focus is already in the field.
  await page.keyboard.press('Control+A');
  await page.keyboard.type('1 and 2');
  await page.getByRole('button', { name: 'Create the rule' }).click();
  await page.getByRole('heading', { name: ruleName, level: 1 }).waitFor();
  await page.getByText('The rule was created.').waitFor();
  ruleId = new URL(page.url()).pathname.split('/').pop();
  const [acme] = h().orgs;
  const stored = await h().api('GET', `/api/v1/workflow/rules/${ruleId}?org=${acme.id}&environment=sandbox`);
  assert.deepEqual({ trigger: stored.trigger, conditions: stored.conditions, active: stored.active }, {
    trigger: { type: 'create_or_edit', repeat: true },
    conditions: [{
      criteria: [{ field: 'Email', operator: 'is not empty' }, { field: 'Email', operator: 'ends with', value: '@example.com' }],
      pattern: '1 and 2',
      actions: [{ function: 'notify', args: { email: { field: 'Email' }, contactId: { field: 'ID' } } }],
    }],
    active: true,
  });
  // The form shows the stored rule.
  assert.equal(await page.getByLabel('Condition 1 row 2 value').inputValue(), '@example.com');
  assert.equal(await page.getByLabel('Condition 1 action 1 contactId field').inputValue(), 'ID');
  await h().checkAccessibility(page, 'a rule');
  await h().screenshot(page, 'rule');

  // Deactivate and activate from the keyboard.
  await page.getByRole('button', { name: 'Deactivate' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('Inactive', { exact: true }).waitFor();
  assert.equal((await h().api('GET', `/api/v1/workflow/rules/${ruleId}?org=${acme.id}&environment=sandbox`)).active, false);
  await page.getByRole('button', { name: 'Activate' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('Active', { exact: true }).waitFor();
  assert.equal((await h().api('GET', `/api/v1/workflow/rules/${ruleId}?org=${acme.id}&environment=sandbox`)).active, true);

  // The list, per module.
  await page.getByRole('link', { name: 'Workflow rules' }).first().click();
  await page.getByRole('heading', { name: 'Contacts', level: 2 }).waitFor();
  assert.deepEqual((await rows(page.getByRole('region', { name: 'Rules of Contacts' })))[0].slice(0, 5), [
    ruleName, 'Active', 'Created or edited, every time', 'Email is not empty and Email ends with @example.com', 'Function notify',
  ]);
  await h().checkAccessibility(page, 'the rules');
  await h().screenshot(page, 'rules');
});

test('a contact created through the API fires the rule: the run appears without reloading, with its info lines and outbound calls', async () => {
  const { acmeToken } = await setUpOrgs();
  assert.ok(ruleId, 'the first test made the rule');
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/runs', 'Executions');
  await page.getByRole('heading', { name: 'No runs yet' }).waitFor();
  await h().checkAccessibility(page, 'no runs');
  // A mark the page keeps until it reloads.
  await page.evaluate(() => { window.notReloaded = true; });

  hookCalls = [];
  janeId = await createContact(acmeToken, { Last_Name: 'Doe', First_Name: 'Jane', Email: 'jane@example.com' });
  const log = page.getByRole('region', { name: 'Runs', exact: true });
  await log.waitFor();
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  const [row] = await rows(log);
  assert.deepEqual(row.slice(1, 4), ['Succeeded', ruleName, 'Function notify']);
  assert.equal(row[4], `Contacts ${janeId}`);
  assert.equal(row[5], 'create');
  assert.deepEqual(hookCalls, [`GET /contacts/${janeId}`]);
  await h().checkAccessibility(page, 'the execution log');
  await h().screenshot(page, 'runs');

  await log.getByRole('link').first().click();
  await page.getByRole('heading', { name: `Run of ${ruleName}`, level: 1 }).waitFor();
  assert.deepEqual(await page.locator('.run-result__info li').allInnerTexts(),
                   ['notify jane@example.com', 'hook answered received']);
  const url = `https://hooks.example.test/contacts/${janeId}`;
  assert.deepEqual((await rows(page.getByRole('region', { name: 'Calls as the function made them' }))).map((r) => [r[0], r[1], r[2], r[4]]),
                   [['GET', url, '200', 'hooks']]);
  assert.deepEqual((await rows(page.getByRole('region', { name: 'Calls as the connections audit recorded them' }))).map((r) => [r[0], r[1], r[2], r[4]]),
                   [['GET', url, '200', 'hooks']]);
  await page.getByRole('link', { name: ruleName, exact: true }).waitFor();
  await page.getByRole('link', { name: 'notify', exact: true }).waitFor();
  // Who the run acted as: the developer whose API call created the contact, by name and email.
  assert.equal(await page.locator('.facts div', { hasText: 'Acting user' }).locator('dd').innerText(),
               `dev <${h().developers[0].email}>`);
  await h().checkAccessibility(page, 'a run');
  await h().screenshot(page, 'run');

  // Run again: the action once more for the record, as a new run listed under this one.
  // Fetched on their own once the run's page shows (the table comes with every row at once).
  const runsHere = page.getByRole('region', { name: 'This rule\'s runs for this record' });
  await runsHere.locator('tbody tr').first().waitFor();
  assert.equal((await rows(runsHere)).length, 1);
  await page.getByRole('button', { name: 'Run again' }).click();
  await page.getByText('Queued: the action runs again for the record as it is now.').waitFor();
  await page.waitForFunction(() =>
    document.querySelectorAll('[aria-label="This rule\'s runs for this record"] tbody tr').length === 2);
  const again = await rows(runsHere);
  assert.deepEqual(again.map((r) => [r[1], r[2], r[3]]), [['create', '1', 'Succeeded'], ['create', '1', 'Succeeded']]);
  assert.ok(again[1][0].endsWith('(this run)'));
  assert.deepEqual(hookCalls, [`GET /contacts/${janeId}`, `GET /contacts/${janeId}`]);

  // A contact without an email meets no criteria: no run.
  await createContact(acmeToken, { Last_Name: 'Nobody' });
  // And one more that does, whose run appears on the open log.
  await page.getByRole('link', { name: 'Executions' }).first().click();
  await log.waitFor();
  await page.evaluate(() => { window.notReloaded = true; });
  assert.equal((await rows(log)).length, 2);
  await createContact(acmeToken, { Last_Name: 'Roe', Email: 'bob@example.com' });
  await page.getByText('1 new run since you opened this page').waitFor();
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  assert.equal((await rows(log)).length, 3);
});

test('the execution log\'s filters narrow the list, and live in the URL; a failed run links to its line', async () => {
  const { acmeToken } = await setUpOrgs();
  assert.ok(janeId, 'the second test made the runs');
  // A contact the function fails on (at line 14), recorded before the page opens.
  await createContact(acmeToken, { Last_Name: 'Fail', Email: 'fail@example.com' });
  const [acme] = h().orgs;
  await waitForRuns(`org=${acme.id}&environment=sandbox`, 4);
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/runs', 'Executions');
  const log = page.getByRole('region', { name: 'Runs', exact: true });
  await log.waitFor();
  const count = async () => (await rows(log)).length;
  assert.equal(await count(), 4);

  await page.getByLabel('Record ID').fill(janeId);
  await page.waitForURL((u) => u.searchParams.get('record') === janeId);
  await page.waitForFunction(() => document.querySelectorAll('.ui-table tbody tr').length === 2);
  assert.deepEqual((await rows(log)).map((r) => r[4]), [`Contacts ${janeId}`, `Contacts ${janeId}`]);
  await page.getByLabel('Record ID').fill('');
  await page.waitForFunction(() => document.querySelectorAll('.ui-table tbody tr').length === 4);

  await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('failed');
  await page.waitForFunction(() => document.querySelectorAll('.ui-table tbody tr').length === 1);
  assert.equal((await rows(log))[0][1], 'Failed');
  await log.getByRole('link').first().click();
  const error = page.getByRole('alert').filter({ hasText: 'Line 14: ' });
  await error.waitFor();
  assert.match(await error.innerText(), /Line 14: Given index 2 is greater than the list size/);
  await h().checkAccessibility(page, 'a failed run');
  await h().screenshot(page, 'run-failed');
  await error.getByRole('link', { name: 'Open notify at line 14' }).click();
  await page.getByRole('textbox', { name: 'Deluge source' }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('line'), '14');
  await page.waitForFunction(() => document.querySelector('.code-editor')?.shadowRoot?.querySelector('.cm-activeLineGutter')?.innerText === '14');
  await page.goBack();
  await page.goBack();
  await log.waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Status', exact: true }).inputValue(), 'failed');

  await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('skipped');
  await page.getByRole('heading', { name: 'No run matches these filters' }).waitFor();
  await h().checkAccessibility(page, 'no matching runs');
  await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('success');
  await log.waitFor();
  assert.equal(await count(), 3);

  await page.getByRole('combobox', { name: 'Rule', exact: true }).selectOption({ label: ruleName });
  await page.getByRole('combobox', { name: 'Function', exact: true }).selectOption('notify');
  await page.getByRole('combobox', { name: 'Started', exact: true }).selectOption('1h');
  await page.getByRole('combobox', { name: 'Environment', exact: true }).selectOption('all');
  await page.waitForFunction(() => document.querySelectorAll('.ui-table th').length === 9);
  // The columns change before the filtered list arrives (once, under load, it had no rows yet).
  await page.waitForFunction(() => document.querySelectorAll('.ui-table tbody tr').length === 3);
  assert.equal(await count(), 3);
  assert.deepEqual((await rows(log)).map((r) => r[8]), ['sandbox', 'sandbox', 'sandbox']);
  await h().screenshot(page, 'runs-filtered');

  // The filtered log is a link: a reload shows the same.
  const where = new URL(page.url());
  assert.deepEqual(['rule', 'function', 'status', 'since', 'envs'].map((k) => where.searchParams.get(k)),
                   [ruleId, 'notify', 'success', '1h', 'all']);
  await page.reload();
  await log.waitFor();
  assert.equal(await count(), 3);
  assert.equal(await page.getByRole('combobox', { name: 'Function', exact: true }).inputValue(), 'notify');

  // A custom range in the browser's local time: starting in an hour, nothing; around now, the three.
  const local = (offsetMs) => localInputTime(page, offsetMs);
  await page.getByRole('combobox', { name: 'Started', exact: true }).selectOption('custom');
  await page.getByLabel('From').fill(await local(3600e3));
  await page.waitForURL(/from=/);
  await page.getByRole('heading', { name: 'No run matches these filters' }).waitFor();
  await page.getByLabel('From').fill(await local(-3600e3));
  await page.getByLabel('Until').fill(await local(3600e3));
  await page.waitForURL(/to=/);
  await page.waitForFunction(() => document.querySelectorAll('.ui-table tbody tr').length === 3);
  await page.getByRole('combobox', { name: 'Started', exact: true }).selectOption('1h');

  // Production has none of the sandbox's runs.
  await page.getByRole('combobox', { name: 'Environment', exact: true }).selectOption('');
  await page.getByRole('radio', { name: 'Production' }).check();
  await page.getByRole('heading', { name: 'No runs yet' }).waitFor();
});

test('another organization\'s rules and runs never appear', async () => {
  const { globexRule, globexRun } = await setUpOrgs();
  const [acmeDev, globexDev] = h().developers;

  const acme = await h().newPage();
  await openAs(acme, acmeDev, '/rules', 'Workflow rules');
  await acme.getByRole('heading', { name: 'Contacts', level: 2 }).waitFor();
  assert.equal(await acme.getByText('Globex private rule').count(), 0);
  await acme.goto(`/rules/${globexRule.id}`);
  await acme.getByText('Could not load the rule').waitFor();
  await acme.goto(`/runs?envs=all`);
  await acme.getByRole('region', { name: 'Runs', exact: true }).waitFor();
  assert.ok((await rows(acme.getByRole('region', { name: 'Runs', exact: true }))).every((r) => r[2] === ruleName));
  await acme.goto(`/runs/${globexRun.id}`);
  await acme.getByText('Could not load the run').waitFor();
  assert.equal(await acme.getByText('globex only').count(), 0);

  const globex = await h().newPage({ viewport: viewports.phone });
  await openAs(globex, globexDev, '/runs', 'Executions');
  const log = globex.getByRole('region', { name: 'Runs', exact: true });
  await log.waitFor();
  const globexRows = await rows(log);
  assert.equal(globexRows.length, 1);
  assert.equal(globexRows[0][2], 'Globex private rule');
  await h().checkAccessibility(globex, 'the execution log on a phone');
  await globex.getByRole('link', { name: 'Workflow rules' }).click();
  await globex.getByRole('heading', { name: 'Contacts', level: 2 }).waitFor();
  assert.equal(await globex.getByText(ruleName).count(), 0);
  await h().checkAccessibility(globex, 'the rules on a phone');
});

test('a rule is deleted after a confirmation, from the keyboard', async () => {
  assert.ok(ruleId, 'the first test made the rule');
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/rules', 'Workflow rules');
  const remove = page.getByRole('button', { name: `Delete ${ruleName}` });
  await remove.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Delete the rule ${ruleName}?` });
  await dialog.waitFor();
  await h().checkAccessibility(page, 'the delete confirmation');
  // Escape keeps it.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await remove.evaluate((el) => el === document.activeElement));
  await page.keyboard.press('Enter');
  await dialog.getByRole('button', { name: 'Delete' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'No workflow rules yet' }).waitFor();
  const [acme] = h().orgs;
  const { rules } = await h().api('GET', `/api/v1/workflow/rules?org=${acme.id}&environment=sandbox`);
  assert.deepEqual(rules, []);
  // Its runs stay in the log.
  await page.getByRole('link', { name: 'Executions' }).click();
  await page.getByRole('region', { name: 'Runs', exact: true }).waitFor();
});

test('a webhook through a connection and a field update, written as the engine takes them; an action\'s error shown at the action', async () => {
  await setUpOrgs();
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/rules/new', 'New workflow rule');
  await page.getByLabel('Name', { exact: true }).fill('Hook and stamp');
  await page.getByRole('combobox', { name: 'Trigger', exact: true }).selectOption('edit');
  await page.getByLabel('Run every time a record is edited').uncheck();
  await page.getByRole('radio', { name: 'Every record' }).check();
  assert.equal(await page.getByLabel('Condition 1 pattern').count(), 0);

  await page.getByLabel('Condition 1 action 1 kind').selectOption('webhook');
  await page.getByLabel('Condition 1 action 1 method').selectOption('POST');
  await page.getByLabel('Condition 1 action 1 connection').selectOption('hooks');
  await page.getByLabel('Condition 1 action 1 URL').fill('https://hooks.example.test/contacts/${Contacts.ID}?email=${Contacts.Emial}');
  await page.getByLabel('Condition 1 action 1 body').fill('{"email": "${Contacts.Email}"}');
  await page.getByRole('button', { name: 'Add an action to condition 1', exact: true }).click();
  await page.getByLabel('Condition 1 action 2 kind').selectOption('update');
  await page.getByLabel('Condition 1 action 2 update 1 field').selectOption('Description');
  await page.getByLabel('Condition 1 action 2 update 1 value').fill('synced');
  await page.getByRole('button', { name: 'Add a field' }).click();
  await page.getByLabel('Condition 1 action 2 update 2 field').selectOption('Mobile');
  await page.getByLabel('Condition 1 action 2 update 2 from').selectOption('field');
  await page.getByLabel('Condition 1 action 2 update 2 source field').selectOption('Phone');

  // The misspelt field in the URL: the error is the first action's.
  await page.getByRole('button', { name: 'Create the rule' }).click();
  const kind = page.getByLabel('Condition 1 action 1 kind');
  await page.locator('.ui-field--invalid').waitFor();
  assert.equal(await kind.getAttribute('aria-invalid'), 'true');
  const described = await kind.getAttribute('aria-describedby');
  assert.equal(await page.locator(`[id="${described}"]`).innerText(), 'webhook.url: Contacts has no field \'Emial\'');
  await h().checkAccessibility(page, 'an action with an error');

  await page.getByLabel('Condition 1 action 1 URL').fill('https://hooks.example.test/contacts/${Contacts.ID}?email=${Contacts.Email}');
  await page.getByRole('button', { name: 'Create the rule' }).click();
  await page.getByRole('heading', { name: 'Hook and stamp', level: 1 }).waitFor();
  const id = new URL(page.url()).pathname.split('/').pop();
  const [acme] = h().orgs;
  const scope = `org=${acme.id}&environment=sandbox`;
  const stored = await h().api('GET', `/api/v1/workflow/rules/${id}?${scope}`);
  assert.deepEqual({ trigger: stored.trigger, conditions: stored.conditions }, {
    trigger: { type: 'edit', repeat: false },
    conditions: [{
      criteria: 'all',
      actions: [
        { webhook: { url: 'https://hooks.example.test/contacts/${Contacts.ID}?email=${Contacts.Email}', method: 'POST',
                     body: '{"email": "${Contacts.Email}"}', connection: 'hooks' } },
        { update: { Description: 'synced', Mobile: { field: 'Phone' } }, trigger_workflows: false },
      ],
    }],
  });
  // The form shows it back as written.
  assert.equal(await page.getByLabel('Condition 1 action 1 connection').inputValue(), 'hooks');
  assert.equal(await page.getByLabel('Condition 1 action 2 update 2 source field').inputValue(), 'Phone');
  await h().api('DELETE', `/api/v1/workflow/rules/${id}?${scope}`);
});
