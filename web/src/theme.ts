// Light and dark themes: the system's preference (prefers-color-scheme) until the user picks
// one with the toggle, which is remembered in localStorage. The stylesheet reads
// <html data-theme="light|dark">.
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';

export type Theme = 'light' | 'dark';
const kStorageKey = 'relish.theme';
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

function chosen(): Theme | null {
  const value = window.localStorage.getItem(kStorageKey);
  return value === 'light' || value === 'dark' ? value : null;
}

function apply(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
}

export function applyInitialTheme(): void {
  apply(chosen() ?? (systemDark.matches ? 'dark' : 'light'));
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => chosen() ?? (systemDark.matches ? 'dark' : 'light'));
  useLayoutEffect(() => apply(theme), [theme]);
  useEffect(() => {
    const follow = () => { if (!chosen()) setTheme(systemDark.matches ? 'dark' : 'light'); };
    systemDark.addEventListener('change', follow);
    return () => systemDark.removeEventListener('change', follow);
  }, []);
  const toggle = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark';
    window.localStorage.setItem(kStorageKey, next);
    setTheme(next);
  };
  return [theme, toggle];
}
