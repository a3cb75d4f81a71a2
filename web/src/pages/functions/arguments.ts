// The run form's arguments: each parameter's type, from the function header as the checker
// read it (`void automation.sync(Int leadId, String name)`, docs/language/syntax.md), the control
// that suits it, and the JSON value the run request sends.
//
// A function without a header declares only names (`params`); their values may be anything, so
// they are entered as JSON, as `relish run --arg NAME=JSON` takes them.
import type { Header } from './model';

export type ArgumentKind = 'integer' | 'decimal' | 'boolean' | 'json' | 'text';

export interface Parameter {
  name: string;
  type: string | null;     // as the header gives it (int, string, map), or null without one
  kind: ArgumentKind;
}

// The header's types, in lowercase (the checker's), by the control they need; the others
// (string, date, ...) are typed as text and converted by the server.
const kKinds: Record<string, ArgumentKind> = {
  int: 'integer', integer: 'integer', long: 'integer', number: 'integer', bigint: 'integer',
  decimal: 'decimal', float: 'decimal',
  bool: 'boolean', boolean: 'boolean',
  map: 'json', list: 'json', collection: 'json',
};

// The parameters a run takes: the header's when the source has one, else the declared names.
export function parametersOf(header: Header | null, declared: string[]): Parameter[] {
  if (header) return header.params.map(({ name, type }) => ({ name, type, kind: kKinds[type] ?? 'text' }));
  return declared.map((name) => ({ name, type: null, kind: 'json' }));
}

// The form's text for a parameter, as the JSON value to send, or an error in words.
export function argumentValue(p: Parameter, input: string | boolean):
    { ok: true; value: unknown } | { ok: false; error: string } {
  if (p.kind === 'boolean') return { ok: true, value: input === true };
  const text = String(input);
  switch (p.kind) {
    case 'integer': {
      const digits = text.trim();
      if (!/^-?\d+$/.test(digits)) return { ok: false, error: 'Enter a whole number.' };
      // A CRM id has 19 digits, more than a JSON number keeps exactly: the server converts the
      // text to Int as it does a number.
      return { ok: true, value: Number.isSafeInteger(Number(digits)) ? Number(digits) : digits };
    }
    case 'decimal':
      if (text.trim() === '' || Number.isNaN(Number(text))) return { ok: false, error: 'Enter a number.' };
      return { ok: true, value: Number(text) };
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, error: 'Enter a JSON value: a map {…}, a list […], "text" in quotes, a number, true, false or null.' };
      }
    case 'text':
      return { ok: true, value: text };
  }
}

// A list of names typed as "contact, leadId" (the arguments of a function without a header).
export function parseNames(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}
