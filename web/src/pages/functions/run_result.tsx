// A run's result, as the run form shows it and a recorded run's page: status, the error with
// its line, the info lines, the return value, every outbound call and the mail it recorded.
import type { ComponentChildren } from 'preact';
import { formatDuration } from '../../format';
import { Badge, Banner, Table } from '../../ui';
import type { RunError, RunOutcome } from './model';

export function RunResultView({ result, level, errorAction }: {
  result: RunOutcome;
  level: 2 | 3;                                       // the heading level of its sections
  errorAction?: (error: RunError) => ComponentChildren;  // what the error offers: go to its line
}) {
  const Title = level === 2 ? 'h2' : 'h3';
  return (
    <div class="run-result">
      <p class="run-result__status">
        <Badge tone={result.ok ? 'success' : 'danger'}>{result.ok ? 'Succeeded' : 'Failed'}</Badge>
        <span>{result.statements} {result.statements === 1 ? 'statement' : 'statements'} in {formatDuration(result.ended_at - result.started_at)}</span>
      </p>
      {result.error && (
        <Banner tone="error" title={`Line ${result.error.line}: ${result.error.message}`}>
          {errorAction?.(result.error)}
        </Banner>
      )}
      <section aria-label="Info">
        <Title>Info</Title>
        {result.info.length === 0 ? <p>No info lines.</p> : (
          <ol class="run-result__info">{result.info.map((line, i) => <li key={i}>{line}</li>)}</ol>
        )}
      </section>
      <section aria-label="Return value">
        <Title>Return value</Title>
        {result.return === null || result.return === undefined ? <p>None.</p>
          : <pre class="run-result__return">{JSON.stringify(result.return, null, 2)}</pre>}
      </section>
      <section aria-label="Outbound calls">
        <Title>Outbound calls</Title>
        {result.calls.length === 0 ? <p>No outbound calls.</p> : (
          <CallsTable caption="Outbound calls" captionHidden calls={result.calls} />
        )}
      </section>
      {result.mails.length > 0 && (
        <section aria-label="Mail">
          <Title>Mail (recorded, not sent)</Title>
          <ul>{result.mails.map((m, i) => <li key={i}>{m}</li>)}</ul>
        </section>
      )}
    </div>
  );
}

// What a call table needs of a call: a run's own calls (OutboundCall) and a workflow run's
// recorded ones (with the audit's note) both fit. The URL comes with credentials removed.
export interface CallRow {
  method: string;
  url: string;
  connection?: string | null;
  task?: string | null;
  note?: string | null;
  status: number;            // 0: no response came
  latency_us: number;
  error?: string | null;
}

export function CallsTable<T extends CallRow>({ caption, captionHidden = false, calls }: {
  caption: string; captionHidden?: boolean; calls: T[];
}) {
  return (
    <Table<T>
      caption={caption} captionHidden={captionHidden} rows={calls} rowKey={(c) => String(calls.indexOf(c))}
      columns={[
        { header: 'Method', render: (c) => c.method },
        { header: 'URL', render: (c) => <span class="run-result__url">{c.url}</span> },
        { header: 'Status', render: (c) => (
          <>
            {c.status === 0 ? 'No response' : String(c.status)}
            {c.error && <span class="run-result__call-error">{c.error}</span>}
          </>
        ) },
        { header: 'Time', render: (c) => formatDuration(c.latency_us / 1000) },
        { header: 'Connection', render: (c) => c.connection || 'None' },
        { header: 'Task', render: (c) => c.task || c.note || '', secondary: true },
      ]} />
  );
}
