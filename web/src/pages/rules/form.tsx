// The rule form: module, trigger, the criteria rows and their pattern, and the actions (run a
// function with its arguments mapped from the record, call a webhook through a connection,
// update fields). The API checks the rule; its error is shown at the control it names.
import { useState } from 'preact/hooks';
import type { Client } from '../../api';
import { Banner, Button, Field, Select, TextArea } from '../../ui';
import type { Connection } from '../connections/types';
import type { FunctionSummary } from '../functions/model';
import type { ActionState, ArgState, FormState, PlacedError, RowState, UpdateState } from './form_state';
import { definitionFrom, placeError } from './form_state';
import {
  arityOf, isDateType, kSystemFields, kTriggerWords, operatorsFor, recordArgName, rulesApi,
  type CrmField, type CrmModule, type Rule, type TriggerType,
} from './model';

export interface FormData {
  modules: CrmModule[];
  functions: FunctionSummary[];
  connections: Connection[];
}

const kNone = { value: '', label: 'Choose…' };

function fieldsOf(module: CrmModule | undefined): CrmField[] {
  return [...(module?.fields ?? []), ...kSystemFields];
}

function fieldOptions(fields: CrmField[]) {
  return fields.map((f) => ({ value: f.api_name, label: `${f.field_label}${f.custom_field ? ' (custom)' : ''}` }));
}

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
        document.querySelector<HTMLElement>('.rule-form [aria-invalid="true"], .rule-form .ui-banner')?.focus();
      }, 0);
    } finally {
      setBusy(false);
    }
  };

  const setRow = (i: number, patch: Partial<RowState>) =>
    set({ rows: form.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const setAction = (i: number, next: ActionState) =>
    set({ actions: form.actions.map((a, j) => (j === i ? next : a)) });

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
                  onValue={(m) => set({ module: m, rows: [{ field: '', operator: '', value: '' }], dateField: '' })}
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
      </section>

      <section class="panel" aria-labelledby="rule-criteria">
        <h2 id="rule-criteria">Which records</h2>
        <fieldset class="choice">
          <legend>Criteria</legend>
          <label><input type="radio" name="every" checked={form.everyRecord} onChange={() => set({ everyRecord: true })} /> Every record</label>
          <label><input type="radio" name="every" checked={!form.everyRecord} onChange={() => set({ everyRecord: false })} /> Records that meet the criteria</label>
        </fieldset>
        {!form.everyRecord && (
          <>
            <ol class="criteria">
              {form.rows.map((row, i) => (
                <CriteriaRowEditor key={i} index={i} row={row} fields={fields} error={at(`criteria.${i}`)}
                                   onChange={(patch) => setRow(i, patch)}
                                   onRemove={form.rows.length > 1 ? () => set({ rows: form.rows.filter((_, j) => j !== i) }) : null} />
              ))}
            </ol>
            <div class="form-actions">
              <Button onClick={() => set({ rows: [...form.rows, { field: '', operator: '', value: '' }] })}>Add a row</Button>
            </div>
            <Field label="Pattern" value={form.pattern} onValue={(pattern) => set({ pattern })} error={at('pattern')}
                   hint={`How the rows combine, by number: "(1 and 2) or 3". Empty: all of them (${form.rows.map((_, i) => i + 1).join(' and ')}).`} />
          </>
        )}
      </section>

      <section class="panel" aria-labelledby="rule-actions">
        <h2 id="rule-actions">Then</h2>
        {form.rest.scheduled && <p class="muted">This rule's scheduled actions are kept as they are.</p>}
        {form.rest.conditions.length > 0 && (
          <p class="muted">This rule has {form.rest.conditions.length} more condition(s), kept as they are.</p>
        )}
        <ol class="rule-form__actions">
          {form.actions.map((a, i) => (
            <ActionEditor key={i} index={i} action={a} data={data} fields={fields} recordArg={recordArg}
                          error={at(`actions.${i}`)} onChange={(next) => setAction(i, next)}
                          onRemove={form.actions.length > 1 ? () => set({ actions: form.actions.filter((_, j) => j !== i) }) : null} />
          ))}
        </ol>
        <div class="form-actions">
          <Button onClick={() => set({ actions: [...form.actions, { kind: 'function', fn: '', args: {} }] })}>Add an action</Button>
        </div>
      </section>

      <div class="form-actions">
        <Button variant="primary" type="submit" busy={busy}>{rule ? 'Save the rule' : 'Create the rule'}</Button>
      </div>
    </form>
  );
}

function CriteriaRowEditor({ index, row, fields, error, onChange, onRemove }: {
  index: number;
  row: RowState;
  fields: CrmField[];
  error: string | null;
  onChange: (patch: Partial<RowState>) => void;
  onRemove: (() => void) | null;
}) {
  const field = fields.find((f) => f.api_name === row.field);
  const operators = field ? operatorsFor(field.data_type) : [];
  const arity = arityOf(row.operator);
  const n = index + 1;
  return (
    <li class="criteria__row">
      <fieldset class="plain">
        <legend class="criteria__legend">Row {n}</legend>
        <div class="criteria__controls">
          <Select label={`Row ${n} field`} value={row.field} error={error}
                  onValue={(f) => {
                    const next = fields.find((x) => x.api_name === f);
                    const ops = next ? operatorsFor(next.data_type) : [];
                    onChange({ field: f, operator: ops.includes(row.operator) ? row.operator : (ops[0] ?? '') });
                  }}
                  options={[kNone, ...fieldOptions(fields)]} />
          <Select label={`Row ${n} operator`} value={row.operator} onValue={(operator) => onChange({ operator })}
                  options={operators.length ? operators.map((o) => ({ value: o, label: o })) : [kNone]} />
          {arity !== 0 && (
            field?.pick_list_values && arity === 1 ? (
              <Select label={`Row ${n} value`} value={row.value} onValue={(value) => onChange({ value })}
                      options={[kNone, ...field.pick_list_values.map((p) => ({ value: p.actual_value, label: p.display_value }))]} />
            ) : (
              <Field label={`Row ${n} value`} value={row.value} onValue={(value) => onChange({ value })}
                     hint={arity === 2 ? 'low, high' : arity === -1 ? 'a comma-separated list' : undefined} />
            )
          )}
          {onRemove && <Button variant="ghost" class="criteria__remove" onClick={onRemove} aria-label={`Remove row ${n}`}>Remove</Button>}
        </div>
      </fieldset>
    </li>
  );
}

function ActionEditor({ index, action, data, fields, recordArg, error, onChange, onRemove }: {
  index: number;
  action: ActionState;
  data: FormData;
  fields: CrmField[];
  recordArg: string;
  error: string | null;
  onChange: (next: ActionState) => void;
  onRemove: (() => void) | null;
}) {
  const n = index + 1;
  const kinds = [
    { value: 'function', label: 'Run a function' },
    { value: 'webhook', label: 'Call a webhook' },
    { value: 'update', label: 'Update fields' },
  ];
  const switchKind = (kind: string) => {
    if (kind === action.kind) return;
    if (kind === 'function') onChange({ kind: 'function', fn: '', args: {} });
    if (kind === 'webhook') onChange({ kind: 'webhook', url: '', method: 'POST', body: '', connection: '' });
    if (kind === 'update') onChange({ kind: 'update', updates: [{ field: '', mode: 'value', value: '' }], triggerWorkflows: false });
  };
  return (
    <li class="rule-action">
      <fieldset class="plain">
        <legend class="legend-title">Action {n}</legend>
        <div class="rule-form__grid">
          <Select label={`Action ${n} kind`} value={action.kind} onValue={switchKind} options={kinds} error={error} />
          {action.kind === 'function' && (
            <Select label={`Action ${n} function`} value={action.fn}
                    onValue={(fn) => onChange({ ...action, fn, args: {} })}
                    options={[kNone, ...data.functions.map((f) => ({ value: f.name, label: f.name }))]} />
          )}
        </div>
        {action.kind === 'function' && (
          <FunctionArgs n={n} action={action} data={data} fields={fields} recordArg={recordArg} onChange={onChange} />
        )}
        {action.kind === 'webhook' && (
          <>
            <div class="rule-form__grid">
              <Select label={`Action ${n} method`} value={action.method} onValue={(method) => onChange({ ...action, method })}
                      options={['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ value: m, label: m }))} />
              <Select label={`Action ${n} connection`} value={action.connection}
                      onValue={(connection) => onChange({ ...action, connection })}
                      hint="With a connection, Relish adds its credentials and audits the call."
                      options={[{ value: '', label: 'None (the environment\'s outbound client)' },
                                ...data.connections.map((c) => ({ value: c.link_name, label: `${c.link_name} (${c.service_name})` }))]} />
            </div>
            <Field label={`Action ${n} URL`} type="url" value={action.url} onValue={(url) => onChange({ ...action, url })}
                   hint={'${Contacts.Email}, ${Contacts.ID}: the record\'s values, escaped for the URL.'} />
            <TextArea label={`Action ${n} body`} value={action.body} onValue={(body) => onChange({ ...action, body })} rows={3} />
          </>
        )}
        {action.kind === 'update' && <FieldUpdates n={n} action={action} fields={fields} onChange={onChange} />}
        {onRemove && (
          <div class="form-actions">
            <Button variant="ghost" onClick={onRemove}>Remove action {n}</Button>
          </div>
        )}
      </fieldset>
    </li>
  );
}

function FunctionArgs({ n, action, data, fields, recordArg, onChange }: {
  n: number;
  action: Extract<ActionState, { kind: 'function' }>;
  data: FormData;
  fields: CrmField[];
  recordArg: string;
  onChange: (next: ActionState) => void;
}) {
  const fn = data.functions.find((f) => f.name === action.fn);
  if (!fn) return null;
  if (fn.params.length === 0) return <p class="muted">The function takes no arguments.</p>;
  const argOptions = [kNone, { value: 'ID', label: 'Record ID' }, ...fieldOptions(fields)];
  const setArg = (name: string, arg: ArgState) => onChange({ ...action, args: { ...action.args, [name]: arg } });
  return (
    <fieldset class="plain rule-args">
      <legend class="criteria__legend">Arguments of {fn.name}</legend>
      {fn.params.map((p) => {
        if (p === recordArg) {
          return <p key={p} class="rule-args__record"><code>{p}</code>: the record itself (its ID and every field)</p>;
        }
        const arg = action.args[p] ?? { mode: 'field', field: '', value: '' };
        return (
          <div key={p} class="rule-form__grid">
            <Select label={`Action ${n} ${p} from`} value={arg.mode}
                    onValue={(mode) => setArg(p, { ...arg, mode: mode as ArgState['mode'] })}
                    options={[{ value: 'field', label: 'A field of the record' }, { value: 'value', label: 'A constant' }]} />
            {arg.mode === 'field'
              ? <Select label={`Action ${n} ${p} field`} value={arg.field} onValue={(field) => setArg(p, { ...arg, field })} options={argOptions} />
              : <Field label={`Action ${n} ${p} value`} value={arg.value} onValue={(value) => setArg(p, { ...arg, value })}
                       hint="Text, a number, true or false, or JSON." />}
          </div>
        );
      })}
    </fieldset>
  );
}

function FieldUpdates({ n, action, fields, onChange }: {
  n: number;
  action: Extract<ActionState, { kind: 'update' }>;
  fields: CrmField[];
  onChange: (next: ActionState) => void;
}) {
  const writable = fields.filter((f) => !f.read_only);
  const setUpdate = (i: number, patch: Partial<UpdateState>) =>
    onChange({ ...action, updates: action.updates.map((u, j) => (j === i ? { ...u, ...patch } : u)) });
  return (
    <>
      {action.updates.map((u, i) => (
        <div key={i} class="rule-form__grid">
          <Select label={`Action ${n} update ${i + 1} field`} value={u.field} onValue={(field) => setUpdate(i, { field })}
                  options={[kNone, ...fieldOptions(writable)]} />
          <Select label={`Action ${n} update ${i + 1} from`} value={u.mode}
                  onValue={(mode) => setUpdate(i, { mode: mode as UpdateState['mode'], value: '' })}
                  options={[{ value: 'value', label: 'A constant' }, { value: 'field', label: 'Another field' }]} />
          {u.mode === 'field'
            ? <Select label={`Action ${n} update ${i + 1} source field`} value={u.value} onValue={(value) => setUpdate(i, { value })}
                      options={[kNone, ...fieldOptions(fields)]} />
            : <Field label={`Action ${n} update ${i + 1} value`} value={u.value} onValue={(value) => setUpdate(i, { value })} />}
        </div>
      ))}
      <div class="form-actions">
        <Button onClick={() => onChange({ ...action, updates: [...action.updates, { field: '', mode: 'value', value: '' }] })}>
          Add a field
        </Button>
        <label class="check">
          <input type="checkbox" class="ui-checkbox" checked={action.triggerWorkflows}
                 onChange={(e) => onChange({ ...action, triggerWorkflows: e.currentTarget.checked })} />
          The update fires workflow rules
        </label>
      </div>
    </>
  );
}
