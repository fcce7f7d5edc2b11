import { apiOperation } from "@/lib/api/operation";
import { exportAuditOp } from "@/lib/api/spec/records";
import { auditExportResponse } from "@/lib/views/audit-export";

export const dynamic = "force-dynamic";

/** GET /api/v1/audit/export?format=csv|json|bundle&<the audit filters>: the Audit page's export (audited by the service). */
export const GET = apiOperation(exportAuditOp, (_req, { actor, requestId, query }) => {
  const { format, ...filter } = query;
  return auditExportResponse(actor, requestId, format, { ...filter, limit: 100 });
});
