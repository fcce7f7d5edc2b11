import { getDb } from "@/db/client";
import { findRollbackRequestWithNames } from "@/db/queries/rollback-requests";
import { apiOperation } from "@/lib/api/operation";
import { executeRollbackOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import { NotFoundError } from "@/lib/errors";
import { executeRollbackRequest } from "@/lib/services/rollouts/rollback-request";
import { rolloutAccepted } from "../../../answers";

export const dynamic = "force-dynamic";

/** POST /api/deploy-safety/rollback/{id}/execute: executeRollbackRequest (executeRollback + the request marked executed); 202 + the rollout. */
export const POST = apiOperation(executeRollbackOp, (_req, { params, actor, requestId }) => {
  const db = getDb();
  const found = findRollbackRequestWithNames(db, params.id);
  if (!found) throw new NotFoundError("Rollback request");
  assertTokenEnvironment(actor, found.environment, executeRollbackOp.permission);
  const { rollout } = executeRollbackRequest(actor, { id: params.id }, requestId);
  return rolloutAccepted(db, rollout.id);
});
