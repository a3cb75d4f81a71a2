// Pushing a topping folder to the sandbox from the browser: choose the folder (or its files),
// see what will be sent, push. A refused push lists every problem the server found, one per
// line as "FILE:LINE: reason" (the server checks the whole topping before answering).
import { useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { useApi, useSession } from '../../session';
import { Banner, Button, ErrorBanner } from '../../ui';
import { problemsOf, toppingPath, toppingsApi, type Files, type Topping } from './model';

async function readFiles(list: FileList | null): Promise<{ files: Files; skipped: string[] }> {
  const files: Files = {};
  const skipped: string[] = [];
  for (const file of Array.from(list ?? [])) {
    const path = toppingPath(file);
    if (path === null) skipped.push(file.webkitRelativePath || file.name);
    else files[path] = await file.text();
  }
  return { files, skipped };
}

// An error as the server gave it; a topping's refusal (one problem a line) as a list.
export function ToppingError({ title, error }: { title: string; error: unknown }) {
  const problems = error instanceof ApiError && error.code === 'invalid_argument' ? problemsOf(error.message) : null;
  if (!problems) return <ErrorBanner title={title} error={error} />;
  return (
    <Banner tone="error" title={`${title}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}`}>
      <ul class="topping-problems">{problems.map((p, i) => <li key={i}><code>{p}</code></li>)}</ul>
    </Banner>
  );
}

export function PushPanel({ onPushed }: { onPushed: (t: Topping) => void }) {
  const api = useApi();
  const { environment } = useSession();
  const [chosen, setChosen] = useState<{ files: Files; skipped: string[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [pushed, setPushed] = useState<Topping | null>(null);

  if (environment === 'production') {
    return (
      <section class="panel" aria-labelledby="push-title">
        <h2 id="push-title">Push a topping</h2>
        <p>Toppings are pushed to the sandbox and tried there. To bring one to production, switch
           to the sandbox and publish it from its entry: production then gets its own connections,
           authorized separately.</p>
      </section>
    );
  }

  const choose = async (list: FileList | null) => {
    setError(null);
    setPushed(null);
    setChosen(await readFiles(list));
  };
  const push = async () => {
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      const t = await toppingsApi.push(api, chosen.files);
      setPushed(t);
      setChosen(null);
      onPushed(t);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const paths = chosen ? Object.keys(chosen.files).sort() : [];

  return (
    <section class="panel" aria-labelledby="push-title">
      <h2 id="push-title">Push a topping to the sandbox</h2>
      <p>Choose the topping's folder (the one holding <code>topping.yaml</code> and
         <code> functions/</code>). Only <code>topping.yaml</code> and <code>functions/*.dg</code> are sent.</p>
      <div class="topping-push">
        <label class="topping-push__choice">
          <span>Folder</span>
          {/* webkitdirectory: the browser asks for a folder and names each file by its path. */}
          <input type="file" multiple data-testid="topping-folder" {...{ webkitdirectory: true }}
                 onChange={(e) => void choose((e.currentTarget as HTMLInputElement).files)} />
        </label>
        <label class="topping-push__choice">
          <span>Or its files (a <code>.dg</code> file goes to <code>functions/</code>)</span>
          <input type="file" multiple accept=".yaml,.yml,.dg" data-testid="topping-files"
                 onChange={(e) => void choose((e.currentTarget as HTMLInputElement).files)} />
        </label>
      </div>
      {chosen && (
        <div class="topping-push__chosen">
          {paths.length === 0
            ? <p>None of the chosen files belongs to a topping.</p>
            : <p>To push: <span data-testid="push-paths">{paths.join(', ')}</span></p>}
          {chosen.skipped.length > 0 && <p>Left out: {chosen.skipped.join(', ')}</p>}
          <Button variant="primary" busy={busy} disabled={paths.length === 0} onClick={() => void push()}>
            Push to sandbox
          </Button>
        </div>
      )}
      {error !== null && <ToppingError title="The push was refused" error={error} />}
      {pushed && (
        <Banner tone="success" onDismiss={() => setPushed(null)}>
          Pushed {pushed.name} {pushed.version} to the sandbox.
        </Banner>
      )}
    </section>
  );
}
