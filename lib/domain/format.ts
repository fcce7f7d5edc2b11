/**
 * "3 h 5 min", "110 s": durations for ages and countdowns. Under two minutes in seconds, so a
 * countdown never reads "1 min left" with 110 s to go.
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Absolute UTC time, the way the whole UI writes it: "2026-12-02 14:48:00Z". */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

/** Relative to `now`: "just now", "3 min ago", "in 2 h 5 min". */
export function formatAgo(ms: number, now: number): string {
  const d = now - ms;
  if (Math.abs(d) < 5_000) return "just now";
  return d > 0 ? `${formatDuration(d)} ago` : `in ${formatDuration(-d)}`;
}

/** Time of day in UTC for logs and chart axes within a day: "14:48:00". */
export const formatClock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
