import type Database from "better-sqlite3";
import { iterateAuditChainRows } from "@/db/queries/audit";
import { type ChainBreak, createChainVerifier } from "@/lib/domain/audit-chain";

export interface ChainReport {
  intact: boolean;
  checked: number;
  broken?: ChainBreak;
  millis: number;
}

/** Recomputes the whole chain and names the first broken event (REQUIREMENTS M2). */
export function verifyAuditChain(sqlite: Database.Database): ChainReport {
  const started = performance.now();
  const verifier = createChainVerifier();
  for (const r of iterateAuditChainRows(sqlite)) {
    const broken = verifier.push({
      id: r[0] as number,
      createdAt: r[1] as number,
      actorId: r[2] as number | null,
      actorLabel: r[3] as string,
      roles: r[4] as string,
      action: r[5] as string,
      subjectType: r[6] as string | null,
      subjectId: r[7] as string | null,
      environment: r[8] as string | null,
      details: r[9] as string,
      requestId: r[10] as string | null,
      prevHash: r[11] as string,
      hash: r[12] as string,
    });
    if (broken) return { intact: false, checked: verifier.count, broken, millis: performance.now() - started };
  }
  return { intact: true, checked: verifier.count, millis: performance.now() - started };
}
