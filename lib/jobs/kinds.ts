import "server-only";
import { z } from "zod";
import type { Executor } from "@/db/connection";
import { type JobRow, enqueueJob } from "@/db/queries/jobs";
import { NOTIFICATION_DELIVER_JOB, notificationDeliverPayload } from "@/lib/domain/notifications/delivery";
import { MIGRATION_KINDS } from "@/lib/domain/release/inputs";
import { FLAG_EXTERNAL_SYNC_JOB, flagExternalSyncPayload } from "@/lib/domain/flags/external";

/**
 * The registry of job kinds: each kind's payload schema and the builders of its idempotency keys.
 * Services queue jobs and handlers read them only through here, so a payload has one shape.
 */

export const ROLLOUT_JOB = { step: "rollout.step", wake: "rollout.wake", rollback: "rollout.rollback", watch: "rollout.watch", deadline: "rollout.deadline" } as const;
/** Canary analysis: one recurring evaluation per live rollout that has a baseline (lib/jobs/handlers/analysis.ts). */
export const ANALYSIS_TICK_JOB = "analysis.tick";
export const RELEASE_MIGRATE_JOB = "release.migrate";
export const VALIDATION_JOB = "validation.run";
export const PREFLIGHT_JOB = "preflight.run";
export const HEALTH_JOB = "health.probe";
export const AUDIT_VERIFY_JOB = "audit.verify";
export const RECONCILE_JOB = "driver.reconcile";
/** One delivery attempt of a chat notification (defined with its payload next to the delivery policy). */
export { NOTIFICATION_DELIVER_JOB };
/** Incident SLA clocks (L1): records each breach once (lib/jobs/handlers/incidents.ts). */
export const INCIDENT_SLA_JOB = "incident.sla";
/** One attempt to send a flag's new state to its external flag service (runbook 002's curl). */
export { FLAG_EXTERNAL_SYNC_JOB };
/** Post-rollback verification (K2): health and smoke probes of the restored version, one attempt per job (lib/jobs/handlers/verify-rollback.ts). */
export const ROLLOUT_VERIFY_JOB = "rollout.verify";
/** Promote gates still waiting (quiet period, attestation): re-evaluated every few seconds; the promote step runs again once none waits (lib/jobs/handlers/rollout.ts). */
export const PROMOTE_GATES_RECHECK_JOB = "rollout.gates_recheck";

const id = z.number().int().positive();
const count = z.number().int().nonnegative();

export const JOB_PAYLOADS = {
  [ROLLOUT_JOB.step]: z.object({ rolloutId: id, stepIndex: count, rowVersion: count }),
  [ROLLOUT_JOB.wake]: z.object({ rolloutId: id, deferrals: count.default(0) }),
  [ROLLOUT_JOB.watch]: z.object({ rolloutId: id, rowVersion: count, n: count }),
  [ROLLOUT_JOB.rollback]: z.object({ rolloutId: id, reason: z.string().optional(), drainMs: count.default(0), drained: z.boolean().default(false) }),
  [ROLLOUT_JOB.deadline]: z.object({ rolloutId: id }),
  [ANALYSIS_TICK_JOB]: z.object({ rolloutId: id, n: count }),
  [RELEASE_MIGRATE_JOB]: z.object({
    releaseId: id,
    environmentId: id,
    kind: z.enum(MIGRATION_KINDS),
    /** Idempotency key of the deploy command (the rollouts started after expand migrations reuse it). */
    key: z.string(),
    actorId: id.nullable(),
  }),
  [VALIDATION_JOB]: z.object({ validationId: id }),
  [PREFLIGHT_JOB]: z.object({ releaseId: id }),
  [HEALTH_JOB]: z.object({}),
  [AUDIT_VERIFY_JOB]: z.object({}),
  [RECONCILE_JOB]: z.object({}),
  [NOTIFICATION_DELIVER_JOB]: notificationDeliverPayload,
  [INCIDENT_SLA_JOB]: z.object({}),
  [ROLLOUT_VERIFY_JOB]: z.object({ rolloutId: id, attempt: id.default(1) }),
  [FLAG_EXTERNAL_SYNC_JOB]: flagExternalSyncPayload,
  [PROMOTE_GATES_RECHECK_JOB]: z.object({ rolloutId: id, rowVersion: count, n: id }),
} as const;

export type JobKind = keyof typeof JOB_PAYLOADS;
export const JOB_KINDS = Object.keys(JOB_PAYLOADS) as JobKind[];
/** A payload as handlers read it (defaults applied). */
export type JobPayload<K extends JobKind> = z.output<(typeof JOB_PAYLOADS)[K]>;
/** A payload as it is queued (defaulted fields may be left out). */
export type JobPayloadInput<K extends JobKind> = z.input<(typeof JOB_PAYLOADS)[K]>;

export const isJobKind = (kind: string): kind is JobKind => Object.hasOwn(JOB_PAYLOADS, kind);

