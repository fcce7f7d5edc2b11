import { z } from "zod";
import { DETECTED_AT_MESSAGES, INCIDENT_KINDS, incidentSeveritySchema } from "./rules";

const id = z.coerce.number().int().positive();
const optionalId = z.preprocess((v) => (v === "" || v === null ? undefined : v), id.optional());
const expectedVersion = z.coerce.number().int().positive().optional();

/**
 * An optional UTC instant: the form's datetime-local ("2026-11-22T10:00", read as UTC) or ISO text
 * with a zone; empty means unset. Whether it is plausible (past, recent) depends on the clock: the service checks.
 */
const optionalUtcInstant = z.preprocess(
  (v) => (typeof v === "string" && v.trim() === "") || v === null ? undefined : v,
  z
    .string(DETECTED_AT_MESSAGES.invalid)
    .trim()
    .max(40, DETECTED_AT_MESSAGES.invalid)
    .transform((v, ctx) => {
      const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:\d{2})?$/.test(v) ? Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? v : `${v}Z`) : NaN;
      if (Number.isNaN(ms)) {
        ctx.addIssue({ code: "custom", message: DETECTED_AT_MESSAGES.invalid });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
);

/** A manual incident (L1); rollbacks open theirs by themselves. */
export const openIncidentInput = z.object({
  title: z.string().trim().min(3, "Give the incident a title of at least 3 characters.").max(200),
  kind: z.enum(INCIDENT_KINDS.filter((k) => k !== "rollback") as ["security", "outage", "other"]),
  severity: incidentSeveritySchema,
  summary: z.string().trim().max(4000).default(""),
  serviceId: optionalId,
  environmentId: optionalId,
  /** When the impact was detected (UTC); the SLA clocks run from it. Unset: now. */
  detectedAt: optionalUtcInstant,
});

export const incidentStatusInput = z.object({
  incidentId: id,
  to: z.enum(["acknowledged", "mitigated", "resolved"]),
  expectedVersion,
});

export const incidentSeverityInput = z.object({ incidentId: id, severity: incidentSeveritySchema, reason: z.string().trim().max(500).default(""), expectedVersion });

export const incidentCommanderInput = z.object({ incidentId: id, commanderId: id, expectedVersion });

export const incidentNoteInput = z.object({ incidentId: id, text: z.string().trim().min(1, "Write what happened.").max(2000) });
