// A new connection: first the service, from the catalog; then its form. The link name is shown
// as the server will generate it while the display name is typed; scopes, parameters and
// shared-or-per-user are chosen; then "Create and Connect" creates it and connects it the way
// its scheme does: the provider's page in a popup (OAuth), a token fetched now (client
// credentials), or the credentials typed here (API key, Basic, bearer).
import { useEffect, useState } from 'preact/hooks';
import { Link, navigate } from '../../router';
import { useApi, useSession } from '../../session';
import { useResource } from '../../use_resource';
import { Banner, Button, ErrorBanner, Field, Spinner } from '../../ui';
import { ServiceCatalog } from '../services/catalog';
import { OAuthApp } from '../services/oauth_app';
import { authorizesInBrowser, kAuthWords, usesOAuthApp, type ClientInfo, type Service } from '../services/types';
import { Scope } from '../scope';
import { AuthorizationProgress } from './authorization_progress';
import { useAuthorization } from './authorize';
import { CredentialFields, emptyCredentials, saveCredentials, type CredentialValues } from './credentials';
import { getService, listServices } from '../services/data';
import { listConnections } from './data';
import { firstFreeLinkName, linkNameFrom } from './link_name';
import { kNewConnectionPath } from './list';
import type { Connection } from './types';

export function ChooseService() {
  const api = useApi();
  const services = useResource((signal) => listServices(api, signal), [api]);
  return (
    <>
      <h1>New connection</h1>
      <Scope />
      <p>Choose the service to connect to. <Link href="/services/new-service">Define a custom service</Link> for an
         API the catalog lacks.</p>
      {services.status === 'loading' && <Spinner label="Loading the services…" />}
      {services.status === 'error' && <ErrorBanner title="Could not load the services" error={services.error} />}
      {services.status === 'ready' && (
        <ServiceCatalog catalog={services.data} linkLabel="Choose"
                        linkFor={(s) => `${kNewConnectionPath}/${s.id}`} />
      )}
    </>
  );
}

export function NewConnection({ serviceId }: { serviceId: string }) {
  const api = useApi();
  const data = useResource(async (signal) => {
    const [service, connections] = await Promise.all([
      getService(api, serviceId, signal),
      listConnections(api, signal),
    ]);
    return { service, taken: new Set(connections.map((c) => c.link_name)) };
  }, [api, serviceId]);
  if (data.status === 'loading') return <Spinner label="Loading the service…" />;
  if (data.status === 'error') {
    return (
      <>
        <h1>New connection</h1>
        <ErrorBanner title={`Could not load the service ${serviceId}`} error={data.error} />
        <Link href={kNewConnectionPath}>Choose another service</Link>
      </>
    );
  }
  return <ConnectionForm key={serviceId} service={data.data.service} taken={data.data.taken} />;
}

interface Draft {
  name: string;
  linkName: string;  // "" : generated
  scopes: string[];
  scopeText: string;  // a service that lists no scopes takes any, space-separated
  params: Record<string, string>;
  perUser: boolean;
  credentials: CredentialValues;
  hostConfirmed: boolean;  // a user-chosen host (a merchant's store) confirmed as it now reads
}

function newDraft(service: Service): Draft {
  return {
    name: service.name,
    linkName: '',
    scopes: service.default_scopes ?? [],
    scopeText: '',
    params: Object.fromEntries(askedParameters(service).map((p) => [p.name, p.default ?? ''])),
    perUser: false,
    credentials: emptyCredentials(service.credential_fields ?? []),
    hostConfirmed: false,
  };
}

// The parameters the form asks for: not those the authorization sets (the provider says which
// data centre, instance or realm the user signed in to); they take their defaults until then.
function askedParameters(service: Service) {
  return service.parameters.filter((p) => !p.captured);
}

function createBody(service: Service, draft: Draft) {
  const listed = (service.scopes ?? []).length > 0;
  const scopes = listed ? draft.scopes : draft.scopeText.split(/\s+/).filter(Boolean);
  return {
    name: draft.name,
    service: service.id,
    ...(draft.linkName ? { link_name: draft.linkName } : {}),
    ...(scopes.length ? { scopes } : {}),
    params: draft.params,
    per_user: draft.perUser,
  };
}

