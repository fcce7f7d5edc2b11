import { z } from "zod";
import { getDb } from "@/db/client";
import { listServices } from "@/db/queries/catalog";
import { jsonError, withRoute } from "@/lib/auth/route";
import { INSIGHTS_EXPORTS, releasesCsv, trendCsv } from "@/lib/domain/insights/csv";
import { insightsFor } from "@/lib/views/insights";

const kindSchema = z.enum(INSIGHTS_EXPORTS);

/** The Insights page's figures as CSV: `kind=trend` (the four keys per day or week) or `kind=releases` (where each release's time went). */
export const GET = withRoute("insights.export", "insights.read", (req) => {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const kind = kindSchema.safeParse(params.kind ?? "trend");
  if (!kind.success) return jsonError(400, "INVALID", "kind must be trend or releases.");
  const db = getDb();
  const r = insightsFor(db, params, Date.now());
  if (!r.ok) return jsonError(400, "INVALID", r.reason);
  const names = new Map(listServices(db).map((s) => [s.id, s.name]));
  const body =
    kind.data === "trend"
      ? trendCsv(r.insights.trend)
      : releasesCsv(r.insights.releases.map((x) => ({ ...x, service: names.get(x.serviceId) ?? String(x.serviceId) })));
  const file = `flightdeck-insights-${kind.data}-${r.insights.range.fromDay}-${r.insights.range.toDay}.csv`;
  return new Response(body, { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${file}"`, "cache-control": "no-store" } });
});
