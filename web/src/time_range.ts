// The "When" filter of the execution log and the audit: a recent window, or a custom range
// typed as local date and time (the URL keeps the typed text, so a filtered page is a link).
export const kSince: Record<string, number> = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 };

export const kSinceOptions = [
  { value: '', label: 'Any time' }, { value: '1h', label: 'In the last hour' },
  { value: '24h', label: 'In the last 24 hours' }, { value: '7d', label: 'In the last 7 days' },
  { value: 'custom', label: 'Between…' },
];

// A datetime-local input's text ("2026-12-06T09:30") as epoch milliseconds in the browser's
// time zone; undefined when empty or not a time.
export function localMs(text: string): number | undefined {
  if (!text) return undefined;
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

// The API's bounds (epoch ms) for a filter: entries at or after `since`, before `until`.
export function timeBounds(since: string, from: string, to: string, now = Date.now()): { since?: number; until?: number } {
  if (since === 'custom') return { since: localMs(from), until: localMs(to) };
  return since && kSince[since] ? { since: now - kSince[since]! } : {};
}
