// The workflow rules pages' data as the REST API gives it (docs/workflow.md), the CRM's modules
// and fields the form offers, and the calls that fetch and change them.
import type { Client } from '../../api';

export type TriggerType = 'create' | 'edit' | 'create_or_edit' | 'delete' | 'date';

export interface Trigger {
  type: TriggerType;
  fields?: string[];
  repeat?: boolean;
  field?: string;   // date triggers
  offset?: string;
  time?: string;
}

export interface CriteriaRow {
  field: string;
  operator: string;
  value?: string | string[];
}

export type ArgValue = { field: string } | { value: unknown } | string | number | boolean;

export type Action =
  | { function: string; args?: Record<string, ArgValue> }
  | { webhook: { url: string; method: string; body?: string; content_type?: string;
                 headers?: Record<string, string>; connection?: string } }
  | { update: Record<string, unknown>; trigger_workflows?: boolean };

// Actions run `offset` after the rule fired (from: "trigger") or after a date field's value.
export interface Schedule {
  offset: string;
  from?: string;
  actions: Action[];
}

export interface Condition {
  criteria?: 'all' | (CriteriaRow | string)[];
  pattern?: string;
  actions: Action[];
  scheduled?: Schedule[];
}

export interface RuleDefinition {
  name: string;
  module: string;
  description?: string;
  active?: boolean;
  trigger: Trigger;
  conditions: Condition[];
}

export interface Rule extends RuleDefinition {
  id: string;
  topping: string;
  description: string;
  active: boolean;
  created_by: string;
  created_at: number;
  updated_at: number;
}

// GET /api/v1/crm/modules: a module and its fields as the Bigin settings API shows them.
export interface CrmField {
  api_name: string;
  field_label: string;
  data_type: string;   // text, textarea, email, phone, integer, double, currency, date, datetime, ...
  custom_field: boolean;
  read_only: boolean;
  pick_list_values?: { display_value: string; actual_value: string }[];
}

export interface CrmModule {
  api_name: string;
  singular_label: string;
  plural_label: string;
  fields: CrmField[];
}

const kRules = '/api/v1/workflow/rules';

export const rulesApi = {
  list: (api: Client, signal?: AbortSignal) =>
    api.get<{ rules: Rule[] }>(kRules, {}, signal).then((r) => r.rules),
  get: (api: Client, id: string, signal?: AbortSignal) =>
    api.get<Rule>(`${kRules}/${encodeURIComponent(id)}`, {}, signal),
  // The organization's own rules (a topping's arrive with the topping).
  create: (api: Client, def: RuleDefinition) => api.post<Rule>(kRules, def, { topping: '' }),
  update: (api: Client, id: string, def: RuleDefinition) =>
    api.put<Rule>(`${kRules}/${encodeURIComponent(id)}`, def),
  setActive: (api: Client, id: string, active: boolean) =>
    api.post<Rule>(`${kRules}/${encodeURIComponent(id)}/${active ? 'activate' : 'deactivate'}`),
  remove: (api: Client, id: string) => api.delete<{ deleted: string }>(`${kRules}/${encodeURIComponent(id)}`),
  modules: (api: Client, signal?: AbortSignal) =>
    api.get<{ modules: CrmModule[] }>('/api/v1/crm/modules', {}, signal).then((r) => r.modules),
};

export const kTriggerWords: Record<TriggerType, string> = {
  create: 'Created',
  edit: 'Edited',
  create_or_edit: 'Created or edited',
  delete: 'Deleted',
  date: 'On a date',
};

