import { describe, expect, it } from "vitest";
import {
  type CalendarWindow,
  DEFAULT_WINDOWS,
  WINDOW_MESSAGES,
  activeWindows,
  findOverlap,
  firstTuesday,
  nextMaintenanceWindow,
  nextOccurrence,
  occurrenceAt,
  occurrences,
  windowInputSchema,
} from "@/lib/domain/windows/calendar";

const H = 3600_000;
const defaults: CalendarWindow[] = DEFAULT_WINDOWS.map((w, i) => ({ ...w, id: i + 1 }));
const utc = (y: number, m: number, d: number, h = 0, mi = 0) => Date.UTC(y, m - 1, d, h, mi);
const win = (id: number, patch: Partial<CalendarWindow>): CalendarWindow => ({
  id,
  kind: "freeze",
  name: `W${id}`,
  recurrence: "none",
  startsAt: utc(2027, 3, 1),
  endsAt: utc(2027, 3, 2),
  ...patch,
});

describe("DEFAULT_WINDOWS", () => {
  it("has the runbook's two freezes and the monthly maintenance", () => {
    expect(DEFAULT_WINDOWS.map((w) => [w.kind, w.name, w.recurrence])).toEqual([
      ["freeze", "Holiday freeze (Dec 24-26)", "yearly"],
      ["freeze", "New Year freeze (Dec 31-Jan 2)", "yearly"],
      ["maintenance", "Monthly maintenance (first Tuesday 02:00-04:00 UTC)", "monthly_first_tuesday"],
    ]);
    for (const w of DEFAULT_WINDOWS) expect(windowInputSchema.safeParse(w).success).toBe(true);
  });
});

describe("freeze defaults over several years (2024 and 2028 are leap years)", () => {
  const cases: [string, (y: number) => number, string | null][] = [
    ["Dec 23 23:59", (y) => utc(y, 12, 23, 23, 59), null],
    ["Dec 24 00:00", (y) => utc(y, 12, 24), "Holiday freeze (Dec 24-26)"],
    ["Dec 25 12:00", (y) => utc(y, 12, 25, 12), "Holiday freeze (Dec 24-26)"],
    ["Dec 26 23:59", (y) => utc(y, 12, 26, 23, 59), "Holiday freeze (Dec 24-26)"],
    ["Dec 27 00:00", (y) => utc(y, 12, 27), null],
    ["Dec 30 23:59", (y) => utc(y, 12, 30, 23, 59), null],
    ["Dec 31 00:00", (y) => utc(y, 12, 31), "New Year freeze (Dec 31-Jan 2)"],
    ["Jan 1 00:00", (y) => utc(y + 1, 1, 1), "New Year freeze (Dec 31-Jan 2)"],
    ["Jan 1 12:00", (y) => utc(y + 1, 1, 1, 12), "New Year freeze (Dec 31-Jan 2)"],
    ["Jan 2 23:59", (y) => utc(y + 1, 1, 2, 23, 59), "New Year freeze (Dec 31-Jan 2)"],
    ["Jan 3 00:00", (y) => utc(y + 1, 1, 3), null],
    ["Feb 29 (leap) / Mar 1", (y) => (y % 4 === 0 ? utc(y, 2, 29, 12) : utc(y, 3, 1, 12)), null],
    ["Jul 4", (y) => utc(y, 7, 4), null],
  ];
  const rows = [2023, 2024, 2026, 2027, 2028, 2031].flatMap((year) => cases.map(([label, at, name]) => ({ year, label, at: at(year), name })));
  it.each(rows)("$year $label -> $name", ({ at, name }) => {
    const active = activeWindows(defaults, "freeze", at);
    expect(active.map((a) => a.window.name)).toEqual(name ? [name] : []);
  });

  it("the New Year occurrence wraps the year end with the right bounds", () => {
    const [a] = activeWindows(defaults, "freeze", utc(2029, 1, 2, 8));
    expect(a).toMatchObject({ start: utc(2028, 12, 31), end: utc(2029, 1, 3) });
  });

  it("freezes are not maintenance windows", () => {
    expect(activeWindows(defaults, "maintenance", utc(2026, 12, 25))).toEqual([]);
  });
});

