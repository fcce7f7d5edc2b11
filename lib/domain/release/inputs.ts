import { z } from "zod";
import { MIGRATION_KINDS, RELEASE_COMMAND_REFUSED, migrationIdSchema } from "../migration-catalog";
import { JSON_TEXT_MAX } from "../json-text";
import { strategySchema } from "../rollout/strategy";
import { MONITORING_CHOICES, RELEASE_COMMANDS } from "./lifecycle";

const id = z.coerce.number().int().positive();
const checkbox = z.union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()]).optional().transform((v) => v === true || v === "on" || v === "true");
const jsonText = z.union([z.string().max(JSON_TEXT_MAX, `At most ${JSON_TEXT_MAX.toLocaleString("en-US")} characters of JSON.`), z.array(z.unknown()), z.record(z.string(), z.unknown())]).transform((v, ctx) => {
  if (typeof v !== "string") return v;
  if (v.trim() === "") return [];
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "Must be valid JSON." });
    return z.NEVER;
  }
});

export { MIGRATION_KINDS } from "../migration-catalog";

/** True when a raw input value carries a command anywhere a release could once hold one. */
function carriesCommand(v: unknown): boolean {
  return Array.isArray(v) && v.some((m) => typeof m === "object" && m !== null && ("command" in m || "commands" in m));
}

/** One pick of a migration from the service's catalog: its id (a checkbox value) or {id, kind?}. */
const migrationPickSchema = z.preprocess(
  (v) => (typeof v === "string" ? { id: v } : v),
  z.object({ id: migrationIdSchema, kind: z.enum(MIGRATION_KINDS, { error: 'Migration kind is "expand" or "contract".' }).optional() }).strict(),
);

/**
 * The release's migrations: ids picked from its service's catalog (checkboxes, an array, or JSON
 * text of either). A command is refused here; the catalog check (unknown ids) is the service's.
 */
const migrationPicks = z.preprocess(
  (v) => {
    if (v === undefined || v === null || v === "") return [];
    if (typeof v === "string") {
      if (!v.trim().startsWith("[")) return [v];
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v; // fails below as "Must be valid JSON."
      }
    }
    return v;
  },
  z
    .unknown()
    .superRefine((v, ctx) => {
      if (typeof v === "string") ctx.addIssue({ code: "custom", message: "Must be valid JSON." });
      else if (carriesCommand(v)) ctx.addIssue({ code: "custom", message: RELEASE_COMMAND_REFUSED });
    })
    .pipe(z.array(migrationPickSchema).max(50))
    .refine((picks) => new Set(picks.map((m) => m.id)).size === picks.length, "Pick each migration once."),
);

const releaseFields = {
  version: z
    .string()
    .trim()
    .min(1, "Enter the version.")
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "Use letters, digits, dots, dashes, plus and underscores."),
  commitSha: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{7,40}$/i, "A commit is 7 to 40 hexadecimal characters."),
  changeLog: z.string().trim().min(10, "Describe the change (at least 10 characters).").max(10_000),
  rollbackPlan: z.string().trim().min(10, "Document the rollback plan (at least 10 characters).").max(10_000),
  migrations: migrationPicks,
  /** Commands are never part of a release (issue 10); a crafted one is refused, not ignored. */
  command: z.undefined({ error: RELEASE_COMMAND_REFUSED }).optional(),
  strategy: jsonText.pipe(strategySchema),
  hotfix: checkbox,
  sev1: checkbox,
  soakMinutes: z.coerce.number().int().min(0, "The soak cannot be negative.").max(7 * 1440).optional(),
  /** More services rolled out together with this one (G5), e.g. web and worker beside api. */
  alsoDeploy: z.preprocess((v) => (v === undefined || v === "" ? [] : Array.isArray(v) ? (v as unknown[]) : [v]), z.array(z.coerce.number().int().positive()).max(10)),
  timeoutMinutes: z.coerce.number().int().min(1, "A deployment needs at least 1 minute.").max(24 * 60, "At most 24 hours.").default(30),
  monitoringMinutes: z.coerce
    .number()
    .int()
    .refine((m) => (MONITORING_CHOICES as readonly number[]).includes(m), "Choose 15 min, 1 h or 24 h.")
    .default(60),
};

export const createReleaseInput = z
  .object({ serviceId: id, ...releaseFields })
  .refine((r) => !r.sev1 || r.hotfix, { path: ["sev1"], message: "Only a hotfix can be marked SEV-1." })
  .refine((r) => !r.alsoDeploy.includes(r.serviceId), { path: ["alsoDeploy"], message: "The release's own service is always deployed." });

/** Editing a release voids its approvals (D4); `rowVersion` guards against lost updates. */
export const updateReleaseInput = z.object({ releaseId: id, rowVersion: z.coerce.number().int().positive(), ...releaseFields });

export const releaseCommandInput = z.object({
  releaseId: id,
  command: z.enum(RELEASE_COMMANDS),
  reason: z.string().trim().max(500).optional(),
  idempotencyKey: z.string().trim().min(8).max(100).optional(),
  /** The row version the caller saw (the REST API's If-Match); another one now is CONFLICT, never a silent overwrite. */
  expectedVersion: z.number().int().positive().optional(),
});

export const attestInput = z.object({
  itemId: id,
  evidence: z.string().trim().min(3, "Say what you checked (a link, a ticket, a note).").max(2000),
  /** backup_verified: when the backup was taken (ISO or datetime-local, UTC). */
  backupAt: z.string().trim().max(40).optional(),
});

export const runPreflightInput = z.object({ releaseId: id });

export const decideApprovalInput = z.object({
  approvalId: id,
  decision: z.enum(["approve", "reject"]),
  comment: z.string().trim().max(2000).default(""),
  /** Needed only when the approver signed in more than 15 minutes ago. */
  password: z.string().max(1024).optional(),
}).refine((d) => d.decision !== "reject" || d.comment.length >= 3, { path: ["comment"], message: "Say why you reject (at least 3 characters)." });
