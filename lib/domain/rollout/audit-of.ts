import type { AuditAction } from "@/lib/domain/audit-actions";
import type { RolloutEvent } from "./machine";

/** The audit action recorded for each machine event (the crash test and Insights replay history with it). */
export const AUDIT_OF: Record<RolloutEvent["type"], AuditAction> = {
  start: "rollout.start",
  pause: "rollout.pause",
  resume: "rollout.resume",
  promote_now: "rollout.promote",
  abort: "rollout.abort",
  retry: "rollout.retry",
  step_succeeded: "rollout.step_succeeded",
  step_failed: "rollout.step_failed",
  step_blocked: "rollout.step_blocked",
  gate_blocked: "rollout.step_blocked",
  hold_elapsed: "rollout.hold_elapsed",
  rollback_drained: "rollout.rollback_drained",
  rollback_succeeded: "rollout.rolled_back",
  rollback_failed: "rollout.rollback_failed",
};

/** A rollout's start event that says it is a rollback redeploy (executeRollback: `rollback: true`). */
export const startsARollback = (e: { action: string; details: Record<string, unknown> }): boolean => e.action === "rollout.start" && e.details.rollback === true;

/** Every action a rollout's machine events are recorded under (a success is `rollout.succeeded`). */
export const ROLLOUT_MACHINE_ACTIONS: readonly AuditAction[] = [...new Set([...Object.values(AUDIT_OF), "rollout.succeeded" as const])];