describe("firstTuesday", () => {
  it.each<[number, number, string]>([
    [2026, 11, "2026-12-01"],
    [2027, 0, "2027-01-05"],
    [2027, 1, "2027-02-02"],
    [2026, 0, "2026-01-06"],
    [2026, 8, "2026-09-01"],
    [2024, 1, "2024-02-06"],
    [2028, 1, "2028-02-01"],
    [2030, 9, "2030-10-01"],
    [2025, 6, "2025-07-01"],
    [2031, 11, "2031-12-02"],
    [2000, 1, "2000-02-01"],
    [1969, 11, "1969-12-02"],
    [2026, 12, "2027-01-05"], // month 12 rolls into January of the next year
    [2027, -1, "2026-12-01"],
  ])("%i month0 %i -> %s", (year, month0, iso) => {
    const ms = firstTuesday(year, month0);
    expect(new Date(ms).toISOString()).toBe(`${iso}T00:00:00.000Z`);
    expect(new Date(ms).getUTCDay()).toBe(2);
  });

  it("agrees with Date for every month 1990-2060", () => {
    for (let y = 1990; y <= 2060; y++) {
      for (let m = 0; m < 12; m++) {
        let d = 1;
        while (new Date(Date.UTC(y, m, d)).getUTCDay() !== 2) d++;
        expect(firstTuesday(y, m)).toBe(Date.UTC(y, m, d));
      }
    }
  });
});

describe("maintenance window (first Tuesday 02:00-04:00 UTC)", () => {
  it.each<[string, number, boolean]>([
    ["2026-12-01 01:59", utc(2026, 12, 1, 1, 59), false],
    ["2026-12-01 02:00", utc(2026, 12, 1, 2), true],
    ["2026-12-01 03:59", utc(2026, 12, 1, 3, 59), true],
    ["2026-12-01 04:00", utc(2026, 12, 1, 4), false],
    ["2026-12-08 02:30 (second Tuesday)", utc(2026, 12, 8, 2, 30), false],
    ["2027-01-05 03:00", utc(2027, 1, 5, 3), true],
    ["2027-02-02 02:00", utc(2027, 2, 2, 2), true],
    ["2027-02-03 02:00", utc(2027, 2, 3, 2), false],
  ])("%s -> %s", (_l, at, on) => {
    expect(activeWindows(defaults, "maintenance", at).length).toBe(on ? 1 : 0);
  });

  it.each<[string, number, number]>([
    ["before this month's", utc(2026, 12, 1), utc(2026, 12, 1, 2)],
    ["during it (not ended yet)", utc(2026, 12, 1, 3), utc(2026, 12, 1, 2)],
    ["after this month's", utc(2026, 12, 1, 4), utc(2027, 1, 5, 2)],
    ["mid January", utc(2027, 1, 20), utc(2027, 2, 2, 2)],
  ])("next maintenance %s", (_l, from, start) => {
    expect(nextMaintenanceWindow(from)).toEqual({ start, end: start + 2 * H });
    expect(nextMaintenanceWindow(from, defaults)).toEqual({ start, end: start + 2 * H });
  });

  it("a monthly window wrapping midnight lasts into Wednesday", () => {
    const w = win(9, { kind: "maintenance", recurrence: "monthly_first_tuesday", startsAt: utc(2026, 1, 1, 23), endsAt: utc(2026, 1, 2, 1) });
    expect(occurrenceAt(w, utc(2027, 2, 3, 0, 30))).toEqual({ start: utc(2027, 2, 2, 23), end: utc(2027, 2, 3, 1) });
  });
});

