import type { Db, Tx } from "@/db/connection";
import { writeTransaction } from "@/db/transaction";
import type { AppError } from "@/lib/errors";
import { type AuditInput, recordAudit } from "./record";

/**
 * A refusal that must itself be audited (a policy block, a separation-of-duties refusal):
 * thrown inside a transaction, it rolls back every change, then the audit event is written
 * on its own and the AppError reaches the caller. Nothing but the audit event changes.
 */
export class AuditedRefusal extends Error {
  constructor(
    readonly error: AppError,
    readonly audit: AuditInput,
  ) {
    super(error.message);
  }
}

/** writeTransaction that turns an AuditedRefusal into "audit event only, then the error". */
export function refusableTransaction<T>(db: Db, fn: (tx: Tx) => T): T {
  try {
    return writeTransaction(db, fn);
  } catch (err) {
    if (!(err instanceof AuditedRefusal)) throw err;
    writeTransaction(db, (tx) => recordAudit(tx, err.audit));
    throw err.error;
  }
}
