// The connections API calls the pages share, over the session's client (useApi()).
import type { Client } from '../../api';
import type { AuditEntry, Connection } from './types';

export async function listConnections(api: Client, signal?: AbortSignal): Promise<Connection[]> {
  return (await api.get<{ connections: Connection[] }>('/api/v1/connections', {}, signal)).connections;
}

export function getConnection(api: Client, link: string, signal?: AbortSignal): Promise<Connection> {
  return api.get<Connection>(`/api/v1/connections/${encodeURIComponent(link)}`, {}, signal);
}

// One connection's audit entries in the current environment, newest first.
export async function auditEntries(api: Client, link: string, signal?: AbortSignal): Promise<AuditEntry[]> {
  return (await api.get<{ entries: AuditEntry[] }>('/api/v1/audit', { link }, signal)).entries;
}