/** A job whose payload does not fit its kind: retrying cannot help, so the runner fails it at once. */
export class InvalidPayloadError extends Error {
  constructor(job: Pick<JobRow, "id" | "kind">, detail: string) {
    super(`Job ${job.id} (${job.kind}) has an invalid payload: ${detail}`);
    this.name = "InvalidPayloadError";
  }
}

/** The job's payload checked against its kind's schema; throws InvalidPayloadError with the reason. */
export function payloadOf<K extends JobKind>(job: Pick<JobRow, "id" | "kind" | "payload">, kind: K): JobPayload<K> {
  if (job.kind !== kind) throw new InvalidPayloadError(job, `expected kind ${kind}`);
  let raw: unknown;
  try {
    raw = JSON.parse(job.payload);
  } catch {
    throw new InvalidPayloadError(job, "not JSON");
  }
  const parsed = JOB_PAYLOADS[kind].safeParse(raw);
  if (!parsed.success) throw new InvalidPayloadError(job, parsed.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message.replace(/\.$/, "")}`).join("; "));
  return parsed.data as JobPayload<K>;
}

/** A job of a known kind with its parsed payload, narrowed by `kind`. */
export type TypedJob = { [K in JobKind]: { kind: K; payload: JobPayload<K> } }[JobKind];

/** The parsed payload of a job of any known kind; undefined when the kind is unknown or the payload does not fit. */
export function safePayloadOf(job: Pick<JobRow, "kind" | "payload">): TypedJob | undefined {
  if (!isJobKind(job.kind)) return undefined;
  try {
    const parsed = JOB_PAYLOADS[job.kind].safeParse(JSON.parse(job.payload));
    return parsed.success ? ({ kind: job.kind, payload: parsed.data } as TypedJob) : undefined;
  } catch {
    return undefined;
  }
}

/** Queues a job of a registered kind; the payload is checked by the compiler and by its schema, and stored as given. */
export function queueJob<K extends JobKind>(
  tx: Executor,
  kind: K,
  payload: JobPayloadInput<K>,
  v: { runAt: number; key: string; now: number; createdBy?: number | null },
): ReturnType<typeof enqueueJob> {
  JOB_PAYLOADS[kind].parse(payload);
  return enqueueJob(tx, { kind, payload, runAt: v.runAt, idempotencyKey: v.key, createdBy: v.createdBy, now: v.now });
}

// Idempotency keys. Their text is stored in queued rows: changing a format lets a repeated request
// queue a second job across an upgrade, so formats only ever gain new builders.

/** An effect of a rollout's machine transition (`execute_step`, `wake_at`, `rollback`) at a row version. */
export const rolloutEffectKey = (rolloutId: number, rowVersion: number, effect: string) => `rollout:${rolloutId}:v${rowVersion}:${effect}`;
/** The n-th process watch of a hold (the hold is the `wake_at` effect at that row version). */
export const rolloutWatchKey = (rolloutId: number, rowVersion: number, n: number) => `${rolloutEffectKey(rolloutId, rowVersion, "wake_at")}:watch:${n}`;
/** The n-th re-check of a hold whose time is up but whose analysis is not passing. */
export const rolloutHoldRecheckKey = (rolloutId: number, rowVersion: number, n: number) => `rollout:${rolloutId}:v${rowVersion}:analysis-hold:${n}`;
/** The second half of a gradual rollback: removing the drained canary. */
export const rolloutRollbackRemoveKey = (rolloutId: number, rowVersion: number) => `rollout:${rolloutId}:v${rowVersion}:rollback:remove`;
export const rolloutDeadlineKey = (rolloutId: number) => `rollout:${rolloutId}:deadline`;
export const analysisTickKey = (rolloutId: number, n: number) => `analysis:${rolloutId}:tick:${n}`;
export const migrateKeyPrefix = (releaseId: number, environmentId: number) => `release:${releaseId}:migrate:${environmentId}:`;
export const migrateKey = (p: JobPayloadInput<typeof RELEASE_MIGRATE_JOB>) => `${migrateKeyPrefix(p.releaseId, p.environmentId)}${p.kind}:${p.key}`;
export const validationKey = (validationId: number) => `validation:${validationId}`;
/** Pre-flight may be asked again later: the request time is part of the key. */
export const preflightKey = (releaseId: number, at: number) => `preflight:${releaseId}:${at}`;
/** Recurring jobs: one per time slot. */
export const healthSlotKey = (slot: number) => `health:${slot}`;
export const auditVerifySlotKey = (slot: number) => `audit.verify:${slot}`;
export const reconcileSlotKey = (slot: number) => `reconcile:${slot}`;
export const incidentSlaSlotKey = (slot: number) => `incident.sla:${slot}`;
/** The n-th attempt of a rollout's post-rollback verification (one verification per rollout). */
/** The n-th re-check of a rollout's waiting promote gates, at the row version that blocked its promote step. */
export const promoteGatesRecheckKey = (rolloutId: number, rowVersion: number, n: number) => `rollout:${rolloutId}:v${rowVersion}:gates-recheck:${n}`;
export const rolloutVerifyKey = (rolloutId: number, attempt = 1) => `rollout:${rolloutId}:verify${attempt > 1 ? `:${attempt}` : ""}`;
