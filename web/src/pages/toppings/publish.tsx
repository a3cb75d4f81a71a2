// Publishing a sandbox topping to production: first what it would change there (the server's
// preview, nothing changed by asking), then Publish, then production's connections that still
// need authorizing, each with the same authorization popup the Connections page uses.
import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { client } from '../../api';
import { Link } from '../../router';
import { useSession } from '../../session';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { Banner, Button, Spinner } from '../../ui';
import { AuthorizationProgress } from '../connections/authorization_progress';
import { useAuthorization } from '../connections/authorize';
import { ToppingStatus } from './list';
import { ToppingError } from './push';
import { toppingsApi, type Changes, type PublishPreview, type Topping, type ToppingConnection } from './model';

// Names as code, comma-separated.
function Codes({ names }: { names: string[] }) {
  return <>{names.map((n, i) => <Fragment key={n}>{i > 0 && ', '}<code>{n}</code></Fragment>)}</>;
}

function ChangeList({ title, changes }: { title: string; changes: Changes }) {
  const rows: [string, string[]][] = [['Added', changes.added], ['Changed', changes.changed], ['Removed', changes.removed]];
  const any = rows.some(([, names]) => names.length > 0);
  return (
    <div>
      <dt>{title}</dt>
      <dd>
        {!any ? 'No change' : (
          <ul class="topping__changes">
            {rows.filter(([, names]) => names.length > 0).map(([what, names]) => (
              <li key={what}>{what}: <Codes names={names} /></li>
            ))}
          </ul>
        )}
      </dd>
    </div>
  );
}

function ConnectionNames({ list }: { list: ToppingConnection[] }) {
  if (list.length === 0) return <>None</>;
  return (
    <ul class="topping__names">
      {list.map((c) => <li key={c.link_name}><code>{c.link_name}</code> ({c.service})</li>)}
    </ul>
  );
}

function Preview({ preview }: { preview: PublishPreview }) {
  return (
    <section class="panel" aria-labelledby="preview-title" data-testid="publish-preview">
      <h2 id="preview-title">What publishing changes in production</h2>
      <dl class="facts">
        <div><dt>Version</dt>
          <dd>{preview.production_version === null ? `${preview.version} (not installed in production yet)`
                                                   : `${preview.production_version} → ${preview.version}`}</dd></div>
        <ChangeList title="Functions" changes={preview.functions} />
        <ChangeList title="Workflow rules" changes={preview.rules} />
        <div><dt>Custom fields to add</dt>
          <dd>{preview.fields_to_add.length === 0 ? 'None' : <Codes names={preview.fields_to_add} />}</dd></div>
        <div><dt>Connections to create</dt><dd><ConnectionNames list={preview.connections_to_create} /></dd></div>
        <div><dt>To authorize in production</dt><dd><ConnectionNames list={preview.connections_to_authorize} /></dd></div>
      </dl>
    </section>
  );
}

// One production connection still to authorize: its status and an Authorize button.
function PendingConnection({ connection }: { connection: ToppingConnection }) {
  const { user, org } = useSession();
  const production = useMemo(() => client({ org: org.id, environment: 'production' }), [org.id]);
  const [status, setStatus] = useState(connection.status);
  const authorization = useAuthorization(production, user.id, (c) => setStatus(c.status));
  const state = authorization.state;
  const start = () => void authorization.start(connection.link_name);
  return (
    <li class="topping-pending" data-testid={`pending-${connection.link_name}`}>
      <div class="topping-pending__head">
        <Link href={`/connections/${connection.link_name}?environment=production`}><code>{connection.link_name}</code></Link>
        <span>{connection.service}</span>
        <ToppingStatus status={status} />
        {status !== 'connected' && status !== 'per_user' && (
          <Button variant="primary" busy={state.kind === 'starting' || state.kind === 'waiting'} onClick={start}>
            Authorize
          </Button>
        )}
      </div>
      {state.kind === 'connected' && <Banner tone="success">Authorized: {connection.link_name} is connected in production.</Banner>}
      <AuthorizationProgress state={state} serviceName={connection.service} onRetry={start} />
    </li>
  );
}

export function PublishPage({ ns }: { ns: string }) {
  const { scope } = useSession();
  // The preview and the publish act in the organization's sandbox and production whatever
  // environment the console shows: bound to the sandbox, so the query says what is meant.
  const sandbox = useMemo(() => client({ org: scope.org, environment: 'sandbox' }), [scope.org]);
  const preview = useResource((signal) => toppingsApi.preview(sandbox, ns, signal), [sandbox, ns]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [published, setPublished] = useState<Topping | null>(null);

  const publish = async () => {
    setBusy(true);
    setError(null);
    try {
      setPublished(await toppingsApi.publish(sandbox, ns));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const pending = published?.connections.filter((c) => c.status !== 'connected' && c.status !== 'per_user') ?? [];

  return (
    <>
      <p class="breadcrumb"><Link href="/toppings">Toppings</Link></p>
      <h1>Publish {ns} to production</h1>
      <Scope />
      {preview.status === 'loading' && <Spinner label="Working out what changes…" />}
      {preview.status === 'error' && (
        <ToppingError title="This topping cannot be published as it is" error={preview.error} />
      )}
      {preview.status === 'ready' && !published && (
        <>
          <Preview preview={preview.data} />
          {error !== null && <ToppingError title="The publish failed" error={error} />}
          <div class="form-actions">
            <Button variant="primary" busy={busy} onClick={() => void publish()}>Publish to production</Button>
            <Link class="ui-button ui-button--secondary" href="/toppings">Cancel</Link>
          </div>
        </>
      )}
      {published && (
        <>
          <Banner tone="success" title={`Published ${published.name} ${published.version} to production`}>
            <p>Its functions and workflow rules now run in production, against production's records.</p>
          </Banner>
          <section class="panel" aria-labelledby="pending-title">
            <h2 id="pending-title">Production connections to authorize</h2>
            {pending.length === 0 ? <p>Every connection of the topping is connected in production.</p> : (
              <>
                <p>Until they are authorized, calls through them fail in production.</p>
                <ul class="topping-pending__list">
                  {pending.map((c) => <PendingConnection key={c.link_name} connection={c} />)}
                </ul>
              </>
            )}
          </section>
        </>
      )}
    </>
  );
}
