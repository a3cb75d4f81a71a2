// /crm/MODULE: a module's records a page at a time, newest first, or those matching a search in
// Zoho's criteria ((Last_Name:starts_with:Lee) and ...); a criteria the API refuses is shown in
// its words under the search field.
import { useState } from 'preact/hooks';
import { Link } from '../../router';
import { useApi } from '../../session';
import { Button, EmptyState, ErrorBanner, Field, Spinner, Table, Time } from '../../ui';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { crmApi, nameField, searchErrorText, valueText, type CrmRecord, type Module } from './model';

// Besides the name: the columns a module's table shows.
const kColumns: Record<string, string[]> = {
  Contacts: ['Email', 'Phone', 'Account_Name'], Accounts: ['Phone', 'Website'], Pipelines: ['Stage', 'Amount', 'Closing_Date'],
  Products: ['Product_Code', 'Unit_Price'], Tasks: ['Status', 'Due_Date', 'Priority'], Notes: ['Parent_Id'],
};

export const recordHref = (module: string, id: string) => `/crm/${encodeURIComponent(module)}/${encodeURIComponent(id)}`;

export function recordName(m: Module, r: CrmRecord): string {
  return valueText(r[nameField(m)]) || r.id;
}

export function RecordList({ module }: { module: Module }) {
  const api = useApi();
  const [typed, setTyped] = useState('');
  const [criteria, setCriteria] = useState('');
  const [page, setPage] = useState(1);
  const m = module.api_name;
  const loaded = useResource(async (signal) => ({
    for: `${criteria}\n${page}`,
    ...(await (criteria ? crmApi.search(api, m, criteria, page, signal) : crmApi.list(api, m, page, signal))),
  }), [api, m, criteria, page]);
  // Until the effect starts the next load, the previous answer is still there: not this one's.
  const list = loaded.status === 'ready' && loaded.data.for !== `${criteria}\n${page}` ? { status: 'loading' as const } : loaded;
  const shown = (kColumns[m] ?? module.fields.filter((f) => !f.read_only && f.api_name !== nameField(module) &&
                                                           f.data_type !== 'ownerlookup' && f.data_type !== 'textarea')
                                             .slice(0, 3).map((f) => f.api_name))
    .map((name) => module.fields.find((f) => f.api_name === name)).filter((f) => f !== undefined);
  const searchError = criteria && list.status === 'error' ? searchErrorText(list.error) : null;
  const singular = module.singular_label.toLowerCase();

  return (
    <>
      <p class="breadcrumb"><Link href="/crm">CRM</Link></p>
      <div class="page__head">
        <h1>{module.plural_label}</h1>
        <div class="row-actions">
          <Link class="ui-button ui-button--secondary" href={`/crm/${encodeURIComponent(m)}/fields`}>Fields</Link>
          <Link class="ui-button ui-button--primary" href={`/crm/${encodeURIComponent(m)}/new`}>New {singular}</Link>
        </div>
      </div>
      <Scope extra={m} />
      <form class="crm-search" role="search" aria-label={`Search ${module.plural_label}`}
            onSubmit={(e) => { e.preventDefault(); setCriteria(typed.trim()); setPage(1); }}>
        <Field label="Criteria" value={typed} onValue={setTyped} error={searchError}
               hint={<>Zoho's criteria, e.g. <code>(Last_Name:starts_with:Lee)</code> or <code>((Email:ends_with:@zylker.com) and (Phone:equals:${'{EMPTY}'}))</code>.</>} />
        <div class="row-actions">
          <Button variant="primary" type="submit">Search</Button>
          {criteria && <Button variant="ghost" onClick={() => { setTyped(''); setCriteria(''); setPage(1); }}>Clear the search</Button>}
        </div>
      </form>
      {list.status === 'loading' && <Spinner label={`Loading ${module.plural_label}…`} />}
      {list.status === 'error' && !searchError && <ErrorBanner title="Could not load the records" error={list.error} />}
      {list.status === 'ready' && list.data.records.length === 0 && (
        criteria ? <EmptyState title="No record matches the search"><p>Nothing in {module.plural_label} meets <code>{criteria}</code>.</p></EmptyState>
                 : page === 1 ? <EmptyState title={`No ${module.plural_label} yet`}><p>Create one with “New {singular}”.</p></EmptyState>
                              : <EmptyState title="No more records" />
      )}
      {list.status === 'ready' && list.data.records.length > 0 && (
        <Table<CrmRecord>
          caption={criteria ? `${module.plural_label} matching the search` : module.plural_label} captionHidden
          rows={list.data.records} rowKey={(r) => r.id}
          columns={[
            { header: module.fields.find((f) => f.api_name === nameField(module))?.field_label ?? 'Name',
              render: (r) => <Link href={recordHref(m, r.id)}>{recordName(module, r)}</Link> },
            ...shown.map((f) => ({ header: f.field_label, render: (r: CrmRecord) => valueText(r[f.api_name]), secondary: f !== shown[0] })),
            { header: 'Modified', render: (r) => <Time ms={Date.parse(String(r['Modified_Time']))} />, secondary: true },
          ]} />
      )}
      {list.status === 'ready' && (page > 1 || list.data.more) && (
        <nav class="crm-pager" aria-label="Pages">
          <Button disabled={page === 1} onClick={() => setPage(page - 1)}>Previous page</Button>
          <span>Page {page}</span>
          <Button disabled={!list.data.more} onClick={() => setPage(page + 1)}>Next page</Button>
        </nav>
      )}
    </>
  );
}
