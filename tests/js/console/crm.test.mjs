// The CRM pages in Chromium against a real server: a contact made through the form generated
// from the module's fields (the API's refusal shown at its field first), listed, found by a
// search (a bad criteria shows the API's error in words), edited (the change in its history),
// deleted after a confirmation from the keyboard; a rule created through the API fires on the
// console's write and the record's page lists its run, which links back; custom fields added
// and removed; another organization's records never shown, not even by a direct URL, and its
// own paged. After each test the harness scans for the planted secrets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rows, settled, startConsole, viewports } from './harness.mjs';

const openAs = (...args) => h().openAs(...args);
const h = startConsole();
const ruleName = 'Greet new contacts';

const scopeOf = (org) => `org=${org.id}&environment=sandbox`;

// Acme's sandbox: a rule on new contacts, made through the API. Globex's: 21 contacts of its
// own (two pages), which Acme must never see.
let setUp = null;
function setUpOrgs() {
  setUp ??= (async () => {
    const [acme, globex] = h().orgs;
    await h().api('PUT', `/api/v1/workflow/functions/greet?${scopeOf(acme)}`, { source: 'info "hello " + contact;', params: ['contact'] });
    await h().api('POST', `/api/v1/workflow/rules?${scopeOf(acme)}`, {
      name: ruleName, module: 'Contacts', trigger: 'create',
      conditions: [{ actions: [{ function: 'greet', args: { contact: { field: 'Last_Name' } } }] }],
    });
    const data = Array.from({ length: 21 }, (_, i) => ({ Last_Name: `Globex ${String(i + 1).padStart(2, '0')}`, Email: `g${i + 1}@globex.test` }));
    const created = await h().api('POST', `/api/v1/crm/modules/Contacts/records?${scopeOf(globex)}`, { data });
    return { globexIds: created.data.map((r) => r.details.id) };
  })();
  return setUp;
}

async function waitForRuns(scope, n) {
  let runs = [];
  await settled(async () => (runs = (await h().api('GET', `/api/v1/workflow/runs?${scope}`)).runs).length >= n,
                true, `at least ${n} runs recorded in ${scope}`);
  return runs;
}

// The error shown under a control, by its aria-describedby.
async function errorAt(page, control) {
  assert.equal(await control.getAttribute('aria-invalid'), 'true');
  const described = await control.getAttribute('aria-describedby');
  return page.locator(`[id="${described.split(' ').pop()}"]`).innerText();
}

let adaId = null;

