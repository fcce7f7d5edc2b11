import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironment, findEnvironmentByName, updateEnvironment as updateEnvironmentRow } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { updateEnvironmentInput } from "@/lib/domain/catalog-inputs";
import { ConflictError, NotFoundError } from "@/lib/errors";

export function updateEnvironment(actor: Actor, input: z.output<typeof updateEnvironmentInput>, requestId?: string) {
  assertCan(actor, "environment.manage");
  return writeTransaction(getDb(), (tx) => {
    const before = findEnvironment(tx, input.id);
    if (!before) throw new NotFoundError("Environment");
    const clash = findEnvironmentByName(tx, input.name);
    if (clash && clash.id !== input.id) {
      throw new ConflictError(`An environment named "${input.name}" already exists.`, { name: ["This name is taken."] });
    }
    const { id, rowVersion, ...fields } = input;
    const after = updateEnvironmentRow(tx, id, rowVersion, fields);
    if (!after) throw new ConflictError("Someone changed this environment since you opened it. Reload and try again.");
    recordAudit(tx, {
      actor,
      action: "environment.update",
      subjectType: "environment",
      subjectId: id,
      environment: after.name,
      details: {
        before: { name: before.name, description: before.description, production: before.production, sortOrder: before.sortOrder },
        after: fields,
      },
      requestId,
    });
    return after;
  });
}
