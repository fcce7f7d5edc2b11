import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { startValidationOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import { startValidation } from "@/lib/services/releases/start-validation";
import { environmentNamed, releaseNamed } from "@/lib/views/deploy-safety-refs";
import { validationAccepted } from "../../answers";

export const dynamic = "force-dynamic";

/** POST /api/deploy-safety/validations/start {releaseId, environment}: startValidation, as the release page's Validate button. */
export const POST = apiOperation(startValidationOp, (_req, { body, actor, requestId }) => {
  const db = getDb();
  const environment = environmentNamed(db, body.environment);
  assertTokenEnvironment(actor, environment.name, startValidationOp.permission);
  const release = releaseNamed(db, body.releaseId);
  return validationAccepted(db, startValidation(actor, { releaseId: release.id, environmentId: environment.id }, requestId));
});
