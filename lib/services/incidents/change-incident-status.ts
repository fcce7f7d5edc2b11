import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { incidentStatusInput } from "@/lib/domain/incidents/inputs";
import { moveIncident, slaClocks } from "@/lib/domain/incidents/rules";
import { PreconditionError } from "@/lib/errors";
import { auditIncident, incidentForChange, recordDueBreaches, saveIncident } from "./internal";

const ACTION = { acknowledged: "incident.acknowledge", mitigated: "incident.mitigate", resolved: "incident.resolve" } as const;

/**
 * Acknowledge, mitigate or resolve (L1). Acknowledging needs `incident.acknowledge`, the rest
 * `incident.manage`. A clock stopped after its due time whose breach the worker has not recorded
 * yet gets its `incident.sla_breached` first, so every breach is in the trail exactly once.
 */
export function changeIncidentStatus(actor: Actor, input: z.output<typeof incidentStatusInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, input.to === "acknowledged" ? "incident.acknowledge" : "incident.manage");
  return writeTransaction(getDb(), (tx) => {
    const loaded = incidentForChange(tx, input.incidentId, input.expectedVersion);
    const move = moveIncident(loaded, input.to, now);
    if (!move.ok) throw new PreconditionError(move.reason);
    const incident = recordDueBreaches(tx, loaded, { kind: "system", label: "worker" }, now);
    const saved = saveIncident(tx, incident, move.next, now);
    const clocks = Object.fromEntries(slaClocks(saved, now).map((c) => [c.clock, { state: c.state, dueAt: c.dueAt, stoppedAt: c.stoppedAt }]));
    auditIncident(tx, actor, saved, ACTION[input.to], { kind: input.to, text: `${input.to[0]!.toUpperCase()}${input.to.slice(1)} by ${actor.name}.` }, { from: loaded.status, to: input.to, sla: clocks }, requestId, now);
    return saved;
  });
}
