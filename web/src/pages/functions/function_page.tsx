// A function's page (/functions/KEY) and the page that creates one (/functions/new): its
// description and arguments, the source in the code editor with the checker's problems beside
// it, save and delete; for a stored function also the run form (made from the header the checker
// read) and its recorded runs.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { LazyCodeEditor } from '../../editor/lazy';
import { Problems } from '../../editor/problems';
import type { CheckState, EditorHandle } from '../../editor/types';
import { Link, navigate, useLocation, useUnsavedChanges } from '../../router';
import { useApi } from '../../session';
import { Banner, Button, ConfirmDialog, ErrorBanner, Field, Spinner } from '../../ui';
import { useResource } from '../../use_resource';
import { Scope } from '../scope';
import { parametersOf, parseNames } from './arguments';
import { functionPath } from './keys';
import { functionsApi, type FunctionRef, type Header, type StoredFunction } from './model';
import { RunList } from './run_list';
import { RunPanel } from './run_panel';

export function NewFunctionPage() {
  return <FunctionEditor stored={null} />;
}

export function FunctionPage({ fn }: { fn: FunctionRef }) {
  const api = useApi();
  const stored = useResource((signal) => functionsApi.get(api, fn, signal), [api, fn.topping, fn.name]);
  if (stored.status === 'loading') return <><h1>{fn.name}</h1><Spinner label="Loading the function…" /></>;
  if (stored.status === 'error') {
    return (
      <>
        <h1>{fn.name}</h1>
        <ErrorBanner title="Could not load the function" error={stored.error} />
        <Link href="/functions">All functions</Link>
      </>
    );
  }
  return <FunctionEditor stored={stored.data} />;
}

