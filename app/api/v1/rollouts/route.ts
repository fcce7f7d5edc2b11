import { createHash, randomUUID } from "node:crypto";
import { getDb } from "@/db/client";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { pageRollouts } from "@/db/queries/rollouts";
import { etagOf } from "@/lib/api/etag";
import { principalOf } from "@/lib/api/idempotency";
import { apiOperation } from "@/lib/api/operation";
import { decodeCursor } from "@/lib/api/pagination";
import { listRollouts, startRolloutOp } from "@/lib/api/spec/rollouts";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { DEFAULT_ROLLOUT_STRATEGY } from "@/lib/domain/rollout/strategy";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { byName } from "@/lib/views/by-name";
import { pageResponse } from "@/lib/views/page";
import { loadRolloutResource, rolloutResource } from "@/lib/views/rollout-resource";

export const dynamic = "force-dynamic";

/** GET /api/v1/rollouts?environment=&status=&limit=&cursor= : newest first; the next page in `Link`. */
export const GET = apiOperation(listRollouts, (req, { query: q }) => {
  const beforeId = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  // One more than asked tells whether a next page exists without a count query.
  const rows = pageRollouts(getDb(), { environment: q.environment, status: q.status, beforeId, limit: q.limit + 1 });
  return pageResponse(req.url, rows, q.limit, (r) => r.rollout.id, (r) => rolloutResource(r.rollout, { service: r.service, environment: r.environment }));
});

/**
 * The rollout's own idempotency key: the request's Idempotency-Key, per caller (two callers never
 * share a rollout by choosing the same key), hashed to the column's 100 characters; else a new one.
 */
function rolloutKeyOf(actor: Actor, key: string | undefined): string {
  if (key === undefined) return `api:${randomUUID()}`;
  return `api:${principalOf(actor)}:${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;
}

/**
 * POST /api/v1/rollouts {service, environment, version, strategy?}: startRollout, as the rollouts
 * page does, under the token's environment limit. 202 + Location: the worker carries it out.
 */
export const POST = apiOperation(startRolloutOp, (_req, { body, actor, requestId, idempotencyKey }) => {
  assertTokenEnvironment(actor, body.environment, startRolloutOp.permission);
  const db = getDb();
  const service = byName(findServiceByName(db, body.service), "service", "service", body.service);
  const environment = byName(findEnvironmentByName(db, body.environment), "environment", "environment", body.environment);
  const input = startRolloutInput.parse({
    serviceId: service.id,
    environmentId: environment.id,
    version: body.version,
    strategy: body.strategy ?? DEFAULT_ROLLOUT_STRATEGY,
    idempotencyKey: rolloutKeyOf(actor, idempotencyKey),
  });
  const { rollout, created } = startRollout(actor, input, requestId);
  const { row, resource } = loadRolloutResource(db, rollout.id)!;
  return Response.json(resource, { status: created ? 202 : 200, headers: { location: resource.links.self, etag: etagOf(row.rowVersion), "cache-control": "no-store" } });
});
