// The Functions pages in Chromium against a real server: the seed's function typed into the
// editor (highlighted, checked as it is typed, completed), saved, and run in the sandbox
// against local stand-ins for the CRM and Zoho Books reached through two connections with
// bearer credentials; a run's error and its jump to the line; the run form's typed controls;
// recorded runs; create, edit and delete with confirmation from the keyboard; a topping's
// function; another organization's developer seeing none of it; the phone and the dark theme;
// the first page's size without the editor; CodeMirror under the CSP. After each test the
// harness scans for the planted secrets (the connections' credentials among them).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rows, settled, shownTime, startConsole, viewports } from './harness.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// The seed's script, verbatim (tests/deluge/seed/books_sync.dg is the seed's text, unchanged).
const seedScript = readFileSync(join(repo, 'tests/deluge/seed/books_sync.dg'), 'utf8').trimEnd();
const crmLink = 'biginandbooksconnectionnew__biginconnection';
const booksLink = 'biginandbooksconnectionnew__booksconnection';
const contactId = '5725767000000424001';
const crmKey = `crm-key-${Math.random().toString(36).slice(2)}-planted`;

// The CRM's record API as a Bigin connection reaches it (GET {base_url}/Contacts/{id}), behind
// a bearer key only the connection holds.
function startCrmStandIn() {
  const server = http.createServer((req, res) => {
    const ok = req.headers.authorization === `Zoho-oauthtoken ${crmKey}`;
    const found = req.method === 'GET' && req.url === `/bigin/v2/Contacts/${contactId}`;
    const [status, body] = !ok ? [401, { code: 'INVALID_TOKEN' }] : !found ? [404, { code: 'NOT_FOUND' }]
      : [200, { data: [{ id: contactId, Email: 'jane@example.com', Phone: '+1 555 0100',
                         Mobile: '+1 555 0101', Full_Name: 'Jane Doe' }] }];
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

// tests/standins/books, as scripts/demo.sh runs it.
async function startBooksStandIn() {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [join(repo, 'tests/standins/books/server.mjs'), '--port', '0'],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((r) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/http:\/\/127\.0\.0\.1:\d+/); if (m) r(m[0]); });
  });
  return { child, url };
}

// An access token from the Books stand-in's own authorization server (it approves at once).
async function booksToken(books) {
  const redirect = 'http://127.0.0.1/callback';
  const auth = await fetch(`${books}/oauth/v2/auth?response_type=code&client_id=console-tests&scope=ZohoBooks.fullaccess.ALL` +
                           `&redirect_uri=${encodeURIComponent(redirect)}`, { redirect: 'manual' });
  const code = new URL(auth.headers.get('location')).searchParams.get('code');
  const token = await fetch(`${books}/oauth/v2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: 'console-tests' }),
  });
  return (await token.json()).access_token;
}

// The stand-ins start when the server does (the remap needs their ports; node 20 runs a file's
// before() hooks side by side, so the harness's env hook starts them).
let crm, books;
const openAs = (...args) => h().openAs(...args);
// How a run of Acme's developer says who ran it: "name <email>" (their name, made without one,
// is the email's local part).
const byDev = () => { const { email } = h().developers[0]; return `${email.split('@')[0]} <${email}>`; };
const h = startConsole({
  env: async () => {
    crm = await startCrmStandIn();
    books = await startBooksStandIn();
    // The sandbox sends the CRM's and Books' hosts to the stand-ins.
    return { RELISH_SANDBOX_REMAP: `www.zohoapis.com=http://127.0.0.1:${crm.address().port},books.zoho.com=${books.url}` };
  },
});
after(() => {
  crm?.close();
  books?.child.kill();
});

// The two connections of the seed's script in Acme's sandbox, as custom services with bearer
// credentials (Zoho's header form), made through the REST API once, by the first test that
// needs them.
let connections = null;
function seedConnections() {
  connections ??= (async () => {
    const [acme] = h().orgs;
    const scope = `org=${acme.id}&environment=sandbox`;
    const service = (id, name, base, host) => ({
      yaml: `id: ${id}\nname: ${name}\nauth: bearer\nbase_url: ${base}\nallowed_hosts: [${host}]\n` +
            'inject:\n  prefix: Zoho-oauthtoken\n',
    });
    await h().api('POST', `/api/v1/services?${scope}`, service('crm_key', 'CRM by key', 'https://www.zohoapis.com/bigin/v2', 'www.zohoapis.com'));
    await h().api('POST', `/api/v1/services?${scope}`, service('books_key', 'Books by key', 'https://books.zoho.com/api/v3', 'books.zoho.com'));
    const booksAccess = await booksToken(books.url);
    h().secrets['the CRM stand-in key'] = crmKey;
    h().secrets['the Books access token'] = booksAccess;
    for (const [link, serviceId, token] of [[crmLink, 'crm_key', crmKey], [booksLink, 'books_key', booksAccess]]) {
      await h().api('POST', `/api/v1/connections?${scope}`, { name: link, link_name: link, service: serviceId });
      await h().api('PUT', `/api/v1/connections/${link}/credentials?${scope}`, { fields: { token } });
    }
  })();
  return connections;
}

