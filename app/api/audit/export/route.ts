import { z } from "zod";
import { jsonError, withRoute } from "@/lib/auth/route";
import { auditQuerySchema } from "@/lib/domain/audit-filter";
import { AUDIT_EXPORT_FORMATS, auditExportResponse } from "@/lib/views/audit-export";

const formatSchema = z.enum(AUDIT_EXPORT_FORMATS);

export const GET = withRoute("audit.export", "audit.export", (req, { actor, requestId }) => {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const format = formatSchema.safeParse(params.format ?? "json");
  const filter = auditQuerySchema.safeParse(params);
  if (!format.success) return jsonError(400, "INVALID", "format must be json, csv or bundle.");
  if (!filter.success) return jsonError(400, "INVALID", filter.error.issues.map((i) => i.message).join(" "));
  return auditExportResponse(actor, requestId, format.data, filter.data);
});
