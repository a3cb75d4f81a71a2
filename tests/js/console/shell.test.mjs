// The console's shell in Chromium against a real server: sign-in (errors in words), the
// signed-in user, organization and environment, production marked, deep links that survive a
// reload, sign out, keyboard-only use, the phone viewport and the dark theme. After each test
// the harness scans for the planted secrets and checks CSP violations and page errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startConsole, viewports } from './harness.mjs';

const h = startConsole();

// The page's URL as path and query, for exact comparisons.
function where(page) {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

test('sign in: a wrong password is refused in words, then the deep link opens signed in', async () => {
  const { admin } = h();
  const page = await h().newPage();
  await page.goto('/functions');
  await page.getByRole('heading', { name: 'Sign in to Relish' }).waitFor();
  await h().checkAccessibility(page, 'the sign-in view');

  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  assert.deepEqual((await alert.innerText()).split(/\n+/), ['Could not sign in', 'wrong email or password']);
  await h().checkAccessibility(page, 'the sign-in view with its error');
  await h().screenshot(page, 'signin-error');

  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Functions', level: 1 }).waitFor();
  const myOrg = (await h().api('GET', '/api/v1/orgs')).orgs[0];
  assert.equal(where(page), `/functions?org=${myOrg.id}&environment=sandbox`);
  assert.equal(await page.title(), 'Functions · Relish');
  assert.equal(await page.locator('.topbar__email').innerText(), 'admin@localhost');
  assert.equal(await page.getByLabel('Organization').inputValue(), myOrg.id);
  assert.deepEqual(await page.getByLabel('Organization').locator('option').allInnerTexts(),
                   ['My Organization', 'Acme Inc', 'Globex Corp']);
  assert.equal(await page.getByRole('radio', { name: 'Sandbox' }).isChecked(), true);
  assert.equal(await page.getByRole('note').count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Functions' }).getAttribute('aria-current'), 'page');
  // The list is fetched after the heading shows.
  await page.getByRole('heading', { name: 'No functions yet' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'No functions yet' }).count(), 1);
  await h().checkAccessibility(page, 'Functions');
  await h().screenshot(page, 'functions-empty');
});

test('production is marked in words on every page, and a reload keeps page, organization and environment', async () => {
  const { admin, orgs } = h();
  const page = await h().newPage();
  await page.goto('/connections');
  await h().signIn(page, admin);

  await page.getByLabel('Organization').selectOption({ label: 'Globex Corp' });
  await page.getByRole('radio', { name: 'Production' }).check();
  const marker = page.getByRole('note');
  assert.equal(await marker.innerText(), 'Production: changes here act on live data and real services.');
  assert.equal(where(page), `/connections?org=${orgs[1].id}&environment=production`);

  await page.getByRole('link', { name: 'Services' }).click();
  await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
  assert.equal(where(page), `/services?org=${orgs[1].id}&environment=production`);
  assert.equal(await page.locator('.page__scope').innerText(), 'Globex Corp · Production');
  await h().checkAccessibility(page, 'Services in production');
  await h().screenshot(page, 'services-production', { fullPage: false });  // the whole catalog is long

  await page.reload();
  await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
  assert.equal(where(page), `/services?org=${orgs[1].id}&environment=production`);
  assert.equal(await marker.innerText(), 'Production: changes here act on live data and real services.');
  assert.equal(await page.getByLabel('Organization').inputValue(), orgs[1].id);

  // An object's URL is served by the console too, and the back button walks the history.
  await page.goto(`/connections/c_example?org=${orgs[0].id}&environment=sandbox`);
  await page.getByRole('heading', { name: 'Connection c_example', level: 1 }).waitFor();
  assert.equal(await page.getByRole('note').count(), 0);
  await page.goBack();
  await page.getByRole('heading', { name: 'Services', level: 1 }).waitFor();
  assert.equal(where(page), `/services?org=${orgs[1].id}&environment=production`);
});

test('a developer sees only their organization, even when a link names another', async () => {
  const [acme, globex] = h().developers;
  const page = await h().newPage();
  await page.goto(`/functions?org=${globex.org.id}&environment=sandbox`);
  await h().signIn(page, acme);
  await page.getByRole('heading', { name: 'Functions', level: 1 }).waitFor();
  assert.equal(where(page), `/functions?org=${acme.org.id}&environment=sandbox`);
  assert.deepEqual(await page.getByLabel('Organization').locator('option').allInnerTexts(), ['Acme Inc']);
  assert.equal(await page.locator('.topbar__email').innerText(), 'dev@acme.test');
});

test('sign out ends the session: the sign-in view, also after a reload', async () => {
  const page = await h().newPage();
  await page.goto('/services');
  await h().signIn(page, h().admin);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Relish' }).waitFor();
  assert.equal(await page.getByRole('status').innerText(), 'You are signed out.');
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in to Relish' }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
  assert.equal(me, 401);
});

test('keyboard only: sign in, move between pages, switch environment', async () => {
  const { developers } = h();
  const page = await h().newPage();
  await page.goto('/connections');
  await page.getByRole('heading', { name: 'Sign in to Relish' }).waitFor();
  // The email field has the focus on arrival.
  await page.keyboard.type(developers[1].email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(developers[1].password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();

  // Tab from the top of the page: the skip link first, then the header's controls, then the nav.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  const focused = async () => page.evaluate(() => {
    const el = document.activeElement;
    return el.getAttribute('aria-label') ?? el.labels?.[0]?.innerText ?? el.textContent;
  });
  const reached = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    reached.push(await focused());
  }
  assert.deepEqual(reached, ['Relish', 'Organization\nGlobex Corp', 'Sandbox', 'Dark theme', 'Sign out',
                             'Connections', 'Services', 'Functions']);
  // Functions has the focus: Enter follows it.
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Functions', level: 1 }).waitFor();

  // The environment is a radio group: the arrow key moves to Production.
  await page.getByRole('radio', { name: 'Sandbox' }).focus();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('note').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('environment'), 'production');
});

