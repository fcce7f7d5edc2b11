import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { getRolloutLive } from "@/lib/api/spec/rollouts";
import { NotFoundError } from "@/lib/errors";
import { loadRolloutLive } from "@/lib/views/rollout-records";

export const dynamic = "force-dynamic";

/** GET /api/v1/rollouts/{id}/live?after=<logId>: the page's live view (hold left, new log lines, held by, verdict). */
export const GET = apiOperation(getRolloutLive, (_req, { params, query }) => {
  const live = loadRolloutLive(getDb(), params.id, query.after);
  if (!live) throw new NotFoundError("Rollout");
  return Response.json(live, { headers: { "cache-control": "no-store" } });
});
