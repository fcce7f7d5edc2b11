import { getDb } from "@/db/client";
import { listDecisions } from "@/db/queries/analysis";
import { findRollout } from "@/db/queries/rollouts";
import { decisionView } from "@/lib/analysis-view";
import { jsonError, withRoute } from "@/lib/auth/route";

export const dynamic = "force-dynamic";

/** The analysis decisions of a rollout with their numbers (I5), as JSON; `?download=1` as a file. */
export const GET = withRoute<{ params: Promise<{ id: string }> }>("rollout.decisions", "rollout.read", async (req, { params }) => {
  const { id } = await params;
  const rollout = /^\d+$/.test(id) ? findRollout(getDb(), Number(id)) : undefined;
  if (!rollout) return jsonError(404, "NOT_FOUND", "Rollout was not found.");
  const decisions = listDecisions(getDb(), rollout.id, 10_000).map(decisionView).reverse();
  const body = JSON.stringify({ rolloutId: rollout.id, version: rollout.toVersion, previousVersion: rollout.fromVersion, decisions }, null, 2);
  const download = new URL(req.url).searchParams.get("download") === "1";
  return new Response(body, {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...(download ? { "content-disposition": `attachment; filename="rollout-${rollout.id}-decisions.json"` } : {}),
    },
  });
});
