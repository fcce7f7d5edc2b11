import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import { refusableTransaction } from "@/lib/audit/refusal";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { controlRolloutInput } from "@/lib/domain/rollout/inputs";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import { ConflictError, NotFoundError } from "@/lib/errors";
import type { GatedAction } from "@/lib/domain/policy/gate";
import { assertPolicy } from "@/lib/services/policy/check-policy";
import { applyRolloutEvent } from "./apply-rollout-event";

/** What the security gate is asked for each command; pausing is always allowed (it only stops traffic moving). */
const GATED: Record<string, GatedAction | undefined> = { promote: "deploy.promote", abort: "deploy.rollback", resume: "deploy.step", retry: "deploy.step", pause: undefined };

/** Captain controls on a running rollout (REQUIREMENTS G3): pause, resume, promote now, abort, retry. */
export function controlRollout(actor: Actor, input: z.output<typeof controlRolloutInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, input.command === "abort" ? "rollout.abort" : "rollout.control");
  return refusableTransaction(getDb(), (tx) => {
    const rollout = findRollout(tx, input.rolloutId);
    if (!rollout) throw new NotFoundError("Rollout");
    if (input.expectedVersion !== undefined && rollout.rowVersion !== input.expectedVersion) throw new ConflictError("The rollout changed meanwhile. Reload and try again.");
    const environment = findEnvironment(tx, rollout.environmentId)!;
    const gated = GATED[input.command];
    if (gated) assertPolicy(tx, gated, { actor, environment, subjectType: "rollout", subjectId: rollout.id, requestId, now });
    const event: RolloutEvent =
      input.command === "pause"
        ? { type: "pause", at: now }
        : input.command === "resume"
          ? { type: "resume", at: now }
          : input.command === "promote"
            ? { type: "promote_now" }
            : input.command === "abort"
              ? { type: "abort", reason: input.reason || `Aborted by ${actor.email}` }
              : { type: "retry" };
    return applyRolloutEvent(tx, rollout, event, { actor, environment: environment.name, requestId }, now);
  });
}
