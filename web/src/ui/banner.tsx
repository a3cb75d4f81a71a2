import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';

export type BannerTone = 'error' | 'warning' | 'info' | 'success';

// A message across the page. An error or warning is an alert (read out at once); the others
// are a polite status.
export function Banner({ tone = 'info', title, children, onDismiss }: {
  tone?: BannerTone;
  title?: string;
  children?: ComponentChildren;
  onDismiss?: () => void;
}) {
  const urgent = tone === 'error' || tone === 'warning';
  return (
    <div class={`ui-banner ui-banner--${tone}`} role={urgent ? 'alert' : 'status'}>
      <div class="ui-banner__text">
        {title && <strong class="ui-banner__title">{title}</strong>}
        {children && <div>{children}</div>}
      </div>
      {onDismiss && (
        <button type="button" class="ui-banner__dismiss" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

// An error in words: the API's own message, and when to try again if the server said so.
export function ErrorBanner({ error, title = 'Something went wrong', onDismiss }: {
  error: unknown;
  title?: string;
  onDismiss?: () => void;
}) {
  const message = error instanceof Error ? error.message : String(error);
  const retry = error instanceof ApiError ? error.retryAfterSeconds : null;
  return (
    <Banner tone="error" title={title} {...(onDismiss ? { onDismiss } : {})}>
      <p class="ui-banner__message">{message}</p>
      {retry !== null && (
        <p class="ui-banner__retry">
          Retry after {retry} {retry === 1 ? 'second' : 'seconds'}.
        </p>
      )}
    </Banner>
  );
}
