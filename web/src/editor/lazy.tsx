// The code editor for a page: fetches the editor's chunk (CodeMirror) the first time a page
// shows one, so pages that only list things never load it.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBanner, Spinner } from '../ui';
import type { CodeEditorProps } from './code_editor';

let loading: Promise<ComponentType<CodeEditorProps>> | null = null;

export function LazyCodeEditor(props: CodeEditorProps) {
  const [editor, setEditor] = useState<ComponentType<CodeEditorProps> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    loading ??= import('./code_editor').then((m) => m.CodeEditor);
    loading.then((component) => setEditor(() => component), (e: unknown) => {
      loading = null;  // a later page may try again
      setError(e);
    });
  }, []);
  if (error !== null) return <ErrorBanner title="Could not load the editor" error={error} />;
  if (!editor) return <div class="code-editor__loading"><Spinner label="Loading the editor…" /></div>;
  const Editor = editor;
  return <Editor {...props} />;
}
