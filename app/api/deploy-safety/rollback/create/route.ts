import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { createRollbackOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import { createRollbackRequest } from "@/lib/services/rollouts/rollback-request";
import { rollbackRequestResource } from "@/lib/views/deploy-safety";
import { environmentNamed, serviceNamed } from "@/lib/views/deploy-safety-refs";
import { created } from "../../answers";

export const dynamic = "force-dynamic";

/** POST /api/deploy-safety/rollback/create: the plan as it is now, checked against the versions named, kept with the reason. */
export const POST = apiOperation(createRollbackOp, (_req, { body, actor, requestId }) => {
  const db = getDb();
  const environment = environmentNamed(db, body.environment);
  assertTokenEnvironment(actor, environment.name, createRollbackOp.permission);
  const service = serviceNamed(db, body.service);
  const { request } = createRollbackRequest(
    actor,
    { serviceId: service.id, environmentId: environment.id, fromVersion: body.fromVersion, toVersion: body.toVersion, reason: body.reason },
    requestId,
  );
  return created(rollbackRequestResource(db, request.id)!);
});
