import { GENESIS_HASH, hashLink } from "./audit-chain";
import { type Checkpoint, DIGEST_CHARS, type TrailFinding, type TrailWarning } from "./audit-checkpoint";

/** Findings kept per verification; a rewrite of a million events is named once, not a million times. */
export const MAX_FINDINGS = 50;

export interface TrailReport {
  intact: boolean;
  checked: number;
  findings: TrailFinding[];
  /** Findings beyond MAX_FINDINGS, counted only. */
  moreFindings: number;
  warnings: TrailWarning[];
  lastId: number;
  lastHash: string;
  /** The newest trusted checkpoint, if any. */
  checkpoint?: { seq: number; eventId: number; at: number };
}

/**
 * Streams the stored events (id order, as raw rows: the 11 chained columns, prev_hash, hash)
 * against the chain and the verified checkpoints, and names every way history was rewritten:
 * an edited event (content vs its own hash), missing ids, an event that does not follow the one
 * before, a re-hashed rewrite (hashes differ from what a checkpoint signed), events deleted from
 * the end (the newest checkpoint names a later head). Pure: the caller reads the rows.
 */
export function createTrailVerifier(checkpoints: readonly Checkpoint[], opts: { now?: number; uncoveredGraceMs?: number } = {}) {
  const sorted = [...checkpoints].sort((a, b) => a.seq - b.seq);
  const findings: TrailFinding[] = [];
  let more = 0;
  const add = (f: TrailFinding) => (findings.length < MAX_FINDINGS ? findings.push(f) : more++);

  // Checkpoint i covers ids (eventId - digests, eventId], one digest per id (the digests say where it starts).
  let cpIndex = 0;
  let expectedPrev = GENESIS_HASH;
  let lastId = 0;
  let count = 0;
  let rewriting = false;
  let firstUncovered: { id: number; at: number } | undefined;
  const maxCovered = sorted.reduce((m, c) => Math.max(m, c.eventId), 0);

  /** The signed digest and checkpoint for an id, advancing through the checkpoints monotonically. */
  function signedFor(id: number): { digest: string; seq: number; full?: string } | undefined {
    while (cpIndex < sorted.length && sorted[cpIndex]!.eventId < id) cpIndex++;
    const cp = sorted[cpIndex];
    if (!cp) return undefined;
    const start = cp.eventId - cp.digests.length / DIGEST_CHARS;
    if (id <= start) return undefined;
    const offset = (id - start - 1) * DIGEST_CHARS;
    return { digest: cp.digests.slice(offset, offset + DIGEST_CHARS), seq: cp.seq, full: id === cp.eventId ? cp.hash : undefined };
  }

  /** The checkpoint that had signed past `id` (for naming a gap). */
  const checkpointCovering = (id: number) => sorted.find((c) => c.eventId >= id)?.seq;

  return {
    pushRow(row: readonly unknown[]): void {
      count++;
      const id = row[0] as number;
      const prev = row[11] as string;
      const stored = row[12] as string;
      const gap = id > lastId + 1;
      const linked = prev === expectedPrev;
      if (gap) add({ kind: "missing", from: lastId + 1, to: id - 1, checkpoint: checkpointCovering(lastId + 1), relinked: linked || undefined });
      const edited = hashLink(prev, row.slice(0, 11)) !== stored;
      if (edited) add({ kind: "edited", id });
      else if (!linked && !gap) add({ kind: "unlinked", id });
      const signed = signedFor(id);
      if (signed) {
        const differs = stored.slice(0, DIGEST_CHARS) !== signed.digest || (signed.full !== undefined && signed.full !== stored);
        // A rewrite that kept the chain consistent is only visible against what was signed.
        if (differs && !rewriting && !edited && linked && !gap) add({ kind: "relinked", from: id, checkpoint: signed.seq });
        rewriting = differs;
      } else if (id > maxCovered && !firstUncovered) {
        firstUncovered = { id, at: row[1] as number };
      }
      expectedPrev = stored;
      lastId = id;
    },
    finish(): TrailReport {
      if (maxCovered > lastId) add({ kind: "missing", from: lastId + 1, to: maxCovered, checkpoint: checkpointCovering(lastId + 1), atEnd: true });
      const warnings: TrailWarning[] = [];
      const grace = opts.uncoveredGraceMs ?? 0;
      if (firstUncovered && (opts.now === undefined || firstUncovered.at < opts.now - grace)) {
        warnings.push({ kind: "uncovered", from: firstUncovered.id, to: lastId, since: firstUncovered.at });
      }
      const newest = sorted[sorted.length - 1];
      return {
        intact: findings.length === 0,
        checked: count,
        findings,
        moreFindings: more,
        warnings,
        lastId,
        lastHash: expectedPrev,
        checkpoint: newest ? { seq: newest.seq, eventId: newest.eventId, at: newest.at } : undefined,
      };
    },
  };
}
