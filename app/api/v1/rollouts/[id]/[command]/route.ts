import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import { etagOf, requireIfMatch } from "@/lib/api/etag";
import { apiOperation } from "@/lib/api/operation";
import { refusal } from "@/lib/api/problem";
import { withApiRoute } from "@/lib/api/route";
import { rolloutCommands } from "@/lib/api/spec/rollouts";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import { ROLLOUT_COMMANDS, controlRolloutInput } from "@/lib/domain/rollout/inputs";
import { NotFoundError } from "@/lib/errors";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { loadRolloutResource } from "@/lib/views/rollout-resource";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string; command: string }> };
type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];

/**
 * POST /api/v1/rollouts/{id}/{pause|resume|promote|abort|retry}: the same service verb as the
 * rollouts page (controlRollout), under If-Match (lib/api/etag.ts) and the token's environment
 * limit. 202: the state change is recorded and the worker carries it out; follow `Location`.
 */
function commandRoute(command: RolloutCommand) {
  const spec = rolloutCommands[command];
  return apiOperation(spec, (req, { params, body, actor, requestId }) => {
    const db = getDb();
    const rollout = findRollout(db, params.id);
    if (!rollout) throw new NotFoundError("Rollout");
    assertTokenEnvironment(actor, findEnvironment(db, rollout.environmentId)?.name, spec.permission);
    const expected = requireIfMatch(req, rollout.rowVersion);
    const input = controlRolloutInput.parse({ rolloutId: params.id, command, reason: body.reason, expectedVersion: expected === "any" ? undefined : expected });
    controlRollout(actor, input, requestId);
    const after = loadRolloutResource(db, params.id)!;
    return Response.json(after.resource, {
      status: 202,
      headers: { location: `/api/v1/rollouts/${params.id}`, etag: etagOf(after.row.rowVersion), "cache-control": "no-store" },
    });
  });
}

const ROUTES = Object.fromEntries(ROLLOUT_COMMANDS.map((c) => [c, commandRoute(c)])) as Record<RolloutCommand, ReturnType<typeof commandRoute>>;

/** Anything else under a rollout: authenticated like the rest, then a 404 problem. */
const unknownCommand = withApiRoute<Ctx>("rollout.command", "rollout.read", () => refusal(404, "NOT_FOUND", "There is no such rollout command (pause, resume, promote, abort, retry)."));

export async function POST(req: Request, ctx: Ctx): Promise<Response> {
  const { command } = await ctx.params;
  const route = (ROLLOUT_COMMANDS as readonly string[]).includes(command) ? ROUTES[command as RolloutCommand] : unknownCommand;
  return route(req, ctx);
}
