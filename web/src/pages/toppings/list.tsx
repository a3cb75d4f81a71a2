// The organization's toppings in the current environment: each one's manifest, functions, rules
// and connections (with their status here, linking to the connection), the push panel, and per
// topping "Publish to production" (from the sandbox) and "Uninstall".
import { useState } from 'preact/hooks';
import { Link } from '../../router';
import { useApi, useSession } from '../../session';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { Badge, Banner, Button, ConfirmDialog, EmptyState, ErrorBanner, Spinner, Table, Time, type Tone } from '../../ui';
import { PushPanel } from './push';
import { toppingsApi, type Topping, type ToppingConnection } from './model';

const kStatus: Record<string, [string, Tone]> = {
  pending: ['Pending', 'neutral'],
  connected: ['Connected', 'success'],
  needs_reauth: ['Needs re-authorization', 'warning'],
  revoked: ['Revoked', 'danger'],
  per_user: ['Per user', 'neutral'],
  missing: ['Deleted', 'danger'],
};

export function ToppingStatus({ status }: { status: string }) {
  const [words, tone] = kStatus[status] ?? [status, 'neutral'];
  return <Badge tone={tone}>{words}</Badge>;
}

function Names({ title, names }: { title: string; names: string[] }) {
  return (
    <div>
      <dt>{title}</dt>
      <dd>{names.length === 0 ? 'None' : <ul class="topping__names">{names.map((n) => <li key={n}><code>{n}</code></li>)}</ul>}</dd>
    </div>
  );
}

function ToppingCard({ topping, onUninstall }: { topping: Topping; onUninstall: () => void }) {
  const { environment } = useSession();
  const titleId = `topping-${topping.namespace}`;
  return (
    <section class="panel topping" aria-labelledby={titleId} data-testid={`topping-${topping.namespace}`}>
      <div class="page__head">
        <h2 id={titleId}>{topping.name} <span class="topping__version">{topping.version}</span></h2>
        <div class="topping__actions">
          {environment === 'sandbox' && (
            <Link class="ui-button ui-button--primary" href={`/toppings/${topping.namespace}/publish`}>
              Publish to production…
            </Link>
          )}
          <Button variant="danger" onClick={onUninstall}>Uninstall</Button>
        </div>
      </div>
      {topping.description && <p>{topping.description}</p>}
      <dl class="facts">
        <div><dt>Namespace</dt><dd><code>{topping.namespace}</code></dd></div>
        <div><dt>Version</dt><dd>{topping.version}</dd></div>
        <div><dt>Installed</dt><dd><Time ms={topping.installed_at} /></dd></div>
        <Names title="Functions" names={topping.functions} />
        <Names title="Workflow rules" names={topping.rules} />
      </dl>
      {topping.connections.length === 0 ? <p>No connections.</p> : (
        <Table caption={`Connections of ${topping.name}`} rows={topping.connections} rowKey={(c) => c.link_name}
               columns={[
                 { header: 'Link name', render: (c: ToppingConnection) => <Link href={`/connections/${c.link_name}`}>{c.link_name}</Link> },
                 { header: 'Service', render: (c: ToppingConnection) => c.service },
                 { header: 'Status', render: (c: ToppingConnection) => <ToppingStatus status={c.status} /> },
               ]} />
      )}
    </section>
  );
}

export function ToppingList() {
  const api = useApi();
  const data = useResource((signal) => toppingsApi.list(api, signal), [api]);
  const [confirm, setConfirm] = useState<Topping | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const uninstall = async (t: Topping) => {
    setBusy(true);
    setError(null);
    try {
      await toppingsApi.uninstall(api, t.namespace);
      setDone(`${t.name} was uninstalled: its functions and rules are gone; its fields and connections stay.`);
      setConfirm(null);
      data.reload();
    } catch (e) {
      setError(e);
      setConfirm(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Toppings</h1>
      <Scope />
      <PushPanel onPushed={() => { setDone(null); data.reload(); }} />
      {done && <Banner tone="success" onDismiss={() => setDone(null)}>{done}</Banner>}
      {error !== null && <ErrorBanner title="Could not uninstall" error={error} onDismiss={() => setError(null)} />}
      {data.status === 'loading' && <Spinner label="Loading toppings…" />}
      {data.status === 'error' && (
        <>
          <ErrorBanner title="Could not load the toppings" error={data.error} />
          <Button onClick={data.reload}>Try again</Button>
        </>
      )}
      {data.status === 'ready' && data.data.length === 0 && (
        <EmptyState title="No toppings installed here">
          <p>A topping is a CRM extension as files: <code>topping.yaml</code> with its connections,
             fields, functions and workflow rules. Push one to the sandbox, then publish it.</p>
        </EmptyState>
      )}
      {data.status === 'ready' && data.data.map((t) => (
        <ToppingCard key={t.namespace} topping={t} onUninstall={() => setConfirm(t)} />
      ))}
      {confirm && (
        <ConfirmDialog title={`Uninstall ${confirm.name}?`} confirmLabel="Uninstall" busy={busy}
                       onConfirm={() => void uninstall(confirm)} onCancel={() => setConfirm(null)}>
          <p>Its functions and workflow rules are removed from this environment. Its custom fields
             and connections stay: they hold data and authorizations.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
