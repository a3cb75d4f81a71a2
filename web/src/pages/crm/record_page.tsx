// /crm/MODULE/ID: a record's fields, its change history (GET /api/v1/crm/events) and the
// workflow runs its changes caused (each a link to its run page); edit and delete.
// /crm/MODULE/new and /crm/MODULE/ID/edit: the record's form.
import { useEffect, useState } from 'preact/hooks';
import { formatTime } from '../../format';
import { Link, navigate } from '../../router';
import { useApi, useSession } from '../../session';
import { Badge, Banner, Button, ConfirmDialog, EmptyState, ErrorBanner, Spinner, Table, Time } from '../../ui';
import { useResource } from '../../use_resource';
import { kActionWords, kStatusTone, kStatusWords, runsApi, type WorkflowRun } from '../runs/model';
import { Scope } from '../scope';
import { crmApi, valueText, type ChangeEvent, type Module } from './model';
import { RecordForm } from './record_form';
import { recordHref, recordName } from './records';

// A record's system time (2024-01-31T10:20:30+00:00) as the console writes instants.
const whenText = (t: unknown) => (typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? formatTime(Date.parse(t)) : valueText(t));

const moduleHref = (m: Module) => `/crm/${encodeURIComponent(m.api_name)}`;

export function NewRecordPage({ module }: { module: Module }) {
  const api = useApi();
  return (
    <>
      <p class="breadcrumb"><Link href="/crm">CRM</Link> / <Link href={moduleHref(module)}>{module.plural_label}</Link></p>
      <h1>New {module.singular_label.toLowerCase()}</h1>
      <Scope extra={module.api_name} />
      <RecordForm api={api} module={module} record={null}
                  onSaved={(id) => navigate(`${recordHref(module.api_name, id)}?saved=created`, { force: true })}
                  onCancel={() => navigate(moduleHref(module))} />
    </>
  );
}

export function EditRecordPage({ module, id }: { module: Module; id: string }) {
  const api = useApi();
  const record = useResource((signal) => crmApi.get(api, module.api_name, id, signal), [api, module.api_name, id]);
  return (
    <>
      <p class="breadcrumb"><Link href="/crm">CRM</Link> / <Link href={moduleHref(module)}>{module.plural_label}</Link></p>
      {record.status === 'loading' && <><h1>Edit</h1><Spinner label="Loading the record…" /></>}
      {record.status === 'error' && <><h1>Edit</h1><ErrorBanner title="Could not load the record" error={record.error} /></>}
      {record.status === 'ready' && (
        <>
          <h1>Edit {recordName(module, record.data)}</h1>
          <Scope extra={`${module.api_name} ${id}`} />
          <RecordForm api={api} module={module} record={record.data}
                      onSaved={() => navigate(`${recordHref(module.api_name, id)}?saved=edited`, { force: true })}
                      onCancel={() => navigate(recordHref(module.api_name, id))} />
        </>
      )}
    </>
  );
}

function changeText(module: Module, e: ChangeEvent): string {
  if (e.kind === 'delete') return 'Deleted';
  const label = (name: string) => module.fields.find((f) => f.api_name === name)?.field_label ?? name;
  if (e.kind === 'create') return `Created with ${e.changed_fields.map(label).join(', ')}`;
  return e.changed_fields.map((name) => {
    const before = valueText(e.old_values[name]) || 'empty';
    const after = valueText(e.record[name]) || 'empty';
    return `${label(name)}: ${before} → ${after}`;
  }).join('; ');
}

// How often the record's history and runs are read again while the page is open.
const kLiveMs = 2000;

const kKindWords = { create: 'Created', edit: 'Edited', delete: 'Deleted' } as const;

