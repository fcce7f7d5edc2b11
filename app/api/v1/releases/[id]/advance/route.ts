import { getDb } from "@/db/client";
import { findRelease } from "@/db/queries/releases";
import { etagOf, requireIfMatch } from "@/lib/api/etag";
import { apiOperation } from "@/lib/api/operation";
import { advanceReleaseOp } from "@/lib/api/spec/releases";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import type { ReleasePhase } from "@/lib/domain/release/lifecycle";
import { releaseCommandInput } from "@/lib/domain/release/inputs";
import { NotFoundError } from "@/lib/errors";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { loadReleaseResource, releaseCommandEnvironment } from "@/lib/views/release-resource";

export const dynamic = "force-dynamic";

/** Commands whose work the worker does (rollouts, or expand migrations first): 202. */
const WORKER_COMMANDS = new Set(["deploy_staging", "start_production"]);

/**
 * POST /api/v1/releases/{id}/advance {command, reason?}: the release page's buttons (driveRelease),
 * under If-Match and the token's environment limit (the environment the command acts on).
 */
export const POST = apiOperation(advanceReleaseOp, (req, { params, body, actor, requestId }) => {
  const db = getDb();
  const release = findRelease(db, params.id);
  if (!release) throw new NotFoundError("Release");
  assertTokenEnvironment(actor, releaseCommandEnvironment(db, body.command, release.status as ReleasePhase), advanceReleaseOp.permission);
  const expected = requireIfMatch(req, release.rowVersion);
  // The version seen goes into the transaction too: a change by the worker in between is 409, not a silent overwrite.
  const input = releaseCommandInput.parse({ releaseId: params.id, command: body.command, reason: body.reason, expectedVersion: expected === "any" ? undefined : expected });
  driveRelease(actor, input, requestId);
  const after = loadReleaseResource(db, params.id)!;
  return Response.json(after.resource, {
    status: WORKER_COMMANDS.has(body.command) ? 202 : 200,
    headers: { location: after.resource.links.self, etag: etagOf(after.row.rowVersion), "cache-control": "no-store" },
  });
});
