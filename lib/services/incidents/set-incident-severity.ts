import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { incidentSeverityInput } from "@/lib/domain/incidents/inputs";
import { PreconditionError } from "@/lib/errors";
import { auditIncident, incidentForChange, lockDownIfCritical, saveIncident } from "./internal";

/** Changes the severity (K2: the automatic P1/P2 is editable, audited); the SLA clocks follow it. */
export function setIncidentSeverity(actor: Actor, input: z.output<typeof incidentSeverityInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "incident.manage");
  return writeTransaction(getDb(), (tx) => {
    const incident = incidentForChange(tx, input.incidentId, input.expectedVersion);
    if (incident.status === "resolved") throw new PreconditionError("This incident is resolved; nothing changes any more.");
    if (incident.severity === input.severity) throw new PreconditionError(`The incident is already ${input.severity}.`);
    const saved = saveIncident(tx, incident, { severity: input.severity }, now);
    const why = input.reason ? `: ${input.reason}` : "";
    auditIncident(tx, actor, saved, "incident.severity_change", { kind: "severity_changed", text: `Severity ${incident.severity} -> ${input.severity} by ${actor.name}${why}.` }, { from: incident.severity, to: input.severity, reason: input.reason }, requestId, now);
    lockDownIfCritical(tx, saved, actor, requestId, now);
    return saved;
  });
}
