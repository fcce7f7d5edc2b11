import { getDb } from "@/db/client";
import { jsonError, withRoute } from "@/lib/auth/route";
import { loadRolloutView } from "@/lib/rollout-view";

export const dynamic = "force-dynamic";

/** Live state of one rollout for its page (polled every second); `?after=<logId>` for new log lines. */
export const GET = withRoute<{ params: Promise<{ id: string }> }>("rollout.read", "rollout.read", async (req, { params }) => {
  const { id } = await params;
  const after = Number(new URL(req.url).searchParams.get("after") ?? 0) || 0;
  const view = /^\d+$/.test(id) ? loadRolloutView(getDb(), Number(id), after) : undefined;
  if (!view) return jsonError(404, "NOT_FOUND", "Rollout was not found.");
  return Response.json(view, { headers: { "cache-control": "no-store" } });
});
