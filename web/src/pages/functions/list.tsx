// /functions: the stored functions of the organization and environment, its own and its
// toppings', with a way to create one.
import { formatTime } from '../../format';
import { Link } from '../../router';
import { useApi, useSession } from '../../session';
import { EmptyState, ErrorBanner, Spinner, Table } from '../../ui';
import { useResource } from '../../use_resource';
import { functionPath } from './keys';
import { functionsApi, type FunctionSummary } from './model';
import { Scope } from '../scope';

function NewFunctionLink() {
  return <Link class="ui-button ui-button--primary" href="/functions/new">New function</Link>;
}

export function FunctionList() {
  const api = useApi();
  const { environment } = useSession();
  const list = useResource((signal) => functionsApi.list(api, signal), [api]);
  return (
    <>
      <div class="page__head">
        <h1>Functions</h1>
        {list.status === 'ready' && list.data.length > 0 && <NewFunctionLink />}
      </div>
      <Scope />
      {list.status === 'loading' && <Spinner label="Loading functions…" />}
      {list.status === 'error' && <ErrorBanner title="Could not load the functions" error={list.error} />}
      {list.status === 'ready' && list.data.length === 0 && (
        <EmptyState title="No functions yet" action={<NewFunctionLink />}>
          <p>A function is a Deluge script: workflow rules run it when records change, toppings bring
             their own, and you can run it here in the {environment === 'production' ? 'production environment' : 'sandbox'}.</p>
        </EmptyState>
      )}
      {list.status === 'ready' && list.data.length > 0 && (
        <Table<FunctionSummary>
          caption="Functions" captionHidden rows={list.data}
          rowKey={(f) => `${f.topping}.${f.name}`}
          columns={[
            { header: 'Name', render: (f) => <Link href={functionPath(f)}>{f.name}</Link> },
            { header: 'Belongs to', render: (f) => f.topping ? `Topping ${f.topping}` : 'Organization' },
            { header: 'Arguments', render: (f) => f.params.length ? f.params.join(', ') : 'None' },
            { header: 'Description', render: (f) => f.description, secondary: true },
            { header: 'Updated', render: (f) => formatTime(f.updated_at), secondary: true },
          ]} />
      )}
    </>
  );
}
