import type { Db, Tx } from "./connection";

/**
 * Runs `fn` in a BEGIN IMMEDIATE transaction: the write lock is taken up front so the audit
 * chain's "read last hash, append" never races another process. Synchronous by design:
 * never await inside (DESIGN rule 5).
 */
export function writeTransaction<T>(db: Db, fn: (tx: Tx) => T): T {
  return db.transaction(fn, { behavior: "immediate" });
}
