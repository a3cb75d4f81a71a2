// Authorizing a connection at its provider in a popup, and knowing when that is over.
//
// The window is opened in the click's own task (window.open later, after an API answer, is
// what popup blockers refuse) on a blank page, and sent to the provider once
// POST .../authorize answers. The provider sends it back to Relish's /oauth/callback, which
// redirects it to kAuthorizationReturnPath; that page, seeing window.opener, posts
// {type: kAuthorizationMessage, link} to this window and closes itself (oauth_return.tsx).
// Only a message from that very window, from this origin, with that shape, counts.
//
// Meanwhile, the connection's status is polled: a refusal (the user denied consent, the code
// exchange failed) never reaches the return page; the callback shows its error page in the
// popup and records the reason on the connection. That page is Relish's own, so this window
// may read its message; the popup is closed and the reason shown here.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Client } from '../../api';
import { hrefFor } from '../../router';
import { getConnection } from './data';
import { authorizationFor, type Authorization, type Connection } from './types';

export const kAuthorizationReturnPath = '/connections/oauth-return';
export const kAuthorizationMessage = 'relish.connection-authorized';
const kPollMs = 1000;

export type AuthorizationState =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | { kind: 'waiting'; link: string }
  // The window could not be opened (a blocker): the URL to open by hand.
  | { kind: 'blocked'; link: string; url: string }
  | { kind: 'connected'; connection: Connection }
  | { kind: 'failed'; link: string | null; message: string; connection: Connection | null };

function isAuthorizationMessage(data: unknown, link: string): boolean {
  return typeof data === 'object' && data !== null &&
    (data as { type?: unknown }).type === kAuthorizationMessage &&
    (data as { link?: unknown }).link === link;
}

function openBlankWindow(): Window | null {
  const popup = window.open('', 'relish-authorization', 'popup,width=600,height=720');
  if (popup) popup.document.title = 'Authorizing…';
  return popup;
}

// The message of Relish's own error page, once the popup shows one (its callback refused);
// null while the popup is elsewhere (the provider's pages are another origin and unreadable).
function callbackError(popup: Window): string | null {
  try {
    if (popup.location.pathname !== '/oauth/callback' || popup.document.readyState !== 'complete') return null;
    const message = popup.document.querySelector('.error')?.textContent ?? '';
    return message || null;
  } catch {
    return null;
  }
}

// Whether the authorization that speaks for `userId` changed since `before`.
function changed(before: Authorization | null, after: Authorization | null): boolean {
  if (!after) return false;
  return !before || before.status !== after.status || before.reason !== after.reason ||
    before.authorized_at !== after.authorized_at;
}

// `start(link)` authorizes an existing connection; `start(create)` first creates one (create
// answers its link name), still within the click. `onConnection` gets the connection as the
// authorization left it, in the same update as the state that says how it ended.
export function useAuthorization(api: Client, userId: string, onConnection?: (connection: Connection) => void) {
  const [state, setState] = useState<AuthorizationState>({ kind: 'idle' });
  const popup = useRef<Window | null>(null);
  const before = useRef<Authorization | null>(null);
  const told = useRef(onConnection);
  told.current = onConnection;

  const start = async (target: string | (() => Promise<string>)) => {
    popup.current = openBlankWindow();
    setState({ kind: 'starting' });
    let link: string | null = typeof target === 'string' ? target : null;
    try {
      if (link === null) link = await (target as () => Promise<string>)();
      before.current = authorizationFor(await getConnection(api, link), userId);
      const { authorize_url: url } = await api.post<{ authorize_url: string }>(
        `/api/v1/connections/${encodeURIComponent(link)}/authorize`, { return_to: hrefFor(kAuthorizationReturnPath) });
      if (popup.current && !popup.current.closed) {
        popup.current.location.href = url;
        setState({ kind: 'waiting', link });
      } else {
        setState({ kind: 'blocked', link, url });
      }
    } catch (e) {
      popup.current?.close();
      setState({ kind: 'failed', link, message: e instanceof Error ? e.message : String(e), connection: null });
    }
  };

  // While waiting: the return page's message, else what polling finds.
  const waitingFor = state.kind === 'waiting' || state.kind === 'blocked' ? state.link : null;
  useEffect(() => {
    if (waitingFor === null) return;
    let finished = false;
    const finish = async (message: string | null) => {
      if (finished) return;
      finished = true;
      window.clearInterval(timer);
      window.removeEventListener('message', onMessage);
      if (popup.current && !popup.current.closed) popup.current.close();
      try {
        const connection = await getConnection(api, waitingFor);
        told.current?.(connection);
        const after = authorizationFor(connection, userId);
        if (message === null && after?.status === 'connected') setState({ kind: 'connected', connection });
        else setState({ kind: 'failed', link: waitingFor, connection,
                        message: message ?? after?.reason ?? 'The authorization did not finish.' });
      } catch (e) {
        setState({ kind: 'failed', link: waitingFor, connection: null, message: e instanceof Error ? e.message : String(e) });
      }
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin === window.location.origin && event.source === popup.current &&
          isAuthorizationMessage(event.data, waitingFor)) {
        void finish(null);
      }
    };
    const poll = async () => {
      const win = popup.current;
      const refused = win && !win.closed ? callbackError(win) : null;
      if (refused !== null) return finish(refused);
      try {
        const after = authorizationFor(await getConnection(api, waitingFor), userId);
        if (changed(before.current, after)) {
          return finish(after?.status === 'connected' ? null : after?.reason || null);
        }
      } catch {
        // A failed poll is retried at the next tick.
      }
      if (win && win.closed) {
        return finish('The authorization window was closed before the provider sent it back.');
      }
    };
    window.addEventListener('message', onMessage);
    const timer = window.setInterval(() => void poll(), kPollMs);
    return () => {
      finished = true;
      window.clearInterval(timer);
      window.removeEventListener('message', onMessage);
    };
  }, [waitingFor, api, userId]);

  const reset = () => setState({ kind: 'idle' });
  return { state, start, reset };
}
