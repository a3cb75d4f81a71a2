// /functions/KEY/runs/RUN_ID: one recorded run, who ran it and with which arguments; its error
// links to the function's editor at its line and column.
import { formatTime } from '../../format';
import { Link } from '../../router';
import { useApi } from '../../session';
import { Banner, ErrorBanner, Spinner } from '../../ui';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { functionPath } from './keys';
import { functionsApi, runBy, type FunctionRef } from './model';
import { RunResultView } from './run_result';

export function RunPage({ fn, runId }: { fn: FunctionRef; runId: string }) {
  const api = useApi();
  const run = useResource((signal) => functionsApi.getRun(api, runId, signal), [api, runId]);
  const back = functionPath(fn);
  return (
    <>
      <p class="breadcrumb"><Link href="/functions">Functions</Link> / <Link href={back}>{fn.name}</Link></p>
      <h1>Run of {fn.name}</h1>
      {run.status === 'loading' && <Spinner label="Loading the run…" />}
      {run.status === 'error' && <ErrorBanner title="Could not load the run" error={run.error} />}
      {run.status === 'ready' && (
        <>
          <Scope extra={`Started ${formatTime(run.data.started_at)} by ${runBy(run.data)}`} />
          {run.data.truncated && (
            <Banner tone="info">Some of this run's details were left out of its record, which keeps at most 64 KB.</Banner>
          )}
          <section aria-label="Arguments">
            <h2>Arguments</h2>
            {Object.keys(run.data.args).length === 0 ? <p>None.</p>
              : <pre class="run-result__return">{JSON.stringify(run.data.args, null, 2)}</pre>}
          </section>
          <RunResultView result={run.data} level={2} errorAction={({ line, column }) => (
            <Link class="ui-button ui-button--secondary" href={`${back}?line=${line}&column=${column}`}>
              Open the function at line {line}, column {column}
            </Link>
          )} />
        </>
      )}
    </>
  );
}
