// Running a stored function: a form with a control per parameter that suits its type (a
// number for Int and Decimal, a checkbox for Bool, JSON for Map and List and for a script's
// untyped arguments, text otherwise), then the run's result. In production a run is confirmed
// first (the sandbox is for trying things). The run is of the stored function
// by name, with the editor's text in its place (saved or not), and is recorded as the function's.
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { useApi, useSession } from '../../session';
import { Button, ConfirmDialog, ErrorBanner, Field, FieldFrame, Spinner, TextArea } from '../../ui';
import { argumentValue, type Parameter } from './arguments';
import { functionsApi, type FunctionRef, type RunResult } from './model';
import { RunResultView } from './run_result';

type Values = Record<string, string | boolean>;

export function RunPanel({ fn, source, parameters, onGoTo, onRan }: {
  fn: FunctionRef;
  source: string;                   // the editor's text
  parameters: Parameter[] | null;   // null: the header is still being read
  onGoTo: (line: number, column: number) => void;
  onRan: () => void;
}) {
  const api = useApi();
  const { environment } = useSession();
  const titleId = useId();
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<RunResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  // A run in production acts on live data and real services: it is confirmed first, the
  // arguments as they were when Run was pressed.
  const [confirming, setConfirming] = useState<Record<string, unknown> | null>(null);

  const run = async () => {
    const args: Record<string, unknown> = {};
    const invalid: Record<string, string> = {};
    for (const p of parameters ?? []) {
      const value = argumentValue(p, values[p.name] ?? (p.kind === 'boolean' ? false : ''));
      if (value.ok) args[p.name] = value.value;
      else invalid[p.name] = value.error;
    }
    setErrors(invalid);
    if (Object.keys(invalid).length > 0) return;
    if (environment === 'production') setConfirming(args);
    else await runWith(args);
  };

  const runWith = async (args: Record<string, unknown>) => {
    setConfirming(null);
    setRunning(true);
    setError(null);
    try {
      setResult(await functionsApi.run(api, fn, source, args));
      onRan();
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };

  const where = environment === 'production' ? 'production' : 'the sandbox';
  return (
    <section class="run-panel" aria-labelledby={titleId}>
      <h2 id={titleId}>Run in {where}</h2>
      <p>Runs the text in the editor, unsaved changes included, and records the run.</p>
      <form onSubmit={(e) => { e.preventDefault(); void run(); }}>
        {parameters === null && <Spinner label="Reading the function's header…" />}
        {parameters?.length === 0 && <p>This function takes no arguments.</p>}
        {parameters?.map((p) => (
          <ArgumentField key={p.name} parameter={p} value={values[p.name]} error={errors[p.name] ?? null}
                         onValue={(v) => setValues((all) => ({ ...all, [p.name]: v }))} />
        ))}
        <Button type="submit" variant="primary" busy={running} disabled={parameters === null}>Run</Button>
      </form>
      {error !== null && <ErrorBanner title="Could not run the function" error={error} />}
      {result && (
        <RunResultView result={result} level={3}
                       errorAction={({ line, column }) => (
                         <Button onClick={() => onGoTo(line, column)}>Go to line {line}, column {column}</Button>
                       )} />
      )}
      {confirming && (
        <ConfirmDialog title={`Run ${fn.name} in production?`} confirmLabel="Run in production"
                       onConfirm={() => void runWith(confirming)} onCancel={() => setConfirming(null)}>
          <p>The run acts on production's live data and calls real services through production's connections.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

// The header's type as a header is written (the checker gives it in lowercase): "Int".
function typeName(p: Parameter): string {
  return p.type ? p.type.charAt(0).toUpperCase() + p.type.slice(1) : '';
}

function hintFor(p: Parameter): ComponentChildren {
  switch (p.kind) {
    case 'integer': return `${typeName(p)}: a whole number.`;
    case 'decimal': return `${typeName(p)}: a number.`;
    case 'json':
      return p.type ? `${typeName(p)}, as JSON.` : <>Any JSON value: a map <code>{'{"Contacts.ID": "1"}'}</code>, a list, <code>"text"</code> or a number.</>;
    default: return `${typeName(p)}.`;
  }
}

function ArgumentField({ parameter: p, value, error, onValue }: {
  parameter: Parameter;
  value: string | boolean | undefined;
  error: string | null;
  onValue: (value: string | boolean) => void;
}) {
  const common = { label: p.name, hint: hintFor(p), error, spellcheck: false, autoComplete: 'off' };
  switch (p.kind) {
    case 'boolean':
      return (
        <FieldFrame label={p.name} hint={hintFor(p)}>
          {(id, describedBy) => (
            <input id={id} type="checkbox" class="ui-checkbox" checked={value === true} aria-describedby={describedBy}
                   onChange={(e) => onValue(e.currentTarget.checked)} />
          )}
        </FieldFrame>
      );
    case 'integer':
    case 'decimal':
      return <Field {...common} type="number" inputMode={p.kind === 'integer' ? 'numeric' : 'decimal'}
                    step={p.kind === 'integer' ? '1' : 'any'} value={String(value ?? '')} onValue={onValue} />;
    case 'json':
      return <TextArea {...common} class="ui-input--code" rows={4} value={String(value ?? '')} onValue={onValue} />;
    case 'text':
      return <Field {...common} value={String(value ?? '')} onValue={onValue} />;
  }
}
