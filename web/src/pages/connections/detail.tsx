// One connection (/connections/LINK): its status and why, what it asked for and was granted,
// how to (re-)authorize it, revoke or delete it, its health (Probe now), a test call, the OAuth app its service uses
// here, and its audit entries.
import { useState } from 'preact/hooks';
import type { Client } from '../../api';
import { Link, navigate } from '../../router';
import { useApi, useSession } from '../../session';
import { useResource } from '../../use_resource';
import { Banner, Button, ConfirmDialog, ErrorBanner, Spinner, Table, Time } from '../../ui';
import { OAuthApp } from '../services/oauth_app';
import { authorizesInBrowser, kAuthWords, usesOAuthApp, type Service } from '../services/types';
import { Scope } from '../scope';
import { getService } from '../services/data';
import { AuditTable } from './audit';
import { AuthorizationProgress } from './authorization_progress';
import { useAuthorization } from './authorize';
import { CredentialsForm } from './credentials';
import { auditEntries, getConnection } from './data';
import { ConnectionStatus, HealthStatus, StatusBadge } from './status';
import { TestCall } from './test_call';
import { authorizationFor, type Authorization, type Connection, type ProbeAnswer } from './types';

export function ConnectionDetail({ link }: { link: string }) {
  const api = useApi();
  const data = useResource(async (signal) => {
    const connection = await getConnection(api, link, signal);
    const service = await getService(api, connection.service, signal);
    return { connection, service };
  }, [api, link]);
  // A connection changed by an action here replaces the loaded one.
  const [current, setCurrent] = useState<Connection | null>(null);

  if (data.status === 'loading') return <Spinner label={`Loading the connection ${link}…`} />;
  if (data.status === 'error') {
    return (
      <>
        <h1>Connection {link}</h1>
        <Scope />
        <ErrorBanner title="Could not load the connection" error={data.error} />
        <p><Link href="/connections">Back to the connections</Link></p>
      </>
    );
  }
  const connection = current?.link_name === link ? current : data.data.connection;
  return <Loaded api={api} connection={connection} service={data.data.service} onChange={setCurrent} />;
}

