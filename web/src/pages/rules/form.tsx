// The rule form: module, trigger, and the conditions, checked in order (each with its criteria
// rows and pattern, instant actions and scheduled ones: condition.tsx, actions.tsx). The API
// checks the rule; its error is shown at the control it names.
import { useState } from 'preact/hooks';
import type { Client } from '../../api';
import { Banner, Button, CheckboxGroup, Field, Select, TextArea } from '../../ui';
import { fieldOptions, fieldsOf, kNone, type FormData } from './actions';
import { ConditionEditor } from './condition';
import type { ConditionState, FormState, PlacedError } from './form_state';
import { definitionFrom, emptyCondition, placeError } from './form_state';
import { isDateType, kTriggerWords, recordArgName, rulesApi, type Rule, type TriggerType } from './model';

export type { FormData } from './actions';

export function RuleForm({ api, data, initial, rule, onSaved }: {
  api: Client;
  data: FormData;
  initial: FormState;
  rule: Rule | null;  // null: a new rule
  onSaved: (rule: Rule) => void;
}) {
  const [form, setForm] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlacedError | null>(null);
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  const module = data.modules.find((m) => m.api_name === form.module);
  const fields = fieldsOf(module);
  const recordArg = recordArgName(module, form.module);
  const at = (key: string) => (error && error.at === key ? error.message : null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const def = definitionFrom(form, recordArg);
      const saved = rule ? await rulesApi.update(api, rule.id, def) : await rulesApi.create(api, def);
      onSaved(saved);
    } catch (e) {
      const placed = placeError(e);
      setError(placed);
      // Focus the control at fault, so the keyboard and a screen reader land on the message.
      window.setTimeout(() => {
        document.querySelector<HTMLElement>('.rule-form [aria-invalid="true"], .rule-form .rule-form__error, .rule-form .ui-banner')?.focus();
      }, 0);
    } finally {
      setBusy(false);
    }
  };

  const setCondition = (i: number, next: ConditionState) =>
    set({ conditions: form.conditions.map((c, j) => (j === i ? next : c)) });
  // A new module has other fields: the rows and date fields chosen for the old one go.
  const changeModule = (m: string) => set({
    module: m, dateField: '', watch: [],
    conditions: form.conditions.map((c) => ({
      ...c, rows: c.rows.map(() => ({ field: '', operator: '', value: '' })),
      scheduled: c.scheduled.map((s) => ({ ...s, from: 'trigger' })),
    })),
  });

  const triggerOptions = (Object.keys(kTriggerWords) as TriggerType[]).map((t) => ({ value: t, label: kTriggerWords[t] }));
  return (
    <form class="rule-form" onSubmit={(e) => void submit(e)} noValidate>
      {error && error.at === '' && <Banner tone="error" title="The rule was not saved">{error.message}</Banner>}
      <section class="panel" aria-labelledby="rule-basics">
        <h2 id="rule-basics">Rule</h2>
        <div class="rule-form__grid">
          <Field label="Name" value={form.name} onValue={(name) => set({ name })} error={at('name')} required />
          <Select label="Module" value={form.module} error={at('module')} disabled={rule !== null}
                  hint={rule ? 'A rule\'s module is fixed once it exists.' : undefined}
                  onValue={changeModule}
                  options={[kNone, ...data.modules.map((m) => ({ value: m.api_name, label: m.plural_label }))]} />
        </div>
        <TextArea label="Description" value={form.description} onValue={(description) => set({ description })}
                  error={at('description')} rows={2} />
      </section>

      <section class="panel" aria-labelledby="rule-trigger">
        <h2 id="rule-trigger">When</h2>
        <div class="rule-form__grid">
          <Select label="Trigger" value={form.trigger} error={at('trigger')} disabled={rule !== null}
                  hint={rule ? 'A rule\'s trigger type is fixed once it exists.' : undefined}
                  onValue={(t) => set({ trigger: t as TriggerType })} options={triggerOptions} />
          {form.trigger === 'date' && (
            <>
              <Select label="Date field" value={form.dateField} onValue={(dateField) => set({ dateField })}
                      options={[kNone, ...fieldOptions(fields.filter((f) => isDateType(f.data_type)))]} />
              <Field label="Offset" value={form.offset} onValue={(offset) => set({ offset })} hint="-1d, 2h, 30m" />
              <Field label="Time (UTC, date fields)" value={form.time} onValue={(time) => set({ time })} hint="HH:MM" />
            </>
          )}
        </div>
        {(form.trigger === 'edit' || form.trigger === 'create_or_edit') && (
          <label class="check">
            <input type="checkbox" class="ui-checkbox" checked={form.repeat}
                   onChange={(e) => set({ repeat: e.currentTarget.checked })} />
            Run every time a record is edited (otherwise once per record)
          </label>
        )}
        {(form.trigger === 'edit' || form.trigger === 'create_or_edit') && (
          <CheckboxGroup legend="Only when one of these fields changes" name="watch" value={form.watch}
                         onValue={(watch) => set({ watch })} error={at('trigger.fields')}
                         hint="None ticked: any edit. A create always counts."
                         options={fieldOptions(fields.filter((f) => !f.read_only))} />
        )}
      </section>

      <p class="muted">The conditions are checked in order; the first whose criteria the record meets runs its
         actions, and the others are skipped.</p>
      {form.conditions.map((c, i) => (
        <ConditionEditor key={i} index={i} condition={c} data={data} fields={fields} recordArg={recordArg}
                         at={(key) => at(key ? `${i}.${key}` : `${i}`)} onChange={(next) => setCondition(i, next)}
                         onRemove={form.conditions.length > 1 ? () => set({ conditions: form.conditions.filter((_, j) => j !== i) }) : null} />
      ))}
      <div class="form-actions">
        <Button onClick={() => set({ conditions: [...form.conditions, emptyCondition()] })}>Add a condition</Button>
      </div>

      <div class="form-actions">
        <Button variant="primary" type="submit" busy={busy}>{rule ? 'Save the rule' : 'Create the rule'}</Button>
      </div>
    </form>
  );
}

