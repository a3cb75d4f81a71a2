// Loading something for a page: a state the page renders (Spinner, ErrorBanner, the data) and
// a reload. A load still running when the inputs change or the page goes is aborted, so a slow
// answer for the previous organization never lands on the next one's page.
import { useCallback, useEffect, useState } from 'preact/hooks';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'ready'; data: T }
  | { status: 'error'; error: unknown };

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>,
                               deps: unknown[]): Resource<T> & { reload: () => void } {
  const [state, setState] = useState<Resource<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setState({ status: 'loading' });
    load(abort.signal).then(
      (data) => { if (!abort.signal.aborted) setState({ status: 'ready', data }); },
      (error: unknown) => { if (!abort.signal.aborted) setState({ status: 'error', error }); });
    return () => abort.abort();
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
