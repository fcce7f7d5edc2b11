import { getDb } from "@/db/client";
import { pageApprovals } from "@/db/queries/api-pages";
import { apiOperation } from "@/lib/api/operation";
import { decodeCursor } from "@/lib/api/pagination";
import { listApprovals } from "@/lib/api/spec/records";
import { pageResponse } from "@/lib/views/page";
import { approvalResource } from "@/lib/views/release-resource";

export const dynamic = "force-dynamic";

/** GET /api/v1/approvals?release=&status=&limit=&cursor= : newest first; the next page in `Link`. */
export const GET = apiOperation(listApprovals, (req, { query: q }) => {
  const db = getDb();
  const beforeId = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const rows = pageApprovals(db, { releaseId: q.release, status: q.status, beforeId, limit: q.limit + 1 });
  return pageResponse(req.url, rows, q.limit, (r) => r.approval.id, (r) => approvalResource(db, r.approval, r));
});
