import { getDb } from "@/db/client";
import { jsonError, withRoute } from "@/lib/auth/route";
import { loadRolloutDecisions } from "@/lib/views/rollout-records";

export const dynamic = "force-dynamic";

/** The analysis decisions of a rollout with their numbers (I5), as JSON; `?download=1` as a file. */
export const GET = withRoute<{ params: Promise<{ id: string }> }>("rollout.decisions", "rollout.read", async (req, { params }) => {
  const { id } = await params;
  const record = /^\d+$/.test(id) ? loadRolloutDecisions(getDb(), Number(id)) : undefined;
  if (!record) return jsonError(404, "NOT_FOUND", "Rollout was not found.");
  const body = JSON.stringify(record, null, 2);
  const download = new URL(req.url).searchParams.get("download") === "1";
  return new Response(body, {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...(download ? { "content-disposition": `attachment; filename="rollout-${record.rolloutId}-decisions.json"` } : {}),
    },
  });
});
