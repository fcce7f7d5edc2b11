import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { deleteEnvironment as deleteEnvironmentRow, findEnvironment } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { deleteInput } from "@/lib/domain/catalog-inputs";
import { ConflictError, NotFoundError, PreconditionError } from "@/lib/errors";

export function deleteEnvironment(actor: Actor, input: z.output<typeof deleteInput>, requestId?: string) {
  assertCan(actor, "environment.manage");
  return writeTransaction(getDb(), (tx) => {
    const row = findEnvironment(tx, input.id);
    if (!row) throw new NotFoundError("Environment");
    let deleted: boolean;
    try {
      deleted = deleteEnvironmentRow(tx, input.id, input.rowVersion);
    } catch (err) {
      // Deployments reference the environment (foreign key): history stays, so does the environment.
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
        throw new PreconditionError(`Environment "${row.name}" has deployments and cannot be deleted.`);
      }
      throw err;
    }
    if (!deleted) throw new ConflictError("Someone changed this environment since you opened it. Reload and try again.");
    recordAudit(tx, {
      actor,
      action: "environment.delete",
      subjectType: "environment",
      subjectId: input.id,
      environment: row.name,
      details: { name: row.name },
      requestId,
    });
    return { id: input.id };
  });
}
