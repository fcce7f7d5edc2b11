import "server-only";
import { getDb } from "@/db/client";
import { type AuditEventRow, iterateAuditEvents } from "@/db/queries/audit";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { AuditQuery } from "@/lib/domain/audit-filter";
import { csvCell } from "@/lib/domain/csv";

const CSV_COLUMNS = ["id", "createdAt", "actorLabel", "roles", "action", "subjectType", "subjectId", "environment", "details", "requestId", "prevHash", "hash"] as const;

function toPublic(e: AuditEventRow) {
  return {
    ...e,
    createdAt: new Date(e.createdAt).toISOString(),
    roles: JSON.parse(e.roles) as string[],
    details: JSON.parse(e.details) as unknown,
  };
}

/** Streams the filtered timeline as JSON or CSV; the export itself is audited first. */
export function exportAudit(actor: Actor, filter: AuditQuery, format: "json" | "csv", requestId: string): ReadableStream<Uint8Array> {
  assertCan(actor, "audit.export");
  const db = getDb();
  const { before: _b, limit: _l, ...criteria } = filter;
  writeTransaction(db, (tx) =>
    recordAudit(tx, { actor, action: "audit.export", subjectType: "audit", details: { format, filter: criteria }, requestId }),
  );
  const rows = iterateAuditEvents(db, criteria);
  const enc = new TextEncoder();
  let first = true;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(enc.encode(format === "json" ? "[\n" : `${CSV_COLUMNS.join(",")}\n`));
    },
    pull(controller) {
      // One page per pull keeps memory flat for a million events.
      for (let i = 0; i < 500; i++) {
        const next = rows.next();
        if (next.done) {
          if (format === "json") controller.enqueue(enc.encode("\n]\n"));
          controller.close();
          return;
        }
        const e = next.value;
        const line =
          format === "json"
            ? `${first ? "" : ",\n"}${JSON.stringify(toPublic(e))}`
            : `${CSV_COLUMNS.map((c) => csvCell(c === "createdAt" ? new Date(e.createdAt).toISOString() : e[c])).join(",")}\n`;
        first = false;
        controller.enqueue(enc.encode(line));
      }
    },
  });
}