export function RecordPage({ module, id }: { module: Module; id: string }) {
  const api = useApi();
  const { scope } = useSession();
  const m = module.api_name;
  const record = useResource((signal) => crmApi.get(api, m, id, signal), [api, m, id]);
  // The history and the runs are live: a save's runs (and a rule's field update) appear as the
  // workflow engine records them.
  const events = useResource((signal) => crmApi.events(api, m, id, signal), [api, m, id], { refreshMs: kLiveMs });
  const runs = useResource((signal) => runsApi.list(api, scope, { rule: '', function: '', status: '', record: id, since: '', envs: '' }, null, signal)
    .then((r) => r.runs.filter((run) => run.module === m)), [api, scope, m, id], { refreshMs: kLiveMs });
  const saved = new URLSearchParams(window.location.search).get('saved');
  const [notice, setNotice] = useState<string | null>(
    saved === 'created' ? `The ${module.singular_label.toLowerCase()} was created.` : saved === 'edited' ? 'The changes were saved.' : null);
  // The notice is for the save that led here: a reload or a shared link does not repeat it.
  useEffect(() => {
    if (saved) window.history.replaceState(window.history.state, '', window.location.pathname);
  }, []);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const remove = async () => {
    setBusy(true);
    try {
      await crmApi.remove(api, m, id);
      navigate(`${moduleHref(module)}`);
    } catch (e) {
      setConfirm(false);
      setError(e);
      setBusy(false);
    }
  };

  const name = record.status === 'ready' ? recordName(module, record.data) : module.singular_label;
  return (
    <>
      <p class="breadcrumb"><Link href="/crm">CRM</Link> / <Link href={moduleHref(module)}>{module.plural_label}</Link></p>
      {record.status === 'loading' && <><h1>{module.singular_label}</h1><Spinner label="Loading the record…" /></>}
      {record.status === 'error' && <><h1>{module.singular_label}</h1><ErrorBanner title="Could not load the record" error={record.error} /></>}
      {record.status === 'ready' && (
        <>
          <div class="page__head">
            <h1>{name}</h1>
            <div class="row-actions">
              <Link class="ui-button ui-button--secondary" href={`${recordHref(m, id)}/edit`}>Edit</Link>
              <Button variant="danger" onClick={() => setConfirm(true)}>Delete</Button>
            </div>
          </div>
          <Scope extra={`${m} ${id}`} />
          {notice && <Banner tone="success" onDismiss={() => setNotice(null)}>{notice}</Banner>}
          {error !== null && <ErrorBanner title="Could not delete the record" error={error} onDismiss={() => setError(null)} />}
          <section class="panel" aria-labelledby="record-fields">
            <h2 id="record-fields">Fields</h2>
            <dl class="crm-fields">
              {[...module.fields.map((f) => [f.field_label, valueText(record.data[f.api_name])] as const),
                ['Record id', id] as const,
                ['Created', `${whenText(record.data['Created_Time'])} by ${valueText(record.data['Created_By'])}`] as const,
                ['Modified', `${whenText(record.data['Modified_Time'])} by ${valueText(record.data['Modified_By'])}`] as const,
              ].map(([label, text]) => (
                <div key={label}><dt>{label}</dt><dd>{text || <span class="muted">empty</span>}</dd></div>
              ))}
            </dl>
          </section>
          {confirm && (
            <ConfirmDialog title={`Delete ${name}?`} confirmLabel="Delete" busy={busy}
                           onConfirm={() => void remove()} onCancel={() => setConfirm(false)}>
              <p>The record goes for good; workflow rules watching deletes in {module.plural_label} run. Its history stays.</p>
            </ConfirmDialog>
          )}
        </>
      )}
      <section class="crm-section" aria-labelledby="record-history">
        <h2 id="record-history">History</h2>
        {events.status === 'loading' && <Spinner label="Loading the history…" />}
        {events.status === 'error' && <ErrorBanner title="Could not load the history" error={events.error} />}
        {events.status === 'ready' && events.data.length === 0 && <p>No changes recorded.</p>}
        {events.status === 'ready' && events.data.length > 0 && (
          <Table<ChangeEvent>
            caption="Changes to this record" captionHidden rows={events.data} rowKey={(e) => e.id}
            columns={[
              { header: 'When', render: (e) => <Time ms={e.at} /> },
              { header: 'Change', render: (e) => kKindWords[e.kind] },
              { header: 'What', render: (e) => changeText(module, e) },
              { header: 'By', render: (e) => e.actor.name || e.actor.email, secondary: true },
              { header: 'Workflows', render: (e) => e.fire_workflows ? 'Fired' : 'Not fired', secondary: true },
            ]} />
        )}
      </section>
      <section class="crm-section" aria-labelledby="record-runs">
        <h2 id="record-runs">Workflow runs</h2>
        {runs.status === 'loading' && <Spinner label="Loading the runs…" />}
        {runs.status === 'error' && <ErrorBanner title="Could not load the runs" error={runs.error} />}
        {runs.status === 'ready' && runs.data.length === 0 && <EmptyState title="No workflow runs for this record" />}
        {runs.status === 'ready' && runs.data.length > 0 && (
          <Table<WorkflowRun>
            caption="Workflow runs of this record" captionHidden rows={runs.data} rowKey={(r) => r.id}
            columns={[
              { header: 'Started', render: (r) => <Link href={`/runs/${encodeURIComponent(r.id)}`}><Time ms={r.started_at || r.event_at} /></Link> },
              { header: 'Status', render: (r) => <Badge tone={kStatusTone[r.status]}>{kStatusWords[r.status]}</Badge> },
              { header: 'Rule', render: (r) => r.rule },
              { header: 'Action', render: (r) => `${kActionWords[r.action]} ${r.target}` },
              { header: 'Trigger', render: (r) => r.trigger, secondary: true },
            ]} />
        )}
      </section>
    </>
  );
}
