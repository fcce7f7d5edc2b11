import { getDb } from "@/db/client";
import { etagOf } from "@/lib/api/etag";
import { apiOperation } from "@/lib/api/operation";
import { getRollout } from "@/lib/api/spec/rollouts";
import { NotFoundError } from "@/lib/errors";
import { loadRolloutResource } from "@/lib/views/rollout-resource";

export const dynamic = "force-dynamic";

/** GET /api/v1/rollouts/{id}: the rollout's stored state, `ETag` from its row version (send it back as If-Match). */
export const GET = apiOperation(getRollout, (_req, { params }) => {
  const found = loadRolloutResource(getDb(), params.id);
  if (!found) throw new NotFoundError("Rollout");
  return Response.json(found.resource, { headers: { etag: etagOf(found.row.rowVersion), "cache-control": "no-store" } });
});
