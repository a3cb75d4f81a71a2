// The connections API's shapes (src/api/connections_api.cc: ConnectionJson, AuditJson, the
// test call's answer). Times are milliseconds since the epoch.

export type AuthorizationStatus = 'pending' | 'connected' | 'needs_reauth' | 'revoked';

export interface Authorization {
  user_id: string | null;  // null: the shared authorization
  // A per-user authorization's user (null when the user has since been removed).
  user_name?: string | null;
  user_email?: string | null;
  status: AuthorizationStatus;
  reason: string;
  granted_scopes: string[];
  missing_scopes: string[];
  expires_at: number | null;
  account_id: string;
  authorized_at: number | null;
  refreshed_at: number | null;
  refresh_failures: number;
}

export interface Connection {
  id: string;
  link_name: string;
  name: string;
  service: string;
  service_name: string;
  environment: 'sandbox' | 'production';
  scopes: string[];  // requested
  params: Record<string, string>;
  per_user: boolean;
  // Per-user connections only: whether the caller's own authorization is connected, and how
  // many members' are.
  authorized_by_you?: boolean;
  members_authorized?: number;
  // The authorization the caller's own calls use (the shared one, or on a per-user connection
  // the caller's): its status, why it needs re-authorization, what it was granted.
  status: AuthorizationStatus;
  reason: string;
  granted_scopes: string[];
  missing_scopes: string[];  // requested but not granted (empty unless connected)
  last_used_at: number | null;  // the last call through it, whoever made it
  authorizations: Authorization[];
  created_by: string;
  created_at: number;
  updated_at: number;
  // Its latest health probe's outcome (the latest probe_failed or probe_ok event); absent when
  // it was never probed.
  health?: Health;
}

// Health probes (issue 18): src/webhooks/probes.h.
export interface Health {
  ok: boolean;
  at: number;
  message: string;
}

// POST /api/v1/connections/{link}/probe.
export interface ProbeAnswer {
  ok: boolean;
  status: number;
  message: string;
  event: string | null;  // the event it recorded
  health: Health | null;
}

export interface AuditEntry {
  id: string;
  at: number;
  environment: string;
  link_name: string;
  topping: string;
  user_id: string;
  run_id: string;
  origin: string;
  method: string;
  url: string;
  status: number;
  latency_us: number;
  bytes_out: number;
  bytes_in: number;
  error: string;
  note: string;
}

export interface TestAnswer {
  ok: boolean;
  status: number;  // 0: no answer came (the message says why)
  message: string;
  headers: [string, string][];
  body: string;
  body_truncated: boolean;
}

// The authorization that speaks for `userId`: the shared one, or on a per-user connection
// theirs. Null when there is none yet (pending).
export function authorizationFor(connection: Connection, userId: string): Authorization | null {
  const wanted = connection.per_user ? userId : null;
  return connection.authorizations.find((a) => a.user_id === wanted) ?? null;
}
