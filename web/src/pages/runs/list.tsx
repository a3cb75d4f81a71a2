// /runs: the execution log, newest first, filtered by rule, function, status, record, time and
// environment (the filters live in the URL, so a filtered log is a link). New runs appear
// without a reload: the first page is asked for again every few seconds.
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDuration, formatTime, plural } from '../../format';
import { Link, navigate, useLocation } from '../../router';
import { useApi, useSession } from '../../session';
import { Badge, Button, EmptyState, ErrorBanner, Field, Select, Spinner, Table } from '../../ui';
import { useResource } from '../../use_resource';
import { functionsApi } from '../functions/model';
import { rulesApi } from '../rules/model';
import { Scope } from '../scope';
import { kSinceOptions } from '../../time_range';
import {
  kActionWords, kFilterKeys, kStatusTone, kStatusWords, runsApi, type RunFilters, type WorkflowRun,
} from './model';

const kPollMs = 2000;

// Runs are never changed once recorded (each attempt is a run of its own), so pages merge by id;
// ids start with the start time, so they sort newest first.
function merge(a: WorkflowRun[], b: WorkflowRun[]): WorkflowRun[] {
  const byId = new Map<string, WorkflowRun>();
  for (const r of [...a, ...b]) byId.set(r.id, r);
  return [...byId.values()].sort((x, y) => (x.id < y.id ? 1 : x.id > y.id ? -1 : 0));
}

function filtersFrom(query: URLSearchParams): RunFilters {
  const f = {} as RunFilters;
  for (const key of kFilterKeys) f[key] = query.get(key) ?? '';
  return f;
}

