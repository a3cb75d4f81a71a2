// What an authorization in the popup is doing, in words: waiting for the provider, blocked by
// the browser (with the page to open by hand), refused (the provider's or Relish's reason).
import { Banner, Button, Spinner } from '../../ui';
import type { AuthorizationState } from './authorize';
import { StatusBadge } from './status';

export function AuthorizationProgress({ state, serviceName, onRetry }: {
  state: AuthorizationState;
  serviceName: string;
  onRetry: (() => void) | null;
}) {
  switch (state.kind) {
    case 'idle':
    case 'connected':
      return null;
    case 'starting':
      return <Spinner label={`Opening ${serviceName}'s sign-in page…`} />;
    case 'waiting':
      return (
        <Banner tone="info" title={`Waiting for ${serviceName}`}>
          <p>Sign in and allow access in the window that opened. This page updates when it is done.</p>
        </Banner>
      );
    case 'blocked':
      return (
        <Banner tone="warning" title="The browser blocked the authorization window">
          <p><a href={state.url} target="_blank" rel="noopener">Open {serviceName}'s sign-in page</a> in a new tab;
             this page updates when the authorization is done.</p>
        </Banner>
      );
    case 'failed':
      return (
        <Banner tone="error" title="The authorization did not complete">
          <p class="ui-banner__message">{state.message}</p>
          {state.connection && (
            <p>The connection's status: <StatusBadge status={state.connection.status} /></p>
          )}
          {onRetry && <Button onClick={onRetry}>Try again</Button>}
        </Banner>
      );
  }
}
