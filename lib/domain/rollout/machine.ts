import type { PlanStep } from "./strategy";

export const ROLLOUT_STATUSES = ["pending", "running", "paused", "failed", "rolling_back", "succeeded", "rolled_back"] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/** Statuses from which nothing moves any more. */
export const FINAL_STATUSES: readonly RolloutStatus[] = ["succeeded", "rolled_back"];

/**
 * Everything the machine needs, persisted as is. Holds are absolute (`holdEndsAt`) so a restart
 * resumes with the time that was left; a pause freezes the remainder in `holdRemainingMs`.
 */
export interface RolloutState {
  status: RolloutStatus;
  stepIndex: number;
  /** `start`: the step's work is queued or running; `hold`: done, waiting out its hold. */
  phase: "start" | "hold";
  weight: number;
  holdEndsAt: number | null;
  holdRemainingMs: number | null;
  /** Why the rollout failed or is rolling back (shown to the captain). */
  reason: string | null;
  /** Failed while rolling back: a retry re-runs the rollback, not the step. */
  failedDuring: "step" | "rollback" | null;
}

export type RolloutEvent =
  | { type: "start" }
  | { type: "step_succeeded"; at: number; weight?: number }
  | { type: "step_failed"; error: string }
  /**
   * Policy refused the step at execution time (an override expired, lockdown) or a step hook did not
   * answer 2xx: fail it, never roll back by itself. `weight`: traffic already shifted before the hook ran.
   */
  | { type: "step_blocked"; reason: string; weight?: number }
  /**
   * The security gate refused the step at execution time (lockdown, an expired override, a freeze):
   * the rollout pauses where it stands with the reason; Resume re-runs the step once policy allows.
   */
  | { type: "gate_blocked"; reason: string }
  | { type: "hold_elapsed"; at: number }
  /** `reason` when the system pauses (analysis holding for the captain); shown until resumed. */
  | { type: "pause"; at: number; reason?: string }
  | { type: "resume"; at: number }
  | { type: "promote_now" }
  /** `drainMs`: gradual rollback (I4): weight 0 first, remove the canary after the drain. */
  | { type: "abort"; reason: string; drainMs?: number }
  | { type: "retry" }
  | { type: "rollback_drained" }
  | { type: "rollback_succeeded" }
  | { type: "rollback_failed"; error: string };

/** Work the worker performs after persisting the new state; every effect is idempotent. */
export type RolloutEffect =
  | { type: "execute_step"; stepIndex: number; step: PlanStep }
  | { type: "wake_at"; at: number }
  | { type: "rollback"; reason: string; drainMs?: number };

export type Transition = { ok: true; next: RolloutState; effects: RolloutEffect[] } | { ok: false; error: string };

export function initialState(): RolloutState {
  return { status: "pending", stepIndex: 0, phase: "start", weight: 0, holdEndsAt: null, holdRemainingMs: null, reason: null, failedDuring: null };
}

const refuse = (error: string): Transition => ({ ok: false, error });

function executeStep(plan: readonly PlanStep[], s: RolloutState, stepIndex: number): Transition {
  const step = plan[stepIndex];
  if (!step) return refuse(`The plan has no step ${stepIndex + 1}.`);
  return {
    ok: true,
    next: { ...s, status: "running", stepIndex, phase: "start", holdEndsAt: null, holdRemainingMs: null, reason: null, failedDuring: null },
    effects: [{ type: "execute_step", stepIndex, step }],
  };
}

/** After a step's work and hold: the next step, or success after the last one. */
function advance(plan: readonly PlanStep[], s: RolloutState): Transition {
  if (s.stepIndex + 1 >= plan.length) {
    return { ok: true, next: { ...s, status: "succeeded", phase: "start", holdEndsAt: null, holdRemainingMs: null }, effects: [] };
  }
  return executeStep(plan, s, s.stepIndex + 1);
}

function rollBack(s: RolloutState, reason: string, drainMs?: number): Transition {
  return {
    ok: true,
    next: { ...s, status: "rolling_back", holdEndsAt: null, holdRemainingMs: null, reason, failedDuring: null },
    effects: [drainMs ? { type: "rollback", reason, drainMs } : { type: "rollback", reason }],
  };
}

/**
 * The rollout state machine (DESIGN rule 8): a pure function over an explicit table of
 * (status, event). Anything not in the table is refused with a reason, state unchanged.
 */
