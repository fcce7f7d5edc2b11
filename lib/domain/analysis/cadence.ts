import type { Evaluation, Verdict } from "./evaluate";

/**
 * When analysis runs and what ends a hold: shared by the worker (lib/jobs/handlers/analysis.ts),
 * the hold gate (lib/analysis-view.ts) and the replay (replay.ts), so the three agree.
 */

/** Rollout statuses in which analysis keeps ticking (failed: a retry may bring it back). */
export const TICKING_STATUSES: readonly string[] = ["pending", "running", "paused", "failed"];
/** Statuses in which a tick evaluates: a failed step can leave traffic on the canary, so it stays protected. */
export const EVALUATING_STATUSES: readonly string[] = ["running", "paused", "failed"];

/**
 * Milliseconds to the next evaluation: the interval, or sooner (at least 20 ms) when a breach's
 * duration completes before it, so a rule acts when its duration is satisfied.
 */
export function nextEvaluationDelay(e: Pick<Evaluation, "breaches" | "at">, intervalMs: number): number {
  const due = e.breaches.map((b) => b.since + b.forMs - e.at).filter((ms) => ms > 0);
  return due.length ? Math.max(20, Math.min(intervalMs, ...due)) : intervalMs;
}

/**
 * The hold gate (DESIGN rule 9): a hold may end only on a recent `pass` (at most 3 s or three
 * intervals old). Null when it may end; otherwise why it holds.
 */
export function holdGateReason(last: { verdict: Verdict; reasons: readonly string[]; at: number } | null, now: number, intervalSeconds: number): string | null {
  const fresh = Math.max(3000, 3 * intervalSeconds * 1000);
  if (!last || now - last.at > fresh) return "analysis has no recent verdict";
  if (last.verdict === "pass") return null;
  return `analysis ${last.verdict}${last.reasons.length ? `: ${last.reasons.slice(0, 2).join("; ")}` : ""}`;
}
