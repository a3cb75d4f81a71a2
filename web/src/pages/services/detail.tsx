// One service (/services/ID): how it authenticates, its scopes and parameters, its docs, the
// organization's OAuth app for it, its definition; for a custom service, edit and delete where
// the API allows them (its creator and the organization's administrators).
import { useState } from 'preact/hooks';
import { Link, navigate } from '../../router';
import { useApi, useSession } from '../../session';
import { useResource } from '../../use_resource';
import { Badge, Button, ConfirmDialog, ErrorBanner, Spinner } from '../../ui';
import { kNewConnectionPath } from '../connections/list';
import { Scope } from '../scope';
import { getService } from './data';
import { OAuthApp } from './oauth_app';
import { kAuthWords, usesOAuthApp, type Service } from './types';

export function ServiceDetail({ id }: { id: string }) {
  const api = useApi();
  const service = useResource((signal) => getService(api, id, signal), [api, id]);
  if (service.status === 'loading') return <Spinner label={`Loading the service ${id}…`} />;
  if (service.status === 'error') {
    return (
      <>
        <h1>Service {id}</h1>
        <Scope />
        <ErrorBanner title="Could not load the service" error={service.error} />
        <p><Link href="/services">Back to the services</Link></p>
      </>
    );
  }
  return <Loaded service={service.data} />;
}

function Loaded({ service }: { service: Service }) {
  const api = useApi();
  const { user } = useSession();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const editable = !service.builtin && (user.role === 'admin' || service.created_by === user.id);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.delete(`/api/v1/services/${encodeURIComponent(service.id)}`);
      navigate(`/services?deleted=${encodeURIComponent(service.id)}`, { replace: true });
    } catch (e) {
      setError(e);
      setBusy(false);
      setConfirmDelete(false);
    }
  };

  return (
    <>
      <p class="breadcrumb"><Link href="/services">Services</Link></p>
      <h1>{service.name}</h1>
      <p class="service-line">
        <code>{service.id}</code> · {service.category} · {kAuthWords[service.auth]}
        {!service.builtin && <> · <Badge tone="info">Custom</Badge></>}
      </p>
      <Scope />
      {error !== null && <ErrorBanner title="Could not delete the service" error={error} onDismiss={() => setError(null)} />}
      <div class="form-actions">
        <Link class="ui-button ui-button--primary" href={`${kNewConnectionPath}/${service.id}`}>New connection</Link>
        {editable && <Link class="ui-button ui-button--secondary" href={`/services/${service.id}/edit`}>Edit</Link>}
        {editable && <Button variant="danger" onClick={() => setConfirmDelete(true)}>Delete</Button>}
      </div>
      <section class="panel" aria-labelledby="about-title">
        <h2 id="about-title">About</h2>
        {service.description && <p>{service.description}</p>}
        <dl class="facts">
          <div><dt>Authentication</dt><dd>{kAuthWords[service.auth]}</dd></div>
          {service.base_url && <div><dt>Base URL</dt><dd><code>{service.base_url}</code></dd></div>}
          {service.docs && (
            <div><dt>Docs</dt><dd><a href={service.docs} target="_blank" rel="noopener noreferrer">{service.docs}</a></dd></div>
          )}
          {(service.scopes ?? []).length > 0 && (
            <div><dt>Scopes</dt><dd>
              <ul class="scope-list">
                {service.scopes!.map((s) => (
                  <li key={s}><code>{s}</code>{service.default_scopes?.includes(s) && <span class="muted"> (default)</span>}</li>
                ))}
              </ul>
            </dd></div>
          )}
          {service.parameters.map((p) => (
            <div key={p.name}><dt>Parameter {p.label || p.name}</dt>
              <dd><code>{p.name}</code> matching <code>{p.pattern}</code>{p.default !== undefined && <>, default <code>{p.default}</code></>}{p.captured && <>, set when the connection is authorized</>}</dd></div>
          ))}
          {(service.credential_fields ?? []).length > 0 && (
            <div><dt>Credentials asked for</dt><dd>{service.credential_fields!.map((f) => f.label || f.name).join(', ')}</dd></div>
          )}
        </dl>
      </section>
      {usesOAuthApp(service.auth) && <OAuthApp service={service} />}
      {service.definition && (
        <section class="panel" aria-labelledby="definition-title">
          <h2 id="definition-title">Definition</h2>
          <pre class="code-block" tabIndex={0} aria-label={`Definition of ${service.name}`}>{service.definition}</pre>
        </section>
      )}
      {confirmDelete && (
        <ConfirmDialog title={`Delete ${service.name}?`} confirmLabel="Delete service" busy={busy}
                       onConfirm={() => void remove()} onCancel={() => setConfirmDelete(false)}>
          <p>The custom service <code>{service.id}</code> is deleted for this organization. A service that
             connections use cannot be deleted: delete them first.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
