import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findService, findServiceByName, updateService as updateServiceRow } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { updateServiceInput } from "@/lib/domain/catalog-inputs";
import { ConflictError, NotFoundError } from "@/lib/errors";

export function updateService(actor: Actor, input: z.output<typeof updateServiceInput>, requestId?: string) {
  assertCan(actor, "service.manage");
  const now = Date.now();
  return writeTransaction(getDb(), (tx) => {
    const before = findService(tx, input.id);
    if (!before) throw new NotFoundError("Service");
    const clash = findServiceByName(tx, input.name);
    if (clash && clash.id !== input.id) {
      throw new ConflictError(`A service named "${input.name}" already exists.`, { name: ["This name is taken."] });
    }
    const after = updateServiceRow(tx, input.id, input.rowVersion, {
      name: input.name,
      description: input.description,
      owner: input.owner,
      deployTarget: JSON.stringify(input.deployTarget),
      updatedAt: now,
    });
    if (!after) throw new ConflictError("Someone changed this service since you opened it. Reload and try again.");
    recordAudit(tx, {
      actor,
      action: "service.update",
      subjectType: "service",
      subjectId: input.id,
      details: {
        before: { name: before.name, description: before.description, owner: before.owner, deployTarget: JSON.parse(before.deployTarget) as unknown },
        after: { name: after.name, description: after.description, owner: after.owner, deployTarget: input.deployTarget },
      },
      requestId,
      at: now,
    });
    return after;
  });
}
