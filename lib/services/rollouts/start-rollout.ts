import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { findRolloutByKey, liveRolloutFor, serviceEnvState } from "@/db/queries/rollouts";
import { refusableTransaction } from "@/lib/audit/refusal";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { ConflictError, ForbiddenError, NotFoundError } from "@/lib/errors";
import { assertPolicy } from "@/lib/services/policy/check-policy";
import { createRollout } from "./create-rollout";

/**
 * Records the intent to roll out; the worker does the work (DESIGN §1). Idempotent per key.
 * The security gate decides first (E2): a block leaves only its audit event.
 */
export function startRollout(actor: Actor, input: z.output<typeof startRolloutInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "rollout.start");
  return refusableTransaction(getDb(), (tx) => {
    const existing = findRolloutByKey(tx, input.idempotencyKey);
    if (existing) return { rollout: existing, created: false };
    const service = findService(tx, input.serviceId);
    if (!service) throw new NotFoundError("Service");
    const environment = findEnvironment(tx, input.environmentId);
    if (!environment) throw new NotFoundError("Environment");
    if (environment.production && !actor.roles.includes("release_captain")) {
      throw new ForbiddenError("Developers deploy to staging only; production rollouts need a release captain.", "rollout.start");
    }
    assertPolicy(tx, "deploy.canary.start", { actor, environment, subjectType: "service", subjectId: service.id, requestId, now });
    const live = liveRolloutFor(tx, service.id, environment.id);
    if (live) throw new ConflictError(`Rollout #${live.id} of ${service.name} is still ${live.status} in ${environment.name}; finish or abort it first.`);
    const current = serviceEnvState(tx, service.id, environment.id)?.currentVersion ?? null;
    if (current === input.version) throw new ConflictError(`${service.name} ${input.version} already runs in ${environment.name}.`, { version: ["This version already runs here."] });
    const started = createRollout(
      tx,
      {
        actor,
        serviceId: service.id,
        environment,
        fromVersion: current,
        toVersion: input.version,
        strategy: input.strategy,
        idempotencyKey: input.idempotencyKey,
        requestId,
        details: { service: service.name, from: current, strategy: input.strategy },
      },
      now,
    );
    return { rollout: started, created: true };
  });
}