describe("occurrences", () => {
  it("monthly occurrences over a quarter", () => {
    const [m] = defaults.filter((w) => w.kind === "maintenance");
    expect(occurrences(m!, utc(2027, 1, 1), utc(2027, 4, 1)).map((o) => new Date(o.start).toISOString())).toEqual([
      "2027-01-05T02:00:00.000Z",
      "2027-02-02T02:00:00.000Z",
      "2027-03-02T02:00:00.000Z",
    ]);
  });

  it("yearly occurrences include the one wrapping into the range", () => {
    const ny = defaults[1]!;
    expect(occurrences(ny, utc(2027, 1, 2), utc(2029, 1, 1))).toEqual([
      { start: utc(2026, 12, 31), end: utc(2027, 1, 3) },
      { start: utc(2027, 12, 31), end: utc(2028, 1, 3) },
      { start: utc(2028, 12, 31), end: utc(2029, 1, 3) },
    ]);
  });

  it.each<[string, number, number, number]>([
    ["one-off inside", utc(2027, 2, 1), utc(2027, 4, 1), 1],
    ["one-off touching the end is excluded ([start, end))", utc(2027, 3, 2), utc(2027, 4, 1), 0],
    ["one-off touching the start is excluded", utc(2027, 2, 1), utc(2027, 3, 1), 0],
    ["empty range", utc(2027, 3, 1, 12), utc(2027, 3, 1, 12), 0],
  ])("%s", (_l, from, to, n) => expect(occurrences(win(1, {}), from, to)).toHaveLength(n));

  it("a yearly Feb 29 window falls on Mar 1 in common years", () => {
    const w = win(1, { recurrence: "yearly", startsAt: utc(2028, 2, 29), endsAt: utc(2028, 3, 1) });
    expect(occurrenceAt(w, utc(2028, 2, 29, 12))).toEqual({ start: utc(2028, 2, 29), end: utc(2028, 3, 1) });
    expect(occurrenceAt(w, utc(2027, 3, 1, 0))).toBeUndefined(); // Mar 1 -> Mar 1: empty in a common year
  });

  it("is arithmetic near the range, not from the epoch (far-future year)", () => {
    const far = utc(9000, 12, 25);
    expect(activeWindows(defaults, "freeze", far).map((a) => a.start)).toEqual([utc(9000, 12, 24)]);
    expect(nextOccurrence(defaults[2]!, far)?.start).toBe(firstTuesday(9001, 0) + 2 * H);
  });

  it("an inverted stored window never occurs", () => {
    const bad = win(1, { startsAt: utc(2027, 3, 2), endsAt: utc(2027, 3, 1) });
    expect(occurrences(bad, 0, utc(2030, 1, 1))).toEqual([]);
    expect(occurrenceAt(bad, utc(2027, 3, 1, 12))).toBeUndefined();
  });

  it("activeWindows lists every active window of the kind, earliest first", () => {
    const ws = [win(1, { name: "Launch", startsAt: utc(2026, 12, 20), endsAt: utc(2026, 12, 28) }), ...defaults];
    expect(activeWindows(ws, "freeze", utc(2026, 12, 25)).map((a) => a.window.name)).toEqual(["Launch", "Holiday freeze (Dec 24-26)"]);
  });
});

describe("windowInputSchema", () => {
  const base = { kind: "freeze", name: "Black Friday", recurrence: "none", startsAt: "2026-11-27T00:00:00Z", endsAt: "2026-11-30T00:00:00Z" };
  it.each<{ name: string; input: Record<string, unknown>; ok: boolean; message?: string }>([
    { name: "ISO strings", input: base, ok: true },
    { name: "epoch ms", input: { ...base, startsAt: utc(2026, 11, 27), endsAt: utc(2026, 11, 30) }, ok: true },
    { name: "ms as text", input: { ...base, startsAt: String(utc(2026, 11, 27)), endsAt: String(utc(2026, 11, 30)) }, ok: true },
    { name: "datetime-local without zone (read as UTC)", input: { ...base, startsAt: "2026-11-27T00:00", endsAt: "2026-11-30T00:00" }, ok: true },
    { name: "inverted", input: { ...base, startsAt: base.endsAt, endsAt: base.startsAt }, ok: false, message: WINDOW_MESSAGES.endAfterStart },
    { name: "zero length", input: { ...base, endsAt: base.startsAt }, ok: false, message: WINDOW_MESSAGES.endAfterStart },
    { name: "longer than 31 days", input: { ...base, endsAt: "2027-01-15T00:00:00Z" }, ok: false, message: WINDOW_MESSAGES.tooLong },
    { name: "exactly 31 days", input: { ...base, startsAt: "2026-12-01T00:00Z", endsAt: "2027-01-01T00:00Z" }, ok: true },
    {
      name: "monthly of a day or more",
      input: { ...base, kind: "maintenance", recurrence: "monthly_first_tuesday", startsAt: "2026-12-01T02:00Z", endsAt: "2026-12-02T02:00Z" },
      ok: false,
      message: WINDOW_MESSAGES.monthlyTooLong,
    },
    { name: "garbage date", input: { ...base, startsAt: "next week" }, ok: false, message: WINDOW_MESSAGES.invalidInstant },
    { name: "blank name", input: { ...base, name: "  " }, ok: false },
    { name: "unknown kind", input: { ...base, kind: "holiday" }, ok: false },
    { name: "unknown recurrence", input: { ...base, recurrence: "weekly" }, ok: false },
  ])("$name -> $ok", ({ input, ok, message }) => {
    const r = windowInputSchema.safeParse(input);
    expect(r.success).toBe(ok);
    if (!r.success && message) expect(r.error.issues.map((i) => i.message)).toContain(message);
  });

  it("coerces to ms and defaults the recurrence", () => {
    const { recurrence: _r, ...noRecurrence } = base;
    expect(windowInputSchema.parse({ ...noRecurrence, startsAt: "2026-11-27T00:00" })).toEqual({
      kind: "freeze",
      name: "Black Friday",
      recurrence: "none",
      startsAt: utc(2026, 11, 27),
      endsAt: utc(2026, 11, 30),
    });
  });

  it("the inverted-window error sits on endsAt", () => {
    const r = windowInputSchema.safeParse({ ...base, startsAt: base.endsAt, endsAt: base.startsAt });
    expect(r.error?.issues[0]?.path).toEqual(["endsAt"]);
  });
});

