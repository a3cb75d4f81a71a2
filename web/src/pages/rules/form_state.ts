// The rule form's state, and the two ways across: from a stored rule into the form, and from
// the form into the definition the API takes (docs/workflow.md, "A rule"): every condition, with
// its criteria rows and pattern, instant actions and scheduled ones. Only a trigger's field list
// (which the form does not edit) is carried through unchanged.
import { ApiError } from '../../api';
import type { Action, ArgValue, Condition, CriteriaRow, Rule, RuleDefinition, TriggerType } from './model';
import { arityOf } from './model';

export interface RowState { field: string; operator: string; value: string }

export interface ArgState { mode: 'field' | 'value' | 'record'; field: string; value: string }

export interface UpdateState { field: string; mode: 'value' | 'field'; value: string }

export type ActionState =
  | { kind: 'function'; fn: string; args: Record<string, ArgState> }
  | { kind: 'webhook'; url: string; method: string; body: string; connection: string }
  | { kind: 'update'; updates: UpdateState[]; triggerWorkflows: boolean };

// A condition as the form edits it: its criteria (every record, or rows and their pattern), its
// instant actions and its scheduled ones.
export interface ScheduleState { offset: string; from: string; actions: ActionState[] }

export interface ConditionState {
  everyRecord: boolean;
  rows: RowState[];
  pattern: string;
  actions: ActionState[];
  scheduled: ScheduleState[];
}

export interface FormState {
  name: string;
  description: string;
  module: string;
  trigger: TriggerType;
  repeat: boolean;
  watch: string[];     // edit triggers: only when one of these fields changes ([]: any edit)
  dateField: string;
  offset: string;
  time: string;
  conditions: ConditionState[];
}

export const emptyRow = (): RowState => ({ field: '', operator: '', value: '' });
export const emptyAction = (): ActionState => ({ kind: 'function', fn: '', args: {} });
export const emptySchedule = (): ScheduleState => ({ offset: '1h', from: 'trigger', actions: [emptyAction()] });
export const emptyCondition = (): ConditionState =>
  ({ everyRecord: false, rows: [emptyRow()], pattern: '', actions: [emptyAction()], scheduled: [] });

export function emptyForm(module: string): FormState {
  return {
    name: '', description: '', module, trigger: 'create_or_edit', repeat: true, watch: [],
    dateField: '', offset: '0m', time: '09:00',
    conditions: [emptyCondition()],
  };
}

function valueText(v: CriteriaRow['value']): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

function argState(v: ArgValue): ArgState {
  if (typeof v === 'object' && v !== null && 'field' in v) return { mode: 'field', field: v.field, value: '' };
  if (typeof v === 'object' && v !== null && 'value' in v) return { mode: 'value', field: '', value: JSON.stringify(v.value) };
  return { mode: 'value', field: '', value: String(v) };
}

function actionState(a: Action): ActionState {
  if ('function' in a) {
    const args: Record<string, ArgState> = {};
    for (const [k, v] of Object.entries(a.args ?? {})) args[k] = argState(v);
    return { kind: 'function', fn: a.function, args };
  }
  if ('webhook' in a) {
    return { kind: 'webhook', url: a.webhook.url, method: a.webhook.method, body: a.webhook.body ?? '',
             connection: a.webhook.connection ?? '' };
  }
  return {
    kind: 'update', triggerWorkflows: a.trigger_workflows ?? false,
    updates: Object.entries(a.update).map(([field, v]) =>
      typeof v === 'object' && v !== null && 'field' in v
        ? { field, mode: 'field', value: String((v as { field: string }).field) }
        : { field, mode: 'value', value: String(v) }),
  };
}

function conditionState(c: Condition): ConditionState {
  const criteria = c.criteria;
  const everyRecord = !criteria || criteria === 'all';
  return {
    everyRecord,
    rows: everyRecord ? [emptyRow()]
      : (criteria as (CriteriaRow | string)[]).map((r) => typeof r === 'string'
        ? { field: r, operator: '', value: '' }
        : { field: r.field, operator: r.operator, value: valueText(r.value) }),
    pattern: c.pattern ?? '',
    actions: c.actions.map(actionState),
    scheduled: (c.scheduled ?? []).map((s) => ({ offset: s.offset, from: s.from ?? 'trigger', actions: s.actions.map(actionState) })),
  };
}

export function formFromRule(rule: Rule): FormState {
  return {
    name: rule.name, description: rule.description, module: rule.module,
    trigger: rule.trigger.type, repeat: rule.trigger.repeat ?? false, watch: rule.trigger.fields ?? [],
    dateField: rule.trigger.field ?? '', offset: rule.trigger.offset ?? '0m', time: rule.trigger.time ?? '09:00',
    conditions: rule.conditions.length ? rule.conditions.map(conditionState) : [emptyCondition()],
  };
}

function rowValue(row: RowState): CriteriaRow['value'] {
  const arity = arityOf(row.operator);
  if (arity === 0) return undefined;
  if (arity === 1) return row.value;
  return row.value.split(',').map((v) => v.trim()).filter(Boolean);
}

