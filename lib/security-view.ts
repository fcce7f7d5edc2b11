import type { Executor } from "@/db/connection";
import { listEnvironments } from "@/db/queries/catalog";
import { listWindows, liveOverrides, readGate, recentOverrides } from "@/db/queries/governance";
import { activeWindows, nextOccurrence, occurrenceAt } from "@/lib/domain/windows/calendar";

/** The security page at one instant: gate, live overrides, history, calendar with current/next occurrences. */
export function loadSecurityView(db: Executor, now = Date.now()) {
  const d = new Date(now);
  // This month and the next two (UTC), for the calendar grid.
  const months = [0, 1, 2].map((k) => ({ year: d.getUTCFullYear() + Math.floor((d.getUTCMonth() + k) / 12), month0: (d.getUTCMonth() + k) % 12 }));
  return {
    now,
    months,
    gate: readGate(db),
    active: liveOverrides(db, now),
    history: recentOverrides(db, 20),
    environments: listEnvironments(db),
    windows: listWindows(db).map((w) => {
      const current = occurrenceAt(w, now);
      return { ...w, current, next: current ?? nextOccurrence(w, now) };
    }),
  };
}

/** What the banner on every page shows (E1, F1). */
export function loadGateBanner(db: Executor, now = Date.now()) {
  return { gate: readGate(db), freezes: activeWindows(listWindows(db), "freeze", now) };
}
