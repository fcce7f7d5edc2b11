import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { planRollbackOp } from "@/lib/api/spec/deploy-safety";
import { rollbackPlanView } from "@/lib/views/deploy-safety";
import { environmentNamed, serviceNamed } from "@/lib/views/deploy-safety-refs";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/rollback/plan?environment=&service=: the dry-run plan (planRollback); changes nothing. */
export const GET = apiOperation(planRollbackOp, (_req, { query }) => {
  const db = getDb();
  const environment = environmentNamed(db, query.environment);
  return ok(rollbackPlanView(db, serviceNamed(db, query.service).id, environment.id));
});
