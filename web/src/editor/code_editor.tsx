// The code editor: CodeMirror 6 with Deluge (and its completion) or YAML, the checker's
// diagnostics and the console's theme. Only pages that edit load this module (its own chunk:
// CodeMirror is most of the console's JavaScript); YAML is a chunk of its own again.
//
// The CSP (style-src 'self') refuses <style> elements and style attributes. CodeMirror styles
// itself through style-mod, which writes a <style> element into a document but uses a
// constructable stylesheet (adoptedStyleSheets, which CSP does not govern) in a shadow root. So
// the editor lives in an open shadow root of its host element; the theme's colours are the
// console's CSS variables, which inherit into it. The browser tests fail on any CSP violation.
import { autocompletion, completionKeymap, snippetCompletion, type Completion, type CompletionContext,
         type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, indentOnInput } from '@codemirror/language';
import { forEachDiagnostic, lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorSelection, EditorState, type Extension, type Text } from '@codemirror/state';
import { EditorView, highlightActiveLineGutter, keymap, lineNumbers, ViewPlugin, type ViewUpdate } from '@codemirror/view';
import type { Ref } from 'preact';
import { useEffect, useImperativeHandle, useRef } from 'preact/hooks';
import { deluge } from './deluge_language';
import { tokenClasses } from './highlighting';
import { editorTheme } from './theme';
import type { CheckState, CompletionItem, EditorHandle, EditorLanguage, SourceDiagnostic } from './types';

export interface CodeEditorProps {
  label: string;                  // the accessible name of the text area
  initial: string;                // the text to start with (the editor owns it afterwards)
  language?: EditorLanguage;      // Deluge unless told
  onChange: (text: string) => void;
  check?: (text: string) => Promise<SourceDiagnostic[]>;  // run ~400 ms after typing stops
  // Where the check of the current text stands, with its problems (at their current places).
  onCheck?: (state: CheckState) => void;
  completions?: CompletionItem[];  // Deluge only
  onSave?: () => void;            // Ctrl-S / Cmd-S
  handle?: Ref<EditorHandle>;
  initialLine?: number;           // open with the cursor on this line, focused (a link to a line)
  initialColumn?: number;         // and at this column of it
}

const kCheckDelayMs = 400;

// The offset of a 1-based line and column, clamped into the document.
function offsetOf(doc: Text, line: number, column: number): number {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return l.from + Math.min(Math.max(column - 1, 0), l.length);
}

function toEditorDiagnostic(doc: Text, d: SourceDiagnostic): Diagnostic {
  const from = offsetOf(doc, d.line, d.column);
  let to = d.end_line ? offsetOf(doc, d.end_line, d.end_column ?? 1) : from;
  if (to <= from) {
    // A point: mark the word there, or the rest of the line.
    const line = doc.lineAt(from);
    const word = /^\w+/.exec(line.text.slice(from - line.from));
    to = word ? from + word[0].length : line.to;
  }
  return { from, to, severity: d.severity, message: d.message };
}