function where(page) {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

// The editor's text area (CodeMirror's content, in the editor's shadow root).
const source = (page) => page.getByRole('textbox', { name: 'Deluge source' });
const problems = (page) => page.getByRole('region', { name: 'Problems' });
test('the first page stays small: CodeMirror loads only with the editor, and styles itself without breaking the CSP', async (t) => {
  const page = await h().newPage();
  // Each script the page receives, noted as its response comes and its body read later: a count
  // taken at any point misses none whose body was still on its way (a loaded machine once counted
  // the editor's chunk 0 times, its body not read yet).
  const scripts = [];
  page.on('response', (r) => {
    if (!r.url().endsWith('.js')) return;
    const body = r.body();
    body.catch(() => {});  // one arriving as the test ends is never read
    scripts.push({ name: new URL(r.url()).pathname, body });
  });
  const gzippedSize = async (list) => (await Promise.all(list.map((s) => s.body)))
    .reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
  const editorChunk = (s) => /\/chunks\/code_editor-/.test(s.name);
  await page.goto('/connections');
  await h().signIn(page, h().developers[0]);
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  await page.waitForLoadState('networkidle');
  const gzipped = await gzippedSize(scripts);
  t.diagnostic(`first page: ${scripts.length} scripts, ${gzipped} bytes gzipped`);
  assert.ok(gzipped < 200 * 1024, `the first page loads ${gzipped} bytes of gzipped JavaScript`);
  assert.equal(scripts.filter(editorChunk).length, 0);

  await page.getByRole('link', { name: 'Functions' }).click();
  await page.getByRole('heading', { name: 'No functions yet' }).waitFor();
  assert.equal(scripts.filter(editorChunk).length, 0);

  const listed = scripts.length;
  // The page's load went idle long ago (a click in the app loads no page), so the network going
  // idle says nothing here: the editor's chunk is waited for by its own response.
  const editorLoaded = page.waitForResponse((r) => editorChunk({ name: new URL(r.url()).pathname }));
  await page.getByRole('link', { name: 'New function' }).click();
  await source(page).waitFor();
  await editorLoaded;
  // The editor's chunks: its own and CodeMirror's, which the first page never loaded.
  const editor = scripts.slice(listed);
  assert.equal(editor.filter(editorChunk).length, 1);
  t.diagnostic(`the editor: ${editor.length} scripts, ${await gzippedSize(editor)} bytes gzipped`);
  // No <style> element anywhere (the CSP would refuse it): CodeMirror's rules are a
  // constructable stylesheet adopted by the editor's shadow root, and they apply.
  const styling = await page.evaluate(() => {
    const root = document.querySelector('.code-editor').shadowRoot;
    return {
      styleElements: document.querySelectorAll('style').length + root.querySelectorAll('style').length,
      adopted: root.adoptedStyleSheets.length,
      hasRules: root.adoptedStyleSheets[0].cssRules.length > 0,
      display: getComputedStyle(root.querySelector('.cm-editor')).display,
      gutterColor: getComputedStyle(root.querySelector('.cm-gutters')).backgroundColor,
    };
  });
  assert.deepEqual(styling, { styleElements: 0, adopted: 1, hasRules: true, display: 'flex', gutterColor: 'rgb(238, 240, 244)' });
});

// Types a line that reads an undefined variable at the end of the editor: the problem shows at
// its line, in the list and underlined; its button moves the cursor there; removing the line
// clears it.
async function diagnosticAppearsAndClears(page, lines) {
  const line = lines + 1;
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\ninfo missingValue;');
  // The check of the whole line: on a loaded machine a pause between two keys lets a check of
  // part of it ("info m") answer first, its problem listed while the next one is on its way.
  const list = problems(page).getByRole('listitem');
  await settled(async () => [await problems(page).getByRole('status').innerText(), await list.allInnerTexts()],
                ['1 problem:', [`Line ${line}, column 6\nVariable 'missingValue' is not defined`]]);
  assert.equal(await page.locator('.code-editor .cm-lintRange-error').innerText(), 'missingValue');
  await h().checkAccessibility(page, 'a new function with a problem');
  await h().screenshot(page, 'function-problem');
  // Its button puts the cursor on the line.
  await problems(page).getByRole('button', { name: `Line ${line}, column 6` }).click();
  assert.equal(await page.locator('.code-editor .cm-activeLineGutter').first().innerText(), String(line));
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await problems(page).getByText('No problems found.').waitFor();
  assert.equal(await list.count(), 0);
}

test('the seed\'s function, typed into the editor: highlighted, checked as it is typed, saved verbatim, run with its outbound calls', async () => {
  await seedConnections();
  const [acme] = h().developers;
  const page = await h().newPage();
  await openAs(page, acme, '/functions', 'Functions');
  await page.getByRole('link', { name: 'New function' }).click();
  await page.getByRole('heading', { name: 'New function', level: 1 }).waitFor();
  assert.equal(where(page), `/functions/new?org=${acme.org.id}&environment=sandbox`);
  await page.getByLabel('Name').fill('sync_contact');
  await page.getByLabel('Description').fill('The seed: a Bigin contact to Zoho Books');
  await page.getByLabel('Arguments').fill('contact');
  await source(page).click();
  await page.keyboard.type(seedScript);
  await problems(page).getByText('No problems found.').waitFor();

  // Highlighting: the tokens' classes (delugeHighlighter's) on the seed's own words.
  const tokens = (cls) => page.locator(`.code-editor .tok-${cls}`).allInnerTexts();
  assert.deepEqual((await tokens('task')).slice(0, 1), ['zoho.bigin.getRecordById']);
  assert.deepEqual((await tokens('keyword')).slice(0, 3), ['invokeurl', 'info', 'if']);
  assert.deepEqual((await tokens('property')).slice(0, 4), ['url', 'type', 'parameters', 'connection']);
  assert.deepEqual((await tokens('comment')).slice(0, 1), ['//Retrieve contact details from Bigin using the established connection']);
  assert.deepEqual((await tokens('string')).slice(0, 2), ['"Contacts"', '"Contacts.ID"']);
  assert.deepEqual((await tokens('constant')).slice(0, 2), ['GET', 'null']);
  assert.deepEqual((await tokens('number')).slice(0, 1), ['0']);
  await h().checkAccessibility(page, 'a new function, typed');
  await h().screenshot(page, 'function-new');

  // A diagnostic appears at its line as it is typed, then clears.
  await diagnosticAppearsAndClears(page, seedScript.split('\n').length);

  await page.getByRole('button', { name: 'Create function' }).click();
  await page.getByRole('heading', { name: 'sync_contact', level: 1 }).waitFor();
  assert.equal(where(page), `/functions/sync_contact?org=${acme.org.id}&environment=sandbox`);
  // Stored as typed; the editor indented the blocks.
  const stored = await h().api('GET', `/api/v1/workflow/functions/sync_contact?org=${acme.org.id}&environment=sandbox&topping=`);
  assert.deepEqual(stored.source.split('\n').map((l) => l.trim()), seedScript.split('\n'));
  assert.equal(stored.source.split('\n')[23], '\t// Extract the existingContactId');
  assert.deepEqual(stored.params, ['contact']);

  // Run it: the argument is the map the workflow would pass.
  const run = page.getByRole('region', { name: 'Run in the sandbox' });
  await run.getByLabel('contact').fill(JSON.stringify({ 'Contacts.ID': contactId }));
  await run.getByRole('button', { name: 'Run' }).click();
  await run.getByText('Succeeded').waitFor();
  const [created] = (await (await fetch(`${books.url}/_standin/contacts`)).json()).contacts;
  assert.deepEqual(await run.getByRole('region', { name: 'Info' }).getByRole('listitem').allInnerTexts(), [
    'Searched by name in Books: {"code":0,"message":"success","contacts":[],"page_context":' +
      '{"page":1,"per_page":200,"has_more_page":false,"search_text":"jane@example.com"}}',
    `Created Contact: ${JSON.stringify({ code: 0, message: 'The contact has been added.', contact: created })}`,
  ]);
  assert.equal(created.contact_name, 'Jane Doe');
  assert.equal(await run.getByRole('region', { name: 'Return value' }).locator('p').innerText(), 'None.');
  const calls = await rows(run.getByRole('region', { name: 'Outbound calls' }));
  assert.deepEqual(calls.map(([method, url, status, , connection, task]) => [method, url, status, connection, task]), [
    ['GET', `https://www.zohoapis.com/bigin/v2/Contacts/${contactId}`, '200', crmLink, 'zoho.bigin.getRecordById'],
    ['GET', 'https://books.zoho.com/api/v3/contacts?search_text=jane%40example.com', '200', booksLink, ''],
    ['POST', 'https://books.zoho.com/api/v3/contacts?organization_id=XXXXXXX', '201', booksLink, ''],
  ]);
  for (const [, , , time] of calls) assert.match(time, /^\d+ ms$/);
  // The run is recorded as the function's.
  const runs = page.getByRole('region', { name: 'Runs' });
  await runs.getByRole('row').nth(1).waitFor();
  assert.deepEqual((await rows(runs)).map(([, result, , by, err]) => [result, by, err]), [['Succeeded', byDev(), '']]);
  await h().checkAccessibility(page, 'a run of the seed\'s function');
  await h().screenshot(page, 'function-run');
});

// Waits for the list of functions, which is fetched after the page's heading shows: its table,
// or what it says when there is none.
function listed(page) {
  return page.getByRole('region', { name: 'Functions' }).or(page.getByRole('heading', { name: 'No functions yet' })).waitFor();
}

// A function stored through the REST API, in `org`'s sandbox (the organization's own).
function putFunction(org, name, body) {
  return h().api('PUT', `/api/v1/workflow/functions/${name}?org=${org.id}&environment=sandbox&topping=`, body);
}

// Presses Tab until `target` has the focus (at most `limit` times): it is reachable from the
// keyboard, in order.
async function tabTo(page, target, limit = 40, key = 'Tab') {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement) ||
                                      el.getRootNode().activeElement === el)) {
      return;
    }
    await page.keyboard.press(key);
  }
  assert.fail(`${key} did not reach ${target}`);
}

