import { formatTime } from '../format';

// An instant in words ("2025-03-14 09:26"), with the exact time for machines and tooltips;
// `never` when there is none.
export function Time({ ms, never = 'Never' }: { ms: number | null | undefined; never?: string }) {
  if (ms === null || ms === undefined || ms === 0) return <span>{never}</span>;
  const iso = new Date(ms).toISOString();
  return <time dateTime={iso} title={iso}>{formatTime(ms)}</time>;
}
