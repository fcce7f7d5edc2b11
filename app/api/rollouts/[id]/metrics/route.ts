import { getDb } from "@/db/client";
import { jsonError, withRoute } from "@/lib/auth/route";
import { loadRolloutMetrics } from "@/lib/analysis-view";
import { metricsQuerySchema } from "@/lib/domain/analysis/chart";

export const dynamic = "force-dynamic";

/** Live chart data of one rollout (J1), polled every second: `?window=15m|1h|all`. */
export const GET = withRoute<{ params: Promise<{ id: string }> }>("rollout.metrics", "rollout.read", async (req, { params }) => {
  const { id } = await params;
  const parsed = metricsQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) return jsonError(400, "INVALID", "Invalid query.", { fieldErrors: Object.fromEntries(parsed.error.issues.map((i) => [i.path.join(".") || "query", [i.message]])) });
  const view = /^\d+$/.test(id) ? loadRolloutMetrics(getDb(), Number(id), parsed.data.window) : undefined;
  if (!view) return jsonError(404, "NOT_FOUND", "Rollout was not found.");
  return Response.json(view, { headers: { "cache-control": "no-store" } });
});
