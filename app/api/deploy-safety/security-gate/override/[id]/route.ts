import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findOverride } from "@/db/queries/governance";
import { apiOperation } from "@/lib/api/operation";
import { getOverrideOp, revokeOverrideOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import { NotFoundError } from "@/lib/errors";
import { revokeOverride } from "@/lib/services/security/revoke-override";
import { overrideResource } from "@/lib/views/deploy-safety";
import { ok } from "../../../answers";

export const dynamic = "force-dynamic";

function overrideOr404(id: number) {
  const o = findOverride(getDb(), id);
  if (!o) throw new NotFoundError("Override");
  return o;
}

/** GET /api/deploy-safety/security-gate/override/{id}: the override in any state. */
export const GET = apiOperation(getOverrideOp, (_req, { params }) => ok(overrideResource(getDb(), overrideOr404(params.id))));

/** DELETE /api/deploy-safety/security-gate/override/{id}: revokeOverride, as the Security page's Revoke. */
export const DELETE = apiOperation(revokeOverrideOp, (_req, { params, actor, requestId }) => {
  const db = getDb();
  assertTokenEnvironment(actor, findEnvironment(db, overrideOr404(params.id).environmentId)?.name, revokeOverrideOp.permission);
  revokeOverride(actor, { overrideId: params.id }, requestId);
  return ok(overrideResource(db, overrideOr404(params.id)));
});
