import { getDb } from "@/db/client";
import { apiOperation } from "@/lib/api/operation";
import { createOverrideOp } from "@/lib/api/spec/deploy-safety";
import { assertTokenEnvironment } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { InvalidError } from "@/lib/errors";
import { createOverride } from "@/lib/services/security/create-override";
import { overrideResource } from "@/lib/views/deploy-safety";
import { created } from "../../answers";

export const dynamic = "force-dynamic";

/** Runbook 003's `approver` is the person creating the override (their roles allow it): it must name the caller. */
function assertApproverIsCaller(actor: Actor, approver: string | undefined): void {
  if (approver === undefined) return;
  const meant = approver.toLowerCase();
  if ([actor.email, actor.email.split("@")[0]!, actor.name].some((n) => n.toLowerCase() === meant)) return;
  throw new InvalidError("Please correct the highlighted fields.", {
    approver: [`The approver is whoever creates the override (you, ${actor.email}); ask ${approver} to create it, or leave approver out.`],
  });
}

/** POST /api/deploy-safety/security-gate/override: createOverride, as the Security page (who may create which: runbook 003's table). */
export const POST = apiOperation(createOverrideOp, (_req, { body, actor, requestId }) => {
  assertTokenEnvironment(actor, body.environment, createOverrideOp.permission);
  assertApproverIsCaller(actor, body.approver);
  const { approver: _approver, ...input } = body;
  const row = createOverride(actor, input, requestId);
  return created(overrideResource(getDb(), row));
});
