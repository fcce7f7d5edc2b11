import "server-only";
import type { Db } from "@/db/connection";
import { purgeFinishedJobs } from "@/db/queries/jobs";
import { runFullAuditCheck } from "@/lib/services/audit/chain-status";
import { AUDIT_VERIFY_JOB, auditVerifySlotKey, payloadOf, queueJob } from "../kinds";
import type { JobHandler } from "../runner";

export { AUDIT_VERIFY_JOB };
const EVERY_MS = 10 * 60_000;

/** Queues the next full verification for its 10-minute slot (idempotent: one job per slot). */
export function scheduleAuditVerify(db: Db, now: number, nextSlot = false): void {
  const slot = Math.floor(now / EVERY_MS) + (nextSlot ? 1 : 0);
  db.transaction(
    (tx) => queueJob(tx, AUDIT_VERIFY_JOB, {}, { runAt: nextSlot ? slot * EVERY_MS : now, key: auditVerifySlotKey(slot), now }),
    { behavior: "immediate" },
  );
  if (nextSlot) purgeFinishedJobs(db, AUDIT_VERIFY_JOB, now - 24 * 3600_000);
}

/** Full chain verification every 10 minutes, stored for the Audit badge (REQUIREMENTS M2). */
export function auditHandlers(db: Db, log: (msg: string) => void = () => undefined): Record<string, JobHandler> {
  return {
    [AUDIT_VERIFY_JOB]: (ctx) => {
      payloadOf(ctx.job, AUDIT_VERIFY_JOB);
      const r = runFullAuditCheck();
      log(r.intact ? `audit chain intact: ${r.checked} events in ${Math.round(r.millis)} ms` : `AUDIT CHAIN BROKEN at #${r.broken?.id}: ${r.broken?.reason}`);
      scheduleAuditVerify(db, Date.now(), true);
    },
  };
}
