import { z } from "zod";
import { AUDIT_ACTIONS } from "./audit-actions";

const optionalText = z
  .string()
  .trim()
  .max(320)
  .optional()
  .transform((v) => (v ? v : undefined));

/** datetime-local ("2026-11-22T10:00") or ISO text, read as UTC; empty means unset. */
const optionalTime = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "Use a date and time like 2026-11-22T10:00." });
      return z.NEVER;
    }
    return ms;
  });

/** Filters of the audit timeline and its exports (URL search params). */
export const auditQuerySchema = z
  .object({
    actor: optionalText,
    action: z
      .union([z.enum(AUDIT_ACTIONS), z.literal("")])
      .optional()
      .transform((v) => (v ? v : undefined)),
    environment: optionalText,
    subjectType: optionalText,
    subjectId: optionalText,
    from: optionalTime,
    to: optionalTime,
    before: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: "'From' must be before 'to'.", path: ["to"] });

export type AuditQuery = z.output<typeof auditQuerySchema>;

/** First value of each search param (Next gives arrays for repeated keys). */
export function firstValues(params: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first;
  }
  return out;
}
