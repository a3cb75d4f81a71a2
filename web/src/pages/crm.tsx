// The CRM section: the environment's modules, their records and fields.
//
//   /crm                    the modules
//   /crm/MODULE             its records: search, pages
//   /crm/MODULE/new         a new record
//   /crm/MODULE/fields      its fields; add and remove custom ones
//   /crm/MODULE/ID          a record: fields, history, workflow runs; delete
//   /crm/MODULE/ID/edit     its form
import type { ComponentChildren } from 'preact';
import type { PageProps } from '../pages';
import { matchPath } from '../router';
import { useApi } from '../session';
import { EmptyState, ErrorBanner, Spinner } from '../ui';
import { useResource } from '../use_resource';
import { FieldList } from './crm/fields';
import { crmApi, type Module } from './crm/model';
import { ModuleList } from './crm/modules';
import { EditRecordPage, NewRecordPage, RecordPage } from './crm/record_page';
import { RecordList } from './crm/records';

function WithModule({ name, children }: { name: string; children: (m: Module) => ComponentChildren }) {
  const api = useApi();
  const module = useResource((signal) => crmApi.module(api, name, signal), [api, name]);
  if (module.status === 'loading') return <><h1>CRM</h1><Spinner label="Loading the module…" /></>;
  if (module.status === 'error') return <><h1>CRM</h1><ErrorBanner title="Could not load the module" error={module.error} /></>;
  return <>{children(module.data)}</>;
}

export default function Crm({ subpath }: PageProps) {
  if (subpath === '' || subpath === '/') return <ModuleList />;
  let p = matchPath('/:module', subpath);
  if (p) return <WithModule key={p['module']} name={p['module']!}>{(m) => <RecordList key={m.api_name} module={m} />}</WithModule>;
  p = matchPath('/:module/new', subpath);
  if (p) return <WithModule name={p['module']!}>{(m) => <NewRecordPage module={m} />}</WithModule>;
  p = matchPath('/:module/fields', subpath);
  if (p) return <WithModule name={p['module']!}>{(m) => <FieldList module={m} />}</WithModule>;
  p = matchPath('/:module/:id', subpath);
  if (p) return <WithModule name={p['module']!}>{(m) => <RecordPage key={p!['id']} module={m} id={p!['id']!} />}</WithModule>;
  p = matchPath('/:module/:id/edit', subpath);
  if (p) return <WithModule name={p['module']!}>{(m) => <EditRecordPage module={m} id={p!['id']!} />}</WithModule>;
  return (
    <>
      <h1>CRM</h1>
      <EmptyState title="There is no such page"><p>The address may be mistyped.</p></EmptyState>
    </>
  );
}
