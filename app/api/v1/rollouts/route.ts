import { z } from "zod";
import { getDb } from "@/db/client";
import { pageRollouts } from "@/db/queries/rollouts";
import { decodeCursor, nextLink, pageQuery } from "@/lib/api/pagination";
import { readQuery, withApiRoute } from "@/lib/api/route";
import { ROLLOUT_STATUSES } from "@/lib/domain/rollout/machine";
import { rolloutResource } from "@/lib/views/rollout-resource";

export const dynamic = "force-dynamic";

const listQuery = z.strictObject({
  environment: z.string().trim().min(1).max(64).optional(),
  status: z.enum(ROLLOUT_STATUSES).optional(),
  ...pageQuery,
});

/** GET /api/v1/rollouts?environment=&status=&limit=&cursor= : newest first; the next page in `Link`. */
export const GET = withApiRoute("api.rollouts.list", "rollout.read", (req) => {
  const q = readQuery(req, listQuery);
  const beforeId = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  // One more than asked tells whether a next page exists without a count query.
  const rows = pageRollouts(getDb(), { environment: q.environment, status: q.status, beforeId, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const headers = new Headers({ "cache-control": "no-store" });
  const last = page.at(-1);
  if (rows.length > q.limit && last) headers.set("link", nextLink(req.url, last.rollout.id));
  return Response.json({ items: page.map((r) => rolloutResource(r.rollout, { service: r.service, environment: r.environment })) }, { headers });
});