// The column of the editor's cursor, from 1 (a tab counts one, as CodeMirror counts).
const cursorColumn = (page) => source(page).evaluate((content) => {
  const selection = content.getRootNode().getSelection();
  const node = selection.focusNode;
  const line = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement).closest('.cm-line');
  const range = document.createRange();
  range.setStart(line, 0);
  range.setEnd(node, selection.focusOffset);
  return range.toString().length + 1;
});

// Where greet's run fails: the statement `info tags.get(leadId);` on line 9, after its tab.
const kErrorColumn = 2;

const activeLine = (page) => page.locator('.code-editor .cm-lineNumbers .cm-activeLineGutter').innerText();

const greetSource = [
  'string standalone.greet(Int leadId, Decimal score, Bool vip, Map extra, String name)',
  '{',
  '\tinfo "Lead " + leadId + ": " + name + " (" + score + ")";',
  '\tif (vip)',
  '\t{',
  '\t\tinfo extra.get("tier");',
  '\t}',
  '\ttags = {"new", "web"};',
  '\tinfo tags.get(leadId);',
  '\treturn name;',
  '}',
].join('\n');

test('the run form follows the header\'s types; a run\'s error jumps to its line; a draft runs unsaved; runs are recorded and listed', async () => {
  const [acme] = h().developers;
  await putFunction(acme.org, 'greet', { source: greetSource, description: 'Greets a lead' });
  const page = await h().newPage();
  await openAs(page, acme, '/functions/greet', 'greet');
  const run = page.getByRole('region', { name: 'Run in the sandbox' });
  const control = (name) => run.getByLabel(name, { exact: true });
  const kinds = [];
  for (const name of ['leadId', 'score', 'vip', 'extra', 'name']) {
    kinds.push(await control(name).evaluate((el) => `${el.tagName.toLowerCase()} ${el.type} ${el.step ?? ''}`.trim()));
  }
  assert.deepEqual(kinds, ['input number 1', 'input number any', 'input checkbox', 'textarea textarea', 'input text']);
  assert.deepEqual(await run.locator('.ui-field__hint').allInnerTexts(),
                   ['Int: a whole number.', 'Decimal: a number.', 'Bool.', 'Map, as JSON.', 'String.']);
  // No Arguments field: the header declares them.
  assert.equal(await page.getByLabel('Arguments').count(), 0);

  await control('leadId').fill('1');
  await control('score').fill('4.5');
  await control('vip').check();
  await control('extra').fill('{"tier": gold}');
  await control('name').fill('Ann');
  await run.getByRole('button', { name: 'Run' }).click();
  assert.equal(await run.locator('.ui-field__error').innerText(),
               'Enter a JSON value: a map {…}, a list […], "text" in quotes, a number, true, false or null.');
  await h().checkAccessibility(page, 'the run form with an error');
  await control('extra').fill('{"tier": "gold"}');
  await run.getByRole('button', { name: 'Run' }).click();
  await run.getByText('Succeeded').waitFor();
  assert.deepEqual(await run.getByRole('region', { name: 'Info' }).getByRole('listitem').allInnerTexts(),
                   ['Lead 1: Ann (4.5)', 'gold', 'web']);
  assert.equal(await run.getByRole('region', { name: 'Return value' }).locator('pre').innerText(), '"Ann"');
  assert.equal(await run.getByRole('region', { name: 'Outbound calls' }).locator('p').innerText(), 'No outbound calls.');

  await control('leadId').fill('5');
  await run.getByRole('button', { name: 'Run' }).click();
  await run.getByText('Failed').waitFor();
  const error = run.getByRole('alert');
  assert.deepEqual((await error.innerText()).split(/\n+/),
                   ['Line 9: Given index 5 is greater than the list size', `Go to line 9, column ${kErrorColumn}`]);
  assert.deepEqual(await run.getByRole('region', { name: 'Info' }).getByRole('listitem').allInnerTexts(),
                   ['Lead 5: Ann (4.5)', 'gold']);
  await h().checkAccessibility(page, 'a failed run');
  await h().screenshot(page, 'function-run-error');
  await error.getByRole('button', { name: `Go to line 9, column ${kErrorColumn}` }).click();
  assert.equal(await activeLine(page), '9');
  assert.equal(await cursorColumn(page), kErrorColumn);
  assert.equal(await source(page).evaluate((el) => el.getRootNode().activeElement === el), true);

  // A run is of the editor's text, unsaved changes included; the stored function stays as it was.
  await page.keyboard.press('End');
  await page.keyboard.type(' info "draft";');
  await control('leadId').fill('1');
  await run.getByRole('button', { name: 'Run' }).click();
  await run.getByText('Succeeded').waitFor();
  assert.deepEqual(await run.getByRole('region', { name: 'Info' }).getByRole('listitem').allInnerTexts(),
                   ['Lead 1: Ann (4.5)', 'gold', 'web', 'draft']);
  const stored = await h().api('GET', `/api/v1/workflow/functions/greet?org=${acme.org.id}&environment=sandbox&topping=`);
  assert.equal(stored.source, greetSource);

  // The three runs are recorded as the function's, newest first; a run's page links to its line.
  const runs = page.getByRole('region', { name: 'Runs' });
  await runs.getByRole('row').nth(3).waitFor();
  const listed = await rows(runs);
  assert.deepEqual(listed.map(([, result, , by, err]) => [result, by, err]), [
    ['Succeeded', byDev(), ''],
    ['Failed', byDev(), 'Line 9: Given index 5 is greater than the list size'],
    ['Succeeded', byDev(), ''],
  ]);
  const recorded = await h().api('GET', `/api/v1/functions/runs?function=greet&org=${acme.org.id}`);
  assert.deepEqual(await runs.getByRole('link').allInnerTexts(),
                   await Promise.all(recorded.runs.map((r) => shownTime(page, r.started_at))));
  // The editor has unsaved changes: leaving asks first. Staying keeps the page and the text.
  const asked = [];
  page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.dismiss(); });
  await runs.getByRole('link').nth(1).click();
  assert.deepEqual(asked, ['The function has unsaved changes. Leave and lose them?']);
  assert.equal(where(page), `/functions/greet?org=${acme.org.id}&environment=sandbox`);
  assert.equal((await source(page).innerText()).split('\n')[8], '\tinfo tags.get(leadId); info "draft";');
  // So does the navigation's link; leaving, the run's page opens.
  page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.dismiss(); });
  await page.getByRole('link', { name: 'Functions', exact: true }).first().click();
  assert.equal(asked.length, 2);
  assert.equal(where(page), `/functions/greet?org=${acme.org.id}&environment=sandbox`);
  page.once('dialog', (dialog) => void dialog.accept());
  await runs.getByRole('link').nth(1).click();
  await page.getByRole('heading', { name: 'Run of greet', level: 1 }).waitFor();
  assert.equal(where(page), `/functions/greet/runs/${recorded.runs[1].id}?org=${acme.org.id}&environment=sandbox`);
  assert.equal(await page.locator('.page__scope').innerText(),
               `Acme Inc · Sandbox · Started ${await shownTime(page, recorded.runs[1].started_at)} by ${byDev()}`);
  assert.equal(await page.getByRole('region', { name: 'Arguments' }).locator('pre').innerText(),
               JSON.stringify({ leadId: 5, score: 4.5, vip: true, extra: { tier: 'gold' }, name: 'Ann' }, null, 2));
  await h().checkAccessibility(page, 'a recorded run');
  await h().screenshot(page, 'function-run-page');
  await page.getByRole('link', { name: `Open the function at line 9, column ${kErrorColumn}` }).click();
  await page.getByRole('heading', { name: 'greet', level: 1 }).waitFor();
  await source(page).waitFor();
  assert.equal(await activeLine(page), '9');
  assert.equal(await cursorColumn(page), kErrorColumn);
});

