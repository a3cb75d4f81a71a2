// The clients of Relish's own OAuth server (docs/oauth-server.md), for administrators: register
// (the secret shown once), rotate the secret (shown once), delete. Relish's own client (the
// system one, every organization's bigin connections use it) is shown read-only; the API
// refuses to rotate or delete it and its message is shown as it is.
import { useState } from 'preact/hooks';
import { useApi, useSession } from '../../session';
import { Badge, Button, ConfirmDialog, EmptyState, ErrorBanner, Field, Spinner, Table, TextArea } from '../../ui';
import { useResource } from '../../use_resource';
import { settingsApi, type OAuthClient } from './model';
import { ShownOnce } from './shown_once';

export function OAuthClients() {
  const { user } = useSession();
  if (user.role !== 'admin') {
    return (
      <section aria-labelledby="settings-clients">
        <h2 id="settings-clients">OAuth clients</h2>
        <p>Only administrators register the clients of Relish's OAuth server.</p>
      </section>
    );
  }
  return <ClientsAdmin />;
}

function ClientsAdmin() {
  const api = useApi();
  const clients = useResource((signal) => settingsApi.clients(api, signal), [api]);
  const [name, setName] = useState('');
  const [redirects, setRedirects] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);
  const [deleting, setDeleting] = useState<OAuthClient | null>(null);

  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      clients.reload();
    }
  };

  const register = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const c = await settingsApi.createClient(api, {
        name: name.trim(), redirect_uris: redirects.split('\n').map((s) => s.trim()).filter(Boolean), public: false,
      });
      setName('');
      setRedirects('');
      if (c.client_secret) setSecret({ title: `Client ${c.name} registered (${c.client_id})`, value: c.client_secret });
    });
  };
  const rotate = (c: OAuthClient) => void act(async () => {
    setSecret(null);
    const r = await settingsApi.rotateClient(api, c.client_id);
    setSecret({ title: `New secret for ${r.name}; the old one no longer works`, value: r.client_secret });
  });
  const remove = () => void act(async () => {
    const c = deleting;
    setDeleting(null);
    if (c) await settingsApi.deleteClient(api, c.client_id);
  });

  return (
    <section aria-labelledby="settings-clients">
      <h2 id="settings-clients">OAuth clients</h2>
      <p>Apps that sign users in through Relish's own OAuth server (the CRM's API, as Zoho's accounts server does).</p>
      {secret && <ShownOnce title={secret.title} label="The client secret" secret={secret.value} onDone={() => setSecret(null)} />}
      {error !== null && <ErrorBanner title="The client could not be changed" error={error} />}
      {clients.status === 'loading' && <Spinner label="Loading clients…" />}
      {clients.status === 'error' && <ErrorBanner title="Could not load the clients" error={clients.error} />}
      {clients.status === 'ready' && clients.data.length === 0 && <EmptyState title="No clients"><p>Register one below.</p></EmptyState>}
      {clients.status === 'ready' && clients.data.length > 0 && (
        <Table<OAuthClient>
          caption="Registered clients" captionHidden rows={clients.data} rowKey={(c) => c.client_id}
          columns={[
            { header: 'Name', render: (c) => <>{c.name}{c.system && <> <Badge tone="info">Relish's own</Badge></>}</> },
            { header: 'Client ID', render: (c) => <code>{c.client_id}</code> },
            { header: 'Redirect URIs', render: (c) => c.redirect_uris.join(', '), secondary: true },
            { header: 'Type', render: (c) => (c.confidential ? 'Confidential' : 'Public'), secondary: true },
            { header: 'Actions', render: (c) => (
              <span class="row-actions">
                {c.confidential && <Button aria-label={`Rotate secret of ${c.name}`} busy={busy} onClick={() => rotate(c)}>Rotate secret</Button>}
                {!c.system && <Button variant="danger" aria-label={`Delete ${c.name}`} onClick={() => setDeleting(c)}>Delete</Button>}
              </span>
            ) },
          ]} />
      )}
      <h3>Register a client</h3>
      <form class="inline-form" aria-label="Register a client" onSubmit={register}>
        <Field label="Client name" value={name} onValue={setName} required />
        <TextArea label="Redirect URIs" value={redirects} onValue={setRedirects} rows={2} hint="One a line" required />
        <div class="form-actions"><Button type="submit" variant="primary" busy={busy}>Register client</Button></div>
      </form>
      {deleting && (
        <ConfirmDialog title={`Delete the client ${deleting.name}?`} confirmLabel="Delete" busy={busy}
                       onConfirm={remove} onCancel={() => setDeleting(null)}>
          <p>Its tokens stop working and the app can no longer sign users in. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
