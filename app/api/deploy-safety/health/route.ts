import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { getHealthOp } from "@/lib/api/spec/deploy-safety";
import { healthReport } from "@/lib/views/deploy-safety";
import { environmentNamed } from "@/lib/views/deploy-safety-refs";
import { ok } from "../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/health[?environment=]: overallHealth and each probe's class, as the Health page shows them. */
export const GET = apiOperation(getHealthOp, (_req, { query }) => {
  const db = getDb();
  return ok(healthReport(db, query.environment === undefined ? undefined : environmentNamed(db, query.environment)));
});
