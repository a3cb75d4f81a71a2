// API key, Basic and bearer credentials: write-only password fields. What is typed lives in
// this form's state until it is sent (PUT /api/v1/connections/{link}/credentials), then is
// cleared; the API never returns a credential, so nothing can render one back.
import { useState } from 'preact/hooks';
import type { Client } from '../../api';
import { Banner, Button, ErrorBanner, Field } from '../../ui';
import type { CredentialField } from '../services/types';
import type { Connection } from './types';

export type CredentialValues = Record<string, string>;

export function emptyCredentials(fields: CredentialField[]): CredentialValues {
  return Object.fromEntries(fields.map((f) => [f.name, '']));
}

export function saveCredentials(api: Client, link: string, values: CredentialValues): Promise<Connection> {
  return api.put<Connection>(`/api/v1/connections/${encodeURIComponent(link)}/credentials`, { fields: values });
}

// The fields alone, for a form that sends them with something else.
export function CredentialFields({ fields, values, onValues }: {
  fields: CredentialField[];
  values: CredentialValues;
  onValues: (values: CredentialValues) => void;
}) {
  return (
    <>
      {/* "new-password", not "off": browsers ignore "off" on password fields and could fill in
          the saved Relish sign-in, which "Create and Connect" would then send to the provider. */}
      {fields.map((f) => (
        <Field key={f.name} label={f.label || f.name} type="password" value={values[f.name] ?? ''}
               onValue={(v) => onValues({ ...values, [f.name]: v })} autoComplete="new-password" required
               hint={f.label && f.label !== f.name ? <>Sent as <code>{f.name}</code></> : undefined} />
      ))}
      <p class="ui-field__hint">Relish stores these encrypted and never shows them again, not even to you.</p>
    </>
  );
}

// Replacing a connection's credentials from its page.
export function CredentialsForm({ api, connection, fields, onSaved }: {
  api: Client;
  connection: Connection;
  fields: CredentialField[];
  onSaved: (connection: Connection) => void;
}) {
  const [values, setValues] = useState(() => emptyCredentials(fields));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await saveCredentials(api, connection.link_name, values);
      setValues(emptyCredentials(fields));
      setSaved(true);
      onSaved(updated);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="credentials-title">
      <h2 id="credentials-title">Credentials</h2>
      {saved && <Banner tone="success" onDismiss={() => setSaved(false)}>The credentials were saved.</Banner>}
      {error !== null && <ErrorBanner title="Could not save the credentials" error={error} />}
      <CredentialFields fields={fields} values={values} onValues={setValues} />
      <Button type="submit" variant="primary" busy={busy}>Save credentials</Button>
    </form>
  );
}
