// /crm/MODULE/fields: a module's fields with their types; add a custom field and remove one.
// A custom field's label, required flag and options change in a dialog; its API name, type and
// uniqueness are fixed once made (docs/crm.md).
import { useState } from 'preact/hooks';
import type { Client } from '../../api';
import { ApiError } from '../../api';
import { Link } from '../../router';
import { useApi } from '../../session';
import { Badge, Banner, Button, ConfirmDialog, Dialog, ErrorBanner, Field, Select, Table, TextArea } from '../../ui';
import { Scope } from '../scope';
import { crmApi, kDataTypeWords, kFieldTypes, type Module, type ModuleField } from './model';

function typeText(f: ModuleField): string {
  const words = kDataTypeWords[f.data_type] ?? f.data_type;
  if (f.lookup?.module.api_name) return `${words} (${f.lookup.module.api_name})`;
  if (f.pick_list_values?.length) return `${words}: ${f.pick_list_values.map((o) => o.display_value).join(', ')}`;
  return f.length ? `${words}, up to ${f.length}` : words;
}

function NewFieldForm({ api, module, onAdded }: { api: Client; module: Module; onAdded: (f: ModuleField) => void }) {
  const [label, setLabel] = useState('');
  const [type, setType] = useState('text');
  const [options, setOptions] = useState('');
  const [lookup, setLookup] = useState('Accounts');
  const [required, setRequired] = useState(false);
  const [unique, setUnique] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const withOptions = type === 'picklist' || type === 'multi_select';
  const mayBeUnique = ['text', 'email', 'phone', 'number'].includes(type);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const spec: Record<string, unknown> = { label: label.trim(), type, required };
      if (withOptions) spec['options'] = optionList(options);
      if (type === 'lookup') spec['lookup_module'] = lookup.trim();
      if (mayBeUnique && unique) spec['unique'] = true;
      onAdded(await crmApi.addField(api, module.api_name, spec));
      setLabel('');
      setOptions('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const message = error instanceof ApiError ? error.message : null;
  return (
    <form class="panel crm-form" noValidate onSubmit={(e) => void submit(e)} aria-labelledby="new-field">
      <h2 id="new-field">New custom field</h2>
      {error !== null && !message && <ErrorBanner title="Could not add the field" error={error} />}
      <div class="crm-form__grid">
        <Field label="Label" value={label} onValue={setLabel} error={message} />
        <Select label="Type" value={type} onValue={setType} options={kFieldTypes} />
        {withOptions && (
          <FieldOptions value={options} onValue={setOptions} />
        )}
        {type === 'lookup' && <Field label="Looks up module" value={lookup} onValue={setLookup} hint="A module's API name, e.g. Accounts." />}
      </div>
      <label class="check"><input type="checkbox" checked={required} onChange={(e) => setRequired(e.currentTarget.checked)} /> Required</label>
      {mayBeUnique && <label class="check"><input type="checkbox" checked={unique} onChange={(e) => setUnique(e.currentTarget.checked)} /> Unique</label>}
      <div class="row-actions"><Button variant="primary" type="submit" busy={busy}>Add the field</Button></div>
    </form>
  );
}

function FieldOptions({ value, onValue, error }: { value: string; onValue: (v: string) => void; error?: string | null }) {
  return <TextArea label="Options" value={value} onValue={onValue} rows={4} hint="One a line." error={error ?? null} />;
}

const optionList = (text: string) => text.split(/\r?\n/).map((o) => o.trim()).filter(Boolean);

// A custom field's label, required flag and options; the API's refusal at the label (or the
// options, when it speaks of them).
function EditFieldDialog({ api, module, field, onSaved, onClose }: {
  api: Client; module: Module; field: ModuleField; onSaved: (f: ModuleField) => void; onClose: () => void;
}) {
  const withOptions = field.data_type === 'picklist' || field.data_type === 'multiselectpicklist';
  const [label, setLabel] = useState(field.field_label);
  const [required, setRequired] = useState(field.required);
  const [options, setOptions] = useState((field.pick_list_values ?? []).map((o) => o.display_value).join('\n'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const change = { label: label.trim(), required, ...(withOptions ? { options: optionList(options) } : {}) };
      onSaved(await crmApi.updateField(api, module.api_name, field.api_name, change));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  const message = error instanceof ApiError ? error.message : null;
  const atOptions = message !== null && /option/.test(message);
  return (
    <Dialog title={`Edit the field ${field.field_label}`} onClose={onClose} actions={
      <>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="primary" busy={busy} onClick={() => void save()}>Save the field</Button>
      </>
    }>
      {error !== null && message === null && <ErrorBanner title="Could not change the field" error={error} />}
      <p class="muted"><code>{field.api_name}</code> · {typeText(field)}</p>
      <Field label="Label" value={label} onValue={(v) => { setLabel(v); setError(null); }} error={atOptions ? null : message} />
      {withOptions && <FieldOptions value={options} onValue={(v) => { setOptions(v); setError(null); }} error={atOptions ? message : null} />}
      <label class="check"><input type="checkbox" checked={required} onChange={(e) => setRequired(e.currentTarget.checked)} /> Required</label>
    </Dialog>
  );
}

export function FieldList({ module: initial }: { module: Module }) {
  const api = useApi();
  const [module, setModule] = useState(initial);
  const [confirm, setConfirm] = useState<ModuleField | null>(null);
  const [editing, setEditing] = useState<ModuleField | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = async () => setModule(await crmApi.module(api, module.api_name));
  const remove = async (f: ModuleField) => {
    setBusy(true);
    try {
      await crmApi.removeField(api, module.api_name, f.api_name);
      await refresh();
      setNotice(`The field ${f.field_label} was removed.`);
    } catch (e) {
      setError(e);
    } finally {
      setConfirm(null);
      setBusy(false);
    }
  };
  return (
    <>
      <p class="breadcrumb"><Link href="/crm">CRM</Link> / <Link href={`/crm/${encodeURIComponent(module.api_name)}`}>{module.plural_label}</Link></p>
      <h1>Fields of {module.plural_label}</h1>
      <Scope extra={module.api_name} />
      {notice && <Banner tone="success" onDismiss={() => setNotice(null)}>{notice}</Banner>}
      {error !== null && <ErrorBanner title="Could not remove the field" error={error} onDismiss={() => setError(null)} />}
      <Table<ModuleField>
        caption={`Fields of ${module.plural_label}`} captionHidden rows={module.fields} rowKey={(f) => f.api_name}
        columns={[
          { header: 'Label', render: (f) => f.field_label },
          { header: 'API name', render: (f) => <code>{f.api_name}</code> },
          { header: 'Type', render: (f) => typeText(f) },
          { header: 'Rules', render: (f) => [f.required && 'Required', f.unique && 'Unique', f.read_only && 'Read-only'].filter(Boolean).join(', ') },
          { header: 'Kind', render: (f) => <Badge tone={f.custom_field ? 'info' : 'neutral'}>{f.custom_field ? 'Custom' : 'Standard'}</Badge>, secondary: true },
          { header: 'Manage', render: (f) => f.custom_field ? (
            <div class="row-actions">
              <Button onClick={() => setEditing(f)} aria-label={`Edit ${f.field_label}`}>Edit</Button>
              <Button variant="danger" onClick={() => setConfirm(f)} aria-label={`Remove ${f.field_label}`}>Remove</Button>
            </div>
          ) : '' },
        ]} />
      <NewFieldForm api={api} module={module} onAdded={(f) => { void refresh(); setNotice(`The field ${f.field_label} (${f.api_name}) was added.`); }} />
      {editing && (
        <EditFieldDialog api={api} module={module} field={editing} onClose={() => setEditing(null)}
                         onSaved={(f) => { setEditing(null); void refresh(); setNotice(`The field ${f.field_label} was saved.`); }} />
      )}
      {confirm && (
        <ConfirmDialog title={`Remove the field ${confirm.field_label}?`} confirmLabel="Remove" busy={busy}
                       onConfirm={() => void remove(confirm)} onCancel={() => setConfirm(null)}>
          <p>Its values in every record of {module.plural_label} go with it.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
