import "server-only";
import type { Actor } from "@/lib/domain/actor";
import type { AuditQuery } from "@/lib/domain/audit-filter";
import { exportAudit } from "@/lib/services/audit/export-audit";
import { exportAuditBundle } from "@/lib/services/audit/export-audit-bundle";

export const AUDIT_EXPORT_FORMATS = ["csv", "json", "bundle"] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

const CONTENT_TYPES: Record<AuditExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
  bundle: "application/x-ndjson; charset=utf-8",
};

/**
 * The audit export as a download (the Audit page's links and GET /api/v1/audit/export): the
 * filtered timeline as CSV or JSON, or the whole trail as a verifiable bundle (a chain can only be
 * verified whole, so the bundle ignores the filter). The services audit the export itself.
 */
export function auditExportResponse(actor: Actor, requestId: string, format: AuditExportFormat, filter: AuditQuery): Response {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const body = format === "bundle" ? exportAuditBundle(actor, requestId) : exportAudit(actor, filter, format, requestId);
  return new Response(body, {
    headers: {
      "content-type": CONTENT_TYPES[format],
      "content-disposition": `attachment; filename="flightdeck-audit-${stamp}.${format === "bundle" ? "bundle.ndjson" : format}"`,
      "cache-control": "no-store",
    },
  });
}
