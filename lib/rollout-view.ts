import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { type RolloutRow, findRollout, rolloutLogSince } from "@/db/queries/rollouts";
import { approvalsOf, findRelease } from "@/db/queries/releases";
import { findUserById } from "@/db/queries/users";
import { analysisHoldReason } from "@/lib/analysis-view";
import { type DeployLogRecord, deployLogRecord } from "@/lib/domain/rollout/deploy-log";
import type { Decision } from "@/lib/domain/policy/decide";
import { blockedByGate, holdLeftMs, type RolloutState, type RolloutStatus } from "@/lib/domain/rollout/machine";
import { policyDecision } from "@/lib/services/policy/check-policy";
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
  /**
   * Paused by the security gate before its step ran (issue 14): whether the gate still refuses the
   * step now, why, and what would lift it; null when not blocked.
   */
  gate: { blocked: boolean; reasons: string[]; unblock: string[] } | null;
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

export function rolloutView(r: RolloutRow, names: RolloutNames, log: RolloutView["log"], now: number, heldBy: string | null = null, gate: RolloutView["gate"] = null): RolloutView {
  const core = rolloutCore(r, names);
  const step = core.plan[r.stepIndex];
  return {
    ...core,
    holdLeftMs: holdLeftMs(stateOf(r), now),
    holdTotalMs: step?.kind === "shift" ? step.holdMs : null,
    log,
    now,
    heldBy,
    gate,
  };
}

/** Loads one rollout's view (page render and the polling route share it); undefined when unknown. */
export function loadRolloutView(db: Executor, id: number, afterLogId = 0, now = Date.now()): RolloutView | undefined {
  const rollout = findRollout(db, id);
  if (!rollout) return undefined;
  const names = rolloutNames(db, rollout);
  const heldBy = rollout.status === "running" && rollout.phase === "hold" && rollout.holdEndsAt !== null && now >= rollout.holdEndsAt ? analysisHoldReason(db, rollout, now) : null;
  return rolloutView(rollout, names, rolloutLogSince(db, rollout.id, afterLogId), now, heldBy, gateStanding(db, rollout, now));
}

/** What would lift a gate block, in words, from the decision's `requires` and the gate's mode. */
export function unblockHints(d: Pick<Decision, "requires" | "mode">): string[] {
  const hints = d.requires.map((r) => {
    const m = /^override:([^@]+)@(.+)$/.exec(r);
    return m ? `Security can create an override for ${m[1]} in ${m[2]} (Security page).` : r.replace(/^approval:/, "Needs ");
  });
  if (d.mode === "lockdown") hints.push("Security can lift the lockdown (Security page); rollbacks stay allowed meanwhile.");
  return hints.length ? hints : ["Wait until the block ends (a freeze window), or ask Security."];
}

/** A rollout paused by the gate: is the step still refused now, and what would lift it. */
function gateStanding(db: Executor, r: RolloutRow, now: number): RolloutView["gate"] {
  if (!blockedByGate(r)) return null;
  const environment = findEnvironment(db, r.environmentId);
  if (!environment) return null;
  const release = r.releaseId ? findRelease(db, r.releaseId) : undefined;
  const d = policyDecision(db, "deploy.step", { actor: { kind: "system", label: "worker" }, environment, release, subjectType: "rollout", subjectId: r.id, now });
  return { blocked: !d.allowed, reasons: d.allowed ? [] : d.reasons, unblock: d.allowed ? [] : unblockHints(d) };
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
