/**
 * Rate cap on refusal audit events (issue 10, M1): a flood of refused requests must not fill the
 * trail. Each key (a person, or a client address when nobody is signed in) gets a fixed window
 * that opens at its first refusal; the first `limit` refusals in it are audited one by one, the
 * rest are only counted, and once the window has closed they become one summary event.
 * Pure and clock-free: callers pass `now`, so tests drive it with a virtual clock.
 */
export interface RefusalCapOptions {
  /** Refusal events written per key and window; more are counted into the summary. */
  limit: number;
  windowMs: number;
}

/** Far above what a person causes in a minute, low enough that a flood stays small (AUDIT_REFUSALS_PER_MINUTE). */
export const REFUSAL_CAP: RefusalCapOptions = { limit: 20, windowMs: 60_000 };

/** What the summary of a window says about the refusals it did not write one by one. */
export interface SuppressedSummary<S> {
  key: string;
  /** Whoever the key stands for, as first seen in the window (for the summary's actor). */
  subject: S;
  from: number;
  to: number;
  count: number;
  /** Suppressed refusals per error code and per attempted action (at most MAX_KINDS of each). */
  codes: Record<string, number>;
  actions: Record<string, number>;
}

interface CapWindow<S> {
  subject: S;
  start: number;
  written: number;
  suppressed: number;
  codes: Map<string, number>;
  actions: Map<string, number>;
}

/** Distinct actions kept per summary; the rest add up under "(other)". */
const MAX_KINDS = 20;

function bump(counts: Map<string, number>, kind: string): void {
  const k = counts.has(kind) || counts.size < MAX_KINDS ? kind : "(other)";
  counts.set(k, (counts.get(k) ?? 0) + 1);
}

export class RefusalCap<S> {
  private readonly windows = new Map<string, CapWindow<S>>();

  constructor(readonly options: RefusalCapOptions = REFUSAL_CAP) {}

  /**
   * Counts one refusal of `key` at `now`: `write` says whether it gets its own audit event;
   * `due` are summaries of windows (of any key) that closed by `now`, to be written with it.
   */
  admit(key: string, subject: S, now: number, kind: { code: string; action: string }): { write: boolean; due: SuppressedSummary<S>[] } {
    const due = this.due(now);
    let w = this.windows.get(key);
    if (!w) {
      w = { subject, start: now, written: 0, suppressed: 0, codes: new Map(), actions: new Map() };
      this.windows.set(key, w);
    }
    if (w.written < this.options.limit) {
      w.written += 1;
      return { write: true, due };
    }
    w.suppressed += 1;
    bump(w.codes, kind.code);
    bump(w.actions, kind.action);
    return { write: false, due };
  }

  /** Summaries of the windows closed by `now` that suppressed something; closed windows are forgotten. */
  due(now: number): SuppressedSummary<S>[] {
    const out: SuppressedSummary<S>[] = [];
    for (const [key, w] of this.windows) {
      const end = w.start + this.options.windowMs;
      if (now < end) continue;
      this.windows.delete(key);
      if (w.suppressed > 0) {
        out.push({ key, subject: w.subject, from: w.start, to: end, count: w.suppressed, codes: Object.fromEntries(w.codes), actions: Object.fromEntries(w.actions) });
      }
    }
    return out;
  }

  /** When the earliest window holding suppressed refusals closes (to schedule its summary), or null. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const w of this.windows.values()) {
      if (w.suppressed === 0) continue;
      const end = w.start + this.options.windowMs;
      if (next === null || end < next) next = end;
    }
    return next;
  }

  /** Refusals counted but not yet summarized (for tests and shutdown logs). */
  pending(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.suppressed;
    return n;
  }
}
