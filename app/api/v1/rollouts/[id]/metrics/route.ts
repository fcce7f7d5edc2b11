import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { getRolloutMetrics } from "@/lib/api/spec/rollouts";
import { loadRolloutMetrics } from "@/lib/analysis-view";
import { NotFoundError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** GET /api/v1/rollouts/{id}/metrics?window=15m|1h|all: the rollout page's chart data. */
export const GET = apiOperation(getRolloutMetrics, (_req, { params, query }) => {
  const view = loadRolloutMetrics(getDb(), params.id, query.window);
  if (!view) throw new NotFoundError("Rollout");
  return Response.json(view, { headers: { "cache-control": "no-store" } });
});
