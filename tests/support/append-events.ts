// Child process of tests/audit/tamper.test.ts: appends N audit events to $FLIGHTDECK_DB, each in
// its own BEGIN IMMEDIATE transaction. Prints "ready" once loaded and starts on a line on stdin,
// so that two writers really overlap. Usage: tsx tests/support/append-events.ts <count> <label>
import { openDatabase } from "@/db/connection";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";

const count = Number(process.argv[2] ?? 200);
const label = process.argv[3] ?? "writer";

const { db, sqlite } = openDatabase();
console.log("ready");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
process.stdin.pause();
const started = Date.now();
for (let i = 0; i < count; i++) {
  writeTransaction(db, (tx) =>
    recordAudit(tx, { actor: { kind: "system", label: "worker" }, action: "system.seed", subjectType: "writer", subjectId: label, details: { label, i } }),
  );
  // Like request handlers, writers pause between transactions (a tight loop would starve the
  // other process in SQLite's busy handler and the test would not interleave at all).
  if (i % 2 === 1) await new Promise((r) => setTimeout(r, 1));
}
sqlite.close();
console.log(`${label} appended ${count} in ${Date.now() - started} ms`);
