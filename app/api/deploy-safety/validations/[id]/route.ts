import { getDb } from "@/db/client";
import { findValidation } from "@/db/queries/governance";
import { apiOperation } from "@/lib/api/operation";
import { getValidationOp } from "@/lib/api/spec/deploy-safety";
import { NotFoundError } from "@/lib/errors";
import { validationResource } from "@/lib/views/deploy-safety";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/validations/{id}: the validation with each gate's status and detail. */
export const GET = apiOperation(getValidationOp, (_req, { params }) => {
  const db = getDb();
  const v = findValidation(db, params.id);
  if (!v) throw new NotFoundError("Validation");
  return ok(validationResource(db, v));
});
