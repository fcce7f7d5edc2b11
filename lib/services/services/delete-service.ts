import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { deleteService as deleteServiceRow, findService, serviceHasReleases } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { deleteInput } from "@/lib/domain/catalog-inputs";
import { ConflictError, NotFoundError, PreconditionError } from "@/lib/errors";

export function deleteService(actor: Actor, input: z.output<typeof deleteInput>, requestId?: string) {
  assertCan(actor, "service.manage");
  return writeTransaction(getDb(), (tx) => {
    const row = findService(tx, input.id);
    if (!row) throw new NotFoundError("Service");
    // Releases reference the service for the audit trail; history is never deleted with it.
    if (serviceHasReleases(tx, input.id)) throw new PreconditionError(`Service "${row.name}" has releases and cannot be deleted.`);
    if (!deleteServiceRow(tx, input.id, input.rowVersion)) {
      throw new ConflictError("Someone changed this service since you opened it. Reload and try again.");
    }
    recordAudit(tx, { actor, action: "service.delete", subjectType: "service", subjectId: input.id, details: { name: row.name }, requestId });
    return { id: input.id };
  });
}
