// What the Connections and Services page tests share: a loopback listener, a page signed in,
// REST calls as the page's user, and reading the pages' tables, banners and popups.

export function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

export function where(page) {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

// signedIn(user, path, options): a page signed in as `user`, at `path` of the user's first
// organization, from the console `h` (harness.mjs startConsole).
export function signInWith(h) {
  return async (user, path = '/connections', options = {}) => {
    const page = await h().newPage(options);
    await page.goto(path);
    await h().signIn(page, user);
    return page;
  };
}

// A REST call from the page, as its signed-in user (the console's session and CSRF token are
// the page's own: the call goes through its fetch).
export async function asUser(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch(p, {
      method: m,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf ?? '' },
      body: b === undefined ? undefined : JSON.stringify(b),
    });
    return { status: r.status, body: await r.json() };
  }, [method, path, body]);
}

// The rows of the connections table as text, cell by cell (the visible columns), once it is
// there.
export async function tableRows(page, name = 'Connections') {
  const table = page.getByRole('region', { name });
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((row) =>
    [...row.querySelectorAll('td')].filter((td) => td.offsetParent !== null).map((td) => td.innerText.trim())));
}

// What the ui-banner with this title says, line by line.
export async function bannerLines(page, title) {
  const banner = page.locator('.ui-banner', { hasText: title });
  return (await banner.innerText()).split(/\n+/).map((l) => l.trim()).filter(Boolean);
}

// Opens a new connection's form for `serviceName`, from the list's "New connection".
export async function openNewConnection(page, search, serviceName) {
  await page.getByRole('link', { name: 'New connection' }).first().click();
  await page.getByRole('heading', { name: 'New connection', level: 1 }).waitFor();
  await page.getByLabel('Search services').fill(search);
  await page.getByRole('link', { name: `Choose: ${serviceName}`, exact: true }).click();
  await page.getByRole('heading', { name: `New ${serviceName} connection`, level: 1 }).waitFor();
}

// Clicks `button` and answers the window it opens.
export async function popupFrom(page, button) {
  const [popup] = await Promise.all([page.waitForEvent('popup'), button.click()]);
  return popup;
}

// Resolves once the popup is gone (it may be already).
export async function closed(popup) {
  if (!popup.isClosed()) await popup.waitForEvent('close');
}
