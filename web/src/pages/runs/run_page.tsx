// /runs/ID: one run of a workflow action: the rule, record and trigger, its timing, the `info`
// lines, the return value, every outbound call (the function's own account and the connections
// audit's), the error with a link to its line in the function's editor, and the other attempts
// for the same rule and record.
import { useEffect, useState } from 'preact/hooks';
import { formatDuration, formatTime, plural } from '../../format';
import { Link } from '../../router';
import { useApi, useSession } from '../../session';
import { Badge, Banner, Button, ErrorBanner, Spinner, Table, Time } from '../../ui';
import { useResource } from '../../use_resource';
import { functionPath } from '../functions/keys';
import { CallsTable } from '../functions/run_result';
import { Scope } from '../scope';
import {
  kActionWords, kStatusTone, kStatusWords, runsApi, type CallRecord, type WorkflowRun, type WorkflowRunDetails,
} from './model';

export function RunPage({ id }: { id: string }) {
  const api = useApi();
  const run = useResource((signal) => runsApi.get(api, id, signal), [api, id]);
  return (
    <>
      <p class="breadcrumb"><Link href="/runs">Executions</Link></p>
      {run.status === 'loading' && <><h1>Run</h1><Spinner label="Loading the run…" /></>}
      {run.status === 'error' && <><h1>Run</h1><ErrorBanner title="Could not load the run" error={run.error} /></>}
      {run.status === 'ready' && <RunDetails run={run.data} />}
    </>
  );
}

function RunDetails({ run }: { run: WorkflowRunDetails }) {
  const fn = run.action === 'function' ? functionPath({ topping: run.topping, name: run.target }) : null;
  const audit = run.calls.filter((c) => c.source === 'audit');
  const own = run.calls.filter((c) => c.source !== 'audit');
  const api = useApi();
  const [again, setAgain] = useState<{ busy: boolean; done: boolean; error: unknown }>({ busy: false, done: false, error: null });
  const runAgain = async () => {
    setAgain({ busy: true, done: false, error: null });
    try {
      await runsApi.rerun(api, run.id);
      setAgain({ busy: false, done: true, error: null });
    } catch (e) {
      setAgain({ busy: false, done: false, error: e });
    }
  };
  return (
    <>
      <h1>Run of {run.rule}</h1>
      <Scope extra={`${run.module} ${run.record_id}`} />
      <p class="run-result__status">
        <Badge tone={kStatusTone[run.status]}>{kStatusWords[run.status]}</Badge>
        <span>Attempt {run.attempt}{run.action === 'function' ? `, ${plural(run.statements, 'statement')}` : ''} in {formatDuration(run.ended_at - run.started_at)}</span>
        <Button busy={again.busy} onClick={() => void runAgain()}>Run again</Button>
      </p>
      {again.done && (
        <Banner tone="success" onDismiss={() => setAgain({ busy: false, done: false, error: null })}>
          Queued: the action runs again for the record as it is now. Its run appears below.
        </Banner>
      )}
      {again.error !== null && (
        <ErrorBanner title="Could not run it again" error={again.error}
                     onDismiss={() => setAgain({ busy: false, done: false, error: null })} />
      )}
      {run.error && (
        <Banner tone="error" title={run.error_line > 0 ? `Line ${run.error_line}: ${run.error}` : run.error}>
          {fn && run.error_line > 0 && (
            <Link class="ui-button ui-button--secondary" href={`${fn}?line=${run.error_line}`}>
              Open {run.target} at line {run.error_line}
            </Link>
          )}
        </Banner>
      )}
      <section class="panel" aria-labelledby="run-what">
        <h2 id="run-what">What ran</h2>
        <dl class="facts">
          <div><dt>Rule</dt><dd><Link href={`/rules/${encodeURIComponent(run.rule_id)}`}>{run.rule}</Link>{run.topping ? ` (topping ${run.topping})` : ''}</dd></div>
          <div><dt>Record</dt><dd><Link href={`/crm/${encodeURIComponent(run.module)}/${encodeURIComponent(run.record_id)}`}>{run.module} <code>{run.record_id}</code></Link></dd></div>
          <div><dt>Trigger</dt><dd>{run.trigger}</dd></div>
          <div><dt>Acting user</dt><dd>{run.user ? (run.user.name ? `${run.user.name} <${run.user.email}>` : run.user.email) : 'No user (the change was no user\'s)'}</dd></div>
          <div><dt>Action</dt><dd>{kActionWords[run.action]} {fn ? <Link href={fn}>{run.target}</Link> : <code>{run.target}</code>}</dd></div>
          <div><dt>Environment</dt><dd>{run.environment === 'production' ? 'Production' : 'Sandbox'}</dd></div>
          <div><dt>Run ID</dt><dd><code>{run.id}</code></dd></div>
        </dl>
      </section>
      <section class="panel" aria-labelledby="run-timing">
        <h2 id="run-timing">Timing</h2>
        <dl class="facts">
          <div><dt>Record changed</dt><dd><Time ms={run.event_at} /></dd></div>
          <div><dt>Started</dt><dd><Time ms={run.started_at} /> ({formatDuration(Math.max(0, run.started_at - run.event_at))} after the change)</dd></div>
          <div><dt>Ended</dt><dd><Time ms={run.ended_at} /></dd></div>
          <div><dt>Took</dt><dd>{formatDuration(run.ended_at - run.started_at)}</dd></div>
        </dl>
      </section>
      <div class="run-result">
        <section aria-labelledby="run-info">
          <h2 id="run-info">Info</h2>
          {run.info.length === 0 ? <p>No info lines.</p> : (
            <ol class="run-result__info">{run.info.map((line, i) => <li key={i}>{line}</li>)}</ol>
          )}
        </section>
        <section aria-labelledby="run-return">
          <h2 id="run-return">{run.action === 'function' ? 'Return value' : 'Result'}</h2>
          {run.result && run.result !== 'null' ? <pre class="run-result__return">{run.result}</pre> : <p>None.</p>}
        </section>
        <section aria-labelledby="run-calls">
          <h2 id="run-calls">Outbound calls</h2>
          {run.calls.length === 0 ? <p>No outbound calls.</p> : (
            <>
              <Calls caption="Calls as the function made them" calls={own} />
              {audit.length > 0 && <Calls caption="Calls as the connections audit recorded them" calls={audit} />}
            </>
          )}
        </section>
      </div>
      <Attempts run={run} />
    </>
  );
}

