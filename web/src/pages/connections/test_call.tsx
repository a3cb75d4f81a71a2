// A test call through the connection (POST .../test): the service's own test call, or a URL
// given here, answered with status, headers and body as the upstream sent them (the
// connection's secrets masked by Relish before they reach the browser). A JSON body is shown
// indented.
import { useState } from 'preact/hooks';
import type { Client } from '../../api';
import { Badge, Button, ErrorBanner, Field } from '../../ui';
import type { TestAnswer } from './types';

// The body as a person reads it: JSON indented, anything else as it came.
export function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function TestCall({ api, link, onDone }: {
  api: Client;
  link: string;
  onDone: () => void;    // a call was made: the audit has a new entry
}) {
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [answer, setAnswer] = useState<TestAnswer | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      setAnswer(await api.post<TestAnswer>(`/api/v1/connections/${encodeURIComponent(link)}/test`, url ? { url } : {}));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="test-call-title">
      <h2 id="test-call-title">Test call</h2>
      <form onSubmit={submit}>
        <Field label="URL" type="url" value={url} onValue={setUrl}
               hint="Empty: the service's own test call. Otherwise a URL at one of the service's allowed hosts." />
        <Button type="submit" busy={busy}>Run test call</Button>
      </form>
      {error !== null && <ErrorBanner title="The test call could not be made" error={error} />}
      {answer && <TestResult answer={answer} />}
    </section>
  );
}

function TestResult({ answer }: { answer: TestAnswer }) {
  return (
    <div class="test-result" role="status" aria-label="Test call result">
      <p class="test-result__summary">
        <Badge tone={answer.ok ? 'success' : 'danger'}>{answer.ok ? 'Passed' : 'Failed'}</Badge>{' '}
        <span class="test-result__message">{answer.message}</span>
      </p>
      {answer.status > 0 && (
        <>
          <h3>Status</h3>
          <p class="test-result__status">HTTP {answer.status}</p>
          <h3>Headers</h3>
          <dl class="test-result__headers">
            {answer.headers.map(([name, value], i) => (
              <div key={i}><dt>{name}</dt><dd>{value}</dd></div>
            ))}
          </dl>
          <h3>Body</h3>
          {answer.body
            ? <pre class="code-block" tabIndex={0} aria-label="Response body">{prettyBody(answer.body)}</pre>
            : <p class="muted">Empty.</p>}
          {answer.body_truncated && <p class="muted">Only the first 64 KB of the body is shown.</p>}
        </>
      )}
    </div>
  );
}
