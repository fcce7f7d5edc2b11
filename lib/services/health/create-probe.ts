import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { insertProbe } from "@/db/queries/governance";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { createProbeInput } from "@/lib/domain/health";
import { InvalidError, NotFoundError } from "@/lib/errors";

/** Adds a configured health check (C3). */
export function createProbe(actor: Actor, input: z.output<typeof createProbeInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "probe.manage");
  return writeTransaction(getDb(), (tx) => {
    const environment = findEnvironment(tx, input.environmentId);
    if (!environment) throw new NotFoundError("Environment");
    const serviceId = input.serviceId ? input.serviceId : null;
    if (serviceId && !findService(tx, serviceId)) throw new InvalidError("Please correct the highlighted fields.", { serviceId: ["Unknown service."] });
    const probe = insertProbe(tx, { name: input.name, environmentId: environment.id, url: input.url || null, serviceId, expectStatus: input.expectStatus, timeoutMs: input.timeoutMs, degradedMs: input.degradedMs, createdBy: actor.id, createdAt: now });
    recordAudit(tx, { actor, action: "probe.create", subjectType: "probe", subjectId: probe.id, environment: environment.name, details: { name: probe.name, url: probe.url, serviceId }, requestId, at: now });
    return probe;
  });
}
