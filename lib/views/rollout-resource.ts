import type { Executor } from "@/db/connection";
import { type RolloutRow, findRollout } from "@/db/queries/rollouts";
import { type RolloutCore, type RolloutNames, rolloutCore, rolloutNames } from "@/lib/rollout-view";

/**
 * A rollout as the REST API (/api/v1/rollouts) answers it. Only the row's stored state, so the
 * representation changes exactly when `row_version` does and its ETag (lib/api/etag.ts) is
 * honest; the clock-derived live view (hold left, log, held by analysis) stays at
 * /api/v1/rollouts/{id}/live (lib/rollout-view.ts), linked from `links`.
 */
export interface RolloutResource extends RolloutCore {
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

export function rolloutResource(r: RolloutRow, names: RolloutNames): RolloutResource {
  return {
    ...rolloutCore(r, names),
    holdEndsAt: r.holdEndsAt,
    holdRemainingMs: r.holdRemainingMs,
    releaseId: r.releaseId,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    finishedAt: r.finishedAt,
    version: r.rowVersion,
    links: {
      self: `/api/v1/rollouts/${r.id}`,
      live: `/api/v1/rollouts/${r.id}/live`,
      metrics: `/api/v1/rollouts/${r.id}/metrics`,
      decisions: `/api/v1/rollouts/${r.id}/decisions`,
      // The deploy log has no v1 operation yet: the dashboard's route (same authentication, tokens too).
      deployLog: `/api/rollouts/${r.id}/deploy-log`,
    },
  };
}

/** One rollout's resource with its row (for the ETag), or undefined when unknown. */
export function loadRolloutResource(db: Executor, id: number): { row: RolloutRow; resource: RolloutResource } | undefined {
  const row = findRollout(db, id);
  if (!row) return undefined;
  return { row, resource: rolloutResource(row, rolloutNames(db, row)) };
}
