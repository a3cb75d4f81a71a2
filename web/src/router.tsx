// A small history-API router. The URL is the state: the path names the page and the object
// (/connections/c_1), the query names the organization and environment (?org=..&environment=..),
// so a link, a reload or the back button lands on the same page in the same scope. The server
// serves the console for each section's paths (src/server/static_files.cc, IsConsolePage).
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();
const here = () => window.location.pathname + window.location.search + window.location.hash;
// Where the console was before the browser's back or forward button moved it: put back when
// the user chooses to stay with unsaved changes.
let shown = here();
window.addEventListener('popstate', () => {
  if (!mayLeave()) {
    window.history.pushState(null, '', shown);
    return;
  }
  shown = here();
  listeners.forEach((l) => l());
});

// Editors with unsaved changes: each answers whether it has some now, and what to ask.
const unsaved = new Set<() => string | null>();

// Asks about each editor's unsaved changes (the browser's own confirm: modal, keyboard and
// screen reader friendly); false when the user chose to stay.
function mayLeave(): boolean {
  for (const question of unsaved) {
    const text = question();
    if (text !== null && !window.confirm(text)) return false;
  }
  return true;
}

// While `dirty` says there are unsaved changes, leaving the page asks first: an in-app link,
// the back button (mayLeave) and closing or reloading the tab (beforeunload, where the browser
// asks in its own words). Navigation that follows a save passes `force`.
export function useUnsavedChanges(dirty: () => boolean, what: string): void {
  const latest = useRef(dirty);
  latest.current = dirty;
  useEffect(() => {
    const question = () => (latest.current() ? `${what} has unsaved changes. Leave and lose them?` : null);
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (!latest.current()) return;
      event.preventDefault();
      event.returnValue = '';  // what Chromium needs to ask
    };
    unsaved.add(question);
    window.addEventListener('beforeunload', beforeUnload);
    return () => {
      unsaved.delete(question);
      window.removeEventListener('beforeunload', beforeUnload);
    };
  }, [what]);
}

// Goes to `to` (a path with an optional query). Without its own `org` and `environment`, the
// link keeps the current ones: pages link by path and stay in the scope the user chose. An
// editor's unsaved changes are asked about first, unless `force` (the changes were just saved);
// false when the user chose to stay.
export function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): boolean {
  const target = hrefFor(to);
  if (target === here()) return true;
  if (!options.force && !mayLeave()) return false;
  if (options.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  shown = here();
  listeners.forEach((l) => l());
  return true;
}

// The current location; the component re-renders when it changes.
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return location;
}

// Matches a pattern such as "/connections/:id" against a path: the decoded parameters, or null.
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

// `to` with the current organization and environment unless it names its own: what a link
// shows (so "open in a new tab" keeps the scope) and where navigate goes.
export function hrefFor(to: string): string {
  const url = new URL(to, window.location.origin);
  const here = new URLSearchParams(window.location.search);
  for (const key of ['org', 'environment']) {
    const value = here.get(key);
    if (!url.searchParams.has(key) && value !== null) url.searchParams.set(key, value);
  }
  return url.pathname + url.search + url.hash;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'> & {
  href: string;
  children?: ComponentChildren;
};

// An <a> that navigates in place; a modified click (new tab, new window) is left to the browser.
export function Link({ href, onClick, ...rest }: LinkProps) {
  const follow = (event: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
    if (typeof onClick === 'function') onClick(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return <a {...rest} href={hrefFor(href)} onClick={follow} />;
}