test('a phone (390x844): the shell fits, nothing scrolls sideways', async () => {
  const [acme] = h().developers;
  const page = await h().newPage({ viewport: viewports.phone });
  await page.goto('/connections');
  await h().checkAccessibility(page, 'the sign-in view on a phone');
  await h().screenshot(page, 'signin-phone');
  await h().signIn(page, acme);
  await page.getByRole('radio', { name: 'Production' }).check();
  await page.getByRole('note').waitFor();
  for (const name of ['Connections', 'Services', 'Functions']) {
    await page.getByRole('link', { name }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, name);
    assert.equal(await page.getByRole('radio', { name: 'Production' }).isVisible(), true);
    await h().checkAccessibility(page, `${name} on a phone`);
  }
  await h().screenshot(page, 'functions-phone-production');
});

test('dark theme: the system preference first, then the toggle, remembered across reloads', async () => {
  const page = await h().newPage({ colorScheme: 'dark' });
  await page.goto('/connections');
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  const themeBecomes = (value) =>
    page.waitForFunction((v) => document.documentElement.dataset.theme === v, value);
  assert.equal(await theme(), 'dark');
  await h().checkAccessibility(page, 'the sign-in view, dark');
  await h().signIn(page, h().admin);
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  await h().checkAccessibility(page, 'Connections, dark');
  await h().screenshot(page, 'connections-dark');

  const toggle = page.getByRole('button', { name: 'Dark theme' });
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  await toggle.click();
  await themeBecomes('light');
  await page.reload();
  await page.getByRole('heading', { name: 'Connections', level: 1 }).waitFor();
  assert.equal(await theme(), 'light');
  assert.equal(await page.getByRole('button', { name: 'Dark theme' }).getAttribute('aria-pressed'), 'false');
  await page.getByRole('radio', { name: 'Production' }).check();
  await h().checkAccessibility(page, 'Connections in production, light');
  await h().screenshot(page, 'connections-production');
});

test('a throttled sign-in shows the server\'s words and when to retry', async () => {
  const page = await h().newPage();
  // The real throttle would refuse this address for the other tests too: the browser gets the
  // answer Relish gives (api/signin.cc) from a route instead.
  await page.route('**/api/v1/session', (route) => route.fulfill({
    status: 429,
    headers: { 'Retry-After': '42' },
    contentType: 'application/json',
    body: JSON.stringify({ code: 'resource_exhausted',
                           message: 'too many failed sign-ins from this address; try again in 42 seconds' }),
  }));
  await page.goto('/connections');
  await page.getByLabel('Email').fill('someone@example.test');
  await page.getByLabel('Password').fill('a guess');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.deepEqual((await page.getByRole('alert').innerText()).split(/\n+/), [
    'Could not sign in',
    'too many failed sign-ins from this address; try again in 42 seconds',
    'Retry after 42 seconds.',
  ]);
  await h().checkAccessibility(page, 'the sign-in view, throttled');
});

test('the secret scan finds what it is told to look for, and says where', async () => {
  const page = await h().newPage();
  await page.goto('/connections');
  await h().signIn(page, h().admin);
  const orgId = await page.getByLabel('Organization').inputValue();
  await assert.rejects(h().scanForSecrets(page, { 'the email': 'admin@localhost', 'the org id': orgId }), (error) => {
    assert.match(error.message, /the email appears in the DOM/);
    assert.match(error.message, /the email appears in the response to GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/me/);
    assert.match(error.message, new RegExp(`the org id appears in localStorage\\[relish\\.org\\]`));
    return true;
  });
});
