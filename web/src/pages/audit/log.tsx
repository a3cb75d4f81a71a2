// /audit: every credentialed call of the organization in this environment, newest first,
// filtered by connection, run, origin, status and time (the filters live in the URL, so a
// filtered audit is a link).
import { useEffect, useState } from 'preact/hooks';
import { formatMicros, plural } from '../../format';
import { Link, navigate, useLocation } from '../../router';
import { useApi } from '../../session';
import { Badge, EmptyState, ErrorBanner, Field, Select, Spinner, Table, Time } from '../../ui';
import { useResource } from '../../use_resource';
import { listConnections } from '../connections/data';
import type { AuditEntry } from '../connections/types';
import { Scope } from '../scope';
import { kSinceOptions } from '../../time_range';
import { auditList, kAuditFilterKeys, kOrigins, type AuditFilters } from './model';

function filtersFrom(query: URLSearchParams): AuditFilters {
  const f = {} as AuditFilters;
  for (const key of kAuditFilterKeys) f[key] = query.get(key) ?? '';
  return f;
}

function statusTone(status: number) {
  if (status >= 200 && status < 400) return 'success' as const;
  return status === 0 ? 'warning' as const : 'danger' as const;
}

export function AuditLog() {
  const api = useApi();
  const { query } = useLocation();
  const filters = filtersFrom(query);
  const serverKey = kAuditFilterKeys.map((k) => filters[k]).join('\u0000');
  const [run, setRun] = useState(filters.run);

  const connections = useResource((signal) => listConnections(api, signal), [api]);
  const entries = useResource((signal) => auditList(api, filters, signal), [api, serverKey]);

  useEffect(() => setRun(filters.run), [filters.run]);
  useEffect(() => {
    if (run === filters.run) return;
    const t = window.setTimeout(() => setFilter('run', run.trim()), 400);
    return () => window.clearTimeout(t);
  }, [run]);

  const setFilter = (key: keyof AuditFilters, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(key, value);
    else q.delete(key);
    navigate(`/audit?${q}`, { replace: true });
  };

  const linkOptions = connections.status === 'ready'
    ? connections.data.map((c) => ({ value: c.link_name, label: c.link_name })) : [];
  if (filters.link && !linkOptions.some((o) => o.value === filters.link)) linkOptions.push({ value: filters.link, label: filters.link });
  const shown = entries.status === 'ready' ? entries.data : [];
  const filtered = kAuditFilterKeys.some((k) => filters[k]);

  return (
    <>
      <h1>Audit</h1>
      <Scope extra="every credentialed call through a connection" />
      <form class="filters" role="search" aria-label="Filter the audit" onSubmit={(e) => e.preventDefault()}>
        <Select label="Connection" value={filters.link} onValue={(v) => setFilter('link', v)}
                options={[{ value: '', label: 'Any connection' }, ...linkOptions]} />
        <Field label="Run ID" type="search" value={run} onValue={setRun} />
        <Select label="Origin" value={filters.origin} onValue={(v) => setFilter('origin', v)}
                options={[{ value: '', label: 'Any origin' }, ...kOrigins.map((o) => ({ value: o, label: o }))]} />
        <Select label="Status" value={filters.status} onValue={(v) => setFilter('status', v)}
                options={[{ value: '', label: 'Any status' }, { value: 'ok', label: 'Succeeded (2xx, 3xx)' },
                          { value: 'error', label: 'Failed (4xx, 5xx, no answer)' },
                          ...(filters.status && !['ok', 'error'].includes(filters.status)
                            ? [{ value: filters.status, label: filters.status }] : [])]} />
        <Select label="When" value={filters.since} onValue={(v) => setFilter('since', v)} options={kSinceOptions} />
        {filters.since === 'custom' && (
          <>
            <Field label="From" type="datetime-local" value={filters.from} onValue={(v) => setFilter('from', v)} />
            <Field label="Until" type="datetime-local" value={filters.to} onValue={(v) => setFilter('to', v)} />
          </>
        )}
      </form>
      {entries.status === 'error' && <ErrorBanner title="Could not load the audit" error={entries.error} />}
      <p class="filters__count" role="status">{entries.status === 'ready' ? plural(shown.length, 'call') : ''}</p>
      {entries.status === 'loading' && <Spinner label="Loading the audit…" />}
      {entries.status === 'ready' && shown.length === 0 && (
        <EmptyState title={filtered ? 'No call matches these filters' : 'No calls yet'}>
          <p>{filtered ? 'Change or clear the filters above.'
                       : 'Calls through connections (functions, tasks, the proxy, test calls) are recorded here.'}</p>
        </EmptyState>
      )}
      {shown.length > 0 && (
        <Table<AuditEntry>
          caption="Audit entries" captionHidden rows={shown} rowKey={(e) => e.id}
          columns={[
            { header: 'When', render: (e) => <Time ms={e.at} /> },
            { header: 'Connection', render: (e) => <Link href={`/connections/${encodeURIComponent(e.link_name)}`}>{e.link_name}</Link> },
            { header: 'Call', render: (e) => (e.method ? <span class="audit-call"><code>{e.method}</code> {e.url}</span> : '—') },
            { header: 'Status', render: (e) => <Badge tone={statusTone(e.status)}>{e.status ? String(e.status) : 'No answer'}</Badge> },
            { header: 'Latency', render: (e) => (e.method ? formatMicros(e.latency_us) : '—'), secondary: true },
            { header: 'Origin', render: (e) => e.origin, secondary: true },
            { header: 'Run', render: (e) => (e.run_id ? <Link href={`/runs/${encodeURIComponent(e.run_id)}`}>{e.run_id}</Link> : '—'), secondary: true },
            { header: 'Note', render: (e) => [e.error, e.note].filter(Boolean).join('; ') || '—', secondary: true },
          ]} />
      )}
    </>
  );
}
