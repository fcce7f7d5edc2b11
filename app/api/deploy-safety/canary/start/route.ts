import { createHash, randomUUID } from "node:crypto";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { principalOf } from "@/lib/api/idempotency";
import { apiOperation } from "@/lib/api/operation";
import { startCanaryOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { DEFAULT_ROLLOUT_STRATEGY } from "@/lib/domain/rollout/strategy";
import { ConflictError, InvalidError } from "@/lib/errors";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { environmentNamed, releaseNamed, serviceNamed } from "@/lib/views/deploy-safety-refs";
import { rolloutAccepted } from "../../answers";

export const dynamic = "force-dynamic";

/**
 * The rollout's idempotency key: the pipeline's deploymentId (the same deployment from any
 * caller), else the request's Idempotency-Key per caller (hashed to fit), else a new one.
 */
function rolloutKey(actor: Actor, deploymentId: string | undefined, idempotencyKey: string | undefined): string {
  if (deploymentId !== undefined) return `deployment:${deploymentId}`;
  if (idempotencyKey === undefined) return `canary:${randomUUID()}`;
  return `canary:${createHash("sha256").update(`${principalOf(actor)}\n${idempotencyKey}`).digest("hex")}`;
}

/**
 * POST /api/deploy-safety/canary/start: runbook 003's canary start translated onto startRollout
 * (the Rollouts page's service): names resolved, `config` run as the generated canary strategy.
 * 202 with the rollout as GET /api/v1/rollouts/{id} answers it.
 */
export const POST = apiOperation(startCanaryOp, (_req, { body, actor, requestId, idempotencyKey }) => {
  const db = getDb();
  const environment = environmentNamed(db, body.environment);
  assertTokenEnvironment(actor, environment.name, startCanaryOp.permission);
  const named = body.service === undefined ? undefined : serviceNamed(db, body.service);
  const release = body.releaseId === undefined ? undefined : releaseNamed(db, body.releaseId, named?.id);
  const service = named ?? (release ? findService(db, release.serviceId)! : serviceNamed(db, undefined));
  const strategy: unknown = body.config ? { kind: "canary", ...body.config } : (body.strategy ?? (release ? JSON.parse(release.strategy) : DEFAULT_ROLLOUT_STRATEGY));
  const parsed = startRolloutInput.safeParse({
    serviceId: service.id,
    environmentId: environment.id,
    version: release?.version ?? body.version,
    strategy,
    idempotencyKey: rolloutKey(actor, body.deploymentId, idempotencyKey),
  });
  if (!parsed.success) {
    // Runbook 003's config is checked as the strategy it becomes: its errors belong to `config`.
    throw InvalidError.fromIssues(parsed.error.issues.map((i) => (body.config && i.path[0] === "strategy" ? { ...i, path: ["config", ...i.path.slice(1)] } : i)));
  }
  const { rollout, created } = startRollout(actor, parsed.data, requestId);
  if (!created && (rollout.serviceId !== service.id || rollout.environmentId !== environment.id || rollout.toVersion !== parsed.data.version)) {
    throw new ConflictError(`This deployment already started rollout #${rollout.id} of another service, environment or version.`, { deploymentId: ["Use a new deploymentId for a new deployment."] });
  }
  return rolloutAccepted(db, rollout.id);
});