test('a contact made through the form: the API\'s error at its field, then created, listed, found, fired a rule, edited and deleted', async () => {
  await setUpOrgs();
  const [acme] = h().orgs;
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/crm', 'CRM');
  const modules = page.getByRole('region', { name: 'Modules' });
  await modules.waitFor();
  assert.deepEqual((await rows(modules)).map((r) => r[0]), ['Contacts', 'Companies', 'Pipelines', 'Products', 'Tasks', 'Notes']);
  await h().checkAccessibility(page, 'the modules');
  await h().screenshot(page, 'crm-modules');

  await modules.getByRole('link', { name: 'Contacts', exact: true }).click();
  await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'No Contacts yet' }).waitFor();
  await h().checkAccessibility(page, 'no contacts');
  await page.getByRole('link', { name: 'New contact' }).click();
  await page.getByRole('heading', { name: 'New contact', level: 1 }).waitFor();

  // The form is the module's: the required field marked, a checkbox for a boolean.
  const lastName = page.getByLabel('Last Name (required)');
  assert.equal(await lastName.getAttribute('aria-required'), 'true');
  assert.equal(await page.getByLabel('Email Opt Out').getAttribute('type'), 'checkbox');
  await page.getByLabel('First Name').fill('Ada');
  await lastName.fill('Lovelace');
  const email = page.getByLabel('Email', { exact: true });
  await email.fill('ada at example');
  await page.getByRole('button', { name: 'Create the contact' }).click();
  await page.locator('.ui-field--invalid').waitFor();
  assert.equal(await errorAt(page, email), "Email: 'ada at example' is not an email address like name@example.com");
  // The field takes the focus in an effect, a frame after its error shows.
  await settled(() => email.evaluate((el) => el === document.activeElement), true, 'the refused field has the focus');
  await h().checkAccessibility(page, 'the record form with an error');
  await h().screenshot(page, 'crm-record-form-error');

  // Fixed from the keyboard: the focus is already in the field.
  await page.keyboard.press('Control+A');
  await page.keyboard.type('ada@example.com');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
  await page.getByText('The contact was created.').waitFor();
  adaId = new URL(page.url()).pathname.split('/').pop();
  const stored = (await h().api('GET', `/api/v1/crm/modules/Contacts/records/${adaId}?${scopeOf(acme)}`)).data[0];
  assert.deepEqual([stored.First_Name, stored.Last_Name, stored.Email, stored.Email_Opt_Out],
                   ['Ada', 'Lovelace', 'ada@example.com', false]);

  // The console's write fired the rule; the record's page lists the run as it is recorded,
  // without a reload, as a link to it.
  const [run] = await waitForRuns(scopeOf(acme), 1);
  assert.equal(run.record_id, adaId);
  const runs = page.getByRole('region', { name: 'Workflow runs of this record' });
  await runs.waitFor();
  await runs.getByText('Succeeded').waitFor();
  assert.deepEqual((await rows(runs)).map((r) => r.slice(1, 4)), [['Succeeded', ruleName, 'Function greet']]);
  // The notice was for the save: a reload does not repeat it.
  assert.equal(new URL(page.url()).search, '');
  await page.reload();
  await runs.waitFor();
  assert.equal(await page.getByText('The contact was created.').count(), 0);
  // The history is a fetch of its own beside the runs': its table shows once it has landed.
  const history = page.getByRole('region', { name: 'Changes to this record' });
  await history.waitFor();
  assert.deepEqual((await rows(history)).map((r) => r.slice(1, 3)),
                   [['Created', 'Created with Owner, First Name, Last Name, Full Name, Email']]);
  await h().checkAccessibility(page, 'a record');
  await h().screenshot(page, 'crm-record');
  await runs.getByRole('link').first().click();
  await page.getByRole('heading', { name: `Run of ${ruleName}`, level: 1 }).waitFor();
  assert.match(new URL(page.url()).pathname, new RegExp(`^/runs/${run.id}$`));
  // The run's record is a link back.
  await page.getByRole('link', { name: `Contacts ${adaId}` }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();

  // In the table, and found by a search.
  await page.getByRole('link', { name: 'Contacts', exact: true }).click();
  const table = page.getByRole('region', { name: 'Contacts', exact: true });
  await table.waitFor();
  assert.deepEqual((await rows(table)).map((r) => r.slice(0, 2)), [['Ada Lovelace', 'ada@example.com']]);
  const criteria = page.getByLabel('Criteria');
  await criteria.fill('(Email:ends_with:@example.com)');
  await criteria.press('Enter');
  const found = page.getByRole('region', { name: 'Contacts matching the search' });
  await found.waitFor();
  assert.deepEqual((await rows(found)).map((r) => r[0]), ['Ada Lovelace']);
  await criteria.fill('(Last_Name:equals:Babbage)');
  await criteria.press('Enter');
  await page.getByRole('heading', { name: 'No record matches the search' }).waitFor();
  await criteria.fill('(Last_Name:sounds_like:Lovelace)');
  await criteria.press('Enter');
  await page.locator('.ui-field--invalid').waitFor();
  assert.match(await errorAt(page, criteria), /^invalid query formed: .*sounds_like/);
  await h().checkAccessibility(page, 'a bad search');
  await h().screenshot(page, 'crm-search-error');
  await page.getByRole('button', { name: 'Clear the search' }).click();
  await table.waitFor();
  await h().screenshot(page, 'crm-records');

  // Edited: the change shows in the history.
  await table.getByRole('link', { name: 'Ada Lovelace' }).click();
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('heading', { name: 'Edit Ada Lovelace', level: 1 }).waitFor();
  assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), 'ada@example.com');
  await page.getByLabel('Title').fill('Countess');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The changes were saved.').waitFor();
  await history.waitFor();
  assert.deepEqual((await rows(history)).map((r) => r.slice(1, 3))[0], ['Edited', 'Title: empty → Countess']);
  assert.equal((await h().api('GET', `/api/v1/crm/modules/Contacts/records/${adaId}?${scopeOf(acme)}`)).data[0].Title, 'Countess');

  // Deleted after a confirmation, from the keyboard; Escape keeps it.
  const remove = page.getByRole('button', { name: 'Delete' });
  await remove.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Delete Ada Lovelace?' });
  await dialog.waitFor();
  await h().checkAccessibility(page, 'the delete confirmation');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await remove.evaluate((el) => el === document.activeElement));
  await page.keyboard.press('Enter');
  await dialog.getByRole('button', { name: 'Delete' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'No Contacts yet' }).waitFor();
  const gone = await fetch(`${h().url}/api/v1/crm/modules/Contacts/records/${adaId}?${scopeOf(acme)}`,
                           { headers: { Authorization: `Bearer ${h().admin.token}` } });
  assert.equal(gone.status, 404);
});

