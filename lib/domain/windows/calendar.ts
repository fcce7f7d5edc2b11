import { z } from "zod";

/** Freeze periods block production deploys (F1); maintenance windows are shown on the calendar (F2). */
export const WINDOW_KINDS = ["freeze", "maintenance"] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];
export const windowKindSchema = z.enum(WINDOW_KINDS);

export const RECURRENCES = ["none", "yearly", "monthly_first_tuesday"] as const;
export type Recurrence = (typeof RECURRENCES)[number];
export const recurrenceSchema = z.enum(RECURRENCES);

/**
 * Times are ms UTC, the range is [startsAt, endsAt). For "yearly" only month/day/time of startsAt
 * and endsAt matter (a range may wrap the year end, e.g. Dec 31 -> Jan 2); for
 * "monthly_first_tuesday" only the UTC time of day of startsAt/endsAt matters.
 */
export interface CalendarWindow {
  id: number;
  kind: WindowKind;
  name: string;
  recurrence: Recurrence;
  startsAt: number;
  endsAt: number;
}

export interface Occurrence {
  start: number;
  end: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
export const MAX_WINDOW_DAYS = 31;
/** findOverlap compares occurrences over this horizon. */
export const OVERLAP_HORIZON_MS = 2 * 366 * DAY;
/** Guard against a caller asking for centuries of monthly occurrences. */
const MAX_OCCURRENCES = 10_000;

export const DEFAULT_WINDOWS: Omit<CalendarWindow, "id">[] = [
  {
    kind: "freeze",
    name: "Holiday freeze (Dec 24-26)",
    recurrence: "yearly",
    startsAt: Date.UTC(2026, 11, 24),
    endsAt: Date.UTC(2026, 11, 27),
  },
  {
    kind: "freeze",
    name: "New Year freeze (Dec 31-Jan 2)",
    recurrence: "yearly",
    startsAt: Date.UTC(2026, 11, 31),
    endsAt: Date.UTC(2027, 0, 3),
  },
  {
    kind: "maintenance",
    name: "Monthly maintenance (first Tuesday 02:00-04:00 UTC)",
    recurrence: "monthly_first_tuesday",
    startsAt: Date.UTC(2026, 11, 1, 2),
    endsAt: Date.UTC(2026, 11, 1, 4),
  },
];

// Civil-date arithmetic (H. Hinnant's algorithms) instead of Date objects: decide() evaluates
// up to thousands of windows per call, so this must stay allocation-free. month is 1..12.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

interface Civil {
  year: number;
  month: number; // 1..12
  day: number;
  tod: number; // ms since 00:00 UTC
}

function civilFromMs(ms: number): Civil {
  const days = Math.floor(ms / DAY);
  const tod = ms - days * DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day, tod };
}

