import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { controlRolloutInput } from "@/lib/domain/rollout/inputs";
import type { RolloutEvent } from "@/lib/domain/rollout/machine";
import { NotFoundError } from "@/lib/errors";
import { applyRolloutEvent } from "./apply-rollout-event";

/** Captain controls on a running rollout (REQUIREMENTS G3): pause, resume, promote now, abort, retry. */
export function controlRollout(actor: Actor, input: z.output<typeof controlRolloutInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, input.command === "abort" ? "rollout.abort" : "rollout.control");
  return writeTransaction(getDb(), (tx) => {
    const rollout = findRollout(tx, input.rolloutId);
    if (!rollout) throw new NotFoundError("Rollout");
    const environment = findEnvironment(tx, rollout.environmentId)!;
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