function Calls({ caption, calls }: { caption: string; calls: CallRecord[] }) {
  return calls.length === 0 ? null : <CallsTable caption={caption} calls={calls} />;
}

// The runs of the same rule for the same record: a retried action's attempts, the runs of the
// record's other changes, and those "Run again" starts (asked for again every few seconds).
function Attempts({ run }: { run: WorkflowRunDetails }) {
  const api = useApi();
  const { scope } = useSession();
  const [runs, setRuns] = useState<WorkflowRun[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    let timer = 0;
    const abort = new AbortController();
    const poll = async () => {
      try {
        const page = await runsApi.list(api, scope, {
          rule: run.rule_id, record: run.record_id, function: '', status: '', since: '', envs: 'all',
        }, null, abort.signal);
        if (stopped) return;
        setRuns(page.runs);
        setError(null);
      } catch (e) {
        if (stopped) return;
        setError(e);
      }
      timer = window.setTimeout(() => void poll(), 2000);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      abort.abort();
    };
  }, [api, run.id]);
  return (
    <section class="panel" aria-labelledby="run-attempts">
      <h2 id="run-attempts">This rule's runs for this record</h2>
      {runs === null && error === null && <Spinner label="Loading the runs…" />}
      {error !== null && <ErrorBanner title="Could not load the runs" error={error} />}
      {runs !== null && (
        <Table<WorkflowRun>
          caption="This rule's runs for this record" captionHidden rows={runs} rowKey={(r) => r.id}
          columns={[
            { header: 'Started', render: (r) => r.id === run.id ? <span>{formatTime(r.started_at)} (this run)</span>
                : <Link href={`/runs/${encodeURIComponent(r.id)}`}>{formatTime(r.started_at)}</Link> },
            { header: 'Trigger', render: (r) => r.trigger },
            { header: 'Attempt', render: (r) => String(r.attempt) },
            { header: 'Status', render: (r) => <Badge tone={kStatusTone[r.status]}>{kStatusWords[r.status]}</Badge> },
            { header: 'Error', render: (r) => r.error || '—', secondary: true },
          ]} />
      )}
    </section>
  );
}
