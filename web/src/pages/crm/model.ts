// The CRM section's data as the console's endpoints give it (docs/crm.md, "Console endpoints"):
// modules with their fields, records in Bigin's shapes, the change history, and what a record's
// value looks like in a table and in a form.
import { ApiError, type Client } from '../../api';
import type { CrmField, CrmModule } from '../rules/model';

export type { CrmField, CrmModule };

export interface ModuleField extends CrmField {
  required: boolean;
  unique: boolean;
  length?: number;
  lookup?: { module: { api_name: string | null } };
}

export interface Module extends CrmModule {
  generated_type: 'custom' | 'default';
  fields: ModuleField[];
}

export type CrmRecord = Record<string, unknown> & { id: string };

export interface RecordPage {
  records: CrmRecord[];
  more: boolean;
}

export interface ChangeEvent {
  id: string;
  module: string;
  record_id: string;
  sequence: number;
  kind: 'create' | 'edit' | 'delete';
  changed_fields: string[];
  old_values: Record<string, unknown>;
  record: CrmRecord;
  fire_workflows: boolean;
  actor: { id: string; name: string; email: string };
  at: number;
}

export const kPerPage = 20;

// The field a record is known by (lookups show it), as docs/crm.md lists them.
const kNameFields: Record<string, string> = {
  Contacts: 'Full_Name', Accounts: 'Account_Name', Pipelines: 'Deal_Name', Products: 'Product_Name',
  Tasks: 'Subject', Notes: 'Note_Title',
};
export const nameField = (m: Module) => kNameFields[m.api_name] ?? 'Name';

// The types a custom field may have (the API's `type`), in words.
export const kFieldTypes: { value: string; label: string }[] = [
  { value: 'text', label: 'Single line' }, { value: 'long_text', label: 'Multi-line' },
  { value: 'email', label: 'Email' }, { value: 'phone', label: 'Phone' },
  { value: 'number', label: 'Number' }, { value: 'decimal', label: 'Decimal' },
  { value: 'currency', label: 'Currency' }, { value: 'date', label: 'Date' },
  { value: 'datetime', label: 'Date and time' }, { value: 'boolean', label: 'Checkbox' },
  { value: 'picklist', label: 'Pick list' }, { value: 'multi_select', label: 'Multi-select pick list' },
  { value: 'lookup', label: 'Lookup' }, { value: 'tag', label: 'Tag' },
];

// The Bigin data_type a field reports, in words.
export const kDataTypeWords: Record<string, string> = {
  text: 'Single line', textarea: 'Multi-line', email: 'Email', phone: 'Phone', integer: 'Number',
  double: 'Decimal', currency: 'Currency', date: 'Date', datetime: 'Date and time', boolean: 'Checkbox',
  picklist: 'Pick list', multiselectpicklist: 'Multi-select pick list', lookup: 'Lookup',
  ownerlookup: 'User', tag: 'Tag',
};

const base = (module: string) => `/api/v1/crm/modules/${encodeURIComponent(module)}`;

function page(answer: { data?: CrmRecord[]; info?: { more_records?: boolean } } | undefined): RecordPage {
  // 204 (no records, no match) has no body.
  return { records: answer?.data ?? [], more: answer?.info?.more_records ?? false };
}

// A write's per-record answer: {"data":[{"code","details":{"api_name"},"message"}]}.
interface WriteResult { code: string; details?: { id?: string; api_name?: string }; message: string; status: string }

// A refused write: the API's message per field (api_name -> words), and the whole of it.
export class RecordError extends Error {
  constructor(message: string, readonly fields: Record<string, string>) {
    super(message);
  }
}

async function write(run: () => Promise<{ data: WriteResult[] }>): Promise<string> {
  try {
    const answer = await run();
    return answer.data[0]?.details?.id ?? '';
  } catch (e) {
    const results = e instanceof ApiError ? (e.body as { data?: WriteResult[] } | null)?.data : undefined;
    const failed = results?.[0];
    if (!failed) throw e;
    const field = failed.details?.api_name;
    throw new RecordError(field ? `${field}: ${failed.message}` : failed.message,
                          field ? { [field]: failed.message } : {});
  }
}

