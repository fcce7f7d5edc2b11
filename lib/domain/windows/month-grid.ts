import { type CalendarWindow, occurrences } from "./calendar";

const DAY = 86_400_000;

export interface GridDay {
  /** UTC midnight of the day, or null for padding before the 1st. */
  day: number | null;
  windows: { id: number; kind: CalendarWindow["kind"]; name: string }[];
}

/** A month (UTC) as weeks of days, Monday first, each day with the windows that touch it (F2's calendar). */
export function monthGrid(year: number, month0: number, windows: readonly CalendarWindow[]): GridDay[][] {
  const start = Date.UTC(year, month0, 1);
  const end = Date.UTC(year, month0 + 1, 1);
  const hits = windows.map((w) => ({ w, occ: occurrences(w, start, end) }));
  const lead = (new Date(start).getUTCDay() + 6) % 7; // Monday = 0
  const cells: GridDay[] = Array.from({ length: lead }, () => ({ day: null, windows: [] }));
  for (let d = start; d < end; d += DAY) {
    const touching = hits.filter(({ occ }) => occ.some((o) => o.start < d + DAY && o.end > d)).map(({ w }) => ({ id: w.id, kind: w.kind, name: w.name }));
    cells.push({ day: d, windows: touching });
  }
  while (cells.length % 7) cells.push({ day: null, windows: [] });
  const weeks: GridDay[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}
