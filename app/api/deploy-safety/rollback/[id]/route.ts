import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { getRollbackOp } from "@/lib/api/spec/deploy-safety";
import { NotFoundError } from "@/lib/errors";
import { rollbackRequestResource } from "@/lib/views/deploy-safety";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/rollback/{id}: a rollback request (created or executed, with its rollout). */
export const GET = apiOperation(getRollbackOp, (_req, { params }) => {
  const request = rollbackRequestResource(getDb(), params.id);
  if (!request) throw new NotFoundError("Rollback request");
  return ok(request);
});
