import { getDb } from "@/db/client";
import { jsonError, withRoute } from "@/lib/auth/route";
import { loadDeployLog } from "@/lib/rollout-view";

export const dynamic = "force-dynamic";

/** Runbook 001's deploy-log JSON for one deployment; `?download=1` saves it as a file. */
export const GET = withRoute<{ params: Promise<{ id: string }> }>("rollout.deploy_log", "rollout.read", async (req, { params }) => {
  const { id } = await params;
  const record = /^\d+$/.test(id) ? loadDeployLog(getDb(), Number(id)) : undefined;
  if (!record) return jsonError(404, "NOT_FOUND", "Rollout was not found.");
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (new URL(req.url).searchParams.has("download")) {
    headers["content-disposition"] = `attachment; filename="deploy_${record.timestamp.replace(/[-:]/g, "")}_${record.service}_${record.environment}.json"`;
  }
  return new Response(JSON.stringify(record, null, 2), { headers: { ...headers, "content-type": "application/json" } });
});
