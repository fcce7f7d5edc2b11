import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { incidentNoteInput } from "@/lib/domain/incidents/inputs";
import { clip } from "@/lib/domain/input-summary";
import { auditIncident, incidentForChange, saveIncident } from "./internal";

/** A manual timeline entry (K2: the timeline is the audit events plus what people add). */
export function addIncidentNote(actor: Actor, input: z.output<typeof incidentNoteInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "incident.manage");
  return writeTransaction(getDb(), (tx) => {
    // The version moves with every entry so a stale page sees the incident changed.
    const incident = saveIncident(tx, incidentForChange(tx, input.incidentId), {}, now);
    auditIncident(tx, actor, incident, "incident.note", { kind: "note", text: input.text }, { text: clip(input.text, 300) }, requestId, now);
    return incident;
  });
}
