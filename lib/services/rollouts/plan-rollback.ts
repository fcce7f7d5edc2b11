import "server-only";
import type { Executor } from "@/db/connection";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { lastSucceededRollout, liveRolloutFor, serviceEnvState } from "@/db/queries/rollouts";
import { type RollbackPlan, rollbackPlan } from "@/lib/domain/rollout/rollback-plan";
import { NotFoundError } from "@/lib/errors";

/** The dry-run rollback plan for a service in an environment (read only). */
export function planRollback(db: Executor, serviceId: number, environmentId: number): RollbackPlan {
  const service = findService(db, serviceId);
  if (!service) throw new NotFoundError("Service");
  const environment = findEnvironment(db, environmentId);
  if (!environment) throw new NotFoundError("Environment");
  const current = serviceEnvState(db, serviceId, environmentId)?.currentVersion ?? null;
  const last = lastSucceededRollout(db, serviceId, environmentId);
  const live = liveRolloutFor(db, serviceId, environmentId);
  return rollbackPlan({
    service: service.name,
    environment: environment.name,
    current,
    previous: last && last.toVersion === current ? last.fromVersion : null,
    override: process.env.LAST_GOOD_COMMIT?.trim() || null,
    live: live ?? null,
  });
}
