import "server-only";
import type { Tx } from "@/db/connection";
import { insertChangelogEntry, originalDeployOf, releaseOfVersion, startedAsRollback } from "@/db/queries/changelog";
import { findEnvironment, findService } from "@/db/queries/catalog";
import type { RolloutRow } from "@/db/queries/rollouts";
import { deployedChangelogText, rolledBackChangelogText } from "@/lib/domain/rollout/rollback-verification";

/**
 * K2 (runbook 001): a release's change log, written in the rollout event's transaction (whose
 * audit event it belongs to). A release's rollout that succeeds is "deployed"; a rollback (abort
 * or redeploy of the earlier version) is "rolled_back" on the release of the version taken out,
 * naming the original deploy: the last succeeded rollout of the restored version there.
 */
export function recordReleaseChangelog(tx: Tx, rollout: RolloutRow, now: number): void {
  if (rollout.status !== "rolled_back" && rollout.status !== "succeeded") return;
  const redeploy = rollout.status === "succeeded" && startedAsRollback(tx, rollout.id);
  const environment = findEnvironment(tx, rollout.environmentId)!;
  const service = findService(tx, rollout.serviceId)!;
  const base = { at: now, environmentId: environment.id, rolloutId: rollout.id };
  if (rollout.status === "succeeded" && !redeploy) {
    if (rollout.releaseId) insertChangelogEntry(tx, { ...base, releaseId: rollout.releaseId, kind: "deployed", text: deployedChangelogText({ ...rollout, service: service.name }, environment.name) });
    return;
  }
  // An abort takes toVersion out (fromVersion serves again); a redeploy takes fromVersion out.
  const [bad, restored] = redeploy ? [rollout.fromVersion, rollout.toVersion] : [rollout.toVersion, rollout.fromVersion];
  if (!bad) return;
  const original = restored ? originalDeployOf(tx, { serviceId: rollout.serviceId, environmentId: environment.id, version: restored, beforeId: rollout.id }) : undefined;
  // The release of the version taken out: the rollout's own, else the one whose rollout deployed it, else by version.
  const deployedBad = redeploy ? originalDeployOf(tx, { serviceId: rollout.serviceId, environmentId: environment.id, version: bad, beforeId: rollout.id }) : undefined;
  const releaseId = (redeploy ? deployedBad?.releaseId : rollout.releaseId) ?? releaseOfVersion(tx, rollout.serviceId, bad)?.id;
  if (!releaseId) return;
  insertChangelogEntry(tx, {
    ...base,
    releaseId,
    kind: "rolled_back",
    text: rolledBackChangelogText({ id: rollout.id, service: service.name }, { bad, restored }, environment.name, original),
    originalRolloutId: original?.id ?? null,
  });
}