test('custom fields: listed with their types, added and edited (the API\'s errors at their fields), offered by the form, removed', async () => {
  const page = await h().newPage();
  await openAs(page, h().developers[0], '/crm/Contacts/fields', 'Fields of Contacts');
  const fields = page.getByRole('region', { name: 'Fields of Contacts' });
  const emailRow = (await rows(fields)).find((r) => r[1] === 'Email');
  assert.deepEqual(emailRow.slice(0, 4), ['Email', 'Email', 'Email, up to 100', '']);
  assert.deepEqual((await rows(fields)).find((r) => r[1] === 'Last_Name').slice(3, 5), ['Required', 'Standard']);

  await page.getByLabel('Label').fill('Tier');
  await page.getByLabel('Type').selectOption('picklist');
  await page.getByLabel('Options').fill('Gold\nSilver');
  await page.getByRole('button', { name: 'Add the field' }).click();
  await page.getByText('The field Tier (Tier) was added.').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr td:nth-child(2)')].some((td) => td.innerText === 'Tier'));
  assert.deepEqual((await rows(fields)).find((r) => r[1] === 'Tier').slice(2, 5), ['Pick list: Gold, Silver', '', 'Custom']);

  // The same label again: the API's words at the Label field.
  await page.getByLabel('Label').fill('Tier');
  await page.getByLabel('Type').selectOption('text');
  await page.getByRole('button', { name: 'Add the field' }).click();
  await page.locator('.ui-field--invalid').waitFor();
  assert.equal(await errorAt(page, page.getByLabel('Label')), "Contacts already has a field 'Tier'");
  await h().checkAccessibility(page, 'the fields with an error');
  await h().screenshot(page, 'crm-fields');

  // Edited: a new label and option, now required (an empty label refused at its field first).
  await page.getByRole('button', { name: 'Edit Tier' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit the field Tier' });
  await edit.waitFor();
  await edit.getByLabel('Label').fill('');
  await edit.getByRole('button', { name: 'Save the field' }).click();
  await edit.locator('.ui-field--invalid').waitFor();
  assert.equal(await errorAt(page, edit.getByLabel('Label')), "a field needs a 'label'");
  await h().checkAccessibility(page, 'the field dialog with an error');
  await edit.getByLabel('Label').fill('Customer Tier');
  await edit.getByLabel('Options').fill('Gold\nSilver\nBronze');
  await edit.getByLabel('Required').check();
  await h().screenshot(page, 'crm-field-edit');
  await edit.getByRole('button', { name: 'Save the field' }).click();
  await page.getByText('The field Customer Tier was saved.').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr td:first-child')].some((td) => td.innerText === 'Customer Tier'));
  assert.deepEqual((await rows(fields)).find((r) => r[1] === 'Tier').slice(0, 4),
                   ['Customer Tier', 'Tier', 'Pick list: Gold, Silver, Bronze', 'Required']);

  // The record form offers it with its options, marked required.
  await page.goto('/crm/Contacts/new');
  await page.getByRole('heading', { name: 'New contact', level: 1 }).waitFor();
  assert.deepEqual(await page.getByLabel('Customer Tier (required)').locator('option').allInnerTexts(),
                   ['-None-', 'Gold', 'Silver', 'Bronze']);
  // Left empty: the API's MANDATORY_NOT_FOUND at the field.
  await page.getByLabel('Last Name (required)').fill('Tierless');
  await page.getByRole('button', { name: 'Create the contact' }).click();
  await page.locator('.ui-field--invalid').waitFor();
  assert.equal(await errorAt(page, page.getByLabel('Customer Tier (required)')), 'required field not found');

  await page.goto('/crm/Contacts/fields');
  await page.getByRole('button', { name: 'Remove Customer Tier' }).click();
  await page.getByRole('dialog', { name: 'Remove the field Customer Tier?' }).getByRole('button', { name: 'Remove' }).click();
  await page.getByText('The field Customer Tier was removed.').waitFor();
  assert.equal((await rows(fields)).filter((r) => r[1] === 'Tier').length, 0);
});

test('another organization\'s records never appear, not even by a direct URL; its own come a page at a time', async () => {
  const { globexIds } = await setUpOrgs();
  const [acmeDev, globexDev] = h().developers;

  const acme = await h().newPage();
  await openAs(acme, acmeDev, '/crm/Contacts', 'Contacts');
  await acme.getByRole('heading', { name: 'No Contacts yet' }).waitFor();
  await acme.getByLabel('Criteria').fill('(Email:ends_with:@globex.test)');
  await acme.getByLabel('Criteria').press('Enter');
  await acme.getByRole('heading', { name: 'No record matches the search' }).waitFor();
  await acme.goto(`/crm/Contacts/${globexIds[0]}`);
  await acme.getByText('Could not load the record').waitFor();
  await acme.getByText('No changes recorded.').waitFor();
  await acme.getByRole('heading', { name: 'No workflow runs for this record' }).waitFor();
  await acme.goto(`/crm/Contacts/${globexIds[0]}/edit`);
  await acme.getByText('Could not load the record').waitFor();
  assert.equal(await acme.getByText('globex.test').count(), 0);
  assert.equal(await acme.getByText('Globex 01').count(), 0);

  const globex = await h().newPage({ viewport: viewports.phone });
  await openAs(globex, globexDev, '/crm/Contacts', 'Contacts');
  const table = globex.getByRole('region', { name: 'Contacts', exact: true });
  await table.waitFor();
  const first = await rows(table);
  assert.equal(first.length, 20);
  assert.equal(first[0][0], 'Globex 21');
  await h().checkAccessibility(globex, 'the contacts on a phone');
  await globex.getByRole('button', { name: 'Next page' }).click();
  await globex.getByText('Page 2').waitFor();
  await globex.waitForFunction(() => document.querySelectorAll('.ui-table tbody tr').length === 1);
  assert.deepEqual((await rows(table)).map((r) => r[0]), ['Globex 01']);
  assert.ok(await globex.getByRole('button', { name: 'Next page' }).isDisabled());
  await globex.getByRole('button', { name: 'Previous page' }).click();
  await globex.waitForFunction(() => document.querySelectorAll('.ui-table tbody tr').length === 20);
  await globex.getByRole('link', { name: 'Globex 21' }).click();
  await globex.getByRole('heading', { name: 'Globex 21', level: 1 }).waitFor();
  await h().checkAccessibility(globex, 'a record on a phone');
});

test('the record form\'s pickers: a lookup found by the start of its name (never another organization\'s), a multi-select by its boxes', async () => {
  await setUpOrgs();
  const [acme, globex] = h().orgs;
  const accounts = await h().api('POST', `/api/v1/crm/modules/Accounts/records?${scopeOf(acme)}`,
                                 { data: [{ Account_Name: 'Analytical Engines' }, { Account_Name: 'Babbage & Co' }] });
  const enginesId = accounts.data[0].details.id;
  await h().api('POST', `/api/v1/crm/modules/Accounts/records?${scopeOf(globex)}`, { data: [{ Account_Name: 'Analytical Globex' }] });
  await h().api('POST', `/api/v1/crm/modules/Contacts/fields?${scopeOf(acme)}`,
                { label: 'Interests', type: 'multiselectpicklist', options: ['Math', 'Poetry', 'Engines'] });

  const page = await h().newPage();
  await openAs(page, h().developers[0], '/crm/Contacts/new', 'New contact');
  await page.getByLabel('Last Name (required)').fill('Byron');
  const company = page.getByLabel('Company Name', { exact: true });
  // Unfiltered: the module's first page; then what starts with the typed text.
  await page.waitForFunction(() => document.querySelectorAll('select[name="Account_Name"] option').length === 3);
  assert.deepEqual(await company.locator('option').allInnerTexts(), ['-None-', 'Babbage & Co', 'Analytical Engines']);
  await page.getByLabel('Find in Companies').fill('Analyt');
  await page.waitForFunction(() => document.querySelectorAll('select[name="Account_Name"] option').length === 2);
  assert.deepEqual(await company.locator('option').allInnerTexts(), ['-None-', 'Analytical Engines']);
  await company.selectOption({ label: 'Analytical Engines' });
  const interests = page.getByRole('group', { name: 'Interests' });
  assert.deepEqual(await interests.getByRole('checkbox').evaluateAll((boxes) => boxes.map((b) => b.value)), ['Math', 'Poetry', 'Engines']);
  await interests.getByLabel('Engines').check();
  await interests.getByLabel('Math').check();
  await h().checkAccessibility(page, 'the pickers');
  await h().screenshot(page, 'crm-pickers');
  await page.getByRole('button', { name: 'Create the contact' }).click();
  await page.getByRole('heading', { name: 'Byron', level: 1 }).waitFor();
  const id = new URL(page.url()).pathname.split('/').pop();
  const stored = (await h().api('GET', `/api/v1/crm/modules/Contacts/records/${id}?${scopeOf(acme)}`)).data[0];
  assert.deepEqual([stored.Account_Name, stored.Interests], [{ name: 'Analytical Engines', id: enginesId }, ['Math', 'Engines']]);

  // The edit form shows both as stored; unticking one saves the rest.
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('heading', { name: 'Edit Byron', level: 1 }).waitFor();
  assert.equal(await company.inputValue(), enginesId);
  assert.equal(await interests.getByLabel('Math').isChecked(), true);
  await interests.getByLabel('Math').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('The changes were saved.').waitFor();
  assert.deepEqual((await h().api('GET', `/api/v1/crm/modules/Contacts/records/${id}?${scopeOf(acme)}`)).data[0].Interests, ['Engines']);
});
