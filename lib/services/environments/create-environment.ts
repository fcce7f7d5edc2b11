import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironmentByName, insertEnvironment } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { environmentInput } from "@/lib/domain/catalog-inputs";
import { ConflictError } from "@/lib/errors";

export function createEnvironment(actor: Actor, input: z.output<typeof environmentInput>, requestId?: string) {
  assertCan(actor, "environment.manage");
  const now = Date.now();
  return writeTransaction(getDb(), (tx) => {
    if (findEnvironmentByName(tx, input.name)) {
      throw new ConflictError(`An environment named "${input.name}" already exists.`, { name: ["This name is taken."] });
    }
    const row = insertEnvironment(tx, { ...input, createdAt: now });
    recordAudit(tx, {
      actor,
      action: "environment.create",
      subjectType: "environment",
      subjectId: row.id,
      environment: row.name,
      details: { ...input },
      requestId,
      at: now,
    });
    return row;
  });
}