test('a function\'s runs come a page at a time, newest first, with older ones on request', async () => {
  const [acme] = h().developers;
  await putFunction(acme.org, 'often', { source: 'info "again";', description: 'Run many times' });
  for (let i = 0; i < 21; i++) {
    await h().api('POST', `/api/v1/functions/run?org=${acme.org.id}&environment=sandbox`, { function: 'often', topping: '' });
  }
  const recorded = await h().api('GET', `/api/v1/functions/runs?function=often&limit=21&org=${acme.org.id}`);
  const page = await h().newPage();
  await openAs(page, acme, '/functions/often', 'often');
  const runs = page.getByRole('region', { name: 'Runs' });
  const older = runs.getByRole('button', { name: 'Show older runs' });
  await older.waitFor();
  const links = async () => (await runs.getByRole('link').evaluateAll((as) => as.map((a) => a.pathname.split('/').pop())));
  assert.deepEqual(await links(), recorded.runs.slice(0, 20).map((r) => r.id));
  assert.deepEqual((await rows(runs)).map(([, result, , by]) => [result, by]),
                   Array(20).fill(['Succeeded', `Administrator <${h().admin.email}>`]));
  await older.click();
  await older.waitFor({ state: 'detached' });
  assert.deepEqual(await links(), recorded.runs.map((r) => r.id));
  await h().checkAccessibility(page, 'a function\'s runs, all of them');
});

