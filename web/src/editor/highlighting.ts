// A stable class for each kind of token (tok-keyword, tok-string, ...), whatever the language:
// the editor's theme colours them (theme.ts, with the colours in styles/editor.css) and the
// browser tests read them. A tag with modifiers takes its base's class (YAML's keys are
// definition(propertyName): tok-property).
import { syntaxHighlighting } from '@codemirror/language';
import { tagHighlighter, tags } from '@lezer/highlight';

export const tokenClasses = syntaxHighlighting(tagHighlighter([
  { tag: tags.keyword, class: 'tok-keyword' },
  { tag: tags.comment, class: 'tok-comment' },
  { tag: tags.special(tags.string), class: 'tok-date' },
  { tag: tags.string, class: 'tok-string' },
  { tag: tags.number, class: 'tok-number' },
  { tag: [tags.bool, tags.null, tags.atom], class: 'tok-constant' },
  { tag: tags.namespace, class: 'tok-task' },
  { tag: tags.propertyName, class: 'tok-property' },
  { tag: tags.typeName, class: 'tok-type' },
  { tag: tags.function(tags.variableName), class: 'tok-function' },
  { tag: tags.variableName, class: 'tok-variable' },
  { tag: tags.operator, class: 'tok-operator' },
]));
