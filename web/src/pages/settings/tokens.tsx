// Personal API tokens (for the CLI and scripts): create (the token shown once), list, revoke.
import { useState } from 'preact/hooks';
import { useApi } from '../../session';
import { Button, ConfirmDialog, EmptyState, ErrorBanner, Field, Spinner, Table, Time } from '../../ui';
import { useResource } from '../../use_resource';
import { settingsApi, type ApiToken } from './model';
import { ShownOnce } from './shown_once';

export function Tokens() {
  const api = useApi();
  const tokens = useResource((signal) => settingsApi.tokens(api, signal), [api]);
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const t = await settingsApi.createToken(api, name.trim(), days.trim() ? Number(days) : null);
      setCreated({ name: t.name, token: t.token });
      setName('');
      setDays('');
      tokens.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async () => {
    if (!revoking) return;
    setBusy(true);
    try {
      await settingsApi.revokeToken(api, revoking.id);
      setRevoking(null);
      tokens.reload();
    } catch (err) {
      setError(err);
      setRevoking(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="settings-tokens">
      <h2 id="settings-tokens">Personal API tokens</h2>
      <p>For the CLI and scripts (<code>Authorization: Bearer …</code>): each acts as you, in every organization you belong to.</p>
      {created && (
        <ShownOnce title={`Token ${created.name} created`} label="The new token" secret={created.token}
                   onDone={() => setCreated(null)} />
      )}
      <form class="inline-form" aria-label="Create a token" onSubmit={(e) => void create(e)}>
        <Field label="Token name" value={name} onValue={setName} required />
        <Field label="Expires in days" type="number" min={1} max={3650} value={days} onValue={setDays}
               hint="Empty: never expires" />
        <div class="form-actions"><Button type="submit" variant="primary" busy={busy}>Create token</Button></div>
      </form>
      {error !== null && <ErrorBanner title="The tokens could not be changed" error={error} />}
      {tokens.status === 'loading' && <Spinner label="Loading tokens…" />}
      {tokens.status === 'error' && <ErrorBanner title="Could not load your tokens" error={tokens.error} />}
      {tokens.status === 'ready' && tokens.data.length === 0 && <EmptyState title="No tokens"><p>Create one above.</p></EmptyState>}
      {tokens.status === 'ready' && tokens.data.length > 0 && (
        <Table<ApiToken>
          caption="Your API tokens" captionHidden rows={tokens.data} rowKey={(t) => t.id}
          columns={[
            { header: 'Name', render: (t) => t.name },
            { header: 'Prefix', render: (t) => <code>{t.prefix}…</code> },
            { header: 'Created', render: (t) => <Time ms={t.created_at} />, secondary: true },
            { header: 'Last used', render: (t) => <Time ms={t.last_used_at} />, secondary: true },
            { header: 'Expires', render: (t) => <Time ms={t.expires_at} never="Never" />, secondary: true },
            { header: 'Actions', render: (t) => <Button variant="danger" aria-label={`Revoke ${t.name}`} onClick={() => setRevoking(t)}>Revoke</Button> },
          ]} />
      )}
      {revoking && (
        <ConfirmDialog title={`Revoke the token ${revoking.name}?`} confirmLabel="Revoke" busy={busy}
                       onConfirm={() => void revoke()} onCancel={() => setRevoking(null)}>
          <p>Whatever uses it (a CLI, a script) is refused from now on. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
