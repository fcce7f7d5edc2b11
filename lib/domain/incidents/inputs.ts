import { z } from "zod";
import { INCIDENT_KINDS, incidentSeveritySchema } from "./rules";

const id = z.coerce.number().int().positive();
const optionalId = z.preprocess((v) => (v === "" || v === null ? undefined : v), id.optional());
const expectedVersion = z.coerce.number().int().positive().optional();

/** A manual incident (L1); rollbacks open theirs by themselves. */
export const openIncidentInput = z.object({
  title: z.string().trim().min(3, "Give the incident a title of at least 3 characters.").max(200),
  kind: z.enum(INCIDENT_KINDS.filter((k) => k !== "rollback") as ["security", "outage", "other"]),
  severity: incidentSeveritySchema,
  summary: z.string().trim().max(4000).default(""),
  serviceId: optionalId,
  environmentId: optionalId,
});

export const incidentStatusInput = z.object({
  incidentId: id,
  to: z.enum(["acknowledged", "mitigated", "resolved"]),
  expectedVersion,
});

export const incidentSeverityInput = z.object({ incidentId: id, severity: incidentSeveritySchema, reason: z.string().trim().max(500).default(""), expectedVersion });

export const incidentCommanderInput = z.object({ incidentId: id, commanderId: id, expectedVersion });

export const incidentNoteInput = z.object({ incidentId: id, text: z.string().trim().min(1, "Write what happened.").max(2000) });
