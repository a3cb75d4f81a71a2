import type { ComponentChildren } from 'preact';

export type Tone = 'neutral' | 'success' | 'warning' | 'danger' | 'info';

// A short status word. The word carries the meaning; the colour only repeats it.
export function Badge({ tone = 'neutral', children }: { tone?: Tone; children: ComponentChildren }) {
  return <span class={`ui-badge ui-badge--${tone}`}>{children}</span>;
}
