// The record form's two pickers that a plain input served badly: a multi-select pick list as a
// group of checkboxes, and a lookup as a choice among the looked-up module's records (found by
// the start of their name) instead of a record id typed from memory.
import { useEffect, useState } from 'preact/hooks';
import type { Client } from '../../api';
import { CheckboxGroup, Field, Select } from '../../ui';
import { crmApi, nameField, valueText, type CrmRecord, type ModuleField } from './model';

type PickerProps = { f: ModuleField; label: string; value: string; onValue: (v: string) => void; error: string | null };

// The value is the form's text for a multi-select, the chosen options joined by ";" in the
// field's order (what apiValue sends).
export function MultiSelect({ f, label, value, onValue, error }: PickerProps) {
  return (
    <CheckboxGroup legend={label} name={f.api_name} error={error} value={value ? value.split(';') : []}
                   onValue={(chosen) => onValue(chosen.join(';'))}
                   options={(f.pick_list_values ?? []).map((o) => ({ value: o.actual_value, label: o.display_value }))} />
  );
}

// The records offered: the first page of the module, or those whose name starts with what was
// typed; the current choice stays offered even when the page does not hold it.
export function LookupPicker({ api, f, label, value, onValue, error }: PickerProps & { api: Client }) {
  const target = f.lookup?.module.api_name ?? '';
  const [find, setFind] = useState('');
  const [found, setFound] = useState<CrmRecord[]>([]);
  const [names, setNames] = useState<Record<string, string>>({});
  const [plural, setPlural] = useState(target);
  useEffect(() => {
    if (!target) return;
    const abort = new AbortController();
    const t = window.setTimeout(async () => {
      try {
        const m = await crmApi.module(api, target, abort.signal);
        setPlural(m.plural_label);
        const text = find.trim().replace(/[()\\:,]/g, '');
        const page = text
          ? await crmApi.search(api, target, `(${nameField(m)}:starts_with:${text})`, 1, abort.signal)
          : await crmApi.list(api, target, 1, abort.signal);
        setFound(page.records);
        setNames((old) => ({ ...old, ...Object.fromEntries(page.records.map((r) => [r.id, valueText(r[nameField(m)]) || r.id])) }));
      } catch {
        if (!abort.signal.aborted) setFound([]);
      }
    }, find ? 300 : 0);
    return () => { abort.abort(); window.clearTimeout(t); };
  }, [api, target, find]);
  const options = [{ value: '', label: '-None-' }, ...found.map((r) => ({ value: r.id, label: names[r.id] ?? r.id }))];
  if (value && !found.some((r) => r.id === value)) options.push({ value, label: names[value] ?? `Record ${value}` });
  return (
    <div class="crm-lookup">
      <Field label={`Find in ${plural}`} type="search" value={find} onValue={setFind}
             hint={`The start of a name in ${plural}.`} />
      <Select name={f.api_name} label={label} value={value} onValue={onValue} error={error} options={options}
              aria-required={f.required ? 'true' : undefined} />
    </div>
  );
}
