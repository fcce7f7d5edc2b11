import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findServiceByName, insertService } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { serviceInput } from "@/lib/domain/catalog-inputs";
import { ConflictError } from "@/lib/errors";

export function createService(actor: Actor, input: z.output<typeof serviceInput>, requestId?: string) {
  assertCan(actor, "service.manage");
  const now = Date.now();
  return writeTransaction(getDb(), (tx) => {
    if (findServiceByName(tx, input.name)) {
      throw new ConflictError(`A service named "${input.name}" already exists.`, { name: ["This name is taken."] });
    }
    const migrations = input.migrations ?? [];
    const row = insertService(tx, { ...input, deployTarget: JSON.stringify(input.deployTarget), migrations: JSON.stringify(migrations), createdAt: now, updatedAt: now });
    recordAudit(tx, {
      actor,
      action: "service.create",
      subjectType: "service",
      subjectId: row.id,
      details: { name: row.name, owner: row.owner, deployTarget: input.deployTarget, migrations },
      requestId,
      at: now,
    });
    return row;
  });
}
