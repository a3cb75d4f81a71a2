// Beside a code editor: what the checker found, each with a button that puts the cursor there.
// No CodeMirror here: a page imports it beside editor/lazy.tsx.
// The editor underlines the same problems; this list is what a screen reader or a keyboard
// user reaches, and its status line is announced as it changes.
// While a check is on its way the region is aria-busy, so a screen reader announces its answer
// rather than every "Checking…" in between.
import { useId } from 'preact/hooks';
import type { CheckState } from './types';

export function Problems({ check, truncated = false, clean = 'No problems found.', onGoTo }: {
  check: CheckState;
  truncated?: boolean;  // the checker stopped counting: there are more than those listed
  clean?: string | undefined;  // what to say when there is no problem
  onGoTo: (line: number, column: number) => void;
}) {
  const id = useId();
  const { diagnostics, error } = check;
  let status: string;
  if (check.status === 'checking') {
    status = 'Checking…';
  } else if (check.status === 'failed') {
    status = `The checker could not be reached: ${error instanceof Error ? error.message : String(error)}`;
  } else if (diagnostics.length === 0) {
    status = clean;
  } else if (truncated) {
    status = `The first ${diagnostics.length} problems (the checker stops there):`;
  } else {
    status = diagnostics.length === 1 ? '1 problem:' : `${diagnostics.length} problems:`;
  }
  return (
    <section class="problems" aria-labelledby={id} aria-busy={check.status === 'checking' ? 'true' : undefined}>
      <h2 id={id} class="problems__title">Problems</h2>
      <p class="problems__status" role="status">{status}</p>
      {diagnostics.length > 0 && (
        <ul class="problems__list">
          {diagnostics.map((d) => (
            <li key={`${d.line}:${d.column}:${d.message}`} class={`problems__item problems__item--${d.severity}`}>
              <button type="button" class="link-button" onClick={() => onGoTo(d.line, d.column)}>
                Line {d.line}, column {d.column}
              </button>
              <span>{d.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