// The editor of a stored function, or of a new one when `stored` is null.
function FunctionEditor({ stored }: { stored: StoredFunction | null }) {
  const api = useApi();
  const { query } = useLocation();
  const [saved, setSaved] = useState(stored);
  const [name, setName] = useState('');
  const [description, setDescription] = useState(stored?.description ?? '');
  const [argumentsText, setArgumentsText] = useState(stored && !stored.has_header ? stored.params.join(', ') : '');
  const [source, setSource] = useState(stored?.source ?? '');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [check, setCheck] = useState<CheckState>({ status: 'checking', diagnostics: [], error: null });
  // What the checker said of the current text besides its problems (null until it answers).
  const [checked, setChecked] = useState<{ header: Header | null; truncated: boolean } | null>(null);
  const current = useRef(source);
  current.current = source;
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [runs, setRuns] = useState(0);  // bumped by each run, so the list reloads
  const editor = useRef<EditorHandle>(null);
  const completions = useResource((signal) => functionsApi.completions(api, signal), [api]);

  // Unsaved: the text, the description or the arguments differ from what was saved (a new
  // function: anything typed at all).
  useUnsavedChanges(() => saved
    ? source !== saved.source || description !== saved.description ||
      (!saved.has_header && parseNames(argumentsText).join(',') !== saved.params.join(','))
    : name.trim() !== '' || source !== '' || description !== '' || argumentsText !== '',
  'The function');

  const hasHeader = checked ? checked.header !== null : stored?.has_header ?? false;
  const declared = hasHeader ? [] : parseNames(argumentsText);
  const initialLine = Number(query.get('line')) || undefined;
  const initialColumn = Number(query.get('column')) || undefined;
  const checkSource = async (text: string) => {
    const answer = await functionsApi.check(api, text, declared);
    if (text === current.current) setChecked({ header: answer.header, truncated: answer.truncated });
    return answer.diagnostics;
  };
  // A script without a header is checked with its declared arguments as defined variables.
  const declaredKey = declared.join(',');
  useEffect(() => editor.current?.recheck(), [declaredKey]);

  // Saves; the stored function, or null when it could not. A new function may not replace one
  // of the same name.
  const save = async (): Promise<StoredFunction | null> => {
    const ref: FunctionRef = saved ?? { topping: '', name: name.trim() };
    setSaving(true);
    setSaveError(null);
    setNotice(null);
    try {
      if (!saved && await functionsApi.get(api, ref).then(() => true, (e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return false;
        throw e;
      })) {
        throw new Error(`A function named ${ref.name} already exists; choose another name.`);
      }
      const f = await functionsApi.put(api, ref, { source, description, params: declared });
      setSaved(f);
      if (!saved) navigate(functionPath(f), { replace: true, force: true });
      else setNotice('Saved.');
      return f;
    } catch (e) {
      setSaveError(e);
      return null;
    } finally {
      setSaving(false);
    }
  };

  const title = saved ? saved.name : 'New function';
  return (
    <>
      <p class="breadcrumb"><Link href="/functions">Functions</Link></p>
      <div class="page__head">
        <h1>{title}</h1>
        {saved && <Button variant="danger" onClick={() => setConfirmingDelete(true)}>Delete function</Button>}
      </div>
      <Scope {...(saved?.topping ? { extra: `Topping ${saved.topping}` } : {})} />
      {saved?.topping && (
        <Banner tone="info">This function came with the topping {saved.topping}: pushing the topping
          again replaces it with the topping's own.</Banner>
      )}
      <form class="function-form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <div class="function-form__fields">
          {!saved && (
            <Field label="Name" value={name} onValue={setName} required autoComplete="off" spellcheck={false}
                   hint="A letter, then letters, digits or _ (at most 50). Rules and other functions call it by this name." />
          )}
          <Field label="Description" value={description} onValue={setDescription} autoComplete="off" />
          {!hasHeader && (
            <Field label="Arguments" value={argumentsText} onValue={setArgumentsText} autoComplete="off"
                   spellcheck={false}
                   hint="The variables the script expects, separated by commas (a rule on Contacts passes contact). A function with a header declares its own." />
          )}
        </div>
        <div class="function-form__source">
          <h2 class="editor-label">Source</h2>
          <LazyCodeEditor label="Deluge source" initial={stored?.source ?? ''} onChange={setSource}
                          check={checkSource} onCheck={setCheck}
                          onSave={() => void save()}
                          completions={completions.status === 'ready' ? completions.data : []}
                          handle={editor} {...(initialLine ? { initialLine } : {})}
                          {...(initialColumn ? { initialColumn } : {})} />
          <p class="editor-hint">Ctrl+Space completes; Ctrl+S saves; Tab leaves the editor
            (indent with Ctrl+]).</p>
        </div>
        <Problems check={check} truncated={checked?.truncated ?? false}
                  onGoTo={(line, column) => editor.current?.goToLine(line, column)} />
        {saveError !== null && <ErrorBanner title="Could not save the function" error={saveError} />}
        {notice && <Banner tone="success">{notice}</Banner>}
        <div class="function-form__actions">
          <Button type="submit" variant="primary" busy={saving}>{saved ? 'Save' : 'Create function'}</Button>
        </div>
      </form>
      {saved && (
        <>
          <RunPanel fn={saved} source={source}
                    parameters={checked || !hasHeader ? parametersOf(checked?.header ?? null, declared) : null}
                    onGoTo={(line, column) => editor.current?.goToLine(line, column)}
                    onRan={() => setRuns((n) => n + 1)} />
          <RunList fn={saved} version={runs} />
        </>
      )}
      {confirmingDelete && saved && <DeleteDialog fn={saved} onCancel={() => setConfirmingDelete(false)} />}
    </>
  );
}

function DeleteDialog({ fn, onCancel }: { fn: StoredFunction; onCancel: () => void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await functionsApi.remove(api, fn);
      navigate('/functions', { force: true });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog title={`Delete ${fn.name}?`} confirmLabel="Delete function" busy={busy}
                   onConfirm={() => void remove()} onCancel={onCancel}>
      <p>The function and its source are deleted. A rule that runs it must be changed or deleted first.</p>
      {error !== null && <ErrorBanner title="Could not delete the function" error={error} />}
    </ConfirmDialog>
  );
}
