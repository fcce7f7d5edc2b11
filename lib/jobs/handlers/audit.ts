import "server-only";
import type { Db } from "@/db/connection";
import { sqliteOf } from "@/db/queries/audit";
import { purgeFinishedJobs } from "@/db/queries/jobs";
import { signAuditCheckpoint } from "@/lib/audit/checkpoint";
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
      log(r.intact ? `audit trail intact: ${r.checked} events in ${Math.round(r.millis)} ms` : `AUDIT TRAIL TAMPERED: ${r.lines.join("; ")}`);
      scheduleAuditVerify(db, Date.now(), true);
    },
  };
}

/** How often the worker signs the chain head while events arrive (FLIGHTDECK_CHECKPOINT_EVERY_MS, default 1 min). */
export const CHECKPOINT_EVERY_MS = Number(process.env.FLIGHTDECK_CHECKPOINT_EVERY_MS) || 60_000;

/**
 * Signs a checkpoint of the audit chain every minute while events arrive, and once more when the
 * worker stops (M2). A refusal (a broken chain, a damaged checkpoint file) is logged each time:
 * the badge and `npm run audit:verify` name what was found.
 */
export function startAuditCheckpoints(db: Db, log: (msg: string) => void = () => undefined, everyMs = CHECKPOINT_EVERY_MS) {
  const sign = () => {
    try {
      const r = signAuditCheckpoint(db, sqliteOf(db));
      if (r.signed) log(`audit checkpoint ${r.checkpoint.seq} signed (head #${r.checkpoint.eventId})`);
      else if (r.reason === "chain_broken" || r.reason === "file_damaged") log(`AUDIT CHECKPOINT REFUSED: ${r.detail}`);
    } catch (err) {
      log(`audit checkpoint failed: ${(err as Error).message}`);
    }
  };
  sign();
  const timer = setInterval(sign, everyMs);
  timer.unref();
  return {
    /** Stops the timer and signs what arrived since the last checkpoint. */
    stop() {
      clearInterval(timer);
      sign();
    },
  };
}
