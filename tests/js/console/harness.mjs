// The Developer Console's browser-test harness: a real `relish serve` on a loopback port with a
// fresh data directory, two organizations with a developer each (made through the REST API, as
// a user would), and Debian's Chromium driven by playwright-core. Every page it opens records
// each response body the browser saw, the CSP violations and the uncaught errors; afterEach
// (installed by startConsole) checks them and scans for the planted secrets, so no test can
// forget to.
//
//   RELISH_BINARY=build/relish node --test tests/js/console/   (run.sh does this for CTest)
//
// Screenshots go to <build>/console-screenshots/; with RELISH_UPDATE_DOCS_SCREENSHOTS=1 those
// docs/console.md shows are copied to docs/console/ too (the others stay out of the repository).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
// The screenshots docs/console.md shows (console/NAME.png).
const documented = new Set([...readFileSync(join(repo, 'docs/console.md'), 'utf8')
  .matchAll(/\(console\/([\w-]+)\.png\)/g)].map((m) => m[1]));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// RELISH_CONSOLE_API_DELAY_MS=N holds each API request of the pages for a random 0..N ms before
// it goes on to the server: a way to shake out a read that does not wait for what it checks (a
// table the page fetches after the element the test waited for), which a fast machine hides.
const kApiDelayMs = Number(process.env.RELISH_CONSOLE_API_DELAY_MS ?? 0);

export const chromiumPath = '/usr/bin/chromium';
// The network here is closed: without these Chromium stalls on lookups it will never get.
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

