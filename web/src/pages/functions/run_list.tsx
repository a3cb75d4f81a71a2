// The recorded runs of one function in the environment, newest first, a page at a time, each
// linking to its page.
import { useEffect, useId, useState } from 'preact/hooks';
import { formatDuration, formatTime } from '../../format';
import { Link } from '../../router';
import { useApi } from '../../session';
import { Badge, Button, ErrorBanner, Spinner, Table } from '../../ui';
import { useResource } from '../../use_resource';
import { functionPath } from './keys';
import { functionsApi, runBy, type FunctionRef, type RunSummary } from './model';

export function RunList({ fn, version }: { fn: FunctionRef; version: number }) {
  const api = useApi();
  const titleId = useId();
  const first = useResource((signal) => functionsApi.runs(api, fn, null, signal), [api, fn.topping, fn.name, version]);
  // The older pages asked for since the first one loaded.
  const [older, setOlder] = useState<{ runs: RunSummary[]; next: string | null } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<unknown>(null);
  useEffect(() => setOlder(null), [api, fn.topping, fn.name, version]);

  const showOlder = async (before: string) => {
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await functionsApi.runs(api, fn, before);
      setOlder((o) => ({ runs: [...(o?.runs ?? []), ...page.runs], next: page.next }));
    } catch (e) {
      setOlderError(e);
    } finally {
      setLoadingOlder(false);
    }
  };

  const runs = first.status === 'ready' ? [...first.data.runs, ...(older?.runs ?? [])] : [];
  const next = older ? older.next : first.status === 'ready' ? first.data.next : null;
  return (
    <section class="run-list" aria-labelledby={titleId}>
      <h2 id={titleId}>Runs</h2>
      {first.status === 'loading' && <Spinner label="Loading runs…" />}
      {first.status === 'error' && <ErrorBanner title="Could not load the runs" error={first.error} />}
      {first.status === 'ready' && runs.length === 0 && <p>No runs yet.</p>}
      {runs.length > 0 && (
        <Table<RunSummary>
          caption={`Runs of ${fn.name}`} captionHidden rows={runs} rowKey={(r) => r.id}
          columns={[
            { header: 'Started', render: (r) => (
              <Link href={`${functionPath(fn)}/runs/${encodeURIComponent(r.id)}`}>{formatTime(r.started_at)}</Link>
            ) },
            { header: 'Result', render: (r) => <Badge tone={r.ok ? 'success' : 'danger'}>{r.ok ? 'Succeeded' : 'Failed'}</Badge> },
            { header: 'Duration', render: (r) => formatDuration(r.ended_at - r.started_at) },
            { header: 'By', render: (r) => runBy(r), secondary: true },
            { header: 'Error', render: (r) => r.error ? `Line ${r.error.line}: ${r.error.message}` : '', secondary: true },
          ]} />
      )}
      {olderError !== null && <ErrorBanner title="Could not load older runs" error={olderError} />}
      {next && <Button busy={loadingOlder} onClick={() => void showOlder(next)}>Show older runs</Button>}
    </section>
  );
}
