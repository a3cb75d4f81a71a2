// Deluge for CodeMirror: a stream tokenizer that follows src/deluge/lexer.cc and the words the
// parser gives meaning to (docs/language/syntax.md, statements.md, invokeurl-and-tasks.md), and
// indentation by brace and bracket depth. Keywords are case-insensitive, as in Deluge.
//
// Token names are @lezer/highlight tags; highlighting.ts gives each kind a stable class
// (tok-keyword, tok-string, ...), which the editor's theme colours and the browser tests read.
import { indentUnit, StreamLanguage, type StreamParser } from '@codemirror/language';

const kKeywords = new Set([
  'if', 'else', 'for', 'each', 'in', 'try', 'catch', 'throw', 'return', 'info', 'break',
  'continue', 'void', 'invokeurl', 'sendmail',
]);
const kAtoms = new Set(['true', 'false', 'null']);
// Parameter and return types of a function header (docs/language/syntax.md, "Function headers").
const kTypes = new Set([
  'string', 'text', 'int', 'integer', 'long', 'number', 'bigint', 'decimal', 'float', 'bool',
  'boolean', 'map', 'list', 'date', 'datetime', 'collection', 'file',
]);
const kMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'head']);

interface State {
  comment: boolean;       // inside /* ... */
  text: boolean;          // inside "...", which may span lines
  taskWord: boolean;      // saw invokeurl or sendmail: the next '[' opens a task block
  task: boolean;          // inside a task block's [ ... ]: `key: value` entries
  depth: number;          // open { [ ( for indentation
  afterKey: boolean;      // a task key and its ':' came last: a bare word is a value (GET, TEXT)
}

function skipText(stream: Parameters<StreamParser<State>['token']>[0], state: State): void {
  while (!stream.eol()) {
    const ch = stream.next();
    if (ch === '\\') stream.next();
    else if (ch === '"') {
      state.text = false;
      return;
    }
  }
}

const parser: StreamParser<State> = {
  name: 'deluge',
  startState: () => ({ comment: false, text: false, taskWord: false, task: false, depth: 0, afterKey: false }),
  copyState: (s) => ({ ...s }),

  token(stream, state) {
    if (state.comment) {
      if (stream.skipTo('*/')) {
        stream.pos += 2;
        state.comment = false;
      } else {
        stream.skipToEnd();
      }
      return 'comment';
    }
    if (state.text) {
      skipText(stream, state);
      return 'string';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match('/*')) {
      state.comment = true;
      return parser.token(stream, state);
    }
    const ch = stream.peek()!;
    if (ch === '"') {
      stream.next();
      state.text = true;
      state.afterKey = false;
      skipText(stream, state);
      return 'string';
    }
    if (ch === "'") {
      stream.next();
      if (!stream.skipTo("'")) stream.skipToEnd();
      else stream.next();
      state.afterKey = false;
      return 'string.special';
    }
    if (stream.match(/^\d+(\.\d+)?([eE][+-]?\d+)?/)) {
      state.afterKey = false;
      return 'number';
    }
    if (stream.match(/^zoho(\.[A-Za-z_][\w]*)+/i)) {
      state.afterKey = false;
      return 'namespace';
    }
    const word = stream.match(/^[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*/) as RegExpMatchArray | null;
    if (word) {
      const lower = word[0].toLowerCase();
      const afterKey = state.afterKey;
      state.afterKey = false;
      if (state.task && stream.match(/^\s*(?:[-\s][A-Za-z]+)*\s*:/, false)) {
        // A task block's key, which may hold a hyphen or a space: content-type, reply to.
        stream.match(/^(?:[-\s][A-Za-z]+)*/);
        state.afterKey = true;
        return 'propertyName';
      }
      if (afterKey && kMethods.has(lower)) return 'atom';
      if (lower === 'invokeurl' || lower === 'sendmail') state.taskWord = true;
      if (kKeywords.has(lower)) return 'keyword';
      if (kAtoms.has(lower)) return lower === 'null' ? 'null' : 'bool';
      // A type only where a header puts one: before a name (`Int leadId`, `void automation.f`).
      if (kTypes.has(lower) && stream.match(/^\s+[A-Za-z_]/, false)) return 'typeName';
      if (stream.match(/^\s*\(/, false)) return 'variableName.function';
      return 'variableName';
    }
    stream.next();
    if (ch === ':' && state.task) {
      state.afterKey = true;
      return 'punctuation';
    }
    state.afterKey = false;
    if (ch === '[') {
      state.depth++;
      if (state.taskWord) {
        state.task = true;
        state.taskWord = false;
      }
      return 'squareBracket';
    }
    if (ch === ']') {
      state.depth = Math.max(0, state.depth - 1);
      state.task = false;
      return 'squareBracket';
    }
    if (ch === '{' || ch === '(') {
      state.depth++;
      return ch === '{' ? 'brace' : 'paren';
    }
    if (ch === '}' || ch === ')') {
      state.depth = Math.max(0, state.depth - 1);
      return ch === '}' ? 'brace' : 'paren';
    }
    if (ch === ';') {
      state.taskWord = false;
      return 'punctuation';
    }
    if ('+-*/%=!<>&|'.includes(ch)) {
      stream.eatWhile(/[=&|>]/);
      return 'operator';
    }
    return null;
  },

  // One unit per open brace, bracket or parenthesis; a line that starts by closing one goes
  // back a level.
  indent(state, textAfter, context) {
    if (state.comment || state.text) return null;
    const closes = /^\s*[}\])]/.test(textAfter) ? 1 : 0;
    return Math.max(0, state.depth - closes) * context.unit;
  },

  languageData: {
    commentTokens: { line: '//', block: { open: '/*', close: '*/' } },
    indentOnInput: /^\s*[}\]]$/,
  },
};

// A tab is what Zoho's editor and the seed's scripts indent with.
export const deluge = [StreamLanguage.define(parser), indentUnit.of('\t')];