function Loaded({ api, connection, service, onChange }: {
  api: Client;
  connection: Connection;
  service: Service;
  onChange: (connection: Connection) => void;
}) {
  const { user } = useSession();
  const link = connection.link_name;
  const audit = useResource((signal) => auditEntries(api, link, signal), [api, link]);
  const authorization = useAuthorization(api, user.id, onChange);
  const mine = authorizationFor(connection, user.id);
  const state = authorization.state;
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<{ title: string; error: unknown } | null>(null);
  const [confirm, setConfirm] = useState<'revoke' | 'delete' | null>(null);
  const [busy, setBusy] = useState(false);


  const act = async (title: string, work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (e) {
      setError({ title, error: e });
    } finally {
      setBusy(false);
    }
  };
  const path = `/api/v1/connections/${encodeURIComponent(link)}`;
  const revoke = () => act('Could not revoke the connection', async () => {
    onChange(await api.post<Connection>(`${path}/revoke`));
    setConfirm(null);
    setNotice('The connection was revoked: its credentials are forgotten, and the provider was told where it can be.');
  });
  const remove = () => act('Could not delete the connection', async () => {
    await api.delete(path);
    navigate(`/connections?deleted=${encodeURIComponent(link)}`, { replace: true });
  });
  const connectNow = () => act('Could not connect', async () => {
    onChange(await api.post<Connection>(`${path}/connect`));
    setNotice('Connected: a token was fetched.');
  });
  // Health probes (issue 18): the service's test call, recorded as the connection's health.
  const probe = () => act('Could not probe the connection', async () => {
    const answer = await api.post<ProbeAnswer>(`${path}/probe`);
    onChange({ ...connection, health: answer.health ?? connection.health });
    audit.reload();
    if (answer.ok) setNotice('The probe passed.');  // a failure shows as the health below
  });
  const hasAuthorization = mine !== null && mine.status !== 'revoked';
  const credentialFields = service.credential_fields ?? [];

  return (
    <>
      <p class="breadcrumb"><Link href="/connections">Connections</Link></p>
      <h1 class="conn-title">{link}</h1>
      <p class="conn-subtitle">{connection.name} · <Link href={`/services/${service.id}`}>{service.name}</Link></p>
      <Scope />
      {notice && <Banner tone="success" onDismiss={() => setNotice(null)}>{notice}</Banner>}
      {error && <ErrorBanner title={error.title} error={error.error} onDismiss={() => setError(null)} />}
      {state.kind === 'connected' && <Banner tone="success" onDismiss={authorization.reset}>Authorized: the connection is connected.</Banner>}
      <AuthorizationProgress state={state} serviceName={service.name} onRetry={() => void authorization.start(link)} />

      <section class="panel" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        <ConnectionStatus connection={connection} />
        <div class="form-actions">
          {authorizesInBrowser(service.auth) && (
            <Button variant="primary" busy={state.kind === 'starting' || state.kind === 'waiting'}
                    onClick={() => void authorization.start(link)}>
              {mine?.authorized_at ? 'Re-authorize' : 'Authorize'}
            </Button>
          )}
          {service.auth === 'oauth2_client_credentials' && (
            <Button variant="primary" busy={busy} onClick={() => void connectNow()}>Connect now</Button>
          )}
          {hasAuthorization && <Button onClick={() => setConfirm('revoke')}>Revoke</Button>}
          <Button variant="danger" onClick={() => setConfirm('delete')}>Delete</Button>
        </div>
      </section>

      <section class="panel" aria-labelledby="health-title">
        <h2 id="health-title">Health</h2>
        <HealthStatus health={connection.health} />
        {service.test_call ? (
          <>
            <p class="muted">The service's test call, run on a schedule and when you ask; a change is an event for the webhooks.</p>
            <div class="form-actions">
              <Button busy={busy} onClick={() => void probe()}>Probe now</Button>
            </div>
          </>
        ) : (
          <p class="muted">{service.name} defines no test call, so Relish cannot probe this connection.</p>
        )}
      </section>

      <Details connection={connection} service={service} mine={mine} />
      {connection.per_user && <Authorizations connection={connection} userId={user.id} />}
      {credentialFields.length > 0 && (
        <CredentialsForm api={api} connection={connection} fields={credentialFields} onSaved={onChange} />
      )}
      <TestCall api={api} link={link} onDone={audit.reload} />
      {usesOAuthApp(service.auth) && <OAuthApp service={service} />}
      <section class="panel" aria-labelledby="audit-title">
        <h2 id="audit-title">Audit</h2>
        {audit.status === 'loading' && <Spinner label="Loading the audit…" />}
        {audit.status === 'error' && <ErrorBanner title="Could not load the audit" error={audit.error} />}
        {audit.status === 'ready' && <AuditTable entries={audit.data} />}
      </section>

      {confirm === 'revoke' && (
        <ConfirmDialog title={`Revoke ${link}?`} confirmLabel="Revoke" busy={busy}
                       onConfirm={() => void revoke()} onCancel={() => setConfirm(null)}>
          <p>Relish forgets this connection's credentials{authorizesInBrowser(service.auth) ? ' and asks the provider to revoke its token' : ''}.
             Functions that call it fail until it is authorized again.</p>
        </ConfirmDialog>
      )}
      {confirm === 'delete' && (
        <ConfirmDialog title={`Delete ${link}?`} confirmLabel="Delete" busy={busy}
                       onConfirm={() => void remove()} onCancel={() => setConfirm(null)}>
          <p>The connection and its credentials are deleted for good. Functions that call <code>{link}</code> fail.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function Details({ connection, service, mine }: { connection: Connection; service: Service; mine: Authorization | null }) {
  const params = Object.entries(connection.params);
  return (
    <section class="panel" aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <dl class="facts">
        <div><dt>Display name</dt><dd>{connection.name}</dd></div>
        <div><dt>Service</dt><dd>{service.name} (<code>{service.id}</code>), {kAuthWords[service.auth]}</dd></div>
        <div><dt>Environment</dt><dd>{connection.environment === 'production' ? 'Production' : 'Sandbox'}</dd></div>
        <div><dt>Authorization</dt><dd>{connection.per_user ? 'Per user: each user authorizes their own' : 'Shared: one for every run'}</dd></div>
        {connection.scopes.length > 0 && (
          <div><dt>Requested scopes</dt><dd><ScopeList scopes={connection.scopes} /></dd></div>
        )}
        {connection.status === 'connected' && connection.scopes.length > 0 && (
          <>
            <div><dt>Granted scopes</dt><dd><ScopeList scopes={connection.granted_scopes} /></dd></div>
            <div><dt>Not granted</dt><dd>{connection.missing_scopes.length ? <ScopeList scopes={connection.missing_scopes} /> : 'None'}</dd></div>
          </>
        )}
        {params.map(([name, value]) => (
          <div key={name}><dt>Parameter {name}</dt><dd><code>{value}</code></dd></div>
        ))}
        {mine?.account_id && <div><dt>Account</dt><dd>{mine.account_id}</dd></div>}
        <div><dt>Authorized</dt><dd><Time ms={mine?.authorized_at} never="Not yet" /></dd></div>
        {mine?.expires_at && <div><dt>Token expires</dt><dd><Time ms={mine.expires_at} /></dd></div>}
        {mine?.refreshed_at && <div><dt>Token refreshed</dt><dd><Time ms={mine.refreshed_at} /></dd></div>}
        {mine && mine.refresh_failures > 0 && <div><dt>Failed refreshes</dt><dd>{mine.refresh_failures}</dd></div>}
        <div><dt>Created</dt><dd><Time ms={connection.created_at} /></dd></div>
      </dl>
    </section>
  );
}

function ScopeList({ scopes }: { scopes: string[] }) {
  return <ul class="scope-list">{scopes.map((s) => <li key={s}><code>{s}</code></li>)}</ul>;
}

// A per-user connection's authorizations, one per user who authorized.
function Authorizations({ connection, userId }: { connection: Connection; userId: string }) {
  const rows = connection.authorizations.filter((a) => a.user_id !== null);
  return (
    <section class="panel" aria-labelledby="authorizations-title">
      <h2 id="authorizations-title">Users' authorizations</h2>
      <p>{connection.members_authorized === 1 ? '1 member has' : `${connection.members_authorized ?? 0} members have`} authorized it{connection.authorized_by_you ? ', you among them' : '; you have not'}.</p>
      {rows.length === 0 ? <p>Nobody has authorized it yet.</p> : (
        <Table caption="Authorizations by user" captionHidden rows={rows} rowKey={(a) => a.user_id!}
               columns={[
                 { header: 'User', render: (a) => (a.user_id === userId ? 'You'
                     : a.user_email ? (a.user_name ? `${a.user_name} <${a.user_email}>` : a.user_email)
                     : <>A removed user (<code>{a.user_id}</code>)</>) },
                 { header: 'Status', render: (a) => <StatusBadge status={a.status} /> },
                 { header: 'Reason', render: (a) => a.reason || '—', secondary: true },
                 { header: 'Authorized', render: (a) => <Time ms={a.authorized_at} never="Not yet" /> },
               ]} />
      )}
    </section>
  );
}