// A constant as the user typed it: JSON when it reads as JSON (7, true, {"a":1}), else text.
function constant(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function argValue(a: ArgState): ArgValue {
  if (a.mode === 'field') return { field: a.field };
  const v = constant(a.value);
  return typeof v === 'object' && v !== null ? { value: v } : (v as string | number | boolean);
}

function action(a: ActionState, recordArg: string): Action {
  switch (a.kind) {
    case 'function': {
      const args: Record<string, ArgValue> = {};
      for (const [name, arg] of Object.entries(a.args)) {
        if (arg.mode !== 'record' && name !== recordArg) args[name] = argValue(arg);
      }
      return Object.keys(args).length ? { function: a.fn, args } : { function: a.fn };
    }
    case 'webhook':
      return { webhook: { url: a.url, method: a.method, ...(a.body ? { body: a.body } : {}),
                          ...(a.connection ? { connection: a.connection } : {}) } };
    case 'update': {
      const update: Record<string, unknown> = {};
      for (const u of a.updates) update[u.field] = u.mode === 'field' ? { field: u.value } : constant(u.value);
      return { update, trigger_workflows: a.triggerWorkflows };
    }
  }
}

function condition(c: ConditionState, recordArg: string): Condition {
  const out: Condition = { actions: c.actions.map((a) => action(a, recordArg)) };
  if (c.everyRecord) {
    out.criteria = 'all';
  } else {
    out.criteria = c.rows.map((r) => {
      const value = rowValue(r);
      return value === undefined ? { field: r.field, operator: r.operator } : { field: r.field, operator: r.operator, value };
    });
    if (c.pattern.trim()) out.pattern = c.pattern.trim();
  }
  if (c.scheduled.length) {
    out.scheduled = c.scheduled.map((s) => ({
      offset: s.offset.trim(), from: s.from, actions: s.actions.map((a) => action(a, recordArg)),
    }));
  }
  return out;
}

export function definitionFrom(f: FormState, recordArg: string): RuleDefinition {
  const trigger: RuleDefinition['trigger'] = { type: f.trigger };
  if (f.trigger === 'edit' || f.trigger === 'create_or_edit') {
    trigger.repeat = f.repeat;
    if (f.watch.length) trigger.fields = f.watch;
  }
  if (f.trigger === 'date') {
    trigger.field = f.dateField;
    trigger.offset = f.offset;
    trigger.time = f.time;
  }
  return {
    name: f.name.trim(), module: f.module, description: f.description, trigger,
    conditions: f.conditions.map((c) => condition(c, recordArg)),
  };
}

// Where an API error belongs on the form. The API starts a definition's error with the key at
// fault ("conditions[1].criteria[0]: '>' does not apply to Email (text); ..."); the form shows
// it at that key's control. The places, with C a condition's index, R a row's, A an action's
// and S a scheduled group's:
//   name, module, description, trigger        the rule's own fields
//   trigger.fields                            the fields an edit trigger watches
//   C.criteria.R, C.pattern, C.actions.A      a condition's row, pattern and instant action
//   C.scheduled.S.offset, C.scheduled.S.from  a scheduled group's timing
//   C.scheduled.S.actions.A                   a scheduled action
//   C.scheduled.S, C                          the group or the condition as a whole
//   ""                                        the form as a whole (a key the form does not edit)
export interface PlacedError { at: string; message: string }

export function placeError(error: unknown): PlacedError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.code === 'already_exists') return { at: 'name', message };
  const m = /^([A-Za-z_][\w.[\]-]*): (.*)$/s.exec(message);
  if (!m) return { at: '', message };
  const [, path, rest] = m as unknown as [string, string, string];
  const words = `${rest.charAt(0).toUpperCase()}${rest.slice(1)}`;
  if (path === 'name' || path === 'module' || path === 'description') return { at: path, message: words };
  if (path.startsWith('trigger.fields')) return { at: 'trigger.fields', message: words };
  if (path.startsWith('trigger')) return { at: 'trigger', message: words };
  const cond = /^conditions\[(\d+)\](?:\.(.*))?$/.exec(path);
  if (!cond) return { at: '', message };
  const c = cond[1]!;
  const inner = cond[2] ?? '';
  // An action's error keeps the key inside the action: "webhook.url: Contacts has no field ...".
  const inAction = (key: string) => (key ? `${key}: ${rest}` : words);
  let p: RegExpExecArray | null;
  if ((p = /^criteria\[(\d+)\]/.exec(inner))) return { at: `${c}.criteria.${p[1]}`, message: words };
  if (inner === 'pattern') return { at: `${c}.pattern`, message: words };
  if ((p = /^actions\[(\d+)\]\.?(.*)$/.exec(inner))) return { at: `${c}.actions.${p[1]}`, message: inAction(p[2]!) };
  if ((p = /^scheduled\[(\d+)\]\.(offset|from)$/.exec(inner))) return { at: `${c}.scheduled.${p[1]}.${p[2]}`, message: words };
  if ((p = /^scheduled\[(\d+)\]\.actions\[(\d+)\]\.?(.*)$/.exec(inner))) {
    return { at: `${c}.scheduled.${p[1]}.actions.${p[2]}`, message: inAction(p[3]!) };
  }
  if ((p = /^scheduled\[(\d+)\]/.exec(inner))) return { at: `${c}.scheduled.${p[1]}`, message: inner === `scheduled[${p[1]}]` ? words : `${inner.slice(p[0].length + 1)}: ${rest}` };
  return { at: c, message: inner ? `${inner}: ${rest}` : words };
}
