import "server-only";
import type { Db, Tx } from "@/db/connection";
import { type JobRow, claimNextJob, finishJob, nextDueAt, renewLease } from "@/db/queries/jobs";
import { writeTransaction } from "@/db/transaction";

/** Thrown when a job's lease was taken over: whatever the old holder wanted to commit is dropped. */
export class LeaseLostError extends Error {
  constructor(jobId: number) {
    super(`Lease on job ${jobId} was lost to another worker.`);
    this.name = "LeaseLostError";
  }
}

export interface JobContext {
  job: JobRow;
  /** Aborted when the lease is lost or the runner stops. */
  signal: AbortSignal;
  /**
   * Commits `fn` only while this worker still holds the lease (fencing token checked and the
   * lease renewed in the same transaction), so a worker that lost its job can never write.
   */
  commit<T>(fn: (tx: Tx) => T): T;
}

export type JobHandler = (ctx: JobContext) => Promise<void> | void;

export interface RunnerOptions {
  db: Db;
  owner: string;
  handlers: Record<string, JobHandler>;
  leaseMs?: number;
  heartbeatMs?: number;
  /** Longest idle sleep; a new job is also noticed through `poke()`. */
  idlePollMs?: number;
  maxAttempts?: number;
  now?: () => number;
  log?: (msg: string) => void;
}

/** A failure worth retrying later (the handler decides); anything else fails the job after maxAttempts. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * Durable job runner (REQUIREMENTS G1): claims one due job at a time with a lease, renews the
 * lease every second while the handler runs, and finishes the job under the fencing token.
 * At-least-once delivery + idempotent handlers = exactly-once effects.
 */
export function createJobRunner(opts: RunnerOptions) {
  const leaseMs = opts.leaseMs ?? 5000;
  const heartbeatMs = opts.heartbeatMs ?? 1000;
  const idlePollMs = opts.idlePollMs ?? 250;
  const maxAttempts = opts.maxAttempts ?? 5;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => undefined);
  const kinds = Object.keys(opts.handlers);
  let stopped = true;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  const running = new Set<AbortController>();

  async function runOne(job: JobRow): Promise<void> {
    const controller = new AbortController();
    running.add(controller);
    const beat = setInterval(() => {
      try {
        if (!renewLease(opts.db, job.id, job.leaseToken, now(), leaseMs)) controller.abort(new LeaseLostError(job.id));
      } catch (err) {
        log(`heartbeat of job ${job.id} failed: ${String(err)}`);
      }
    }, heartbeatMs);
    const ctx: JobContext = {
      job,
      signal: controller.signal,
      commit: (fn) =>
        writeTransaction(opts.db, (tx) => {
          if (!renewLease(tx, job.id, job.leaseToken, now(), leaseMs)) throw new LeaseLostError(job.id);
          return fn(tx);
        }),
    };
    try {
      await opts.handlers[job.kind]!(ctx);
      if (!finishJob(opts.db, job.id, job.leaseToken, { status: "succeeded", now: now() })) log(`job ${job.id} finished after its lease was lost`);
    } catch (err) {
      if (err instanceof LeaseLostError || controller.signal.reason instanceof LeaseLostError) {
        log(`job ${job.id}: lease lost, leaving it to its new owner`);
      } else {
        const message = err instanceof Error ? err.message : String(err);
        const retry = err instanceof RetryLaterError || job.attempts < maxAttempts;
        const delay = err instanceof RetryLaterError ? err.delayMs : Math.min(30_000, 500 * 2 ** (job.attempts - 1));
        finishJob(opts.db, job.id, job.leaseToken, retry ? { status: "queued", now: now(), error: message, runAt: now() + delay } : { status: "failed", now: now(), error: message });
        log(`job ${job.id} (${job.kind}) ${retry ? `will retry in ${delay} ms` : "failed"}: ${message}`);
      }
    } finally {
      clearInterval(beat);
      running.delete(controller);
    }
  }

  async function main(): Promise<void> {
    while (!stopped) {
      const job = claimNextJob(opts.db, opts.owner, now(), leaseMs, kinds);
      if (job) {
        await runOne(job);
        continue;
      }
      const due = nextDueAt(opts.db);
      const sleep = Math.max(5, Math.min(idlePollMs, due === null ? idlePollMs : due - now()));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, sleep);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      loop = main();
    },
    /** Notices a newly queued job without waiting for the idle poll. */
    poke() {
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      for (const c of running) c.abort(new Error("runner stopping"));
      await loop;
    },
  };
}
