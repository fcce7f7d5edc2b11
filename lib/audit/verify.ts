import type Database from "better-sqlite3";
import { iterateAuditChainRows } from "@/db/queries/audit";
import { type ChainBreak, createChainVerifier } from "@/lib/domain/audit-chain";

export interface ChainReport {
  intact: boolean;
  checked: number;
  broken?: ChainBreak;
  millis: number;
  /** Last event verified (to continue from later). */
  lastId: number;
  lastHash: string;
}

/**
 * Recomputes the chain and names the first broken event (REQUIREMENTS M2). With `from`, only the
 * events after an already verified link are checked (incremental verification).
 */
export function verifyAuditChain(sqlite: Database.Database, from?: { id: number; hash: string }): ChainReport {
  const started = performance.now();
  const verifier = createChainVerifier(from);
  for (const row of iterateAuditChainRows(sqlite, from?.id ?? 0)) {
    const broken = verifier.pushRow(row);
    if (broken) return { intact: false, checked: verifier.count, broken, millis: performance.now() - started, lastId: verifier.lastId, lastHash: verifier.lastHash };
  }
  return { intact: true, checked: verifier.count, millis: performance.now() - started, lastId: verifier.lastId, lastHash: verifier.lastHash };
}
