// A connection's status in words. The badge says the state; a connection that needs
// re-authorization also says why, as the server recorded it (a revoked one's reason is only
// "revoked").
import { Badge, Time, type Tone } from '../../ui';
import type { AuthorizationStatus, Connection, Health } from './types';

export const kStatusWords: Record<AuthorizationStatus, string> = {
  pending: 'Pending',
  connected: 'Connected',
  needs_reauth: 'Needs re-authorization',
  revoked: 'Revoked',
};

const kStatusTones: Record<AuthorizationStatus, Tone> = {
  pending: 'neutral',
  connected: 'success',
  needs_reauth: 'warning',
  revoked: 'danger',
};

export function StatusBadge({ status }: { status: AuthorizationStatus }) {
  return <Badge tone={kStatusTones[status]}>{kStatusWords[status]}</Badge>;
}

// The badge of the authorization the user's calls use and, when it needs re-authorization, why.
// On a per-user connection that is the user's own: whether *you* have authorized it, in words.
export function ConnectionStatus({ connection }: { connection: Connection }) {
  return (
    <div class="conn-status">
      <StatusBadge status={connection.status} />
      {connection.per_user && (
        <span class="conn-status__whose">
          {connection.status === 'pending' ? 'You have not authorized it yet' : 'Your own authorization'}
        </span>
      )}
      {connection.reason && connection.status === 'needs_reauth' && (
        <p class="conn-status__reason">{connection.reason}</p>
      )}
    </div>
  );
}

// ---- Health probes (issue 18): the latest probe's outcome, when and what it said.
export function HealthStatus({ health, brief = false }: { health?: Health | null; brief?: boolean }) {
  if (!health) return <span class="muted conn-health">Not probed</span>;
  return (
    <div class="conn-health">
      <Badge tone={health.ok ? 'success' : 'danger'}>{health.ok ? 'Healthy' : 'Failing'}</Badge>{' '}
      <span class="conn-health__at">since <Time ms={health.at} /></span>
      {!brief || !health.ok ? <p class="conn-health__message">{health.message}</p> : null}
    </div>
  );
}