/** UTC ms of 00:00 on the first Tuesday of `month0` (0-11; out-of-range months roll over the year). */
export function firstTuesday(year: number, month0: number): number {
  const y = year + Math.floor(month0 / 12);
  const m0 = ((month0 % 12) + 12) % 12;
  const days = daysFromCivil(y, m0 + 1, 1);
  const dow = (((days + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4); Tuesday is 2
  return (days + ((2 - dow + 7) % 7)) * DAY;
}

/** The yearly occurrence that starts in `year` (a Feb 29 start falls on Mar 1 in common years). */
function yearlyOccurrence(s: Civil, e: Civil, yearDelta: number, year: number): Occurrence {
  return {
    start: daysFromCivil(year, s.month, s.day) * DAY + s.tod,
    end: daysFromCivil(year + yearDelta, e.month, e.day) * DAY + e.tod,
  };
}

/** Duration of a monthly window: from the start's time of day to the end's, wrapping midnight. */
function monthlyDuration(w: CalendarWindow): { tod: number; duration: number } {
  const tod = civilFromMs(w.startsAt).tod;
  const endTod = civilFromMs(w.endsAt).tod;
  return { tod, duration: endTod > tod ? endTod - tod : endTod - tod + DAY };
}

function yearDeltaOf(s: Civil, e: Civil): number {
  // A yearly window spans at most into the next year (validation caps it at 31 days).
  return Math.min(1, Math.max(0, e.year - s.year));
}

/** Occurrences [start, end) of a window overlapping [from, to), earliest first. */
export function occurrences(w: CalendarWindow, from: number, to: number): Occurrence[] {
  const out: Occurrence[] = [];
  if (!(from < to) || !(w.endsAt > w.startsAt)) return out;
  if (w.recurrence === "none") {
    if (w.startsAt < to && w.endsAt > from) out.push({ start: w.startsAt, end: w.endsAt });
    return out;
  }
  if (w.recurrence === "yearly") {
    const s = civilFromMs(w.startsAt);
    const e = civilFromMs(w.endsAt);
    const delta = yearDeltaOf(s, e);
    const last = civilFromMs(to).year;
    // Start one year early: last year's occurrence may wrap into `from`'s year.
    for (let y = civilFromMs(from).year - 1; y <= last && out.length < MAX_OCCURRENCES; y++) {
      const o = yearlyOccurrence(s, e, delta, y);
      if (o.end > o.start && o.start < to && o.end > from) out.push(o);
    }
    return out;
  }
  const { tod, duration } = monthlyDuration(w);
  const f = civilFromMs(from);
  const t = civilFromMs(to);
  const lastIndex = t.year * 12 + t.month - 1;
  for (let i = f.year * 12 + f.month - 2; i <= lastIndex && out.length < MAX_OCCURRENCES; i++) {
    const start = firstTuesday(Math.floor(i / 12), i % 12) + tod;
    const end = start + duration;
    if (start < to && end > from) out.push({ start, end });
  }
  return out;
}

/** The occurrence of `w` in effect at `now`, if any; the allocation-light path used by decide(). */
export function occurrenceAt(w: CalendarWindow, now: number): Occurrence | undefined {
  return occurrenceAtCivil(w, now, civilFromMs(now));
}

/** What a recurring window repeats, derived from its timestamps once and reused across calls. */
interface Pattern {
  startsAt: number;
  endsAt: number;
  recurrence: Recurrence;
  s: Civil;
  e: Civil;
  delta: number;
  tod: number;
  duration: number;
}
// Keyed by the window object; the timestamps are re-checked so a mutated object is recomputed.
const patterns = new WeakMap<CalendarWindow, Pattern>();

function patternOf(w: CalendarWindow): Pattern {
  const p = patterns.get(w);
  if (p && p.startsAt === w.startsAt && p.endsAt === w.endsAt && p.recurrence === w.recurrence) return p;
  const s = civilFromMs(w.startsAt);
  const e = civilFromMs(w.endsAt);
  const { tod, duration } = monthlyDuration(w);
  const fresh: Pattern = { startsAt: w.startsAt, endsAt: w.endsAt, recurrence: w.recurrence, s, e, delta: yearDeltaOf(s, e), tod, duration };
  patterns.set(w, fresh);
  return fresh;
}

function occurrenceAtCivil(w: CalendarWindow, now: number, n: Civil): Occurrence | undefined {
  if (!(w.endsAt > w.startsAt)) return undefined;
  if (w.recurrence === "none") return w.startsAt <= now && now < w.endsAt ? { start: w.startsAt, end: w.endsAt } : undefined;
  const p = patternOf(w);
  if (w.recurrence === "yearly") {
    for (let y = n.year; y >= n.year - 1; y--) {
      const o = yearlyOccurrence(p.s, p.e, p.delta, y);
      if (o.start <= now && now < o.end) return o;
    }
    return undefined;
  }
  // A monthly occurrence lasts under a day from a day <= 7th, so only this month's can contain `now`.
  const start = firstTuesday(n.year, n.month - 1) + p.tod;
  return start <= now && now < start + p.duration ? { start, end: start + p.duration } : undefined;
}

/** Windows of `kind` in effect at `now` (with the occurrence), for policy and the banner; earliest start first. */
export function activeWindows(
  ws: readonly CalendarWindow[],
  kind: WindowKind,
  now: number,
): { window: CalendarWindow; start: number; end: number }[] {
  const out: { window: CalendarWindow; start: number; end: number }[] = [];
  const n = civilFromMs(now); // once per call, not per window
  for (const w of ws) {
    if (w.kind !== kind) continue;
    const o = occurrenceAtCivil(w, now, n);
    if (o) out.push({ window: w, start: o.start, end: o.end });
  }
  if (out.length > 1) out.sort((a, b) => a.start - b.start || a.window.id - b.window.id);
  return out;
}

/** The first occurrence of `w` that has not ended at `from` (within two years), or undefined. */
export function nextOccurrence(w: CalendarWindow, from: number): Occurrence | undefined {
  return occurrences(w, from, from + OVERLAP_HORIZON_MS)[0];
}

/** Next maintenance window start/end after `from` (first Tuesday of the month, 02:00-04:00 UTC by default). */
export function nextMaintenanceWindow(from: number, ws?: readonly CalendarWindow[]): Occurrence | undefined {
  const defaults = DEFAULT_WINDOWS.filter((w) => w.kind === "maintenance").map((w) => ({ ...w, id: 0 }));
  const candidates = ws ? ws.filter((w) => w.kind === "maintenance") : defaults;
  let best: Occurrence | undefined;
  for (const w of candidates) {
    const o = nextOccurrence(w, from);
    if (o && (!best || o.start < best.start)) best = o;
  }
  return best;
}

function overlapsAny(a: readonly Occurrence[], b: readonly Occurrence[]): boolean {
  // Both lists are sorted by start and (per window) disjoint: a two-pointer sweep, not a cross product.
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.start < y.end && y.start < x.end) return true;
    if (x.end <= y.end) i++;
    else j++;
  }
  return false;
}

