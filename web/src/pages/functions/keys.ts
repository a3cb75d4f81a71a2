// A function's place in the URL. Function and topping names are a letter, then letters,
// digits and '_', so a '.' can join them: TOPPING.NAME, as Deluge calls a topping's function.
// The organization's own function is plain NAME, except one named "new", which would be the
// page that creates one: it is ".new".
import type { FunctionRef } from './model';

export function functionKey(ref: FunctionRef): string {
  if (ref.topping) return `${ref.topping}.${ref.name}`;
  return ref.name === 'new' ? '.new' : ref.name;
}

export function parseKey(key: string): FunctionRef {
  const dot = key.indexOf('.');
  return dot < 0 ? { topping: '', name: key } : { topping: key.slice(0, dot), name: key.slice(dot + 1) };
}

export function functionPath(ref: FunctionRef): string {
  return `/functions/${encodeURIComponent(functionKey(ref))}`;
}
