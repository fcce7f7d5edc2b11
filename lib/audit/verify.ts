import type { KeyObject } from "node:crypto";
import type Database from "better-sqlite3";
import type { Executor } from "@/db/connection";
import { auditChainRowsPage, iterateAuditChainRows, listAuditCheckpoints, maxAuditId } from "@/db/queries/audit";
import { type ChainBreak, createChainVerifier } from "@/lib/domain/audit-chain";
import { type CheckpointFileReport, describeFinding, describeWarning, keyIdOf, verifyCheckpointLines } from "@/lib/domain/audit-checkpoint";
import { type TrailReport, createTrailVerifier } from "@/lib/domain/audit-trail";
import { type TrailFiles, loadPublicKey, readCheckpointLines, trailFilesFor } from "./trail-files";

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

export interface TrailVerification extends TrailReport {
  millis: number;
  /** Id of the key the checkpoints were checked with (undefined before the first checkpoint). */
  keyId?: string;
  /** Every finding and warning as a sentence, findings first. */
  lines: string[];
}

/**
 * Full verification (M2): the checkpoint file (signatures, numbering, links, the database's
 * mirror), then every event against the chain and the signed checkpoints. Names each rewrite.
 * `publicKey` pins the key (an auditor's copy); by default the one beside the database is used.
 */
export function verifyAuditTrail(
  db: Executor,
  sqlite: Database.Database,
  opts: { files?: TrailFiles; publicKey?: KeyObject; now?: number; uncoveredGraceMs?: number } = {},
): TrailVerification {
  const started = performance.now();
  const { file, publicKey, verifier } = prepareTrail(db, sqlite, opts);
  for (const row of iterateAuditChainRows(sqlite, 0)) verifier.pushRow(row);
  return withFileReport(verifier.finish(), file, publicKey, started);
}

type TrailOptions = { files?: TrailFiles; publicKey?: KeyObject; now?: number; uncoveredGraceMs?: number };

function prepareTrail(db: Executor, sqlite: Database.Database, opts: TrailOptions) {
  const files = opts.files ?? trailFilesFor(sqlite.name);
  const publicKey = opts.publicKey ?? loadPublicKey(files);
  const lines = readCheckpointLines(files.checkpoints);
  const mirror = listAuditCheckpoints(db);
  const file: CheckpointFileReport = publicKey
    ? verifyCheckpointLines(lines, publicKey, mirror)
    : lines.length || mirror.length
      ? { checkpoints: [], findings: [{ kind: "checkpoint_invalid", line: 1, reason: "the public key is missing: checkpoints cannot be checked" }], warnings: [] }
      : { checkpoints: [], findings: [], warnings: [{ kind: "no_checkpoint" }] };
  const verifier = createTrailVerifier(file.checkpoints, { now: opts.now ?? Date.now(), uncoveredGraceMs: opts.uncoveredGraceMs ?? UNCOVERED_GRACE_MS });
  return { file, publicKey, verifier };
}

/**
 * The same verification for a server that must stay responsive (the Audit badge): rows are read a
 * page at a time and the event loop gets a turn between pages, so a million events never block
 * other requests, and no statement stays open on the shared connection across turns.
 */
export async function verifyAuditTrailPaged(db: Executor, sqlite: Database.Database, opts: TrailOptions = {}, pageSize = 5000): Promise<TrailVerification> {
  const started = performance.now();
  const { file, publicKey, verifier } = prepareTrail(db, sqlite, opts);
  const headId = maxAuditId(sqlite);
  for (let after = 0; ; ) {
    const rows = auditChainRowsPage(sqlite, after, headId, pageSize);
    if (!rows.length) break;
    for (const row of rows) verifier.pushRow(row);
    after = rows[rows.length - 1]![0] as number;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return withFileReport(verifier.finish(), file, publicKey, started);
}

/** Events younger than this may rightly wait for the next checkpoint (the worker signs every minute). */
export const UNCOVERED_GRACE_MS = 3 * 60_000;

export function withFileReport(events: TrailReport, file: CheckpointFileReport, publicKey: KeyObject | undefined, started: number): TrailVerification {
  const findings = [...file.findings, ...events.findings];
  const warnings = [...file.warnings, ...events.warnings];
  return {
    ...events,
    intact: findings.length === 0,
    findings,
    warnings,
    millis: performance.now() - started,
    keyId: publicKey ? keyIdOf(publicKey) : undefined,
    lines: [...findings.map(describeFinding), ...(events.moreFindings ? [`... and ${events.moreFindings} more findings`] : []), ...warnings.map((w) => `warning: ${describeWarning(w)}`)],
  };
}
