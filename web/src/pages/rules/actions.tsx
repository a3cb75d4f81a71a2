// The actions of a rule's condition, instant or scheduled: run a function with its arguments
// mapped from the record, call a webhook through a connection, update fields of the record.
// Every control is labelled with where it sits ("Condition 1 action 2 kind", "Condition 1
// schedule 1 action 1 function"), so each is named once on the page.
import type { ComponentChildren } from 'preact';
import { Button, Field, Select, TextArea } from '../../ui';
import type { Connection } from '../connections/types';
import type { FunctionSummary } from '../functions/model';
import type { ActionState, ArgState, UpdateState } from './form_state';
import { emptyAction } from './form_state';
import { kSystemFields, type CrmField, type CrmModule } from './model';

export interface FormData {
  modules: CrmModule[];
  functions: FunctionSummary[];
  connections: Connection[];
}

export const kNone = { value: '', label: 'Choose…' };

export function fieldsOf(module: CrmModule | undefined): CrmField[] {
  return [...(module?.fields ?? []), ...kSystemFields];
}

export function fieldOptions(fields: CrmField[]) {
  return fields.map((f) => ({ value: f.api_name, label: `${f.field_label}${f.custom_field ? ' (custom)' : ''}` }));
}

export const lowerFirst = (s: string) => `${s.charAt(0).toLowerCase()}${s.slice(1)}`;

// A list of actions; `prefix` names where it is ("Condition 1", "Condition 1 schedule 2"),
// `errorAt(i)` the API's message for action i. `canEmpty`: the last action may go (the
// condition has other actions elsewhere).
export function ActionList({ prefix, actions, data, fields, recordArg, errorAt, canEmpty, onChange, children }: {
  prefix: string;
  actions: ActionState[];
  data: FormData;
  fields: CrmField[];
  recordArg: string;
  errorAt: (index: number) => string | null;
  canEmpty: boolean;
  onChange: (next: ActionState[]) => void;
  children?: ComponentChildren;
}) {
  return (
    <>
      <ol class="rule-form__actions">
        {actions.map((a, i) => (
          <ActionEditor key={i} index={i} prefix={prefix} action={a} data={data} fields={fields} recordArg={recordArg}
                        error={errorAt(i)} onChange={(next) => onChange(actions.map((x, j) => (j === i ? next : x)))}
                        onRemove={canEmpty || actions.length > 1 ? () => onChange(actions.filter((_, j) => j !== i)) : null} />
        ))}
      </ol>
      <div class="form-actions">
        <Button onClick={() => onChange([...actions, emptyAction()])} aria-label={`Add an action to ${lowerFirst(prefix)}`}>
          Add an action
        </Button>
        {children}
      </div>
    </>
  );
}

function ActionEditor({ index, prefix, action, data, fields, recordArg, error, onChange, onRemove }: {
  index: number;
  prefix: string;
  action: ActionState;
  data: FormData;
  fields: CrmField[];
  recordArg: string;
  error: string | null;
  onChange: (next: ActionState) => void;
  onRemove: (() => void) | null;
}) {
  const n = index + 1;
  const label = `${prefix} action ${n}`;
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
          <Select label={`${label} kind`} value={action.kind} onValue={switchKind} options={kinds} error={error} />
          {action.kind === 'function' && (
            <Select label={`${label} function`} value={action.fn}
                    onValue={(fn) => onChange({ ...action, fn, args: {} })}
                    options={[kNone, ...data.functions.map((f) => ({ value: f.name, label: f.name }))]} />
          )}
        </div>
        {action.kind === 'function' && (
          <FunctionArgs label={label} action={action} data={data} fields={fields} recordArg={recordArg} onChange={onChange} />
        )}
        {action.kind === 'webhook' && (
          <>
            <div class="rule-form__grid">
              <Select label={`${label} method`} value={action.method} onValue={(method) => onChange({ ...action, method })}
                      options={['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ value: m, label: m }))} />
              <Select label={`${label} connection`} value={action.connection}
                      onValue={(connection) => onChange({ ...action, connection })}
                      hint="With a connection, Relish adds its credentials and audits the call."
                      options={[{ value: '', label: 'None (the environment\'s outbound client)' },
                                ...data.connections.map((c) => ({ value: c.link_name, label: `${c.link_name} (${c.service_name})` }))]} />
            </div>
            <Field label={`${label} URL`} type="url" value={action.url} onValue={(url) => onChange({ ...action, url })}
                   hint={'${Contacts.Email}, ${Contacts.ID}: the record\'s values, escaped for the URL.'} />
            <TextArea label={`${label} body`} value={action.body} onValue={(body) => onChange({ ...action, body })} rows={3} />
          </>
        )}
        {action.kind === 'update' && <FieldUpdates label={label} action={action} fields={fields} onChange={onChange} />}
        {onRemove && (
          <div class="form-actions">
            <Button variant="ghost" onClick={onRemove} aria-label={`Remove action ${n} of ${lowerFirst(prefix)}`}>Remove action {n}</Button>
          </div>
        )}
      </fieldset>
    </li>
  );
}

function FunctionArgs({ label, action, data, fields, recordArg, onChange }: {
  label: string;
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
            <Select label={`${label} ${p} from`} value={arg.mode}
                    onValue={(mode) => setArg(p, { ...arg, mode: mode as ArgState['mode'] })}
                    options={[{ value: 'field', label: 'A field of the record' }, { value: 'value', label: 'A constant' }]} />
            {arg.mode === 'field'
              ? <Select label={`${label} ${p} field`} value={arg.field} onValue={(field) => setArg(p, { ...arg, field })} options={argOptions} />
              : <Field label={`${label} ${p} value`} value={arg.value} onValue={(value) => setArg(p, { ...arg, value })}
                       hint="Text, a number, true or false, or JSON." />}
          </div>
        );
      })}
    </fieldset>
  );
}

function FieldUpdates({ label, action, fields, onChange }: {
  label: string;
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
          <Select label={`${label} update ${i + 1} field`} value={u.field} onValue={(field) => setUpdate(i, { field })}
                  options={[kNone, ...fieldOptions(writable)]} />
          <Select label={`${label} update ${i + 1} from`} value={u.mode}
                  onValue={(mode) => setUpdate(i, { mode: mode as UpdateState['mode'], value: '' })}
                  options={[{ value: 'value', label: 'A constant' }, { value: 'field', label: 'Another field' }]} />
          {u.mode === 'field'
            ? <Select label={`${label} update ${i + 1} source field`} value={u.value} onValue={(value) => setUpdate(i, { value })}
                      options={[kNone, ...fieldOptions(fields)]} />
            : <Field label={`${label} update ${i + 1} value`} value={u.value} onValue={(value) => setUpdate(i, { value })} />}
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
