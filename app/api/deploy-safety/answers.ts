import "server-only";
import type { Executor } from "@/db/connection";
import type { ValidationRow } from "@/db/queries/governance";
import { etagOf } from "@/lib/api/etag";
import { loadRolloutResource } from "@/lib/views/rollout-resource";
import { validationResource } from "@/lib/views/deploy-safety";

/** Answers shared by runbook 003's routes (/api/deploy-safety). */

export const NO_STORE = { "cache-control": "no-store" } as const;

/** 202: the rollout's intent is recorded and the worker carries it out; follow `Location` (GET /api/v1/rollouts/{id}). */
export function rolloutAccepted(db: Executor, rolloutId: number): Response {
  const { row, resource } = loadRolloutResource(db, rolloutId)!;
  return Response.json(resource, { status: 202, headers: { location: resource.links.self, etag: etagOf(row.rowVersion), ...NO_STORE } });
}

/** 202: the validation's gates are queued for the worker; follow `Location`. */
export function validationAccepted(db: Executor, v: ValidationRow): Response {
  const resource = validationResource(db, v);
  return Response.json(resource, { status: 202, headers: { location: resource.links.self, ...NO_STORE } });
}

/** 201 with the new resource at `Location`. */
export const created = (resource: { links: { self: string } }) => Response.json(resource, { status: 201, headers: { location: resource.links.self, ...NO_STORE } });

export const ok = (body: unknown) => Response.json(body, { headers: NO_STORE });