// The record argument a function action receives: the module's singular in lower case
// (Contacts -> contact), as the engine names it.
export function recordArgName(module: CrmModule | undefined, apiName: string): string {
  const singular = module?.singular_label ?? apiName.replace(/s$/, '');
  return singular.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

// Operators by field type, in the console's order (src/workflow/rule_criteria.cc, kOperators).
type Kind = 'text' | 'picklist' | 'number' | 'date' | 'boolean' | 'reference' | 'multi';

const kOperators: { label: string; arity: 0 | 1 | 2 | -1; kinds: Kind[] }[] = [
  { label: 'is', arity: 1, kinds: ['text', 'picklist', 'number', 'date', 'boolean', 'reference'] },
  { label: "isn't", arity: 1, kinds: ['text', 'picklist', 'number', 'date', 'boolean', 'reference'] },
  { label: 'contains', arity: 1, kinds: ['text', 'multi'] },
  { label: "doesn't contain", arity: 1, kinds: ['text', 'multi'] },
  { label: 'starts with', arity: 1, kinds: ['text', 'reference'] },
  { label: 'ends with', arity: 1, kinds: ['text'] },
  { label: 'is any of', arity: -1, kinds: ['text', 'picklist', 'number', 'reference'] },
  { label: 'is none of', arity: -1, kinds: ['text', 'picklist', 'number', 'reference'] },
  { label: '=', arity: 1, kinds: ['number'] },
  { label: '!=', arity: 1, kinds: ['number'] },
  { label: '<', arity: 1, kinds: ['number', 'date'] },
  { label: '<=', arity: 1, kinds: ['number', 'date'] },
  { label: '>', arity: 1, kinds: ['number', 'date'] },
  { label: '>=', arity: 1, kinds: ['number', 'date'] },
  { label: 'between', arity: 2, kinds: ['number', 'date'] },
  { label: 'not between', arity: 2, kinds: ['number', 'date'] },
  { label: 'before', arity: 1, kinds: ['date'] },
  { label: 'after', arity: 1, kinds: ['date'] },
  { label: 'is empty', arity: 0, kinds: ['text', 'picklist', 'number', 'date', 'boolean', 'reference', 'multi'] },
  { label: 'is not empty', arity: 0, kinds: ['text', 'picklist', 'number', 'date', 'boolean', 'reference', 'multi'] },
];

function kindOf(dataType: string): Kind {
  switch (dataType) {
    case 'picklist': return 'picklist';
    case 'integer': case 'double': case 'currency': case 'bigint': return 'number';
    case 'date': case 'datetime': return 'date';
    case 'boolean': return 'boolean';
    case 'lookup': case 'ownerlookup': return 'reference';
    case 'multiselectpicklist': case 'tag': return 'multi';
    default: return 'text';
  }
}

export function operatorsFor(dataType: string): string[] {
  const kind = kindOf(dataType);
  return kOperators.filter((o) => o.kinds.includes(kind)).map((o) => o.label);
}

// How many values an operator takes: 0, 1, 2 (between), -1 (a list).
export function arityOf(operator: string): 0 | 1 | 2 | -1 {
  return kOperators.find((o) => o.label === operator)?.arity ?? 1;
}

// The fields a rule may name beyond the module's own: what every record has.
export const kSystemFields: CrmField[] = [
  { api_name: 'Created_Time', field_label: 'Created Time', data_type: 'datetime', custom_field: false, read_only: true },
  { api_name: 'Modified_Time', field_label: 'Modified Time', data_type: 'datetime', custom_field: false, read_only: true },
];

export function isDateType(dataType: string): boolean {
  return dataType === 'date' || dataType === 'datetime';
}

// A criteria row in words: "Email is not empty", "Amount between 100, 500".
export function rowText(row: CriteriaRow | string): string {
  if (typeof row === 'string') return row;
  const value = Array.isArray(row.value) ? row.value.join(', ') : row.value;
  return [row.field, row.operator, value].filter((p) => p !== undefined && p !== '').join(' ');
}

// An action in words for the list: "Function sync", "Webhook POST https://...", "Update Title".
export function actionText(a: Action): string {
  if ('function' in a) return `Function ${a.function}`;
  if ('webhook' in a) return `Webhook ${a.webhook.method} ${a.webhook.url}${a.webhook.connection ? ` via ${a.webhook.connection}` : ''}`;
  return `Update ${Object.keys(a.update).join(', ')}`;
}
