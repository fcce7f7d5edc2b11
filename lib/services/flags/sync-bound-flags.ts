import "server-only";
import type { Tx } from "@/db/connection";
import { boundFlags, updateFlag } from "@/db/queries/flags";
import type { RolloutRow } from "@/db/queries/rollouts";
import { recordAudit } from "@/lib/audit/record";
import type { AnyActor } from "@/lib/domain/actor";
import { flagChangeFor } from "@/lib/domain/flags/rollout-binding";
import type { RolloutEffect, RolloutEvent, RolloutState } from "@/lib/domain/rollout/machine";
import type { PlanStep } from "@/lib/domain/rollout/strategy";
import { ConflictError } from "@/lib/errors";
import { flagAuditState } from "./flag-binding";
import { queueExternalFlagSync } from "./queue-external-sync";

/**
 * Runs inside applyRolloutEvent's transaction (helper, no authorization of its own: the rollout
 * transition was authorized): moves the flags bound to the rollout's service and environment as
 * runbook 002 says (lib/domain/flags/rollout-binding.ts), each change audited with the rollout id,
 * so the flag and the rollout event commit together or not at all.
 */
export function syncBoundFlags(
  tx: Tx,
  t: { rollout: RolloutRow; plan: readonly PlanStep[]; event: RolloutEvent; next: RolloutState; effects: readonly RolloutEffect[] },
  who: { actor: AnyActor; environment: string; requestId?: string },
  now: number,
): void {
  const { rollout, event } = t;
  const change = flagChangeFor(t.plan, rollout, event, t);
  if (!change) return;
  for (const flag of boundFlags(tx, rollout.serviceId, rollout.environmentId)) {
    // A gradual rollback's "0 first" does not switch on a flag someone had switched off.
    const target = change.kind === "set" ? { enabled: change.percentage > 0 || flag.enabled, rolloutPercentage: change.percentage } : { enabled: false, rolloutPercentage: 0 };
    if (flag.enabled === target.enabled && flag.rolloutPercentage === target.rolloutPercentage) continue;
    const updated = updateFlag(tx, flag.id, flag.rowVersion, { ...target, lastRolloutId: rollout.id, updatedAt: now });
    if (!updated) throw new ConflictError(`Flag ${flag.key} changed meanwhile.`);
    // Runbook 002's curl to the team's own flag service, sent by the worker after this commits.
    queueExternalFlagSync(tx, updated, now);
    recordAudit(tx, {
      actor: who.actor,
      action: change.kind === "set" ? "flag.rollout_set" : "flag.disabled",
      subjectType: "flag",
      subjectId: flag.id,
      environment: who.environment,
      details: { key: flag.key, rolloutId: rollout.id, event: event.type, rolloutStatus: t.next.status, before: flagAuditState(flag), after: target },
      requestId: who.requestId,
      at: now,
    });
  }
}
