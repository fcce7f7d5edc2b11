import "server-only";
import type { Tx } from "@/db/connection";
import { type EnvironmentRow, findService } from "@/db/queries/catalog";
import type { ReleaseRow } from "@/db/queries/releases";
import { findRolloutByKey, liveRolloutFor, serviceEnvState } from "@/db/queries/rollouts";
import type { AnyActor } from "@/lib/domain/actor";
import { deploymentsOf } from "@/lib/domain/release/deployments";
import { strategySchema } from "@/lib/domain/rollout/strategy";
import { ConflictError, PreconditionError } from "@/lib/errors";
import { createRollout } from "@/lib/services/rollouts/create-rollout";

/**
 * Starts one rollout per deployment of the release in `environment` (G5), each with its timeout,
 * inside the caller's transaction. Idempotent per `key`: a repeated call returns the same rollouts.
 */
export function startReleaseRollouts(tx: Tx, actor: AnyActor, release: ReleaseRow, environment: EnvironmentRow, key: string, requestId: string | undefined, now: number): number[] {
  const strategy = strategySchema.parse(JSON.parse(release.strategy));
  return deploymentsOf(release).map((d) => {
    const rolloutKey = `${key}:${d.serviceId}`;
    const again = findRolloutByKey(tx, rolloutKey);
    if (again) return again.id;
    const service = findService(tx, d.serviceId)!;
    const busy = liveRolloutFor(tx, service.id, environment.id);
    if (busy) throw new ConflictError(`Rollout #${busy.id} of ${service.name} is still ${busy.status} in ${environment.name}; finish or abort it first.`);
    const current = serviceEnvState(tx, service.id, environment.id)?.currentVersion ?? null;
    if (current === release.version) throw new PreconditionError(`${service.name} ${release.version} already runs in ${environment.name}.`);
    return createRollout(
      tx,
      {
        actor,
        serviceId: service.id,
        environment,
        fromVersion: current,
        toVersion: release.version,
        strategy,
        idempotencyKey: rolloutKey,
        releaseId: release.id,
        deadlineAt: now + d.timeoutMinutes * 60_000,
        requestId,
        details: { service: service.name, releaseId: release.id, from: current, timeoutMinutes: d.timeoutMinutes },
      },
      now,
    ).id;
  });
}
