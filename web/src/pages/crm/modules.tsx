// /crm: the environment's CRM modules, each a link to its records and to its fields.
import { Link } from '../../router';
import { useApi } from '../../session';
import { Badge, ErrorBanner, Spinner, Table } from '../../ui';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { crmApi, type Module } from './model';

export function ModuleList() {
  const api = useApi();
  const modules = useResource((signal) => crmApi.modules(api, signal), [api]);
  return (
    <>
      <h1>CRM</h1>
      <Scope />
      <p class="page__intro">The records of this environment's CRM. Changes made here fire workflow rules like any write.</p>
      {modules.status === 'loading' && <Spinner label="Loading the modules…" />}
      {modules.status === 'error' && <ErrorBanner title="Could not load the modules" error={modules.error} />}
      {modules.status === 'ready' && (
        <Table<Module>
          caption="Modules" captionHidden rows={modules.data} rowKey={(m) => m.api_name}
          columns={[
            { header: 'Module', render: (m) => <Link href={`/crm/${encodeURIComponent(m.api_name)}`}>{m.plural_label}</Link> },
            { header: 'API name', render: (m) => <code>{m.api_name}</code> },
            { header: 'Kind', render: (m) => <Badge tone={m.generated_type === 'custom' ? 'info' : 'neutral'}>{m.generated_type === 'custom' ? 'Custom' : 'Standard'}</Badge>, secondary: true },
            { header: 'Fields', render: (m) => (
              <Link href={`/crm/${encodeURIComponent(m.api_name)}/fields`} aria-label={`${m.fields.length} fields of ${m.plural_label}`}>
                {m.fields.length} fields
              </Link>
            ) },
          ]} />
      )}
    </>
  );
}