// What the editor shows now, back in lines and columns (for the list beside it).
function currentDiagnostics(state: EditorState): SourceDiagnostic[] {
  const out: SourceDiagnostic[] = [];
  forEachDiagnostic(state, (d, from, to) => {
    const start = state.doc.lineAt(from), end = state.doc.lineAt(to);
    out.push({ line: start.number, column: from - start.from + 1, end_line: end.number,
               end_column: to - end.from + 1, severity: d.severity === 'hint' ? 'info' : d.severity,
               message: d.message });
  });
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

function goTo(view: EditorView, line: number, column: number): void {
  const at = offsetOf(view.state.doc, line, column);
  view.dispatch({ selection: EditorSelection.cursor(at), effects: EditorView.scrollIntoView(at, { y: 'center' }) });
  view.focus();
}

const kCompletionType: Record<CompletionItem['kind'], string> = {
  keyword: 'keyword', function: 'function', method: 'method', task: 'namespace', variable: 'variable',
  type: 'type', connection: 'constant',
};

// A statement inserts its snippet (Tab then moves between its ${fields}, Escape leaves them).
function completionOf(item: CompletionItem): Completion {
  const c: Completion = { label: item.label, type: kCompletionType[item.kind],
                          ...(item.detail ? { detail: item.detail } : {}), ...(item.info ? { info: item.info } : {}) };
  return item.snippet ? snippetCompletion(item.snippet, c) : c;
}

interface CompletionLists {
  links: Completion[];
  methods: Completion[];
  words: Completion[];
}

function listsOf(items: CompletionItem[]): CompletionLists {
  const byKind = (kinds: CompletionItem['kind'][]): Completion[] =>
    items.filter((i) => kinds.includes(i.kind)).map(completionOf);
  return { links: byKind(['connection']), methods: byKind(['method']),
           words: byKind(['keyword', 'function', 'task', 'variable', 'type']) };
}

// A word, or the last word of a statement of several (for each, for each index, else if).
const kWord = /^(?:(?:for(?:\s+each)?|else)\s+)?\w*$/i;
const kWordBefore = /\b(?:(?:for(?:\s+each)?|else)\s+)?\w+$/i;

// Completion by what precedes the cursor: a link name inside a string, a built-in method after
// a dot, otherwise keywords, functions and integration tasks (zoho.crm.getRecordById). The
// lists arrive from the API after the editor opens, hence the getter.
function completeFrom(lists: () => CompletionLists) {
  return (context: CompletionContext): CompletionResult | null => {
    const { links, methods, words } = lists();
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const quotes = (before.match(/"/g) ?? []).length;
    if (quotes % 2 === 1) {
      const m = /"(\w*)$/.exec(before);
      return m ? { from: context.pos - m[1]!.length, options: links, validFor: /^\w*$/ } : null;
    }
    if (before.includes('//')) return null;
    const task = /zoho(\.\w*)+$/i.exec(before);
    if (task) return { from: context.pos - task[0].length, options: words, validFor: /^[\w.]*$/ };
    const method = /\.(\w*)$/.exec(before);
    if (method) return { from: context.pos - method[1]!.length, options: methods, validFor: /^\w*$/ };
    const word = kWordBefore.exec(before);
    if (!word && !context.explicit) return null;
    return { from: context.pos - (word?.[0].length ?? 0), options: words, validFor: kWord };
  };
}

// Checks the text when it opens and ~400 ms after typing stops (a newer text makes an older
// answer moot), shows the answer as CodeMirror's diagnostics, and tells the page where the
// check of the current text stands. CodeMirror's own linter() would report an empty list while
// the first check is still on its way, which reads as "no problems".
function checker(check: () => CodeEditorProps['check'], report: (state: CheckState) => void) {
  return ViewPlugin.fromClass(class {
    timer = 0;
    status: CheckState['status'] = 'checking';
    error: unknown = null;
    reported = '';

    constructor(readonly view: EditorView) {
      this.schedule(0);
    }

    schedule(delay: number) {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.run(), delay);
    }

    async run() {
      const source = check();
      const doc = this.view.state.doc;
      try {
        const found = source ? await source(doc.toString()) : [];
        if (this.view.state.doc !== doc) return;  // typed since: that text's check is coming
        this.status = 'checked';
        this.error = null;
        this.view.dispatch(setDiagnostics(this.view.state, found.map((d) => toEditorDiagnostic(doc, d))));
      } catch (e) {
        if (this.view.state.doc !== doc) return;
        this.status = 'failed';
        this.error = e;
        this.tell(this.view.state);
      }
    }

    update(update: ViewUpdate) {
      if (update.docChanged) {
        this.status = 'checking';
        this.schedule(kCheckDelayMs);
      }
      this.tell(update.state);
    }

    // The same text checked again: what the checker knows has changed (the declared arguments).
    recheck() {
      this.status = 'checking';
      this.tell(this.view.state);
      this.schedule(kCheckDelayMs);
    }

    tell(state: EditorState) {
      const now: CheckState = { status: this.status, error: this.error, diagnostics: currentDiagnostics(state) };
      const key = JSON.stringify([now.status, now.diagnostics, String(now.error)]);
      if (key !== this.reported) {
        this.reported = key;
        report(now);
      }
    }

    destroy() {
      clearTimeout(this.timer);
    }
  });
}

// Text typed or inserted over a selection is put in by CodeMirror rather than by the browser:
// Chrome, replacing highlighted text, keeps its look by writing a style attribute into the
// line, which the CSP refuses (and reports); CodeMirror would redraw the line anyway. The
// selection is read from the page, which CodeMirror may not have caught up with yet.
const replaceSelectionItself = EditorView.domEventHandlers({
  beforeinput(event, view) {
    const root = view.root as DocumentOrShadowRoot & { getSelection?: () => Selection | null };
    const selection = root.getSelection ? root.getSelection() : document.getSelection();
    if (event.inputType !== 'insertText' || event.data === null || !selection || selection.isCollapsed ||
        !selection.anchorNode || !selection.focusNode) {
      return false;
    }
    const anchor = view.posAtDOM(selection.anchorNode, selection.anchorOffset);
    const head = view.posAtDOM(selection.focusNode, selection.focusOffset);
    const from = Math.min(anchor, head), to = Math.max(anchor, head);
    event.preventDefault();
    view.dispatch({ changes: { from, to, insert: event.data }, selection: { anchor: from + event.data.length },
                    userEvent: 'input.type', scrollIntoView: true });
    return true;
  },
});

// The language's own extensions; YAML's grammar is fetched the first time an editor needs it.
function languageExtensions(language: EditorLanguage, lists: () => CompletionLists): Promise<Extension> {
  switch (language) {
    case 'deluge':
      // Nothing is chosen until an arrow key picks it, so Enter at the end of a line is always a
      // new line, however the list came up. So the list takes the arrow keys at once: with
      // CodeMirror's default 75 ms interactionDelay, an arrow pressed just after the list
      // opened moved the cursor and closed it instead, depending on how fast the machine was
      // (the browser test's ArrowDown did, on a loaded machine).
      return Promise.resolve([deluge, autocompletion({ override: [completeFrom(lists)], selectOnOpen: false,
                                                       interactionDelay: 0 })]);
    case 'yaml':
      return import('./yaml_language').then((m) => m.yaml);
  }
}

export function CodeEditor({ label, initial, language = 'deluge', onChange, check, onCheck, completions = [],
                             onSave, handle, initialLine, initialColumn }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The latest callbacks, read by the editor's extensions (made once).
  const props = useRef({ onChange, check, onCheck, onSave });
  props.current = { onChange, check, onCheck, onSave };
  const lists = useRef<{ from: CompletionItem[]; lists: CompletionLists } | null>(null);
  if (lists.current?.from !== completions) lists.current = { from: completions, lists: listsOf(completions) };

  const checks = useRef<ReturnType<typeof checker> | null>(null);

  useImperativeHandle(handle ?? null, () => ({
    goToLine(line: number, column = 1) {
      if (view.current) goTo(view.current, line, column);
    },
    focus() { view.current?.focus(); },
    recheck() {
      if (view.current && checks.current) view.current.plugin(checks.current)?.recheck();
    },
    setText(text: string) {
      view.current?.dispatch({ changes: { from: 0, to: view.current.state.doc.length, insert: text } });
    },
  }), []);

  useEffect(() => {
    const root = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' });
    const languageSlot = new Compartment();
    const extensions = [
      lineNumbers(),
      highlightActiveLineGutter(),
      history(),
      indentOnInput(),
      bracketMatching(),
      languageSlot.of([]),
      tokenClasses,
      lintGutter(),
      replaceSelectionItself,
      checks.current = checker(() => props.current.check, (state) => props.current.onCheck?.(state)),
      keymap.of([
        { key: 'Mod-s', preventDefault: true, run: () => { props.current.onSave?.(); return true; } },
        ...completionKeymap, ...lintKeymap, ...historyKeymap, ...defaultKeymap,
      ]),
      // An aria-labelledby could not reach a <label> outside the shadow root. The explicit
      // tabindex (a contenteditable is focusable anyway) tells axe-core that the scrolling
      // area around it has something the keyboard can reach.
      EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) props.current.onChange(update.state.doc.toString());
      }),
      editorTheme,
    ];
    const editor = new EditorView({
      root,
      parent: root,
      state: EditorState.create({ doc: initial, extensions }),
    });
    view.current = editor;
    languageExtensions(language, () => lists.current!.lists).then((ext) => {
      if (view.current === editor) editor.dispatch({ effects: languageSlot.reconfigure(ext) });
    }, (e: unknown) => console.error('could not load the editor\'s language', e));
    if (initialLine) goTo(editor, initialLine, initialColumn ?? 1);
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, []);

  return <div ref={host} class="code-editor" />;
}