describe("findOverlap", () => {
  const NOW = utc(2026, 6, 1);
  const existing: CalendarWindow[] = [...defaults, win(10, { name: "Launch freeze", startsAt: utc(2026, 9, 10), endsAt: utc(2026, 9, 12) })];
  type Row = { name: string; candidate: Omit<CalendarWindow, "id">; clash: string | undefined };
  const c = (patch: Partial<CalendarWindow>) => {
    const { id: _id, ...rest } = win(0, patch);
    return rest;
  };
  it.each<Row>([
    { name: "one-off inside the holiday freeze", candidate: c({ startsAt: utc(2026, 12, 25), endsAt: utc(2026, 12, 26) }), clash: "Holiday freeze (Dec 24-26)" },
    { name: "one-off next year inside the New Year freeze", candidate: c({ startsAt: utc(2028, 1, 1), endsAt: utc(2028, 1, 2) }), clash: "New Year freeze (Dec 31-Jan 2)" },
    { name: "one-off touching the holiday end", candidate: c({ startsAt: utc(2026, 12, 27), endsAt: utc(2026, 12, 31) }), clash: undefined },
    { name: "one-off overlapping the launch freeze", candidate: c({ startsAt: utc(2026, 9, 11), endsAt: utc(2026, 9, 15) }), clash: "Launch freeze" },
    { name: "one-off in spring", candidate: c({ startsAt: utc(2027, 3, 1), endsAt: utc(2027, 3, 5) }), clash: undefined },
    {
      name: "yearly Dec 20-25 clashes with the holiday freeze",
      candidate: c({ recurrence: "yearly", startsAt: utc(2026, 12, 20), endsAt: utc(2026, 12, 25) }),
      clash: "Holiday freeze (Dec 24-26)",
    },
    {
      name: "yearly Sep 11 clashes with the one-off launch freeze",
      candidate: c({ recurrence: "yearly", startsAt: utc(2020, 9, 11), endsAt: utc(2020, 9, 12) }),
      clash: "Launch freeze",
    },
    {
      name: "maintenance is compared with maintenance only",
      candidate: c({ kind: "maintenance", startsAt: utc(2026, 12, 25), endsAt: utc(2026, 12, 26) }),
      clash: undefined,
    },
    {
      name: "a maintenance one-off on the first Tuesday",
      candidate: c({ kind: "maintenance", startsAt: utc(2027, 2, 2, 3), endsAt: utc(2027, 2, 2, 5) }),
      clash: "Monthly maintenance (first Tuesday 02:00-04:00 UTC)",
    },
    {
      name: "a second monthly maintenance at 03:00",
      candidate: c({ kind: "maintenance", recurrence: "monthly_first_tuesday", startsAt: utc(2026, 1, 1, 3), endsAt: utc(2026, 1, 1, 5) }),
      clash: "Monthly maintenance (first Tuesday 02:00-04:00 UTC)",
    },
    {
      name: "a monthly maintenance at 04:00 (adjacent)",
      candidate: c({ kind: "maintenance", recurrence: "monthly_first_tuesday", startsAt: utc(2026, 1, 1, 4), endsAt: utc(2026, 1, 1, 6) }),
      clash: undefined,
    },
    {
      name: "a one-off beyond the 2-year horizon still checks its own range",
      candidate: c({ startsAt: utc(2031, 12, 25), endsAt: utc(2031, 12, 26) }),
      clash: "Holiday freeze (Dec 24-26)",
    },
    { name: "an inverted candidate clashes with nothing", candidate: c({ startsAt: utc(2026, 12, 26), endsAt: utc(2026, 12, 25) }), clash: undefined },
  ])("$name -> $clash", ({ candidate, clash }) => {
    expect(findOverlap(candidate, existing, NOW)?.name).toBe(clash);
  });

  it("past one-off windows do not clash with a recurring candidate", () => {
    const old = win(20, { name: "Old", startsAt: utc(2025, 3, 1), endsAt: utc(2025, 3, 2) });
    expect(findOverlap(c({ recurrence: "yearly", startsAt: utc(2025, 3, 1), endsAt: utc(2025, 3, 2) }), [old], NOW)).toBeUndefined();
  });

  it("WINDOW_MESSAGES.overlap names the window", () => {
    expect(WINDOW_MESSAGES.overlap("Holiday freeze (Dec 24-26)")).toBe('This window overlaps "Holiday freeze (Dec 24-26)".');
  });
});
