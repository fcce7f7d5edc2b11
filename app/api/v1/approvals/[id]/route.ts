import { getDb } from "@/db/client";
import { findApprovalWithRelease } from "@/db/queries/api-pages";
import { apiOperation } from "@/lib/api/operation";
import { getApproval } from "@/lib/api/spec/records";
import { NotFoundError } from "@/lib/errors";
import { approvalResource } from "@/lib/views/release-resource";

export const dynamic = "force-dynamic";

/** GET /api/v1/approvals/{id}: one approval, with its release's service and version. */
export const GET = apiOperation(getApproval, (_req, { params }) => {
  const db = getDb();
  const found = findApprovalWithRelease(db, params.id);
  if (!found) throw new NotFoundError("Approval");
  return Response.json(approvalResource(db, found.approval, found), { headers: { "cache-control": "no-store" } });
});
