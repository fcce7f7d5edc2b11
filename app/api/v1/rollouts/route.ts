import { getDb } from "@/db/client";
import { pageRollouts } from "@/db/queries/rollouts";
import { apiOperation } from "@/lib/api/operation";
import { decodeCursor, nextLink } from "@/lib/api/pagination";
import { listRollouts } from "@/lib/api/spec/rollouts";
import { rolloutResource } from "@/lib/views/rollout-resource";

export const dynamic = "force-dynamic";

/** GET /api/v1/rollouts?environment=&status=&limit=&cursor= : newest first; the next page in `Link`. */
export const GET = apiOperation(listRollouts, (req, { query: q }) => {
  const beforeId = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  // One more than asked tells whether a next page exists without a count query.
  const rows = pageRollouts(getDb(), { environment: q.environment, status: q.status, beforeId, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const headers = new Headers({ "cache-control": "no-store" });
  const last = page.at(-1);
  if (rows.length > q.limit && last) headers.set("link", nextLink(req.url, last.rollout.id));
  return Response.json({ items: page.map((r) => rolloutResource(r.rollout, { service: r.service, environment: r.environment })) }, { headers });
});
