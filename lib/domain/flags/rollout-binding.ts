import type { RolloutEffect, RolloutEvent, RolloutState } from "../rollout/machine";
import type { PlanStep } from "../rollout/strategy";

/** What a rollout transition does to the flags bound to its service and environment. */
export type FlagChange = { kind: "set"; percentage: number } | { kind: "disable" };

/**
 * Runbook 002 (I4): the flag follows the canary. A shift step's weight becomes the flag's
 * percentage once the shift is applied, promotion (and success) sets 100, an immediate rollback
 * switches the flag off at once, a gradual one sets 0 first and switches it off when the canary
 * is removed. Null: the transition leaves bound flags as they are.
 */
export function flagChangeFor(
  plan: readonly PlanStep[],
  before: { status: string; stepIndex: number },
  event: RolloutEvent,
  after: { next: Pick<RolloutState, "status" | "weight">; effects: readonly RolloutEffect[] },
): FlagChange | null {
  const { next, effects } = after;
  if (next.status === "rolled_back") return { kind: "disable" };
  if (next.status === "succeeded") return { kind: "set", percentage: 100 };
  if (next.status === "rolling_back" && before.status !== "rolling_back") {
    const rollback = effects.find((e) => e.type === "rollback");
    return rollback?.drainMs ? { kind: "set", percentage: 0 } : { kind: "disable" };
  }
  if (event.type === "step_succeeded") {
    const step = plan[before.stepIndex];
    if (step?.kind === "shift") return { kind: "set", percentage: next.weight };
    if (step?.kind === "promote") return { kind: "set", percentage: 100 };
  }
  return null;
}
