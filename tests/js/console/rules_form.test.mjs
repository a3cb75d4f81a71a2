// The rule form edits what the engine accepts (docs/workflow.md, "A rule"): several conditions,
// each with its criteria rows and pattern, instant actions and scheduled ones (an offset after
// the trigger or a date field). A rule with two conditions and scheduled actions is made through
// the form, with the API's errors shown at the scheduled offset and at the second condition's
// pattern first; the stored rule is read back over REST, saved unchanged (it stays the same),
// then edited back to one condition. The other organization never sees it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rows, settled, startConsole } from './harness.mjs';

const h = startConsole();
const ruleName = 'Deal follow-ups';

// The functions the rule runs, in Acme's sandbox (set up over REST: the form is what is tested).
let setUp = null;
function setUpFunctions() {
  setUp ??= (async () => {
    const [acme] = h().orgs;
    for (const name of ['follow_up', 'remind']) {
      await h().api('PUT', `/api/v1/workflow/functions/${name}?org=${acme.id}&environment=sandbox&topping=`,
                    { source: `info "${name} " + pipeline.get("Deal_Name");`, params: ['pipeline'] });
    }
  })();
  return setUp;
}

// The message shown for a control, and that the control is marked invalid and has the focus.
async function errorAt(page, control) {
  await page.locator('.ui-field--invalid').first().waitFor();
  assert.equal(await control.getAttribute('aria-invalid'), 'true');
  // The form moves the focus in a task of its own, after the error shows.
  await settled(() => control.evaluate((el) => el === document.activeElement), true, 'the control at fault has the focus');
  const described = (await control.getAttribute('aria-describedby')).split(' ').pop();
  return page.locator(`[id="${described}"]`).innerText();
}

const definition = (rule) =>
  ({ name: rule.name, module: rule.module, trigger: rule.trigger, conditions: rule.conditions, active: rule.active });

