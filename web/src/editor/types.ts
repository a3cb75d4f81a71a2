// What the editor exchanges with the pages, in a module of its own so a page can name these
// types without loading CodeMirror.

// A problem the checker found, as the API reports it (lines and columns from 1, columns in
// UTF-16 units as the editor counts them, the end just past the text it is about).
export interface SourceDiagnostic {
  line: number;
  column: number;
  end_line?: number;
  end_column?: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

// Where the check of the editor's current text stands: waiting for the checker's answer, answered
// (with the problems, at their places in the current text), or failed (the checker could not be
// reached; the problems shown are the last ones found).
export interface CheckState {
  status: 'checking' | 'checked' | 'failed';
  diagnostics: SourceDiagnostic[];
  error: unknown;
}

// The languages the editor knows: Deluge (with completion), and YAML for service definitions.
export type EditorLanguage = 'deluge' | 'yaml';

// What completion offers: a word, what it is, its parameters (`detail`), a description
// (`info`) and, for a statement, the text it inserts with ${placeholders}.
export interface CompletionItem {
  label: string;
  kind: 'keyword' | 'function' | 'method' | 'task' | 'variable' | 'type' | 'connection';
  detail?: string;
  info?: string;
  snippet?: string;
}

export interface EditorHandle {
  // Puts the cursor at `line` and `column` (from 1), scrolls it into view and focuses the editor.
  goToLine(line: number, column?: number): void;
  focus(): void;
  recheck(): void;  // check the text again (what it is checked against has changed)
  setText(text: string): void;  // replaces the whole text (a draft made elsewhere), as one edit
}
