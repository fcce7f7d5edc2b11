import type { Executor } from "@/db/connection";
import { listEnvironments } from "@/db/queries/catalog";
import { listWindows, liveOverrides, readGate, recentOverrides } from "@/db/queries/governance";
import { activeWindows, nextOccurrence, occurrenceAt } from "@/lib/domain/windows/calendar";

/** The security page at one instant: gate, live overrides, history, calendar with current/next occurrences. */
export function loadSecurityView(db: Executor, now = Date.now()) {
  return {
    now,
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