function ConnectionForm({ service, taken }: { service: Service; taken: Set<string> }) {
  const api = useApi();
  const { user } = useSession();
  const [draft, setDraft] = useState(() => newDraft(service));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Once created, the connection is not created again: a retry only connects it.
  const [created, setCreated] = useState<Connection | null>(null);
  const authorization = useAuthorization(api, user.id);
  const client = useResource(
    (signal) => usesOAuthApp(service.auth)
      ? api.get<ClientInfo>(`/api/v1/services/${encodeURIComponent(service.id)}/client`, {}, signal)
      : Promise.resolve(null),
    [api, service.id]);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const linkName = draft.linkName || firstFreeLinkName(linkNameFrom(draft.name), taken);
  const credentialFields = service.credential_fields ?? [];
  // Issue 20: a host the user names (a merchant's store) is confirmed before anything is created.
  const userHosts = askedParameters(service).filter((p) => p.user_chosen_host);
  const unconfirmed = userHosts.length > 0 && !draft.hostConfirmed;
  const noClient = client.status === 'ready' && client.data !== null && client.data.client_id === null;
  // The OAuth app's panel appears when the app is missing, and stays once its saving fixed that.
  const [showOAuthApp, setShowOAuthApp] = useState(false);
  useEffect(() => { if (noClient) setShowOAuthApp(true); }, [noClient]);

  const create = async (): Promise<Connection> => {
    const connection = await api.post<Connection>('/api/v1/connections', createBody(service, draft));
    setCreated(connection);
    return connection;
  };
  const open = (link: string) => navigate(`/connections/${link}`);

  // Creates the connection, then connects it by the service's scheme; the browser's
  // authorization reports through `authorization.state`. A connection created but not
  // connected is not created again: its page (linked) connects it.
  const connect = async (connectNow: boolean) => {
    setError(null);
    if (connectNow && authorizesInBrowser(service.auth)) {
      void authorization.start(async () => (await create()).link_name);
      return;
    }
    setBusy(true);
    try {
      const connection = await create();
      if (connectNow && service.auth === 'oauth2_client_credentials') {
        await api.post(`/api/v1/connections/${encodeURIComponent(connection.link_name)}/connect`);
      } else if (connectNow && credentialFields.length > 0) {
        await saveCredentials(api, connection.link_name, draft.credentials);
        set({ credentials: emptyCredentials(credentialFields) });
      }
      open(connection.link_name);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    void connect(service.auth !== 'none');
  };
  const state = authorization.state;
  useEffect(() => {
    if (state.kind === 'connected') open(state.connection.link_name);
  }, [state]);
  const working = busy || state.kind === 'starting' || state.kind === 'waiting';

  return (
    <>
      <h1>New {service.name} connection</h1>
      <Scope />
      <p class="service-line">
        {kAuthWords[service.auth]} · <code>{service.id}</code>
        {service.docs && <> · <a href={service.docs} target="_blank" rel="noopener noreferrer">API docs (opens in a new tab)</a></>}
      </p>
      {error !== null && (
        <ErrorBanner title={created ? `The connection ${created.link_name} was created, but not connected` : 'Could not create the connection'}
                     error={error} />
      )}
      <AuthorizationProgress state={state} serviceName={service.name}
                             onRetry={created ? () => void authorization.start(created.link_name) : null} />
      {created && state.kind !== 'waiting' && (
        <p><Link href={`/connections/${created.link_name}`}>Open the connection {created.link_name}</Link></p>
      )}
      {noClient && (
        <Banner tone="warning" title="This organization has no OAuth app for this service yet">
          <p>Save its client ID and secret <a href="#oauth-app-title">below</a> before connecting.</p>
        </Banner>
      )}
      <form class="panel" onSubmit={submit} aria-label={`New ${service.name} connection`}>
        <fieldset class="plain" disabled={created !== null}>
          <Field label="Name" value={draft.name} onValue={(name) => set({ name })} required maxLength={100}
                 hint="A display name for people." />
          <p class="link-preview" aria-live="polite">
            Link name: <code class="link-preview__name">{linkName}</code>
            <span class="link-preview__how">
              {draft.linkName ? ' (your own)' : ' (generated from the name; functions call the API by it)'}
            </span>
          </p>
          <Field label="Link name (optional)" value={draft.linkName} onValue={(linkName) => set({ linkName })}
                 placeholder={linkNameFrom(draft.name)} maxLength={101} autoComplete="off"
                 hint="A lowercase letter first, then a-z, 0-9 and _." />
          {askedParameters(service).map((p) => (
            <Field key={p.name} label={p.label || p.name} value={draft.params[p.name] ?? ''} required={p.default === undefined}
                   onValue={(v) => set({ params: { ...draft.params, [p.name]: v }, ...(p.user_chosen_host ? { hostConfirmed: false } : {}) })}
                   hint={<>Matches <code>{p.pattern}</code></>} />
          ))}
          {userHosts.length > 0 && (
            <label class="confirm-host">
              <input type="checkbox" required checked={draft.hostConfirmed}
                     onChange={(e) => set({ hostConfirmed: e.currentTarget.checked })} />{' '}
              The credentials go to {userHosts.map((p, i) => (
                <span key={p.name}>{i > 0 && ', '}<code>https://{draft.params[p.name] || '…'}</code></span>
              ))} and nowhere else, for good: it is my own site
            </label>
          )}
          <ScopeChoice service={service} draft={draft} onChange={set} />
          {service.auth !== 'none' && (
            <fieldset class="choice">
              <legend>Whose authorization</legend>
              <label><input type="radio" name="per_user" checked={!draft.perUser} onChange={() => set({ perUser: false })} />{' '}
                Shared: one authorization every run uses</label>
              <label><input type="radio" name="per_user" checked={draft.perUser} onChange={() => set({ perUser: true })} />{' '}
                Per user: each user authorizes their own, and runs use the acting user's</label>
            </fieldset>
          )}
        </fieldset>
        {credentialFields.length > 0 && (
          <fieldset class="plain">
            <legend class="legend-title">Credentials</legend>
            <CredentialFields fields={credentialFields} values={draft.credentials}
                              onValues={(credentials) => set({ credentials })} />
          </fieldset>
        )}
        {!created && (
          <div class="form-actions">
            <Button type="submit" variant="primary" busy={working}>
              {service.auth === 'none' ? 'Create' : 'Create and Connect'}
            </Button>
            {service.auth !== 'none' && (
              <Button disabled={working || unconfirmed} onClick={() => void connect(false)}>Create without connecting</Button>
            )}
          </div>
        )}
      </form>
      {showOAuthApp && <OAuthApp service={service} onSaved={client.reload} />}
    </>
  );
}

function ScopeChoice({ service, draft, onChange }: {
  service: Service;
  draft: Draft;
  onChange: (change: Partial<Draft>) => void;
}) {
  if (service.auth !== 'oauth2' && service.auth !== 'oauth2_client_credentials') return null;
  const scopes = service.scopes ?? [];
  if (scopes.length === 0) {
    return <Field label="Scopes" value={draft.scopeText} onValue={(scopeText) => onChange({ scopeText })}
                  hint="Separated by spaces, as the provider names them." />;
  }
  const toggle = (scope: string, on: boolean) =>
    onChange({ scopes: on ? [...draft.scopes, scope] : draft.scopes.filter((s) => s !== scope) });
  return (
    <fieldset class="choice choice--scopes">
      <legend>Scopes</legend>
      <p class="ui-field__hint">Ticked: what this connection asks for. None ticked: the service's defaults
        ({(service.default_scopes ?? []).join(', ') || 'none'}).</p>
      {scopes.map((s) => (
        <label key={s}>
          <input type="checkbox" checked={draft.scopes.includes(s)} onChange={(e) => toggle(s, e.currentTarget.checked)} />{' '}
          <code>{s}</code>{(service.default_scopes ?? []).includes(s) && <span class="muted"> (default)</span>}
        </label>
      ))}
    </fieldset>
  );
}
