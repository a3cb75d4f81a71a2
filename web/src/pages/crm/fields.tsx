// /crm/MODULE/fields: a module's fields with their types; add a custom field and remove one.
// The API has no call to change a field once made (docs/crm.md), so neither does the page.
import { useState } from 'preact/hooks';
import type { Client } from '../../api';
import { ApiError } from '../../api';
import { Link } from '../../router';
import { useApi } from '../../session';
import { Badge, Banner, Button, ConfirmDialog, ErrorBanner, Field, Select, Table } from '../../ui';
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
      if (withOptions) spec['options'] = options.split(/\r?\n/).map((o) => o.trim()).filter(Boolean);
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

function FieldOptions({ value, onValue }: { value: string; onValue: (v: string) => void }) {
  return (
    <div class="ui-field">
      <label class="ui-field__label" for="crm-field-options">Options</label>
      <textarea id="crm-field-options" class="ui-input ui-input--multiline" rows={4} value={value}
                aria-describedby="crm-field-options-hint" onInput={(e) => onValue(e.currentTarget.value)} />
      <p class="ui-field__hint" id="crm-field-options-hint">One a line.</p>
    </div>
  );
}

export function FieldList({ module: initial }: { module: Module }) {
  const api = useApi();
  const [module, setModule] = useState(initial);
  const [confirm, setConfirm] = useState<ModuleField | null>(null);
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
          { header: 'Manage', render: (f) => f.custom_field
            ? <Button variant="danger" onClick={() => setConfirm(f)} aria-label={`Remove ${f.field_label}`}>Remove</Button> : '' },
        ]} />
      <NewFieldForm api={api} module={module} onAdded={(f) => { void refresh(); setNotice(`The field ${f.field_label} (${f.api_name}) was added.`); }} />
      {confirm && (
        <ConfirmDialog title={`Remove the field ${confirm.field_label}?`} confirmLabel="Remove" busy={busy}
                       onConfirm={() => void remove(confirm)} onCancel={() => setConfirm(null)}>
          <p>Its values in every record of {module.plural_label} go with it.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
