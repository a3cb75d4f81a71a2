// The sign-in view, shown at whatever console URL was opened while signed out: signing in
// lands on that same page.
import { useState } from 'preact/hooks';
import { session, setCsrfToken } from './api';
import { Banner, Button, ErrorBanner, Field } from './ui';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signedIn = await session.signIn(email, password);
      setCsrfToken(signedIn.csrf);
      setPassword('');
      onSignedIn();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <main class="signin" id="main">
      <h1 class="signin__title">Sign in to Relish</h1>
      {notice && !error && <Banner tone="info">{notice}</Banner>}
      {error !== null && <ErrorBanner title="Could not sign in" error={error} />}
      <form class="signin__form" onSubmit={submit}>
        <Field label="Email" type="email" value={email} onValue={setEmail} autoComplete="username"
               required autoFocus />
        <Field label="Password" type="password" value={password} onValue={setPassword}
               autoComplete="current-password" required />
        <Button variant="primary" type="submit" busy={busy}>Sign in</Button>
      </form>
    </main>
  );
}
