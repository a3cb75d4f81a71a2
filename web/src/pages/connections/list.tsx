// The connections of the organization's current environment: link name, service, status in
// words (with the reason when it needs re-authorization), health (its latest probe), requested and granted scopes, shared
// or per user, last use; a status filter and a search box.
import { useState } from 'preact/hooks';
import { plural } from '../../format';
import { Link, navigate, useLocation } from '../../router';
import { useApi } from '../../session';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { Banner, Button, EmptyState, ErrorBanner, Field, Select, Spinner, Table, Time, type Column } from '../../ui';
import { listConnections } from './data';
import { ConnectionStatus, HealthStatus, kStatusWords } from './status';
import type { AuthorizationStatus, Connection } from './types';

export const kNewConnectionPath = '/connections/new-connection';

const kStatusFilter = [
  { value: '', label: 'All statuses' },
  ...(Object.entries(kStatusWords) as [AuthorizationStatus, string][]).map(([value, label]) => ({ value, label })),
];

export function ConnectionList() {
  const api = useApi();
  const { query } = useLocation();
  const data = useResource((signal) => listConnections(api, signal), [api]);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');

  const rows = data.status === 'ready' ? data.data : [];
  const shown = rows.filter((c) => (!status || c.status === status) && matches(c, search));
  const deleted = query.get('deleted');

  const columns: Column<Connection>[] = [
    {
      header: 'Link name',
      render: (c) => (
        <>
          <Link class="conn-link" href={`/connections/${c.link_name}`}>{c.link_name}</Link>
          <span class="conn-name">{c.name}</span>
        </>
      ),
    },
    { header: 'Service', render: (c) => c.service_name },
    { header: 'Status', render: (c) => <ConnectionStatus connection={c} /> },
    { header: 'Health', render: (c) => <HealthStatus health={c.health} brief /> },
    { header: 'Scopes', render: (c) => <ScopeSummary connection={c} />, secondary: true },
    { header: 'Shared', render: (c) => (c.per_user ? 'Per user' : 'Shared'), secondary: true },
    { header: 'Last use', render: (c) => <Time ms={c.last_used_at} />, secondary: true },
  ];

  return (
    <>
      <div class="page__head">
        <h1>Connections</h1>
        <Link class="ui-button ui-button--primary" href={kNewConnectionPath}>New connection</Link>
      </div>
      <Scope />
      {deleted && (
        <Banner tone="success" onDismiss={() => navigate('/connections', { replace: true })}>
          The connection {deleted} was deleted.
        </Banner>
      )}
      {data.status === 'loading' && <Spinner label="Loading connections…" />}
      {data.status === 'error' && (
        <>
          <ErrorBanner title="Could not load the connections" error={data.error} />
          <Button onClick={data.reload}>Try again</Button>
        </>
      )}
      {data.status === 'ready' && rows.length === 0 && (
        <EmptyState title="No connections yet"
                    action={<Link class="ui-button ui-button--primary" href={kNewConnectionPath}>New connection</Link>}>
          <p>A connection holds the credentials your functions use to call another service's API by
             its link name. Create one from a service of the catalog, then connect it.</p>
        </EmptyState>
      )}
      {data.status === 'ready' && rows.length > 0 && (
        <>
          <div class="filters" role="search" aria-label="Filter connections">
            <Field label="Search" type="search" value={search} onValue={setSearch}
                   hint="Link name, name or service" />
            <Select label="Status" value={status} onValue={setStatus} options={kStatusFilter} />
          </div>
          <p class="filters__count" role="status">
            {shown.length === rows.length ? plural(rows.length, 'connection')
                                          : `${shown.length} of ${plural(rows.length, 'connection')}`}
          </p>
          {shown.length > 0
            ? <Table caption="Connections" captionHidden columns={columns} rows={shown}
                     rowKey={(c) => c.id} />
            : (
              <EmptyState title="No connection matches"
                          action={<Button onClick={() => { setSearch(''); setStatus(''); }}>Clear the filters</Button>}>
                <p>Nothing matches the search and status chosen.</p>
              </EmptyState>
            )}
        </>
      )}
    </>
  );
}

function matches(c: Connection, search: string): boolean {
  const words = search.trim().toLowerCase();
  if (!words) return true;
  return [c.link_name, c.name, c.service, c.service_name].some((text) => text.toLowerCase().includes(words));
}

// Requested scopes against granted ones: "3 requested, all granted", or what is missing.
function ScopeSummary({ connection }: { connection: Connection }) {
  if (connection.scopes.length === 0) return <span class="muted">None</span>;
  const requested = plural(connection.scopes.length, 'scope') + ' requested';
  if (connection.status !== 'connected') return <span>{requested}</span>;
  if (connection.missing_scopes.length === 0) return <span>{requested}, all granted</span>;
  return (
    <span>
      {requested}, {connection.missing_scopes.length} not granted:{' '}
      <code>{connection.missing_scopes.join(' ')}</code>
    </span>
  );
}
