import "server-only";
import type { Executor } from "@/db/connection";
import type { FlagRow } from "@/db/queries/flags";
import { flagExternalSyncKey } from "@/lib/domain/flags/external";
import { FLAG_EXTERNAL_SYNC_JOB, queueJob } from "@/lib/jobs/kinds";

/**
 * Helper inside the caller's transaction (the flag change's): queues attempt `attempt` of sending
 * the flag's state at this row version to its external flag service, if it has one. The HTTP call
 * is the worker's (lib/jobs/handlers/flags.ts), never made inside the transaction.
 */
export function queueExternalFlagSync(tx: Executor, flag: Pick<FlagRow, "id" | "rowVersion" | "enabled" | "rolloutPercentage" | "externalUrl">, now: number, attempt = 1, runAt = now): void {
  if (!flag.externalUrl) return;
  queueJob(
    tx,
    FLAG_EXTERNAL_SYNC_JOB,
    { flagId: flag.id, rowVersion: flag.rowVersion, enabled: flag.enabled, percentage: flag.rolloutPercentage, attempt },
    { runAt, key: flagExternalSyncKey(flag.id, flag.rowVersion, attempt), now },
  );
}
