import { getDb } from "@/db/client";
import { etagOf } from "@/lib/api/etag";
import { apiOperation } from "@/lib/api/operation";
import { getReleaseOp } from "@/lib/api/spec/releases";
import { NotFoundError } from "@/lib/errors";
import { loadReleaseResource } from "@/lib/views/release-resource";

export const dynamic = "force-dynamic";

/** GET /api/v1/releases/{id}: phase, versions, approvals, rollouts; `ETag` from the release row's version. */
export const GET = apiOperation(getReleaseOp, (_req, { params }) => {
  const found = loadReleaseResource(getDb(), params.id);
  if (!found) throw new NotFoundError("Release");
  return Response.json(found.resource, { headers: { etag: etagOf(found.row.rowVersion), "cache-control": "no-store" } });
});
