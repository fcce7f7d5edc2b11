import { getDb } from "@/db/client";
import { findApproval } from "@/db/queries/releases";
import { apiOperation } from "@/lib/api/operation";
import { decideApprovalOp } from "@/lib/api/spec/records";
import { ForbiddenError, NotFoundError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/approvals/{id}/decide: always refused (D1-D5). A token never gets here
 * (authorize: "Approvals need a person..."); a person calling the API is sent to the approval
 * screen, where they re-enter their password. Nothing is decided; the refusal is audited.
 */
export const POST = apiOperation(decideApprovalOp, (_req, { params }) => {
  if (!findApproval(getDb(), params.id)) throw new NotFoundError("Approval");
  throw new ForbiddenError(
    `Approvals are decided in the browser: open /approvals/${params.id} in Flightdeck and confirm with your password. The API never approves or rejects.`,
    decideApprovalOp.permission,
  );
});
