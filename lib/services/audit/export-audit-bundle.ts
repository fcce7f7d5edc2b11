import "server-only";
import { getDb, getSqlite } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import { auditBundleLines } from "@/lib/audit/bundle";
import { signAuditCheckpoint } from "@/lib/audit/checkpoint";
import { recordAudit } from "@/lib/audit/record";
import { loadOrCreateSigningKey, readCheckpointLines, trailFilesFor } from "@/lib/audit/trail-files";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";

/**
 * The whole trail as an offline-verifiable bundle (M2): the export is audited, then a checkpoint
 * is signed so the bundle ends at a signed head that includes the export itself.
 */
export function exportAuditBundle(actor: Actor, requestId: string, now = Date.now()): ReadableStream<Uint8Array> {
  assertCan(actor, "audit.export");
  const db = getDb();
  const sqlite = getSqlite();
  writeTransaction(db, (tx) => recordAudit(tx, { actor, action: "audit.export", subjectType: "audit", details: { format: "bundle" }, requestId }));
  const signed = signAuditCheckpoint(db, sqlite, { now });
  if (!signed.signed && (signed.reason === "chain_broken" || signed.reason === "file_damaged")) {
    // Still exportable: the auditor's verifier names the damage; the server only refuses to sign over it.
    console.warn(`[audit] bundle exported over a trail the signer refused: ${signed.detail}`);
  }
  const files = trailFilesFor(sqlite.name);
  const lines = auditBundleLines(sqlite, { checkpointLines: readCheckpointLines(files.checkpoints), key: loadOrCreateSigningKey(files), now });
  const enc = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      // A page of lines per pull keeps memory flat for a million events.
      for (let i = 0; i < 2000; i++) {
        const next = lines.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(enc.encode(next.value));
      }
    },
  });
}

