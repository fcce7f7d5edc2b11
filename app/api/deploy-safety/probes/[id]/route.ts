import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { getProbeOp } from "@/lib/api/spec/deploy-safety";
import { NotFoundError } from "@/lib/errors";
import { probeResource } from "@/lib/views/deploy-safety";
import { ok } from "../../answers";

export const dynamic = "force-dynamic";

/** GET /api/deploy-safety/probes/{id}[?limit=]: the probe, its class and its latest results. */
export const GET = apiOperation(getProbeOp, (_req, { params, query }) => {
  const probe = probeResource(getDb(), params.id, query.limit);
  if (!probe) throw new NotFoundError("Probe");
  return ok(probe);
});