export const crmApi = {
  modules: (api: Client, signal?: AbortSignal) =>
    api.get<{ modules: Module[] }>('/api/v1/crm/modules', {}, signal).then((r) => r.modules),
  module: (api: Client, module: string, signal?: AbortSignal) => api.get<Module>(base(module), {}, signal),
  list: (api: Client, module: string, p: number, signal?: AbortSignal) =>
    api.get<Parameters<typeof page>[0]>(`${base(module)}/records`, { page: p, per_page: kPerPage }, signal).then(page),
  search: (api: Client, module: string, criteria: string, p: number, signal?: AbortSignal) =>
    api.get<Parameters<typeof page>[0]>(`${base(module)}/records/search`, { criteria, page: p, per_page: kPerPage }, signal)
      .then(page),
  get: async (api: Client, module: string, id: string, signal?: AbortSignal) => {
    const answer = await api.get<{ data?: CrmRecord[] } | undefined>(`${base(module)}/records/${encodeURIComponent(id)}`, {}, signal);
    const record = answer?.data?.[0];
    if (!record) throw new ApiError(`there is no record ${id} in ${module}`, 404, 'not_found');
    return record;
  },
  create: (api: Client, module: string, values: Record<string, unknown>) =>
    write(() => api.post(`${base(module)}/records`, { data: [values] })),
  update: (api: Client, module: string, id: string, values: Record<string, unknown>) =>
    write(() => api.put(`${base(module)}/records/${encodeURIComponent(id)}`, { data: [values] })),
  remove: (api: Client, module: string, id: string) => api.delete(`${base(module)}/records/${encodeURIComponent(id)}`),
  events: (api: Client, module: string, id: string, signal?: AbortSignal) =>
    api.get<{ events: ChangeEvent[] }>('/api/v1/crm/events', { module, record_id: id, limit: 100 }, signal)
      .then((r) => r.events),
  addField: (api: Client, module: string, spec: Record<string, unknown>) =>
    api.post<ModuleField>(`${base(module)}/fields`, spec),
  updateField: (api: Client, module: string, field: string, change: { label?: string; required?: boolean; options?: string[] }) =>
    api.patch<ModuleField>(`${base(module)}/fields/${encodeURIComponent(field)}`, change),
  removeField: (api: Client, module: string, field: string) =>
    api.delete(`${base(module)}/fields/${encodeURIComponent(field)}`),
};

// A search's error in words: INVALID_QUERY says only "invalid query formed"; its reason says where.
export function searchErrorText(e: unknown): string | null {
  if (!(e instanceof ApiError)) return null;
  const reason = (e.body as { details?: { reason?: unknown } } | null)?.details?.reason;
  return typeof reason === 'string' ? `${e.message}: ${reason}` : e.message;
}

// A value as a table or the record page shows it.
export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.map((v) => (v && typeof v === 'object' && 'name' in v ? String(v.name) : valueText(v))).join(', ');
  if (typeof value === 'object') {
    const o = value as { name?: unknown; id?: unknown };
    return o.name != null ? String(o.name) : o.id != null ? String(o.id) : JSON.stringify(value);
  }
  return String(value);
}

// The fields a form offers: what a user may write (not read-only, not the owner).
export const formFields = (m: Module) => m.fields.filter((f) => !f.read_only && f.data_type !== 'ownerlookup');

// A record's value as a form's text (checkboxes: 'true' / '').
export function formValue(f: ModuleField, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (f.data_type) {
    case 'boolean': return value === true ? 'true' : '';
    case 'lookup': return typeof value === 'object' ? String((value as { id?: unknown }).id ?? '') : String(value);
    case 'multiselectpicklist': return Array.isArray(value) ? value.join(';') : String(value);
    case 'tag': return Array.isArray(value) ? value.map((t) => (typeof t === 'object' ? (t as { name: string }).name : String(t))).join(',') : String(value);
    default: return String(value);
  }
}

// A form's text as the API takes it; `clear` sends null for an emptied field (an edit), else
// an empty field is left out (a create).
export function apiValue(f: ModuleField, text: string): unknown {
  if (f.data_type === 'boolean') return text === 'true';
  if (text.trim() === '') return null;
  switch (f.data_type) {
    case 'integer': case 'double': case 'currency': return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
    case 'lookup': return { id: text.trim() };
    default: return text;
  }
}
