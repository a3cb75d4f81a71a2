// Loading something for a page: a state the page renders (Spinner, ErrorBanner, the data) and
// a reload. A load still running when the inputs change or the page goes is aborted, so a slow
// answer for the previous organization never lands on the next one's page.
import { useCallback, useEffect, useState } from 'preact/hooks';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'ready'; data: T }
  | { status: 'error'; error: unknown };

// With `refreshMs`, the data is loaded again that often while the tab is visible, quietly: the
// page keeps showing what it has (no spinner) and a failed refresh keeps the last good data,
// retrying at the next tick. What a page shows live (a record's runs) uses it.
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>,
                               deps: unknown[],
                               options: { refreshMs?: number } = {}): Resource<T> & { reload: () => void } {
  const [state, setState] = useState<Resource<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    let timer = 0;
    const tick = () => {
      if (!options.refreshMs || abort.signal.aborted) return;
      timer = window.setTimeout(() => {
        if (document.visibilityState !== 'visible') return tick();
        load(abort.signal).then(
          (data) => { if (!abort.signal.aborted) setState({ status: 'ready', data }); },
          () => undefined).finally(tick);
      }, options.refreshMs);
    };
    setState({ status: 'loading' });
    load(abort.signal).then(
      (data) => { if (!abort.signal.aborted) setState({ status: 'ready', data }); },
      (error: unknown) => { if (!abort.signal.aborted) setState({ status: 'error', error }); })
      .finally(tick);
    return () => { abort.abort(); window.clearTimeout(timer); };
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
