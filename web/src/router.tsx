// A small history-API router. The URL is the state: the path names the page and the object
// (/connections/c_1), the query names the organization and environment (?org=..&environment=..),
// so a link, a reload or the back button lands on the same page in the same scope. The server
// serves the console for each section's paths (src/server/static_files.cc, IsConsolePage).
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

// Goes to `to` (a path with an optional query). Without its own `org` and `environment`, the
// link keeps the current ones: pages link by path and stay in the scope the user chose.
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = hrefFor(to);
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  listeners.forEach((l) => l());
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
