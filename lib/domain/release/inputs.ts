import { z } from "zod";
import { strategySchema } from "../rollout/strategy";
import { MONITORING_CHOICES, RELEASE_COMMANDS } from "./lifecycle";

const id = z.coerce.number().int().positive();
const checkbox = z.union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()]).optional().transform((v) => v === true || v === "on" || v === "true");
const jsonText = z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).transform((v, ctx) => {
  if (typeof v !== "string") return v;
  if (v.trim() === "") return [];
  try {
    return JSON.parse(v) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "Must be valid JSON." });
    return z.NEVER;
  }
});

export const MIGRATION_KINDS = ["expand", "contract"] as const;
/** One database migration of a release (004): expand runs before the rollout, contract after. */
export const migrationSchema = z
  .object({
    id: z.string().trim().min(1, "Give the migration an id.").max(100),
    kind: z.enum(MIGRATION_KINDS, { error: 'Migration kind is "expand" or "contract".' }),
    description: z.string().trim().max(500).default(""),
    /** Shell command the worker runs for it (output recorded); without one it is recorded as applied outside Flightdeck. */
    command: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();

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
  migrations: jsonText.pipe(z.array(migrationSchema).max(50)).default([]),
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
  .refine((r) => !r.alsoDeploy.includes(r.serviceId), { path: ["alsoDeploy"], message: "The release's own service is always deployed." })
  .refine((r) => new Set(r.migrations.map((m) => m.id)).size === r.migrations.length, { path: ["migrations"], message: "Migration ids must be unique." });

/** Editing a release voids its approvals (D4); `rowVersion` guards against lost updates. */
export const updateReleaseInput = z.object({ releaseId: id, rowVersion: z.coerce.number().int().positive(), ...releaseFields });

export const releaseCommandInput = z.object({
  releaseId: id,
  command: z.enum(RELEASE_COMMANDS),
  reason: z.string().trim().max(500).optional(),
  idempotencyKey: z.string().trim().min(8).max(100).optional(),
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