test('create, edit and delete from the keyboard, with confirmation; a source that does not compile is refused with its line', async () => {
  const [acme] = h().developers;
  const page = await h().newPage();
  await openAs(page, acme, '/functions', 'Functions');
  await tabTo(page, page.getByRole('link', { name: 'New function' }).first());
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'New function', level: 1 }).waitFor();
  await tabTo(page, page.getByLabel('Name'));
  await page.keyboard.type('hello_keys');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Made from the keyboard');
  await tabTo(page, source(page));
  await page.keyboard.type('info "one";');
  // Tab leaves the editor (it does not indent), on to the form's button.
  await tabTo(page, page.getByRole('button', { name: 'Create function' }), 5);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'hello_keys', level: 1 }).waitFor();

  // Edit: the description and the source; Ctrl+S saves from the editor.
  await source(page).waitFor();
  await tabTo(page, page.getByLabel('Description'));
  await page.keyboard.press('End');
  await page.keyboard.type(', then edited');
  await tabTo(page, source(page));
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\ninfo "two";');
  await page.keyboard.press('Control+s');
  await page.getByText('Saved.').waitFor();
  let stored = await h().api('GET', `/api/v1/workflow/functions/hello_keys?org=${acme.org.id}&environment=sandbox&topping=`);
  assert.deepEqual([stored.description, stored.source], ['Made from the keyboard, then edited', 'info "one";\ninfo "two";']);

  // The server refuses a source that does not compile, and says where.
  await page.keyboard.type('\ninfo (;');
  await page.keyboard.press('Control+s');
  const refused = page.getByRole('alert').filter({ hasText: 'Could not save the function' });
  assert.deepEqual((await refused.innerText()).split(/\n+/), ['Could not save the function', "line 3: Expected a value but found ';'"]);
  await h().checkAccessibility(page, 'a refused save');
  stored = await h().api('GET', `/api/v1/workflow/functions/hello_keys?org=${acme.org.id}&environment=sandbox&topping=`);
  assert.equal(stored.source, 'info "one";\ninfo "two";');

  // Delete, with confirmation: Escape keeps it, the dialog's button deletes it.
  const remove = page.getByRole('button', { name: 'Delete function' });
  await tabTo(page, remove);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Delete hello_keys?' });
  await dialog.waitFor();
  await h().checkAccessibility(page, 'the delete confirmation');
  await h().screenshot(page, 'function-delete');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await remove.evaluate((el) => el === document.activeElement), true);
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await tabTo(page, dialog.getByRole('button', { name: 'Delete function' }), 3);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Functions', level: 1 }).waitFor();
  assert.equal(where(page), `/functions?org=${acme.org.id}&environment=sandbox`);
  await listed(page);
  assert.equal(await page.getByRole('link', { name: 'hello_keys' }).count(), 0);
  const gone = await fetch(`${h().url}/api/v1/workflow/functions/hello_keys?org=${acme.org.id}&environment=sandbox&topping=`,
                           { headers: { Authorization: `Bearer ${h().admin.token}` } });
  assert.equal(gone.status, 404);
});

