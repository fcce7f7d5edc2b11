import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { type RolloutRow, findRollout, rolloutLogSince } from "@/db/queries/rollouts";
import { approvalsOf, findRelease } from "@/db/queries/releases";
import { findUserById } from "@/db/queries/users";
import { analysisHoldReason } from "@/lib/analysis-view";
import { type DeployLogRecord, deployLogRecord } from "@/lib/domain/rollout/deploy-log";
import { holdLeftMs, type RolloutState, type RolloutStatus } from "@/lib/domain/rollout/machine";
import type { PlanStep, Strategy } from "@/lib/domain/rollout/strategy";

/** A rollout's stored state as both the page and the REST API show it, with its service and environment names. */
export interface RolloutCore {
  id: number;
  service: string;
  environment: string;
  fromVersion: string | null;
  toVersion: string;
  status: RolloutStatus;
  stepIndex: number;
  phase: "start" | "hold";
  weight: number;
  reason: string | null;
  plan: PlanStep[];
}

export type RolloutNames = { service: string; environment: string };

/** The service and environment names of a rollout ("?" when one was deleted). */
export function rolloutNames(db: Executor, r: Pick<RolloutRow, "serviceId" | "environmentId">): RolloutNames {
  return { service: findService(db, r.serviceId)?.name ?? "?", environment: findEnvironment(db, r.environmentId)?.name ?? "?" };
}

export function rolloutCore(r: RolloutRow, names: RolloutNames): RolloutCore {
  return {
    id: r.id,
    ...names,
    fromVersion: r.fromVersion,
    toVersion: r.toVersion,
    status: r.status as RolloutStatus,
    stepIndex: r.stepIndex,
    phase: r.phase,
    weight: r.weight,
    reason: r.reason,
    plan: JSON.parse(r.plan) as PlanStep[],
  };
}

/** What the rollout page shows and polls: the row's state plus what is derived from it. */
export interface RolloutView extends RolloutCore {
  holdLeftMs: number | null;
  holdTotalMs: number | null;
  log: { id: number; at: number; level: string; message: string }[];
  now: number;
  /** Why a hold whose time is up has not ended (canary analysis not passing), else null. */
  heldBy: string | null;
}

/** The machine state stored in a rollout row. */
export function stateOf(r: RolloutRow): RolloutState {
  return {
    status: r.status as RolloutStatus,
    stepIndex: r.stepIndex,
    phase: r.phase,
    weight: r.weight,
    holdEndsAt: r.holdEndsAt,
    holdRemainingMs: r.holdRemainingMs,
    reason: r.reason,
    failedDuring: r.failedDuring,
  };
}

export function rolloutView(r: RolloutRow, names: RolloutNames, log: RolloutView["log"], now: number, heldBy: string | null = null): RolloutView {
  const core = rolloutCore(r, names);
  const step = core.plan[r.stepIndex];
  return {
    ...core,
    holdLeftMs: holdLeftMs(stateOf(r), now),
    holdTotalMs: step?.kind === "shift" ? step.holdMs : null,
    log,
    now,
    heldBy,
  };
}

/** Loads one rollout's view (page render and the polling route share it); undefined when unknown. */
export function loadRolloutView(db: Executor, id: number, afterLogId = 0): RolloutView | undefined {
  const rollout = findRollout(db, id);
  if (!rollout) return undefined;
  const names = rolloutNames(db, rollout);
  const now = Date.now();
  const heldBy = rollout.status === "running" && rollout.phase === "hold" && rollout.holdEndsAt !== null && now >= rollout.holdEndsAt ? analysisHoldReason(db, rollout, now) : null;
  return rolloutView(rollout, names, rolloutLogSince(db, rollout.id, afterLogId), now, heldBy);
}

/** The deploy-log record of a rollout (B4): operator from the users table, verification from smoke lines. */
export function loadDeployLog(db: Executor, id: number): DeployLogRecord | undefined {
  const r = findRollout(db, id);
  if (!r) return undefined;
  const operator = r.createdBy ? (findUserById(db, r.createdBy)?.email ?? `user #${r.createdBy}`) : "system";
  const release = r.releaseId ? findRelease(db, r.releaseId) : undefined;
  const environment = findEnvironment(db, r.environmentId);
  // Runbook 001 names approvals by role ("SENTINEL", "SERVICE-OWNER"); smoke sign-offs are not deploy approvals.
  const approvals =
    release && environment?.production
      ? approvalsOf(db, release.id)
          .filter((a) => a.status === "approved" && a.kind !== "smoke")
          .map((a) => a.role.toUpperCase().replace(/_/g, "-"))
      : [];
  return deployLogRecord({
    rolloutId: r.id,
    finishedAt: r.finishedAt,
    updatedAt: r.updatedAt,
    environment: environment?.name ?? "?",
    service: findService(db, r.serviceId)?.name ?? "?",
    version: r.toVersion,
    previousVersion: r.fromVersion,
    commit: release?.commitSha ?? null,
    operator,
    strategy: JSON.parse(r.strategy) as Strategy,
    approvals,
    status: r.status,
    smokeLines: rolloutLogSince(db, r.id, 0, 10_000)
      .filter((l) => l.message.startsWith("smoke "))
      .map((l) => `${new Date(l.at).toISOString()} ${l.message}`),
  });
}
