// The console's root: asks the server who is signed in (GET /api/v1/me), shows the sign-in view
// when nobody is (401), else the shell in the organization and environment the URL names.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, client, onUnauthenticated, session, setCsrfToken, type Environment, type Me } from './api';
import { navigate, useLocation } from './router';
import { SessionContext, type Session } from './session';
import { Shell } from './shell';
import { SignIn } from './signin';
import { Button, EmptyState, ErrorBanner, Spinner } from './ui';

type State =
  | { kind: 'loading' }
  | { kind: 'signed-out'; notice: string | null }
  | { kind: 'signed-in'; me: Me }
  | { kind: 'failed'; error: unknown };

const kOrgKey = 'relish.org';  // the organization last chosen, for a URL that names none

export function App() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  const load = () => {
    setState({ kind: 'loading' });
    session.me().then(
      (me) => {
        setCsrfToken(me.csrf ?? null);
        setState({ kind: 'signed-in', me });
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 401) setState({ kind: 'signed-out', notice: null });
        else setState({ kind: 'failed', error });
      });
  };
  useEffect(() => {
    load();
    onUnauthenticated(() => {
      setCsrfToken(null);
      setState({ kind: 'signed-out', notice: 'Your session has ended. Sign in again to continue.' });
    });
    return () => onUnauthenticated(null);
  }, []);

  const signOut = async () => {
    await session.signOut();
    setCsrfToken(null);
    setState({ kind: 'signed-out', notice: 'You are signed out.' });
  };

  switch (state.kind) {
    case 'loading':
      return <main class="centered" id="main"><Spinner label="Loading the console…" /></main>;
    case 'failed':
      return (
        <main class="centered" id="main">
          <h1>Relish</h1>
          <ErrorBanner title="Could not reach the console's API" error={state.error} />
          <Button variant="primary" onClick={load}>Try again</Button>
        </main>
      );
    case 'signed-out':
      return <SignIn notice={state.notice} onSignedIn={load} />;
    case 'signed-in':
      return <SignedIn me={state.me} signOut={signOut} />;
  }
}

function SignedIn({ me, signOut }: { me: Me; signOut: () => Promise<void> }) {
  const { path, query } = useLocation();
  const wantedOrg = query.get('org') ?? window.localStorage.getItem(kOrgKey);
  const org = me.orgs.find((o) => o.id === wantedOrg) ?? me.orgs[0];
  const environment: Environment = query.get('environment') === 'production' ? 'production' : 'sandbox';

  // The URL always names the scope, so a reload or a shared link acts in the same one.
  useEffect(() => {
    if (!org) return;
    window.localStorage.setItem(kOrgKey, org.id);
    if (query.get('org') !== org.id || query.get('environment') !== environment) {
      const rest = new URLSearchParams(query);
      rest.set('org', org.id);
      rest.set('environment', environment);
      navigate(`${path}?${rest}`, { replace: true, force: true });
    }
  }, [path, query, org, environment]);

  const value = useMemo<Session | null>(() => org ? {
    user: me.user,
    orgs: me.orgs,
    org,
    environment,
    scope: { org: org.id, environment },
    api: client({ org: org.id, environment }),
    signOut,
  } : null, [me, org, environment]);

  if (!value) {
    return (
      <main class="centered" id="main">
        <h1>Relish</h1>
        <EmptyState title="You are not in any organization yet"
                    action={<Button onClick={signOut}>Sign out</Button>}>
          <p>Ask an administrator to add you to one. You are signed in as {me.user.email}.</p>
        </EmptyState>
      </main>
    );
  }
  return <SessionContext.Provider value={value}><Shell /></SessionContext.Provider>;
}
