import "server-only";
import type { Executor } from "@/db/connection";
import type { JobRow } from "@/db/queries/jobs";
import { findRelease } from "@/db/queries/releases";
import { findRollout } from "@/db/queries/rollouts";
import { deploymentsOf } from "@/lib/domain/release/deployments";
import {
  ANALYSIS_TICK_JOB,
  AUDIT_VERIFY_JOB,
  HEALTH_JOB,
  INCIDENT_SLA_JOB,
  type JobKind,
  PREFLIGHT_JOB,
  RECONCILE_JOB,
  RELEASE_MIGRATE_JOB,
  ROLLOUT_JOB,
  VALIDATION_JOB,
  NOTIFICATION_DELIVER_JOB,
  FLAG_EXTERNAL_SYNC_JOB,
  ROLLOUT_VERIFY_JOB,
  PROMOTE_GATES_RECHECK_JOB,
  isJobKind,
  safePayloadOf,
} from "./kinds";

/**
 * Lanes (issue 9, "safety never waits"): each lane claims only its kinds with its own concurrency,
 * so a five-minute step never delays another rollout's analysis tick or rollback.
 */
export const LANE_NAMES = ["safety", "steps", "housekeeping", "notify"] as const;
export type LaneName = (typeof LANE_NAMES)[number];

export interface Lane {
  name: string;
  /** Jobs of this lane that may run at the same time in one runner. */
  concurrency: number;
  kinds: readonly string[];
}

/** Safety takes traffic off a bad canary (a deadline aborts, which queues the rollback). */
const LANE_OF: Record<JobKind, LaneName> = {
  [ANALYSIS_TICK_JOB]: "safety",
  [ROLLOUT_JOB.rollback]: "safety",
  [ROLLOUT_JOB.deadline]: "safety",
  // Post-rollback probes only read the data plane (bounded by their timeouts): no target lock, never behind a step.
  [ROLLOUT_VERIFY_JOB]: "safety",
  [ROLLOUT_JOB.step]: "steps",
  [ROLLOUT_JOB.wake]: "steps",
  [ROLLOUT_JOB.watch]: "steps",
  [RELEASE_MIGRATE_JOB]: "steps",
  // Re-reads waiting promote gates (logs, smoke, attestation); no target lock: it only reads the data plane.
  [PROMOTE_GATES_RECHECK_JOB]: "steps",
  [HEALTH_JOB]: "housekeeping",
  [AUDIT_VERIFY_JOB]: "housekeeping",
  [RECONCILE_JOB]: "housekeeping",
  [INCIDENT_SLA_JOB]: "housekeeping",
  [VALIDATION_JOB]: "housekeeping",
  [PREFLIGHT_JOB]: "housekeeping",
  // Chat deliveries wait on other people's servers: their own lane, so a dead webhook holds nothing else.
  [NOTIFICATION_DELIVER_JOB]: "notify",
  // The same for an external flag service.
  [FLAG_EXTERNAL_SYNC_JOB]: "notify",
};

export const LANE_CONCURRENCY: Record<LaneName, number> = { safety: 4, steps: 2, housekeeping: 2, notify: 4 };

/** The lane of a kind; kinds outside the registry are housekeeping. */
export const laneOf = (kind: string): LaneName => (isJobKind(kind) ? LANE_OF[kind] : "housekeeping");

/** The default lanes for the kinds a runner handles (lanes without any of them are left out). */
export function defaultLanes(kinds: readonly string[]): Lane[] {
  return LANE_NAMES.map((name) => ({ name, concurrency: LANE_CONCURRENCY[name], kinds: kinds.filter((k) => laneOf(k) === name) })).filter((l) => l.kinds.length > 0);
}

/** The lock of one deploy target: one service in one environment. */
export const targetLockKey = (serviceId: number, environmentId: number) => `target:${serviceId}/${environmentId}`;

/**
 * The target locks a job holds while it runs, resolved from its payload (the one place that knows).
 * Jobs that act on a target's data plane or database (steps, wake/watch, rollbacks, migrations) lock it:
 * a rollback of X waits for X's running step (two driver calls on X would race) but never for another
 * target. Analysis ticks and deadlines only read and move state through the machine: they never wait.
 */
export function lockKeysOf(db: Executor, job: Pick<JobRow, "kind" | "payload">): string[] {
  const typed = safePayloadOf(job);
  if (!typed) return []; // unknown kind, or a bad payload that its handler fails with the reason
  switch (typed.kind) {
    case ROLLOUT_JOB.step:
    case ROLLOUT_JOB.wake:
    case ROLLOUT_JOB.watch:
    case ROLLOUT_JOB.rollback: {
      const r = findRollout(db, typed.payload.rolloutId);
      return r ? [targetLockKey(r.serviceId, r.environmentId)] : [];
    }
    case RELEASE_MIGRATE_JOB: {
      const { releaseId, environmentId } = typed.payload;
      const release = findRelease(db, releaseId);
      return release ? deploymentsOf(release).map((d) => targetLockKey(d.serviceId, environmentId)) : [];
    }
    default:
      return [];
  }
}