// An instant as the console writes it (web/src/format.ts), in the page's time zone.
export function shownTime(page, ms) {
  return page.evaluate((t) => {
    const d = new Date(t);
    const two = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
           `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  }, ms);
}

// What a datetime-local input takes for now + offsetMs, in the page's time zone
// ("2026-12-06T09:30").
export function localInputTime(page, offsetMs) {
  return shownTime(page, Date.now() + offsetMs).then((t) => t.slice(0, 16).replace(' ', 'T'));
}

// How long any wait of a test lasts before it fails: Playwright's locator waits and actions
// (set on every context) and settled() below. CI runs these files two at a time on a 2-core
// machine beside the other tests, where a fetch the page makes after a click can take seconds.
export const kWaitMs = 30_000;

// The lines of a table, each a list of its cells' text. It reads what is there now: a table the
// page fills from a fetch of its own, or reloads after an action, may not be there yet or may
// still hold the rows from before; wait for the part that says the load is done, or settled().
export const rows = (table) => table.locator('tbody tr').evaluateAll((trs) =>
  trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText)));

// Reads `read()` again (every 50 ms, one round trip to the page each) until it answers exactly
// `expected`, and returns it; after kWaitMs fails with assert.deepEqual's difference from the
// last answer. For what settles after the thing the test waited for, with nothing in the page
// to wait on: a table reloaded after an action, a second resource of the page, a control that
// takes the focus a frame after its error shows.
export async function settled(read, expected, message) {
  const deadline = Date.now() + kWaitMs;
  for (;;) {
    const actual = await read();
    if (isDeepStrictEqual(actual, expected)) return actual;
    if (Date.now() > deadline) assert.deepEqual(actual, expected, message);
    await delay(50);
  }
}

// Starts `relish serve` and resolves with its base URL once it prints it.
function startRelish(binary, dataDir, env) {
  const child = spawn(binary, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolveUrl, reject) => {
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) resolveUrl({ child, url: m[0] });
    });
    child.on('exit', (code) => reject(new Error(`relish exited with ${code} before serving:\n${stderr}`)));
  });
}

class Console {
  constructor({ child, url, dir, browser, admin, orgs, developers, secrets }) {
    Object.assign(this, { child, url, dir, browser, admin, orgs, developers, secrets });
    this.pages = [];  // the records of the pages the current test opened
    this.records = new WeakMap();  // page -> its record
  }

  // A REST call as the administrator (API token), failing the test on an error status.
  async api(method, path, body) {
    const response = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${this.admin.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  }

  // A fresh browser context (no cookies, empty storage) and a page in it, recording what the
  // browser sees; the windows the page opens (an authorization popup) are recorded as well.
  // `colorScheme` is what prefers-color-scheme answers.
  async newPage({ viewport = viewports.desktop, colorScheme = 'light' } = {}) {
    const context = await this.browser.newContext({ viewport, colorScheme, baseURL: this.url });
    if (kApiDelayMs > 0) {
      await context.route((url) => url.pathname.startsWith('/api/'), async (route) => {
        await delay(Math.random() * kApiDelayMs);
        await route.fallback().catch(() => {});  // the page may have closed meanwhile
      });
    }
    context.setDefaultTimeout(kWaitMs);
    context.on('page', (popup) => { if (!this.records.has(popup)) this.watch(popup); });
    const page = await context.newPage();
    this.watch(page);
    return page;
  }

  // Records a page's responses, CSP violations (on Relish's own pages) and uncaught errors.
  watch(page) {
    const record = { page, responses: [], pending: [], cspViolations: [], errors: [] };
    page.on('response', (response) => {
      record.pending.push(response.body().then(
        (body) => record.responses.push({ where: `${response.request().method()} ${response.url()}`, body: body.toString('utf8') }),
        () => {}));  // a redirect or an aborted load has no body
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy') &&
          page.url().startsWith(this.url)) {
        record.cspViolations.push(message.text());
      }
    });
    page.on('pageerror', (error) => record.errors.push(String(error)));
    this.pages.push(record);
    this.records.set(page, record);
    return record;
  }

  // Signs in through the form as `user` ({email, password}) and waits for the shell.
  // Opens `path` on the sign-in page, signs `user` in and waits for the page's heading.
  async openAs(page, user, path, heading) {
    await page.goto(path);
    await this.signIn(page, user);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  }

  async signIn(page, user) {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
  }

  // Fails when a planted secret shows anywhere the browser holds or saw it: the DOM's text and
  // attributes, a form control's current value, localStorage, sessionStorage, or the body of
  // any response the page received. The message says which secret and where.
  async scanForSecrets(page, secrets = this.secrets) {
    const record = this.records.get(page);
    await Promise.all(record.pending);
    // A window that closed itself (the authorization popup) leaves only what it received.
    const places = page.isClosed() ? [] : await page.evaluate(() => {
      const found = [{ where: 'the DOM', text: document.documentElement.outerHTML }];
      for (const el of document.querySelectorAll('input, textarea, select')) {
        found.push({ where: `the value of <${el.tagName.toLowerCase()} name="${el.name}">`, text: el.value });
      }
      for (const [name, storage] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]]) {
        for (let i = 0; i < storage.length; i++) {
          const key = storage.key(i);
          found.push({ where: `${name}[${key}]`, text: `${key}=${storage.getItem(key)}` });
        }
      }
      return found;
    });
    record.responses.forEach((r, i) => places.push({ where: `the response to ${r.where}`, text: r.body, response: i }));
    const leaks = [];
    for (const [name, value] of Object.entries(secrets)) {
      for (const place of places) {
        // The response that handed out a secret shown once may hold it; nothing after may.
        if (place.response !== undefined && place.response < (record.shownOnce?.[name] ?? 0)) continue;
        if (place.text.includes(value)) leaks.push(`${name} appears in ${place.where}`);
      }
    }
    assert.deepEqual(leaks, [], `secrets the browser must never see:\n${leaks.join('\n')}`);
  }

  // A secret the API hands out once and `page` showed (a new API token, a client secret): from
  // now on it is scanned for like any other, everywhere (the DOM, storage, other pages), except
  // in the responses `page` had already received, one of which legitimately carried it. Call it
  // once the page has shown the secret: a page that kept showing it, or stored it, then fails.
  async shownOnce(page, name, value) {
    const record = this.records.get(page);
    await Promise.all(record.pending);
    record.shownOnce = { ...record.shownOnce, [name]: record.responses.length };
    this.secrets[name] = value;
  }

  // axe-core (from node_modules, evaluated in the page: the page's CSP does not apply to the
  // test's own script) must find no serious or critical violation.
  async checkAccessibility(page, what = page.url()) {
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
    });
    assert.deepEqual(violations, [], `accessibility violations on ${what}:\n${violations.join('\n')}`);
  }

  // Saves <build>/console-screenshots/NAME.png (and docs/console/NAME.png when asked, if the
  // docs show it): the whole page, or with `fullPage: false` what the viewport shows (a long list).
  //
  // The whole page is taken by making the window as tall as the page first, not by Playwright's
  // fullPage capture: that paints beyond the window without the page seeing a resize, and
  // CodeMirror, which draws only the lines near the part of its scroller the window shows (500
  // px either side) and recomputes that on scroll and resize, left the lines of an editor far
  // above a scrolled-down window as a blank gap (function-run.png once had lines 1-5 missing).
  // A real window of that height draws them, and no editor may show a gap where it is seen.
  async screenshot(page, name, { fullPage = true } = {}) {
    const dir = join(dirname(resolve(process.env.RELISH_BINARY)), 'console-screenshots');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.png`);
    const viewport = page.viewportSize();
    if (fullPage) {
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
      // The whole page from its top (a page at least as tall as the window, min-height: 100vh
      // under the production bar, may still scroll by the bar's height).
      await page.evaluate(() => window.scrollTo(0, 0));
    }
    try {
      // CodeMirror measures a moment after a resize (its own debounce), then draws the lines
      // the taller window shows: wait until no editor leaves a gap where it can be seen (a gap
      // in the part of its own scroller out of view is how it should be).
      await page.waitForFunction(() => [...document.querySelectorAll('.code-editor')].every((host) => {
        const scroller = host.shadowRoot?.querySelector('.cm-scroller');
        if (!scroller) return true;
        const box = scroller.getBoundingClientRect();
        const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
        return [...scroller.querySelectorAll('.cm-content > .cm-gap')].every((gap) => {
          const r = gap.getBoundingClientRect();
          return r.bottom <= top || r.top >= bottom;
        });
      }), null, { timeout: kWaitMs })
        .catch(() => assert.fail(`the screenshot ${name} would show an editor with undrawn lines`));
      await page.screenshot({ path: file, fullPage: false });
    } finally {
      if (fullPage) await page.setViewportSize(viewport);
    }
    if (process.env.RELISH_UPDATE_DOCS_SCREENSHOTS === '1' && documented.has(name)) {
      mkdirSync(join(repo, 'docs/console'), { recursive: true });
      copyFileSync(file, join(repo, 'docs/console', `${name}.png`));
    }
  }

  // What every test ends with: no planted secret seen, no CSP violation, no uncaught error.
  async checkAndClosePages() {
    const records = this.pages;
    this.pages = [];
    try {
      for (const record of records) {
        await this.scanForSecrets(record.page);
        assert.deepEqual(record.cspViolations, [], 'Content Security Policy violations');
        assert.deepEqual(record.errors, [], 'uncaught errors in the page');
      }
    } finally {
      for (const context of new Set(records.map((r) => r.page.context()))) await context.close();
    }
  }

  async stop() {
    await this.browser?.close();
    this.child.kill();
    await new Promise((r) => this.child.once('exit', r));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Starts the server and the browser for a test file and registers the per-test checks:
//   const h = startConsole();  ...  test('x', async () => { const page = await h().newPage(); })
// `env`: more of the server's environment (RELISH_* settings), or a function answering it when
// the server starts; `started(h)`: what the file sets up once the server runs (a provider that
// needs its callback URL). Both belong here because node:test may run a file's before() hooks
// concurrently.
export function startConsole({ env = {}, started = async () => {} } = {}) {
  let instance = null;
  before(async () => {
    const binary = process.env.RELISH_BINARY;
    assert.ok(binary, 'RELISH_BINARY must name the relish binary');
    const dir = mkdtempSync(join(tmpdir(), 'relish-console-'));
    const admin = { email: 'admin@localhost', password: 'console-admin-password-7Q' };
    const { child, url } = await startRelish(binary, join(dir, 'data'), {
      ...(typeof env === 'function' ? await env() : env),
      RELISH_ADMIN_EMAIL: admin.email,
      RELISH_ADMIN_PASSWORD: admin.password,
    });
    const tokenResponse = await fetch(`${url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: admin.password, name: 'console tests' }),
    });
    admin.token = (await tokenResponse.json()).token;
    const h = new Console({ child, url, dir, admin });
    const orgs = [];
    const developers = [];
    for (const [name, email] of [['Acme Inc', 'dev@acme.test'], ['Globex Corp', 'dev@globex.test']]) {
      const org = await h.api('POST', '/api/v1/orgs', { name });
      const developer = { email, password: `${name.split(' ')[0]}-developer-password-3k`, org };
      await h.api('POST', '/api/v1/users', { email, password: developer.password, role: 'developer', orgs: [org.id] });
      orgs.push(org);
      developers.push(developer);
    }
    // A secret that has nothing to do with the browser's session: an API token of the admin's.
    const planted = await h.api('POST', '/api/v1/tokens', { name: 'planted, never shown' });
    h.orgs = orgs;
    h.developers = developers;
    h.secrets = {
      'the administrator password': admin.password,
      'the API token the tests set up with': admin.token,
      'a planted API token': planted.token,
      ...Object.fromEntries(developers.map((d) => [`the password of ${d.email}`, d.password])),
    };
    h.browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    instance = h;
    await started(h);
  });
  afterEach(async () => { await instance?.checkAndClosePages(); });
  after(async () => { await instance?.stop(); });
  return () => instance;
}
