import { z } from "zod";
import { jsonError, withRoute } from "@/lib/auth/route";
import { auditQuerySchema } from "@/lib/domain/audit-filter";
import { exportAudit } from "@/lib/services/audit/export-audit";

const formatSchema = z.enum(["json", "csv"]);

export const GET = withRoute("audit.export", "audit.export", (req, { actor, requestId }) => {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const format = formatSchema.safeParse(params.format ?? "json");
  const filter = auditQuerySchema.safeParse(params);
  if (!format.success) return jsonError(400, "INVALID", "format must be json or csv.");
  if (!filter.success) return jsonError(400, "INVALID", filter.error.issues.map((i) => i.message).join(" "));
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(exportAudit(actor, filter.data, format.data, requestId), {
    headers: {
      "content-type": format.data === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="flightdeck-audit-${stamp}.${format.data}"`,
      "cache-control": "no-store",
    },
  });
});
