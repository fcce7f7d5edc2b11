import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findUserById } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { incidentCommanderInput } from "@/lib/domain/incidents/inputs";
import { InvalidError, PreconditionError } from "@/lib/errors";
import { auditIncident, incidentForChange, saveIncident } from "./internal";

/** Names the incident commander: an active account. */
export function setIncidentCommander(actor: Actor, input: z.output<typeof incidentCommanderInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "incident.manage");
  return writeTransaction(getDb(), (tx) => {
    const incident = incidentForChange(tx, input.incidentId, input.expectedVersion);
    if (incident.status === "resolved") throw new PreconditionError("This incident is resolved; nothing changes any more.");
    const commander = findUserById(tx, input.commanderId);
    if (!commander || commander.disabled) throw new InvalidError("Please correct the highlighted fields.", { commanderId: ["Choose an active account."] });
    const saved = saveIncident(tx, incident, { commanderId: commander.id }, now);
    auditIncident(tx, actor, saved, "incident.commander_set", { kind: "commander_set", text: `${commander.name} is the incident commander (set by ${actor.name}).` }, { from: incident.commanderId, to: commander.id }, requestId, now);
    return saved;
  });
}
