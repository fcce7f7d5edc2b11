import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { attestationOf, insertAttestation } from "@/db/queries/promote-gates";
import { findRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { attestInput, missingItems } from "@/lib/domain/promote-gates/evaluate";
import { aRole } from "@/lib/domain/roles";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";
import { readPromoteGates } from "./read-promote-gates";

const LIVE = ["pending", "running", "paused", "failed"];

/**
 * "Core path validated" (runbook 000 section 4): a person holding the service's configured role
 * (roles loaded from the DB with the session) ticks every checklist item and attests, once per
 * rollout. Separation of duties: whoever started the rollout cannot attest it (as with approvals).
 */
export function attestCorePath(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "rollout.read");
  const parsed = attestInput.safeParse(raw);
  if (!parsed.success) throw InvalidError.fromIssues(parsed.error.issues);
  const input = parsed.data;
  return writeTransaction(getDb(), (tx) => {
    const rollout = findRollout(tx, input.rolloutId);
    if (!rollout) throw new NotFoundError("Rollout");
    const gate = readPromoteGates(tx, rollout.serviceId).config.attestation;
    if (!gate) throw new PreconditionError("This service's promotion needs no attestation.");
    if (!actor.roles.includes(gate.role)) throw new ForbiddenError(`Only ${aRole(gate.role)} can attest the core path of this service.`);
    if (rollout.createdBy === actor.id) throw new ForbiddenError(`You started this rollout: ${aRole(gate.role)} other than you attests its core path.`);
    if (!LIVE.includes(rollout.status)) throw new PreconditionError(`A ${rollout.status.replace(/_/g, " ")} rollout cannot be attested any more.`);
    const missing = missingItems(gate.checklist, input.items);
    if (missing.length) {
      const message = `Tick every item you validated on the canary; not ticked: ${missing.join(", ")}.`;
      throw new InvalidError(message, { items: [message] });
    }
    const existing = attestationOf(tx, rollout.id);
    if (existing || !insertAttestation(tx, { rolloutId: rollout.id, userId: actor.id, role: gate.role, items: JSON.stringify(gate.checklist), note: input.note, at: now })) {
      throw new ConflictError(`This rollout's core path is attested already${existing ? ` by ${existing.name}` : ""}.`);
    }
    recordAudit(tx, {
      actor,
      action: "rollout.core_path_attested",
      subjectType: "rollout",
      subjectId: rollout.id,
      environment: findEnvironment(tx, rollout.environmentId)?.name,
      details: { role: gate.role, items: gate.checklist, note: input.note, version: rollout.toVersion },
      requestId,
      at: now,
    });
    return { rolloutId: rollout.id };
  });
}
