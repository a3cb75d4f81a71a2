// A connection's audit entries: every credentialed call through it (functions, tasks, the
// proxy, test calls) and the changes to its service that needed a re-authorization, newest
// first.
import { formatMicros } from '../../format';
import { EmptyState, Table, Time, type Column } from '../../ui';
import type { AuditEntry } from './types';

const columns: Column<AuditEntry>[] = [
  { header: 'When', render: (e) => <Time ms={e.at} /> },
  { header: 'Origin', render: (e) => e.origin },
  { header: 'Call', render: (e) => (e.method ? <span class="audit-call"><code>{e.method}</code> {e.url}</span> : '—') },
  { header: 'Status', render: (e) => (e.status ? String(e.status) : 'No answer') },
  { header: 'Time', render: (e) => (e.method ? formatMicros(e.latency_us) : '—'), secondary: true },
  { header: 'Note', render: (e) => [e.error, e.note].filter(Boolean).join('; ') || '—', secondary: true },
];

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return entries.length === 0
    ? <EmptyState title="No calls yet"><p>Calls through this connection will be listed here.</p></EmptyState>
    : <Table caption="Audit entries" captionHidden columns={columns} rows={entries} rowKey={(e) => e.id} />;
}
