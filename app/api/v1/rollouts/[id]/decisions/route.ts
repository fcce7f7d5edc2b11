import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { getRolloutDecisions } from "@/lib/api/spec/rollouts";
import { NotFoundError } from "@/lib/errors";
import { loadRolloutDecisions } from "@/lib/views/rollout-records";

export const dynamic = "force-dynamic";

/** GET /api/v1/rollouts/{id}/decisions: the canary analysis decisions with their numbers, oldest first. */
export const GET = apiOperation(getRolloutDecisions, (_req, { params }) => {
  const record = loadRolloutDecisions(getDb(), params.id);
  if (!record) throw new NotFoundError("Rollout");
  return Response.json(record, { headers: { "cache-control": "no-store" } });
});