test('a topping\'s function is listed by its topping at TOPPING.NAME; another organization\'s developer sees none of Acme\'s', async () => {
  const [acme, globex] = h().developers;
  await putFunction(acme.org, 'acme_only', { source: 'info "Acme";', description: 'Acme\'s own' });
  const example = join(repo, 'examples/bigin-books-sync');
  await h().api('POST', `/api/v1/toppings?org=${globex.org.id}&environment=sandbox`, { files: {
    'topping.yaml': readFileSync(join(example, 'topping.yaml'), 'utf8'),
    'functions/sync_contact_to_books.dg': readFileSync(join(example, 'functions/sync_contact_to_books.dg'), 'utf8'),
  } });

  const page = await h().newPage();
  await openAs(page, globex, '/functions', 'Functions');
  const table = page.getByRole('region', { name: 'Functions' });
  await table.waitFor();
  assert.deepEqual((await rows(table)).map((r) => r.slice(0, 4)),
                   [['sync_contact_to_books', 'Topping biginandbooksconnectionnew', 'contact', '']]);
  await h().checkAccessibility(page, 'the list of functions');
  await h().screenshot(page, 'functions-list');
  await table.getByRole('link', { name: 'sync_contact_to_books' }).click();
  await page.getByRole('heading', { name: 'sync_contact_to_books', level: 1 }).waitFor();
  assert.equal(where(page), `/functions/biginandbooksconnectionnew.sync_contact_to_books?org=${globex.org.id}&environment=sandbox`);
  assert.equal(await page.locator('.page__scope').innerText(), 'Globex Corp · Sandbox · Topping biginandbooksconnectionnew');
  await source(page).waitFor();
  await h().checkAccessibility(page, 'a topping\'s function');

  // Acme's function, by its link with Acme's organization: Globex's developer is not in Acme,
  // so the console stays in Globex, where there is no such function.
  await page.goto(`/functions/acme_only?org=${acme.org.id}&environment=sandbox`);
  await page.getByRole('heading', { name: 'acme_only', level: 1 }).waitFor();
  const refused = page.getByRole('alert');
  await refused.waitFor();
  assert.deepEqual((await refused.innerText()).split(/\n+/), ['Could not load the function', "no function 'acme_only'"]);
  assert.equal(where(page), `/functions/acme_only?org=${globex.org.id}&environment=sandbox`);
  // And the API answers for Acme's scope as for an organization that does not exist.
  const direct = await page.evaluate(async (org) => {
    const r = await fetch(`/api/v1/workflow/functions?org=${org}&environment=sandbox`);
    return [r.status, (await r.json()).code];
  }, acme.org.id);
  assert.deepEqual(direct, [404, 'not_found']);
});