export function RunList() {
  const api = useApi();
  const { scope, environment } = useSession();
  const { query } = useLocation();
  const filters = filtersFrom(query);
  const filterKey = kFilterKeys.map((k) => filters[k]).join('\u0000');
  // The record filter is typed: it reaches the URL (and the API) when typing pauses.
  const [record, setRecord] = useState(filters.record);

  const options = useResource(async (signal) => {
    const [rules, functions] = await Promise.all([rulesApi.list(api, signal), functionsApi.list(api, signal)]);
    return { rules, functions };
  }, [api]);

  const [runs, setRuns] = useState<WorkflowRun[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fresh, setFresh] = useState(0);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const seen = useRef<Set<string> | null>(null);

  useEffect(() => {
    setRuns(null);
    setError(null);
    setFresh(0);
    seen.current = null;
    let stopped = false;
    let timer = 0;
    let abort = new AbortController();
    const poll = async () => {
      abort = new AbortController();
      try {
        const page = await runsApi.list(api, scope, filters, null, abort.signal);
        if (stopped) return;
        const ids = new Set(page.runs.map((r) => r.id));
        if (seen.current) {
          const added = page.runs.filter((r) => !seen.current!.has(r.id)).length;
          if (added) setFresh((n) => n + added);
        } else {
          setNext(page.next);
        }
        seen.current = new Set([...(seen.current ?? []), ...ids]);
        setRuns((shown) => merge(page.runs, shown ?? []));
        setError(null);
      } catch (e) {
        if (stopped || (e instanceof DOMException && e.name === 'AbortError')) return;
        setError(e);
      }
      if (!stopped) timer = window.setTimeout(() => void poll(), kPollMs);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      abort.abort();
    };
  }, [api, filterKey]);

  // A link or the back button changes the URL's record: the box follows it.
  useEffect(() => setRecord(filters.record), [filters.record]);
  useEffect(() => {
    if (record === filters.record) return;
    const t = window.setTimeout(() => setFilter('record', record), 400);
    return () => window.clearTimeout(t);
  }, [record]);

  const setFilter = (key: keyof RunFilters, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(key, value);
    else q.delete(key);
    navigate(`/runs?${q}`, { replace: true });
  };

  const loadOlder = async () => {
    if (!next) return;
    setLoadingOlder(true);
    try {
      const page = await runsApi.list(api, scope, filters, next);
      setRuns((shown) => merge(shown ?? [], page.runs));
      setNext(page.next);
    } catch (e) {
      setError(e);
    } finally {
      setLoadingOlder(false);
    }
  };

  const all = runs ?? [];
  const ruleOptions = options.status === 'ready' ? options.data.rules.map((r) => ({ value: r.id, label: r.name })) : [];
  if (filters.rule && !ruleOptions.some((o) => o.value === filters.rule)) ruleOptions.push({ value: filters.rule, label: filters.rule });
  const functionNames = options.status === 'ready'
    ? [...new Set(options.data.functions.map((f) => f.name))].sort() : [];
  if (filters.function && !functionNames.includes(filters.function)) functionNames.push(filters.function);
  const filtered = kFilterKeys.some((k) => filters[k]);
  const envWord = environment === 'production' ? 'Production' : 'Sandbox';

  return (
    <>
      <h1>Executions</h1>
      <Scope extra="new runs appear here as they finish" />
      <form class="filters" role="search" aria-label="Filter the runs" onSubmit={(e) => e.preventDefault()}>
        <Select label="Rule" value={filters.rule} onValue={(v) => setFilter('rule', v)}
                options={[{ value: '', label: 'Any rule' }, ...ruleOptions]} />
        <Select label="Function" value={filters.function} onValue={(v) => setFilter('function', v)}
                options={[{ value: '', label: 'Any function' }, ...functionNames.map((n) => ({ value: n, label: n }))]} />
        <Select label="Status" value={filters.status} onValue={(v) => setFilter('status', v)}
                options={[{ value: '', label: 'Any status' },
                          ...(['success', 'failed', 'retrying', 'skipped'] as const).map((s) => ({ value: s, label: kStatusWords[s] }))]} />
        <Field label="Record ID" type="search" value={record} onValue={setRecord} />
        <Select label="Started" value={filters.since} onValue={(v) => setFilter('since', v)} options={kSinceOptions} />
        {filters.since === 'custom' && (
          <>
            <Field label="From" type="datetime-local" value={filters.from ?? ''} onValue={(v) => setFilter('from', v)} />
            <Field label="Until" type="datetime-local" value={filters.to ?? ''} onValue={(v) => setFilter('to', v)} />
          </>
        )}
        <Select label="Environment" value={filters.envs} onValue={(v) => setFilter('envs', v)}
                options={[{ value: '', label: `This one (${envWord})` }, { value: 'all', label: 'Every environment' }]} />
      </form>
      {error !== null && <ErrorBanner title="Could not load the execution log" error={error} />}
      <p class="filters__count" role="status">
        {runs === null ? '' : `${plural(all.length, 'run')}${next ? ' (more below)' : ''}`}
        {fresh > 0 ? `; ${plural(fresh, 'new run')} since you opened this page` : ''}
      </p>
      {runs === null && error === null && <Spinner label="Loading runs…" />}
      {runs !== null && all.length === 0 && (
        <EmptyState title={filtered ? 'No run matches these filters' : 'No runs yet'}>
          <p>{filtered ? 'Change or clear the filters above.'
                       : 'When a workflow rule fires, each of its actions is recorded here: its info lines, its outbound calls and how it ended.'}</p>
        </EmptyState>
      )}
      {all.length > 0 && (
        <Table<WorkflowRun>
          caption="Runs" captionHidden rows={all} rowKey={(r) => r.id}
          columns={[
            { header: 'Started', render: (r) => <Link class="runs__time" href={`/runs/${encodeURIComponent(r.id)}`}>{formatTime(r.started_at)}</Link> },
            { header: 'Status', render: (r) => <Badge tone={kStatusTone[r.status]}>{kStatusWords[r.status]}</Badge> },
            { header: 'Rule', render: (r) => r.rule },
            { header: 'Action', render: (r) => `${kActionWords[r.action]} ${r.target}` },
            { header: 'Record', render: (r) => <span class="runs__record">{r.module} {r.record_id}</span>, secondary: true },
            { header: 'Trigger', render: (r) => r.trigger, secondary: true },
            { header: 'Attempt', render: (r) => String(r.attempt), secondary: true },
            { header: 'Took', render: (r) => formatDuration(r.ended_at - r.started_at), secondary: true },
            ...(filters.envs === 'all' ? [{ header: 'Environment', render: (r: WorkflowRun) => r.environment }] : []),
          ]} />
      )}
      {next && (
        <div class="form-actions">
          <Button busy={loadingOlder} onClick={() => void loadOlder()}>Load older runs</Button>
        </div>
      )}
    </>
  );
}
