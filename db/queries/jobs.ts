import { and, eq, lt, sql } from "drizzle-orm";
import type { Executor } from "../connection";
import { jobs } from "../schema";

export type JobRow = typeof jobs.$inferSelect;

/**
 * Queues a job; with an idempotency key a repeated request returns the job already queued
 * (a double-clicked start creates one job).
 */
export function enqueueJob(
  tx: Executor,
  v: { kind: string; payload: unknown; runAt: number; idempotencyKey?: string; createdBy?: number | null; now: number },
): { job: JobRow; created: boolean } {
  const inserted = tx
    .insert(jobs)
    .values({
      kind: v.kind,
      payload: JSON.stringify(v.payload),
      status: "queued",
      runAt: v.runAt,
      idempotencyKey: v.idempotencyKey ?? null,
      createdBy: v.createdBy ?? null,
      createdAt: v.now,
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (inserted) return { job: inserted, created: true };
  const existing = tx.select().from(jobs).where(eq(jobs.idempotencyKey, v.idempotencyKey!)).get();
  return { job: existing!, created: false };
}

const kindsFilter = (kinds?: readonly string[]) => (kinds?.length ? sql`AND kind IN (${sql.join(kinds.map((k) => sql`${k}`), sql`, `)})` : sql``);
const idsFilter = (ids?: readonly number[]) => (ids?.length ? sql`AND id NOT IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})` : sql``);

/**
 * Claims the next due job in one statement: a queued job whose time has come, or a running job
 * whose lease expired (its worker died; this is the reaper). The lease token is bumped on every
 * claim, fencing off the previous holder.
 */
export function claimNextJob(db: Executor, owner: string, now: number, leaseMs: number, kinds?: readonly string[], excludeIds?: readonly number[]): JobRow | undefined {
  const filter = sql`${kindsFilter(kinds)} ${idsFilter(excludeIds)}`;
  return db.get<JobRow | undefined>(sql`
    UPDATE jobs SET status = 'running', lease_owner = ${owner}, lease_expires_at = ${now + leaseMs},
      lease_token = lease_token + 1, attempts = attempts + 1, heartbeat_at = ${now}
    WHERE id = (
      SELECT id FROM jobs
      WHERE ((status = 'queued' AND run_at <= ${now}) OR (status = 'running' AND lease_expires_at < ${now})) ${filter}
      ORDER BY run_at, id LIMIT 1
    )
    RETURNING id, kind, payload, status, attempts, run_at AS runAt, lease_owner AS leaseOwner,
      lease_expires_at AS leaseExpiresAt, lease_token AS leaseToken, heartbeat_at AS heartbeatAt,
      idempotency_key AS idempotencyKey, last_error AS lastError, created_by AS createdBy,
      created_at AS createdAt, finished_at AS finishedAt`);
}

/**
 * Hands a claimed job back untouched (its target is busy in this worker): queued again at its old
 * time, the attempt the claim counted taken back. False when the lease was no longer ours.
 */
export function unclaimJob(db: Executor, id: number, token: number): boolean {
  return (
    db
      .update(jobs)
      .set({ status: "queued", attempts: sql`${jobs.attempts} - 1`, leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(jobs.id, id), eq(jobs.leaseToken, token), eq(jobs.status, "running")))
      .run().changes > 0
  );
}

/** Extends the lease if it is still ours; false means another worker has taken the job. */
export function renewLease(db: Executor, id: number, token: number, now: number, leaseMs: number): boolean {
  return (
    db
      .update(jobs)
      .set({ leaseExpiresAt: now + leaseMs, heartbeatAt: now })
      .where(and(eq(jobs.id, id), eq(jobs.leaseToken, token), eq(jobs.status, "running")))
      .run().changes > 0
  );
}

export function finishJob(
  db: Executor,
  id: number,
  token: number,
  v: { status: "succeeded" | "failed" | "queued"; now: number; error?: string | null; runAt?: number },
): boolean {
  return (
    db
      .update(jobs)
      .set({
        status: v.status,
        lastError: v.error ?? null,
        finishedAt: v.status === "queued" ? null : v.now,
        runAt: v.runAt ?? sql`${jobs.runAt}`,
        leaseOwner: null,
        leaseExpiresAt: null,
      })
      .where(and(eq(jobs.id, id), eq(jobs.leaseToken, token), eq(jobs.status, "running")))
      .run().changes > 0
  );
}

export function findJob(db: Executor, id: number): JobRow | undefined {
  return db.select().from(jobs).where(eq(jobs.id, id)).get();
}

/** Earliest time a queued job (of `kinds`, not in `excludeIds`) becomes due, so an idle worker can sleep until then. */
export function nextDueAt(db: Executor, kinds?: readonly string[], excludeIds?: readonly number[]): number | null {
  const row = db.get<{ at: number | null }>(sql`SELECT min(run_at) AS at FROM jobs WHERE status = 'queued' ${kindsFilter(kinds)} ${idsFilter(excludeIds)}`);
  return row?.at ?? null;
}

/** Housekeeping for recurring jobs: finished rows of `kind` older than `before` are removed. */
export function purgeFinishedJobs(db: Executor, kind: string, before: number): number {
  return db
    .delete(jobs)
    .where(and(eq(jobs.kind, kind), eq(jobs.status, "succeeded"), lt(jobs.finishedAt, before)))
    .run().changes;
}

/** Owners currently holding leases on running jobs. */
export function leaseOwners(db: Executor): string[] {
  return db
    .selectDistinct({ owner: jobs.leaseOwner })
    .from(jobs)
    .where(eq(jobs.status, "running"))
    .all()
    .flatMap((r) => (r.owner ? [r.owner] : []));
}

/** Ends the leases of a worker known to be dead, so its jobs are claimable now, not at expiry. */
export function expireLeasesOf(db: Executor, owner: string): number {
  return db.update(jobs).set({ leaseExpiresAt: 0 }).where(and(eq(jobs.status, "running"), eq(jobs.leaseOwner, owner))).run().changes;
}

/** A queued or running job whose idempotency key starts with `prefix` (e.g. a release's migrations in flight). */
export const activeJobWithKeyPrefix = (db: Executor, prefix: string) =>
  db
    .select()
    .from(jobs)
    .where(and(sql`${jobs.status} IN ('queued', 'running')`, sql`${jobs.idempotencyKey} LIKE ${`${prefix}%`}`))
    .get();