test('a phone (390x844) and the dark theme: the list and the editor fit, and pass axe', async () => {
  const [acme] = h().developers;
  await putFunction(acme.org, 'small_screen', { source: greetSource, description: 'Seen on a phone' });
  const phone = await h().newPage({ viewport: viewports.phone });
  await openAs(phone, acme, '/functions', 'Functions');
  await phone.getByRole('link', { name: 'small_screen' }).waitFor();
  assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), 390);
  await h().checkAccessibility(phone, 'the list on a phone');
  await phone.getByRole('link', { name: 'small_screen' }).click();
  await source(phone).waitFor();
  assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), 390);
  await h().checkAccessibility(phone, 'a function on a phone');
  await h().screenshot(phone, 'function-phone');

  const dark = await h().newPage({ colorScheme: 'dark' });
  await openAs(dark, acme, '/functions/small_screen', 'small_screen');
  await source(dark).waitFor();
  await h().checkAccessibility(dark, 'a function in the dark theme');
  await h().screenshot(dark, 'function-dark');
});

test('completion offers integration tasks, built-ins, statements and the organization\'s link names, with their descriptions (dark theme)', async () => {
  await seedConnections();
  const [acme] = h().developers;
  const page = await h().newPage({ colorScheme: 'dark' });
  // What completion offers comes from the API after the editor opens; typed before it lands, a
  // word gets no list (the list is asked for once, as the word starts).
  const offered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/functions/completions');
  await openAs(page, acme, '/functions/new', 'New function');
  await (await offered).finished();
  await source(page).click();
  await page.keyboard.type('r = zoho.bigin.getRec');
  const popup = page.locator('.code-editor .cm-tooltip-autocomplete');
  await popup.waitFor();
  const options = () => popup.locator('.cm-completionLabel').allInnerTexts();
  const details = () => popup.locator('.cm-completionDetail').allInnerTexts();
  const info = page.locator('.code-editor .cm-completionInfo');
  // The tasks' parameters (from the runtime's table) beside their names.
  assert.deepEqual(await options(), ['zoho.bigin.getRecordById', 'zoho.bigin.getRecords', 'zoho.bigin.getRelatedRecords']);
  assert.deepEqual(await details(), ['(module, id[, queryMap][, connection])', '(module[, page, perPage, optionMap, connection])',
                                     '(relation, module, id[, page, perPage, connection])']);
  // Nothing is chosen until an arrow key picks it; the choice shows its description, Enter takes it.
  assert.equal(await info.count(), 0);
  await page.keyboard.press('ArrowDown');
  assert.equal(await info.innerText(), 'a record by its id');
  await h().checkAccessibility(page, 'completion, dark');
  await h().screenshot(page, 'function-completion');
  await page.keyboard.press('Enter');
  await popup.waitFor({ state: 'detached' });
  assert.equal(await source(page).innerText(), 'r = zoho.bigin.getRecordById');
  // Inside a string: the organization's link names, with their services.
  await page.keyboard.type('("Contacts", "1", Map(), "biginand');
  await popup.waitFor();
  assert.deepEqual(await options(), [crmLink, booksLink]);
  assert.deepEqual(await details(), ['crm_key', 'books_key']);
  await page.keyboard.press('ArrowDown');
  assert.equal(await info.innerText(), `${crmLink}: connected`);
  await page.keyboard.press('Escape');
  await popup.waitFor({ state: 'detached' });
  // A statement inserts its snippet; Tab moves from one of its fields to the next.
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nfor ea');
  await popup.waitFor();
  assert.deepEqual(await options(), ['for each', 'for each index']);
  await page.keyboard.press('ArrowDown');
  assert.equal(await info.innerText(), 'runs a block for each element of a list (or key of a map)');
  await page.keyboard.press('Enter');
  await page.keyboard.type('contact');
  await page.keyboard.press('Tab');
  await page.keyboard.type('contacts');
  await page.keyboard.press('Tab');
  await page.keyboard.type('info contact;');
  assert.deepEqual((await source(page).innerText()).split('\n').slice(1),
                   ['for each contact in contacts', '{', '\tinfo contact;', '}']);
});

