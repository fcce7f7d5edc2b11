import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findValidation } from "@/db/queries/governance";
import { apiOperation } from "@/lib/api/operation";
import { runValidationOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import { NotFoundError } from "@/lib/errors";
import { startValidation } from "@/lib/services/releases/start-validation";
import { validationAccepted } from "../../../answers";

export const dynamic = "force-dynamic";

/**
 * POST /api/deploy-safety/validations/{id}/run: a validation's gates are queued when it starts, so
 * a pending or running one is answered as it is; a finished one runs again as a new validation
 * of the same release and environment (startValidation, as the page's Validate button).
 */
export const POST = apiOperation(runValidationOp, (_req, { params, actor, requestId }) => {
  const db = getDb();
  const v = findValidation(db, params.id);
  if (!v) throw new NotFoundError("Validation");
  assertTokenEnvironment(actor, findEnvironment(db, v.environmentId)?.name, runValidationOp.permission);
  if (v.status === "pending" || v.status === "running") return validationAccepted(db, v);
  return validationAccepted(db, startValidation(actor, { releaseId: v.releaseId, environmentId: v.environmentId }, requestId));
});
