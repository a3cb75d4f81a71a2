// The organization's OAuth app for a service: the client id and secret its connections
// authorize with (GET/PUT /api/v1/services/{id}/client). The secret is write-only: the API
// says only whether one is set.
import { useState } from 'preact/hooks';
import { useApi } from '../../session';
import { useResource } from '../../use_resource';
import { Banner, Button, ErrorBanner, Field, Spinner } from '../../ui';
import type { ClientInfo, Service } from './types';

// `onSaved`: told after a save (a form that waits for the app re-reads it).
export function OAuthApp({ service, onSaved }: { service: Service; onSaved?: () => void }) {
  const api = useApi();
  const path = `/api/v1/services/${encodeURIComponent(service.id)}/client`;
  const current = useResource((signal) => api.get<ClientInfo>(path, {}, signal), [api, path]);
  const [clientId, setClientId] = useState<string | null>(null);  // null: not edited yet
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  // Relish's own client needs no form: it opens only when asked for.
  const [ownClient, setOwnClient] = useState(false);
  const info = current.status === 'ready' ? current.data : null;
  // Relish's own client is not this organization's to edit: the field starts empty there.
  const shownId = clientId ?? (info && !info.installation_wide ? info.client_id ?? '' : '');

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const body: { client_id: string; client_secret?: string } = { client_id: shownId };
      if (secret) body.client_secret = secret;
      await api.put(path, body);
      setSecret('');
      setClientId(null);
      setSaved(true);
      current.reload();
      onSaved?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="oauth-app-title">
      <h2 id="oauth-app-title">OAuth app</h2>
      <p>The OAuth client this organization's {service.name} connections authorize with. At the provider, its
         redirect URI is <code>{window.location.origin}/oauth/callback</code>.</p>
      {current.status === 'loading' && <Spinner label="Loading the OAuth app…" />}
      {current.status === 'error' && <ErrorBanner title="Could not load the OAuth app" error={current.error} />}
      {info && <ClientStatus info={info} />}
      {saved && <Banner tone="success" onDismiss={() => setSaved(false)}>The OAuth app was saved.</Banner>}
      {error !== null && <ErrorBanner title="Could not save the OAuth app" error={error} />}
      {info?.installation_wide && !ownClient && (
        <Button onClick={() => setOwnClient(true)}>Use this organization's own client</Button>
      )}
      {info && (!info.installation_wide || ownClient) && (
        <form onSubmit={submit}>
          <Field label="Client ID" value={shownId} onValue={setClientId} required autoComplete="off" />
          <Field label="Client secret" type="password" value={secret} onValue={setSecret} autoComplete="new-password"
                 hint="Write-only: Relish stores it encrypted and never shows it. Saving replaces the stored one; leave it empty for a public client that has none." />
          <Button type="submit" variant="primary" busy={busy}>Save OAuth app</Button>
        </form>
      )}
    </section>
  );
}

function ClientStatus({ info }: { info: ClientInfo }) {
  if (info.client_id === null) {
    return <Banner tone="warning" title="No OAuth app yet">
      <p>Connections of this service cannot be authorized until its client ID (and usually a secret) is saved here.</p>
    </Banner>;
  }
  if (info.installation_wide) {
    return <p class="oauth-app__status">Relish's own client serves every organization: there is nothing to set.</p>;
  }
  return <p class="oauth-app__status">Client ID <code>{info.client_id}</code>;{' '}
     {info.client_secret_set ? 'a client secret is set.' : 'no client secret is set.'}</p>;
}