test('a run in production is confirmed first; in the sandbox it runs at once', async () => {
  const [acme] = h().developers;
  const body = { source: 'string standalone.where_run(String name)\n{\n\tinfo "hello " + name;\n\treturn name;\n}',
                 description: 'Runs anywhere' };
  for (const environment of ['sandbox', 'production']) {
    await h().api('PUT', `/api/v1/workflow/functions/where_run?org=${acme.org.id}&environment=${environment}&topping=`, body);
  }
  const runsIn = async (environment) => (await h().api(
    'GET', `/api/v1/functions/runs?function=where_run&org=${acme.org.id}&environment=${environment}`)).runs.length;
  const page = await h().newPage();
  await openAs(page, acme, `/functions/where_run?org=${acme.org.id}&environment=production`, 'where_run');
  let run = page.getByRole('region', { name: 'Run in production' });
  await run.getByLabel('name', { exact: true }).fill('Ann');
  await run.getByRole('button', { name: 'Run' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run where_run in production?' });
  await dialog.waitFor();
  assert.equal(await dialog.locator('.ui-dialog__body').innerText(),
               'The run acts on production\'s live data and calls real services through production\'s connections.');
  await h().checkAccessibility(page, 'the production run\'s confirmation');
  await h().screenshot(page, 'function-run-production');
  // Cancelled: nothing ran.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await run.locator('.run-result').count(), 0);
  assert.equal(await runsIn('production'), 0);
  // Confirmed: it runs, with the arguments as they were.
  await run.getByRole('button', { name: 'Run' }).click();
  await dialog.getByRole('button', { name: 'Run in production' }).click();
  await run.getByText('Succeeded').waitFor();
  assert.deepEqual(await run.getByRole('region', { name: 'Info' }).getByRole('listitem').allInnerTexts(), ['hello Ann']);
  assert.equal(await runsIn('production'), 1);

  // The sandbox asks nothing.
  await page.getByRole('radio', { name: 'Sandbox' }).check();
  await page.getByRole('link', { name: 'where_run' }).click();
  run = page.getByRole('region', { name: 'Run in the sandbox' });
  await run.getByLabel('name', { exact: true }).fill('Bo');
  await run.getByRole('button', { name: 'Run' }).click();
  await run.getByText('Succeeded').waitFor();
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.equal(await runsIn('sandbox'), 1);
});

test('keyboard only: sign in, open a connection, run a function, delete it with Escape cancelling and Enter confirming; the focus always shows', async () => {
  await seedConnections();
  const [acme] = h().developers;
  await putFunction(acme.org, 'kb_walk', {
    source: 'string standalone.kb_walk(String name)\n{\n\tinfo "hi " + name;\n\treturn name;\n}', description: 'Walked by keyboard' });
  const page = await h().newPage();
  await page.goto('/connections');
  await page.getByRole('heading', { name: 'Sign in to Relish' }).waitFor();
  await page.keyboard.type(acme.email);  // the email field has the focus on arrival
  await page.keyboard.press('Tab');
  await page.keyboard.type(acme.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  // The focused control is outlined (a 3 px ring; a radio's is drawn on its label's text).
  const ring = () => page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el.matches('input[type=radio]') ? el.nextElementSibling : el);
    return `${style.outlineStyle} ${style.outlineWidth}`;
  });
  const go = async (target, key = 'Tab') => {
    await tabTo(page, target, 60, key);
    assert.equal(await ring(), 'solid 3px', `the focus ring on ${target}`);
  };

  await go(page.getByRole('link', { name: crmLink }));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: crmLink, level: 1 }).waitFor();
  assert.equal(await page.getByRole('region', { name: 'Status' }).locator('.conn-status').innerText(), 'Connected');

  await go(page.getByRole('link', { name: 'Functions', exact: true }), 'Shift+Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Functions', level: 1 }).waitFor();
  await go(page.getByRole('link', { name: 'kb_walk' }));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'kb_walk', level: 1 }).waitFor();
  const run = page.getByRole('region', { name: 'Run in the sandbox' });
  await go(run.getByLabel('name', { exact: true }));
  await page.keyboard.type('Kim');
  await page.keyboard.press('Enter');  // submits the run form
  await run.getByText('Succeeded').waitFor();
  assert.deepEqual(await run.getByRole('region', { name: 'Info' }).getByRole('listitem').allInnerTexts(), ['hi Kim']);

  const remove = page.getByRole('button', { name: 'Delete function' });
  await go(remove, 'Shift+Tab');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Delete kb_walk?' });
  await dialog.waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement), true);
  assert.equal(await ring(), 'solid 3px');
  // Escape cancels, and the focus is back where it was.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await remove.evaluate((el) => el === document.activeElement), true);
  assert.equal(await ring(), 'solid 3px');
  // Enter opens it again; Tab stays inside it; Enter on its button deletes.
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await dialog.getByRole('button', { name: 'Delete function' }).evaluate((el) => el === document.activeElement), true);
  assert.equal(await ring(), 'solid 3px');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Functions', level: 1 }).waitFor();
  await listed(page);
  assert.equal(await page.getByRole('link', { name: 'kb_walk' }).count(), 0);
});
