import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { insertAuditCheckpoint, iterateAuditChainRows, lastAuditLink, latestAuditCheckpoint } from "@/db/queries/audit";
import { writeTransaction } from "@/db/transaction";
import { hashLink } from "@/lib/domain/audit-chain";
import { type Checkpoint, checkpointLine, digestOf, lineHashOf, parseCheckpoint, signCheckpoint } from "@/lib/domain/audit-checkpoint";
import { GENESIS_HASH } from "@/lib/domain/audit-chain";
import { type TrailFiles, appendCheckpointLine, loadOrCreateSigningKey, readCheckpointLines, readLastCheckpointLine, trailFilesFor } from "./trail-files";

export type SignOutcome =
  | { signed: true; checkpoint: Checkpoint }
  | { signed: false; reason: "in_memory" | "up_to_date" | "chain_broken" | "file_damaged"; detail?: string };

/**
 * Signs the chain head when it moved since the last checkpoint (the worker, every minute and on
 * shutdown; an export bundle before it is written). Re-verifies every event since the last
 * checkpoint first and never signs a broken chain or over a damaged checkpoint file: it would
 * bless the tampering. Appends the line (fsync) and mirrors it in the database, in one write
 * transaction so two signers never interleave.
 */
export function signAuditCheckpoint(db: Db, sqlite: Database.Database, opts: { now?: number; files?: TrailFiles } = {}): SignOutcome {
  if (sqlite.name === ":memory:" || sqlite.name === "") return { signed: false, reason: "in_memory" };
  const files = opts.files ?? trailFilesFor(sqlite.name);
  const key = loadOrCreateSigningKey(files);
  return writeTransaction(db, (tx): SignOutcome => {
    const lastLine = readLastCheckpointLine(files.checkpoints);
    const last = lastLine === undefined ? undefined : parseCheckpoint(lastLine);
    if (lastLine !== undefined && !last) return { signed: false, reason: "file_damaged", detail: `the last line of ${files.checkpoints} is not a checkpoint` };
    // Lines the file has but the database lacks (a stop between the two writes) are mirrored first;
    // only then is the whole file read.
    const mirroredUpTo = latestAuditCheckpoint(tx)?.seq ?? 0;
    if (mirroredUpTo > (last?.seq ?? 0)) {
      return { signed: false, reason: "file_damaged", detail: `the checkpoint file ends at checkpoint ${last?.seq ?? 0}, the database records ${mirroredUpTo}: it was cut short or replaced` };
    }
    if (last && last.seq > mirroredUpTo) {
      for (const line of readCheckpointLines(files.checkpoints)) {
        const c = parseCheckpoint(line);
        if (c && c.seq > mirroredUpTo) insertAuditCheckpoint(tx, { seq: c.seq, eventId: c.eventId, hash: c.hash, at: c.at, lineHash: lineHashOf(line) });
      }
    }
    const head = lastAuditLink(tx);
    const fromId = last?.eventId ?? 0;
    if (!head || head.id <= fromId) return { signed: false, reason: "up_to_date" };

    let expectedPrev = last?.hash ?? GENESIS_HASH;
    let expectedId = fromId + 1;
    let digests = "";
    for (const row of iterateAuditChainRows(sqlite, fromId)) {
      const id = row[0] as number;
      if (id > head.id) break;
      const stored = row[12] as string;
      // A first event above the signed high-water mark may skip ids only if those were never handed out.
      const bad =
        row[11] !== expectedPrev ? `event #${id} does not follow the signed head` : hashLink(expectedPrev, row.slice(0, 11)) !== stored ? `event #${id} was edited` : id !== expectedId ? `events #${expectedId}..#${id - 1} are missing` : undefined;
      if (bad) return { signed: false, reason: "chain_broken", detail: bad };
      digests += digestOf(stored);
      expectedPrev = stored;
      expectedId = id + 1;
    }
    const checkpoint = signCheckpoint(
      { seq: (last?.seq ?? 0) + 1, eventId: head.id, hash: head.hash, at: opts.now ?? Date.now(), prev: lastLine === undefined ? GENESIS_HASH : lineHashOf(lastLine), digests },
      key,
    );
    const line = checkpointLine(checkpoint);
    appendCheckpointLine(files.checkpoints, line);
    insertAuditCheckpoint(tx, { seq: checkpoint.seq, eventId: checkpoint.eventId, hash: checkpoint.hash, at: checkpoint.at, lineHash: lineHashOf(line) });
    return { signed: true, checkpoint };
  });
}
