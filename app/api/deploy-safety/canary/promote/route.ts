import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { promoteCanaryOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import { controlRolloutInput } from "@/lib/domain/rollout/inputs";
import { PreconditionError } from "@/lib/errors";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { environmentNamed, liveRolloutIn } from "@/lib/views/deploy-safety-refs";
import { rolloutAccepted } from "../../answers";

export const dynamic = "force-dynamic";

/** POST /api/deploy-safety/canary/promote {environment, service?}: controlRollout promote of the live rollout there. */
export const POST = apiOperation(promoteCanaryOp, (_req, { body, actor, requestId }) => {
  const db = getDb();
  const environment = environmentNamed(db, body.environment);
  assertTokenEnvironment(actor, environment.name, promoteCanaryOp.permission);
  const live = liveRolloutIn(db, environment, body.service);
  if (!live) throw new PreconditionError(`No rollout${body.service ? ` of ${body.service}` : ""} is live in ${environment.name}.`);
  controlRollout(actor, controlRolloutInput.parse({ rolloutId: live.id, command: "promote" }), requestId);
  return rolloutAccepted(db, live.id);
});
