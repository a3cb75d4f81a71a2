// One condition of a rule: which records (every one, or criteria rows and their pattern), its
// instant actions, and its scheduled actions (groups that run an offset after the trigger or a
// date field). Controls are labelled "Condition N ..." so each is named once on the page.
import { Button, Field, Select } from '../../ui';
import type { ActionState, ConditionState, RowState, ScheduleState } from './form_state';
import { emptyRow, emptySchedule } from './form_state';
import { ActionList, fieldOptions, kNone, lowerFirst, type FormData } from './actions';
import { arityOf, isDateType, operatorsFor, type CrmField } from './model';

// An error for the condition or a group as a whole: focusable, so the form can move to it.
export function PlaceError({ message }: { message: string | null }) {
  if (!message) return null;
  return <p class="rule-form__error" role="alert" tabIndex={-1}>{message}</p>;
}

export function ConditionEditor({ index, condition, data, fields, recordArg, at, onChange, onRemove }: {
  index: number;
  condition: ConditionState;
  data: FormData;
  fields: CrmField[];
  recordArg: string;
  at: (key: string) => string | null;  // the API's message for a key inside this condition
  onChange: (next: ConditionState) => void;
  onRemove: (() => void) | null;
}) {
  const n = index + 1;
  const prefix = `Condition ${n}`;
  const c = condition;
  const set = (patch: Partial<ConditionState>) => onChange({ ...c, ...patch });
  const setRow = (i: number, patch: Partial<RowState>) =>
    set({ rows: c.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const setSchedule = (i: number, next: ScheduleState) =>
    set({ scheduled: c.scheduled.map((s, j) => (j === i ? next : s)) });
  return (
    <section class="panel rule-condition" aria-labelledby={`rule-condition-${n}`}>
      <div class="page__head">
        <h2 id={`rule-condition-${n}`}>{prefix}</h2>
        {onRemove && <Button variant="ghost" onClick={onRemove} aria-label={`Remove ${lowerFirst(prefix)}`}>Remove</Button>}
      </div>
      <PlaceError message={at('')} />
      <fieldset class="choice">
        <legend>{prefix}: which records</legend>
        <label><input type="radio" name={`every-${n}`} checked={c.everyRecord} onChange={() => set({ everyRecord: true })} /> Every record</label>
        <label><input type="radio" name={`every-${n}`} checked={!c.everyRecord} onChange={() => set({ everyRecord: false })} /> Records that meet the criteria</label>
      </fieldset>
      {!c.everyRecord && (
        <>
          <ol class="criteria">
            {c.rows.map((row, i) => (
              <CriteriaRowEditor key={i} prefix={prefix} index={i} row={row} fields={fields} error={at(`criteria.${i}`)}
                                 onChange={(patch) => setRow(i, patch)}
                                 onRemove={c.rows.length > 1 ? () => set({ rows: c.rows.filter((_, j) => j !== i) }) : null} />
            ))}
          </ol>
          <div class="form-actions">
            <Button onClick={() => set({ rows: [...c.rows, emptyRow()] })} aria-label={`Add a row to ${lowerFirst(prefix)}`}>Add a row</Button>
          </div>
          <Field label={`${prefix} pattern`} value={c.pattern} onValue={(pattern) => set({ pattern })} error={at('pattern')}
                 hint={`How the rows combine, by number: "(1 and 2) or 3". Empty: all of them (${c.rows.map((_, i) => i + 1).join(' and ')}).`} />
        </>
      )}

      <h3>Instant actions</h3>
      <ActionList prefix={prefix} actions={c.actions} data={data} fields={fields} recordArg={recordArg}
                  errorAt={(i) => at(`actions.${i}`)} canEmpty={c.scheduled.length > 0}
                  onChange={(actions: ActionState[]) => set({ actions })} />

      <h3>Scheduled actions</h3>
      {c.scheduled.length === 0 && <p class="muted">None: add a group of actions to run later.</p>}
      <ol class="rule-schedules">
        {c.scheduled.map((s, i) => (
          <ScheduleEditor key={i} condition={prefix} index={i} schedule={s} data={data} fields={fields}
                          recordArg={recordArg} at={(key) => at(`scheduled.${i}${key ? `.${key}` : ''}`)}
                          onChange={(next) => setSchedule(i, next)}
                          onRemove={() => set({ scheduled: c.scheduled.filter((_, j) => j !== i) })} />
        ))}
      </ol>
      <div class="form-actions">
        <Button onClick={() => set({ scheduled: [...c.scheduled, emptySchedule()] })}
                aria-label={`Add scheduled actions to ${lowerFirst(prefix)}`}>Add scheduled actions</Button>
      </div>
    </section>
  );
}

function ScheduleEditor({ condition, index, schedule, data, fields, recordArg, at, onChange, onRemove }: {
  condition: string;  // "Condition 1"
  index: number;
  schedule: ScheduleState;
  data: FormData;
  fields: CrmField[];
  recordArg: string;
  at: (key: string) => string | null;
  onChange: (next: ScheduleState) => void;
  onRemove: () => void;
}) {
  const s = schedule;
  const n = index + 1;
  const prefix = `${condition} schedule ${n}`;
  const dates = fields.filter((f) => isDateType(f.data_type));
  return (
    <li class="rule-schedule">
      <fieldset class="plain">
        <legend class="legend-title">Schedule {n}</legend>
        <PlaceError message={at('')} />
        <div class="rule-form__grid">
          <Field label={`${prefix} offset`} value={s.offset} onValue={(offset) => onChange({ ...s, offset })} error={at('offset')}
                 hint="30m, 2h, 1d; before (-1d) only from a date field." />
          <Select label={`${prefix} from`} value={s.from} onValue={(from) => onChange({ ...s, from })} error={at('from')}
                  hint="Date fields count from 09:00 UTC."
                  options={[{ value: 'trigger', label: 'When the rule fires' }, ...fieldOptions(dates)]} />
        </div>
        <ActionList prefix={prefix} actions={s.actions} data={data} fields={fields} recordArg={recordArg}
                    errorAt={(i) => at(`actions.${i}`)} canEmpty={false}
                    onChange={(actions) => onChange({ ...s, actions })}>
          <Button variant="ghost" onClick={onRemove} aria-label={`Remove schedule ${n} of ${lowerFirst(condition)}`}>Remove schedule {n}</Button>
        </ActionList>
      </fieldset>
    </li>
  );
}

function CriteriaRowEditor({ prefix, index, row, fields, error, onChange, onRemove }: {
  prefix: string;
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
  const label = `${prefix} row ${n}`;
  return (
    <li class="criteria__row">
      <fieldset class="plain">
        <legend class="criteria__legend">Row {n}</legend>
        <div class="criteria__controls">
          <Select label={`${label} field`} value={row.field} error={error}
                  onValue={(f) => {
                    const next = fields.find((x) => x.api_name === f);
                    const ops = next ? operatorsFor(next.data_type) : [];
                    onChange({ field: f, operator: ops.includes(row.operator) ? row.operator : (ops[0] ?? '') });
                  }}
                  options={[kNone, ...fieldOptions(fields)]} />
          <Select label={`${label} operator`} value={row.operator} onValue={(operator) => onChange({ operator })}
                  options={operators.length ? operators.map((o) => ({ value: o, label: o })) : [kNone]} />
          {arity !== 0 && (
            field?.pick_list_values && arity === 1 ? (
              <Select label={`${label} value`} value={row.value} onValue={(value) => onChange({ value })}
                      options={[kNone, ...field.pick_list_values.map((p) => ({ value: p.actual_value, label: p.display_value }))]} />
            ) : (
              <Field label={`${label} value`} value={row.value} onValue={(value) => onChange({ value })}
                     hint={arity === 2 ? 'low, high' : arity === -1 ? 'a comma-separated list' : undefined} />
            )
          )}
          {onRemove && <Button variant="ghost" class="criteria__remove" onClick={onRemove} aria-label={`Remove ${lowerFirst(label)}`}>Remove</Button>}
        </div>
      </fieldset>
    </li>
  );
}

