import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findService, findServiceByName, updateService as updateServiceRow } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { updateServiceInput } from "@/lib/domain/catalog-inputs";
import { canonicalJson } from "@/lib/domain/audit-chain";
import { parseCatalog } from "@/lib/domain/migration-catalog";
import { ConflictError, NotFoundError } from "@/lib/errors";

/**
 * Edits a service's settings, including every shell command it defines (deploy target, migration
 * catalog). The audit event carries before/after of each field and names what changed; approvals
 * of releases whose commands changed no longer match their fingerprint (D4).
 */
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
    const migrations = input.migrations ?? parseCatalog(before.migrations);
    const after = updateServiceRow(tx, input.id, input.rowVersion, {
      name: input.name,
      description: input.description,
      owner: input.owner,
      deployTarget: JSON.stringify(input.deployTarget),
      migrations: JSON.stringify(migrations),
      updatedAt: now,
    });
    if (!after) throw new ConflictError("Someone changed this service since you opened it. Reload and try again.");
    const was = { name: before.name, description: before.description, owner: before.owner, deployTarget: JSON.parse(before.deployTarget) as unknown, migrations: parseCatalog(before.migrations) };
    const is = { name: after.name, description: after.description, owner: after.owner, deployTarget: input.deployTarget, migrations };
    recordAudit(tx, {
      actor,
      action: "service.update",
      subjectType: "service",
      subjectId: input.id,
      details: { before: was, after: is, changed: (Object.keys(is) as (keyof typeof is)[]).filter((k) => canonicalJson(was[k]) !== canonicalJson(is[k])) },
      requestId,
      at: now,
    });
    return after;
  });
}
