import "server-only";
import { getSqlite } from "@/db/client";
import { type ChainReport, verifyAuditChain } from "@/lib/audit/verify";

const TTL_MS = 5_000;
const cache = globalThis as unknown as { __flightdeckChain?: { at: number; report: ChainReport } };

/** Full chain verification for the badge, reused for a few seconds so page views don't repeat it. */
export function chainStatus(now = Date.now()): ChainReport & { at: number } {
  const cached = cache.__flightdeckChain;
  if (cached && now - cached.at < TTL_MS) return { ...cached.report, at: cached.at };
  const report = verifyAuditChain(getSqlite());
  cache.__flightdeckChain = { at: now, report };
  return { ...report, at: now };
}
