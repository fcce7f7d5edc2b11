import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { deleteProbe as deleteProbeRow, findProbe } from "@/db/queries/governance";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { NotFoundError } from "@/lib/errors";

/** Removes a health probe and its history; the audit event keeps what it was. */
export function deleteProbe(actor: Actor, input: { probeId: number }, requestId?: string, now = Date.now()) {
  assertCan(actor, "probe.manage");
  return writeTransaction(getDb(), (tx) => {
    const p = findProbe(tx, input.probeId);
    if (!p) throw new NotFoundError("Probe");
    deleteProbeRow(tx, p.id);
    recordAudit(tx, { actor, action: "probe.delete", subjectType: "probe", subjectId: p.id, environment: findEnvironment(tx, p.environmentId)?.name, details: { name: p.name, url: p.url, serviceId: p.serviceId }, requestId, at: now });
    return { id: p.id };
  });
}
