// The connections audit as the REST API gives it (docs/connections.md, "Audit"). The API filters
// by connection and run; origin, status and time are filtered here, over the newest entries it
// returns (kAuditLimit, the API's most).
import type { Client } from '../../api';
import type { AuditEntry } from '../connections/types';

export interface AuditFilters {
  link: string;
  run: string;
  origin: string;   // function, task, proxy, test, service
  status: string;   // '', 'ok' (2xx/3xx), 'error' (4xx/5xx or no answer), or a code such as '404'
  since: string;    // '', '1h', '24h', '7d'
}

export const kAuditFilterKeys: (keyof AuditFilters)[] = ['link', 'run', 'origin', 'status', 'since'];
export const kAuditLimit = 1000;
export const kOrigins = ['function', 'task', 'proxy', 'test', 'service'];
export const kSince: Record<string, number> = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 };

export async function auditList(api: Client, f: AuditFilters, signal?: AbortSignal): Promise<AuditEntry[]> {
  const { entries } = await api.get<{ entries: AuditEntry[] }>('/api/v1/audit', {
    link: f.link || undefined, run_id: f.run.trim() || undefined, limit: kAuditLimit,
  }, signal);
  return entries;
}

export function matches(e: AuditEntry, f: AuditFilters, now: number): boolean {
  if (f.origin && e.origin !== f.origin) return false;
  if (f.since && kSince[f.since] && e.at < now - kSince[f.since]!) return false;
  if (f.status === 'ok') return e.status >= 200 && e.status < 400;
  if (f.status === 'error') return !(e.status >= 200 && e.status < 400);
  if (f.status) return String(e.status) === f.status;
  return true;
}
