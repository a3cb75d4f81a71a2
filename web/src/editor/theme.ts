// The editor's look, in the console's CSS variables (styles/editor.css defines the syntax
// colours per theme, each with AA contrast on --surface), so one theme serves light and dark.
// Mounted by CodeMirror as a constructable stylesheet in the editor's shadow root.
import { EditorView } from '@codemirror/view';

const kMono = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

export const editorTheme = EditorView.theme({
  '&': {
    color: 'var(--text)',
    backgroundColor: 'var(--surface)',
    border: '1px solid var(--border)',
    borderRadius: 'var(--radius)',
    fontSize: '14px',
  },
  '&.cm-focused': { outline: '3px solid var(--focus)', outlineOffset: '2px' },
  '.cm-scroller': { fontFamily: kMono, lineHeight: '1.5', maxHeight: '34rem' },
  '.cm-content, .cm-gutter': { minHeight: '18rem' },
  '.cm-content': { caretColor: 'var(--text)', padding: '.5rem 0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--selection)',
  },
  '.cm-gutters': {
    backgroundColor: 'var(--surface-2)',
    color: 'var(--text-muted)',
    borderRight: '1px solid var(--border)',
    borderRadius: 'var(--radius) 0 0 var(--radius)',
  },
  '.cm-activeLineGutter': { backgroundColor: 'var(--border)', color: 'var(--text)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--selection)', outline: '1px solid var(--text-muted)' },
  '.cm-tooltip': {
    backgroundColor: 'var(--surface)', color: 'var(--text)', border: '1px solid var(--border)',
    borderRadius: 'var(--radius)', boxShadow: 'var(--shadow)',
  },
  '.cm-tooltip-autocomplete ul': { fontFamily: kMono },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: 'var(--accent-text)' },
  '.cm-completionDetail': { color: 'inherit', opacity: '1', fontStyle: 'normal', marginLeft: '1em' },
  '.cm-diagnostic': { padding: '.3rem .6rem' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--danger)' },
  '.cm-diagnostic-warning': { borderLeftColor: 'var(--warning)' },
  '.cm-lintRange-error': { textDecoration: 'underline wavy var(--danger)', textUnderlineOffset: '3px', backgroundImage: 'none' },
  '.cm-lintRange-warning': { textDecoration: 'underline wavy var(--warning)', textUnderlineOffset: '3px', backgroundImage: 'none' },
  '.tok-keyword': { color: 'var(--syntax-keyword)', fontWeight: '600' },
  '.tok-string, .tok-date': { color: 'var(--syntax-string)' },
  '.tok-number, .tok-constant': { color: 'var(--syntax-constant)' },
  '.tok-comment': { color: 'var(--syntax-comment)', fontStyle: 'italic' },
  '.tok-task': { color: 'var(--syntax-task)' },
  '.tok-property': { color: 'var(--syntax-property)' },
  '.tok-type': { color: 'var(--syntax-type)' },
  '.tok-function': { color: 'var(--syntax-function)' },
  '.tok-operator': { color: 'var(--text-muted)' },
});
