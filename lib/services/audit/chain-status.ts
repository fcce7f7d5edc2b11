import "server-only";
import { statSync } from "node:fs";
import { getDb, getSqlite } from "@/db/client";
import { insertAuditCheck, lastAuditLink } from "@/db/queries/audit";
import { trailFilesFor } from "@/lib/audit/trail-files";
import { type TrailVerification, verifyAuditTrail, verifyAuditTrailPaged } from "@/lib/audit/verify";

/**
 * Full verification of the trail (REQUIREMENTS M2): the signed checkpoints, then every event.
 * The worker runs it every 10 minutes and keeps the result as history; nothing reads that
 * history back as proof.
 */
export function runFullAuditCheck(now = Date.now()): TrailVerification {
  const report = verifyAuditTrail(getDb(), getSqlite(), { now });
  const first = report.findings[0];
  insertAuditCheck(getDb(), {
    at: now,
    checked: report.checked,
    lastId: report.lastId,
    lastHash: report.lastHash,
    intact: report.intact,
    brokenId: first && "id" in first ? first.id : first && "from" in first ? first.from : null,
    reason: report.lines[0] ?? null,
    millis: Math.round(report.millis),
  });
  return report;
}

export interface ChainStatus extends TrailVerification {
  /** When this process verified (ms); at most MAX_AGE_MS ago. */
  verifiedAt: number;
}

/** A badge shown within this long of a rewrite; page views in between reuse the same verification. */
const MAX_AGE_MS = 30_000;
const memo = globalThis as unknown as { __flightdeckChainStatus?: { key: string; status: Promise<ChainStatus>; startedAt: number } };

/**
 * The Audit badge: verified by this process against the checkpoints and every event, never read
 * from a stored "intact" flag. A new event or checkpoint triggers a new verification at once;
 * otherwise one verification serves page views for 30 s (concurrent views share the one running).
 */
export function chainStatus(now = Date.now()): Promise<ChainStatus> {
  const sqlite = getSqlite();
  const head = lastAuditLink(getDb());
  let cp = "none";
  try {
    const st = statSync(trailFilesFor(sqlite.name).checkpoints);
    cp = `${st.size}:${st.mtimeMs}`;
  } catch {
    // No checkpoint file yet.
  }
  const key = `${sqlite.name}|${head?.id ?? 0}|${head?.hash ?? ""}|${cp}`;
  const cached = memo.__flightdeckChainStatus;
  if (cached && cached.key === key && now - cached.startedAt < MAX_AGE_MS) return cached.status;
  const status = verifyAuditTrailPaged(getDb(), sqlite, { now }).then((r) => ({ ...r, verifiedAt: now }));
  memo.__flightdeckChainStatus = { key, status, startedAt: now };
  // A failed run is not kept: the next view tries again.
  status.catch(() => {
    if (memo.__flightdeckChainStatus?.status === status) memo.__flightdeckChainStatus = undefined;
  });
  return status;
}
