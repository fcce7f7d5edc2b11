import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { type RolloutRow, findRollout } from "@/db/queries/rollouts";
import type { RolloutStatus } from "@/lib/domain/rollout/machine";
import type { PlanStep } from "@/lib/domain/rollout/strategy";

/**
 * A rollout as the REST API (/api/v1/rollouts) answers it. Only the row's stored state, so the
 * representation changes exactly when `row_version` does and its ETag (lib/api/etag.ts) is
 * honest; the clock-derived live view (hold left, log, held by analysis) stays at
 * /api/rollouts/{id} (lib/rollout-view.ts), linked from `links`.
 */
export interface RolloutResource {
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
  /** When the current hold ends (epoch ms), while running in a hold; a paused hold keeps `holdRemainingMs`. */
  holdEndsAt: number | null;
  holdRemainingMs: number | null;
  releaseId: number | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** The row version (the ETag is `"v<version>"`). */
  version: number;
  links: { self: string; live: string; metrics: string; decisions: string; deployLog: string };
}

export function rolloutResource(r: RolloutRow, names: { service: string; environment: string }): RolloutResource {
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
    holdEndsAt: r.holdEndsAt,
    holdRemainingMs: r.holdRemainingMs,
    releaseId: r.releaseId,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt,
    version: r.rowVersion,
    links: {
      self: `/api/v1/rollouts/${r.id}`,
      live: `/api/rollouts/${r.id}`,
      metrics: `/api/rollouts/${r.id}/metrics`,
      decisions: `/api/rollouts/${r.id}/decisions`,
      deployLog: `/api/rollouts/${r.id}/deploy-log`,
    },
  };
}

/** One rollout's resource with its row (for the ETag), or undefined when unknown. */
export function loadRolloutResource(db: Executor, id: number): { row: RolloutRow; resource: RolloutResource } | undefined {
  const row = findRollout(db, id);
  if (!row) return undefined;
  const names = { service: findService(db, row.serviceId)?.name ?? "?", environment: findEnvironment(db, row.environmentId)?.name ?? "?" };
  return { row, resource: rolloutResource(row, names) };
}
