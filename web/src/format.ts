// How the console writes numbers, times and durations: the same text on every machine's locale,
// so a page reads the same for everyone (and its browser tests can compare exact text).

const pad = (n: number) => String(n).padStart(2, '0');

// "2026-05-01 10:20:30" in the browser's time zone (a <time> element carries the exact instant).
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "48 ms", "1.2 s".
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// A duration measured in microseconds: "840 µs" below a millisecond, else as formatDuration.
export function formatMicros(us: number): string {
  return us < 1000 ? `${us} µs` : formatDuration(us / 1000);
}

// "1 scope", "3 scopes".
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
