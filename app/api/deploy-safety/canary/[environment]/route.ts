import { getDb } from "@/db/client";
import { findEnvironmentByName } from "@/db/queries/catalog";
import { apiOperation } from "@/lib/api/operation";
import { getCanaryOp } from "@/lib/api/spec/deploy-safety";
import { NotFoundError } from "@/lib/errors";
import { canaryStatus } from "@/lib/views/deploy-safety";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/canary/{environment}[?service=]: the live canary and runbook 003's class for it. */
export const GET = apiOperation(getCanaryOp, (_req, { params, query }) => {
  const db = getDb();
  const environment = findEnvironmentByName(db, params.environment);
  if (!environment) throw new NotFoundError("Environment");
  return ok(canaryStatus(db, environment, query.service));
});
