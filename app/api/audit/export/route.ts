import { z } from "zod";
import { jsonError, withRoute } from "@/lib/auth/route";
import { auditQuerySchema } from "@/lib/domain/audit-filter";
import { exportAudit } from "@/lib/services/audit/export-audit";
import { exportAuditBundle } from "@/lib/services/audit/export-audit-bundle";

const formatSchema = z.enum(["json", "csv", "bundle"]);

export const GET = withRoute("audit.export", "audit.export", (req, { actor, requestId }) => {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const format = formatSchema.safeParse(params.format ?? "json");
  const filter = auditQuerySchema.safeParse(params);
  if (!format.success) return jsonError(400, "INVALID", "format must be json, csv or bundle.");
  if (!filter.success) return jsonError(400, "INVALID", filter.error.issues.map((i) => i.message).join(" "));
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  if (format.data === "bundle") {
    // The whole trail, whatever the filter: a chain can only be verified whole.
    return new Response(exportAuditBundle(actor, requestId), {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="flightdeck-audit-${stamp}.bundle.ndjson"`,
        "cache-control": "no-store",
      },
    });
  }
  return new Response(exportAudit(actor, filter.data, format.data, requestId), {
    headers: {
      "content-type": format.data === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="flightdeck-audit-${stamp}.${format.data}"`,
      "cache-control": "no-store",
    },
  });
});