/**
 * A new window may not overlap an existing one of the same kind (occurrences compared over the
 * next 2 years, or the candidate's own range when it is a one-off further out); returns the
 * clashing window. When editing, leave the edited window out of `existing`.
 */
export function findOverlap(
  candidate: Omit<CalendarWindow, "id">,
  existing: readonly CalendarWindow[],
  now: number,
): CalendarWindow | undefined {
  let from = now;
  let to = now + OVERLAP_HORIZON_MS;
  if (candidate.recurrence === "none") {
    from = Math.min(from, candidate.startsAt);
    to = Math.max(to, candidate.endsAt);
  }
  const mine = occurrences({ ...candidate, id: 0 }, from, to);
  if (mine.length === 0) return undefined;
  for (const w of existing) {
    if (w.kind !== candidate.kind) continue;
    if (overlapsAny(mine, occurrences(w, from, to))) return w;
  }
  return undefined;
}

export const WINDOW_MESSAGES = {
  endAfterStart: "The window must end after it starts.",
  tooLong: `A window may last at most ${MAX_WINDOW_DAYS} days.`,
  monthlyTooLong: "A monthly window must be shorter than 24 hours (only its time of day repeats).",
  invalidInstant: "Enter a valid date and time (UTC).",
  overlap: (name: string): string => `This window overlaps "${name}".`,
} as const;

/** ISO text (a time without a zone is read as UTC, as the form says), epoch ms, or a Date. */
const instantSchema = z.union([z.number(), z.string().max(64, WINDOW_MESSAGES.invalidInstant), z.date()]).transform((v, ctx) => {
  let ms: number;
  if (typeof v === "number") ms = v;
  else if (v instanceof Date) ms = v.getTime();
  else {
    const text = v.trim();
    if (/^-?\d+$/.test(text)) ms = Number(text);
    else ms = Date.parse(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
  }
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: WINDOW_MESSAGES.invalidInstant });
    return z.NEVER;
  }
  return ms;
});

export const windowInputSchema = z
  .object({
    kind: windowKindSchema,
    name: z.string().trim().min(1, "Name the window.").max(100, "Keep the name under 100 characters."),
    recurrence: recurrenceSchema.default("none"),
    startsAt: instantSchema,
    endsAt: instantSchema,
  })
  .superRefine((w, ctx) => {
    const span = w.endsAt - w.startsAt;
    if (span <= 0) ctx.addIssue({ code: "custom", path: ["endsAt"], message: WINDOW_MESSAGES.endAfterStart });
    else if (w.recurrence === "monthly_first_tuesday" && span >= DAY) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: WINDOW_MESSAGES.monthlyTooLong });
    } else if (span > MAX_WINDOW_DAYS * DAY) ctx.addIssue({ code: "custom", path: ["endsAt"], message: WINDOW_MESSAGES.tooLong });
  });
export type WindowInput = z.infer<typeof windowInputSchema>;
