import "server-only";
import { getDb, getSqlite } from "@/db/client";
import { insertAuditCheck, latestAuditCheck } from "@/db/queries/audit";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { ChainBreak } from "@/lib/domain/audit-chain";

export interface ChainStatus {
  intact: boolean;
  /** Events covered: the last full check plus everything verified after it. */
  checked: number;
  broken?: ChainBreak;
  /** When the last full verification ran (ms), or null if this status came from one just now. */
  fullCheckAt: number | null;
}

/**
 * Full verification of the whole chain (REQUIREMENTS M2), stored so the badge can build on it.
 * The worker runs it periodically; `npm run audit:verify` runs it on demand.
 */
export function runFullAuditCheck(now = Date.now()) {
  const report = verifyAuditChain(getSqlite());
  insertAuditCheck(getDb(), {
    at: now,
    checked: report.checked,
    lastId: report.lastId,
    lastHash: report.lastHash,
    intact: report.intact,
    brokenId: report.broken?.id ?? null,
    reason: report.broken?.reason ?? null,
    millis: Math.round(report.millis),
  });
  return report;
}

/**
 * Badge status without re-reading a million rows per page view: the latest full check, then only
 * the events appended since (incremental). Without any full check yet, one runs now.
 */
export function chainStatus(): ChainStatus {
  const full = latestAuditCheck(getDb());
  if (!full) {
    const r = runFullAuditCheck();
    return { intact: r.intact, checked: r.checked, broken: r.broken, fullCheckAt: null };
  }
  if (!full.intact) return { intact: false, checked: full.checked, broken: { id: full.brokenId ?? 0, reason: full.reason ?? "" }, fullCheckAt: full.at };
  const tail = verifyAuditChain(getSqlite(), { id: full.lastId, hash: full.lastHash });
  return { intact: tail.intact, checked: full.checked + tail.checked, broken: tail.broken, fullCheckAt: full.at };
}
