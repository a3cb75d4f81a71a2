// The connections audit as the REST API gives it (docs/connections.md, "Audit"): every filter
// is the API's, so older entries are found too, not only the newest page.
import type { Client } from '../../api';
import { timeBounds } from '../../time_range';
import type { AuditEntry } from '../connections/types';

export interface AuditFilters {
  link: string;
  run: string;
  origin: string;   // function, task, proxy, test, service
  status: string;   // '', 'ok' (2xx/3xx), 'error' (4xx/5xx or no answer), or a code such as '404'
  since: string;    // '', '1h', '24h', '7d', 'custom' (from/to)
  from: string;     // custom range, local time as typed: '2026-12-06T09:30'
  to: string;
}

export const kAuditFilterKeys: (keyof AuditFilters)[] = ['link', 'run', 'origin', 'status', 'since', 'from', 'to'];
export const kAuditLimit = 1000;
export const kOrigins = ['function', 'task', 'proxy', 'test', 'service'];

export async function auditList(api: Client, f: AuditFilters, signal?: AbortSignal): Promise<AuditEntry[]> {
  const { since, until } = timeBounds(f.since, f.from, f.to);
  const { entries } = await api.get<{ entries: AuditEntry[] }>('/api/v1/audit', {
    link: f.link || undefined, run_id: f.run.trim() || undefined, origin: f.origin || undefined,
    status: f.status || undefined, since, until, limit: kAuditLimit,
  }, signal);
  return entries;
}