export function transition(
  plan: readonly PlanStep[],
  s: RolloutState,
  e: RolloutEvent,
  opts: { rollbackOnFailure?: boolean } = {},
): Transition {
  const holdOf = (i: number) => {
    const step = plan[i];
    return step?.kind === "shift" ? step.holdMs : 0;
  };
  switch (e.type) {
    case "start":
      if (s.status !== "pending") return refuse(`A ${s.status} rollout cannot be started again.`);
      return executeStep(plan, s, 0);

    case "step_succeeded": {
      if ((s.status !== "running" && s.status !== "paused") || s.phase !== "start") return refuse(`No step is running (rollout is ${s.status}).`);
      const weight = e.weight ?? s.weight;
      const hold = holdOf(s.stepIndex);
      if (s.status === "paused") {
        return { ok: true, next: { ...s, weight, phase: "hold", holdEndsAt: null, holdRemainingMs: hold }, effects: [] };
      }
      if (hold > 0) {
        const at = e.at + hold;
        return { ok: true, next: { ...s, weight, phase: "hold", holdEndsAt: at, holdRemainingMs: null }, effects: [{ type: "wake_at", at }] };
      }
      return advance(plan, { ...s, weight });
    }

    case "hold_elapsed":
      if (s.status !== "running" || s.phase !== "hold" || s.holdEndsAt === null) return refuse("Nothing is holding.");
      // An early wake-up re-arms the timer instead of cutting the hold short.
      if (e.at < s.holdEndsAt) return { ok: true, next: s, effects: [{ type: "wake_at", at: s.holdEndsAt }] };
      return advance(plan, s);

    case "step_failed":
      if (s.status !== "running" && s.status !== "paused") return refuse(`No step is running (rollout is ${s.status}).`);
      if (opts.rollbackOnFailure) return rollBack(s, `Step ${s.stepIndex + 1} failed: ${e.error}`);
      return { ok: true, next: { ...s, status: "failed", reason: e.error, failedDuring: "step", holdEndsAt: null, holdRemainingMs: null }, effects: [] };

    case "step_blocked":
      if ((s.status !== "running" && s.status !== "paused") || s.phase !== "start") return refuse(`No step is waiting to run (rollout is ${s.status}).`);
      return { ok: true, next: { ...s, status: "failed", weight: e.weight ?? s.weight, reason: e.reason, failedDuring: "step", holdEndsAt: null, holdRemainingMs: null }, effects: [] };

    case "gate_blocked":
      if ((s.status !== "running" && s.status !== "paused") || s.phase !== "start") return refuse(`No step is waiting to run (rollout is ${s.status}).`);
      return { ok: true, next: { ...s, status: "paused", reason: e.reason, failedDuring: "step", holdEndsAt: null, holdRemainingMs: null }, effects: [] };

    case "pause":
      if (s.status !== "running") return refuse(`Only a running rollout can be paused (this one is ${s.status}).`);
      return {
        ok: true,
        next: { ...s, status: "paused", reason: e.reason ?? s.reason, holdEndsAt: null, holdRemainingMs: s.phase === "hold" && s.holdEndsAt !== null ? Math.max(0, s.holdEndsAt - e.at) : s.holdRemainingMs },
        effects: [],
      };

    case "resume": {
      if (s.status !== "paused") return refuse(`Only a paused rollout can be resumed (this one is ${s.status}).`);
      if (s.phase === "hold") {
        const at = e.at + (s.holdRemainingMs ?? 0);
        return { ok: true, next: { ...s, status: "running", reason: null, holdEndsAt: at, holdRemainingMs: null }, effects: [{ type: "wake_at", at }] };
      }
      // Paused by the gate before its step ran: the step runs now, from where the rollout stood.
      if (s.failedDuring === "step") return executeStep(plan, s, s.stepIndex);
      // Paused while the step's work was still in flight: its outcome event will arrive.
      return { ok: true, next: { ...s, status: "running", reason: null }, effects: [] };
    }

    case "promote_now": {
      if (s.status !== "running" && s.status !== "paused" && s.status !== "failed") return refuse(`A ${s.status} rollout cannot be promoted.`);
      const promote = plan.findIndex((p) => p.kind === "promote");
      if (s.stepIndex === promote && s.status !== "failed") return refuse("The rollout is already promoting.");
      if (s.failedDuring === "rollback") return refuse("The rollback failed: retry the rollback instead.");
      return executeStep(plan, s, promote);
    }

    case "abort":
      if (s.status === "rolling_back") return refuse("The rollout is already rolling back.");
      if (FINAL_STATUSES.includes(s.status)) return refuse(`A ${s.status} rollout cannot be aborted.`);
      if (s.status === "pending") return { ok: true, next: { ...s, status: "rolled_back", reason: e.reason }, effects: [] };
      return rollBack(s, e.reason, e.drainMs);

    case "retry":
      if (s.status !== "failed") return refuse(`Only a failed rollout can be retried (this one is ${s.status}).`);
      if (s.failedDuring === "rollback") return rollBack(s, s.reason ?? "Retrying the rollback.");
      return executeStep(plan, s, s.stepIndex);

    case "rollback_drained":
      if (s.status !== "rolling_back") return refuse("No rollback is running.");
      return { ok: true, next: { ...s, weight: 0 }, effects: [] };

    case "rollback_succeeded":
      if (s.status !== "rolling_back") return refuse("No rollback is running.");
      return { ok: true, next: { ...s, status: "rolled_back", weight: 0, phase: "start" }, effects: [] };

    case "rollback_failed":
      if (s.status !== "rolling_back") return refuse("No rollback is running.");
      return { ok: true, next: { ...s, status: "failed", failedDuring: "rollback", reason: `Rollback failed: ${e.error}` }, effects: [] };
  }
}

/** Paused by the security gate before its step ran (Resume runs the step once policy allows it). */
export const blockedByGate = (s: { status: string; failedDuring: RolloutState["failedDuring"] }): boolean => s.status === "paused" && s.failedDuring === "step";

/** Milliseconds left in the current hold (for progress bars), or null when not holding. */
export function holdLeftMs(s: RolloutState, now: number): number | null {
  if (s.phase !== "hold") return null;
  if (s.status === "paused") return s.holdRemainingMs;
  return s.holdEndsAt === null ? null : Math.max(0, s.holdEndsAt - now);
}