test('two conditions with scheduled actions through the form: errors at their fields, stored as the engine takes them, edited back', async () => {
  await setUpFunctions();
  const [acme] = h().developers;
  const scope = `org=${acme.org.id}&environment=sandbox`;
  const page = await h().newPage();
  await h().openAs(page, acme, '/rules/new', 'New workflow rule');
  await page.getByLabel('Name', { exact: true }).fill(ruleName);
  await page.getByRole('combobox', { name: 'Module', exact: true }).selectOption('Pipelines');
  await page.getByRole('combobox', { name: 'Trigger', exact: true }).selectOption('create_or_edit');

  // Condition 1: Stage is Closed Won and Amount >= 1000; run follow_up now and remind later.
  await page.getByLabel('Condition 1 row 1 field').selectOption('Stage');
  await page.getByLabel('Condition 1 row 1 operator').selectOption('is');
  await page.getByLabel('Condition 1 row 1 value').selectOption('Closed Won');
  await page.getByRole('button', { name: 'Add a row to condition 1' }).click();
  await page.getByLabel('Condition 1 row 2 field').selectOption('Amount');
  await page.getByLabel('Condition 1 row 2 operator').selectOption('>=');
  await page.getByLabel('Condition 1 row 2 value').fill('1000');
  await page.getByLabel('Condition 1 action 1 function').selectOption('follow_up');
  await page.getByRole('button', { name: 'Add scheduled actions to condition 1' }).click();
  // Before the trigger: the engine refuses it.
  await page.getByLabel('Condition 1 schedule 1 offset').fill('-2h');
  assert.deepEqual(await page.getByLabel('Condition 1 schedule 1 from').locator('option').allInnerTexts(),
                   ['When the rule fires', 'Closing Date', 'Created Time', 'Modified Time']);
  await page.getByLabel('Condition 1 schedule 1 action 1 function').selectOption('remind');

  // Condition 2: Stage is any of two; only a scheduled action, a day before the closing date.
  await page.getByRole('button', { name: 'Add a condition' }).click();
  await page.getByLabel('Condition 2 row 1 field').selectOption('Stage');
  await page.getByLabel('Condition 2 row 1 operator').selectOption('is any of');
  await page.getByLabel('Condition 2 row 1 value').fill('Qualification, Negotiation/Review');
  await page.getByLabel('Condition 2 pattern').fill('1 and 2');
  await page.getByRole('button', { name: 'Add scheduled actions to condition 2' }).click();
  await page.getByLabel('Condition 2 schedule 1 offset').fill('-1d');
  await page.getByLabel('Condition 2 schedule 1 from').selectOption('Closing_Date');
  await page.getByLabel('Condition 2 schedule 1 action 1 function').selectOption('remind');
  await page.getByRole('button', { name: 'Remove action 1 of condition 2', exact: true }).click();
  assert.equal(await page.getByLabel('Condition 2 action 1 kind').count(), 0);

  // The API's first complaint, at the scheduled offset.
  await page.getByRole('button', { name: 'Create the rule' }).click();
  const offset = page.getByLabel('Condition 1 schedule 1 offset');
  assert.equal(await errorAt(page, offset), 'Cannot be before the trigger');
  await h().checkAccessibility(page, 'the rule form, an error at a scheduled action');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2h');

  // The next, at the second condition's pattern.
  await page.getByRole('button', { name: 'Create the rule' }).click();
  const pattern = page.getByLabel('Condition 2 pattern');
  assert.equal(await errorAt(page, pattern), 'Row 2 does not exist (there are 1)');
  assert.equal(await offset.getAttribute('aria-invalid'), null);
  await pattern.fill('');
  await h().screenshot(page, 'rule-form-conditions');

  await page.getByRole('button', { name: 'Create the rule' }).click();
  await page.getByText('The rule was created.').waitFor();
  const id = new URL(page.url()).pathname.split('/').pop();
  const made = {
    name: ruleName, module: 'Pipelines', trigger: { type: 'create_or_edit', repeat: true },
    conditions: [{
      criteria: [{ field: 'Stage', operator: 'is', value: 'Closed Won' }, { field: 'Amount', operator: '>=', value: '1000' }],
      actions: [{ function: 'follow_up' }],
      scheduled: [{ offset: '2h', from: 'trigger', actions: [{ function: 'remind' }] }],
    }, {
      criteria: [{ field: 'Stage', operator: 'is any of', value: ['Qualification', 'Negotiation/Review'] }],
      actions: [],
      scheduled: [{ offset: '-1d', from: 'Closing_Date', actions: [{ function: 'remind' }] }],
    }],
    active: true,
  };
  const stored = await h().api('GET', `/api/v1/workflow/rules/${id}?${scope}`);
  assert.deepEqual(definition(stored), made);

  // The list: the first condition's criteria and actions, its scheduled one with its offset.
  await page.getByRole('link', { name: 'Workflow rules' }).first().click();
  const listed = page.getByRole('region', { name: 'Rules of Pipelines' });
  await listed.waitFor();
  assert.deepEqual((await rows(listed))[0].slice(0, 5), [
    ruleName, 'Active', 'Created or edited, every time',
    'Stage is Closed Won and Amount >= 1000 (+1 more condition)', 'Function follow_up\nAfter 2h: Function remind',
  ]);
  await listed.getByRole('link', { name: ruleName }).click();
  await page.getByRole('heading', { name: ruleName, level: 1 }).waitFor();

  // The form shows it as stored; saved unchanged, it stays the same.
  assert.equal(await page.getByLabel('Condition 1 schedule 1 offset').inputValue(), '2h');
  assert.equal(await page.getByLabel('Condition 2 schedule 1 from').inputValue(), 'Closing_Date');
  assert.equal(await page.getByLabel('Condition 2 row 1 value').inputValue(), 'Qualification, Negotiation/Review');
  assert.equal(await page.getByLabel('Condition 2 action 1 kind').count(), 0);
  await h().checkAccessibility(page, 'a rule with two conditions and scheduled actions');
  await h().screenshot(page, 'rule-conditions');
  await page.getByRole('button', { name: 'Save the rule' }).click();
  await page.getByText('The rule was saved.').waitFor();
  assert.deepEqual(definition(await h().api('GET', `/api/v1/workflow/rules/${id}?${scope}`)), made);

  // Edited back: one condition, no scheduled actions, a higher amount; and only edits of the
  // stage or the amount fire it (the trigger's watched fields, ticked in any order, stored in
  // the module's).
  await page.getByRole('button', { name: 'Remove condition 2', exact: true }).click();
  await page.getByRole('button', { name: 'Remove schedule 1 of condition 1', exact: true }).click();
  await page.getByLabel('Condition 1 row 2 value').fill('5000');
  const watched = page.getByRole('group', { name: 'Only when one of these fields changes' });
  await watched.getByLabel('Stage', { exact: true }).check();
  await watched.getByLabel('Amount', { exact: true }).check();
  // The first save's notice is still up, and a save does not take it down: dismissed, the notice
  // that shows next is this save's.
  await page.locator('.ui-banner', { hasText: 'The rule was saved.' }).getByRole('button', { name: 'Dismiss' }).click();
  await page.getByRole('button', { name: 'Save the rule' }).click();
  await page.getByText('The rule was saved.').waitFor();
  assert.deepEqual(definition(await h().api('GET', `/api/v1/workflow/rules/${id}?${scope}`)), {
    ...made,
    trigger: { type: 'create_or_edit', repeat: true, fields: ['Amount', 'Stage'] },
    conditions: [{
      criteria: [{ field: 'Stage', operator: 'is', value: 'Closed Won' }, { field: 'Amount', operator: '>=', value: '5000' }],
      actions: [{ function: 'follow_up' }],
    }],
  });
  assert.equal(await page.getByRole('heading', { name: 'Condition 2' }).count(), 0);
  assert.deepEqual(await watched.getByRole('checkbox', { checked: true }).evaluateAll((boxes) => boxes.map((b) => b.value)), ['Amount', 'Stage']);
  assert.equal(await page.getByLabel('Condition 1 schedule 1 offset').count(), 0);

  // Globex's developer does not reach it.
  const other = await h().newPage();
  await h().openAs(other, h().developers[1], `/rules/${id}`, 'Workflow rule');
  await other.getByText('Could not load the rule').waitFor();
});
