// A record's form, made from its module's fields: a control per writable field fit for its type
// (a date picker for dates, a checkbox for booleans, the options of a pick list), the required
// ones marked, and the API's refusal shown in words at the field it names (which takes the
// focus). The API validates: the form sends what was typed, so its words are the only rules.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Client } from '../../api';
import { useUnsavedChanges } from '../../router';
import { Button, ErrorBanner, Field, FieldFrame, Select, TextArea } from '../../ui';
import { LookupPicker, MultiSelect } from './pickers';
import { apiValue, crmApi, formFields, formValue, RecordError, type CrmRecord, type Module, type ModuleField } from './model';

function hintFor(f: ModuleField): string | undefined {
  switch (f.data_type) {
    case 'datetime': return 'Like 2024-01-31T10:20:30Z or with an offset, +05:30.';
    case 'tag': return 'Tags separated by commas.';
    default: return undefined;
  }
}

function Control({ api, f, value, onValue, error }: { api: Client; f: ModuleField; value: string; onValue: (v: string) => void; error: string | null }) {
  const label = f.required ? `${f.field_label} (required)` : f.field_label;
  const common = { 'aria-required': f.required ? 'true' as const : undefined, name: f.api_name };
  switch (f.data_type) {
    case 'multiselectpicklist':
      return <MultiSelect f={f} label={label} value={value} onValue={onValue} error={error} />;
    case 'lookup':
      return <LookupPicker api={api} f={f} label={label} value={value} onValue={onValue} error={error} />;
    case 'textarea':
      return <TextArea {...common} label={label} value={value} onValue={onValue} error={error} rows={3} />;
    case 'picklist':
      return <Select {...common} label={label} value={value} onValue={onValue} error={error}
                     options={[{ value: '', label: '-None-' }, ...(f.pick_list_values ?? []).map((o) => ({ value: o.actual_value, label: o.display_value }))]} />;
    case 'boolean':
      return (
        <div class={`crm-check${error ? ' ui-field--invalid' : ''}`}>
          <FieldFrame label={label} error={error}>
            {(id, describedBy) => (
              <input {...common} id={id} type="checkbox" checked={value === 'true'} aria-describedby={describedBy}
                     aria-invalid={error ? 'true' : undefined} onChange={(e) => onValue(e.currentTarget.checked ? 'true' : '')} />
            )}
          </FieldFrame>
        </div>
      );
    case 'date':
      return (
        <FieldFrame label={label} error={error}>
          {(id, describedBy) => (
            <input {...common} id={id} type="date" class="ui-input" value={value} aria-describedby={describedBy}
                   aria-invalid={error ? 'true' : undefined} onInput={(e) => onValue(e.currentTarget.value)} />
          )}
        </FieldFrame>
      );
    case 'integer': case 'double': case 'currency':
      return <Field {...common} label={label} value={value} onValue={onValue} error={error} inputMode="decimal" hint={hintFor(f)} />;
    default:
      return <Field {...common} label={label} value={value} onValue={onValue} error={error} hint={hintFor(f)}
                    type={f.data_type === 'email' ? 'email' : 'text'} />;
  }
}

export function RecordForm({ api, module, record, onSaved, onCancel }: {
  api: Client;
  module: Module;
  record: CrmRecord | null;   // null: a new record
  onSaved: (id: string) => void;
  onCancel: () => void;
}) {
  const fields = formFields(module);
  const initial = Object.fromEntries(fields.map((f) => [f.api_name, formValue(f, record?.[f.api_name])]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const changed = fields.filter((f) => values[f.api_name] !== initial[f.api_name]);
  useUnsavedChanges(() => !saved && changed.length > 0, record ? 'The record' : 'The new record');

  // The first field the API refused takes the focus, so the keyboard is where the fix goes.
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      // A new record sends what was filled in; an edit sends what changed (null clears).
      const sent = record ? changed : fields.filter((f) => values[f.api_name] !== '');
      const body = Object.fromEntries(sent.map((f) => [f.api_name, apiValue(f, values[f.api_name] ?? '')]));
      const id = record ? (await crmApi.update(api, module.api_name, record.id, body), record.id)
                        : await crmApi.create(api, module.api_name, body);
      setSaved(true);
      onSaved(id);
    } catch (err) {
      if (err instanceof RecordError && Object.keys(err.fields).some((k) => fields.some((f) => f.api_name === k))) {
        setErrors(err.fields);
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form ref={form} class="crm-form" noValidate onSubmit={(e) => void submit(e)}>
      {error !== null && <ErrorBanner title="Could not save the record" error={error} onDismiss={() => setError(null)} />}
      <div class="crm-form__grid">
        {fields.map((f) => (
          <Control key={f.api_name} api={api} f={f} value={values[f.api_name] ?? ''} error={errors[f.api_name] ?? null}
                   onValue={(v) => setValues((old) => ({ ...old, [f.api_name]: v }))} />
        ))}
      </div>
      <div class="row-actions">
        <Button variant="primary" type="submit" busy={busy}>{record ? 'Save' : `Create the ${module.singular_label.toLowerCase()}`}</Button>
        <Button variant="ghost" onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
