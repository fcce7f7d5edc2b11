import { getDb } from "@/db/client";
import { flagStates } from "@/db/queries/flags";
import { withRoute } from "@/lib/auth/route";
import { flagdDefinition } from "@/lib/domain/flags/flag";

export const dynamic = "force-dynamic";

/**
 * GET /api/flags: every flag as one flagd flag definition (https://flagd.dev, `fractional`
 * targeting on the flag key + targetingKey), read-only. Any signed-in person may read it, and any
 * API token with the read scope (`flag.read`): point flagd's HTTP sync at this URL with
 * `Authorization: Bearer fd_...`, or feed it to an in-process flagd evaluator.
 */
export const GET = withRoute("flag.read", "flag.read", () =>
  Response.json(flagdDefinition(flagStates(getDb())), { headers: { "cache-control": "no-store" } }),
);
